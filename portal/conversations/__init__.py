from flask import Blueprint

bp = Blueprint("conversations", __name__)

from portal.conversations import views  # noqa: E402,F401
