"""Concerns: either side of a partnership raises one about an obligation or the
partnership as a whole, and it goes along a fixed path with deadlines to a
decision with the redress agreed (review and redress)."""

from flask import Blueprint

# No prefix: staff raise under the partner (/partners/<id>/concerns/new), partners
# under their organisation (/organisation/concerns), the concerns live at /concerns.
bp = Blueprint("concerns", __name__)
