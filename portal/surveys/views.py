"""Defining surveys (administrators): the list of families, one version as a
partner would see it, the editor, and which survey is sent after decisions."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.core.access import may_manage_surveys, require
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import render
from portal.surveys import bp
from portal.surveys.definitions import (
    SurveyDraft,
    activate,
    answered,
    create_survey,
    current_of,
    deactivate,
    families,
    load_survey,
    save_survey,
    versions_of,
)
from portal.surveys.forms import SurveyForm, answer_form, translation_form, typed_translations
from portal.surveys.models import QUESTION_KINDS, Survey
from portal.surveys.translations import (
    LANGUAGES_TO_WRITE,
    options_field,
    prompt_field,
    translate_questions,
)

BLANK_QUESTIONS = 3


def _survey(survey_id: int) -> Survey:
    require(may_manage_surveys(current_user))
    survey = load_survey(survey_id)
    require(survey is not None, hidden=True)
    return survey


@bp.get("/surveys")
@login_required
def index():
    """Every survey family: its current version, its answers, which one is sent."""
    require(may_manage_surveys(current_user))
    return render("surveys/index.html", families=families())


@bp.get("/surveys/<int:survey_id>")
@login_required
def show(survey_id: int):
    """One version as a partner sees it (a preview: it cannot be sent), and its family."""
    survey = _survey(survey_id)
    return render(
        "surveys/show.html",
        survey=survey,
        form=answer_form(survey, meta={"csrf": False}),
        versions=versions_of(survey),
        kinds=QUESTION_KINDS,
        survey_languages=LANGUAGES_TO_WRITE,
    )


def _form_page(form: SurveyForm, survey: Survey | None, status: int = 200):
    return render(
        "surveys/form.html",
        status=status,
        form=form,
        survey=survey,
        makes_version=survey is not None and answered(survey),
    )


def _edit(survey: Survey | None):
    """The editor for a new survey (None) or the current version of one."""
    if request.method == "GET":
        form = SurveyForm.of(SurveyDraft.of(survey)) if survey else SurveyForm()
        for _ in range(BLANK_QUESTIONS if survey is None else 1):
            form.questions.append_entry()
        return _form_page(form, survey)
    form = SurveyForm()
    if request.form.get("action") == "add_question":
        form.questions.append_entry()
        return _form_page(form, survey)
    if not form.validate():
        return _form_page(form, survey, 422)
    try:
        if survey is None:
            saved = create_survey(current_user, form.draft())
            notice = gettext("%(survey)s created.", survey=saved.name)
        else:
            saved = save_survey(current_user, survey, form.draft())
            notice = (
                gettext(
                    "%(survey)s saved as version %(version)s; the answers given so far "
                    "stay with version %(before)s.",
                    survey=saved.name,
                    version=saved.version,
                    before=survey.version,
                )
                if saved.id != survey.id
                else gettext("%(survey)s saved.", survey=saved.name)
            )
    except DomainError as error:
        attach_error(form, error)
        return _form_page(form, survey, 422)
    flash(notice, "success")
    return redirect(url_for(".show", survey_id=saved.id))


@bp.route("/surveys/new", methods=["GET", "POST"])
@login_required
def new():
    """Define a new survey."""
    require(may_manage_surveys(current_user))
    return _edit(None)


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@login_required
def edit(survey_id: int):
    """Edit a survey: in place while unanswered, else as its next version."""
    survey = _survey(survey_id)
    if survey.superseded_at is not None and request.method == "GET":
        flash(
            gettext(
                "Version %(version)s was replaced; this is the current one.",
                version=survey.version,
            ),
            "info",
        )
        return redirect(url_for(".edit", survey_id=current_of(survey.family_id).id))
    return _edit(survey)


@bp.post("/surveys/<int:survey_id>/active")
@login_required
def set_active(survey_id: int):
    """Send this survey after each decided cycle from now on, or stop sending it."""
    survey = _survey(survey_id)
    try:
        if request.form.get("active") == "0":
            deactivate(current_user, survey)
            flash(
                gettext(
                    "%(survey)s is no longer sent; no survey follows decisions now.",
                    survey=survey.name,
                ),
                "success",
            )
        else:
            activate(current_user, survey)
            flash(
                gettext("%(survey)s is now sent after each decided cycle.", survey=survey.name),
                "success",
            )
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for(".show", survey_id=survey.id))


@bp.route("/surveys/<int:survey_id>/translate", methods=["GET", "POST"])
@login_required
def translate(survey_id: int):
    """Write a version's questions (and options) in another language: partners
    reading the portal in it see them so; a blank box shows the English."""
    survey = _survey(survey_id)
    language = request.values.get("language") or next(iter(LANGUAGES_TO_WRITE))
    require(language in LANGUAGES_TO_WRITE, hidden=True)
    form = translation_form(survey, language)
    status = 200
    if form.validate_on_submit():
        try:
            translate_questions(current_user, survey, language, typed_translations(form, survey))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                gettext(
                    "The questions of %(survey)s are saved (%(language)s).",
                    survey=survey.name,
                    language=LANGUAGES_TO_WRITE[language],
                ),
                "success",
            )
            return redirect(url_for(".show", survey_id=survey.id))
    if form.is_submitted():
        status = 422
    return render(
        "surveys/translate.html",
        status=status,
        survey=survey,
        form=form,
        language=language,
        survey_languages=LANGUAGES_TO_WRITE,
        prompt_field=prompt_field,
        options_field=options_field,
    )
