"""Partners: records with contacts and coverage, agreements, merging duplicates,
their people, and the partner's own organisation pages."""

from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")
organisation_bp = Blueprint("organisation", __name__, url_prefix="/organisation")
