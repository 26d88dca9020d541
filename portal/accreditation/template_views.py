"""Accreditation templates: the list of families, one version, and the form that
edits a template in place or makes its next version."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from portal.accreditation import templates_bp as bp
from portal.accreditation.decisions import current_version
from portal.accreditation.template_forms import TemplateForm, TranslationForm
from portal.accreditation.template_translations import translatable_language, translate_template
from portal.accreditation.templates import (
    TemplateDraft,
    create_template,
    families,
    in_use,
    load_template,
    running_on,
    save_template,
    versions_of,
)
from portal.core.access import admin_required, staff_required
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.i18n import DEFAULT_LANGUAGE
from portal.models import AccreditationTemplate
from portal.partners.models import LANGUAGES

# The languages staff may write a template in besides the default (English).
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def _language_names() -> dict[str, str]:
    """Each of OTHER_LANGUAGES as the sentences on the template page put it:
    "the template in French", "le modèle en français"."""
    names = {"fr": gettext("in French")}
    return {
        code: names.get(code) or gettext("in %(language)s", language=LANGUAGES[code])
        for code in OTHER_LANGUAGES
    }


@bp.get("")
@staff_required
def index():
    """Every template family: its current version, how many versions, who runs on them."""
    return render_template("accreditation/template_list.html", families=families())


@bp.get("/<int:template_id>")
@staff_required
def show(template_id: int):
    """One version with its stages and requirements, and the family's other versions."""
    found = load_template(template_id)
    if found is None:
        abort(404)
    language = request.args.get("language") or next(iter(OTHER_LANGUAGES), None)
    if language is not None and language not in OTHER_LANGUAGES:
        abort(404)
    return _show_page(found, TranslationForm.of(found, language) if language else None)


def _show_page(
    template: AccreditationTemplate, translation_form: TranslationForm | None, status: int = 200
):
    return (
        render_template(
            "accreditation/template_show.html",
            template=template,
            versions=versions_of(template),
            running=running_on(template),
            translation_form=translation_form,
            other_languages=_language_names(),
        ),
        status,
    )


@bp.post("/<int:template_id>/translations")
@admin_required
def translate(template_id: int):
    """Write the stages' and documents' names, descriptions and guidance in another
    language; a blank field reads in English."""
    found = load_template(template_id)
    if found is None:
        abort(404)
    try:
        language = translatable_language(request.form.get("language"))
    except DomainError:
        abort(400)
    form = TranslationForm.of(found, language)
    if not form.validate():
        return _show_page(found, form, 422)
    changed = translate_template(current_user, found, language, form.texts())
    name = _language_names()[language]
    flash(
        gettext("The version %(in_language)s is saved.", in_language=name)
        if changed
        else gettext("Nothing changed in the version %(in_language)s.", in_language=name),
        "success",
    )
    return redirect(url_for(".show", template_id=found.id, language=language) + "#translations")


def _form_page(form: TemplateForm, template: AccreditationTemplate | None, status: int = 200):
    return (
        render_template(
            "accreditation/template_form.html",
            form=form,
            template=template,
            makes_version=template is not None and in_use(template),
        ),
        status,
    )


def _edit(template: AccreditationTemplate | None):
    """The form for a new template (None) or the current version of one."""
    if request.method == "GET":
        if template is None:
            form = TemplateForm()
            form.stages.append_entry({"position": 1, "duration_days": 30})
            form.stages[0].requirements.append_entry()
        else:
            form = TemplateForm.of(TemplateDraft.of(template))
        return _form_page(form, template)
    form = TemplateForm()
    action = request.form.get("action", "save")
    if action == "add_stage":
        form.stages.append_entry({"position": len(form.stages) + 1, "duration_days": 30})
        form.stages[-1].requirements.append_entry()
        return _form_page(form, template)
    if action.startswith("add_requirement-"):
        index = action.removeprefix("add_requirement-")
        if not index.isdigit() or int(index) >= len(form.stages):
            return _form_page(form, template, 422)
        form.stages[int(index)].requirements.append_entry()
        return _form_page(form, template)
    if not form.validate():
        return _form_page(form, template, 422)
    try:
        if template is None:
            saved = create_template(current_user, form.draft())
            notice = gettext("%(template)s created.", template=saved.name)
        else:
            saved = save_template(current_user, template, form.draft())
            notice = (
                gettext(
                    "%(template)s saved as version %(version)s; running accreditations"
                    " keep version %(old_version)s.",
                    template=saved.name,
                    version=saved.version,
                    old_version=template.version,
                )
                if saved.id != template.id
                else gettext("%(template)s saved.", template=saved.name)
            )
    except DomainError as error:
        attach_error(form, error)
        return _form_page(form, template, 422)
    flash(notice, "success")
    return redirect(url_for(".show", template_id=saved.id))


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    """Define a new accreditation template."""
    return _edit(None)


@bp.route("/<int:template_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(template_id: int):
    """Edit a template: in place when nobody runs on it, else as its next version."""
    found = load_template(template_id)
    if found is None:
        abort(404)
    if found.superseded_at is not None:
        newest = current_version(found)
        if request.method == "GET":
            flash(
                gettext(
                    "Version %(version)s was replaced; this is the current one.",
                    version=found.version,
                ),
                "info",
            )
            return redirect(url_for(".edit", template_id=newest.id))
    return _edit(found)
