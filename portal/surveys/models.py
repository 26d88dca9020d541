"""Partner feedback surveys: the surveys administrators define (versions of a
family, like accreditation templates), the invitations sent when a cycle is
decided, and the answers.

Anonymity is a property of the stored rows, not of the pages: an anonymous
response has no user, and neither it nor its invitation holds a moment precise
enough to match the two (see SurveyResponse.answered_on)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.translated import translations_column
from portal.core.types import UTCDateTime, utcnow
from portal.core.versions import versioned

QUESTION_KINDS = {
    "rating": lazy_gettext("Rating from 1 to 5"),
    "choice": lazy_gettext("One choice from a list"),
    "text": lazy_gettext("Free text"),
}
RATINGS = {
    1: lazy_gettext("Very poor"),
    2: lazy_gettext("Poor"),
    3: lazy_gettext("Fair"),
    4: lazy_gettext("Good"),
    5: lazy_gettext("Very good"),
}


@versioned
class Survey(db.Model):
    """One version of a survey. Editing a survey nobody has answered changes it in
    place; once it has answers, saving makes version+1 in the same family and the
    answers stay with the version they answered."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("family_id", "version"),
        # One survey is sent after each decided cycle: at most one row is active.
        Index(
            "uq_surveys_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first version's id; every later version points at it.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    allows_anonymous: Mapped[bool] = mapped_column(default=False)
    # Only a current version may be active; the flag moves to a new version.
    active: Mapped[bool] = mapped_column(default=False)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions = relationship(
        "SurveyQuestion", back_populates="survey", order_by="SurveyQuestion.position"
    )
    created_by = relationship("User")


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"
    __table_args__ = (
        UniqueConstraint("survey_id", "position"),
        CheckConstraint("kind IN ('rating', 'choice', 'text')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    prompt: Mapped[str] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(default=True)
    # For a choice question: its options, one a line.
    options_text: Mapped[str] = mapped_column(Text, default="")
    # The prompt and options as staff wrote them in other languages, read through
    # core.translated ({"fr": {"prompt": "…", "options_text": "…"}}); the answers
    # always store the English option, whichever language the person read.
    translations: Mapped[dict[str, dict[str, str]]] = translations_column()

    survey = relationship("Survey", back_populates="questions")

    @property
    def options(self) -> list[str]:
        return [o for o in self.options_text.split("\n") if o]


class SurveyInvitation(db.Model):
    """One person asked to answer after one decided cycle. It records *that* they
    answered (so nobody answers twice), never what nor, when anonymous, which
    response is theirs."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("accreditation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The version current when the cycle was decided; they answer the family's newest.
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Days, not moments: a precise time here would find the anonymous response
    # stored in the same second (and the person's last login beside it).
    reminded_on: Mapped[date | None] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date)

    survey = relationship("Survey")
    accreditation = relationship("Accreditation")
    user = relationship("User")


class SurveyResponse(db.Model):
    """One person's answers to one cycle's survey; anonymous when `user_id` is None."""

    __tablename__ = "survey_responses"
    # A named person answers a cycle once (NULLs never collide: anonymous ones
    # are held to once by their invitation's conditional update).
    __table_args__ = (UniqueConstraint("accreditation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    # The unique key below (accreditation first) is also the index by cycle.
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The programme's day it was answered, never the time: staff can see when an
    # invited person logged in and when their invitation was answered; a time
    # of day on an anonymous response would tell them whose it is.
    answered_on: Mapped[date] = mapped_column(Date)

    survey = relationship("Survey")
    accreditation = relationship("Accreditation")
    user = relationship("User")
    answers = relationship("SurveyAnswer", back_populates="response", order_by="SurveyAnswer.id")

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    @property
    def display_name(self) -> str:
        """What the audit trail calls it."""
        return f"Answers to {self.survey.name} (version {self.survey.version})"


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_1_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    rating: Mapped[int | None]
    choice: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)

    response = relationship("SurveyResponse", back_populates="answers")
    question = relationship("SurveyQuestion")


class SurveyFigure(db.Model):
    """What one question's answers came to in one fiscal quarter, as published for
    reporting tools (`flask api publish`): only for a group of at least
    SURVEY_MIN_ANONYMOUS_ANSWERS answers, and never the free text (it may name
    people). Named and anonymous answers are pooled."""

    __tablename__ = "survey_figures"
    __table_args__ = (UniqueConstraint("question_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"))
    period: Mapped[str] = mapped_column(String(24))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    answers: Mapped[int]
    average: Mapped[float | None] = mapped_column(Float)  # ratings
    choices: Mapped[dict | None] = mapped_column(JSON)  # option -> count
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    question = relationship("SurveyQuestion")
    survey = relationship("Survey")
