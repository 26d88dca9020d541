"""Progress reports: composed, previewed and sent by staff or by the scheduler,
kept as sent, read by partners (and as PDF)."""

from flask import Blueprint

# No URL prefix: staff pages live under /reports, partners read theirs under
# /organisation/reports beside their other organisation pages.
bp = Blueprint("reports", __name__)
