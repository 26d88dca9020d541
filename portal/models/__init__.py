"""The models, one module per aggregate; imported here so Alembic sees them all."""

from portal.models.accreditation import (
    Accreditation,
    AccreditationTemplate,
    ChecklistItem,
    Milestone,
    Requirement,
    Stage,
    Submission,
)
from portal.models.audit import AuditEvent
from portal.models.checkins import CheckIn, FollowUp
from portal.models.conversations import Message, MessageRead
from portal.models.notifications import Notification
from portal.models.orgunits import OrgUnit, OrgUnitGroup, group_members
from portal.models.outbox import OutboxAttachment, OutboxEmail
from portal.models.partners import (
    Contact,
    Coverage,
    Partner,
    PartnerDocument,
    PartnerLook,
    PartnerReview,
    PartnershipType,
)
from portal.models.reports import EmailTemplate, ProgressReport, ReminderSent
from portal.models.types import utcnow
from portal.models.users import PasswordToken, User
from portal.models.vault import OrganisationDocument

__all__ = [
    "Accreditation",
    "AccreditationTemplate",
    "AuditEvent",
    "CheckIn",
    "ChecklistItem",
    "Contact",
    "Coverage",
    "EmailTemplate",
    "FollowUp",
    "Message",
    "MessageRead",
    "Milestone",
    "Notification",
    "OrgUnit",
    "OrgUnitGroup",
    "OrganisationDocument",
    "OutboxAttachment",
    "OutboxEmail",
    "Partner",
    "PartnerDocument",
    "PartnerLook",
    "PartnerReview",
    "PartnershipType",
    "PasswordToken",
    "ProgressReport",
    "ReminderSent",
    "Requirement",
    "Stage",
    "Submission",
    "User",
    "group_members",
    "utcnow",
]
