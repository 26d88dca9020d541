"""Concerns: the path's deadlines in working days, steps out of order and
decisions without a reason refused with nothing saved, contests, escalation by
the daily run (once per step), closing what nobody contested, confidentiality,
and what the health page and the analytics read."""

from __future__ import annotations

from datetime import date, time

import pytest

from portal.concerns.analytics import analytics
from portal.concerns.health import concern_counts, open_concerns, past_deadline
from portal.concerns.redress import (
    ConcernDraft,
    answer,
    close_open_concerns,
    raise_concern,
    take_step,
)
from portal.core.access import Refused, concern_or_404
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent, Concern, ConcernEvent, Notification, OutboxEmail
from portal.reminders.daily import run

THURSDAY = date(2027, 1, 7)


@pytest.fixture
def people(app, clock, staff, make_partner, make_user):
    clock.set(THURSDAY, time(10, 0))
    partner, focal, _ = make_partner(name="Alpha Health", acronym="AH")
    other, other_focal, _ = make_partner(name="Bravo Relief", acronym="BR")
    viewer = make_user("viewer@ah.example.org", partner=partner, partner_role="viewer")
    editor = make_user("editor@ah.example.org", partner=partner, partner_role="editor")
    return {
        "partner": partner,
        "focal": focal,
        "editor": editor,
        "viewer": viewer,
        "other": other,
        "other_focal": other_focal,
        **staff,
    }


def draft(**changes) -> ConcernDraft:
    values = {
        "category": "payment",
        "description": "The second tranche came six weeks late.",
        "remedy": "Pay within the agreed 30 days.",
    }
    return ConcernDraft(**(values | changes))


def rows() -> tuple:
    db.session.expire_all()
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (Concern, ConcernEvent, AuditEvent, Notification, OutboxEmail)
    )


def test_each_step_has_its_deadline_in_working_days(people, clock):
    admin, focal = people["admin"], people["focal"]
    concern = raise_concern(focal, people["partner"], draft())
    # Raised on a Thursday: two working days are Friday and Monday.
    assert (concern.step, concern.due_on) == ("raised", date(2027, 1, 11))
    clock.set(date(2027, 1, 8), time(9, 0))
    take_step(admin, concern, "acknowledge", "Received; we look into it.")
    # Ten working days from Friday the 8th: Friday the 22nd.
    assert (concern.step, concern.due_on) == ("acknowledged", date(2027, 1, 22))
    take_step(admin, concern, "review")
    assert (concern.step, concern.due_on) == ("under_review", date(2027, 1, 22))
    clock.set(date(2027, 1, 20), time(9, 0))
    take_step(
        admin,
        concern,
        "decide",
        "The invoice was approved late.",
        outcome="upheld",
        redress="Finance pays within 30 days; the next tranche on 1 February.",
    )
    # The raiser has CONCERN_CONFIRM_DAYS (14) calendar days to confirm or contest.
    assert (concern.step, concern.due_on) == ("decided", date(2027, 2, 3))
    take_step(focal, concern, "confirm")
    assert (concern.step, concern.closed_how, concern.due_on) == ("closed", "confirmed", None)
    kinds = [e.kind for e in concern.events]
    assert kinds == ["raised", "acknowledge", "review", "decide", "confirm"]
    assert "Redress agreed: Finance pays" in concern.events[3].text


def test_the_settings_set_the_deadlines(app, people):
    app.config["CONCERN_ACKNOWLEDGE_WORKING_DAYS"] = 5
    concern = raise_concern(people["focal"], people["partner"], draft())
    assert concern.due_on == date(2027, 1, 14)  # Thursday to Thursday: five working days


