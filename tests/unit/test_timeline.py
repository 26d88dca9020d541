"""The partner's timeline: expected and actual dates per stage, where things
stand, and how long the next stage usually takes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.accreditation.deadlines import move_milestone
from portal.accreditation.progress import load_accreditation
from portal.accreditation.templates import TemplateDraft, save_template
from portal.accreditation.timeline import timeline, usual_durations
from portal.core.clock import local_today
from portal.core.extensions import db
from tests.helpers import requirements_of

START = date(2026, 1, 5)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_expected_dates_follow_the_start_and_the_stage_lengths(make_partner):
    partner, focal, accreditation = make_partner(started_on=START)  # 30 + 30 + 14 days
    line = timeline(load_accreditation(accreditation.id))
    assert [(s.expected_start, s.expected_end) for s in line.stages] == [
        (START, START + timedelta(30)),
        (START + timedelta(30), START + timedelta(60)),
        (START + timedelta(60), START + timedelta(74)),
    ]
    assert [(s.actual_start, s.actual_end) for s in line.stages] == [
        (START, None),
        (None, None),
        (None, None),
    ]
    assert line.current.milestone.position == 1 and line.next.milestone.position == 2
    # Nobody has been through the stage yet: the planned length.
    assert (line.next.usual_days, line.next.from_history) == (30, False)


def test_actual_dates_are_when_stages_completed(make_partner, staff, approve):
    partner, focal, accreditation = make_partner(started_on=local_today() - timedelta(days=40))
    approve(staff["manager"], focal, accreditation, requirements_of(accreditation)[:2])
    line = timeline(load_accreditation(accreditation.id))
    first, second, final = line.stages
    assert first.actual_end == local_today() and first.done
    assert first.is_late(local_today())  # due after 30 days, took 40
    assert second.actual_start == local_today() and not second.done
    assert line.current is second and line.next is final
    assert (final.usual_days, final.from_history) == (14, False)


def test_a_moved_stage_deadline_moves_the_expected_dates(make_partner, staff):
    partner, focal, accreditation = make_partner(started_on=START)
    first = accreditation.milestones[0]
    move_milestone(staff["admin"], first, START + timedelta(20), "Shorter first stage.")
    line = timeline(load_accreditation(accreditation.id))
    assert line.stages[0].expected_end == START + timedelta(20)
    assert line.stages[1].expected_start == START + timedelta(20)


def test_how_long_a_stage_usually_takes_is_the_median_of_completed_runs(
    make_partner, staff, count_queries
):
    # Four finished first stages (10, 20, 40 and 60 days) and second stages of
    # 5 and 9 days after them, one run on a later version of the same template.
    _, _, mine = make_partner(name="Mine", acronym="MI", started_on=START)
    template = mine.template
    runs = [(10, 5), (20, 9), (40, None), (60, None)]
    for n, (first_days, second_days) in enumerate(runs):
        if n == 3:
            template = save_template(staff["admin"], template, TemplateDraft.of(template))
        _, _, other = make_partner(
            name=f"Other {n}", acronym=f"O{n}", template=template, started_on=START
        )
        other.milestones[0].completed_at = at(START + timedelta(first_days))
        if second_days is not None:
            other.milestones[1].completed_at = at(START + timedelta(first_days + second_days))
    db.session.commit()

    family_id = mine.template.family_id
    with count_queries() as queries:
        usual = usual_durations(family_id)
    assert queries.count == 1
    assert round(usual[1]) == 30  # (20 + 40) / 2
    assert round(usual[2]) == 7  # (5 + 9) / 2
    assert 3 not in usual

    line = timeline(load_accreditation(mine.id))
    assert line.next.milestone.position == 2
    assert (line.next.usual_days, line.next.from_history) == (7, True)
    assert line.stages[2].usual_days == 14  # no history: the planned 14 days
