"""Merging duplicate partners: everything of the duplicate moves to the kept
partner, nothing is lost or doubled, and the refusals change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import local_today
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.models import (
    Accreditation,
    Agreement,
    Assessment,
    AuditEvent,
    CheckIn,
    Concern,
    Contact,
    DataSet,
    DataSetAssignment,
    OrganisationDocument,
    OrgUnit,
    Partner,
    PartnerDocument,
    PartnerLook,
    ProgressReport,
    User,
    utcnow,
)
from portal.partners.drafts import (
    PROFILE_FIELDS,
    ContactDraft,
    CoverageDraft,
    PartnerDraft,
    check_draft,
    one_year_after,
)
from portal.partners.merge import STALE, merge_partners
from portal.partners.merge_choices import merge_questions
from portal.partners.records import add_partner, update_partner
from portal.partners.status import mark_reviewed
from tests.helpers import requirements_of

KEEP_ALL = dict.fromkeys(PROFILE_FIELDS, "survivor")
# Which side's value the kept partner takes in the main test.
CHOSEN = KEEP_ALL | {
    "acronym": "other",
    "scope_of_work": "other",
    "language": "other",
    "invoice_format": "other",
    "next_review_on": "other",
}
RELATED = (
    "contacts",
    "coverage",
    "users",
    "accreditations",
    "partner_documents",
    "partner_reviews",
    "partnership_types",
    "audit_events",
    "partner_looks",
    "organisation_documents",
    "checkins",
    "progress_reports",
    "engagement_assessments",
    "concerns",
    "data_set_assignments",
    "agreements",
)
# Every table, and what a merge does to its row count.
MERGE_EFFECT = {
    "partnership_types": -1,  # "supervision" was on both: the union has it once
    "partner_looks": -1,  # the admin looked at both: one look remains
    # "partner_merged" on each partner, the duplicate's cycle closed, its focal
    # login made an editor's.
    "audit_events": +4,
    "outbox": +1,  # the programme team hears of it
}


@pytest.fixture
def org_units(app):
    """Country > province > two districts (district level is 3)."""
    units = [
        OrgUnit(id=uid, name=name, level=path.count("/"), path=path, search_key=name.lower())
        for uid, name, path in (
            ("C1", "Country", "/C1"),
            ("P1", "North", "/C1/P1"),
            ("D1", "Riverside", "/C1/P1/D1"),
            ("D2", "Hillside", "/C1/P1/D2"),
        )
    ]
    db.session.add_all(units)
    db.session.commit()
    return units


def _document(partner: Partner, actor: User, reference: str) -> PartnerDocument:
    document = PartnerDocument(
        partner_id=partner.id,
        kind="agreement",
        reference=reference,
        valid_from=date(2024, 1, 1),
        valid_until=local_today() + timedelta(days=365),
        filename=f"{reference}.pdf",
        storage_key=f"key-{reference}",
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.commit()
    return document


def _look(user: User, partner: Partner, days_ago: int) -> None:
    db.session.add(
        PartnerLook(
            user_id=user.id, partner_id=partner.id, seen_at=utcnow() - timedelta(days=days_ago)
        )
    )
    db.session.commit()


@dataclass
class Pair:
    survivor: Partner
    other: Partner
    earlier: Partner  # merged into `other` before


@pytest.fixture
def pair(app, staff, make_template, make_user, org_units, upload) -> Pair:
    """Two records of one organisation, each with something of every kind, and a
    third record merged into the duplicate earlier."""
    admin, manager = staff["admin"], staff["manager"]
    make_template()
    survivor = add_partner(
        admin,
        PartnerDraft(
            name="Alpha Health",
            acronym="AH",
            scope_of_work="Clinics in the north.",
            types=["funding", "supervision"],
            contacts=[
                ContactDraft(name="Ann Alpha", email="ann@alpha.example.org", is_primary=True),
                ContactDraft(name="Bob Both", email="bob@both.example.org"),
                ContactDraft(name="Gus Gone", email="gus@alpha.example.org"),
            ],
            coverage=[
                CoverageDraft(target="unit:D1", starts_on=date(2024, 1, 1)),
                CoverageDraft(target="nationwide", starts_on=date(2024, 1, 1), scope_note="HIV"),
            ],
        ),
    )
    # Gus leaves: an ended contact (and its history) that must move too.
    draft = PartnerDraft.of(survivor)
    draft.contacts = [c for c in draft.contacts if c.name != "Gus Gone"]
    update_partner(admin, survivor, draft, reason="Gus left", version=survivor.version)
    other = add_partner(
        admin,
        PartnerDraft(
            name="Alpha Health Initiative",
            acronym="AHI",
            scope_of_work="Clinics and outreach in the north.",
            types=["supervision", "technical_assistance"],
            language="fr",
            reporting_frequency="monthly",
            invoice_format="xlsx",
            contacts=[
                ContactDraft(name="Cy Initiative", email="cy@ahi.example.org", is_primary=True),
                ContactDraft(name="Bob Both", email="bob@both.example.org", title="Same person"),
                ContactDraft(name="Dee Initiative", email="dee@ahi.example.org"),
            ],
            coverage=[CoverageDraft(target="unit:D2", starts_on=date(2023, 5, 1))],
        ),
    )
    earlier = add_partner(
        admin, PartnerDraft.new("Alpha Hlth", "AH2", "Eve", "eve@ah2.example.org")
    )
    for partner, viewer in ((survivor, "viewer@ah"), (other, "viewer@ahi")):
        make_user(f"{viewer}.example.org", partner=partner, partner_role="viewer")
        _document(partner, admin, f"AGR-{partner.acronym}")
        mark_reviewed(admin, partner, f"Reviewed {partner.acronym}")
        focal = next(u for u in partner.users if u.partner_role == "focal")
        [accreditation] = partner.accreditations
        upload(focal, accreditation, requirements_of(accreditation)[0])
        _vault_and_checkin(partner, focal, admin)
    # The duplicate's next review was set by hand after its review.
    draft = PartnerDraft.of(other)
    draft.next_review_on = set_by_hand()
    update_partner(admin, other, draft, version=other.version)
    _look(admin, survivor, days_ago=5)
    _look(admin, other, days_ago=1)  # the later of the admin's two looks
    _look(manager, other, days_ago=3)
    versions = (other.version, earlier.version)
    merge_partners(
        admin, other, earlier, KEEP_ALL, "Registered twice", versions, **kept_ones(other, earlier)
    )
    return Pair(survivor, other, earlier)


def set_by_hand() -> date:
    """A next review staff chose themselves: years away, whenever the test runs."""
    return local_today() + timedelta(days=1000)


def kept_ones(survivor: Partner, other: Partner) -> dict:
    """The answers that keep the kept partner's running cycle and focal point."""
    questions = merge_questions(survivor, other)
    return {
        "continuing": questions.cycles[0].id if questions.cycles else None,
        "focal_point": questions.focal_points[0].id if questions.focal_points else None,
    }


