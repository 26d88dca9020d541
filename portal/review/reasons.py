"""The reasons a reviewer chooses from when sending a document back: the list
administrators keep. They add, rename, reorder, retire and restore reasons;
nothing is deleted, so every document sent back keeps the reason it was given
and the analytics can count it."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.core import audit
from portal.core.access import may_manage_change_reasons, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.translated import set_translations, translated
from portal.models import ChangeReason, User, utcnow
from portal.review.models import DEFAULT_REASONS

LABEL_MAX = 120
REASON_NEEDED = lazy_gettext("Choose why the document is sent back.")
DIRECTIONS = ("up", "down")


def all_reasons() -> list[ChangeReason]:
    """The list as administrators see it: the offered reasons in their order, then
    the retired ones."""
    return db.session.scalars(
        select(ChangeReason).order_by(
            ChangeReason.retired_at.is_not(None), ChangeReason.position, ChangeReason.id
        )
    ).all()


def active_reasons() -> list[ChangeReason]:
    """What a reviewer is offered, in the administrators' order."""
    return db.session.scalars(
        select(ChangeReason)
        .where(ChangeReason.retired_at.is_(None))
        .order_by(ChangeReason.position, ChangeReason.id)
    ).all()


def reason_for_sending_back(reason_id: int | None) -> ChangeReason:
    """The reason a reviewer chose, if it is one that is offered."""
    if reason_id is None:
        raise DomainError(REASON_NEEDED, field="reason")
    reason = db.session.get(ChangeReason, reason_id)
    if reason is None:
        raise DomainError(
            gettext("That reason is not on the list. Choose one of the reasons offered."),
            field="reason",
        )
    if reason.retired:
        raise DomainError(
            gettext(
                "“%(reason)s” is no longer offered (an administrator retired it). "
                "Choose one of the reasons offered.",
                reason=translated(reason, "label"),
            ),
            field="reason",
        )
    return reason


def ensure_default_reasons() -> None:
    """The starting list where there is none (the migration seeds it; the demo and
    the tests build their tables without migrations). Callers commit."""
    if db.session.scalar(select(func.count(ChangeReason.id))):
        return
    db.session.add_all(
        ChangeReason(label=label, position=position)
        for position, label in enumerate(DEFAULT_REASONS, start=1)
    )
    db.session.flush()


def _label(text: str | None) -> str:
    label = " ".join((text or "").split())
    if not label:
        raise DomainError(gettext("Name the reason, e.g. “Not signed”."), field="label")
    if len(label) > LABEL_MAX:
        raise DomainError(gettext("Keep it to %(num)d characters.", num=LABEL_MAX), field="label")
    return label


def _refuse_a_second(label: str, reason: ChangeReason | None = None) -> None:
    """Two offered reasons never read the same, whatever their case."""
    for other in active_reasons():
        if other is not reason and other.label.casefold() == label.casefold():
            raise DomainError(
                gettext("“%(reason)s” is already on the list.", reason=other.label), field="label"
            )


def _next_position() -> int:
    return (db.session.scalar(select(func.max(ChangeReason.position))) or 0) + 1


def _commit(label: str) -> None:
    # The unique index catches the same label saved by two administrators at once.
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(
            gettext("“%(reason)s” is already on the list.", reason=label), field="label"
        ) from None


def _other_languages(texts: dict[str, str | None] | None) -> dict[str, str]:
    """The label in other languages ({"fr": "Non signé"}), tidied; blank stays
    blank (the English label reads instead)."""
    tidied = {}
    for language, text in (texts or {}).items():
        text = " ".join((text or "").split())
        if len(text) > LABEL_MAX:
            raise DomainError(
                gettext("Keep it to %(num)d characters.", num=LABEL_MAX),
                field=f"label_{language}",
            )
        tidied[language] = text
    return tidied


