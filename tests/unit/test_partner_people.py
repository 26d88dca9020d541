"""The people of a partner: the focal point keeps the organisation's details
and colleagues' logins; an administrator hands the focal role to someone new."""

from __future__ import annotations

from functools import cache

import pytest

from portal.accounts.passwords import authenticate, hash_password
from portal.core.access import Refused
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent, Contact, OutboxEmail, Partner, PartnerLook, User
from portal.partners.drafts import ContactDraft, PartnerDraft
from portal.partners.people import change_leadership, invite_colleague, set_user_access
from portal.partners.records import add_partner, update_details
from portal.partners.status import change_status, record_look
from tests.helpers import PASSWORD

TEAM = ["team@example.org"]


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


def _add(admin, name, acronym, focal_email, *others) -> Partner:
    draft = PartnerDraft(
        name=name,
        acronym=acronym,
        scope_of_work="Supervision of health centres",
        contacts=[
            ContactDraft(name="Ana Focal", email=focal_email, title="Director", is_primary=True),
            *(ContactDraft(name=n, email=e, phone="+250 700 000 001") for n, e in others),
        ],
    )
    return add_partner(admin, draft)


def _member(partner: Partner, email: str, partner_role: str, with_password: bool = True) -> User:
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        role="partner",
        partner_id=partner.id,
        partner_role=partner_role,
        password_hash=_password_hash() if with_password else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def hai(staff):
    """A partner whose focal point Ana has set her password; Ben is a contact
    without a login."""
    partner = _add(
        staff["admin"],
        "Health Access Initiative",
        "HAI",
        "ana@hai.example.org",
        ("Ben Finance", "ben@hai.example.org"),
    )
    focal = partner.primary_contact.user
    focal.password_hash = _password_hash()
    db.session.commit()
    return partner


@pytest.fixture
def focal(hai) -> User:
    return hai.primary_contact.user


@pytest.fixture
def other(staff) -> Partner:
    return _add(staff["admin"], "Santé Plus", "SP", "focal@sp.example.org")


def _events(partner: Partner, action: str) -> list[AuditEvent]:
    return db.session.scalars(
        db.select(AuditEvent)
        .filter_by(partner_id=partner.id, action=action)
        .order_by(AuditEvent.id)
    ).all()


def _outbox(template: str) -> list[OutboxEmail]:
    return db.session.scalars(db.select(OutboxEmail).filter_by(template=template)).all()


def _users() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def _refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    db.session.rollback()
    return refused.value


def _forbidden(call, *args, **kwargs) -> None:
    """Refused by the access policy (403), not a rule broken in a form."""
    with pytest.raises(Refused):
        call(*args, **kwargs)
    db.session.rollback()


# --- colleagues ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_the_focal_point_invites_a_colleague(hai, focal, role):
    user = invite_colleague(
        focal, hai, name=" Eve Field ", email=" Eve@HAI.example.org ", role=role
    )

    assert (user.email, user.name, user.role) == ("eve@hai.example.org", "Eve Field", "partner")
    assert (user.partner_id, user.partner_role, user.active) == (hai.id, role, True)
    assert user.password_hash is None
    [invitation] = [e for e in _outbox("invitation") if "eve@hai.example.org" in e.recipients]
    assert invitation.recipient_list == ["eve@hai.example.org"]
    assert "/set-password/" in invitation.body_text
    [event] = [e for e in _events(hai, "user_created") if e.object_id == user.id]
    assert event.actor_id == focal.id
    assert event.changes["partner_role"] == [None, role]


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("eve@hai.example.org", "focal", "role"),
        ("eve@hai.example.org", "admin", "role"),
        ("ANA@hai.example.org", "editor", "email"),  # the focal point's own
    ],
)
def test_an_invitation_needs_a_colleague_role_and_a_free_email(
    hai, focal, other, email, role, field
):
    users = _users()

    error = _refused(invite_colleague, focal, hai, name="Eve", email=email, role=role)

    assert error.field == field
    assert _users() == users


