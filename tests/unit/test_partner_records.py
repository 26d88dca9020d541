"""Partner records: adding with contacts and coverage, likely duplicates, editing
with its audit trail and conflicts, status changes, annual reviews and agreements."""

from __future__ import annotations

from datetime import date, time, timedelta
from functools import cache

import pytest

from portal.accounts.passwords import authenticate, hash_password
from portal.core.clock import local_today
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.models import (
    AuditEvent,
    Contact,
    Coverage,
    OrgUnit,
    OrgUnitGroup,
    OutboxEmail,
    Partner,
    PartnerDocument,
    PartnerReview,
    User,
)
from portal.partners.agreements import add_document, expired, expiring_soon
from portal.partners.drafts import (
    ContactDraft,
    CoverageDraft,
    PartnerDraft,
    likely_duplicates,
    one_year_after,
)
from portal.partners.listing import Filters, partner_page
from portal.partners.records import add_partner, update_partner
from portal.partners.status import change_status, mark_reviewed
from tests.helpers import PASSWORD, file_upload, stored_files

TEAM = ["team@example.org", "lead@example.org"]


@pytest.fixture
def staff(make_user):
    """The administrator and manager, without passwords: they never log in here,
    and hashing one takes a noticeable part of a second."""
    return {
        "admin": make_user("admin@example.org", "admin", name="Ada Admin", password=None),
        "manager": make_user("manager@example.org", "manager", name="Manu Manager", password=None),
    }


@cache
def _password_hash() -> str:
    """PASSWORD hashed once for the module (each hash is slow on purpose)."""
    return hash_password(PASSWORD)


@pytest.fixture
def areas(app):
    """Country (1) > province (2) > district (3) > sector (4) > facility (5), a
    second district, and a group of facilities."""
    rows = [
        ("C", "Country", 1, "/C"),
        ("P", "North Province", 2, "/C/P"),
        ("D", "Riverside", 3, "/C/P/D"),
        ("S", "Riverside Sector", 4, "/C/P/D/S"),
        ("F", "Riverside Health Centre", 5, "/C/P/D/S/F"),
        ("D2", "Hillside", 3, "/C/P/D2"),
    ]
    units = {
        uid: OrgUnit(
            id=uid,
            name=name,
            level=level,
            path=path,
            parent_id=path.strip("/").split("/")[-2] if level > 1 else None,
            search_key=name.lower(),
        )
        for uid, name, level, path in rows
    }
    group = OrgUnitGroup(id="G", name="Rural facilities")
    group.members = [units["F"]]
    db.session.add_all([*units.values(), group])
    db.session.commit()
    return units


def _contacts(*specs) -> list[ContactDraft]:
    """("Name", "email", is_primary) triples."""
    return [ContactDraft(name=n, email=e, is_primary=p) for n, e, p in specs]


def _draft(name="Health Access Initiative", acronym="HAI", email="ana@hai.example.org", **kw):
    values = {
        "name": name,
        "acronym": acronym,
        "contacts": _contacts(("Ana Focal", email, True)),
    } | kw
    return PartnerDraft(**values)


def _events(partner: Partner, action: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).filter_by(partner_id=partner.id).order_by(AuditEvent.id)
    if action:
        query = query.filter_by(action=action)
    return db.session.scalars(query).all()


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _emails(template: str) -> list[OutboxEmail]:
    return db.session.scalars(db.select(OutboxEmail).filter_by(template=template)).all()


def _refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    db.session.rollback()
    return refused.value


# --- adding -----------------------------------------------------------------


def test_a_partner_is_added_with_several_contacts_and_one_focal_login(staff):
    draft = _draft(
        contacts=[
            ContactDraft(name="Ben Finance", email="ben@hai.example.org", title="Finance"),
            ContactDraft(name="Ana Focal", email=" Ana@HAI.example.org ", is_primary=True),
            ContactDraft(name="Cy Field", phone="+250 700 000 000"),  # no email: fine
        ]
    )

    partner = add_partner(staff["admin"], draft)

    assert sorted(c.name for c in partner.contacts) == ["Ana Focal", "Ben Finance", "Cy Field"]
    assert partner.primary_contact.name == "Ana Focal"
    [focal] = db.session.scalars(db.select(User).filter_by(partner_id=partner.id)).all()
    assert (focal.email, focal.role, focal.partner_role) == (
        "ana@hai.example.org",
        "partner",
        "focal",
    )
    assert focal.password_hash is None
    assert partner.primary_contact.user == focal
    [invitation] = db.session.scalars(db.select(OutboxEmail)).all()
    assert invitation.template == "invitation"
    assert invitation.recipient_list == ["ana@hai.example.org"]


