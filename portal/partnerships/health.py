"""How well a partnership holds, for both sides: each side's obligations kept on
time over the last 12 months, the open concerns and their ages, the last and next
check-in, and the accreditation KPIs to act on. The rules are few and said on the
page (`rules`), so a partner sorted to the top of the list can be told why.

Everything is read for many partners at once, in a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import func, select

from portal.concerns.health import concern_counts, open_concerns
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.filters import percent
from portal.kpis.definitions import Kpi
from portal.kpis.pages import past_warning
from portal.models import CheckIn, Partner, User, utcnow
from portal.obligations.record import side_records

WINDOW_DAYS = 365  # obligations: the last 12 months
ON_TIME_WARNING = 0.75  # a side keeping fewer of its obligations on time is weak
CONCERN_OLD_DAYS = 30
CHECKIN_GAP_DAYS = 120  # no check-in held for this long, and none scheduled


def rules() -> list[str]:
    """The rules as the page says them, in the reader's language."""
    return [
        gettext(
            "A side kept fewer than %(share)s of its obligations due in the last "
            "12 months on time: 2 points; any missed outright: 1 more.",
            share=percent(ON_TIME_WARNING * 100),
        ),
        gettext(
            "A concern past the deadline of its step: 2 points each; a concern open for more "
            "than %(days)s days: 1 point each.",
            days=CONCERN_OLD_DAYS,
        ),
        gettext(
            "No check-in held in the last %(days)s days and none scheduled: 1 point.",
            days=CHECKIN_GAP_DAYS,
        ),
        gettext("An accreditation KPI past its warning threshold this quarter: 1 point each."),
    ]


WEAK, WATCH = 3, 1  # points from which a partnership is weak, or to watch
RATINGS = {
    "weak": lazy_gettext("Weak"),
    "watch": lazy_gettext("Watch"),
    "good": lazy_gettext("Good"),
}


@dataclass
class Health:
    partner: Partner
    # Per side ("programme", "partner"): portal.obligations.record.SideRecord.
    sides: dict = field(default_factory=dict)
    # The open concerns the viewer may see: portal.concerns.health.OpenConcern.
    concerns: list = field(default_factory=list)
    # Raised and resolved in the last 12 months, open now (concern_counts).
    concern_record: dict = field(default_factory=dict)
    last_checkin: datetime | None = None
    next_checkin: datetime | None = None
    kpis_to_act: list[Kpi] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    points: int = 0

    @property
    def rating(self) -> str:
        if self.points >= WEAK:
            return "weak"
        return "watch" if self.points >= WATCH else "good"

    @property
    def lowest_share(self) -> float:
        shares = [s.share for s in self.sides.values() if s.share is not None]
        return min(shares, default=1.0)

    def judge(self) -> Health:
        """Points and reasons from what was read (see RULES)."""
        for side, record in self.sides.items():
            programme = side == "programme"
            if record.share is not None and record.share < ON_TIME_WARNING:
                share = percent(record.share * 100)
                self._add(
                    2,
                    gettext("The programme kept %(share)s of its obligations on time.", share=share)
                    if programme
                    else gettext(
                        "The partner kept %(share)s of its obligations on time.", share=share
                    ),
                )
            if record.missed:
                self._add(
                    1,
                    ngettext(
                        "The programme missed %(num)d obligation outright.",
                        "The programme missed %(num)d obligations outright.",
                        record.missed,
                    )
                    if programme
                    else ngettext(
                        "The partner missed %(num)d obligation outright.",
                        "The partner missed %(num)d obligations outright.",
                        record.missed,
                    ),
                )
        for concern in self.concerns:
            if concern.overdue:
                step = str(concern.step_label).lower()
                self._add(2, gettext("A concern is past its deadline (%(step)s).", step=step))
            elif concern.age_days > CONCERN_OLD_DAYS:
                self._add(
                    1,
                    ngettext(
                        "A concern has been open %(num)d day.",
                        "A concern has been open %(num)d days.",
                        concern.age_days,
                    ),
                )
        cutoff = utcnow() - timedelta(days=CHECKIN_GAP_DAYS)
        held_lately = self.last_checkin is not None and self.last_checkin >= cutoff
        if not held_lately and self.next_checkin is None:
            self._add(
                1,
                gettext("No check-in in %(days)s days and none scheduled.", days=CHECKIN_GAP_DAYS),
            )
        for kpi in self.kpis_to_act:
            self._add(1, gettext("%(kpi)s is past its warning threshold.", kpi=kpi.title))
        return self

    def _add(self, points: int, reason: str) -> None:
        self.points += points
        self.reasons.append(reason)


def health_of(
    viewer: User, partners: list[Partner], today: date | None = None
) -> dict[int, Health]:
    """Each partner's health as `viewer` may see it (confidential concerns count
    only for those who may read them)."""
    today = today or local_today()
    ids = [p.id for p in partners]
    found = {p.id: Health(p) for p in partners}
    if not ids:
        return found
    for partner_id, (last, upcoming) in checkin_dates(ids).items():
        found[partner_id].last_checkin, found[partner_id].next_checkin = last, upcoming
    # The figures the KPI dashboard computes for the quarter (and keeps in its cache).
    acting = past_warning(today)
    for partner_id in ids:
        found[partner_id].kpis_to_act = [kpi for kpi, _ in acting.get(partner_id, [])]
    for partner_id, concerns in open_concerns(viewer, ids, today).items():
        found[partner_id].concerns = concerns
    since = today - timedelta(days=WINDOW_DAYS)
    for partner_id, sides in side_records(ids, since, today).items():
        found[partner_id].sides = sides
    for partner_id, counted in concern_counts(ids, since, viewer=viewer).items():
        found[partner_id].concern_record = counted
    return {pid: h.judge() for pid, h in found.items()}


def checkin_dates(partner_ids: list[int]) -> dict[int, tuple[datetime | None, datetime | None]]:
    """The last meeting held and the next one scheduled, per partner (one statement)."""
    now = utcnow()
    held = func.max(CheckIn.starts_at).filter(CheckIn.starts_at <= now)
    coming = func.min(CheckIn.starts_at).filter(CheckIn.starts_at > now)
    rows = db.session.execute(
        select(CheckIn.partner_id, held, coming)
        .where(CheckIn.partner_id.in_(partner_ids), CheckIn.cancelled_at.is_(None))
        .group_by(CheckIn.partner_id)
    )
    return {partner_id: (last, upcoming) for partner_id, last, upcoming in rows}


def weakest_first(health: dict[int, Health]) -> list[Health]:
    return sorted(
        health.values(), key=lambda h: (-h.points, h.lowest_share, h.partner.name, h.partner.id)
    )