@pytest.mark.parametrize(
    "email",
    ["focal@sp.example.org", " Manager@example.org "],  # another partner's; staff
)
def test_an_address_with_a_login_elsewhere_is_left_alone_and_its_owner_told(
    hai, focal, other, staff, email
):
    """The focal point is answered as for a new address (None, no error); the
    other login keeps its partner, role and password; its owner is told once.
    Staff inviting the same address are told the truth."""
    owner = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    before = (owner.partner_id, owner.role, owner.partner_role, owner.password_hash, owner.name)
    users, invitations = _users(), len(_outbox("invitation"))

    assert invite_colleague(focal, hai, name="Eve", email=email, role="editor") is None
    assert invite_colleague(focal, hai, name="Eve", email=email, role="viewer") is None

    db.session.expire_all()
    assert _users() == users
    assert (owner.partner_id, owner.role, owner.partner_role, owner.password_hash, owner.name) == (
        before
    )
    [notice] = _outbox("invitation_to_existing_login")
    assert notice.recipient_list == [owner.email]
    assert "Health Access Initiative" in notice.body_text
    assert "/set-password/" not in notice.body_text
    assert len(_outbox("invitation")) == invitations
    # Nothing of it in either partner's history; the audit trail keeps it.
    assert _events(hai, "invitation_to_existing_login") == []
    assert _events(other, "invitation_to_existing_login") == []
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(action="invitation_to_existing_login")
    ).all()
    assert [(e.actor_id, e.object_id, e.partner_id) for e in events] == [
        (focal.id, owner.id, None)
    ] * 2
    error = _refused(invite_colleague, staff["admin"], hai, name="Eve", email=email, role="viewer")
    assert error.field == "email"


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_cannot_invite_or_change_access(hai, role):
    actor = _member(hai, f"{role}@hai.example.org", role, with_password=False)
    colleague = _member(hai, "colleague@hai.example.org", "viewer")
    users = _users()

    _forbidden(invite_colleague, actor, hai, name="Eve", email="eve@hai.example.org", role="viewer")
    _forbidden(set_user_access, actor, colleague, active=False)
    _forbidden(set_user_access, actor, colleague, role="editor")

    assert _users() == users
    db.session.expire_all()
    assert (colleague.active, colleague.partner_role) == (True, "viewer")
    assert _events(hai, "user_updated") == []


def test_another_partners_focal_point_cannot_manage_these_users(hai, other):
    outsider = other.primary_contact.user
    colleague = _member(hai, "colleague@hai.example.org", "editor")

    _forbidden(invite_colleague, outsider, hai, name="Eve", email="eve@x.org", role="viewer")
    _forbidden(set_user_access, outsider, colleague, active=False)

    db.session.expire_all()
    assert colleague.active


def test_the_focal_point_cannot_change_their_own_access(focal):
    _refused(set_user_access, focal, focal, active=False)

    db.session.expire_all()
    assert focal.active
    assert authenticate("ana@hai.example.org", PASSWORD) == focal


def test_a_deactivated_colleague_cannot_log_in_until_reactivated(hai, focal):
    colleague = _member(hai, "eve@hai.example.org", "editor")

    set_user_access(focal, colleague, active=False)
    assert authenticate("eve@hai.example.org", PASSWORD) is None

    set_user_access(focal, colleague, active=True)
    assert authenticate("eve@hai.example.org", PASSWORD) == colleague

    changes = [e.changes for e in _events(hai, "user_updated")]
    assert changes == [{"active": [True, False]}, {"active": [False, True]}]


def test_roles_change_between_editor_and_viewer_only(staff, hai, focal):
    colleague = _member(hai, "eve@hai.example.org", "editor")

    set_user_access(focal, colleague, role="viewer")
    assert colleague.partner_role == "viewer"

    assert _refused(set_user_access, focal, colleague, role="focal").field == "role"
    assert _refused(set_user_access, focal, colleague, role="owner").field == "role"
    # Not even an administrator demotes the focal point here.
    assert _refused(set_user_access, staff["admin"], focal, role="editor").field == "role"

    db.session.expire_all()
    assert (colleague.partner_role, focal.partner_role) == ("viewer", "focal")


def test_staff_logins_are_not_managed_here(staff):
    _refused(set_user_access, staff["admin"], staff["manager"], active=False)

    assert staff["manager"].active


def test_no_one_is_reactivated_on_a_closed_partner(staff, hai, focal):
    change_status(staff["admin"], hai, "closed", reason="Grant over", effective_on=local_today())

    _refused(set_user_access, staff["admin"], focal, active=True)

    db.session.expire_all()
    assert not focal.active
    assert authenticate("ana@hai.example.org", PASSWORD) is None


def test_no_one_is_invited_to_a_closed_partner(staff, hai):
    change_status(staff["admin"], hai, "closed", reason="Grant over", effective_on=local_today())
    users = _users()

    _refused(
        invite_colleague,
        staff["admin"],
        hai,
        name="Eve",
        email="eve@hai.example.org",
        role="editor",
    )

    assert _users() == users