@pytest.mark.parametrize(
    "primaries",
    [(False, False), (True, True)],
    ids=["no primary", "two primaries"],
)
def test_exactly_one_primary_contact_is_required(staff, primaries):
    draft = _draft(
        contacts=_contacts(
            ("Ana Focal", "ana@hai.example.org", primaries[0]),
            ("Ben Finance", "ben@hai.example.org", primaries[1]),
        )
    )

    error = _refused(add_partner, staff["admin"], draft)

    assert error.field == "contacts"
    assert _count(Partner) == _count(Contact) == _count(OutboxEmail) == 0
    assert _count(User) == 2  # the staff only


def test_the_primary_contact_needs_an_email(staff):
    draft = _draft(contacts=_contacts(("Ben", "ben@hai.example.org", False), ("Ana", "", True)))

    assert _refused(add_partner, staff["admin"], draft).field == "contacts-1-email"
    assert _count(Partner) == 0


def test_two_contacts_with_the_same_email_are_refused(staff):
    draft = _draft(
        contacts=_contacts(
            ("Ana", "ana@hai.example.org", True),
            ("Ben", "shared@hai.example.org", False),
            ("Cy", "SHARED@hai.example.org", False),
        )
    )

    assert _refused(add_partner, staff["admin"], draft).field == "contacts-1-email"
    assert _count(Partner) == _count(Contact) == 0


def test_the_primary_email_of_another_partners_user_is_refused(staff, make_partner):
    make_partner(focal_email="taken@other.example.org")
    draft = _draft(
        contacts=_contacts(
            ("Ben", "ben@hai.example.org", False), ("Ana", "Taken@other.example.org", True)
        )
    )

    assert _refused(add_partner, staff["admin"], draft).field == "contacts-1-email"
    assert db.session.scalar(db.select(Partner).filter_by(name="Health Access Initiative")) is None


def test_coverage_records_the_district_of_what_is_covered(staff, areas):
    start = local_today() - timedelta(days=30)
    draft = _draft(
        coverage=[
            CoverageDraft("unit:F", start, scope_note="Maternal health"),
            CoverageDraft("unit:D2", start),
            CoverageDraft("unit:P", start),
            CoverageDraft("group:G", start),
            CoverageDraft("nationwide", start),
        ]
    )

    partner = add_partner(staff["admin"], draft)

    rows = db.session.scalars(db.select(Coverage).order_by(Coverage.id)).all()
    assert [(c.org_unit_id, c.org_unit_group_id, c.nationwide, c.district_id) for c in rows] == [
        ("F", None, False, "D"),  # a facility lies in its district
        ("D2", None, False, "D2"),  # a district is its own district
        ("P", None, False, None),  # above district level
        (None, "G", False, None),
        (None, None, True, None),
    ]
    assert [c.target_name for c in partner.coverage] == [
        "Riverside Health Centre",
        "Hillside",
        "North Province",
        "Rural facilities (group)",
        "Whole country",
    ]
    added = _events(partner, "coverage_added")
    assert added[0].changes == {
        "area": [None, "Riverside Health Centre"],
        "scope_note": [None, "Maternal health"],
        "starts_on": [None, start.isoformat()],
    }


def _coverage(*targets, ends_yesterday=()) -> list[CoverageDraft]:
    """Coverage starting today (the app's), some of it ending the day before."""
    today = local_today()
    ends = {t: today - timedelta(days=1) for t in ends_yesterday}
    return [CoverageDraft(t, today, ends_on=ends.get(t)) for t in targets]


@pytest.mark.parametrize(
    ("coverage", "field"),
    [
        (("unit:F", "unit:D", {"ends_yesterday": ["unit:D"]}), "coverage-1-ends_on"),
        (("unit:F", "unit:F", {}), "coverage-1-target"),
        (("nationwide", "nationwide", {}), "coverage-1-target"),
        (("unit:NOWHERE", {}), "coverage-0-target"),
        (("group:NOWHERE", {}), "coverage-0-target"),
        (("planet:earth", {}), "coverage-0-target"),
    ],
    ids=["ends before it starts", "same unit twice", "nationwide twice", "unknown unit",
         "unknown group", "unknown kind"],
)  # fmt: skip
def test_broken_coverage_is_refused_and_nothing_is_added(staff, areas, coverage, field):
    *targets, options = coverage
    error = _refused(add_partner, staff["admin"], _draft(coverage=_coverage(*targets, **options)))

    assert error.field == field
    assert _count(Partner) == _count(Coverage) == 0


