from flask import Blueprint, redirect, request, url_for
from flask_login import LoginManager

bp = Blueprint("auth", __name__)


def init_login(manager: LoginManager) -> None:
    from portal.extensions import db
    from portal.models import User
    from portal.web import is_htmx

    manager.login_view = "auth.login"
    manager.login_message = "Please log in to continue."
    manager.login_message_category = "info"

    @manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    @manager.unauthorized_handler
    def unauthorized():
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        if is_htmx():  # a whole-page redirect, not a login form inside a fragment
            return "", 401, {"HX-Redirect": target}
        return redirect(target)


from portal.auth import views  # noqa: E402,F401
