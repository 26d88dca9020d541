"""The one access policy: who may see or do what, to which object.

Views ask here before they act, and the queries that list objects take their
conditions from here (a partner user is scoped to their own partner in the
query itself, never filtered afterwards). Domain operations that more than one
kind of person reaches (talking, managing a partner's people, assigning and
sending) ask here too, so they hold without the view in front of them. A
refusal is `Refused`: 403, or 404 where even the object's existence must not
be told (another partner's things).
"""

from __future__ import annotations

from functools import wraps
from typing import NoReturn

from flask_login import current_user, login_required
from sqlalchemy import or_, true
from werkzeug.exceptions import HTTPException

from portal.core.extensions import db
from portal.models import (
    Accreditation,
    Agreement,
    AuditEvent,
    BankDetailsChange,
    CheckIn,
    Concern,
    DataSetAssignment,
    Obligation,
    Observation,
    OrganisationDocument,
    Partner,
    PartnerDocument,
    ProgressReport,
    Submission,
    User,
)


class Refused(HTTPException):
    """This person may not do or see that. Answered 403, or 404 when `hidden`."""

    def __init__(self, hidden: bool = False):
        super().__init__()
        self.code = 404 if hidden else 403


def refuse(hidden: bool = False) -> NoReturn:
    raise Refused(hidden)


def require(allowed: bool, hidden: bool = False) -> None:
    """Refuse unless `allowed`: the one-line form of every check below."""
    if not allowed:
        raise Refused(hidden)


# --- roles -------------------------------------------------------------------


def staff_required(view):
    """Administrators and programme managers only."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        require(current_user.is_staff)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """Administrators only: the people who change partner records."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        require(current_user.is_admin)
        return view(*args, **kwargs)

    return wrapper


# --- what a person may do ------------------------------------------------------


def may_see_partner(user: User, partner_id: int) -> bool:
    return user.is_staff or (user.partner_id is not None and user.partner_id == partner_id)


def may_manage_partner(user: User, partner: Partner) -> bool:
    """An administrator, or this partner's own focal point: they change its
    contacts and preferences and decide who of its people may log in."""
    return user.is_admin or (user.is_focal and user.partner_id == partner.id)


def may_upload(user: User) -> bool:
    """Documents come from the partner's focal point and editors (viewers read)."""
    return user.can_edit


def may_write_messages(user: User, accreditation: Accreditation) -> bool:
    """Staff (managers too: talking is not editing a partner record) and the
    partner's focal point and editors; viewers read."""
    if user.is_staff:
        return True
    return user.can_edit and user.partner_id == accreditation.partner_id


def may_edit_vault(user: User) -> bool:
    """Partner focal points and editors keep their vault; administrators may
    upload or reject on the partner's behalf."""
    return user.can_edit or user.is_admin


def may_change_records(user: User) -> bool:
    """Partner records (data-set assignments and scope changes too), deadlines,
    focal points and sending reports are the administrators'; managers read them."""
    return user.is_admin


def may_edit_email_templates(user: User) -> bool:
    """Administrators write email templates; only they may have a text of their
    own rendered (a preview runs it), the others preview saved versions."""
    return user.is_admin


def may_retry_mail(user: User) -> bool:
    """Sending failed email again (one, or all at once) is the administrators';
    programme managers read the Email log."""
    return user.is_admin


def may_set_benchmarks(user: User) -> bool:
    """KPI benchmarks are the administrators'; programme managers read them."""
    return user.is_admin


def may_manage_surveys(user: User) -> bool:
    """Administrators define the feedback surveys and choose the one sent;
    programme managers read the results."""
    return user.is_admin


def may_read_survey_results(user: User) -> bool:
    """Staff read survey results; partners never, not even their own organisation's
    (they see only their own answers, on the survey page)."""
    return user.is_staff


def may_answer_survey(user: User, accreditation: Accreditation) -> bool:
    """One of the cycle's partner's own people (whether they were invited is the
    survey's business: portal.surveys.answers)."""
    return not user.is_staff and user.partner_id == accreditation.partner_id


def may_export(user: User) -> bool:
    """Taking rows out of the portal is a permission of its own, given to staff
    with a need for it (`flask export-permission`), not part of a role."""
    return user.is_staff and user.can_export