# --- leadership change --------------------------------------------------------


def _handover(admin, partner, email="zara@hai.example.org", deactivate=True, **kw):
    return change_leadership(
        admin,
        partner,
        name=" Zara New ",
        email=email,
        title="Executive director",
        deactivate_previous=deactivate,
        reason="Ana retired",
        **kw,
    )


def test_a_leadership_change_hands_over_the_focal_role(app, staff, hai, focal):
    app.config["PROGRAMME_TEAM_EMAILS"] = TEAM
    old_contact = hai.primary_contact

    new = _handover(staff["admin"], hai, " Zara@HAI.example.org ")

    db.session.expire_all()
    assert hai.primary_contact.name == "Zara New"
    assert hai.primary_contact.title == "Executive director"
    assert hai.primary_contact.user == new
    assert (new.email, new.partner_id, new.partner_role, new.active) == (
        "zara@hai.example.org",
        hai.id,
        "focal",
        True,
    )
    assert (old_contact.is_primary, old_contact.ended_at is not None) == (False, True)
    assert old_contact not in hai.contacts
    assert (focal.partner_role, focal.active) == ("editor", False)
    assert authenticate("ana@hai.example.org", PASSWORD) is None

    [welcome] = _outbox("welcome")
    assert welcome.recipient_list == ["zara@hai.example.org"]
    assert welcome.subject.startswith("Welcome to")
    assert "/set-password/" in welcome.body_text
    [event] = _events(hai, "focal_point_changed")
    assert event.changes == {
        "focal_point": ["Ana Focal", "Zara New"],
        "email": ["ana@hai.example.org", "zara@hai.example.org"],
        "previous_login": [None, "deactivated"],
    }
    assert (event.reason, event.actor_id) == ("Ana retired", staff["admin"].id)
    [demoted] = [e for e in _events(hai, "user_updated") if e.object_id == focal.id]
    assert demoted.changes == {"partner_role": ["focal", "editor"], "active": [True, False]}
    [team] = _outbox("partner_changed")
    assert "Zara New <zara@hai.example.org>" in team.body_text


def test_the_previous_focal_point_may_stay_as_an_editor(staff, hai, focal):
    old_contact = hai.primary_contact

    _handover(staff["admin"], hai, deactivate=False)

    db.session.expire_all()
    assert (old_contact.is_primary, old_contact.ended_at) == (False, None)
    assert old_contact in hai.contacts
    assert (focal.partner_role, focal.active) == ("editor", True)
    assert authenticate("ana@hai.example.org", PASSWORD) == focal
    focal_points = db.session.scalars(
        db.select(User).filter_by(partner_id=hai.id, partner_role="focal")
    ).all()
    assert [u.email for u in focal_points] == ["zara@hai.example.org"]
    [event] = _events(hai, "focal_point_changed")
    assert event.changes["previous_login"] == [None, "kept"]


def test_a_contact_of_the_partner_can_become_the_focal_point(staff, hai):
    ben = next(c for c in hai.contacts if c.name == "Ben Finance")
    contacts = db.session.scalar(db.select(db.func.count(Contact.id)))

    user = _handover(staff["admin"], hai, "ben@hai.example.org")

    db.session.expire_all()
    assert hai.primary_contact == ben  # the same person, not a second contact
    assert ben.user == user and user.partner_role == "focal"
    assert db.session.scalar(db.select(db.func.count(Contact.id))) == contacts


def test_an_existing_colleague_becomes_the_focal_point_with_their_login(staff, hai):
    eve = _member(hai, "eve@hai.example.org", "viewer")
    eve.active = False
    db.session.commit()

    user = _handover(staff["admin"], hai, "eve@hai.example.org")

    assert user == eve
    assert (eve.partner_role, eve.active) == ("focal", True)
    assert authenticate("eve@hai.example.org", PASSWORD) == eve


@pytest.mark.parametrize(
    "email",
    [
        "ana@hai.example.org",  # already the focal point
        " ANA@hai.example.org",
        "focal@sp.example.org",  # another partner's login
        "manager@example.org",  # staff
    ],
)
def test_a_leadership_change_to_someone_unsuitable_is_refused(staff, hai, focal, other, email):
    users = _users()

    error = _refused(_handover, staff["admin"], hai, email)

    assert error.field == "email"
    db.session.expire_all()
    assert hai.primary_contact.user == focal and focal.partner_role == "focal"
    assert _users() == users
    assert _outbox("welcome") == []


