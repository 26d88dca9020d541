"""The demo's agreement terms: a template of standard obligations, and two
partners' agreements with obligations of both sides — some met, some late, one
of the programme's missed — so each side's record reads at a glance."""

from __future__ import annotations

from datetime import date, time, timedelta
from io import BytesIO

from dateutil.relativedelta import relativedelta

from portal.core import periods
from portal.core.clock import to_utc
from portal.core.extensions import db
from portal.core.storage import storage
from portal.models import (
    Obligation,
    ObligationTemplate,
    ObligationTemplateItem,
    Observation,
    Partner,
    User,
)
from portal.obligations.schedule import nth_due
from portal.obligations.terms import AgreementDraft, ObligationDraft, add_obligation, open_agreement

STANDARD = [
    ("programme", "Reviews each submission within 5 working days", "quarterly", "automatic"),
    ("programme", "Holds a quarterly check-in with the partner", "quarterly", "confirmation"),
    ("partner", "Submits its quarterly activity report", "quarterly", "evidence"),
    ("partner", "Hands in its documents by their deadlines", "quarterly", "automatic"),
]


def standard_template() -> ObligationTemplate:
    template = ObligationTemplate(name="Standard partnership terms")
    template.items = [
        ObligationTemplateItem(
            side=side,
            description=description,
            recurrence=recurrence,
            first_due_months=3,
            observed_by=observed_by,
            rule=("reviews_within" if side == "programme" else "documents_on_time")
            if observed_by == "automatic"
            else None,
            rule_days=5 if side == "programme" and observed_by == "automatic" else None,
        )
        for side, description, recurrence, observed_by in STANDARD
    ]
    db.session.add(template)
    db.session.flush()
    return template


def _observed(
    obligation: Obligation, n: int, days_after_due: int, by: User, note: str, pdf: bytes | None
) -> None:
    """The n-th occurrence observed `days_after_due` days after it fell due
    (negative: before), with an evidence file for evidence obligations."""
    due = nth_due(obligation.first_due_on, obligation.recurrence, n)
    observation = Observation(
        obligation_id=obligation.id,
        due_on=due,
        kind=obligation.observed_by,
        note=note,
        observed_by_id=by.id,
        observed_at=to_utc(due + timedelta(days=days_after_due), time(11, 0)),
    )
    if obligation.observed_by == "evidence" and pdf is not None:
        stored = storage().save(BytesIO(pdf), max_bytes=len(pdf))
        observation.filename = f"report-{due:%Y-%m}.pdf"
        observation.storage_key = stored.key
        observation.content_type = "application/pdf"
        observation.size = stored.size
        observation.sha256 = stored.sha256
    db.session.add(observation)


def load(admin: User, partners: list[Partner], people: dict[str, User], today: date, pdf) -> None:
    """HAI: standard terms for two quarters (its reports met, then late; the
    programme's check-in confirmed once, then missed). NDST: a monthly financial
    statement (met, met, late) and a risk register due within the week."""
    hai, ndst = partners[0], partners[1]
    template = standard_template()
    # Two fiscal quarters back from the current one's start: the labels are quarters.
    quarter = periods.quarter_of(today, periods.fiscal_start())
    start = quarter.start - relativedelta(months=6)
    agreement = open_agreement(
        admin, hai, AgreementDraft("HAI supervision agreement", start, None, template.id)
    )
    by_text = {o.description: o for o in agreement.obligations}
    report = by_text["Submits its quarterly activity report"]
    checkin = by_text["Holds a quarterly check-in with the partner"]
    _observed(report, 0, -3, people["hai"], "Q1 activity report, signed", pdf("Activity report"))
    _observed(report, 1, 10, people["hai"], "Sent after the board met", pdf("Activity report"))
    _observed(checkin, 0, -5, people["hai"], "We met at the district office.", None)

    start = today.replace(day=1) - relativedelta(months=4)
    agreement = open_agreement(
        admin, ndst, AgreementDraft("NDST memorandum of understanding", start, None, None)
    )
    statement = add_obligation(
        admin,
        agreement,
        ObligationDraft(
            "partner",
            "Sends its monthly financial statement",
            "monthly",
            start + relativedelta(months=1) - timedelta(days=1),
            "evidence",
            responsible_user_id=people["ndst"].id,
        ),
    )
    add_obligation(
        admin,
        agreement,
        ObligationDraft(
            "programme",
            "Reviews each submission within 5 working days",
            "quarterly",
            start + relativedelta(months=3) - timedelta(days=1),
            "automatic",
            rule="reviews_within",
            rule_days=5,
        ),
    )
    add_obligation(
        admin,
        agreement,
        ObligationDraft(
            "partner",
            "Sends its updated risk register",
            "once",
            today + timedelta(days=6),
            "evidence",
        ),
    )
    notes = ((0, -2, "Signed by the treasurer"), (1, 0, ""), (2, 9, "After the audit"))
    for n, days, note in notes:
        _observed(statement, n, days, people["ndst"], note, pdf("Financial statement"))
    db.session.commit()
