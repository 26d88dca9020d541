"""The review analytics against figures worked out by hand from the quarter told
in tests/analytics_world.py (the `review_world` fixture), on the database the
run uses: what was sent back and why, stages against plan, where partners
struggle, and who reviewed how much."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from werkzeug.datastructures import MultiDict

from portal.accreditation.submissions import review_submission, submit_document
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Coverage
from portal.review.analytics import Share, options, parse_filters
from portal.review.analytics_tables import review_analytics
from tests.analytics_world import TODAY
from tests.helpers import file_upload, requirements_of

DS1, DS2 = "Document submission document 1", "Document submission document 2"
CR1 = "Compliance review document 1"


def figures(**args):
    offered = options()
    return review_analytics(parse_filters(MultiDict(args), offered), offered)


@pytest.fixture
def q3(review_world):
    return figures(period="2026-Q3")


def test_requirements_sent_back_count_reviews_not_withdrawn_or_replaced_versions(q3):
    """DS1 of template 1: Alpha v1 (sent back) and v3 (approved; v2 was replaced
    before review), Bravo v1 and v2 (both sent back), Delta's (approved). DS2:
    Alpha's v2 (v1 was withdrawn) and Delta's. Charlie's send-back fell on 1
    October, in the next quarter."""
    rows = [(r.family, r.requirement, r.sent_back, r.reasons) for r in q3.requirements]
    assert rows == [
        ("Template 1", DS1, Share(3, 5), [("Not signed", 2), ("Illegible", 1)]),
        ("Template 1", DS2, Share(0, 2), []),
        ("Template 1", CR1, Share(0, 1), []),
    ]


def test_reasons_share_every_document_sent_back_a_retired_one_included(q3):
    """Three sent back in the quarter; "Illegible" was retired afterwards and keeps
    its count; "Expired" was given in October only."""
    rows = [(r.label, r.retired, r.share) for r in q3.reasons]
    assert rows == [
        ("Not signed", False, Share(2, 3)),
        ("Illegible", True, Share(1, 3)),
        ("Incomplete", False, Share(0, 3)),
        ("Wrong document", False, Share(0, 3)),
        ("Expired", False, Share(0, 3)),
        ("Other", False, Share(0, 3)),
    ]


def test_the_first_day_of_the_next_quarter_begins_at_local_midnight(review_world):
    """Charlie's document was sent back at 00:30 in Nairobi on 1 October, 21:30 UTC
    on 30 September: a fourth-quarter review."""
    q4 = figures(period="2026-Q4")
    assert [(r.family, r.requirement, r.sent_back) for r in q4.requirements] == [
        ("Template 2", DS1, Share(1, 1))
    ]
    assert [(r.label, r.share) for r in q4.reasons if r.share.part] == [("Expired", Share(1, 1))]


def test_stages_against_plan(q3):
    """Document submission: Alpha 1 Jul -> 24 Jul (23 days), Delta 15 Jun -> 2 Jul
    (17: approved at 01:30 local, still 1 Jul in UTC); plan 30, so -7 and -13.
    Compliance review: Alpha from the day Document submission completed (24 Jul)
    to 8 Sep, 46 days against 30, after its due date. Open past due on 5 Oct:
    Document submission of Bravo (due 31 Jul) and Charlie (21 Jul, 76 days);
    Compliance review of Bravo (30 Aug) and Delta (14 Aug, 52 days); Final
    approval of all four (Charlie's due 31 Jul, 66 days)."""
    rows = {
        r.name: (
            r.completed,
            r.median_days,
            r.planned_label,
            r.median_over_plan,
            r.late,
            r.open_past_due,
            r.most_days_past_due,
        )
        for r in q3.stages
    }
    assert rows == {
        "Compliance review": (1, 46.0, "30", 16.0, Share(1, 1), 2, 52),
        "Document submission": (2, 20.0, "30", -10.0, Share(0, 2), 2, 76),
        "Final approval": (0, None, "", None, Share(0, 0), 4, 66),
    }
    # Longest against plan first; a stage with nothing completed last.
    assert [r.name for r in q3.stages] == [
        "Compliance review",
        "Document submission",
        "Final approval",
    ]


def test_where_partners_struggle_by_type(q3):
    """Reviews: Alpha 4 (1 sent back), Bravo 2 (2), Delta 2 (0), Charlie none in
    the quarter. Documents due in the quarter and judged: Alpha 3, none late (DS2's
    withdrawn v1 is not its first upload; CR1 counts from its moved deadline, 20
    Sep; FA1 is waived); Bravo 4, 3 late (DS2, CR1 and FA1 never came); Charlie 2,
    both late (uploaded in September and October, due in July); Delta's CR1 and FA1
    of 4 (its DS documents came in June). Owed and overdue now: Bravo 4, Delta 2."""
    rows = [(r.name, r.partners, r.sent_back, r.late, r.overdue_now) for r in q3.types]
    assert rows == [
        ("Funding", 2, Share(3, 6), Share(3, 7), 4),
        ("Supervision", 2, Share(2, 2), Share(5, 6), 4),
        ("Technical assistance", 1, Share(0, 2), Share(2, 4), 2),
    ]


def test_where_partners_struggle_by_district(q3):
    rows = [(r.name, r.partners, r.sent_back, r.late, r.overdue_now) for r in q3.districts]
    assert rows == [
        ("Kasenga", 2, Share(1, 4), Share(2, 5), 0),
        ("Mbala", 1, Share(2, 2), Share(3, 4), 4),
        ("No district recorded", 1, Share(0, 2), Share(2, 4), 2),
    ]


def test_review_load_by_reviewer(q3):
    """Ada: Alpha DS1 v3 (2 working days), Bravo DS1 v2 (2), Delta's two (Sat 20 Jun
    -> Thu 2 Jul: 9), median 5.5, two of four within 5. Manu: 2, 4, 2, 2: median 2,
    all within. Rita decided nothing and has Charlie's new version waiting; Charlie's
    final document waits for nobody in particular."""
    rows = [
        (r.name, r.decided, r.median_working_days, r.within_target, r.waiting, r.oldest_waiting)
        for r in q3.reviewers
    ]
    assert rows == [
        ("Ada Admin", 4, 5.5, Share(2, 4), 0, None),
        ("Manu Manager", 4, 2.0, Share(4, 4), 0, None),
        ("Rita Reviewer", 0, None, Share(0, 0), 1, datetime(2026, 10, 1, 6, 0, tzinfo=UTC)),
        ("Not assigned", 0, None, Share(0, 0), 1, datetime(2026, 10, 2, 6, 0, tzinfo=UTC)),
    ]


def test_filters_narrow_every_table(review_world):
    supervision = figures(period="2026-Q3", type="supervision")
    assert [(r.requirement, r.sent_back) for r in supervision.requirements] == [(DS1, Share(2, 2))]
    assert [(r.name, r.decided) for r in supervision.reviewers[:2]] == [
        ("Ada Admin", 1),
        ("Manu Manager", 1),
    ]
    kasenga = figures(period="2026-Q3", district=review_world.districts["Kasenga"])
    assert {r.name for r in kasenga.types} == {"Funding", "Supervision"}
    assert [r.name for r in kasenga.districts] == ["Kasenga"]
    second = figures(period="2026-Q3", family=str(review_world.template_ids[1]))
    assert second.requirements == [] and second.reasons == []
    # Only what is open now: Charlie's two stages, past due.
    assert [(r.name, r.completed, r.open_past_due) for r in second.stages] == [
        ("Document submission", 0, 1),
        ("Final approval", 0, 1),
    ]


def test_a_period_with_no_data_has_no_rows_for_it(review_world):
    empty = figures(period="2025-Q1")
    assert empty.requirements == [] and empty.reasons == []
    assert all(r.completed == 0 and r.late == Share(0, 0) for r in empty.stages)
    assert all(r.sent_back == Share(0, 0) and r.late == Share(0, 0) for r in empty.types)
    assert Share(0, 0).fraction is None  # shown as no figure, never 0%


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"period": "2026-Q5"}, "period"),
        ({"period": "2026-03-31..2026-01-01"}, "period"),
        ({"period": "0000-Q1"}, "period"),
        ({"period": "FY9999"}, "period"),
        ({"type": "bribery"}, "type"),
        ({"district": "nowhere"}, "district"),
        ({"family": "999999"}, "family"),
        ({"family": "1e3"}, "family"),
    ],
)
def test_values_the_page_does_not_offer_are_refused_by_field(review_world, args, field):
    with pytest.raises(DomainError) as refused:
        parse_filters(MultiDict(args), options())
    assert refused.value.field == field


