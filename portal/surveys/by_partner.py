"""A partner's survey answers, for the staff partner page: its response rate and
its people's named answers. Anonymous answers are only counted here: for one
partner they rarely reach SURVEY_MIN_ANONYMOUS_ANSWERS, and the results page
shows them (in aggregate) when they do."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.models import Accreditation
from portal.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from portal.surveys.results import minimum

NAMED_SHOWN = 50


@dataclass
class PartnerAnswers:
    invited: int
    answered: int
    anonymous: int
    responses: list[SurveyResponse]  # the named ones, newest first
    minimum: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


def of_partner(partner_id: int) -> PartnerAnswers:
    """The partner's response rate and named answers (five queries)."""
    invited, answered = db.session.execute(
        select(func.count(SurveyInvitation.id), func.count(SurveyInvitation.answered_on))
        .join(Accreditation, Accreditation.id == SurveyInvitation.accreditation_id)
        .where(Accreditation.partner_id == partner_id)
    ).one()
    responses_count, named_count = db.session.execute(
        select(func.count(SurveyResponse.id), func.count(SurveyResponse.user_id))
        .join(Accreditation, Accreditation.id == SurveyResponse.accreditation_id)
        .where(Accreditation.partner_id == partner_id)
    ).one()
    responses = db.session.scalars(
        select(SurveyResponse)
        .join(Accreditation, Accreditation.id == SurveyResponse.accreditation_id)
        .where(Accreditation.partner_id == partner_id, SurveyResponse.user_id.is_not(None))
        .options(
            selectinload(SurveyResponse.user),
            selectinload(SurveyResponse.survey),
            selectinload(SurveyResponse.answers).selectinload(SurveyAnswer.question),
        )
        .order_by(SurveyResponse.answered_on.desc(), SurveyResponse.id.desc())
        .limit(NAMED_SHOWN)
    ).all()
    return PartnerAnswers(
        invited, answered, responses_count - named_count, list(responses), minimum()
    )