def test_the_next_review_is_a_year_away_unless_given(staff):
    default = add_partner(staff["admin"], _draft())
    chosen = add_partner(
        staff["admin"],
        _draft(
            "Other Org",
            "OO",
            "o@oo.example.org",
            next_review_on=local_today() + timedelta(days=1000),
        ),
    )

    assert default.next_review_on == one_year_after(local_today())
    assert chosen.next_review_on == local_today() + timedelta(days=1000)


def test_adding_is_audited_with_before_and_after(staff, areas):
    admin = staff["admin"]
    draft = _draft(
        scope_of_work="Supervision of health centres",
        types=["supervision", "funding"],
        contacts=_contacts(("Ana Focal", "ana@hai.example.org", True), ("Ben", "ben@x.org", False)),
        coverage=[CoverageDraft("unit:F", local_today())],
    )

    partner = add_partner(admin, draft)

    events = _events(partner)
    assert [e.action for e in events] == [
        "partner_created",
        "contact_added",
        "user_created",
        "contact_added",
        "coverage_added",
    ]
    assert all(e.actor_id == admin.id for e in events)
    created = events[0].changes
    assert created["name"] == [None, "Health Access Initiative"]
    assert created["scope_of_work"] == [None, "Supervision of health centres"]
    assert created["status"] == [None, "active"]
    assert created["next_review_on"] == [None, one_year_after(local_today()).isoformat()]
    assert set(created["types"][1].split(", ")) == {"supervision", "funding"}
    assert events[3].changes == {"name": [None, "Ben"], "email": [None, "ben@x.org"]}


# --- likely duplicates ------------------------------------------------------


@pytest.fixture
def known(staff):
    """Two partners already in the portal."""
    admin = staff["admin"]
    return {
        "sante": add_partner(admin, _draft("Santé Plus", "", "f@sante.example.org")),
        "hai": add_partner(admin, _draft("Health Access Initiative", "HAI", "f@hai.example.org")),
    }


@pytest.mark.parametrize(
    ("name", "acronym", "expected"),
    [
        ("SANTE-PLUS", "", "sante"),
        ("santé plus", "", "sante"),
        ("Health Acces Initiative", "", "hai"),  # a typo
        ("health access initiative", "HAI", "hai"),
    ],
)
def test_likely_duplicates_are_found_by_name(known, name, acronym, expected):
    assert likely_duplicates(name, acronym) == [known[expected]]


def test_the_same_acronym_with_dots_is_a_likely_duplicate(known):
    assert likely_duplicates("Hope Alliance International", "H.A.I.") == [known["hai"]]


def test_the_same_acronym_written_alike_is_a_likely_duplicate(known):
    assert likely_duplicates("Hope Alliance International", "hai") == [known["hai"]]


def test_an_unrelated_name_is_not_a_duplicate(known):
    assert likely_duplicates("Mountain Clinics Trust", "MCT") == []
    assert likely_duplicates("Health Systems Trust", "HST") == []


def test_merged_partners_and_the_partner_itself_are_not_duplicates(known):
    hai = known["hai"]

    assert likely_duplicates(hai.name, hai.acronym, exclude_id=hai.id) == []

    known["sante"].status = "merged"
    db.session.commit()
    assert likely_duplicates("Santé Plus") == []


# --- updating ---------------------------------------------------------------


@pytest.fixture
def partner(staff, areas):
    """A partner with a focal point, a finance contact and two covered areas."""
    draft = _draft(
        scope_of_work="Supervision",
        types=["supervision"],
        contacts=_contacts(
            ("Ana Focal", "ana@hai.example.org", True), ("Ben", "ben@hai.example.org", False)
        ),
        coverage=[
            CoverageDraft("unit:F", local_today() - timedelta(days=100)),
            CoverageDraft("unit:D2", local_today() - timedelta(days=100)),
        ],
    )  # fmt: skip
    return add_partner(staff["admin"], draft)


@pytest.fixture
def team(app):
    app.config["PROGRAMME_TEAM_EMAILS"] = TEAM
    return TEAM


def _update(actor, partner, change, reason="", version=None):
    draft = PartnerDraft.of(partner)
    change(draft)
    return update_partner(
        actor,
        partner,
        draft,
        reason=reason,
        version=partner.version if version is None else version,
    )


