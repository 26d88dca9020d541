from flask import Blueprint

bp = Blueprint("organisation", __name__, url_prefix="/organisation")

from portal.organisation import views  # noqa: E402,F401
