"""Answering a cycle's survey: once per person, named or (when the survey allows
it) anonymous.

"Once" is held by the database, not by a check in Python: the invitation is
claimed with a conditional UPDATE (`answered_on IS NULL`), which of two
submits at once only one can win, and a named response is unique per
(cycle, person). The loser changes nothing and is told it already answered.

An anonymous response is stored without its user and with the day only; the
invitation records that the person answered, on that day, and nothing links
the two. No audit event is written for it: an event carries the moment and
takes the next number in the log after the person's own last action, which
would say whose the response is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.core import audit, filters
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Accreditation, User
from portal.surveys.definitions import current_of
from portal.surveys.invitations import invitation_of
from portal.surveys.models import (
    RATINGS,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)

TEXT_MAX = 5000


class AlreadyAnswered(DomainError):
    """The survey was answered already (perhaps a moment ago, from another tab)."""

    def __init__(self, day: date | None):
        if day:
            message = gettext(
                "You already answered this survey on %(day)s. Your first answers are kept; "
                "nothing was changed.",
                day=filters.day(day),
            )
        else:
            message = gettext(
                "You already answered this survey. Your first answers are kept; "
                "nothing was changed."
            )
        super().__init__(message)


class AnswersRefused(DomainError):
    """Some answers cannot be taken; `problems` maps each field to what is wrong."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(gettext("Some answers need another look; see the questions marked."))
        self.problems = problems


class NotInvited(DomainError):
    """This person has no survey to answer for this cycle."""


def field_name(question: SurveyQuestion) -> str:
    """The form field of a question; errors name it."""
    return f"q{question.id}"


@dataclass
class Answering:
    """What the survey page shows one person for one cycle."""

    invitation: SurveyInvitation
    survey: Survey  # the version to answer: the family's newest
    response: SurveyResponse | None  # their own named response, once answered


def answering(user: User, accreditation: Accreditation) -> Answering:
    """The survey `user` is to answer (or answered) for `accreditation`."""
    invitation = invitation_of(user, accreditation)
    if invitation is None:
        raise NotInvited(gettext("There is no survey for you on this accreditation."))
    response = None
    if invitation.answered_on is not None:
        response = db.session.scalar(
            select(SurveyResponse)
            .where(
                SurveyResponse.accreditation_id == accreditation.id,
                SurveyResponse.user_id == user.id,
            )
            .options(selectinload(SurveyResponse.answers).selectinload(SurveyAnswer.question))
        )
    survey = response.survey if response else current_of(invitation.survey.family_id)
    return Answering(invitation, survey, response)


def parse_answers(survey: Survey, values: dict[str, str]) -> list[SurveyAnswer]:
    """The answers typed, checked against the questions: a required question
    unanswered, a rating off the scale or a choice not offered is refused, each
    next to its question (all of them at once)."""
    answers, problems = [], {}
    for question in survey.questions:
        name = field_name(question)
        raw = (values.get(name) or "").strip()
        if not raw:
            if question.required:
                problems[name] = gettext("Answer this question.")
            continue
        answer = SurveyAnswer(question_id=question.id)
        if question.kind == "rating" and raw not in {str(n) for n in RATINGS}:
            problems[name] = gettext("Choose a rating from 1 to 5.")
        elif question.kind == "rating":
            answer.rating = int(raw)
        elif question.kind == "choice" and raw not in question.options:
            problems[name] = gettext("Choose one of the options.")
        elif question.kind == "choice":
            answer.choice = raw
        elif len(raw) > TEXT_MAX:
            problems[name] = gettext("Keep the answer under %(max)s characters.", max=TEXT_MAX)
        else:
            answer.text = raw
        answers.append(answer)
    if problems:
        raise AnswersRefused(problems)
    return answers


def answer(
    user: User,
    accreditation: Accreditation,
    values: dict[str, str],
    anonymous: bool,
    today: date,
) -> SurveyResponse:
    """Store `user`'s answers for `accreditation`'s survey; the first submit wins."""
    state = answering(user, accreditation)
    if state.invitation.answered_on is not None:
        raise AlreadyAnswered(state.invitation.answered_on)
    survey = state.survey
    if anonymous and not survey.allows_anonymous:
        raise DomainError(gettext("This survey is answered with your name."), field="anonymous")
    answers = parse_answers(survey, values)
    claimed = db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == state.invitation.id, SurveyInvitation.answered_on.is_(None))
        .values(answered_on=today)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another submit got there first
        db.session.rollback()
        raise AlreadyAnswered(_answered_on(state.invitation.id))
    response = SurveyResponse(
        survey_id=survey.id,
        accreditation_id=accreditation.id,
        user_id=None if anonymous else user.id,
        answered_on=today,
        answers=answers,
    )
    db.session.add(response)
    if not anonymous:
        audit.record(
            user,
            "survey_answered",
            response,
            partner_id=accreditation.partner_id,
            changes={"survey": (None, f"{survey.name} (version {survey.version})")},
        )
    try:
        db.session.commit()
    except IntegrityError as error:  # the named response's unique key: answered already
        db.session.rollback()
        raise AlreadyAnswered(_answered_on(state.invitation.id)) from error
    return response


def _answered_on(invitation_id: int) -> date | None:
    return db.session.scalar(
        select(SurveyInvitation.answered_on).where(SurveyInvitation.id == invitation_id)
    )