def test_periods_of_every_kind(review_world):
    assert figures(period="FY2026").filters.period.key == "FY2026"
    ranged = figures(period="2026-07-01..2026-07-10")
    # Delta's two approvals (2 Jul) and Alpha's send-back (8 Jul).
    assert sum(r.decided for r in ranged.reviewers) == 3
    assert figures().filters.period.key == "2026-Q4"  # the current quarter on 5 Oct


def test_a_nationwide_partner_counts_under_the_whole_country_and_in_each_district(
    review_world, make_partner, clock, pdf_bytes
):
    """As the partner list has it: covering the whole country is covering Mbala."""
    clock.set(date(2026, 9, 1), time(10))
    echo, focal, accreditation = make_partner("Echo", "EC", started_on=date(2026, 8, 1))
    db.session.add(Coverage(partner_id=echo.id, nationwide=True, starts_on=date(2026, 1, 1)))
    db.session.commit()
    sent = submit_document(
        focal, accreditation, requirements_of(accreditation)[0], file_upload(pdf_bytes, "e.pdf")
    )
    clock.set(date(2026, 9, 2), time(10))
    reason = review_world.reasons["Incomplete"].id
    review_submission(review_world.admin, sent, "request_changes", "Page 3 is missing.", reason)
    clock.set(TODAY, time(10))

    whole = next(r for r in figures(period="2026-Q3").districts if r.name == "Whole country")
    assert (whole.partners, whole.sent_back) == (1, Share(1, 1))
    mbala = figures(period="2026-Q3", district=review_world.districts["Mbala"])
    assert [(r.name, r.partners) for r in mbala.districts] == [("Mbala", 1), ("Whole country", 1)]
