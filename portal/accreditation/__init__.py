"""Accreditation: the programme's accreditation templates, the cycles opened on
them, each partner's checklist, uploads, deadlines, decisions, timeline and the
deadlines calendar."""

from flask import Blueprint

bp = Blueprint("accreditation", __name__)
# The accreditation-template editor.
templates_bp = Blueprint("accreditation_templates", __name__, url_prefix="/accreditation-templates")
calendar_bp = Blueprint("calendar", __name__, url_prefix="/calendar")
