"""Flask-Login's side of accounts: who a session belongs to, and where an
anonymous visitor is sent."""

from __future__ import annotations

from flask import request, url_for
from flask_login import LoginManager

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.htmx import go_to


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to continue."
    manager.login_message_category = "info"

    @manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    @manager.unauthorized_handler
    def unauthorized():
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        return go_to(target, status=401)  # the whole page, not a login form in a fragment