@pytest.mark.parametrize(
    "action, changes, field",
    [
        ("decide", {"outcome": "upheld", "redress": "Pay."}, "action"),  # not under review yet
        ("confirm", {}, "action"),
        ("final", {"outcome": "upheld", "redress": "Pay."}, "action"),
        ("jump", {}, "action"),
    ],
)
def test_a_step_out_of_order_is_refused_and_nothing_saved(people, action, changes, field):
    concern = raise_concern(people["focal"], people["partner"], draft())
    actor = people["focal"] if action == "confirm" else people["admin"]
    before = rows()
    with pytest.raises(DomainError) as refused:
        take_step(actor, concern, action, "Because.", **changes)
    assert refused.value.field == field
    db.session.rollback()
    assert rows() == before and db.session.get(Concern, concern.id).step == "raised"


def _under_review(people) -> Concern:
    concern = raise_concern(people["focal"], people["partner"], draft())
    take_step(people["admin"], concern, "acknowledge")
    take_step(people["admin"], concern, "review")
    return concern


@pytest.mark.parametrize(
    "text, outcome, redress, field",
    [
        ("", "upheld", "Pay.", "text"),
        ("   ", "not_upheld", "", "text"),
        ("Late approval.", "", "Pay.", "outcome"),
        ("Late approval.", "upheld", "", "redress"),
        ("Late approval.", "partly_upheld", "  ", "redress"),
    ],
)
def test_a_decision_without_its_reason_or_redress_is_refused(people, text, outcome, redress, field):
    concern = _under_review(people)
    before = rows()
    with pytest.raises(DomainError) as refused:
        take_step(people["admin"], concern, "decide", text, outcome=outcome, redress=redress)
    assert refused.value.field == field
    db.session.rollback()
    assert rows() == before
    assert db.session.get(Concern, concern.id).outcome is None


def test_not_upheld_needs_no_redress(people):
    concern = _under_review(people)
    take_step(
        people["admin"], concern, "decide", "Paid on time by the bank's date.", outcome="not_upheld"
    )
    assert (concern.step, concern.redress) == ("decided", None)


def test_a_first_contest_goes_back_to_review_a_second_to_the_final_word(people, clock):
    admin, focal = people["admin"], people["focal"]
    concern = _under_review(people)
    take_step(admin, concern, "decide", "Partly late.", outcome="partly_upheld", redress="Apology.")
    with pytest.raises(DomainError) as refused:
        take_step(focal, concern, "contest", "")
    assert refused.value.field == "text"
    db.session.rollback()
    clock.set(date(2027, 1, 12), time(9, 0))
    take_step(focal, concern, "contest", "An apology does not pay our staff.")
    # A fresh decision deadline from the contest: ten working days from Tuesday the 12th.
    assert (concern.step, concern.contests, concern.due_on) == (
        "under_review",
        1,
        date(2027, 1, 26),
    )
    take_step(
        admin, concern, "decide", "Reviewed again.", outcome="upheld", redress="Pay interest."
    )
    take_step(focal, concern, "contest", "Interest at what rate?")
    assert (concern.step, concern.contests) == ("final_review", 2)
    take_step(
        admin,
        concern,
        "final",
        "At the central bank's rate.",
        outcome="upheld",
        redress="Interest at the central bank's rate, paid with the next tranche.",
    )
    assert (concern.step, concern.closed_how) == ("closed", "final_decision")
    with pytest.raises(DomainError):
        take_step(focal, concern, "contest", "Again.")


def test_only_administrators_take_the_programme_steps(people):
    concern = raise_concern(people["focal"], people["partner"], draft())
    for who in ("manager", "focal", "editor"):
        with pytest.raises(Refused):
            take_step(people[who], concern, "acknowledge")
    # Managers answer; viewers only read; the other side answers too.
    answer(people["manager"], concern, "We have asked finance.")
    answer(people["editor"], concern, "Here is the bank statement.")
    with pytest.raises(Refused):
        answer(people["viewer"], concern, "Me too.")
    with pytest.raises(Refused):
        raise_concern(people["viewer"], people["partner"], draft())
    # Another partner's people do not even see it.
    with pytest.raises(Refused) as hidden:
        concern_or_404(people["other_focal"], concern.id)
    assert hidden.value.code == 404


