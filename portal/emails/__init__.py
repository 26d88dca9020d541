from flask import Blueprint

bp = Blueprint("emails", __name__, url_prefix="/emails")

from portal.emails import views  # noqa: E402,F401
