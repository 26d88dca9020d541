from flask import Blueprint

# No prefix: scheduling hangs under the partner (/partners/<id>/checkins/new),
# the meetings themselves under /checkins/<id>.
bp = Blueprint("checkins", __name__)

from portal.checkins import views  # noqa: E402,F401
