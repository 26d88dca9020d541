"""The models, one module per aggregate; imported here so Alembic sees them all."""

from portal.models.accreditation import (
    Accreditation,
    AccreditationTemplate,
    Milestone,
    Requirement,
    Stage,
    Submission,
)
from portal.models.audit import AuditEvent
from portal.models.outbox import OutboxEmail
from portal.models.partners import Partner
from portal.models.types import utcnow
from portal.models.users import PasswordToken, User

__all__ = [
    "Accreditation",
    "AccreditationTemplate",
    "AuditEvent",
    "Milestone",
    "OutboxEmail",
    "Partner",
    "PasswordToken",
    "Requirement",
    "Stage",
    "Submission",
    "User",
    "utcnow",
]
