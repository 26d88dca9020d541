"""What staff read of the answers: for one survey family, optionally one partner,
one cycle or one quarter (cycles decided in it), how many were invited and
answered, and per question the average and spread of ratings, the count of each
choice, and the free-text answers.

Every figure is a GROUP BY in the database; a page costs the same few queries
however many answers there are. Anonymous answers count in the figures only
when at least SURVEY_MIN_ANONYMOUS_ANSWERS of them fall in the group shown,
and are never listed with a person, a partner, a cycle or a date. (A limit
that suppression cannot lift: two overlapping groups, e.g. a partner and one of
its cycles, each above the minimum, can be subtracted. Periods are whole
quarters, not free date ranges, so that is not a matter of moving a date by a
day.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.core import periods
from portal.core.clock import to_utc
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.inputs import identifier_or_none
from portal.models import Accreditation, Partner, User
from portal.surveys.models import (
    RATINGS,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)

TEXTS_SHOWN = 300  # named free-text answers on the page, newest first; the export has all
CYCLES_SHOWN = 100

NOT_ENOUGH = lazy_gettext("Not enough answers to show without identifying anyone.")


@dataclass
class ResultFilters:
    family_id: int | None = None
    partner_id: int | None = None
    accreditation_id: int | None = None
    period: periods.Period | None = None
    problem: str | None = None  # a period that could not be read

    @classmethod
    def from_args(cls, args) -> ResultFilters:
        filters = cls(
            family_id=identifier_or_none(args.get("survey")),
            partner_id=identifier_or_none(args.get("partner")),
            accreditation_id=identifier_or_none(args.get("accreditation")),
        )
        if key := (args.get("period") or "").strip():
            try:
                period = periods.parse(key, periods.fiscal_start())
            except DomainError as error:
                filters.problem = error.message
            else:
                if period.kind == "quarter":
                    filters.period = period
                else:
                    filters.problem = gettext("Choose a quarter, like 2026-Q3.")
        return filters

    def args(self, **override) -> dict:
        """The query string of these filters (for links, the export included)."""
        values = {
            "survey": self.family_id,
            "partner": self.partner_id,
            "accreditation": self.accreditation_id,
            "period": self.period.key if self.period else None,
        } | override
        return {k: v for k, v in values.items() if v is not None}


def settle(f: ResultFilters, choices: list[Survey]) -> tuple[Partner | None, Accreditation | None]:
    """Drop a partner or cycle that names nothing; without a known survey family
    take the named cycle's, else the first of `choices` (the active one first).
    Returns the partner and the cycle shown (two lookups by key at most)."""
    partner = db.session.get(Partner, f.partner_id) if f.partner_id else None
    cycle = db.session.get(Accreditation, f.accreditation_id) if f.accreditation_id else None
    f.partner_id = partner.id if partner else None
    f.accreditation_id = cycle.id if cycle else None
    if f.family_id not in {s.family_id for s in choices}:
        invited_to = cycle and db.session.scalar(
            select(Survey.family_id)
            .join(SurveyInvitation, SurveyInvitation.survey_id == Survey.id)
            .where(SurveyInvitation.accreditation_id == cycle.id)
            .limit(1)
        )
        f.family_id = invited_to or (choices[0].family_id if choices else None)
    return partner, cycle


def _in_group(query, survey_id, accreditation_id, f: ResultFilters):
    """`query` narrowed to the rows (invitations or responses) of the group shown."""
    query = query.join(Survey, Survey.id == survey_id).join(
        Accreditation, Accreditation.id == accreditation_id
    )
    query = query.where(Survey.family_id == f.family_id)
    if f.partner_id:
        query = query.where(Accreditation.partner_id == f.partner_id)
    if f.accreditation_id:
        query = query.where(Accreditation.id == f.accreditation_id)
    if f.period:
        query = query.where(
            Accreditation.decided_at >= to_utc(f.period.start, time.min),
            Accreditation.decided_at < to_utc(f.period.end + timedelta(days=1), time.min),
        )
    return query


@dataclass
class Named:
    """A free-text answer given with a name."""

    text: str
    person: str
    partner: str
    answered_on: date


@dataclass
class Figures:
    """One question's figures over the group."""

    answers: int = 0
    average: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)  # rating -> answers
    choices: list[tuple[str, int]] = field(default_factory=list)
    texts: list[Named] = field(default_factory=list)
    anonymous_texts: list[str] = field(default_factory=list)