def test_only_an_administrator_changes_the_focal_point(staff, hai, focal):
    for actor in (staff["manager"], focal):
        _forbidden(_handover, actor, hai)

    db.session.expire_all()
    assert hai.primary_contact.user == focal


# --- self-service details -----------------------------------------------------


def _details(partner: Partner, change=None) -> dict:
    """The focal point's form as it is now, changed by `change(contacts)`."""
    contacts = PartnerDraft.of(partner).contacts
    if change:
        change(contacts)
    return {
        "contacts": contacts,
        "language": partner.language,
        "reporting_frequency": partner.reporting_frequency,
        "invoice_format": partner.invoice_format,
    }


def test_the_focal_point_updates_contacts_and_preferences(hai, focal):
    def edit(contacts):
        ben = next(c for c in contacts if c.name == "Ben Finance")
        ben.phone = "+250 788 123 456"
        contacts.append(ContactDraft(name="Cy Accounts", email="cy@hai.example.org"))

    form = _details(hai, edit) | {"language": "fr", "invoice_format": "einvoice"}

    update_details(focal, hai, **form)

    db.session.expire_all()
    assert (hai.language, hai.invoice_format) == ("fr", "einvoice")
    assert (hai.name, hai.scope_of_work) == (
        "Health Access Initiative",
        "Supervision of health centres",
    )
    assert sorted(c.name for c in hai.contacts) == ["Ana Focal", "Ben Finance", "Cy Accounts"]
    assert next(c for c in hai.contacts if c.name == "Ben Finance").phone == "+250 788 123 456"
    assert hai.primary_contact.name == "Ana Focal"
    assert hai.partner_changed_at is not None
    [updated] = _events(hai, "partner_updated")
    assert updated.changes == {"language": ["en", "fr"], "invoice_format": ["pdf", "einvoice"]}
    assert updated.actor_id == focal.id
    assert [e.changes for e in _events(hai, "contact_updated")] == [
        {"phone": ["+250 700 000 001", "+250 788 123 456"]}
    ]


def test_the_focal_point_cannot_remove_the_primary_focal_person(hai, focal):
    def drop_ana(contacts):
        contacts[:] = [c for c in contacts if c.name != "Ana Focal"]

    error = _refused(update_details, focal, hai, **_details(hai, drop_ana) | {"language": "fr"})

    assert error.field == "contacts"
    db.session.expire_all()
    assert hai.primary_contact.name == "Ana Focal"
    assert len(hai.contacts) == 2
    assert (hai.language, hai.partner_changed_at) == ("en", None)


def test_the_focal_point_cannot_choose_another_primary(hai, focal):
    def promote_ben(contacts):
        for contact in contacts:
            contact.is_primary = contact.name == "Ben Finance"
        contacts.append(ContactDraft(name="Cy", email="cy@hai.example.org", is_primary=True))

    update_details(focal, hai, **_details(hai, promote_ben))

    db.session.expire_all()
    assert [c.name for c in hai.contacts if c.is_primary] == ["Ana Focal"]
    assert db.session.scalars(
        db.select(User.email).filter_by(partner_id=hai.id, partner_role="focal")
    ).all() == ["ana@hai.example.org"]


def test_only_the_focal_point_changes_the_details(hai, other):
    editor = _member(hai, "eve@hai.example.org", "editor", with_password=False)
    outsider = other.primary_contact.user

    for actor in (editor, outsider):
        _forbidden(update_details, actor, hai, **_details(hai) | {"language": "fr"})

    db.session.expire_all()
    assert hai.language == "en"


def test_staff_see_what_changed_since_their_last_look(staff, hai, focal):
    manager = staff["manager"]
    assert record_look(manager, hai) is None
    first_look = db.session.get(PartnerLook, (manager.id, hai.id)).seen_at

    update_details(focal, hai, **_details(hai) | {"reporting_frequency": "monthly"})

    db.session.expire_all()
    assert hai.partner_changed_at > first_look
    previous = record_look(manager, hai)
    assert previous.seen_at == first_look  # the page compares this with partner_changed_at
    assert record_look(staff["admin"], hai) is None  # each person's own looks


def test_staff_edits_do_not_count_as_partner_changes(staff, hai):
    update_details(staff["admin"], hai, **_details(hai) | {"language": "fr"})

    db.session.expire_all()
    assert hai.language == "fr"
    assert hai.partner_changed_at is None