def test_changed_fields_are_audited_with_the_reason(staff, partner):
    def rename(draft):
        draft.name = "Health Access International"
        draft.language = "fr"

    _update(staff["admin"], partner, rename, reason="Registered under a new name")

    db.session.expire_all()
    assert (partner.name, partner.language, partner.acronym) == (
        "Health Access International",
        "fr",
        "HAI",
    )
    [event] = _events(partner, "partner_updated")
    assert event.changes == {
        "name": ["Health Access Initiative", "Health Access International"],
        "language": ["en", "fr"],
    }
    assert event.reason == "Registered under a new name"
    assert event.actor_id == staff["admin"].id


def test_saving_unchanged_writes_no_event(staff, partner):
    before = len(_events(partner))

    assert _update(staff["admin"], partner, lambda d: None) == []

    assert len(_events(partner)) == before


def test_a_stale_version_is_a_conflict_and_changes_nothing(staff, partner):
    old_version = partner.version
    _update(staff["manager"], partner, lambda d: setattr(d, "scope_of_work", "First save"))
    events = len(_events(partner))

    with pytest.raises(Conflict) as refused:
        _update(
            staff["admin"],
            partner,
            lambda d: setattr(d, "name", "Second save"),
            version=old_version,
        )
    assert (refused.value.field, refused.value.message) == (
        None,
        "Someone else changed this partner while you were editing. Reload.",
    )

    db.session.rollback()
    assert (partner.name, partner.scope_of_work) == ("Health Access Initiative", "First save")
    assert len(_events(partner)) == events


def test_a_contact_only_save_also_makes_other_editors_stale(staff, partner):
    # The admin opens the edit form; meanwhile the manager adds a contact.
    admin_form, version = PartnerDraft.of(partner), partner.version

    def add_contact(draft):
        draft.contacts.append(ContactDraft(name="Cy New", email="cy@hai.example.org"))

    _update(staff["manager"], partner, add_contact)

    # Saving the older form without a word would end Cy.
    with pytest.raises(Conflict) as refused:
        update_partner(staff["admin"], partner, admin_form, version=version)
    assert (refused.value.field, refused.value.message) == (
        None,
        "Someone else changed this partner while you were editing. Reload.",
    )
    db.session.rollback()
    assert "Cy New" in [c.name for c in partner.contacts]


def test_removing_a_contact_ends_it_and_keeps_the_row(staff, partner):
    ben = next(c for c in partner.contacts if c.name == "Ben")

    _update(
        staff["admin"],
        partner,
        lambda d: d.contacts.remove(next(c for c in d.contacts if c.name == "Ben")),
        reason="Left the organisation",
    )

    db.session.expire_all()
    assert [c.name for c in partner.contacts] == ["Ana Focal"]
    kept = db.session.get(Contact, ben.id)
    assert kept.ended_at is not None and kept.name == "Ben"
    [event] = _events(partner, "contact_ended")
    assert (event.object_id, event.reason) == (ben.id, "Left the organisation")


def test_removing_coverage_sets_its_end_and_keeps_the_row(staff, partner):
    def drop_hillside(draft):
        draft.coverage = [c for c in draft.coverage if c.target != "unit:D2"]

    _update(staff["admin"], partner, drop_hillside)

    hillside = db.session.scalars(db.select(Coverage).filter_by(org_unit_id="D2")).one()
    assert hillside.ends_on == local_today()
    assert _count(Coverage) == 2
    [event] = _events(partner, "coverage_ended")
    assert event.changes == {"ends_on": [None, local_today().isoformat()]}


def test_scope_types_and_coverage_changes_send_the_team_one_email(staff, partner, team):
    def change(draft):
        draft.scope_of_work = "Supervision and training"
        draft.types = ["supervision", "technical_assistance"]
        draft.coverage = [c for c in draft.coverage if c.target != "unit:D2"]
        draft.coverage.append(CoverageDraft("nationwide", local_today(), scope_note="Hotline"))

    summary = _update(staff["admin"], partner, change, reason="New grant")

    assert summary == [
        "Scope of work changed.",
        "Partnership types: supervision, technical_assistance.",
        "No longer covers Hillside.",
        f"Now covers Whole country (Hotline) from {local_today():%d %b %Y}.",
    ]
    [email] = _emails("partner_changed")
    assert email.recipient_list == sorted(team)
    for line in summary:
        assert line in email.body_text
    assert "Reason: New grant" in email.body_text
    assert "Health Access Initiative (HAI)" in email.subject


