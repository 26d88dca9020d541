"""The emails administrators edit: report, reminder, invitation, welcome."""

from flask import Blueprint

bp = Blueprint("email_templates", __name__, url_prefix="/email-templates")

from portal.email_templates import views  # noqa: E402,F401