def _vault_and_checkin(partner, focal, admin) -> None:
    db.session.add_all(
        [
            OrganisationDocument(
                partner_id=partner.id,
                document_type="tax_clearance",
                valid_until=local_today() + timedelta(days=1000),
                filename="tax.pdf",
                storage_key=f"vault-{partner.acronym}",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_by_id=focal.id,
            ),
            CheckIn(
                partner_id=partner.id,
                starts_at=utcnow().replace(microsecond=0) + timedelta(days=1000),
                created_by_id=admin.id,
            ),
            Agreement(partner_id=partner.id, title="Terms", starts_on=date(2026, 1, 1)),
            ProgressReport(
                partner_id=partner.id,
                period="2026-Q3",
                period_start=date(2026, 7, 1),
                period_end=date(2026, 9, 30),
                subject=f"Report for {partner.name}",
                body_text="…",
                body_html="…",
                sent_by_id=admin.id,
            ),
            Assessment(
                partner_id=partner.id,
                accreditation_id=partner.accreditations[0].id,
                engagement=4,
                proactivity=3,
                assessed_by_id=admin.id,
            ),
            Concern(
                partner_id=partner.id,
                category="payment",
                description="Paid late.",
                remedy="Pay on time.",
                raised_by_id=focal.id,
                raised_by_side="partner",
            ),
            DataSetAssignment(
                partner_id=partner.id,
                data_set=db.session.merge(DataSet(id="QX4ZTUbOt3a", name="Reproductive health")),
                purpose="reports",
                starts_on=date(2024, 1, 1),
            ),
        ]
    )
    db.session.commit()


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def partner_columns() -> list:
    """Every column that points at a partner, in every table."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "partners" for fk in column.foreign_keys)
    ]


def ids_of(partner_id: int) -> dict[str, set]:
    """The primary keys of the rows each partner-pointing column gives `partner_id`."""
    found = {}
    for column in partner_columns():
        keys = column.table.primary_key.columns
        rows = db.session.execute(select(*keys).where(column == partner_id)).all()
        found[f"{column.table.name}.{column.name}"] = set(rows)
    return found


def snapshot() -> dict:
    """Every row of every table, read on a connection of its own (so the test's
    session keeps the objects it has loaded)."""
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def merge(pair: Pair, chosen=CHOSEN, reason="Registered twice by two offices"):
    survivor, other = pair.survivor, pair.other
    versions = (survivor.version, other.version)
    answers = kept_ones(survivor, other)
    return merge_partners(_admin(), survivor, other, chosen, reason, versions, **answers)


def _admin() -> User:
    return db.session.scalar(select(User).filter_by(email="admin@example.org"))


def test_everything_of_the_duplicate_moves_and_nothing_is_lost_or_doubled(app, pair):
    app.config["PROGRAMME_TEAM_EMAILS"] = ["team@example.org"]
    survivor_id, other_id = pair.survivor.id, pair.other.id
    before = counts()
    survivor_rows, other_rows = ids_of(survivor_id), ids_of(other_id)
    # Something of every kind, so that "nothing lost" means something.
    assert all(before[t] for t in (*RELATED, "milestones", "submissions", "password_tokens"))
    assert all(other_rows[f"{t}.partner_id"] for t in RELATED), other_rows

    merge(pair)

    after = counts()
    assert after == {t: n + MERGE_EFFECT.get(t, 0) for t, n in before.items()}
    moved = ids_of(survivor_id)
    # Everything the duplicate had now belongs to the kept partner, next to its own
    # rows; new are only the merge event and the duplicate's pointer to it.
    new_rows = {"audit_events.partner_id": 3, "partners.merged_into_id": 1}
    for column, rows in other_rows.items():
        if column in ("partnership_types.partner_id", "partner_looks.partner_id"):
            continue  # keyed by the partner itself: checked below
        assert survivor_rows[column] | rows <= moved[column], column
        added = moved[column] - survivor_rows[column] - rows
        assert len(added) == new_rows.get(column, 0), column
    # Nothing points at the duplicate any more but its own merge event.
    left = {column: rows for column, rows in ids_of(other_id).items() if rows}
    assert list(left) == ["audit_events.partner_id"] and len(left["audit_events.partner_id"]) == 1

    survivor, other = db.session.get(Partner, survivor_id), db.session.get(Partner, other_id)
    assert (other.status, other.merged_into_id) == ("merged", survivor_id)
    assert other.status_reason == "Registered twice by two offices"
    assert pair.earlier.merged_into_id == survivor_id
    assert survivor.type_keys == ["funding", "supervision", "technical_assistance"]
    admin_id, manager_id = (
        db.session.scalar(select(User.id).filter_by(email=e))
        for e in ("admin@example.org", "manager@example.org")
    )
    looks = {(k.user_id, k.partner_id): k.seen_at for k in db.session.scalars(select(PartnerLook))}
    assert set(looks) == {(admin_id, survivor_id), (manager_id, survivor_id)}
    assert utcnow() - looks[admin_id, survivor_id] < timedelta(days=2)  # the later look
    # Users, accreditations (with their milestones and submissions) now count there.
    assert {u.email for u in survivor.users} >= {
        "cy@ahi.example.org",
        "viewer@ahi.example.org",
        "eve@ah2.example.org",
    }
    assert len(survivor.accreditations) == 3
    assert all(a.partner_id == survivor_id for a in db.session.scalars(select(Accreditation)))


def test_the_chosen_values_are_kept_and_audited(pair):
    survivor_id, other_id = pair.survivor.id, pair.other.id
    version = pair.survivor.version
    [closing] = [a for a in pair.other.accreditations if a.running]
    closed = f"{closing.template.name} started {closing.started_on:%d %b %Y}"

    merge(pair)

    survivor = db.session.get(Partner, survivor_id)
    assert survivor.name == "Alpha Health"  # its own
    assert survivor.acronym == "AHI"
    assert survivor.scope_of_work == "Clinics and outreach in the north."
    assert (survivor.language, survivor.reporting_frequency) == ("fr", "quarterly")
    assert (survivor.invoice_format, survivor.next_review_on) == ("xlsx", set_by_hand())
    assert survivor.search_key == "alpha health ahi"
    assert survivor.version == version + 1  # a form opened before the merge is stale
    [kept_event] = db.session.scalars(
        select(AuditEvent).filter_by(
            action="partner_merged", partner_id=survivor_id, object_id=survivor_id
        )
    )
    assert kept_event.changes == {
        "acronym": ["AH", "AHI"],
        "scope_of_work": ["Clinics in the north.", "Clinics and outreach in the north."],
        "language": ["en", "fr"],
        "invoice_format": ["pdf", "xlsx"],
        "next_review_on": [str(one_year_after(local_today())), str(set_by_hand())],
        "types": ["funding, supervision", "funding, supervision, technical_assistance"],
        "merged_from": [None, f"Alpha Health Initiative (AHI) (#{other_id})"],
        "closed_accreditations": [None, closed],
    }
    assert kept_event.reason == "Registered twice by two offices"
    assert (kept_event.object_type, kept_event.object_id) == ("Partner", survivor_id)
    [merged_event] = db.session.scalars(select(AuditEvent).filter_by(partner_id=other_id))
    assert merged_event.action == "partner_merged"
    assert merged_event.changes == {
        "status": ["active", "merged"],
        "merged_into": [None, f"Alpha Health (AHI) (#{survivor_id})"],
    }
    assert merged_event.reason == "Registered twice by two offices"


def test_one_primary_contact_remains_and_the_record_can_still_be_edited(pair):
    survivor_id = pair.survivor.id

    merge(pair)

    current = db.session.scalars(
        select(Contact).filter_by(partner_id=survivor_id, ended_at=None).order_by(Contact.name)
    ).all()
    assert [(c.name, c.is_primary) for c in current] == [
        ("Ann Alpha", True),  # the kept partner's primary stays primary
        ("Bob Both", False),  # the kept partner's entry for the person on both
        ("Cy Initiative", False),  # the duplicate's primary: an ordinary contact now
        ("Dee Initiative", False),
        ("Eve", False),  # merged into the duplicate earlier
    ]
    ended = db.session.scalars(
        select(Contact).filter(Contact.partner_id == survivor_id, Contact.ended_at.is_not(None))
    ).all()
    assert sorted((c.name, c.title) for c in ended) == [
        ("Bob Both", "Same person"),
        ("Gus Gone", ""),
    ]
    survivor = db.session.get(Partner, survivor_id)
    check_draft(PartnerDraft.of(survivor), survivor)  # the edit form would save
    assert [c.target_name for c in survivor.coverage] == ["Hillside", "Riverside", "Whole country"]


def test_the_duplicates_primary_stays_primary_when_the_kept_partner_has_none(
    staff, make_partner, pair
):
    bare, _, _ = make_partner(name="Alpha (old import)", acronym="AOI")
    for contact in db.session.scalars(select(Contact).filter_by(partner_id=bare.id)):
        contact.is_primary = False  # as partners imported before contacts existed
    db.session.commit()
    pair.survivor = bare

    merge(pair, chosen=KEEP_ALL)

    primaries = db.session.scalars(
        select(Contact).filter_by(partner_id=bare.id, ended_at=None, is_primary=True)
    ).all()
    assert [c.name for c in primaries] == ["Cy Initiative"]


def test_moving_takes_the_same_number_of_queries_however_much_there_is(
    staff, make_partner, pair, count_queries
):
    small = make_partner(name="Small One", acronym="S1")[0], make_partner("Small Two", "S2")[0]
    big = pair.survivor, pair.other
    statements = []
    for survivor, other in (small, big):
        db.session.expire_all()
        survivor, other = db.session.get(Partner, survivor.id), db.session.get(Partner, other.id)
        versions = (survivor.version, other.version)
        with count_queries() as queries:
            answers = kept_ones(survivor, other)
            merge_partners(
                staff["admin"], survivor, other, KEEP_ALL, "Duplicate", versions, **answers
            )
        statements.append(queries.count)
    assert statements[0] == statements[1]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("itself", "cannot be merged with itself"),
        ("merged_other", "already merged"),
        ("merged_survivor", "already merged"),
        ("no_reason", "Say why"),
        ("stale_survivor", "Someone changed"),
        ("stale_other", "Someone changed"),
        ("unchosen", "Choose which value"),
    ],
)
def test_refusals_change_nothing(pair, case, message):
    survivor, other = pair.survivor, pair.other
    versions = [survivor.version, other.version]
    reason, chosen = "Duplicate", dict(CHOSEN)
    if case == "itself":
        other = survivor
        versions[1] = survivor.version
    elif case == "merged_other":
        other = pair.earlier
        versions[1] = other.version
    elif case == "merged_survivor":
        survivor, other = pair.earlier, pair.survivor
        versions = [survivor.version, other.version]
    elif case == "no_reason":
        reason = "   "
    elif case == "stale_survivor":
        versions[0] -= 1
    elif case == "stale_other":
        versions[1] += 1
    elif case == "unchosen":
        del chosen["language"]
    before = snapshot()

    answers = kept_ones(survivor, other) if survivor.id != other.id else {}
    with pytest.raises(DomainError, match=message) as refused:
        merge_partners(_admin(), survivor, other, chosen, reason, tuple(versions), **answers)

    assert snapshot() == before
    if case.startswith("stale"):
        assert isinstance(refused.value, Conflict)
    if case == "no_reason":
        assert refused.value.field == "reason"


def test_a_merge_racing_another_change_is_refused(pair):
    """The versions match when checked, but the row changed before it was written."""
    survivor, other = pair.survivor, pair.other
    versions = (survivor.version, other.version)
    # Another session saves the duplicate in between.
    with db.engine.begin() as conn:
        conn.execute(
            Partner.__table__.update()
            .where(Partner.__table__.c.id == other.id)
            .values(version=other.version + 1, name="Renamed meanwhile")
        )
    before = snapshot()

    answers = kept_ones(survivor, other)
    with pytest.raises(Conflict) as refused:
        merge_partners(_admin(), survivor, other, CHOSEN, "Duplicate", versions, **answers)
    assert (refused.value.field, refused.value.message) == (None, STALE)

    assert snapshot() == before


# Rows left with the merged partner on purpose: published figures belong to the
# partner they were computed for; the next `flask api publish` says it has none.
# A need check is the record of deciding on that organisation: it stays readable
# at the merged partner's own need page (portal/partnerships/views.py).
# Bank details stay too: moving them would change the kept partner's without a
# second administrator's confirmation (an administrator proposes them anew).
LEFT_WITH_THE_DUPLICATE = {"kpi_values", "need_checks", "bank_accounts", "bank_details_changes"}


def test_every_table_that_points_at_partners_is_handled():
    """A new table with a partner_id must be taught to the merge (partners/merge.py)."""
    tables = {c.table.name for c in partner_columns()}
    assert tables <= {*RELATED, *LEFT_WITH_THE_DUPLICATE, "partners"}
