"""Partner feedback surveys: versions, the invitation a decision sends, the one
reminder, answering once (named or anonymous), and what staff are shown."""

from __future__ import annotations

import os
import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import DateTime, event, inspect

from portal.accreditation.decisions import record_decision
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.periods import quarter_of
from portal.models import AuditEvent, Notification, OutboxEmail, SurveyAnswer, User
from portal.surveys.answers import AlreadyAnswered, AnswersRefused, NotInvited, answer
from portal.surveys.by_partner import of_partner
from portal.surveys.definitions import (
    QuestionDraft,
    SurveyDraft,
    active_survey,
    create_survey,
    save_survey,
)
from portal.surveys.invitations import remind
from portal.surveys.models import (
    Survey,
    SurveyFigure,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from portal.surveys.published import publish_survey_figures
from portal.surveys.results import ResultFilters, results

DAY = date(2026, 6, 1)


def decide(admin: User, accreditation, today: date = DAY):
    return record_decision(admin, accreditation, "not_accredited", "Not yet.", None, today)


def typed(survey: Survey, rating="4", choice="Documents", text="") -> dict[str, str]:
    """The form's values for the default survey's three questions."""
    rating_q, choice_q, text_q = survey.questions[:3]
    return {f"q{rating_q.id}": rating, f"q{choice_q.id}": choice, f"q{text_q.id}": text}


@pytest.fixture
def decided(app, clock, staff, make_partner, make_user, make_survey):
    """A partner (focal point, an editor, a deactivated viewer) whose cycle was
    decided on DAY with the default survey active."""
    clock.set(DAY, time(10, 0))
    survey = make_survey(staff["admin"])
    partner, focal, accreditation = make_partner()
    editor = make_user("ed@ah.example.org", partner=partner, partner_role="editor")
    gone = make_user("gone@ah.example.org", partner=partner, partner_role="viewer")
    gone.active = False
    db.session.commit()
    decide(staff["admin"], accreditation)
    return survey, partner, focal, editor, accreditation


# --- defining and versioning ------------------------------------------------------


def test_a_survey_nobody_answered_is_edited_in_place(app, staff, make_survey):
    survey = make_survey(staff["admin"])
    draft = SurveyDraft.of(survey)
    draft.questions[0].prompt = "How clear was each requirement?"

    saved = save_survey(staff["admin"], survey, draft)

    assert (saved.id, saved.version) == (survey.id, 1)
    assert saved.questions[0].prompt == "How clear was each requirement?"
    assert db.session.scalar(db.select(db.func.count(Survey.id))) == 1


def test_editing_an_answered_survey_makes_a_version_and_old_answers_stay(decided, staff):
    survey, partner, focal, editor, accreditation = decided
    answer(focal, accreditation, typed(survey, "2"), False, DAY)
    first_questions = [q.id for q in survey.questions]
    draft = SurveyDraft.of(survey)
    draft.questions.append(QuestionDraft("Would you recommend the programme?", "rating"))

    newer = save_survey(staff["admin"], survey, draft)

    assert (newer.version, newer.family_id) == (2, survey.family_id)
    assert survey.superseded_at is not None and not survey.active
    assert newer.active and active_survey().id == newer.id
    [response] = db.session.scalars(db.select(SurveyResponse)).all()
    assert response.survey_id == survey.id
    assert [a.question_id for a in response.answers] == first_questions[:2]
    # Whoever answers from now on gets the new version.
    answer(editor, accreditation, typed(newer) | {f"q{newer.questions[3].id}": "5"}, False, DAY)
    assert db.session.scalars(db.select(SurveyResponse.survey_id)).all() == [survey.id, newer.id]
    with pytest.raises(DomainError, match="was replaced"):
        save_survey(staff["admin"], survey, draft)


@pytest.mark.parametrize(
    ("question", "field", "message"),
    [
        (QuestionDraft("", "rating"), "questions-1-prompt", "Write the question"),
        (QuestionDraft("Pick", "choice", True, ["Only one"]), "questions-1-options", "two"),
        (QuestionDraft("Pick", "choice", True, ["A", "a"]), "questions-1-options", "different"),
        (QuestionDraft("Rate", "rating", True, ["A", "B"]), "questions-1-options", "Only a choice"),
        (QuestionDraft("Rate", "stars"), "questions-1-kind", "kind of answer"),
    ],
)
def test_a_survey_that_cannot_be_answered_is_refused_and_nothing_saved(
    app, staff, question, field, message
):
    draft = SurveyDraft("Feedback", questions=[QuestionDraft("Fine?", "rating"), question])

    with pytest.raises(DomainError, match=message) as caught:
        create_survey(staff["admin"], draft)

    assert caught.value.field == field
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Survey.id))) == 0
    assert db.session.scalar(db.select(db.func.count(SurveyQuestion.id))) == 0


