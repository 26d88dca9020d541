"""The demo's prospective partners: one whose need check is under way (and
whose research finds a partner already supervising in the same district), and
one the programme decided not to go ahead with."""

from __future__ import annotations

from datetime import date, timedelta

from portal.core.extensions import db
from portal.models import OrgUnit, User
from portal.partners.drafts import ContactDraft, CoverageDraft, PartnerDraft
from portal.partners.records import add_partner
from portal.partnerships import need


def _prospect(admin: User, name: str, acronym: str, kind: str, contact: tuple, unit: str, since):
    found = db.session.scalar(db.select(OrgUnit.id).filter_by(name=unit))
    return add_partner(
        admin,
        PartnerDraft(
            name=name,
            acronym=acronym,
            types=[kind],
            scope_of_work=f"Proposes {kind.replace('_', ' ')} in {unit}.",
            contacts=[ContactDraft(name=contact[0], email=contact[1], is_primary=True)],
            coverage=[CoverageDraft(target=f"unit:{found}", starts_on=since)] if found else [],
            prospective=True,
        ),
    )


def load_prospects(admin: User, today: date) -> None:
    starts = today + timedelta(days=30)
    alliance = _prospect(
        admin,
        "Lwandi Community Health Alliance",
        "LCHA",
        "supervision",
        ("Mercy Tembo", "mercy@lcha.example.org"),
        "Lwandi District",
        starts,
    )
    need.add_item(
        admin, alliance, "benefit", "Monthly supportive supervision of 12 facilities", True
    )
    need.add_item(admin, alliance, "benefit", "Community feedback on maternity services", False)
    need.add_item(
        admin, alliance, "commitment", "Two nurse supervisors and a vehicle, two days a week", None
    )
    fund = _prospect(
        admin,
        "Mbala Relief Fund",
        "MRF",
        "funding",
        ("Daniel Zulu", "daniel@mrf.example.org"),
        "Mbala District",
        starts,
    )
    need.add_item(admin, fund, "benefit", "Funds for community health workers in Mbala", True)
    need.add_item(admin, fund, "commitment", "USD 40,000 a year for two years", None)
    need.add_item(admin, fund, "strategy", "Mbala district health plan", True)
    need.save_research(
        admin, fund, "Health Access Initiative already funds community health workers in Mbala."
    )
    need.decide(
        admin,
        fund,
        "no_go",
        "It would duplicate Health Access Initiative's funding; we introduced the fund to HAI.",
    )