def may_manage_api_tokens(user: User) -> bool:
    """Tokens for the read-only API (Power BI, Excel) read every partner's
    records, unattended: administrators create, scope and revoke them."""
    return user.is_admin


def may_assign_reviews(user: User) -> bool:
    return user.is_staff


def may_manage_change_reasons(user: User) -> bool:
    """The list of reasons for sending a document back is the administrators';
    reviewers (managers too) choose from it."""
    return user.is_admin


def may_read_review_analytics(user: User) -> bool:
    """What goes wrong in reviews, where partners struggle and who reviews how
    much: the programme team's own view, never a partner's."""
    return user.is_staff


def may_raise_concern(user: User, partner_id: int) -> bool:
    """Staff (managers too: raising is not editing a partner record) about any
    partner; a partner's focal point and editors about their own (viewers read)."""
    return user.is_staff or (user.can_edit and user.partner_id == partner_id)


def may_see_concern(user: User, concern: Concern) -> bool:
    """Administrators see every concern. A confidential one is otherwise seen by
    the person who raised it only (not programme managers, not the partner's
    colleagues); the others by all staff and the partner's own people."""
    if user.is_admin or concern.raised_by_id == user.id:
        return True
    if concern.confidential:
        return False
    return user.is_staff or user.partner_id == concern.partner_id


def may_take_concern_step(user: User) -> bool:
    """Acknowledging, reviewing and deciding are the administrators'."""
    return user.is_admin


def may_answer_concern(user: User, concern: Concern) -> bool:
    """Either side answers at each step: staff who see it, and the partner's
    focal point and editors (viewers read)."""
    if not may_see_concern(user, concern) or not concern.is_open:
        return False
    return user.is_staff or user.can_edit


def may_respond_to_outcome(user: User, concern: Concern) -> bool:
    """Confirming, contesting or withdrawing is the raising side's: for a
    partner's concern its focal point and editors (a confidential one: the
    raiser), for the programme's the staff member who raised it or an administrator."""
    if not may_see_concern(user, concern):
        return False
    if concern.raised_by_side == "partner":
        return user.can_edit and user.partner_id == concern.partner_id
    return user.is_admin or (user.is_staff and concern.raised_by_id == user.id)


def may_see_bank_details(user: User) -> bool:
    """Bank details are the administrators' alone: not programme managers, not
    the partner itself (a phished partner login must not learn or change them)."""
    return user.is_admin


def may_manage_obligations(user: User) -> bool:
    """Agreements and their obligations are the administrators'; managers read them."""
    return user.is_admin


def may_observe(user: User, obligation: Obligation, partner_id: int) -> bool:
    """Evidence comes from the side that owes the obligation, a confirmation from
    the other side: for the programme an administrator, for the partner its
    focal point or an editor (viewers read)."""
    owing = obligation.side if obligation.observed_by == "evidence" else None
    if obligation.observed_by == "confirmation":
        owing = "partner" if obligation.side == "programme" else "programme"
    if owing == "programme":
        return user.is_admin
    if owing == "partner":
        # Administrators may upload a partner's evidence on its behalf, as in its vault.
        admin_for_them = user.is_admin and obligation.observed_by == "evidence"
        return admin_for_them or (user.can_edit and user.partner_id == partner_id)
    return False


def own_partner(user: User) -> Partner:
    """The organisation a partner user belongs to; staff have none of their own."""
    require(not user.is_staff and user.partner is not None)
    return user.partner


# --- what a person may see: conditions for the queries that list objects ---------


def may_see_accreditation(user: User):
    """A condition on Accreditation: those `user` may see (staff: all)."""
    return true() if user.is_staff else Accreditation.partner_id == user.partner_id


def accreditations_of(user: User):
    """A select of the accreditations `user` may see."""
    return db.select(Accreditation).where(may_see_accreditation(user))


def checkins_of(user: User):
    """A select of the check-ins `user` may see (partners: their own organisation's)."""
    return _scoped(db.select(CheckIn), CheckIn.partner_id, user)


def concerns_of(user: User):
    """A select of the concerns `user` may see (may_see_concern, as a condition)."""
    query = db.select(Concern)
    if user.is_admin:
        return query
    mine = Concern.raised_by_id == user.id
    if user.is_staff:
        return query.where(or_(Concern.confidential.is_(False), mine))
    return query.where(
        Concern.partner_id == user.partner_id, or_(Concern.confidential.is_(False), mine)
    )


