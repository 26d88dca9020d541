"""Mail: the outbox and its delivery, the email templates administrators edit,
and the Email log."""

from flask import Blueprint

log_bp = Blueprint("emails", __name__, url_prefix="/emails")
templates_bp = Blueprint("email_templates", __name__, url_prefix="/email-templates")
