"""What a merge decides besides the profile values, and the check that it left
the survivor as the portal keeps partners everywhere else: one running
accreditation (the administrator chooses which continues; the others are closed
with their history) and one focal point (the administrator chooses who stays;
the other login becomes an editor's, as after a leadership change)."""

from __future__ import annotations

from dataclasses import dataclass

from babel.lists import format_list
from flask_babel import gettext, ngettext
from sqlalchemy import case, func, select

from portal.accreditation.lifecycle import close_accreditation
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.i18n import current_language
from portal.models import Accreditation, Contact, Partner, User
from portal.partners.records import demote_focal


@dataclass
class Questions:
    """What the administrator decides for this pair besides the profile values.
    Each list is empty when there is nothing to choose; the kept partner's first."""

    cycles: list[Accreditation]  # the running accreditations, when more than one
    focal_points: list[Contact]  # both primary focal persons, when both have one
    primaries: list[Contact]  # the current primary focal persons of the two (0 to 2)


def merge_questions(survivor: Partner, other: Partner) -> Questions:
    """Two queries, whatever the partners hold."""
    ids = (survivor.id, other.id)
    survivor_first = case((Accreditation.partner_id == survivor.id, 0), else_=1)
    cycles = db.session.scalars(
        select(Accreditation)
        .where(Accreditation.partner_id.in_(ids), Accreditation.running)
        .order_by(survivor_first, Accreditation.id)
    ).all()
    primaries = db.session.scalars(
        select(Contact)
        .where(Contact.partner_id.in_(ids), Contact.is_primary, Contact.ended_at.is_(None))
        .order_by(case((Contact.partner_id == survivor.id, 0), else_=1))
    ).all()
    return Questions(
        cycles=list(cycles) if len(cycles) > 1 else [],
        focal_points=list(primaries) if len(primaries) > 1 else [],
        primaries=list(primaries),
    )


def check_survivor(partner: Partner, *, had_focal_point: bool) -> None:
    """The rules the portal keeps everywhere else, checked on a merged partner:
    at most one running accreditation, one primary focal person (when either
    record had one) and at most one focal login. One query."""
    pid = partner.id
    running, primaries, focal_logins = db.session.execute(
        select(
            select(func.count())
            .where(Accreditation.partner_id == pid, Accreditation.running)
            .scalar_subquery(),
            select(func.count())
            .where(Contact.partner_id == pid, Contact.is_primary, Contact.ended_at.is_(None))
            .scalar_subquery(),
            select(func.count())
            .where(
                User.partner_id == pid,
                User.role == "partner",
                User.partner_role == "focal",
                User.active,
            )
            .scalar_subquery(),
        )
    ).one()
    problems = []
    if running > 1:
        problems.append(
            ngettext("%(num)d running accreditation", "%(num)d running accreditations", running)
        )
    if primaries > 1 or (had_focal_point and primaries != 1):
        problems.append(
            ngettext("%(num)d primary focal person", "%(num)d primary focal persons", primaries)
        )
    if focal_logins > 1:
        problems.append(
            ngettext("%(num)d focal-point login", "%(num)d focal-point logins", focal_logins)
        )
    if problems:
        raise DomainError(
            gettext(
                "%(partner)s would have %(problems)s; nothing was merged.",
                partner=partner.display_name,
                problems=format_list(problems, locale=current_language()),
            )
        )


def close_the_other_cycles(
    actor: User,
    survivor: Partner,
    other: Partner,
    questions: Questions,
    continuing: int | None,
    reason: str,
) -> list[str]:
    """Close every running accreditation but the one chosen; what was closed."""
    closed = []
    for accreditation in questions.cycles:
        if accreditation.id == continuing:
            continue
        close_accreditation(
            actor,
            accreditation,
            f"Closed when {other.display_name} was merged into {survivor.display_name}: {reason}",
        )
        closed.append(f"{accreditation.template.name} started {accreditation.started_on:%d %b %Y}")
    return closed


def settle_focal_point(
    actor: User,
    survivor: Partner,
    other: Partner,
    questions: Questions,
    focal_point: int | None,
    reason: str,
) -> tuple[str | None, str | None]:
    """Leave one primary focal person and one focal login; (before, after) names.

    The chosen contact stays primary (with no choice, the survivor's, else the
    other's); every other focal login of the two becomes an editor and keeps its
    login, as after a leadership change (people.change_leadership)."""
    before = next((c for c in questions.primaries if c.partner_id == survivor.id), None)
    kept = next((c for c in questions.focal_points if c.id == focal_point), None)
    kept = kept or before or next(iter(questions.primaries), None)
    if kept is not None and kept.partner_id == other.id and before is not None:
        before.is_primary = False
        db.session.flush()  # one current primary per partner at a time
        # The same person on the survivor's side too: that entry is the one kept
        # (_move_rows ends the other's), so it becomes the primary.
        twin = _survivor_twin(survivor.id, kept)
        if twin is not None:
            twin.is_primary, twin.user_id = True, twin.user_id or kept.user_id
            kept = twin
    focal_logins = db.session.scalars(
        select(User)
        .where(
            User.partner_id.in_((survivor.id, other.id)),
            User.role == "partner",
            User.partner_role == "focal",
        )
        .order_by(User.id)
    ).all()
    stays = next((u for u in focal_logins if kept and u.id == kept.user_id), None)
    if stays is None and kept is not None:
        stays = next((u for u in focal_logins if u.partner_id == kept.partner_id), None)
    if stays is None and not questions.focal_points:
        stays = next(iter(focal_logins), None)
    for user in focal_logins:
        if user is not stays:
            demote_focal(actor, user, reason)
    db.session.flush()
    return (before.name if before else None), (kept.name if kept else None)


def _survivor_twin(survivor_id: int, contact: Contact) -> Contact | None:
    if not contact.email:
        return None
    return db.session.scalar(
        select(Contact).where(
            Contact.partner_id == survivor_id,
            Contact.ended_at.is_(None),
            func.lower(Contact.email) == contact.email.lower(),
        )
    )