# Audit events about bank details (masked as they are) are for administrators only.
BANK_EVENT_OBJECTS = ("BankAccount", "BankDetailsChange")


def history_visible_to(user: User):
    """A condition on AuditEvent: the events `user` may read in a partner's history."""
    if may_see_bank_details(user):
        return true()
    return AuditEvent.object_type.notin_(BANK_EVENT_OBJECTS)


def _scoped(query, column, user: User):
    return query if user.is_staff else query.where(column == user.partner_id)


# --- one object, or 404 -------------------------------------------------------------


def _found(thing):
    require(thing is not None, hidden=True)
    return thing


def accreditation_or_404(user: User, accreditation_id: int) -> Accreditation:
    return _found(
        db.session.scalar(accreditations_of(user).where(Accreditation.id == accreditation_id))
    )


def submission_or_404(user: User, submission_id: int) -> Submission:
    query = db.select(Submission).join(Accreditation).where(Submission.id == submission_id)
    return _found(db.session.scalar(_scoped(query, Accreditation.partner_id, user)))


def partner_or_404(user: User, partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    require(partner is not None and may_see_partner(user, partner_id), hidden=True)
    return partner


def agreement_or_404(user: User, partner: Partner, document_id: int) -> PartnerDocument:
    require(may_see_partner(user, partner.id), hidden=True)
    return _found(
        db.session.scalar(
            db.select(PartnerDocument).filter_by(id=document_id, partner_id=partner.id)
        )
    )


def vault_document_or_404(user: User, vault_document_id: int) -> OrganisationDocument:
    query = db.select(OrganisationDocument).where(OrganisationDocument.id == vault_document_id)
    return _found(db.session.scalar(_scoped(query, OrganisationDocument.partner_id, user)))


def checkin_or_404(user: User, checkin_id: int, *options) -> CheckIn:
    query = checkins_of(user).where(CheckIn.id == checkin_id).options(*options)
    return _found(db.session.scalar(query))


def concern_or_404(user: User, concern_id: int, *options) -> Concern:
    """A concern `user` may see; another partner's (or a confidential one) is not found."""
    query = concerns_of(user).where(Concern.id == concern_id).options(*options)
    return _found(db.session.scalar(query))


def report_or_404(user: User, report_id: int | None) -> ProgressReport:
    """A sent progress report: staff read any, a partner user only their own."""
    require(report_id is not None, hidden=True)
    query = db.select(ProgressReport).where(ProgressReport.id == report_id)
    return _found(db.session.scalar(_scoped(query, ProgressReport.partner_id, user)))


def bank_change_or_404(user: User, partner: Partner, change_id: int) -> BankDetailsChange:
    require(may_see_bank_details(user))
    return _found(
        db.session.scalar(
            db.select(BankDetailsChange).filter_by(id=change_id, partner_id=partner.id)
        )
    )


def assignment_or_404(user: User, partner: Partner, assignment_id: int) -> DataSetAssignment:
    require(may_see_partner(user, partner.id), hidden=True)
    return _found(
        db.session.scalar(
            db.select(DataSetAssignment).filter_by(id=assignment_id, partner_id=partner.id)
        )
    )


def partnership_agreement_or_404(user: User, agreement_id: int) -> Agreement:
    """An agreement (portal.obligations): staff any, a partner user only their own."""
    query = db.select(Agreement).where(Agreement.id == agreement_id)
    return _found(db.session.scalar(_scoped(query, Agreement.partner_id, user)))


def obligation_or_404(user: User, obligation_id: int) -> Obligation:
    query = db.select(Obligation).join(Agreement).where(Obligation.id == obligation_id)
    return _found(db.session.scalar(_scoped(query, Agreement.partner_id, user)))


def observation_or_404(user: User, obligation: Obligation, observation_id: int) -> Observation:
    """One observation of `obligation` (already checked for `user`)."""
    require(may_see_partner(user, obligation.agreement.partner_id), hidden=True)
    return _found(
        db.session.scalar(
            db.select(Observation).filter_by(id=observation_id, obligation_id=obligation.id)
        )
    )
