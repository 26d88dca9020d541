"""Merging two records of the same organisation into one.

The survivor keeps its id and takes, field by field, the profile values the
administrator chose; everything that hung off the other record (contacts,
coverage, users, accreditations, agreements, annual reviews, partnership types,
looks and history) moves to the survivor in a fixed number of bulk statements.
The other record stays, with status "merged" and a pointer to the survivor, so
its old links still lead somewhere.

What the portal refuses to create elsewhere a merge must not create either: when
the two records hold more than one running accreditation between them the
administrator chooses the one that continues (the others are closed with their
history), and when both have a primary focal person, the one who stays (the
other becomes an ordinary contact and their login an editor's, as a leadership
change leaves the previous focal point). The survivor is checked before the
commit; a merge that would leave it corrupt is undone."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from portal.core import audit
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
    Coverage,
    DataSetAssignment,
    OrganisationDocument,
    Partner,
    PartnerDocument,
    PartnerLook,
    PartnerReview,
    PartnershipType,
    ProgressReport,
    User,
    utcnow,
)
from portal.partners import search as partner_search
from portal.partners.drafts import PROFILE_FIELDS
from portal.partners.merge_choices import (
    check_survivor,
    close_the_other_cycles,
    merge_questions,
    settle_focal_point,
)
from portal.partners.status import notify_programme_team

SIDES = ("survivor", "other")
STALE = lazy_gettext(
    "Someone changed one of these partners since you compared them. Compare them again."
)

# What moves with a plain change of partner_id, by the name the compare page uses.
# Contacts, partnership types, looks and merged_into are handled on their own.
MOVING = {
    "contacts": Contact,
    "coverage": Coverage,
    "users": User,
    "accreditations": Accreditation,
    "documents": PartnerDocument,
    "reviews": PartnerReview,
    "history": AuditEvent,
    "vault": OrganisationDocument,
    "check-ins": CheckIn,
    "progress reports": ProgressReport,
    "engagement assessments": Assessment,
    "concerns": Concern,
    "data-set assignments": DataSetAssignment,
    "agreements": Agreement,
}


def check_mergeable(survivor: Partner, other: Partner) -> None:
    """The refusals that do not depend on the form: two different, unmerged partners."""
    if survivor.id == other.id:
        raise DomainError(
            gettext("Choose two different partners: a partner cannot be merged with itself.")
        )
    for partner in (survivor, other):
        if partner.status == "merged" or partner.merged_into_id:
            raise DomainError(
                gettext(
                    "%(partner)s was already merged into another partner.",
                    partner=partner.display_name,
                )
            )


def related_counts(partner: Partner) -> dict[str, int]:
    """How many rows of each kind belong to `partner` (one query)."""
    columns = [
        select(func.count())
        .select_from(model)
        .where(model.partner_id == partner.id)
        .scalar_subquery()
        .label(key)
        for key, model in MOVING.items()
    ]
    return dict(db.session.execute(select(*columns)).one()._mapping)


def merge_partners(
    actor: User,
    survivor: Partner,
    other: Partner,
    chosen: dict[str, str],
    reason: str,
    versions: tuple[int, int],
    *,
    continuing: int | None = None,
    focal_point: int | None = None,
) -> Partner:
    """Merge `other` into `survivor`. `chosen` maps each profile field to the side
    whose value the survivor keeps ("survivor" or "other"); `versions` are the
    two partners' versions as the administrator saw them; `continuing` (an
    accreditation id) and `focal_point` (a contact id) answer merge_questions."""
    check_mergeable(survivor, other)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(gettext("Say why these partners are merged."), field="reason")
    for name in PROFILE_FIELDS:
        if chosen.get(name) not in SIDES:
            raise DomainError(gettext("Choose which value to keep."), field=name)
    questions = merge_questions(survivor, other)
    if questions.cycles and continuing not in {a.id for a in questions.cycles}:
        raise DomainError(
            gettext(
                "Choose the accreditation that continues; the other is closed with its history."
            ),
            field="continuing",
        )
    if questions.focal_points and focal_point not in {c.id for c in questions.focal_points}:
        raise DomainError(gettext("Choose the focal point who stays."), field="focal_point")
    if tuple(versions) != (survivor.version, other.version):
        raise Conflict(str(STALE))

    before = {f: getattr(survivor, f) for f in PROFILE_FIELDS}
    types_before, other_types = survivor.type_keys, other.type_keys
    other_status = other.status
    _take_profile(survivor, other, chosen)
    other.status, other.merged_into_id = "merged", survivor.id
    other.status_reason, other.status_effective_on = reason, local_today()
    try:
        # Version-checked UPDATEs of both rows first: a concurrent edit or merge of
        # either partner fails here, before anything moves.
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict(str(STALE)) from error

    closed = close_the_other_cycles(actor, survivor, other, questions, continuing, reason)
    focal_before, focal_after = settle_focal_point(
        actor, survivor, other, questions, focal_point, reason
    )
    _move_rows(survivor.id, other.id)
    db.session.expire_all()  # the bulk statements bypassed the loaded objects
    try:
        check_survivor(survivor, had_focal_point=focal_after is not None)
    except DomainError:
        db.session.rollback()
        raise

    changes = {f: (before[f], getattr(survivor, f)) for f in PROFILE_FIELDS}
    changes["types"] = (
        ", ".join(types_before) or None,
        ", ".join(sorted({*types_before, *other_types})) or None,
    )
    changes["merged_from"] = (None, f"{other.display_name} (#{other.id})")
    changes["focal_point"] = (focal_before, focal_after)
    changes["closed_accreditations"] = (None, ", ".join(closed) or None)
    audit.record(
        actor, "partner_merged", survivor, partner_id=survivor.id, changes=changes, reason=reason
    )
    audit.record(
        actor,
        "partner_merged",
        other,
        partner_id=other.id,
        changes={
            "status": (other_status, "merged"),
            "merged_into": (None, f"{survivor.display_name} (#{survivor.id})"),
        },
        reason=reason,
    )
    notify_programme_team(
        actor,
        survivor,
        [f"{other.display_name} (#{other.id}) was merged into {survivor.display_name}."],
        reason,
    )
    partner_search.refresh([survivor.id, other.id])
    db.session.commit()
    return survivor


def _take_profile(survivor: Partner, other: Partner, chosen: dict[str, str]) -> None:
    for name in PROFILE_FIELDS:
        if chosen[name] == "other":
            setattr(survivor, name, getattr(other, name))
    survivor.search_key = partner_search.key(survivor.name, survivor.acronym)
    # Its contacts and coverage change even when no profile value does: a form
    # opened on the survivor before the merge must be refused as stale.
    flag_modified(survivor, "search_key")


def _move_rows(survivor_id: int, other_id: int) -> None:
    """Everything of `other_id` to `survivor_id`, in a fixed number of statements."""
    run = db.session.execute
    options = {"synchronize_session": False}
    now = utcnow()

    # Contacts. One current primary per partner (a partial unique index): the
    # survivor's stays primary; the other's becomes an ordinary contact.
    primary = aliased(Contact)
    run(
        update(Contact)
        .where(
            Contact.partner_id == other_id,
            Contact.is_primary.is_(True),
            Contact.ended_at.is_(None),
            exists().where(
                primary.partner_id == survivor_id,
                primary.is_primary.is_(True),
                primary.ended_at.is_(None),
            ),
        )
        .values(is_primary=False),
        execution_options=options,
    )
    # The same person on both records (same email): the survivor's entry stays
    # current, the other ends (and stays in the table), so the survivor's form
    # does not hold two contacts with one email.
    kept = aliased(Contact)
    run(
        update(Contact)
        .where(
            Contact.partner_id == other_id,
            Contact.ended_at.is_(None),
            Contact.email != "",
            exists().where(
                kept.partner_id == survivor_id,
                kept.ended_at.is_(None),
                func.lower(kept.email) == func.lower(Contact.email),
            ),
        )
        .values(ended_at=now, is_primary=False),
        execution_options=options,
    )
    for model in MOVING.values():
        run(
            update(model).where(model.partner_id == other_id).values(partner_id=survivor_id),
            execution_options=options,
        )

    # Partnership types: the union (kinds the survivor already has go).
    has = aliased(PartnershipType)
    run(
        update(PartnershipType)
        .where(
            PartnershipType.partner_id == other_id,
            ~exists().where(has.partner_id == survivor_id, has.kind == PartnershipType.kind),
        )
        .values(partner_id=survivor_id),
        execution_options=options,
    )
    run(
        delete(PartnershipType).where(PartnershipType.partner_id == other_id),
        execution_options=options,
    )

    # Looks: one per user and partner; where a user looked at both, the later one.
    theirs = aliased(PartnerLook)
    same_user = (theirs.user_id == PartnerLook.user_id) & (theirs.partner_id == other_id)
    run(
        update(PartnerLook)
        .where(
            PartnerLook.partner_id == survivor_id,
            exists().where(same_user, theirs.seen_at > PartnerLook.seen_at),
        )
        .values(seen_at=select(theirs.seen_at).where(same_user).scalar_subquery()),
        execution_options=options,
    )
    mine = aliased(PartnerLook)
    run(
        delete(PartnerLook).where(
            PartnerLook.partner_id == other_id,
            exists().where(mine.user_id == PartnerLook.user_id, mine.partner_id == survivor_id),
        ),
        execution_options=options,
    )
    run(
        update(PartnerLook)
        .where(PartnerLook.partner_id == other_id)
        .values(partner_id=survivor_id),
        execution_options=options,
    )

    # Partners merged into `other` earlier now lead straight to the survivor.
    run(
        update(Partner.__table__)
        .where(Partner.__table__.c.merged_into_id == other_id)
        .values(merged_into_id=survivor_id)
    )
