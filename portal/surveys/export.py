"""Survey answers as an export: one row per answer, for the results page's
filters (survey, partner, cycle, quarter).

Named answers carry the person, the partner and the cycle. Anonymous answers
carry none of them, nor the day: only the survey, the question and the answer,
and only when at least SURVEY_MIN_ANONYMOUS_ANSWERS fall in what is exported
(as on the page). Their responses are numbered after the named ones in a
shuffled order, so neither the numbering nor the row order follows the order
in which they came in."""

from __future__ import annotations

import secrets
from collections import defaultdict

from flask import url_for

from portal.core.clock import local_day
from portal.core.extensions import db
from portal.exports import Column, Table, exportable
from portal.models import Accreditation, Partner, User
from portal.surveys.definitions import family_choices
from portal.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal.surveys.results import (
    ResultFilters,
    anonymous_in_group,
    answers_of_group,
    minimum,
    settle,
)

COLUMNS = (
    Column("Survey"),
    Column("Version", "int"),
    Column("Response", "int"),
    Column("Anonymous", "bool"),
    Column("Partner"),
    Column("Cycle decided", "date"),
    Column("Person"),
    Column("Answered on", "date"),
    Column("Question", "int"),
    Column("Prompt"),
    Column("Rating", "int"),
    Column("Choice"),
    Column("Text"),
    Column("Cycle link"),
)


@exportable("survey-answers", "Survey answers")
def survey_answers_table(args) -> Table:
    f = ResultFilters.from_args(args)
    settle(f, family_choices())
    described = ", ".join(f"{k}={v}" for k, v in f.args().items())
    rows = _rows(f) if f.family_id else []
    return Table(COLUMNS, rows, filters=f"filters: {described or 'none'}")


def _rows(f: ResultFilters) -> list[tuple]:
    """Every answer of the group, in one query; anonymous ones only above the minimum."""
    shown = anonymous_in_group(f) >= minimum()
    query = (
        answers_of_group(
            f,
            shown,
            SurveyResponse.id,
            SurveyResponse.user_id,
            Survey.name,
            Survey.version,
            Partner.name,
            Accreditation.id,
            Accreditation.decided_at,
            User.name,
            SurveyResponse.answered_on,
            SurveyQuestion.position,
            SurveyQuestion.prompt,
            SurveyAnswer.rating,
            SurveyAnswer.choice,
            SurveyAnswer.text,
        )
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .outerjoin(User, User.id == SurveyResponse.user_id)
        .order_by(SurveyResponse.answered_on, SurveyResponse.id, SurveyQuestion.position)
    )
    by_response: dict[int, list] = defaultdict(list)
    for row in db.session.execute(query):
        by_response[row[0]].append(row)
    named = [rows for rows in by_response.values() if rows[0][1] is not None]
    hidden = [rows for rows in by_response.values() if rows[0][1] is None]
    secrets.SystemRandom().shuffle(hidden)
    out = []
    for number, rows in enumerate([*named, *hidden], start=1):
        for row in rows:
            out.append(_row(number, row))
    return out


def _row(number: int, row) -> tuple:
    (_, user_id, survey, version, partner, cycle_id, decided_at, person, day) = row[:9]
    position, prompt, rating, choice, text = row[9:]
    anonymous = user_id is None
    link = url_for("surveys.results", accreditation=cycle_id, _external=True)
    return (
        survey,
        version,
        number,
        anonymous,
        None if anonymous else partner,
        None if anonymous or decided_at is None else local_day(decided_at),
        None if anonymous else person,
        None if anonymous else day,
        position,
        prompt,
        rating,
        choice,
        text,
        None if anonymous else link,
    )