# --- the invitation and the reminder ------------------------------------------------


def test_a_decision_invites_the_partners_people_who_may_log_in(decided):
    survey, partner, focal, editor, accreditation = decided

    invited = db.session.scalars(db.select(SurveyInvitation.user_id)).all()
    assert sorted(invited) == sorted([focal.id, editor.id])
    emails = db.session.scalars(
        db.select(OutboxEmail).filter_by(template="survey_invitation").order_by(OutboxEmail.id)
    ).all()
    assert sorted(e.recipients for e in emails) == sorted([focal.email, editor.email])
    assert all(f"/accreditations/{accreditation.id}/survey" in e.body_text for e in emails)
    bell = db.session.scalars(db.select(Notification).filter_by(kind="survey_invitation")).all()
    assert sorted(n.user_id for n in bell) == sorted([focal.id, editor.id])


def test_no_active_survey_no_invitation(app, staff, make_partner, make_survey):
    make_survey(staff["admin"], active=False)
    partner, focal, accreditation = make_partner()

    decide(staff["admin"], accreditation)

    assert db.session.scalar(db.select(db.func.count(SurveyInvitation.id))) == 0


def test_a_refused_decision_invites_nobody(app, staff, make_partner, make_survey):
    make_survey(staff["admin"])
    partner, focal, accreditation = make_partner()

    with pytest.raises(DomainError):
        record_decision(staff["admin"], accreditation, "not_accredited", "", None, DAY)

    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(SurveyInvitation.id))) == 0
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == 0


def _survey_emails(stage: str) -> list[OutboxEmail]:
    return db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.idempotency_key.like(f"survey-{stage}:%"))
    ).all()


def test_one_reminder_after_the_days_set_to_those_who_have_not_answered(decided, app):
    survey, partner, focal, editor, accreditation = decided
    answer(focal, accreditation, typed(survey), False, DAY)
    days = app.config["SURVEY_REMINDER_DAYS"]

    assert remind(DAY + timedelta(days=days - 1)) == 0
    assert remind(DAY + timedelta(days=days)) == 1
    assert remind(DAY + timedelta(days=days)) == 0  # the same day again
    assert remind(DAY + timedelta(days=days + 9)) == 0  # never a second one

    [reminder] = _survey_emails("reminder")
    assert reminder.recipients == editor.email
    assert reminder.subject.startswith("Reminder: how did the accreditation go?")
    assert "On 01 Jun 2026 we asked you" in reminder.body_text


def test_the_daily_run_sends_the_reminder_once(decided, app, runner):
    later = (DAY + timedelta(days=app.config["SURVEY_REMINDER_DAYS"])).isoformat()

    first = runner.invoke(args=["reminders", "send", "--today", later])
    again = runner.invoke(args=["reminders", "send", "--today", later])

    assert "Survey reminders: 2 sent." in first.output
    assert "Survey reminders: 0 sent." in again.output
    assert len(_survey_emails("reminder")) == 2


# --- answering ----------------------------------------------------------------------


def test_a_survey_answered_twice_keeps_the_first(decided):
    survey, partner, focal, editor, accreditation = decided
    answer(focal, accreditation, typed(survey, "5", text="All good"), False, DAY)

    with pytest.raises(AlreadyAnswered, match="already answered this survey on 01 Jun 2026"):
        answer(focal, accreditation, typed(survey, "1", text="Changed my mind"), False, DAY)

    db.session.expire_all()
    [response] = db.session.scalars(db.select(SurveyResponse)).all()
    assert {a.rating for a in response.answers} == {5, None}
    assert "All good" in {a.text for a in response.answers}


def test_the_database_holds_a_named_answer_to_once(decided):
    """The unique key stands behind the check: a second named row cannot exist."""
    survey, partner, focal, editor, accreditation = decided
    for _ in range(2):
        db.session.add(
            SurveyResponse(
                survey_id=survey.id,
                accreditation_id=accreditation.id,
                user_id=focal.id,
                answered_on=DAY,
            )  # fmt: skip
        )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_an_anonymous_answer_is_stored_without_the_person_or_a_time(decided):
    survey, partner, focal, editor, accreditation = decided
    events_before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))

    answer(focal, accreditation, typed(survey, "3", text="Too many forms"), True, DAY)

    [response] = db.session.scalars(db.select(SurveyResponse)).all()
    assert response.user_id is None and response.answered_on == DAY
    # Nothing on the response, its answers or the invitation holds a time of day.
    for model in (SurveyResponse, SurveyAnswer, SurveyInvitation):
        stamped = [
            c.name
            for c in inspect(model).columns
            if isinstance(getattr(c.type, "impl", c.type), DateTime)
        ]
        assert stamped == (["invited_at"] if model is SurveyInvitation else [])
    invitation = db.session.scalar(db.select(SurveyInvitation).filter_by(user_id=focal.id))
    assert invitation.answered_on == DAY
    # No audit event: its moment and place in the log would say whose it is.
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == events_before
    with pytest.raises(AlreadyAnswered):
        answer(focal, accreditation, typed(survey), False, DAY)