def test_raising_tells_the_other_side_and_each_step_tells_the_raiser(people):
    admin, focal, manager = people["admin"], people["focal"], people["manager"]
    concern = raise_concern(focal, people["partner"], draft())
    told = {n.user_id for n in db.session.scalars(db.select(Notification))}
    assert {admin.id, manager.id} <= told and focal.id not in told
    raised_mail = db.session.scalar(
        db.select(OutboxEmail).where(OutboxEmail.template == "concern_raised")
    )
    assert admin.email in raised_mail.recipients
    # The concern's text stays in the portal: the email carries a link.
    assert "six weeks late" not in raised_mail.body_text
    take_step(admin, concern, "acknowledge")
    step_note = db.session.scalars(
        db.select(Notification).where(Notification.kind == "concern_step")
    ).all()
    assert focal.id in {n.user_id for n in step_note}


def test_a_confidential_concern_is_the_administrators_and_the_raisers_only(people):
    admin, focal = people["admin"], people["focal"]
    concern = raise_concern(focal, people["partner"], draft(category="conduct", confidential=True))
    assert concern_or_404(admin, concern.id) is concern
    assert concern_or_404(focal, concern.id) is concern
    for who in ("manager", "editor", "viewer"):
        with pytest.raises(Refused):
            concern_or_404(people[who], concern.id)
    # Only the administrators heard of it; the partner's History pages stay clear of it.
    told = {n.user_id for n in db.session.scalars(db.select(Notification))}
    assert told == {admin.id}
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.object_type == "Concern")
    ).all()
    assert events and all(e.partner_id is None for e in events)
    assert all("Conduct" not in e.summary and "late" not in e.summary for e in events)
    assert open_concerns(people["manager"], [people["partner"].id], date(2027, 1, 7)) == {
        people["partner"].id: []
    }
    with pytest.raises(DomainError) as refused:
        raise_concern(admin, people["partner"], draft(confidential=True))
    assert refused.value.field == "confidential"


def test_a_step_past_its_deadline_escalates_to_the_administrators_once(people):
    admin, manager = people["admin"], people["manager"]
    concern = raise_concern(people["focal"], people["partner"], draft())
    db.session.query(Notification).delete()
    db.session.commit()
    run(date(2027, 1, 11))  # the deadline itself: not late yet
    assert not db.session.scalars(db.select(Notification)).all()
    summary = run(date(2027, 1, 12))
    late = db.session.scalars(
        db.select(Notification).where(Notification.kind == "concern_escalated")
    ).all()
    assert [n.user_id for n in late] == [admin.id]  # managers do not decide
    assert (
        "Concerns: 1 past their deadline escalated, 0 closed as not contested." in summary.lines()
    )
    email = db.session.scalar(
        db.select(OutboxEmail).where(OutboxEmail.template == "concern_escalated")
    )
    assert email.recipients == admin.email and manager.email not in email.recipients
    assert "1 day late" in email.body_text
    run(date(2027, 1, 12))
    run(date(2027, 1, 13))
    assert (
        len(
            db.session.scalars(
                db.select(Notification).where(Notification.kind == "concern_escalated")
            ).all()
        )
        == 1
    )
    assert [o.concern.id for o in past_deadline(admin, date(2027, 1, 13))] == [concern.id]
    # The next step, late in its turn, escalates again.
    take_step(admin, concern, "acknowledge", today=date(2027, 1, 13))
    assert past_deadline(admin, date(2027, 1, 13)) == []
    run(date(2027, 1, 28))
    assert (
        len(
            db.session.scalars(
                db.select(Notification).where(Notification.kind == "concern_escalated")
            ).all()
        )
        == 2
    )


