from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")

from portal.partners import merge_views, views  # noqa: E402,F401
