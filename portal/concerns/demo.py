"""The demo's concerns, one at each step of the path: NDST's about a site visit
moved twice, raised a week ago and still not acknowledged (past its deadline:
on the board and in My actions); HAI's about a late tranche, under review with
answers and evidence from both sides; MCTA's about its data, decided with redress
and waiting for MCTA to confirm; the programme's about HAI's late report, closed;
and a confidential one of NDST's that only the administrators see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import BytesIO

from werkzeug.datastructures import FileStorage

from portal.concerns import path
from portal.concerns.redress import ConcernDraft, answer, raise_concern, take_step
from portal.core.clock import local_day
from portal.core.extensions import db
from portal.models import Concern, Partner, User


def _evidence(make_pdf: Callable[[str], bytes], title: str, name: str) -> FileStorage:
    return FileStorage(BytesIO(make_pdf(title)), filename=name)


def _backdate(concern: Concern, days: int) -> None:
    """As if raised `days` ago: its events and its first deadline move with it."""
    for event in concern.events:
        event.at -= timedelta(days=days)
    concern.raised_at -= timedelta(days=days)
    concern.step_since -= timedelta(days=days)
    if concern.acknowledged_at:
        concern.acknowledged_at -= timedelta(days=days)
    if concern.step == "raised":
        concern.due_on = path.acknowledge_by(local_day(concern.raised_at))
    db.session.commit()


def load_concern_story(
    admin: User,
    manager: User,
    focal_points: list[User],
    partners: list[Partner],
    today: date,
    make_pdf: Callable[[str], bytes],
) -> None:
    hai, ndst, mcta = focal_points
    hai_partner, ndst_partner, mcta_partner = partners
    late = raise_concern(
        ndst,
        ndst_partner,
        ConcernDraft(
            "communication",
            "The supervision site visit was moved twice, each time the day before, "
            "and our district supervisors had already travelled.",
            "Agree visit dates a month ahead and cover the travel already paid.",
        ),
    )
    _backdate(late, 7)

    tranche = raise_concern(
        hai,
        hai_partner,
        ConcernDraft(
            "payment",
            "The second tranche for community health workers arrived six weeks after "
            "the date in the agreement; stipends were paid late.",
            "Pay tranches on the agreed date, or tell us two weeks ahead when they will be late.",
        ),
        _evidence(make_pdf, "Bank statement, tranche 2", "bank-statement-tranche-2.pdf"),
    )
    take_step(admin, tranche, "acknowledge", "Received. Finance is checking the payment dates.")
    take_step(admin, tranche, "review")
    answer(manager, tranche, "Finance confirms the invoice waited three weeks for a signature.")
    answer(hai, tranche, "Here are the dates we invoiced and were paid.")
    _backdate(tranche, 3)

    data = raise_concern(
        mcta,
        mcta_partner,
        ConcernDraft(
            "data",
            "Our training figures for Q2 in the quarterly report are those of another partner.",
            "Correct the report and send it again.",
        ),
    )
    take_step(admin, data, "acknowledge")
    take_step(admin, data, "review")
    take_step(
        admin,
        data,
        "decide",
        "The district export mixed two partners' data sets.",
        outcome="upheld",
        redress=(
            "The report is corrected and sent again by Friday; the export is checked each quarter."
        ),
    )

    report = raise_concern(
        manager,
        hai_partner,
        ConcernDraft(
            "obligation",
            "The Q3 activity report came five weeks after the deadline.",
            "Send the quarterly report within the agreed 30 days, or ask for more time.",
        ),
    )
    take_step(admin, report, "acknowledge")
    answer(hai, report, "Our M&E officer left in August; the new one started in October.")
    take_step(admin, report, "review")
    take_step(
        admin,
        report,
        "decide",
        "The report was late; the reason is understood.",
        outcome="partly_upheld",
        redress="HAI names a deputy for reporting; one month's extension this time.",
    )
    take_step(manager, report, "confirm", "Agreed with HAI on the call.")
    _backdate(report, 20)

    confidential = raise_concern(
        ndst,
        ndst_partner,
        ConcernDraft(
            "conduct",
            "A visiting officer asked our staff for a payment to speed up the review.",
            "Look into it and tell us what was done.",
            confidential=True,
        ),
    )
    take_step(admin, confidential, "acknowledge", "Thank you. This stays with the administrators.")
    db.session.commit()