@dataclass
class QuestionResult(Figures):
    question: SurveyQuestion | None = None

    @classmethod
    def of(cls, question: SurveyQuestion, figures: Figures | None) -> QuestionResult:
        result = cls(question=question, **vars(figures or Figures()))
        if question.kind == "rating" and result.distribution:
            result.distribution = {r: result.distribution.get(r, 0) for r in RATINGS}
        if question.kind == "choice":
            # Every option, in the survey's order, the ones nobody chose too.
            counts = dict(result.choices)
            result.choices = [(o, counts.pop(o, 0)) for o in question.options] + sorted(
                counts.items()
            )
        return result

    @property
    def most(self) -> int:
        """The largest count, to scale the bars."""
        counts = list(self.distribution.values()) + [c for _, c in self.choices]
        return max(counts, default=0) or 1


@dataclass
class VersionResult:
    survey: Survey
    responses: int
    questions: list[QuestionResult]


@dataclass
class Results:
    filters: ResultFilters
    invited: int
    answered: int
    named: int
    anonymous: int
    minimum: int
    versions: list[VersionResult]
    cycles: list  # rows: accreditation id, partner, decided_at, invited, answered

    @property
    def anonymous_shown(self) -> bool:
        return self.anonymous >= self.minimum

    @property
    def anonymous_withheld(self) -> int:
        return 0 if self.anonymous_shown else self.anonymous

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


def minimum() -> int:
    return current_app.config["SURVEY_MIN_ANONYMOUS_ANSWERS"]


def results(f: ResultFilters) -> Results:
    """The figures of one group, in a fixed number of queries."""
    invited, answered = db.session.execute(
        _in_group(
            select(func.count(SurveyInvitation.id), func.count(SurveyInvitation.answered_on)),
            SurveyInvitation.survey_id,
            SurveyInvitation.accreditation_id,
            f,
        )
    ).one()
    per_version = db.session.execute(
        _in_group(
            select(
                SurveyResponse.survey_id,
                func.count(SurveyResponse.id),
                func.count(SurveyResponse.user_id),
            ),
            SurveyResponse.survey_id,
            SurveyResponse.accreditation_id,
            f,
        ).group_by(SurveyResponse.survey_id)
    ).all()
    total = sum(n for _, n, _ in per_version)
    named = sum(k for _, _, k in per_version)
    least = minimum()
    shown = total - named >= least
    counted = {s: (n if shown else k) for s, n, k in per_version}
    versions = db.session.scalars(
        select(Survey)
        .where(Survey.family_id == f.family_id)
        .options(selectinload(Survey.questions))
        .order_by(Survey.version.desc())
    ).all()
    figures = _figures(f, shown)
    version_results = [
        VersionResult(
            survey=v,
            responses=counted.get(v.id, 0),
            questions=[QuestionResult.of(q, figures.get(q.id)) for q in v.questions],
        )
        for v in versions
        if counted.get(v.id) or v.superseded_at is None
    ]
    return Results(
        filters=f,
        invited=invited,
        answered=answered,
        named=named,
        anonymous=total - named,
        minimum=least,
        versions=version_results,
        cycles=_cycles(f),
    )


def answers_of_group(f: ResultFilters, shown: bool, *columns):
    """A select of `columns` over the answers of the group's responses (only the
    named ones unless the anonymous ones may be shown)."""
    query = select(*columns).join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
    query = _in_group(query, SurveyResponse.survey_id, SurveyResponse.accreditation_id, f)
    return query if shown else query.where(SurveyResponse.user_id.is_not(None))


