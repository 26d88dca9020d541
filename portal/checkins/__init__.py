"""Check-ins: meetings with a partner, their iCalendar invitations, notes and
follow-up actions."""

from flask import Blueprint

# No prefix: scheduling hangs under the partner (/partners/<id>/checkins/new),
# the meetings themselves under /checkins/<id>.
bp = Blueprint("checkins", __name__)
