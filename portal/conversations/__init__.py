"""Conversations: the message thread per accreditation and the comments under
each submission."""

from flask import Blueprint

bp = Blueprint("conversations", __name__)