def anonymous_in_group(f: ResultFilters) -> int:
    return db.session.scalar(
        _in_group(
            select(func.count(SurveyResponse.id)),
            SurveyResponse.survey_id,
            SurveyResponse.accreditation_id,
            f,
        ).where(SurveyResponse.user_id.is_(None))
    )


def _figures(f: ResultFilters, shown: bool) -> dict[int, Figures]:
    """Each question's figures (six grouped queries, whatever the number of answers)."""
    found: dict[int, Figures] = {}

    def of(question_id: int) -> Figures:
        return found.setdefault(question_id, Figures())

    counts = answers_of_group(f, shown, SurveyAnswer.question_id, func.count(SurveyAnswer.id))
    for question_id, n in db.session.execute(counts.group_by(SurveyAnswer.question_id)):
        of(question_id).answers = n
    averages = answers_of_group(f, shown, SurveyAnswer.question_id, func.avg(SurveyAnswer.rating))
    averages = averages.where(SurveyAnswer.rating.is_not(None)).group_by(SurveyAnswer.question_id)
    for question_id, average in db.session.execute(averages):
        of(question_id).average = float(average)
    spread = answers_of_group(f, shown, SurveyAnswer.question_id, SurveyAnswer.rating, func.count())
    spread = spread.where(SurveyAnswer.rating.is_not(None)).group_by(
        SurveyAnswer.question_id, SurveyAnswer.rating
    )
    for question_id, rating, n in db.session.execute(spread):
        of(question_id).distribution[rating] = n
    chosen = answers_of_group(f, shown, SurveyAnswer.question_id, SurveyAnswer.choice, func.count())
    chosen = chosen.where(SurveyAnswer.choice.is_not(None)).group_by(
        SurveyAnswer.question_id, SurveyAnswer.choice
    )
    for question_id, choice, n in db.session.execute(chosen):
        of(question_id).choices.append((choice, n))
    named = (
        answers_of_group(
            f,
            True,
            SurveyAnswer.question_id,
            SurveyAnswer.text,
            User.name,
            Partner.name,
            SurveyResponse.answered_on,
        )  # fmt: skip
        .join(User, User.id == SurveyResponse.user_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .where(SurveyAnswer.text.is_not(None))
        .order_by(SurveyResponse.answered_on.desc(), SurveyResponse.id.desc())
        .limit(TEXTS_SHOWN)
    )
    for question_id, text, person, partner, day in db.session.execute(named):
        of(question_id).texts.append(Named(text, person, partner, day))
    if shown:
        # Pooled and in alphabetical order: never by time, cycle or partner.
        pooled = (
            answers_of_group(f, True, SurveyAnswer.question_id, SurveyAnswer.text)
            .where(SurveyAnswer.text.is_not(None), SurveyResponse.user_id.is_(None))
            .order_by(SurveyAnswer.text)
        )
        for question_id, text in db.session.execute(pooled):
            of(question_id).anonymous_texts.append(text)
    return found


def _cycles(f: ResultFilters) -> list:
    """Invited and answered per decided cycle of the group, newest first (one query)."""
    query = _in_group(
        select(
            Accreditation.id,
            Partner.name,
            Accreditation.decided_at,
            func.count(SurveyInvitation.id),
            func.count(SurveyInvitation.answered_on),
        ),
        SurveyInvitation.survey_id,
        SurveyInvitation.accreditation_id,
        f,
    ).join(Partner, Partner.id == Accreditation.partner_id)
    return db.session.execute(
        query.group_by(Accreditation.id, Partner.name, Accreditation.decided_at)
        .order_by(Accreditation.decided_at.desc(), Accreditation.id.desc())
        .limit(CYCLES_SHOWN)
    ).all()
