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
from portal.models.orgunits import OrgUnit, OrgUnitGroup, group_members
from portal.models.outbox import OutboxEmail
from portal.models.partners import (
    Contact,
    Coverage,
    Partner,
    PartnerDocument,
    PartnerLook,
    PartnerReview,
    PartnershipType,
)
from portal.models.types import utcnow
from portal.models.users import PasswordToken, User

__all__ = [
    "Accreditation",
    "AccreditationTemplate",
    "AuditEvent",
    "Contact",
    "Coverage",
    "Milestone",
    "OrgUnit",
    "OrgUnitGroup",
    "OutboxEmail",
    "Partner",
    "PartnerDocument",
    "PartnerLook",
    "PartnerReview",
    "PartnershipType",
    "PasswordToken",
    "Requirement",
    "Stage",
    "Submission",
    "User",
    "group_members",
    "utcnow",
]
