"""Review: the queue of submissions waiting, assigning reviewers, decisions."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
