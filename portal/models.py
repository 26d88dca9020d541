"""Every area's models in one place, so Alembic sees them all and code outside
an area can say `from portal.models import Partner`."""

from portal.accounts.models import PasswordToken, User
from portal.accreditation.models import (
    Accreditation,
    AccreditationTemplate,
    ChecklistItem,
    Milestone,
    Requirement,
    Stage,
    Submission,
)
from portal.api.models import ApiToken
from portal.assignments.models import DataSet, DataSetAssignment
from portal.checkins.models import CheckIn, FollowUp
from portal.concerns.models import Concern, ConcernEvent
from portal.conversations.models import Message, MessageRead
from portal.core.models import AuditEvent
from portal.core.types import utcnow
from portal.finance.models import BankAccount, BankDetailsChange
from portal.kpis.models import Assessment, Benchmark, KpiValue
from portal.mail.models import EmailTemplate, OutboxAttachment, OutboxEmail
from portal.notifications.models import Notification
from portal.obligations.models import (
    Agreement,
    Obligation,
    ObligationTemplate,
    ObligationTemplateItem,
    Observation,
)
from portal.orgunits.models import OrgUnit, OrgUnitGroup, OrgUnitLevel, group_members
from portal.partners.models import (
    Contact,
    Coverage,
    Partner,
    PartnerDocument,
    PartnerLook,
    PartnerReview,
    PartnershipType,
)
from portal.partnerships.models import NeedCheck, NeedItem
from portal.reminders.models import ReminderSent
from portal.reports.models import ProgressReport
from portal.review.models import ChangeReason
from portal.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyFigure,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from portal.vault.models import OrganisationDocument

__all__ = [
    "Accreditation",
    "Agreement",
    "Obligation",
    "ObligationTemplate",
    "ObligationTemplateItem",
    "Observation",
    "AccreditationTemplate",
    "Assessment",
    "ApiToken",
    "AuditEvent",
    "BankAccount",
    "BankDetailsChange",
    "Benchmark",
    "ChangeReason",
    "CheckIn",
    "Concern",
    "ConcernEvent",
    "ChecklistItem",
    "Contact",
    "Coverage",
    "DataSet",
    "DataSetAssignment",
    "EmailTemplate",
    "FollowUp",
    "KpiValue",
    "Message",
    "MessageRead",
    "Milestone",
    "NeedCheck",
    "NeedItem",
    "Notification",
    "OrgUnit",
    "OrgUnitGroup",
    "OrgUnitLevel",
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
    "Survey",
    "SurveyAnswer",
    "SurveyFigure",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
    "User",
    "group_members",
    "utcnow",
]
