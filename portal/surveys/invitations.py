"""Who is asked to answer: a decided cycle's people, invited by email and in the
bell inside the decision's own transaction, reminded once after
SURVEY_REMINDER_DAYS days if they have not answered. Both carry idempotency
keys, so a decision retried or a scheduler run twice sends nothing twice."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.clock import local_day, to_utc
from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Accreditation, OutboxEmail, Partner, User, utcnow
from portal.notifications.bell import notify, partner_users, path_for
from portal.surveys.definitions import active_survey
from portal.surveys.models import Survey, SurveyInvitation

KIND = "survey_invitation"


def invite_after_decision(accreditation: Accreditation) -> list[SurveyInvitation]:
    """Invite the partner's people who may log in to the active survey (none
    active: nobody). The caller (the decision) commits."""
    survey = active_survey()
    if survey is None:
        return []
    people = partner_users(accreditation.partner_id)
    already = set(
        db.session.scalars(
            select(SurveyInvitation.user_id).where(
                SurveyInvitation.accreditation_id == accreditation.id
            )
        )
    )
    now = utcnow()
    invited = [
        SurveyInvitation(
            survey_id=survey.id, accreditation_id=accreditation.id, user_id=u.id, invited_at=now
        )
        for u in people
        if u.id not in already
    ]
    db.session.add_all(invited)
    db.session.flush()
    by_user = {u.id: u for u in people}
    for invitation in invited:
        _tell(invitation, by_user[invitation.user_id], accreditation, survey, reminder=False)
    return invited


def _tell(
    invitation: SurveyInvitation,
    user: User,
    accreditation: Accreditation,
    survey: Survey,
    *,
    reminder: bool,
) -> OutboxEmail | None:
    """The email and the bell notification of an invitation or its reminder."""
    partner = accreditation.partner
    stage = "reminder" if reminder else "invitation"
    key = f"survey-{stage}:a{accreditation.id}:u{user.id}"
    subject = (
        f"Reminder: how did the accreditation go? – {partner.name}"
        if reminder
        else f"How did the accreditation go? A short survey – {partner.name}"
    )
    email = queue_email(
        [user],
        "survey_invitation",
        {
            "user": user,
            "partner": partner,
            "survey": survey,
            "reminder": reminder,
            "invited_on": local_day(invitation.invited_at),
            "questions": len(survey.questions),
            "link": external_url("surveys.answer", accreditation_id=accreditation.id),
        },
        subject=(
            lazy_gettext(
                "Reminder: how did the accreditation go? – %(partner)s", partner=partner.name
            )
            if reminder
            else lazy_gettext(
                "How did the accreditation go? A short survey – %(partner)s", partner=partner.name
            )
        ),
        notification=KIND,
        idempotency_key=key,
    )
    notify(
        [user],
        KIND,
        subject,
        path_for("surveys.answer", accreditation_id=accreditation.id),
        idempotency_key=key,
    )
    return email


def remind(today: date) -> int:
    """One reminder to each person invited SURVEY_REMINDER_DAYS or more days ago
    who has not answered yet; never a second one. Returns the reminders sent;
    one commit."""
    days = current_app.config["SURVEY_REMINDER_DAYS"]
    # Invited on the programme's day `today - days` or before.
    cutoff = to_utc(today - timedelta(days=days - 1), time.min)
    due = db.session.scalars(
        select(SurveyInvitation)
        .join(User, User.id == SurveyInvitation.user_id)
        .join(Accreditation, Accreditation.id == SurveyInvitation.accreditation_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .where(
            SurveyInvitation.answered_on.is_(None),
            SurveyInvitation.reminded_on.is_(None),
            SurveyInvitation.invited_at < cutoff,
            User.active,
            Partner.status != "merged",
        )
        .options(
            joinedload(SurveyInvitation.user),
            joinedload(SurveyInvitation.accreditation).joinedload(Accreditation.partner),
        )
        .order_by(SurveyInvitation.id)
    ).all()
    if not due:
        return 0
    surveys = _current_versions({i.survey.family_id for i in due})
    for invitation in due:
        survey = surveys[invitation.survey.family_id]
        _tell(invitation, invitation.user, invitation.accreditation, survey, reminder=True)
        invitation.reminded_on = today
    db.session.commit()
    return len(due)


def _current_versions(family_ids: set[int]) -> dict[int, Survey]:
    """The newest version of each family (one query): what a reminder invites to."""
    rows = db.session.scalars(
        select(Survey)
        .where(Survey.family_id.in_(family_ids), Survey.superseded_at.is_(None))
        .options(joinedload(Survey.questions))
    ).unique()
    return {s.family_id: s for s in rows}


def open_invitations(user: User) -> list[SurveyInvitation]:
    """The surveys `user` was invited to and has not answered, newest first (one
    query): what their dashboard offers."""
    if user.is_staff:
        return []
    return list(
        db.session.scalars(
            select(SurveyInvitation)
            .join(Accreditation, Accreditation.id == SurveyInvitation.accreditation_id)
            .where(
                SurveyInvitation.user_id == user.id,
                SurveyInvitation.answered_on.is_(None),
                Accreditation.partner_id == user.partner_id,
            )
            .options(joinedload(SurveyInvitation.accreditation).joinedload(Accreditation.template))
            .order_by(SurveyInvitation.id.desc())
        )
    )


def invitation_of(user: User, accreditation: Accreditation) -> SurveyInvitation | None:
    return db.session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.accreditation_id == accreditation.id,
            SurveyInvitation.user_id == user.id,
        )
    )
