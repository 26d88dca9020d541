"""Publishing survey results for reporting tools: per question and fiscal
quarter (of the day answered), the number of answers, the mean rating and each
choice's count, as SurveyFigure rows the API serves. A group is published only
once it has at least SURVEY_MIN_ANONYMOUS_ANSWERS answers (as the results pages
show them), and free text never: it may name people."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.kpis.figures import quarters_up_to
from portal.models import SurveyAnswer, SurveyFigure, SurveyQuestion, SurveyResponse, utcnow
from portal.surveys.results import minimum

QUARTERS = 5


def publish_survey_figures(today: date) -> int:
    """Bring the published survey figures up to date; how many rows changed. Two
    statements per quarter, however many answers."""
    changed = 0
    for quarter in quarters_up_to(today, QUARTERS):
        in_quarter = SurveyResponse.answered_on.between(quarter.start, quarter.end)
        answered = SurveyAnswer.rating.is_not(None) | SurveyAnswer.choice.is_not(None)
        totals = db.session.execute(
            select(
                SurveyAnswer.question_id,
                SurveyQuestion.survey_id,
                func.count(SurveyAnswer.id),
                func.avg(SurveyAnswer.rating * 1.0),
            )
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(in_quarter, answered, SurveyQuestion.kind != "text")
            .group_by(SurveyAnswer.question_id, SurveyQuestion.survey_id)
            .having(func.count(SurveyAnswer.id) >= minimum())
        ).all()
        choices: dict[int, dict[str, int]] = {}
        for question_id, choice, count in db.session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.choice, func.count())
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(in_quarter, SurveyAnswer.choice.is_not(None))
            .group_by(SurveyAnswer.question_id, SurveyAnswer.choice)
        ):
            choices.setdefault(question_id, {})[choice] = count
        kept = {
            f.question_id: f
            for f in db.session.scalars(select(SurveyFigure).filter_by(period=quarter.key))
        }
        for question_id, survey_id, count, average in totals:
            figure = (
                count,
                float(average) if average is not None else None,
                choices.get(question_id),
            )
            row = kept.get(question_id)
            if row is None:
                db.session.add(
                    SurveyFigure(
                        survey_id=survey_id,
                        question_id=question_id,
                        period=quarter.key,
                        period_start=quarter.start,
                        period_end=quarter.end,
                        answers=figure[0],
                        average=figure[1],
                        choices=figure[2],
                    )
                )
                changed += 1
            elif (row.answers, row.average, row.choices) != figure:
                row.answers, row.average, row.choices = figure
                row.updated_at = utcnow()
                changed += 1
    db.session.commit()
    return changed
