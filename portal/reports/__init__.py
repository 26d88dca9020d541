from flask import Blueprint

# No URL prefix: staff pages live under /reports, partners read theirs under
# /organisation/reports beside their other organisation pages.
bp = Blueprint("reports", __name__)

from portal.reports import views  # noqa: E402,F401
