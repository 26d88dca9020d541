"""Accreditation templates: the list of families, one version, and the form that
edits a template in place or makes its next version."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from portal.accreditation import templates_bp as bp
from portal.accreditation.decisions import current_version
from portal.accreditation.template_forms import TemplateForm
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
from portal.models import AccreditationTemplate


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
    return render_template(
        "accreditation/template_show.html",
        template=found,
        versions=versions_of(found),
        running=running_on(found),
    )


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
