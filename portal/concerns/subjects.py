"""What a concern can be about: the partnership as a whole, or one of the
partner's obligations (portal/obligations)."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from portal.core.extensions import db
from portal.models import Obligation
from portal.obligations.record import obligation_choices

__all__ = ["WHOLE", "obligation_choices", "subject_label"]

WHOLE = lazy_gettext("The partnership as a whole")


def subject_label(obligation_id: int | None, choices: list[tuple[int, str]]) -> str:
    """The concern's subject in words; an obligation ended since (no longer among
    the choices) is still named by its own label."""
    if obligation_id is None:
        return WHOLE
    if found := dict(choices).get(obligation_id):
        return found
    obligation = db.session.get(Obligation, obligation_id)
    if obligation is None:
        return gettext("Obligation #%(id)s", id=obligation_id)
    return obligation.shown_label
