"""Writing the audit trail. Callers commit."""

from __future__ import annotations

from typing import Any

from portal.core.extensions import db
from portal.models import (
    AuditEvent,
    ChangeReason,
    CheckIn,
    Coverage,
    OrganisationDocument,
    OutboxEmail,
    PartnerDocument,
    Submission,
    User,
)
from portal.partners.models import DOCUMENT_KINDS


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def describe(obj: Any) -> str:
    """A person-readable name for the object an event is about."""
    if isinstance(obj, Submission):
        return f"{obj.requirement.name}, version {obj.version}"
    if isinstance(obj, PartnerDocument):
        return f"{DOCUMENT_KINDS.get(obj.kind, obj.kind)} {obj.reference}"
    if isinstance(obj, OutboxEmail):
        return f"Email #{obj.id} to {obj.recipients}: {obj.subject}"
    if isinstance(obj, OrganisationDocument):
        return f"{obj.type_label} {obj.filename}"
    if isinstance(obj, CheckIn):
        return f"Check-in {obj.starts_at:%d %b %Y %H:%M} UTC"
    if isinstance(obj, Coverage):
        return obj.target_name
    if isinstance(obj, User):
        return f"{obj.name} <{obj.email}>"
    if isinstance(obj, ChangeReason):
        return f"Reason for sending back: {obj.label}"
    for attribute in ("name", "display_name"):
        if value := getattr(obj, attribute, None):
            return str(value)
    if template := getattr(obj, "template", None):
        return template.name
    return f"{type(obj).__name__} #{obj.id}"


def record(
    actor: User | None,
    action: str,
    obj: Any,
    *,
    partner_id: int | None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event for `obj`; `changes` maps field -> (before, after)."""
    db.session.flush()  # obj needs its id
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        summary=describe(obj)[:300],
        partner_id=partner_id,
        changes={k: [_plain(b), _plain(a)] for k, (b, a) in (changes or {}).items() if b != a},
        reason=reason,
    )
    db.session.add(event)
    return event


def created(obj: Any, fields: list[str]) -> dict[str, tuple[Any, Any]]:
    """The changes of a new object: every named field that has a value, from nothing."""
    return {f: (None, getattr(obj, f)) for f in fields if getattr(obj, f) not in (None, "")}
