"""What a concern can be about: the partnership as a whole, or one of the
partner's obligations. The obligations live in portal/obligations (another
branch of issue 12); the lead rewires `obligation_choices` to them at merge."""

from __future__ import annotations

WHOLE = "The partnership as a whole"


def obligation_choices(partner_id: int) -> list[tuple[int, str]]:
    """(obligation id, label) of the partner's obligations a concern may name."""
    return []


def subject_label(obligation_id: int | None, choices: list[tuple[int, str]]) -> str:
    if obligation_id is None:
        return WHOLE
    return dict(choices).get(obligation_id, f"Obligation #{obligation_id}")
