"""Sessions: who a session belongs to (and whether it was ended since), where
an anonymous visitor is sent, and logging in and out."""

from __future__ import annotations

from flask import current_app, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager, login_user, logout_user

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.htmx import go_to
from portal.core.i18n import INTERFACE_LANGUAGES, SESSION_KEY
from portal.core.types import utcnow


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
    chosen on the way in, which becomes the account's. Every way in (password,
    invitation, reset link) comes through here, so the login is recorded here."""
    chosen = session.get(SESSION_KEY)
    session.clear()
    if chosen in INTERFACE_LANGUAGES and chosen != user.language:
        user.language = chosen
    user.last_login_at = utcnow()
    db.session.commit()
    login_user(user)


def deactivated_message(user: User) -> str:
    """What a deactivated account is told after its right password: whom to ask.
    A partner's user asks their organisation's focal point; staff, or a partner
    without another active focal point, the programme team (TEAM_CONTACT, else
    PROGRAMME_TEAM_EMAILS)."""
    focal = None
    if user.partner_id is not None:
        focal = db.session.scalar(
            db.select(User)
            .where(
                User.partner_id == user.partner_id,
                User.partner_role == "focal",
                User.active.is_(True),
                User.id != user.id,
            )
            .order_by(User.id)
            .limit(1)
        )
    if focal is not None:
        return gettext(
            "This account is deactivated. Ask your organisation's focal point, "
            "%(name)s (%(email)s), to reactivate it.",
            name=focal.name,
            email=focal.email,
        )
    config = current_app.config
    contact = config.get("TEAM_CONTACT") or ", ".join(config.get("PROGRAMME_TEAM_EMAILS") or ())
    if contact:
        return gettext(
            "This account is deactivated. Ask the programme team (%(contact)s) to reactivate it.",
            contact=contact,
        )
    return gettext("This account is deactivated. Ask the programme team to reactivate it.")


def log_out(user: User) -> None:
    """End this session and every other session of `user`."""
    language = user.language  # read first: `user` may be current_user, gone after logout
    user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    if language:  # the login page they land on stays in their language
        session[SESSION_KEY] = language