def test_answers_are_checked_against_the_questions(decided):
    survey, partner, focal, editor, accreditation = decided
    rating, choice, text = (f"q{q.id}" for q in survey.questions)

    with pytest.raises(AnswersRefused) as caught:
        answer(focal, accreditation, {rating: "9", choice: "Elsewhere", text: ""}, False, DAY)

    assert caught.value.problems == {
        rating: "Choose a rating from 1 to 5.",
        choice: "Choose one of the options.",
    }
    with pytest.raises(AnswersRefused) as caught:
        answer(focal, accreditation, {text: "x" * 5001}, False, DAY)
    assert set(caught.value.problems) == {rating, choice, text}
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0
    assert (
        db.session.scalar(db.select(SurveyInvitation.answered_on).filter_by(user_id=focal.id))
        is None
    )


def test_anonymous_is_refused_where_the_survey_names_everyone(
    app, staff, make_partner, make_survey
):
    survey = make_survey(staff["admin"], allows_anonymous=False)
    partner, focal, accreditation = make_partner()
    decide(staff["admin"], accreditation)

    with pytest.raises(DomainError, match="with your name") as caught:
        answer(focal, accreditation, typed(survey), True, DAY)
    assert caught.value.field == "anonymous"


def test_only_the_invited_answer(decided, make_user):
    survey, partner, focal, editor, accreditation = decided
    newcomer = make_user("new@ah.example.org", partner=partner, partner_role="editor")

    with pytest.raises(NotInvited):
        answer(newcomer, accreditation, typed(survey), False, DAY)


# --- what staff see -----------------------------------------------------------------


@pytest.fixture
def crowd(decided, make_user):
    """The decided cycle's people answering: `answer_as(named, anonymous)` has
    that many more of them answer (invited people are added as needed); person k
    writes "Named note k" or "Anonymous note k"."""
    survey, partner, focal, editor, accreditation = decided
    people = [focal, editor]
    answered = []

    def someone() -> User:
        if len(answered) >= len(people):
            person = make_user(f"p{len(people)}@ah.example.org", partner=partner)
            db.session.add(
                SurveyInvitation(
                    survey_id=survey.id, accreditation_id=accreditation.id, user_id=person.id
                )
            )
            db.session.commit()
            people.append(person)
        answered.append(people[len(answered)])
        return answered[-1]

    def answer_as(named: int, anonymous: int, rating: str = "4") -> None:
        for n in range(named + anonymous):
            person, hidden = someone(), n >= named
            note = f"{'Anonymous' if hidden else 'Named'} note {len(answered) - 1}"
            answer(person, accreditation, typed(survey, rating, text=note), hidden, DAY)

    return survey, partner, answer_as


def test_fewer_anonymous_answers_than_the_minimum_are_left_out(crowd, app):
    survey, partner, answer_as = crowd
    assert app.config["SURVEY_MIN_ANONYMOUS_ANSWERS"] == 5
    answer_as(named=2, anonymous=4, rating="2")

    shown = results(ResultFilters(family_id=survey.family_id))

    assert (shown.invited, shown.answered, shown.named, shown.anonymous) == (6, 6, 2, 4)
    assert not shown.anonymous_shown and shown.anonymous_withheld == 4
    [version] = shown.versions
    rating, choice, text = version.questions
    assert rating.answers == 2 and rating.average == 2.0
    assert rating.distribution == {1: 0, 2: 2, 3: 0, 4: 0, 5: 0}
    assert choice.choices == [("Documents", 2), ("Review", 0)]
    assert sorted(t.text for t in text.texts) == ["Named note 0", "Named note 1"]
    assert text.anonymous_texts == []


def test_enough_anonymous_answers_count_in_aggregate_and_never_with_a_name(crowd):
    survey, partner, answer_as = crowd
    answer_as(named=1, anonymous=5)

    shown = results(ResultFilters(family_id=survey.family_id))

    assert shown.anonymous_shown and shown.anonymous == 5
    rating, choice, text = shown.versions[0].questions
    assert rating.answers == 6 and rating.distribution[4] == 6
    assert [t.text for t in text.texts] == ["Named note 0"]
    assert text.anonymous_texts == [f"Anonymous note {n}" for n in range(1, 6)]
    # The partner page lists only named answers, and counts the others.
    on_page = of_partner(partner.id)
    assert [r.user.email for r in on_page.responses] == ["focal@ah.example.org"]
    assert (on_page.invited, on_page.answered, on_page.anonymous) == (6, 6, 5)


