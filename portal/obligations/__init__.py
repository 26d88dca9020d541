"""Agreement terms: the obligations each side of a partnership owes, their
occurrences, and how each is observed."""

from flask import Blueprint

# No prefix: agreements hang under the partner (/partners/<id>/agreements/new),
# obligations under /obligations/<id>, the partner's own page under /organisation.
bp = Blueprint("obligations", __name__)
