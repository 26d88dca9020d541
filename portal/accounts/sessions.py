"""Sessions: who a session belongs to (and whether it was ended since), where
an anonymous visitor is sent, and logging in and out."""

from __future__ import annotations

from flask import request, session, url_for
from flask_babel import lazy_gettext
from flask_login import LoginManager, login_user, logout_user

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.htmx import go_to
from portal.core.i18n import INTERFACE_LANGUAGES, SESSION_KEY


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = lazy_gettext("Please log in to continue.")
    manager.login_message_category = "info"

    @manager.user_loader
    def load_user(session_id: str):
        """The user a session names, unless that session was ended since."""
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None  # a cookie from before session versions, or a forged one
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version):
            return None
        return user

    @manager.unauthorized_handler
    def unauthorized():
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        return go_to(target, status=401)  # the whole page, not a login form in a fragment


def log_in(user: User) -> None:
    """Start a new session for `user`: nothing of the session before it (an
    attacker's planted cookie, its CSRF token) carries over, but for the language
    chosen on the way in, which becomes the account's."""
    chosen = session.get(SESSION_KEY)
    session.clear()
    if chosen in INTERFACE_LANGUAGES and chosen != user.language:
        user.language = chosen
        db.session.commit()
    login_user(user)


def log_out(user: User) -> None:
    """End this session and every other session of `user`."""
    language = user.language  # read first: `user` may be current_user, gone after logout
    user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    if language:  # the login page they land on stays in their language
        session[SESSION_KEY] = language