def test_results_of_a_quarter_a_cycle_and_an_empty_group(crowd):
    survey, partner, answer_as = crowd
    answer_as(named=2, anonymous=0)
    accreditation_id = db.session.scalar(db.select(SurveyInvitation.accreditation_id))

    this = results(ResultFilters(family_id=survey.family_id, period=quarter_of(DAY)))
    other = results(ResultFilters(family_id=survey.family_id, period=quarter_of(date(2025, 1, 1))))
    cycle = results(ResultFilters(family_id=survey.family_id, accreditation_id=accreditation_id))

    assert (this.invited, this.answered) == (2, 2) == (cycle.invited, cycle.answered)
    assert (other.invited, other.answered, other.rate) == (0, 0, None)
    assert other.versions[0].questions[0].answers == 0


def test_results_cost_the_same_queries_for_many_answers(crowd, count_queries):
    survey, partner, answer_as = crowd
    answer_as(named=1, anonymous=0)
    with count_queries() as few:
        results(ResultFilters(family_id=survey.family_id))
    answer_as(named=3, anonymous=6)
    db.session.expire_all()
    with count_queries() as many:
        shown = results(ResultFilters(family_id=survey.family_id))

    assert shown.answered == 10
    # One more only for the anonymous free texts, now that there are enough of them.
    assert many.count == few.count + 1, many.statements


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="two sessions racing: PostgreSQL (SQLite takes one writer at a time)",
)
def test_two_submits_at_once_keep_one_and_the_database_decides(decided, app):
    """Two tabs submit at the same moment: the second has already passed the
    "answered yet?" check when it claims the invitation, and the claim refuses it."""
    survey, partner, focal, editor, accreditation = decided
    first_claimed, second_claiming = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def claiming(statement: str) -> bool:
        return statement.lstrip().upper().startswith("UPDATE SURVEY_INVITATIONS")

    def before(conn, cursor, statement, *args):
        if claiming(statement) and threading.current_thread().name == "second":
            second_claiming.set()

    def after(conn, cursor, statement, *args):
        if claiming(statement) and threading.current_thread().name == "first":
            first_claimed.set()
            # Hold the first transaction open until the second tab has read the
            # invitation (unanswered, as far as it can see) and claims it too.
            second_claiming.wait(10)

    def submit(name: str, anonymous: bool, rating: str) -> None:
        with app.app_context():
            if name == "second":
                first_claimed.wait(10)
            person = db.session.get(User, focal.id)
            cycle = db.session.get(type(accreditation), accreditation.id)
            try:
                answer(person, cycle, typed(survey, rating), anonymous, DAY)
                outcome[name] = "saved"
            except AlreadyAnswered as error:
                outcome[name] = error
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        tabs = [
            threading.Thread(target=submit, name="first", args=("first", False, "5")),
            threading.Thread(target=submit, name="second", args=("second", True, "1")),
        ]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)

    assert second_claiming.is_set(), "the second tab never reached the claim"
    assert outcome["first"] == "saved"
    assert isinstance(outcome["second"], AlreadyAnswered)
    db.session.expire_all()
    [response] = db.session.scalars(db.select(SurveyResponse)).all()
    assert response.user_id == focal.id
    assert {a.rating for a in response.answers} == {5, None}


def test_saving_an_unchanged_survey_makes_no_version(decided, staff):
    survey, partner, focal, editor, accreditation = decided
    answer(focal, accreditation, typed(survey), False, DAY)

    with pytest.raises(DomainError, match="Nothing changed"):
        save_survey(staff["admin"], survey, SurveyDraft.of(survey))

    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Survey.id))) == 1


def test_survey_figures_are_published_for_groups_of_the_minimum_only(crowd, app):
    survey, _, answer_as = crowd
    rating_q, choice_q, text_q = survey.questions[:3]
    answer_as(named=2, anonymous=2, rating="2")  # four answers: under the minimum of five
    assert publish_survey_figures(DAY) == 0
    answer_as(named=0, anonymous=1, rating="5")
    assert publish_survey_figures(DAY) == 2  # the rating and the choice; free text never
    figures = {f.question_id: f for f in db.session.scalars(db.select(SurveyFigure))}
    assert set(figures) == {rating_q.id, choice_q.id}
    rating = figures[rating_q.id]
    assert (rating.period, rating.answers, rating.average) == ("2026-Q2", 5, (4 * 2 + 5) / 5)
    assert figures[choice_q.id].choices == {"Documents": 5}
    assert publish_survey_figures(DAY) == 0  # nothing new: nothing rewritten
