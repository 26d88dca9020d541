"""Partner feedback surveys: the survey administrators define, the invitation
after each decided cycle (email, bell, one reminder), the answering page, and
the results staff read (per cycle, survey and quarter; anonymous answers only in
aggregate, and only when enough of them)."""

from flask import Blueprint

# No prefix: answering hangs under the cycle (/accreditations/<id>/survey), the
# definitions and results under /surveys.
bp = Blueprint("surveys", __name__)
