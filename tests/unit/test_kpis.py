"""The KPIs against figures worked out by hand, on both databases.

Three partners on a one-stage template with five required documents (due 10,
20 and 30 days in, and two at the stage's end, 60 days in), started on Wednesday
1 July 2026; the figures are for 2026-Q3, read on 15 October 2026:

- Alpha: R1 in 2 days early, approved first time; R2 4 days late, sent back, in
  again 3 days later, approved; R3's deadline moved from 31 Jul to 15 Aug, in on
  10 Aug (on time only from the moved date); R4 waived; R5 covered by a tax
  clearance in the vault from 1 Aug.
- Bravo: R1 uploaded early but withdrawn, then in 4 days late and approved (its
  first review); R2 in on time, replaced before review, then sent back 10 working
  days later and never resubmitted; R3, R4, R5 never in.
- Charlie: started on 1 October: no deadline in Q3 yet.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from portal.accreditation.deadlines import mark_not_applicable, move_deadlines
from portal.accreditation.lifecycle import close_accreditation
from portal.accreditation.submissions import (
    review_submission,
    submit_document,
    withdraw_submission,
)
from portal.checkins.meetings import CheckInPlan, cancel, record, schedule
from portal.conversations.threads import post_message
from portal.core import periods
from portal.core.extensions import db
from portal.kpis.benchmarks import record_assessment
from portal.kpis.definitions import BY_KEY
from portal.kpis.figures import Scope, partner_values, pooled, programme_median, trend
from portal.kpis.history import compliance_by_stage
from portal.kpis.published import publish
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    KpiValue,
    PartnershipType,
    Requirement,
    Stage,
)
from portal.vault.documents import add_document
from tests.helpers import a_reason, file_upload

Q3 = periods.parse("2026-Q3")
IN_Q3 = Scope(Q3)
TODAY = date(2026, 10, 15)


@pytest.fixture
def world(app, clock, make_partner, staff, pdf_bytes):
    def at(day: str, hour: int = 10) -> None:
        clock.set(date.fromisoformat(day), time(hour, 0))

    def upload(user, accreditation, requirement, day):
        at(day)
        return submit_document(user, accreditation, requirement, file_upload(pdf_bytes, "d.pdf"))

    def review(submission, decision, day, feedback=""):
        at(day, 15)
        reason = a_reason("Not signed") if decision == "request_changes" else None
        return review_submission(
            staff["admin"], submission, decision, feedback or "Fix it.", reason_id=reason
        )

    at("2026-06-01")
    template = AccreditationTemplate(name="One stage")
    stage = Stage(position=1, name="Documents", duration_days=60)
    stage.requirements = [
        Requirement(position=1, name="R1", due_offset_days=10),
        Requirement(position=2, name="R2", due_offset_days=20),
        Requirement(position=3, name="R3", due_offset_days=30),
        Requirement(position=4, name="R4"),
        Requirement(position=5, name="R5", document_type="tax_clearance"),
    ]
    template.stages.append(stage)
    db.session.add(template)
    db.session.commit()
    r1, r2, r3, r4, r5 = stage.requirements
    alpha, a_focal, a = make_partner("Alpha", "AL", template, started_on=date(2026, 7, 1))
    bravo, b_focal, b = make_partner("Bravo", "BR", template, started_on=date(2026, 7, 1))
    charlie, _, _ = make_partner("Charlie", "CH", template, started_on=date(2026, 10, 1))
    db.session.add_all(
        [
            PartnershipType(partner_id=alpha.id, kind="funding"),
            PartnershipType(partner_id=bravo.id, kind="supervision"),
        ]
    )
    db.session.commit()
    item = {i.requirement_id: i for i in a.items}
    admin = staff["admin"]

    # Alpha
    review(upload(a_focal, a, r1, "2026-07-09"), "approve", "2026-07-10")
    review(upload(a_focal, a, r2, "2026-07-25"), "request_changes", "2026-07-27")
    review(upload(a_focal, a, r2, "2026-07-30"), "approve", "2026-07-31")
    at("2026-07-20")
    move_deadlines(admin, [item[r3.id]], date(2026, 8, 15), "Office closed in July.")
    review(upload(a_focal, a, r3, "2026-08-10"), "approve", "2026-08-12")
    mark_not_applicable(admin, item[r4.id], "Not registered for VAT.")
    at("2026-08-01")
    add_document(
        a_focal, alpha, "tax_clearance", date(2027, 12, 31), file_upload(pdf_bytes, "tax.pdf")
    )
    add_document(
        a_focal,
        alpha,
        "registration_certificate",
        date(2026, 11, 15),
        file_upload(pdf_bytes, "reg.pdf"),
    )

    # Bravo
    at("2026-07-05")
    withdraw_submission(b_focal, upload(b_focal, b, r1, "2026-07-05"))
    review(upload(b_focal, b, r1, "2026-07-15"), "approve", "2026-07-16")
    upload(b_focal, b, r2, "2026-07-20")
    review(upload(b_focal, b, r2, "2026-07-21"), "request_changes", "2026-08-04")

    # Messages: Alpha answers the team in 2 working days, then in 5; Bravo never.
    at("2026-07-06")
    post_message(admin, a, "Any questions?")
    at("2026-07-08")
    post_message(a_focal, a, "None, thanks.")
    at("2026-07-13")
    post_message(admin, a, "Please send R3.")
    at("2026-07-20")
    post_message(a_focal, a, "Coming.")
    at("2026-07-14")
    post_message(admin, b, "Where is R2?")

    # Check-ins: Alpha's held, Bravo's not written up, one of Bravo's cancelled.
    def meeting(partner, day):
        at("2026-07-01")
        plan = CheckInPlan(date.fromisoformat(day), time(9, 0), 60, "Room 4")
        return schedule(admin, partner, plan)[0]

    held, _not_written_up, dropped = (
        meeting(alpha, "2026-08-03"),
        meeting(bravo, "2026-08-05"),
        meeting(bravo, "2026-08-10"),
    )
    at("2026-08-03", 11)
    record(admin, held, "Went through R3.")
    at("2026-08-06")
    cancel(admin, dropped, "Ill.")

    # Assessments
    at("2026-08-20")
    record_assessment(admin, a, None, 4, 5, "Engaged.")
    at("2026-09-01")
    record_assessment(admin, b, b.milestones[0].id, 2, 1, "Hard to reach.")

    at(TODAY.isoformat())
    return {"alpha": alpha.id, "bravo": bravo.id, "charlie": charlie.id, "family": template.id}


def values(key: str, scope: Scope = IN_Q3) -> dict[int, float]:
    return {p: round(v[0], 4) for p, v in partner_values(BY_KEY[key], scope, TODAY).items()}


def together(key: str, scope: Scope = IN_Q3) -> tuple:
    value, count, hits = pooled(BY_KEY[key], scope, TODAY)
    return (round(value, 4) if value is not None else None), count


def test_documents_on_time_count_moved_deadlines_waivers_withdrawals_and_the_vault(world):
    alpha, bravo = world["alpha"], world["bravo"]
    # Alpha: R1, R3 (moved), R5 (vault) on time, R2 late; R4 waived: 3 of 4.
    # Bravo: only R2 (its replaced first version counts); R1's withdrawn early upload does not.
    assert values("on_time") == {alpha: 0.75, bravo: 0.2}
    assert together("on_time") == (round(4 / 9, 4), 9)
    assert programme_median(partner_values(BY_KEY["on_time"], Scope(Q3), TODAY)) == 0.475


def test_days_late_are_signed_and_count_missing_documents_to_today(world):
    # Alpha: -2, +4, -5, -29 -> -3.5. Bravo: +4, -1, and 76, 46, 46 days missing -> 46.
    assert values("days_late") == {world["alpha"]: -3.5, world["bravo"]: 46}
    assert together("days_late")[0] == 4  # -29 -5 -2 -1 [4] 4 46 46 76


def test_a_partner_with_no_deadline_yet_has_no_figure_not_zero(world):
    charlie = world["charlie"]
    for key in ("on_time", "days_late", "first_pass", "compliance"):
        assert charlie not in values(key), key
    assert values("on_time", Scope(periods.parse("2027-Q1"))) == {}
    assert together("on_time", Scope(periods.parse("2027-Q1"))) == (None, 0)


def test_quality_first_pass_rounds_and_resubmission(world):
    alpha, bravo = world["alpha"], world["bravo"]
    # First reviews: Alpha R1 yes, R2 no, R3 yes; Bravo R1 yes (v2), R2 no (v2).
    assert values("first_pass") == {alpha: round(2 / 3, 4), bravo: 0.5}
    assert together("first_pass") == (0.6, 5)
    assert values("review_rounds") == {alpha: round(4 / 3, 4), bravo: 1}
    assert values("resubmission_days") == {alpha: 3}  # Bravo never sent R2 again


def test_compliance_on_the_periods_last_day(world):
    # Alpha: R1-R3 approved, R5 in the vault, R4 waived: 4 of 4. Bravo: R1 of 5.
    assert values("compliance") == {world["alpha"]: 1.0, world["bravo"]: 0.2}
    assert together("compliance") == (round(5 / 9, 4), 9)
    # On 31 July Alpha had R1 and R2 approved of five (R4 not yet waived).
    july = Scope(periods.parse("2026-07"))
    assert values("compliance", july)[world["alpha"]] == 0.4


def test_vault_documents_expiring(world):
    # Alpha's registration certificate expires 15 Nov: within 60 days of 30 Sep.
    assert values("vault_expiring") == {world["alpha"]: 1, world["bravo"]: 0, world["charlie"]: 0}


def test_messages_answered_and_first_answers(world):
    alpha, bravo = world["alpha"], world["bravo"]
    # Alpha: 2 working days (in time), 5 (late); Bravo: never (its time is long up).
    assert values("staff_messages_answered") == {alpha: 0.5, bravo: 0}
    # Alpha's messages: answered 3 working days later; the last still waits (63 so far).
    assert values("first_answer_days") == {alpha: 33}


def test_the_programmes_review_turnaround(world):
    # Working days to decisions: 1, 1, 1, 2 (Alpha), 1, 10 (Bravo's slow one).
    assert together("review_turnaround")[0] == 1
    assert together("reviews_within_target") == (round(5 / 6, 4), 6)


def test_checkins_held_leave_cancelled_ones_out(world):
    assert values("checkins_held") == {world["alpha"]: 1, world["bravo"]: 0}


def test_engagement_assessments_are_averaged(world):
    assert values("engagement") == {world["alpha"]: 4, world["bravo"]: 2}
    assert together("proactivity") == (3.0, 2)


def test_filters_by_type_and_template(world):
    funding = Scope(Q3, type="funding")
    assert values("on_time", funding) == {world["alpha"]: 0.75}
    assert together("on_time", Scope(Q3, family=world["family"])) == (round(4 / 9, 4), 9)
    assert together("on_time", Scope(Q3, family=world["family"] + 999)) == (None, 0)
    # Check-ins belong to no template: the template filter keeps them.
    assert values("checkins_held", Scope(Q3, family=world["family"] + 999)) == {
        world["alpha"]: 1,
        world["bravo"]: 0,
    }


def test_the_trend_is_by_quarter_with_gaps_for_no_data(world):
    by_quarter = dict((p.key, v) for p, v in trend(BY_KEY["on_time"], Scope(Q3), TODAY))
    assert list(by_quarter) == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert by_quarter["2026-Q2"] is None
    assert round(by_quarter["2026-Q3"], 4) == round(4 / 9, 4)
    compliance = dict((p.key, v) for p, v in trend(BY_KEY["compliance"], Scope(Q3), TODAY))
    assert compliance["2026-Q2"] is None and round(compliance["2026-Q3"], 4) == round(5 / 9, 4)


def test_published_figures_are_rows_that_change_only_when_the_figure_does(world, app):
    assert publish(TODAY) > 0
    row = db.session.scalar(
        db.select(KpiValue).filter_by(partner_id=world["alpha"], kpi="on_time", period="2026-Q3")
    )
    assert (row.value, row.events, row.state, row.target) == (0.75, 4, "watch", 0.9)
    stamp = row.updated_at
    assert publish(TODAY) == 0  # nothing changed: nothing rewritten
    db.session.refresh(row)
    assert row.updated_at == stamp
    # Charlie had no deadline in Q3: no row, not a zero.
    assert (
        db.session.scalar(
            db.select(KpiValue).filter_by(
                partner_id=world["charlie"], kpi="on_time", period="2026-Q3"
            )
        )
        is None
    )


def test_a_cycle_closed_without_a_decision_owes_nothing_more(world, app):
    bravo = db.session.scalar(db.select(Accreditation).filter_by(partner_id=world["bravo"]))
    close_accreditation(None, bravo, "Merged into Alpha.")
    db.session.commit()
    # R3, R4, R5 were never handed in: no longer late; R1 (late) and R2 (on time) stay.
    assert values("on_time")[world["bravo"]] == 0.5
    assert values("days_late")[world["bravo"]] == 1.5  # -1 and +4


def test_compliance_stage_by_stage(world):
    assert compliance_by_stage(IN_Q3, TODAY) == [("Documents", 5, 9)]
    assert compliance_by_stage(IN_Q3.of_partner(world["alpha"]), TODAY) == [("Documents", 4, 4)]


def test_a_question_on_an_earlier_version_is_answered_by_a_comment_on_the_newer(
    app, clock, make_partner, staff, pdf_bytes
):
    """A document's comments are one thread across its versions: the partner asks
    on version 1, uploads version 2, and the answer on version 2 answers it."""
    from portal.conversations.threads import post_comment
    from portal.kpis import events

    clock.set(date(2026, 7, 6), time(10, 0))  # a Monday
    _, focal, accreditation = make_partner("Asking Partner", "AP")
    requirement = accreditation.milestones[0].stage.requirements[0]
    first = submit_document(focal, accreditation, requirement, file_upload(pdf_bytes, "a.pdf"))
    post_comment(focal, first, "Which year's accounts?")
    second = submit_document(focal, accreditation, requirement, file_upload(pdf_bytes, "b.pdf"))
    clock.set(date(2026, 7, 8), time(11, 0))  # Wednesday: two working days later
    post_comment(staff["admin"], second, "Last year's.")

    rows = db.session.execute(events.first_answer_days(date(2026, 7, 20))).all()
    assert [row.value for row in rows] == [2]  # not still waiting (10 working days)