def test_preference_or_contact_changes_send_no_email(staff, partner, team):
    def preferences(draft):
        draft.reporting_frequency = "monthly"
        draft.invoice_format = "xlsx"
        draft.contacts[1].phone = "+250 788 000 000"

    assert _update(staff["admin"], partner, preferences) == []

    assert _emails("partner_changed") == []
    assert partner.reporting_frequency == "monthly"


def test_no_email_without_a_programme_team(app, staff, partner):
    app.config["PROGRAMME_TEAM_EMAILS"] = []

    summary = _update(staff["admin"], partner, lambda d: setattr(d, "scope_of_work", "More"))

    assert summary == ["Scope of work changed."]
    assert _emails("partner_changed") == []


def test_choosing_another_primary_leaves_one_focal_point(staff, partner):
    def swap(draft):
        for contact in draft.contacts:
            contact.is_primary = contact.name == "Ben"

    _update(staff["admin"], partner, swap)

    focal = db.session.scalars(
        db.select(User.email).filter_by(partner_id=partner.id, partner_role="focal")
    ).all()
    assert focal == ["ben@hai.example.org"]


# --- status -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "effective_in", "field"),
    [
        ("  ", 0, "reason"),
        ("Funding ended", None, "effective_on"),
        ("Funding ended", 1, "effective_on"),  # applies now
    ],
    ids=["no reason", "no date", "future date"],
)
def test_a_status_change_needs_a_reason_and_a_date(staff, partner, reason, effective_in, field):
    events = len(_events(partner))
    effective_on = None if effective_in is None else local_today() + timedelta(days=effective_in)

    error = _refused(
        change_status, staff["admin"], partner, "closed", reason=reason, effective_on=effective_on
    )

    assert error.field == field
    db.session.expire_all()
    assert partner.status == "active"
    assert all(u.active for u in partner.users)
    assert all(c.ends_on is None for c in partner.coverage)
    assert len(_events(partner)) == events


def _with_passwords(partner: Partner, make_user) -> list[User]:
    """The focal point sets a password; an editor colleague has one too."""
    focal = partner.primary_contact.user
    focal.password_hash = _password_hash()
    editor = make_user("editor@hai.example.org", partner=partner, password=None)
    editor.partner_role, editor.password_hash = "editor", _password_hash()
    db.session.commit()
    return [focal, editor]


def test_on_hold_keeps_the_logins(staff, partner, make_user):
    _with_passwords(partner, make_user)

    change_status(staff["admin"], partner, "on_hold", reason="Audit", effective_on=local_today())

    assert partner.status == "on_hold"
    assert authenticate("ana@hai.example.org", PASSWORD) is not None
    assert authenticate("editor@hai.example.org", PASSWORD) is not None
    assert all(c.ends_on is None for c in partner.coverage)
    assert partner in partner_page(Filters()).rows


def test_closing_ends_coverage_and_logins_and_keeps_every_row(staff, partner, make_user, team):
    users = _with_passwords(partner, make_user)
    closed_on = local_today() - timedelta(days=1)
    rows_before = {m: _count(m) for m in (Contact, Coverage, User, Partner)}

    change_status(staff["admin"], partner, "closed", reason="Grant over", effective_on=closed_on)

    db.session.expire_all()
    assert (partner.status, partner.status_reason) == ("closed", "Grant over")
    assert partner.status_effective_on == closed_on
    assert {c.ends_on for c in db.session.scalars(db.select(Coverage))} == {closed_on}
    assert partner.coverage and not any(c.current for c in partner.coverage)
    assert not any(u.active for u in users)
    assert authenticate("ana@hai.example.org", PASSWORD) is None
    assert authenticate("editor@hai.example.org", PASSWORD) is None
    assert {m: _count(m) for m in rows_before} == rows_before
    assert len(partner.contacts) == 2

    [status] = _events(partner, "status_changed")
    assert status.changes == {
        "status": ["active", "closed"],
        "effective_on": [None, closed_on.isoformat()],
    }
    assert status.reason == "Grant over"
    ended = _events(partner, "coverage_ended")
    assert len(ended) == 2 and all(e.changes["ends_on"][1] == closed_on.isoformat() for e in ended)
    assert {e.object_id for e in _events(partner, "user_deactivated")} == {u.id for u in users}
    [email] = _emails("partner_changed")
    assert "Active → Closed" in email.body_text

    assert partner not in partner_page(Filters()).rows
    assert partner in partner_page(Filters(status="closed")).rows
    assert partner in partner_page(Filters(status="all")).rows


