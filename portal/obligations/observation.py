"""Where each occurrence of an obligation stands: met, late, pending, missed or
closed, and the last observation of it.

Evidence and confirmations are rows (Observation); automatic obligations are
judged from what the portal already records: review times of the partner's
submissions ("the programme reviews each submission within N working days")
and its checklist deadlines as the KPIs judge them (portal.kpis.events:
document_deadlines, the same rows as "documents on time").

An occurrence is *met* when observed on or before its due date, *late* when
observed after it, *pending* while not yet due or within GRACE_DAYS after, and
*missed* once the grace is over with nothing observed. Statuses for any number
of obligations cost one query for the observations and one per automatic rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import joinedload

from portal.core.clock import local_day
from portal.core.extensions import db
from portal.core.periods import fiscal_start
from portal.core.sqldays import local_date, working_days
from portal.kpis.events import document_deadlines
from portal.models import Accreditation, Obligation, Observation, Submission
from portal.obligations import schedule

GRACE_DAYS = 7
# Beyond today: the next occurrence is shown (and reminded of) this far ahead.
HORIZON_DAYS = 120
STATUS_LABELS = {
    "met": lazy_gettext("Met"),
    "late": lazy_gettext("Late"),
    "pending": lazy_gettext("Pending"),
    "missed": lazy_gettext("Missed"),
    "closed": lazy_gettext("Closed"),
}


@dataclass
class Event:
    """One thing an automatic rule judges: a submission's review, a document's deadline."""

    day: date  # what puts it in an occurrence's window
    done_on: date | None  # reviewed, handed in
    on_time: bool
    overdue: bool  # not done, and its own time is up


@dataclass
class Occurrence:
    obligation: Obligation
    due_on: date
    start: date
    status: str
    observation: Observation | None = None
    observed_on: date | None = None  # when what decided it was observed
    note: str = ""
    events: list[Event] = field(default_factory=list)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def period(self) -> str:
        return schedule.period_label(
            self.due_on, self.obligation.recurrence, fiscal_start(), self.start
        )

    def overdue(self, today: date) -> bool:
        return self.status in ("pending", "missed") and self.due_on < today


# --- automatic rules: one query each, for every partner at once ---------------------


Review = tuple[date, date | None, int]


def _review_events(partner_ids: set[int], today: date) -> dict[int, list[Review]]:
    """Per partner: (upload day, review day, working days taken so far) of each
    submission that was or is waiting for review."""
    uploaded = local_date(Submission.uploaded_at)
    reviewed = local_date(Submission.reviewed_at)
    taken = working_days(uploaded, func.coalesce(reviewed, literal(today)))
    rows = db.session.execute(
        select(Accreditation.partner_id, uploaded, reviewed, taken)
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .where(
            Accreditation.partner_id.in_(partner_ids),
            Submission.status != "withdrawn",
            or_(Submission.reviewed_at.is_not(None), Submission.status == "submitted"),
        )
    )
    found: dict[int, list] = defaultdict(list)
    for partner_id, up, rev, days in rows:
        found[partner_id].append((_as_date(up), _as_date(rev), int(days)))
    return found


def _deadline_events(partner_ids: set[int], today: date) -> dict[int, list[Event]]:
    due = document_deadlines(today)
    rows = db.session.execute(
        select(due.c.partner_id, due.c.due_on, due.c.handed_in).where(
            due.c.partner_id.in_(partner_ids)
        )
    )
    found: dict[int, list[Event]] = defaultdict(list)
    for partner_id, due_on, handed_in in rows:
        due_on, handed_in = _as_date(due_on), _as_date(handed_in)
        on_time = handed_in is not None and handed_in <= due_on
        found[partner_id].append(Event(due_on, handed_in, on_time, handed_in is None))
    return found


def _as_date(value) -> date | None:
    """SQLite answers dates computed in SQL as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- the statuses ----------------------------------------------------------------------


