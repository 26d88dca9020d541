"""What staff see across all partners: the accreditations overview, their own
outstanding actions, and the actions board with its bulk actions."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)
