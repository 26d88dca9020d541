"""The published survey figures (surveys.published) as an API resource."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from portal.api.registry import (
    Field,
    Resource,
    choice,
    day,
    integer,
    number,
    register,
    standard_fields,
    text,
)
from portal.models import SurveyFigure

register(
    Resource(
        name="survey-results",
        title="Survey result",
        description="Per question of a feedback survey and per fiscal quarter (of the day "
        "answered): the number of answers, the mean rating (1-5) and each choice's count. "
        "Published daily (`flask api publish`) only for groups of at least "
        "SURVEY_MIN_ANONYMOUS_ANSWERS answers, named and anonymous pooled; free text never.",
        model=SurveyFigure,
        fields=standard_fields(
            integer("survey_id", description="The survey version answered."),
            text("survey_name", "survey.name"),
            integer("survey_version", "survey.version"),
            integer("question_id"),
            text("question", "question.prompt"),
            choice("question_kind", ["rating", "choice"], "question.kind"),
            text("period", description='A fiscal quarter, as "2026-Q3".'),
            day("period_start"),
            day("period_end"),
            integer("answers"),
            number("average_rating", "average", nullable=True),
            Field(
                "choices",
                {"type": ["object", "null"], "additionalProperties": {"type": "integer"}},
                lambda f: f.choices,
                description="Each option's count (choice questions).",
            ),
        ),
        options=(joinedload(SurveyFigure.survey), joinedload(SurveyFigure.question)),
    )
)
