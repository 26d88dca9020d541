from flask import Blueprint

bp = Blueprint("vault", __name__)

from portal.vault import views  # noqa: E402,F401