def _translate(reason: ChangeReason, texts: dict[str, str]) -> dict[str, tuple]:
    """Store the other languages' labels; the audit trail's changes."""
    changes = {}
    for language, text in texts.items():
        before = ((reason.translations or {}).get(language) or {}).get("label")
        set_translations(reason, language, {"label": text})
        if (before or None) != (text or None):
            changes[f"label_{language}"] = (before, text or None)
    return changes


def add_reason(
    actor: User, label: str, translations: dict[str, str | None] | None = None
) -> ChangeReason:
    """A new reason, offered last; `translations` its label in other languages
    ({"fr": "…"})."""
    require(may_manage_change_reasons(actor))
    label = _label(label)
    others = _other_languages(translations)
    _refuse_a_second(label)
    reason = ChangeReason(label=label, position=_next_position(), translations={})
    changes = {"label": (None, label)} | _translate(reason, others)
    db.session.add(reason)
    audit.record(actor, "change_reason_added", reason, partner_id=None, changes=changes)
    _commit(label)
    return reason


def rename_reason(
    actor: User,
    reason: ChangeReason,
    label: str,
    translations: dict[str, str | None] | None = None,
) -> None:
    """A clearer name, or its wording in another language (`translations`,
    {"fr": "…"}; blank: the English reads): documents already sent back for it
    show the new one."""
    require(may_manage_change_reasons(actor))
    label = _label(label)
    others = _other_languages(translations)
    changes = {}
    if label != reason.label:
        if not reason.retired:
            _refuse_a_second(label, reason)
        changes["label"] = (reason.label, label)
        reason.label = label
    changes |= _translate(reason, others)
    if not changes:
        return
    audit.record(actor, "change_reason_renamed", reason, partner_id=None, changes=changes)
    _commit(label)


def move_reason(actor: User, reason: ChangeReason, direction: str) -> None:
    """One place up or down the list reviewers are offered."""
    require(may_manage_change_reasons(actor))
    if direction not in DIRECTIONS:
        raise DomainError(gettext("Move it up or down."), field="direction")
    if reason.retired:
        raise DomainError(
            gettext("A retired reason is not offered; restore it to place it in the list.")
        )
    offered = active_reasons()
    here = offered.index(reason)
    there = here - 1 if direction == "up" else here + 1
    if not 0 <= there < len(offered):
        if there < 0:
            raise DomainError(gettext("“%(reason)s” is already first.", reason=reason.label))
        raise DomainError(gettext("“%(reason)s” is already last.", reason=reason.label))
    offered[here], offered[there] = offered[there], offered[here]
    before = {r.id: r.position for r in offered}
    # Renumbered from 1: positions stay distinct even if two were ever equal.
    for position, each in enumerate(offered, start=1):
        each.position = position
    audit.record(
        actor,
        "change_reason_moved",
        reason,
        partner_id=None,
        changes={"position": (before[reason.id], reason.position)},
    )
    db.session.commit()


def retire_reason(actor: User, reason: ChangeReason) -> None:
    """No longer offered; documents sent back for it keep it."""
    require(may_manage_change_reasons(actor))
    if reason.retired:
        raise DomainError(gettext("“%(reason)s” is already retired.", reason=reason.label))
    reason.retired_at = utcnow()
    audit.record(
        actor,
        "change_reason_retired",
        reason,
        partner_id=None,
        changes={"status": ("offered", "retired")},
    )
    db.session.commit()


def restore_reason(actor: User, reason: ChangeReason) -> None:
    """Offered again, at the end of the list."""
    require(may_manage_change_reasons(actor))
    if not reason.retired:
        raise DomainError(gettext("“%(reason)s” is already offered.", reason=reason.label))
    _refuse_a_second(reason.label, reason)
    reason.retired_at = None
    reason.position = _next_position()
    audit.record(
        actor,
        "change_reason_restored",
        reason,
        partner_id=None,
        changes={"status": ("retired", "offered")},
    )
    _commit(reason.label)
