from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from portal.preferences import views  # noqa: E402,F401
