"""Partnerships as a whole: whether one is the right choice before a partner is
active (the need check and the decision), how well it holds (health) and how it
ends (programme exit)."""

from flask import Blueprint

# No prefix: each page hangs under its partner (/partners/<id>/need).
bp = Blueprint("partnerships", __name__)
