"""A programme's third quarter of 2026, event by event on the clock, for the
review analytics: four partners, two templates, three reviewers, and the
awkward cases (a withdrawn upload, a version replaced before review, a waived
document, a moved deadline, milestones open past due, a review at half past
midnight on the first day of the next quarter, a reviewer with nothing decided).

The figures the tests expect are worked out by hand in tests/unit/
test_review_analytics.py from the story below (times are Nairobi's, UTC+3):

Template 1: Document submission (30 days, documents 1 and 2), Compliance
review (30 days, document 1), Final approval (14 days, document 1).
Template 2: Document submission (20 days, document 1), Final approval (10 days,
document 1).

Alpha (funding; Kasenga), template 1, started Wed 1 Jul:
  DS1 v1 up Mon 6 Jul, sent back Wed 8 Jul by Manu, "Not signed" (2 wd);
  DS1 v2 up Thu 9 Jul 10:00, replaced by v3 at 11:00 (superseded: no review);
  DS1 v3 approved Mon 13 Jul by Ada (2 wd);
  DS2 v1 up Fri 10 Jul, withdrawn the same day (no review, not handed in);
  DS2 v2 up Mon 20 Jul, approved Fri 24 Jul by Manu (4 wd): Document
  submission complete 24 Jul (23 days, due 31 Jul);
  CR1 deadline moved from 30 Aug to 20 Sep; up Fri 4 Sep (late by the old
  date, on time by the new), approved Tue 8 Sep by Manu (2 wd): Compliance
  review complete 8 Sep (46 days from 24 Jul, due 30 Aug: late);
  FA1 waived 9 Sep; Final approval open, due 13 Sep.
Bravo (funding, supervision; Mbala), template 1, started 1 Jul:
  DS1 v1 up Mon 20 Jul, sent back Wed 22 Jul by Manu, "Illegible" (2 wd);
  DS1 v2 up Mon 3 Aug, sent back Wed 5 Aug by Ada, "Not signed" (2 wd);
  nothing else: every milestone open past due, four documents owed.
Charlie (supervision; Kasenga), template 2, started 1 Jul:
  DS1 v1 up Mon 28 Sep, sent back Thu 1 Oct 00:30 by Ada, "Expired" (in the
  fourth quarter: 30 Sep 21:30 UTC);
  DS1 v2 up 1 Oct, assigned to Rita, waiting; FA1 up 2 Oct, waiting, unassigned.
Delta (technical assistance; covers nothing), template 1, started Mon 15 Jun:
  DS1 and DS2 up Sat 20 Jun, approved Thu 2 Jul 01:30 by Ada (9 wd; on
  22:30 UTC of 1 Jul): Document submission complete 2 Jul (17 days).
"Illegible" is retired on 30 Sep. Now: Mon 5 Oct 2026, 10:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from portal.accreditation.deadlines import mark_not_applicable, move_deadlines
from portal.accreditation.submissions import review_submission, submit_document, withdraw_submission
from portal.core.extensions import db
from portal.models import ChangeReason, Coverage, OrgUnit, Partner, PartnershipType, User
from portal.review.assignment import assign_reviewer
from portal.review.reasons import retire_reason
from tests.helpers import file_upload, requirements_of

ZONE = "Africa/Nairobi"
TODAY = date(2026, 10, 5)


@dataclass
class ReviewWorld:
    admin: User
    manager: User
    rita: User
    partners: dict[str, Partner]
    template_ids: tuple[int, int]
    districts: dict[str, str]  # name -> org unit id
    reasons: dict[str, ChangeReason]


def _districts() -> dict[str, str]:
    units = [
        ("C", "Country", 1, "/C", None),
        ("P", "Northern Province", 2, "/C/P", "C"),
        ("K", "Kasenga", 3, "/C/P/K", "P"),
        ("M", "Mbala", 3, "/C/P/M", "P"),
    ]
    db.session.add_all(
        OrgUnit(id=i, name=n, level=lv, path=p, parent_id=parent, search_key=n.lower())
        for i, n, lv, p, parent in units
    )
    db.session.commit()
    return {"Kasenga": "K", "Mbala": "M"}


def _profile(partner: Partner, types: tuple[str, ...], district: str | None) -> None:
    db.session.add_all(PartnershipType(partner_id=partner.id, kind=k) for k in types)
    if district:
        db.session.add(
            Coverage(
                partner_id=partner.id,
                org_unit_id=district,
                district_id=district,
                starts_on=date(2026, 1, 1),
            )
        )
    db.session.commit()


def build(app, clock, make_partner, make_template, make_user, staff, pdf_bytes, reasons):
    """The story above, in the order it happened."""
    app.config["TIMEZONE"] = ZONE
    admin, manager = staff["admin"], staff["manager"]
    rita = make_user("rita@example.org", role="manager", name="Rita Reviewer")
    districts = _districts()
    first = make_template()
    second = make_template(stages=(("Document submission", 20, 1), ("Final approval", 10, 1)))

    def at(day: str, hour: int = 10, minute: int = 0) -> None:
        clock.set(date.fromisoformat(f"2026-{day}"), time(hour, minute))

    def up(who, accreditation, requirement, name="document.pdf"):
        return submit_document(who, accreditation, requirement, file_upload(pdf_bytes, name))

    def back(who, submission, reason):
        return review_submission(who, submission, "request_changes", "Fix it.", reasons[reason].id)

    def ok(who, submission):
        return review_submission(who, submission, "approve", "")

    at("06-01")
    alpha, alpha_focal, a = make_partner("Alpha", "AL", first, started_on=date(2026, 7, 1))
    bravo, bravo_focal, b = make_partner("Bravo", "BR", first, started_on=date(2026, 7, 1))
    charlie, charlie_focal, c = make_partner("Charlie", "CH", second, started_on=date(2026, 7, 1))
    delta, delta_focal, d = make_partner("Delta", "DE", first, started_on=date(2026, 6, 15))
    _profile(alpha, ("funding",), "K")
    _profile(bravo, ("funding", "supervision"), "M")
    _profile(charlie, ("supervision",), "K")
    _profile(delta, ("technical_assistance",), None)
    ds1, ds2, cr1, fa1 = requirements_of(a)
    c_ds1, c_fa1 = requirements_of(c)

    at("06-20")  # a Saturday
    d1, d2 = up(delta_focal, d, ds1), up(delta_focal, d, ds2)
    at("07-02", 1, 30)
    ok(admin, d1), ok(admin, d2)

    at("07-06")
    v1 = up(alpha_focal, a, ds1)
    at("07-08")
    back(manager, v1, "Not signed")
    at("07-09", 10)
    up(alpha_focal, a, ds1)
    at("07-09", 11)
    v3 = up(alpha_focal, a, ds1)
    at("07-10", 10)
    withdrawn = up(alpha_focal, a, ds2)
    at("07-10", 11)
    withdraw_submission(alpha_focal, withdrawn)
    at("07-13")
    ok(admin, v3)
    at("07-20")
    alpha_ds2 = up(alpha_focal, a, ds2)
    bravo_v1 = up(bravo_focal, b, ds1)
    at("07-22")
    back(manager, bravo_v1, "Illegible")
    at("07-24")
    ok(manager, alpha_ds2)
    at("08-03")
    bravo_v2 = up(bravo_focal, b, ds1)
    at("08-05")
    back(admin, bravo_v2, "Not signed")
    at("08-25")
    item = next(i for i in a.items if i.requirement_id == cr1.id)
    move_deadlines(admin, [item], date(2026, 9, 20), "The board meets in September.")
    at("09-04")
    alpha_cr1 = up(alpha_focal, a, cr1)
    at("09-08")
    ok(manager, alpha_cr1)
    at("09-09")
    waived = next(i for i in a.items if i.requirement_id == fa1.id)
    mark_not_applicable(admin, waived, "Signed at the kick-off meeting.")
    at("09-28")
    charlie_v1 = up(charlie_focal, c, c_ds1)
    at("09-30", 12)
    retire_reason(admin, reasons["Illegible"])
    at("10-01", 0, 30)
    back(admin, charlie_v1, "Expired")
    at("10-01", 9)
    assign_reviewer(admin, up(charlie_focal, c, c_ds1), rita)
    at("10-02", 9)
    up(charlie_focal, c, c_fa1)
    at("10-05")
    return ReviewWorld(
        admin,
        manager,
        rita,
        {"Alpha": alpha, "Bravo": bravo, "Charlie": charlie, "Delta": delta},
        (first.family_id, second.family_id),
        districts,
        reasons,
    )
