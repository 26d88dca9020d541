"""The surveys administrators define, and which one is sent.

A survey nobody has answered is edited in place. Once a version has answers,
saving makes version+1 in the same family: the answers stay tied to the
questions they answered, and whoever answers from then on gets the new one.
One survey family is the active one: its current version is what a decided
cycle's people are invited to (one programme-wide, not one per accreditation
template: nothing in a survey depends on the template a cycle ran on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.core import audit
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.models import User, utcnow
from portal.surveys.models import QUESTION_KINDS, Survey, SurveyQuestion, SurveyResponse

MAX_QUESTIONS = 30
MAX_OPTIONS = 12
PROMPT_MAX = 500
OPTION_MAX = 200


@dataclass
class QuestionDraft:
    prompt: str
    kind: str = "rating"
    required: bool = True
    options: list[str] = field(default_factory=list)
    key: str = ""  # the form's field prefix, so errors land next to the field


@dataclass
class SurveyDraft:
    name: str
    intro: str = ""
    allows_anonymous: bool = False
    questions: list[QuestionDraft] = field(default_factory=list)

    @classmethod
    def of(cls, survey: Survey) -> SurveyDraft:
        return cls(
            name=survey.name,
            intro=survey.intro,
            allows_anonymous=survey.allows_anonymous,
            questions=[
                QuestionDraft(q.prompt, q.kind, q.required, q.options) for q in survey.questions
            ],
        )


def options_of(text: str) -> list[str]:
    """Options typed one a line: trimmed, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def check(draft: SurveyDraft) -> None:
    """Refuse a survey that cannot be answered; the error names the field at fault."""
    if not (draft.name or "").strip():
        raise DomainError(gettext("Give the survey a name."), field="name")
    if len(draft.name.strip()) > 200:
        raise DomainError(gettext("Keep the name under 200 characters."), field="name")
    if not draft.questions:
        raise DomainError(gettext("A survey needs at least one question."), field="questions")
    if len(draft.questions) > MAX_QUESTIONS:
        raise DomainError(
            gettext("A survey has at most %(max)s questions.", max=MAX_QUESTIONS), field="questions"
        )
    for i, question in enumerate(draft.questions):
        _check_question(question, question.key or f"questions-{i}-")


def _check_question(question: QuestionDraft, key: str) -> None:
    prompt = question.prompt.strip()
    if not prompt:
        raise DomainError(gettext("Write the question."), field=key + "prompt")
    if len(prompt) > PROMPT_MAX:
        raise DomainError(
            gettext("Keep the question under %(max)s characters.", max=PROMPT_MAX),
            field=key + "prompt",
        )
    if question.kind not in QUESTION_KINDS:
        raise DomainError(gettext("Choose what kind of answer it takes."), field=key + "kind")
    if question.kind != "choice":
        if question.options:
            raise DomainError(
                gettext("Only a choice question lists options; clear them or make it a choice."),
                field=key + "options",
            )
        return
    options = question.options
    if len(options) < 2:
        raise DomainError(
            gettext("A choice question needs at least two options."), field=key + "options"
        )
    if len(options) > MAX_OPTIONS:
        raise DomainError(
            gettext("List at most %(max)s options.", max=MAX_OPTIONS), field=key + "options"
        )
    if len({o.casefold() for o in options}) != len(options):
        raise DomainError(gettext("Each option must be different."), field=key + "options")
    if any(len(o) > OPTION_MAX for o in options):
        raise DomainError(
            gettext("Keep each option under %(max)s characters.", max=OPTION_MAX),
            field=key + "options",
        )


def _fill(survey: Survey, draft: SurveyDraft, previous=()) -> None:
    """The survey as drafted; a question kept as it was (same text, same kind)
    keeps what staff wrote of it in other languages (see _carry_over)."""
    before = _translations_of(previous)
    survey.name = draft.name.strip()
    survey.intro = (draft.intro or "").strip()
    survey.allows_anonymous = bool(draft.allows_anonymous)
    survey.questions = [
        _carry_over(
            SurveyQuestion(
                position=n,
                kind=q.kind,
                prompt=q.prompt.strip(),
                required=q.required,
                options_text="\n".join(q.options) if q.kind == "choice" else "",
            ),
            before,
        )
        for n, q in enumerate(draft.questions, start=1)
    ]


def _translations_of(questions) -> dict[tuple[str, str], tuple[list[str], dict]]:
    """(options, translations) by (prompt, kind), read before the rows go."""
    return {
        (q.prompt.strip(), q.kind): (q.options, dict(q.translations))
        for q in questions
        if q.translations
    }


def _carry_over(
    question: SurveyQuestion, before: dict[tuple[str, str], tuple[list[str], dict]]
) -> SurveyQuestion:
    """The translations of the same question before (surveys.translations); its
    options' only while the English options are the same."""
    found = before.get((question.prompt, question.kind))
    if found is None:
        return question
    options, translations = found
    same_options = options == question.options
    kept = {
        language: {k: v for k, v in fields.items() if k != "options_text" or same_options}
        for language, fields in translations.items()
    }
    question.translations = {language: fields for language, fields in kept.items() if fields}
    return question


def answered(survey: Survey) -> bool:
    return (
        db.session.scalar(
            db.select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id).limit(1)
        )
        is not None
    )


def create_survey(actor: User, draft: SurveyDraft) -> Survey:
    check(draft)
    survey = Survey(created_by_id=actor.id)
    _fill(survey, draft)
    db.session.add(survey)
    audit.record(
        actor,
        "survey_created",
        survey,
        partner_id=None,
        changes={"version": (None, 1), "questions": (None, len(draft.questions))},
    )
    db.session.commit()
    return survey


