"""Notifications: the bell, and each person's say in which notifications they
are emailed (at once or in a daily digest)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
settings_bp = Blueprint("settings", __name__, url_prefix="/settings")