def test_closing_leaves_coverage_that_ended_earlier(staff, areas):
    ended_on = local_today() - timedelta(days=20)
    partner = add_partner(
        staff["admin"],
        _draft(
            coverage=[
                CoverageDraft("unit:F", local_today() - timedelta(days=90), ends_on=ended_on),
                CoverageDraft("nationwide", local_today() - timedelta(days=90)),
            ]
        ),
    )

    change_status(staff["admin"], partner, "closed", reason="Done", effective_on=local_today())

    ends = dict(db.session.execute(db.select(Coverage.nationwide, Coverage.ends_on)).all())
    assert ends == {False: ended_on, True: local_today()}
    assert len(_events(partner, "coverage_ended")) == 1


def test_the_same_status_again_is_refused(staff, partner):
    error = _refused(
        change_status, staff["admin"], partner, "active", reason="x", effective_on=local_today()
    )

    assert error.field == "status"


# --- annual review ----------------------------------------------------------


def test_a_review_records_who_and_moves_the_next_one_a_year_on(staff, partner):
    partner.next_review_on = local_today() - timedelta(days=3)
    db.session.commit()

    review = mark_reviewed(staff["manager"], partner, "  All documents in order ")

    assert review.reviewed_by == staff["manager"]
    assert review.note == "All documents in order"
    assert review.next_review_on == partner.next_review_on == one_year_after(local_today())
    [event] = _events(partner, "partner_reviewed")
    assert event.changes == {
        "next_review_on": [
            (local_today() - timedelta(days=3)).isoformat(),
            one_year_after(local_today()).isoformat(),
        ]
    }
    assert event.reason == "All documents in order"


def test_a_review_on_29_february_is_due_on_28_february(staff, partner, clock):
    clock.set(date(2028, 2, 29), time(12, 0))

    review = mark_reviewed(staff["admin"], partner, "")

    assert review.next_review_on == partner.next_review_on == date(2029, 2, 28)
    assert db.session.scalars(db.select(PartnerReview)).one().note == ""
    assert one_year_after(date(2027, 3, 1)) == date(2028, 3, 1)


# --- agreements -------------------------------------------------------------


def _agreement(actor, partner, data: bytes, filename="agreement.pdf", **kw):
    values = {
        "kind": "agreement",
        "reference": "AGR-2025-01",
        "valid_from": local_today(),
        "valid_until": local_today() + timedelta(days=365),
    } | kw
    return add_document(actor, partner, upload=file_upload(data, filename), **values)


def test_an_agreement_is_stored_with_its_size_and_hash(staff, partner, pdf_bytes):
    import hashlib

    document = _agreement(staff["admin"], partner, pdf_bytes, "Signed agreement.pdf")

    assert document.size == len(pdf_bytes)
    assert document.sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    assert document.content_type == "application/pdf"
    assert partner.documents == [document]
    [stored] = stored_files()
    assert stored.read_bytes() == pdf_bytes
    [event] = _events(partner, "agreement_added")
    assert event.changes["reference"] == [None, "AGR-2025-01"]


def test_a_text_file_is_refused_without_a_row_or_a_file(staff, partner):
    error = _refused(_agreement, staff["admin"], partner, b"just some text\n", "agreement.pdf")

    assert error.field == "file"
    assert _count(PartnerDocument) == 0
    assert stored_files() == []


def test_validity_ending_before_it_starts_is_refused(staff, partner, pdf_bytes):
    error = _refused(
        _agreement,
        staff["admin"],
        partner,
        pdf_bytes,
        valid_until=local_today() - timedelta(days=1),
    )

    assert error.field == "valid_until"
    assert _count(PartnerDocument) == 0
    assert stored_files() == []


@pytest.mark.parametrize(
    ("days_left", "soon", "gone"),
    [(-1, False, True), (0, True, False), (59, True, False), (60, True, False), (61, False, False)],
)
def test_an_agreement_expires_soon_within_60_days(app, days_left, soon, gone):
    document = PartnerDocument(
        valid_from=local_today() - timedelta(400), valid_until=local_today() + timedelta(days_left)
    )

    assert expiring_soon(document) is soon
    assert expired(document) is gone


def test_an_agreement_without_an_end_never_expires(app):
    document = PartnerDocument(valid_from=local_today(), valid_until=None)

    assert not expiring_soon(document) and not expired(document)