def occurrences(
    obligations: Sequence[Obligation], today: date, since: date | None = None
) -> dict[int, list[Occurrence]]:
    """Each obligation's occurrences up to the next one due (from `since`, if
    given), with their statuses. Obligations come with their agreement loaded."""
    if not obligations:
        return {}
    ids = [o.id for o in obligations]
    observed = {
        (row.obligation_id, row.due_on): row
        for row in db.session.scalars(select(Observation).where(Observation.obligation_id.in_(ids)))
    }
    by_rule: dict[str, set[int]] = defaultdict(set)
    for o in obligations:
        if o.observed_by == "automatic" and o.rule:
            by_rule[o.rule].add(o.agreement.partner_id)
    reviews = _review_events(by_rule["reviews_within"], today) if by_rule["reviews_within"] else {}
    deadlines = (
        _deadline_events(by_rule["documents_on_time"], today)
        if by_rule["documents_on_time"]
        else {}
    )
    result: dict[int, list[Occurrence]] = {}
    for o in obligations:
        agreement = o.agreement
        ends = [d for d in (o.ended_on, agreement.ends_on) if d]
        ends_on = min(ends) if ends else None
        dates = schedule.due_dates(
            o.first_due_on, o.recurrence, today + timedelta(HORIZON_DAYS), ends_on
        )
        upcoming = [d for d in dates if d > today]
        dates = [d for d in dates if d <= today] + upcoming[:1]  # the next one, not all
        found = []
        for window in schedule.windows(o.first_due_on, o.recurrence, agreement.starts_on, dates):
            if since is not None and window.due_on < since:
                continue
            if o.observed_by == "automatic":
                events = _automatic_events(o, window, reviews, deadlines, today)
                found.append(_judged(o, window, events, today))
            else:
                found.append(_observed(o, window, observed.get((o.id, window.due_on)), today))
        result[o.id] = found
    return result


def _observed(o: Obligation, window, observation: Observation | None, today: date) -> Occurrence:
    occurrence = Occurrence(o, window.due_on, window.start, "pending", observation)
    if observation is not None:
        occurrence.observed_on = local_day(observation.observed_at)
        occurrence.note = observation.note
        if observation.kind == "closed":
            occurrence.status = "closed"
        else:
            occurrence.status = "met" if occurrence.observed_on <= window.due_on else "late"
    elif today > window.due_on + timedelta(GRACE_DAYS):
        occurrence.status = "missed"
    return occurrence


def _automatic_events(o: Obligation, window, reviews, deadlines, today: date) -> list[Event]:
    partner_id = o.agreement.partner_id
    if o.rule == "reviews_within":
        limit = o.rule_days or 5
        return [
            Event(up, rev, rev is not None and days <= limit, rev is None and days > limit)
            for up, rev, days in reviews.get(partner_id, [])
            if window.start <= up <= window.due_on
        ]
    return [e for e in deadlines.get(partner_id, []) if window.start <= e.day <= window.due_on]


def _judged(o: Obligation, window, events: list[Event], today: date) -> Occurrence:
    """An automatic occurrence: judged once its due date has passed."""
    occurrence = Occurrence(o, window.due_on, window.start, "pending", events=events)
    done = [e.done_on for e in events if e.done_on]
    occurrence.observed_on = max(done) if done else None
    on_time = sum(e.on_time for e in events)
    occurrence.note = _automatic_note(o.rule, on_time, len(events))
    if today <= window.due_on:
        return occurrence
    past_grace = today > window.due_on + timedelta(GRACE_DAYS)
    if any(e.done_on is None for e in events):  # still to review or to hand in
        occurrence.status = "missed" if past_grace else "pending"
    elif on_time < len(events):
        occurrence.status = "late"
    else:
        occurrence.status = "met"
        occurrence.observed_on = occurrence.observed_on or window.due_on
    return occurrence


def _automatic_note(rule: str | None, on_time: int, events: int) -> str:
    """What an automatic occurrence says of itself, in the reader's language."""
    if rule == "reviews_within":
        if not events:
            return gettext("No reviews due")
        return ngettext(
            "%(on_time)s of %(num)d review on time",
            "%(on_time)s of %(num)d reviews on time",
            events,
            on_time=on_time,
        )
    if not events:
        return gettext("No documents due")
    return ngettext(
        "%(on_time)s of %(num)d document on time",
        "%(on_time)s of %(num)d documents on time",
        events,
        on_time=on_time,
    )


def last_observation(found: list[Occurrence]) -> Occurrence | None:
    """The occurrence most recently observed (what either side looks at first)."""
    seen = [x for x in found if x.observed_on is not None]
    return max(seen, key=lambda x: (x.observed_on, x.due_on)) if seen else None


def current(found: list[Occurrence], today: date) -> Occurrence | None:
    """The occurrence that asks for attention: the oldest still open past its due
    date, else the next one coming."""
    open_ = [x for x in found if x.status in ("pending", "missed")]
    overdue = [x for x in open_ if x.due_on < today]
    if overdue:
        return overdue[0]
    return open_[0] if open_ else None


def loaded_obligations(*conditions) -> list[Obligation]:
    """Obligations with their agreement and responsible person, in one query."""
    return list(
        db.session.scalars(
            select(Obligation)
            .join(Obligation.agreement)
            .where(*conditions)
            .options(joinedload(Obligation.agreement), joinedload(Obligation.responsible))
            .order_by(Obligation.agreement_id, Obligation.side.desc(), Obligation.id)
        ).unique()
    )
