"""Obligations on a real database: statuses from evidence, confirmations and
what the portal records, refusals that save nothing, changes with a reason,
each side's record, closing on exit, and the daily run's reminders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from portal.accreditation.submissions import review_submission, submit_document
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import (
    Agreement,
    AuditEvent,
    Notification,
    Obligation,
    Observation,
    OutboxEmail,
    ReminderSent,
)
from portal.obligations.observation import loaded_obligations, occurrences
from portal.obligations.observing import close_open_obligations, observe
from portal.obligations.record import obligation_choices, side_records
from portal.obligations.terms import (
    AgreementDraft,
    ObligationDraft,
    add_obligation,
    change_obligation,
    open_agreement,
)
from portal.reminders.daily import run
from tests.helpers import file_upload
from tests.obligations_world import agreement_with, evidence_draft, standard_template

START = date(2027, 1, 1)


@pytest.fixture
def alpha(make_partner):
    partner, focal, accreditation = make_partner(started_on=START)
    return partner, focal, accreditation


def statuses(obligation: Obligation, today: date) -> dict[date, str]:
    db.session.expire_all()
    [o] = loaded_obligations(Obligation.id == obligation.id)
    return {x.due_on: x.status for x in occurrences([o], today)[o.id]}


def at(clock, day: date, hour: int = 10) -> None:
    clock.set(day, time(hour))


# --- refusals: the reason next to the field, nothing half-saved ----------------------


def test_an_obligation_without_a_side_or_that_never_falls_due_is_refused(alpha, staff, clock):
    at(clock, START)
    partner, _, _ = alpha
    agreement, _ = agreement_with(staff["admin"], partner, START, ends_on=date(2027, 12, 31))
    for changes, field in (
        ({"side": None}, "side"),
        ({"side": "both"}, "side"),
        ({"first_due_on": date(2028, 1, 31)}, "first_due_on"),
        ({"recurrence": "weekly"}, "recurrence"),
        ({"description": "  "}, "description"),
        ({"observed_by": "automatic", "rule": None}, "rule"),
        ({"observed_by": "automatic", "rule": "reviews_within"}, "rule"),  # the programme's
        ({"responsible_user_id": staff["admin"].id}, "responsible_user_id"),  # not the partner's
    ):
        with pytest.raises(DomainError) as refused:
            draft = evidence_draft(date(2027, 1, 31))
            add_obligation(staff["admin"], agreement, replace(draft, **changes))
        assert refused.value.field == field, changes
        db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Obligation.id))) == 0


def test_a_template_with_an_obligation_past_the_agreements_end_saves_nothing(alpha, staff, clock):
    at(clock, START)
    partner, _, _ = alpha
    template = standard_template()
    draft = AgreementDraft("Short", START, date(2027, 2, 28), template_id=template.id)
    with pytest.raises(DomainError) as refused:
        open_agreement(staff["admin"], partner, draft)
    assert refused.value.field == "first_due_on"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Agreement.id))) == 0


def test_a_template_applied_to_a_new_agreement_gives_its_obligations(alpha, staff, clock):
    at(clock, date(2026, 7, 1))
    partner, _, _ = alpha
    template = standard_template()
    agreement = open_agreement(
        staff["admin"], partner, AgreementDraft("2026–2029", date(2026, 7, 1), None, template.id)
    )
    assert [(o.side, o.first_due_on) for o in agreement.obligations] == [
        ("partner", date(2026, 9, 30)),
        ("programme", date(2026, 9, 30)),
        ("programme", date(2026, 9, 30)),
    ]
    actions = db.session.scalars(db.select(AuditEvent.action).filter_by(partner_id=partner.id))
    assert list(actions).count("obligation_added") == 3
    assert "Programme: Holds a quarterly check-in with the partner" in [
        label for _, label in obligation_choices(partner.id)
    ]


# --- statuses from evidence and confirmations ----------------------------------------


def test_evidence_before_the_due_date_is_met_after_it_late_and_none_missed(
    alpha, staff, clock, pdf_bytes
):
    at(clock, START)
    partner, focal, _ = alpha
    _, [o] = agreement_with(staff["admin"], partner, START, evidence_draft(date(2027, 1, 31)))
    at(clock, date(2027, 1, 30))
    observe(focal, o, date(2027, 1, 31), "Report sent", file_upload(pdf_bytes, "january.pdf"))
    at(clock, date(2027, 3, 3))
    observe(focal, o, date(2027, 2, 28), "Sent late", file_upload(pdf_bytes, "february.pdf"))
    at(clock, date(2027, 4, 20))
    assert statuses(o, date(2027, 4, 20)) == {
        date(2027, 1, 31): "met",
        date(2027, 2, 28): "late",
        date(2027, 3, 31): "missed",  # more than 7 days after, nothing observed
        date(2027, 4, 30): "pending",  # the next one
    }
    assert statuses(o, date(2027, 4, 5))[date(2027, 3, 31)] == "pending"  # within the grace


def test_observing_is_checked(alpha, staff, clock, pdf_bytes, make_partner):
    at(clock, START)
    partner, focal, _ = alpha
    _, [o] = agreement_with(staff["admin"], partner, START, evidence_draft(date(2027, 1, 31)))
    with pytest.raises(DomainError) as refused:
        observe(focal, o, date(2027, 1, 30), "", file_upload(pdf_bytes, "x.pdf"))
    assert refused.value.field == "due_on"  # not one of its due dates
    with pytest.raises(DomainError) as refused:
        observe(focal, o, date(2027, 1, 31), "", None)
    assert refused.value.field == "file"
    _, other, _ = make_partner("Beta Care", "BC")
    with pytest.raises(Exception) as refused:
        observe(other, o, date(2027, 1, 31), "", file_upload(pdf_bytes, "x.pdf"))
    assert getattr(refused.value, "code", None) == 403
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Observation.id))) == 0


def test_the_partner_confirms_a_programme_obligation(alpha, staff, clock):
    at(clock, START)
    partner, focal, _ = alpha
    draft = ObligationDraft(
        "programme", "Holds a check-in", "monthly", date(2027, 1, 31), "confirmation"
    )
    _, [o] = agreement_with(staff["admin"], partner, START, draft)
    at(clock, date(2027, 1, 29))
    observe(focal, o, date(2027, 1, 31), "We met on 29 January")
    assert statuses(o, date(2027, 2, 1))[date(2027, 1, 31)] == "met"
    titles = db.session.scalars(
        db.select(Notification.title).where(Notification.user_id == staff["admin"].id)
    )
    assert any("Confirmed" in t for t in titles)


# --- automatic observation from portal data -----------------------------------------


def test_reviews_within_five_working_days_are_observed_from_review_times(
    alpha, staff, clock, pdf_bytes
):
    at(clock, START)
    partner, focal, accreditation = alpha
    draft = ObligationDraft(
        "programme",
        "Reviews each submission within 5 working days",
        "monthly",
        date(2027, 1, 31),
        "automatic",
        rule="reviews_within",
        rule_days=5,
    )
    _, [o] = agreement_with(staff["admin"], partner, START, draft)
    first, second, third = [r for s in accreditation.template.stages for r in s.requirements][:3]
    at(clock, date(2027, 1, 4))  # a Monday
    on_time = submit_document(focal, accreditation, first, file_upload(pdf_bytes, "a.pdf"))
    at(clock, date(2027, 1, 8))  # 4 working days later
    review_submission(staff["admin"], on_time, "approve", "")
    at(clock, date(2027, 2, 1))
    late = submit_document(focal, accreditation, second, file_upload(pdf_bytes, "b.pdf"))
    at(clock, date(2027, 2, 15))  # 10 working days later
    review_submission(staff["admin"], late, "approve", "")
    at(clock, date(2027, 3, 2))
    submit_document(focal, accreditation, third, file_upload(pdf_bytes, "c.pdf"))
    found = statuses(o, date(2027, 4, 20))
    assert found[date(2027, 1, 31)] == "met"
    assert found[date(2027, 2, 28)] == "late"
    # March: a submission on 2 March never reviewed: missed once the grace is over.
    assert found[date(2027, 3, 31)] == "missed"


def test_documents_on_time_are_observed_from_the_checklist(alpha, staff, clock, pdf_bytes):
    at(clock, START)
    partner, focal, accreditation = alpha
    items = sorted(accreditation.items, key=lambda i: i.due_on)
    first_due = items[0].due_on
    draft = ObligationDraft(
        "partner",
        "Hands in its documents by their deadlines",
        "once",
        first_due,
        "automatic",
        rule="documents_on_time",
    )
    _, [o] = agreement_with(staff["admin"], partner, START, draft)
    assert statuses(o, first_due) == {first_due: "pending"}
    # Nothing handed in, the grace over: missed; handed in late: late.
    later = date.fromordinal(first_due.toordinal() + 10)
    assert statuses(o, later) == {first_due: "missed"}
    at(clock, later)
    for item in items:
        if item.due_on == first_due:
            upload = file_upload(pdf_bytes, "doc.pdf")
            submit_document(focal, accreditation, item.requirement, upload)
    assert statuses(o, later) == {first_due: "late"}


# --- each side's record, in a fixed number of queries ----------------------------------


def test_side_records_count_each_sides_occurrences_in_a_few_queries(
    make_partner, staff, clock, pdf_bytes, count_queries
):
    at(clock, START)
    partners = [make_partner(f"Partner {n}", f"P{n}")[:2] for n in range(4)]
    confirmation = ObligationDraft(
        "programme", "Holds a check-in", "monthly", date(2027, 1, 31), "confirmation"
    )
    for partner, focal in partners:
        _, (evidence, _) = agreement_with(
            staff["admin"], partner, START, evidence_draft(date(2027, 1, 31)), confirmation
        )
        at(clock, date(2027, 1, 20))
        observe(focal, evidence, date(2027, 1, 31), "", file_upload(pdf_bytes, "doc.pdf"))
        at(clock, START)
    ids = [p.id for p, _ in partners]
    with count_queries() as queries:
        records = side_records(ids, date(2027, 1, 1), date(2027, 3, 20))
    assert queries.count <= 3
    record = records[ids[0]]
    # Due 31 January (met) and 28 February (missed); 31 March is still to come.
    assert (record["partner"].due, record["partner"].on_time, record["partner"].missed) == (2, 1, 1)
    assert record["partner"].share == pytest.approx(1 / 2)
    assert (record["programme"].due, record["programme"].missed) == (2, 2)
    assert record["programme"].share == 0
    assert side_records([], date(2027, 1, 1), date(2027, 3, 20)) == {}
    # Three days after 31 January the programme's check-in is still within its
    # grace: neither kept nor broken, so not counted against it yet.
    early = side_records(ids[:1], date(2027, 1, 1), date(2027, 2, 3))[ids[0]]
    assert (early["programme"].due, early["partner"].due, early["partner"].on_time) == (0, 1, 1)


# --- changing and closing ---------------------------------------------------------------


def test_a_change_needs_a_reason_is_audited_and_told_to_the_partner(alpha, staff, clock):
    at(clock, START)
    partner, focal, _ = alpha
    _, [o] = agreement_with(staff["admin"], partner, START, evidence_draft(date(2027, 1, 31)))
    changed = evidence_draft(date(2027, 1, 31), recurrence="quarterly")
    with pytest.raises(DomainError) as refused:
        change_obligation(staff["admin"], o, changed, " ")
    assert refused.value.field == "reason"
    db.session.rollback()
    assert db.session.get(Obligation, o.id).recurrence == "monthly"
    change_obligation(staff["admin"], o, changed, "Agreed at the January check-in")
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="obligation_changed"))
    assert event.partner_id == partner.id and event.reason == "Agreed at the January check-in"
    assert event.changes == {"recurrence": ["monthly", "quarterly"]}
    told = db.session.scalars(db.select(Notification.title).filter_by(user_id=focal.id))
    assert any(t.startswith("Obligation changed") for t in told)


def test_closing_on_exit_ends_every_obligation_and_closes_its_open_occurrence(alpha, staff, clock):
    at(clock, START)
    partner, _, _ = alpha
    _, [o] = agreement_with(staff["admin"], partner, START, evidence_draft(date(2027, 1, 31)))
    at(clock, date(2027, 1, 15))
    assert close_open_obligations(staff["admin"], partner, "Left the programme") == 1
    db.session.commit()
    assert statuses(o, date(2027, 6, 1)) == {date(2027, 1, 31): "closed"}
    assert db.session.get(Obligation, o.id).ended_on == date(2027, 1, 31)
    assert obligation_choices(partner.id) == []


# --- reminders: the daily run ---------------------------------------------------------------


def test_the_daily_run_reminds_the_responsible_person_once(alpha, staff, clock, make_user):
    at(clock, START)
    partner, focal, _ = alpha
    _, [o] = agreement_with(
        staff["admin"],
        partner,
        START,
        evidence_draft(date(2027, 1, 31), responsible_user_id=focal.id),
    )
    at(clock, date(2027, 2, 1), 7)  # the day after it was due
    summary = run(date(2027, 2, 1))
    assert summary.obligation_reminders == 1
    assert "Obligation reminders: 1 email(s)." in summary.lines()
    [email] = db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.template == "obligation_due")
    ).all()
    assert email.recipients == focal.email and "was due 31 Jan 2027" in email.body_text
    subjects = db.session.scalars(
        db.select(ReminderSent.subject).where(ReminderSent.subject.like("obligation:%"))
    )
    assert list(subjects) == [f"obligation:{o.id}:2027-01-31"]
    assert run(date(2027, 2, 1)).obligation_reminders == 0  # a second run sends nothing
    bell = db.session.scalars(db.select(Notification).filter_by(kind="obligation_due")).all()
    assert [n.user_id for n in bell] == [focal.id]


def test_someone_on_the_daily_digest_gets_it_in_the_digest(alpha, staff, clock):
    at(clock, START)
    partner, focal, _ = alpha
    focal.notice_delivery = "digest"
    db.session.commit()
    agreement_with(staff["admin"], partner, START, evidence_draft(date(2027, 1, 31)))
    at(clock, date(2027, 2, 1), 7)
    run(date(2027, 2, 1))
    emails = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.recipients == focal.email))
    assert "obligation_due" not in [e.template for e in emails]
    [digest] = db.session.scalars(db.select(OutboxEmail).filter_by(template="digest")).all()
    assert "Sends its monthly activity report" in digest.body_text


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_shows_both_sides_obligations_met_late_and_one_missed(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    found = occurrences(loaded_obligations(), local_today())
    obligations = {o.id: o for o in loaded_obligations()}
    by_side: dict[str, list[str]] = {"programme": [], "partner": []}
    for obligation_id, listed in found.items():
        by_side[obligations[obligation_id].side] += [x.status for x in listed]
    assert {"met", "late"} <= set(by_side["partner"])
    assert "met" in by_side["programme"] and by_side["programme"].count("missed") == 1
    assert len({o.agreement.partner_id for o in obligations.values()}) == 2