def save_survey(actor: User, survey: Survey, draft: SurveyDraft) -> Survey:
    """Save changes: in place while nobody has answered this version, else as the
    next version (which inherits the active flag). Returns the version saved."""
    check(draft)
    if survey.superseded_at is not None:
        raise DomainError(
            gettext(
                "Version %(version)s was replaced; edit the current version.",
                version=survey.version,
            )
        )
    before = SurveyDraft.of(survey)
    if _plain(before) == _plain(draft):
        raise DomainError(gettext("Nothing changed: this is the survey as it is."))
    previous = list(survey.questions)
    if not answered(survey):
        for question in previous:
            db.session.delete(question)
        db.session.flush()  # or the new questions would collide on (survey, position)
        db.session.expire(survey, ["questions"])
        _fill(survey, draft, previous)
        audit.record(
            actor, "survey_edited", survey, partner_id=None, changes=_changes(before, draft)
        )
        return _commit(survey)
    newer = Survey(family_id=survey.family_id, version=survey.version + 1, created_by_id=actor.id)
    _fill(newer, draft, previous)
    survey.superseded_at = utcnow()
    if survey.active:
        survey.active = False
        db.session.flush()  # the one-active index: the old row lets go first
        newer.active = True
    db.session.add(newer)
    changes = {"version": (survey.version, newer.version)} | _changes(before, draft)
    audit.record(actor, "survey_versioned", newer, partner_id=None, changes=changes)
    return _commit(newer)


def _plain(draft: SurveyDraft) -> tuple:
    """What a draft says, as saving would store it."""
    return (
        draft.name.strip(),
        (draft.intro or "").strip(),
        bool(draft.allows_anonymous),
        [
            (q.prompt.strip(), q.kind, q.required, q.options if q.kind == "choice" else [])
            for q in draft.questions
        ],
    )


def _changes(before: SurveyDraft, after: SurveyDraft) -> dict:
    def questions(d: SurveyDraft) -> str:
        return "; ".join(f"{q.prompt.strip()} ({q.kind})" for q in d.questions)

    return {
        "name": (before.name, after.name.strip()),
        "allows_anonymous": (before.allows_anonymous, bool(after.allows_anonymous)),
        "questions": (questions(before), questions(after)),
    }


def _commit(survey: Survey) -> Survey:
    try:
        db.session.commit()
    except IntegrityError as error:  # two administrators saved the same version at once
        db.session.rollback()
        raise Conflict(
            gettext("Someone changed this survey at the same moment; reload it and try again.")
        ) from error
    return survey


def activate(actor: User, survey: Survey) -> Survey:
    """Make `survey`'s family the one sent after each decided cycle (the flag
    sits on the family's current version)."""
    if survey.superseded_at is not None:
        raise DomainError(
            gettext(
                "Version %(version)s was replaced; activate the current one.",
                version=survey.version,
            )
        )
    if survey.active:
        raise DomainError(
            gettext(
                "%(survey)s is already the survey sent after each decision.", survey=survey.name
            )
        )
    was = active_survey()
    if was is not None:
        was.active = False
        db.session.flush()  # the one-active index: the old row lets go first
    survey.active = True
    audit.record(
        actor,
        "survey_activated",
        survey,
        partner_id=None,
        changes={"active_survey": (was.name if was else None, survey.name)},
    )
    return _commit(survey)


def deactivate(actor: User, survey: Survey) -> Survey:
    """Send no survey after decisions from now on (invitations already sent stay open)."""
    if not survey.active:
        raise DomainError(gettext("%(survey)s is not the active survey.", survey=survey.name))
    survey.active = False
    audit.record(
        actor, "survey_deactivated", survey, partner_id=None, changes={"active": (True, False)}
    )
    return _commit(survey)


# --- reading --------------------------------------------------------------------


def active_survey() -> Survey | None:
    """The current version of the active family, with its questions (one query)."""
    return db.session.scalar(
        db.select(Survey).where(Survey.active).options(selectinload(Survey.questions))
    )


def load_survey(survey_id: int) -> Survey | None:
    return db.session.scalar(
        db.select(Survey).where(Survey.id == survey_id).options(selectinload(Survey.questions))
    )


def current_of(family_id: int) -> Survey | None:
    """The family's newest version, with its questions."""
    return db.session.scalar(
        db.select(Survey)
        .where(Survey.family_id == family_id)
        .options(selectinload(Survey.questions))
        .order_by(Survey.version.desc())
        .limit(1)
    )


def versions_of(survey: Survey) -> list[Survey]:
    return list(
        db.session.scalars(
            db.select(Survey).where(Survey.family_id == survey.family_id).order_by(Survey.version)
        )
    )


@dataclass
class Family:
    current: Survey
    versions: int
    responses: int


def families() -> list[Family]:
    """Every survey family with its current version and answer count (three queries)."""
    current = db.session.scalars(
        db.select(Survey)
        .where(Survey.superseded_at.is_(None))
        .order_by(Survey.active.desc(), Survey.name, Survey.id)
    ).all()
    versions = dict(
        db.session.execute(
            db.select(Survey.family_id, func.count()).group_by(Survey.family_id)
        ).all()
    )
    responses = dict(
        db.session.execute(
            db.select(Survey.family_id, func.count(SurveyResponse.id))
            .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
            .group_by(Survey.family_id)
        ).all()
    )
    return [Family(s, versions.get(s.family_id, 1), responses.get(s.family_id, 0)) for s in current]


def family_choices() -> list[Survey]:
    """The current version of every survey family, the active one first (one query)."""
    return list(
        db.session.scalars(
            select(Survey)
            .where(Survey.superseded_at.is_(None))
            .order_by(Survey.active.desc(), Survey.name, Survey.id)
        )
    )
