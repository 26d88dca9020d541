"""The recorded events each KPI is computed from, one SQL select per KPI.

Every select has the same columns — `partner_id`, `family_id` (the
accreditation template family, NULL where none applies), `day` (the local day
the event is dated by: what puts it in a period) and `value` (1/0 for a share,
a number of days, a count or a rating) — so that kpis.figures aggregates them
all the same way, per partner, per period and per quarter.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import Integer, and_, case, func, literal, null, or_, select
from sqlalchemy.orm import aliased

from portal.core.sqldays import days_between, local_date, working_days
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    Assessment,
    CheckIn,
    ChecklistItem,
    Message,
    OrganisationDocument,
    Requirement,
    Submission,
    User,
    utcnow,
)

REVIEWED = ("approved", "changes_requested")


def _columns(partner_id, family_id, day, value):
    return (
        partner_id.label("partner_id"),
        family_id.label("family_id"),
        day.label("day"),
        value.label("value"),
    )


def _earlier(a, b):
    """The earlier of two days, either of which may be missing."""
    return case((a.is_(None), b), (b.is_(None), a), (a <= b, a), else_=b)


# --- timeliness ------------------------------------------------------------------


def _handed_in():
    """Per checklist item: the local day its document was first handed in — the
    first upload not withdrawn, or a vault document of its type that was valid on
    the deadline, whichever came first."""
    first_upload = (
        select(func.min(Submission.uploaded_at))
        .where(
            Submission.accreditation_id == ChecklistItem.accreditation_id,
            Submission.requirement_id == ChecklistItem.requirement_id,
            Submission.status != "withdrawn",
        )
        .scalar_subquery()
    )
    from_vault = (
        select(func.min(OrganisationDocument.uploaded_at))
        .where(
            OrganisationDocument.partner_id == Accreditation.partner_id,
            OrganisationDocument.document_type == Requirement.document_type,
            OrganisationDocument.status != "rejected",
            OrganisationDocument.valid_until >= ChecklistItem.due_on,
        )
        .scalar_subquery()
    )
    return _earlier(local_date(first_upload), local_date(from_vault))


def _deadlines(today: date):
    """Required, applicable items whose deadline (as moved) has passed or whose
    document is in: what timeliness is measured on. A document still missing is
    late until today, or until its cycle ended (`ended`); of a cycle closed
    without a decision (a merge's duplicate) only what was handed in counts, as
    nothing more was owed on it."""
    handed_in = _handed_in()
    closed = and_(Accreditation.decision.is_(None), Accreditation.completed_at.is_not(None))
    statement = (
        select(
            ChecklistItem.due_on,
            handed_in.label("handed_in"),
            func.coalesce(local_date(Accreditation.completed_at), literal(today)).label("ended"),
            closed.label("closed"),
            Accreditation.partner_id,
            AccreditationTemplate.family_id,
        )
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
        .where(Requirement.required, ChecklistItem.not_applicable_at.is_(None))
    )
    rows = statement.subquery("deadlines")
    missing_and_owed = and_(
        rows.c.handed_in.is_(None), rows.c.due_on < today, rows.c.closed.is_(False)
    )
    judged = select(rows).where(or_(rows.c.handed_in.is_not(None), missing_and_owed))
    return judged.subquery("due")


def on_time(today: date):
    due = _deadlines(today)
    value = case((and_(due.c.handed_in.is_not(None), due.c.handed_in <= due.c.due_on), 1), else_=0)
    return select(*_columns(due.c.partner_id, due.c.family_id, due.c.due_on, value))


def days_late(today: date):
    due = _deadlines(today)
    handed = func.coalesce(due.c.handed_in, due.c.ended)
    value = days_between(due.c.due_on, handed)
    return select(*_columns(due.c.partner_id, due.c.family_id, due.c.due_on, value))


def resubmission_days(today: date):
    """Days from "changes requested" to the next version's upload."""
    later = aliased(Submission)
    next_upload = (
        select(func.min(later.uploaded_at))
        .where(
            later.accreditation_id == Submission.accreditation_id,
            later.requirement_id == Submission.requirement_id,
            later.version > Submission.version,
        )
        .scalar_subquery()
    )
    sent_back = local_date(Submission.reviewed_at)
    rows = (
        select(
            Accreditation.partner_id,
            AccreditationTemplate.family_id,
            sent_back.label("day"),
            local_date(next_upload).label("again"),
        )
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
        .where(Submission.status == "changes_requested")
        .subquery("sent_back")
    )
    value = days_between(rows.c.day, rows.c.again)
    return select(*_columns(rows.c.partner_id, rows.c.family_id, rows.c.day, value)).where(
        rows.c.again.is_not(None)
    )


def _replies(from_staff: bool):
    """Messages from one side, with the first answer from the other side in the
    same thread (the accreditation's, or the comments on a document: every
    version of one requirement, so a question asked on version 1 is answered by
    a comment on version 2)."""
    author, answerer = aliased(User), aliased(User)
    answer, answered_version, asked_version = (
        aliased(Message),
        aliased(Submission),
        aliased(Submission),
    )
    side = author.role != "partner" if from_staff else author.role == "partner"
    other = answerer.role == "partner" if from_staff else answerer.role != "partner"
    asked_on = (
        select(asked_version.requirement_id)
        .where(asked_version.id == Message.submission_id)
        .correlate(Message)
        .scalar_subquery()
    )
    first_answer = (
        select(func.min(answer.created_at))
        .join(answerer, answerer.id == answer.author_id)
        .outerjoin(answered_version, answered_version.id == answer.submission_id)
        .where(
            answer.accreditation_id == Message.accreditation_id,
            or_(
                and_(
                    Message.submission_id.is_not(None), answered_version.requirement_id == asked_on
                ),
                and_(answer.submission_id.is_(None), Message.submission_id.is_(None)),
            ),
            answer.id > Message.id,
            other,
        )
        .correlate(Message)
        .scalar_subquery()
    )
    return (
        select(
            Accreditation.partner_id,
            AccreditationTemplate.family_id,
            local_date(Message.created_at).label("day"),
            local_date(first_answer).label("answered"),
        )
        .join(author, author.id == Message.author_id)
        .join(Accreditation, Accreditation.id == Message.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
        .where(side)
        .subquery("messages")
    )


def staff_messages_answered(today: date):
    """A staff message counts once answered, or once its answering time is up."""
    limit = current_app.config["MESSAGE_ANSWER_WORKING_DAYS"]
    rows = _replies(from_staff=True)
    waited = working_days(rows.c.day, func.coalesce(rows.c.answered, literal(today)))
    value = case((and_(rows.c.answered.is_not(None), waited <= limit), 1), else_=0)
    return select(*_columns(rows.c.partner_id, rows.c.family_id, rows.c.day, value)).where(
        or_(rows.c.answered.is_not(None), waited > limit)
    )


# --- quality ---------------------------------------------------------------------


def first_pass(today: date):
    """Each requirement's first reviewed version: approved (1) or sent back (0)."""
    earlier = aliased(Submission)
    first = ~(
        select(earlier.id)
        .where(
            earlier.accreditation_id == Submission.accreditation_id,
            earlier.requirement_id == Submission.requirement_id,
            earlier.status.in_(REVIEWED),
            earlier.version < Submission.version,
        )
        .exists()
    )
    value = case((Submission.status == "approved", 1), else_=0)
    return _submission_events(value).where(Submission.status.in_(REVIEWED), first)


def review_rounds(today: date):
    """For each approval: how many reviews that requirement took, approval included."""
    earlier = aliased(Submission)
    rounds = (
        select(func.count(earlier.id))
        .where(
            earlier.accreditation_id == Submission.accreditation_id,
            earlier.requirement_id == Submission.requirement_id,
            earlier.status.in_(REVIEWED),
            earlier.version <= Submission.version,
        )
        .scalar_subquery()
    )
    return _submission_events(rounds).where(Submission.status == "approved")


def _submission_events(value):
    return (
        select(
            *_columns(
                Accreditation.partner_id,
                AccreditationTemplate.family_id,
                local_date(Submission.reviewed_at),
                value,
            )
        )
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
    )


# --- the programme's service -------------------------------------------------------


def review_working_days(today: date):
    value = working_days(local_date(Submission.uploaded_at), local_date(Submission.reviewed_at))
    return _submission_events(value).where(Submission.status.in_(REVIEWED))


def reviews_within_target(today: date):
    limit = current_app.config["REVIEW_WORKING_DAYS"]
    taken = working_days(local_date(Submission.uploaded_at), local_date(Submission.reviewed_at))
    value = case((taken <= limit, 1), else_=0)
    return _submission_events(value).where(Submission.status.in_(REVIEWED))


def first_answer_days(today: date):
    """Working days to the programme team's first answer; one still waiting counts
    the days it has waited so far."""
    rows = _replies(from_staff=False)
    value = working_days(rows.c.day, func.coalesce(rows.c.answered, literal(today)))
    return select(*_columns(rows.c.partner_id, rows.c.family_id, rows.c.day, value))


def checkins_held(today: date):
    """Meetings whose time has come (cancelled ones left out): notes recorded or not."""
    value = case((CheckIn.notes.is_not(None), 1), else_=0)
    return select(
        *_columns(CheckIn.partner_id, null().cast(Integer), local_date(CheckIn.starts_at), value)
    ).where(CheckIn.cancelled_at.is_(None), CheckIn.starts_at < utcnow())


# --- engagement ----------------------------------------------------------------------


def _assessments(rating):
    return (
        select(
            *_columns(
                Assessment.partner_id,
                AccreditationTemplate.family_id,
                local_date(Assessment.assessed_at),
                rating,
            )
        )
        .join(Accreditation, Accreditation.id == Assessment.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
    )


def engagement(today: date):
    return _assessments(Assessment.engagement)


def proactivity(today: date):
    return _assessments(Assessment.proactivity)


def document_deadlines(today: date):
    """The deadlines timeliness is judged on (due_on, handed_in, partner_id, ...):
    agreement obligations "hand in the documents on time" read the same rows."""
    return _deadlines(today)
