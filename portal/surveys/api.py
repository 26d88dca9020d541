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

# The API is read by reporting tools: its documentation (OpenAPI) is in English
# for every caller, so its text stays out of the catalogues.
DOCUMENTED = {
    "resource": "Per question of a feedback survey and per fiscal quarter (of the day "
    "answered): the number of answers, the mean rating (1-5) and each choice's count. "
    "Published daily (`flask api publish`) only for groups of at least "
    "SURVEY_MIN_ANONYMOUS_ANSWERS answers, named and anonymous pooled; free text never.",
    "survey_id": "The survey version answered.",
    "period": 'A fiscal quarter, as "2026-Q3".',
    "choices": "Each option's count (choice questions).",
}

register(
    Resource(
        name="survey-results",
        title="Survey result",
        description=DOCUMENTED["resource"],
        model=SurveyFigure,
        fields=standard_fields(
            integer("survey_id", description=DOCUMENTED["survey_id"]),
            text("survey_name", "survey.name"),
            integer("survey_version", "survey.version"),
            integer("question_id"),
            text("question", "question.prompt"),
            choice("question_kind", ["rating", "choice"], "question.kind"),
            text("period", description=DOCUMENTED["period"]),
            day("period_start"),
            day("period_end"),
            integer("answers"),
            number("average_rating", "average", nullable=True),
            Field(
                "choices",
                {"type": ["object", "null"], "additionalProperties": {"type": "integer"}},
                lambda f: f.choices,
                description=DOCUMENTED["choices"],
            ),
        ),
        options=(joinedload(SurveyFigure.survey), joinedload(SurveyFigure.question)),
    )
)