def test_a_decision_not_contested_in_time_is_closed_by_the_daily_run(people):
    concern = _under_review(people)
    take_step(
        people["admin"],
        concern,
        "decide",
        "Late.",
        outcome="upheld",
        redress="Pay.",
        today=date(2027, 1, 8),
    )
    assert concern.due_on == date(2027, 1, 22)
    run(date(2027, 1, 22))
    assert db.session.get(Concern, concern.id).step == "decided"
    summary = run(date(2027, 1, 23))
    concern = db.session.get(Concern, concern.id)
    assert (concern.step, concern.closed_how) == ("closed", "not_contested")
    last = concern.events[-1]
    assert (last.kind, last.actor_id, last.side) == ("closed_unanswered", None, "system")
    assert "1 closed as not contested" in " ".join(summary.lines())


def test_health_reads_open_concerns_and_counts_for_many_partners(people, count_queries):
    admin, partner, other = people["admin"], people["partner"], people["other"]
    first = raise_concern(people["focal"], partner, draft())
    raise_concern(people["focal"], partner, draft(category="communication"))
    closed = raise_concern(people["other_focal"], other, draft())
    take_step(people["other_focal"], closed, "withdraw", "Sorted out by phone.")
    assert admin.is_admin  # loaded before counting
    ids = [partner.id, other.id]
    with count_queries() as q:
        found = open_concerns(admin, ids, date(2027, 1, 14))
    assert len(q.statements) <= 2, q.statements
    assert [o.concern.id for o in found[partner.id]][0] == first.id
    assert found[other.id] == []
    one = found[partner.id][0]
    assert (one.step_label, one.age_days, one.overdue) == ("Raised", 7, True)
    counts = concern_counts([partner.id, other.id], date(2027, 1, 1))
    assert counts[partner.id] == {"raised": 2, "resolved": 0, "open": 2}
    assert counts[other.id] == {"raised": 1, "resolved": 0, "open": 0}


def test_programme_exit_closes_every_open_concern_with_its_note(people):
    partner = people["partner"]
    raise_concern(people["focal"], partner, draft())
    raise_concern(people["admin"], partner, draft(category="data"))
    with pytest.raises(DomainError):
        close_open_concerns(people["admin"], partner, " ")
    assert close_open_concerns(people["admin"], partner, "The partner left the programme.") == 2
    db.session.commit()
    concerns = db.session.scalars(db.select(Concern)).all()
    assert {(c.step, c.closed_how) for c in concerns} == {("closed", "programme_exit")}
    assert all(c.events[-1].text == "The partner left the programme." for c in concerns)
    assert close_open_concerns(people["admin"], partner, "Again.") == 0


def test_the_analytics_count_by_category_and_time_to_acknowledge_and_resolve(people, clock):
    admin, focal = people["admin"], people["focal"]
    fast = raise_concern(focal, people["partner"], draft())
    slow = raise_concern(focal, people["partner"], draft(category="communication"))
    raise_concern(focal, people["partner"], draft(category="conduct", confidential=True))
    clock.set(date(2027, 1, 8), time(9, 0))  # Friday: one working day
    take_step(admin, fast, "acknowledge")
    take_step(admin, fast, "review")
    clock.set(date(2027, 1, 12), time(9, 0))  # Tuesday: three working days after raising
    take_step(admin, fast, "decide", "Late.", outcome="upheld", redress="Pay.")
    take_step(focal, fast, "confirm")
    clock.set(date(2027, 1, 14), time(9, 0))  # five working days
    take_step(admin, slow, "acknowledge")
    figures = analytics(admin, date(2027, 1, 14))
    by = {r.category: r for r in figures.rows}
    assert (by["payment"].raised, by["payment"].resolved, by["payment"].upheld) == (1, 1, 1)
    assert by["payment"].median_acknowledge == 1 and by["payment"].median_resolve == 3
    assert by["communication"].median_acknowledge == 5 and by["communication"].open == 1
    assert (figures.total.raised, figures.total.median_acknowledge) == (3, 3)
    assert figures.total.overdue == 1  # the confidential one, not acknowledged by Monday
    # A manager's figures leave the confidential concern out.
    assert analytics(people["manager"], date(2027, 1, 14)).total.raised == 2
