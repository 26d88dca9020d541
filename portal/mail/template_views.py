"""Editing the emails: the list, the editor with its live preview and history,
restoring an old version. Which template is named in the query string
(`?key=report&language=fr`): staff read, administrators change."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from portal.core.access import (
    admin_required,
    may_edit_email_templates,
    require,
    staff_required,
)
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import render
from portal.core.i18n import LANGUAGES
from portal.core.inputs import identifier_or_none
from portal.mail import templates_bp as bp
from portal.mail.defaults import DEFAULTS
from portal.mail.email_templates import (
    TemplateRefused,
    current_source,
    history,
    overview,
    restore_template,
    save_template,
)
from portal.mail.forms import EmailTemplateForm
from portal.mail.merge_fields import LIST_ITEM_FIELDS, MERGE_FIELDS, TEMPLATE_KEYS, TEMPLATE_LABELS
from portal.mail.previews import preview_partners, preview_template


@bp.get("")
@staff_required
def index():
    """Every template in every language: the version in use, when, by whom."""
    return render(
        "mail/template_list.html",
        current=overview(),
        keys=TEMPLATE_KEYS,
        labels=TEMPLATE_LABELS,
        language_names=LANGUAGES,
    )


def _chosen() -> tuple[str, str]:
    """The (key, language) the query string names; 404 for anything else."""
    key, language = request.args.get("key", ""), request.args.get("language", "")
    if key not in TEMPLATE_KEYS or language not in LANGUAGES:
        abort(404)
    return key, language


def _partner_id() -> int | None:
    return identifier_or_none(request.values.get("partner_id", ""))


def _old_version(key: str, language: str, versions):
    """The version `?version=` asks to look at: a saved one, "default", or None."""
    wanted = request.args.get("version", "")
    if wanted == "default":
        subject, body = DEFAULTS[key, language]
        return {
            "label": gettext("Built-in default"),
            "version": "default",
            "subject": subject,
            "body": body,
        }
    found = next((v for v in versions if str(v.version) == wanted), None)
    if found is None:
        return None
    return {
        "label": gettext("Version %(version)s", version=found.version),
        "version": found.version,
        "subject": found.subject,
        "body": found.body,
    }


def _editor(key: str, language: str, form: EmailTemplateForm, status: int = 200, problems=()):
    """The editor page (or, for an HTMX request, its preview block)."""
    versions = history(key, language)
    partners = preview_partners(language)
    partner_id = _partner_id()
    if partner_id is None and "partner_id" not in request.values and partners:
        partner_id = partners[0][0]
    preview = preview_template(
        current_user, key, language, form.subject.data or "", form.body.data or "", partner_id
    )
    return render(
        "mail/template_edit.html",
        block="preview",
        status=status,
        key=key,
        language=language,
        labels=TEMPLATE_LABELS,
        language_names=LANGUAGES,
        fields=MERGE_FIELDS[key],
        entry_fields=LIST_ITEM_FIELDS.get(key, {}),
        form=form,
        problems=list(problems),  # why a save was refused (the preview lists its own)
        preview=preview,
        partners=partners,
        partner_id=partner_id,
        versions=versions,
        old=_old_version(key, language, versions),
    )


@bp.get("/edit")
@staff_required
def edit():
    """The template in use, its merge fields, a preview on a partner, its history."""
    if "key" not in request.args:
        return redirect(url_for(".index"))
    key, language = _chosen()
    subject, body = current_source(key, language)
    form = EmailTemplateForm(data={"subject": subject, "body": body})
    return _editor(key, language, form)


@bp.post("/edit")
@admin_required
def save():
    """Save a new version, or (action=preview, as the administrator types) only
    preview it; a template with a problem is refused with its lines."""
    key, language = _chosen()
    form = EmailTemplateForm()
    if request.form.get("action") == "preview":
        return _editor(key, language, form)
    if not form.validate():
        return _editor(key, language, form, 422)
    try:
        saved = save_template(
            current_user, key, language, form.subject.data, form.body.data, form.note.data or ""
        )
    except TemplateRefused as refused:
        return _editor(key, language, form, 422, refused.problems)
    except DomainError as error:
        attach_error(form, error)
        return _editor(key, language, form, 422)
    flash(
        gettext(
            "%(template)s (%(language)s) saved as version %(version)s.",
            template=TEMPLATE_LABELS[key],
            language=LANGUAGES[language],
            version=saved.version,
        ),
        "success",
    )
    return redirect(url_for(".edit", key=key, language=language))


@bp.post("/restore")
@admin_required
def restore():
    """Make an old version (or the built-in default) the one in use, as a new version."""
    key, language = _chosen()
    wanted = request.args.get("version", "")
    if wanted != "default" and not wanted.isdigit():
        abort(404)
    try:
        saved = restore_template(
            current_user, key, language, None if wanted == "default" else int(wanted)
        )
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            gettext(
                "%(note)s: it is now version %(version)s.",
                note=saved.note,
                version=saved.version,
            ),
            "success",
        )
    return redirect(url_for(".edit", key=key, language=language))


@bp.get("/preview")
@staff_required
def preview():
    """A template (the one in use, an old version, or `subject`/`body` given) as
    it reads for one partner; HTMX asks for just the preview."""
    key = request.args.get("key", "report")
    language = request.args.get("language", "en")
    if key not in TEMPLATE_KEYS or language not in LANGUAGES:
        abort(404)
    subject, body = current_source(key, language)
    old = _old_version(key, language, history(key, language)) if "version" in request.args else None
    if old is not None:
        subject, body = old["subject"], old["body"]
    if "subject" in request.args or "body" in request.args:
        require(may_edit_email_templates(current_user))  # running unsaved text is editing
    subject, body = request.args.get("subject", subject), request.args.get("body", body)
    partners = preview_partners(language)
    partner_id = _partner_id()
    if partner_id is None and "partner_id" not in request.args and partners:
        partner_id = partners[0][0]
    return render(
        "mail/template_preview.html",
        block="preview",
        key=key,
        language=language,
        labels=TEMPLATE_LABELS,
        language_names=LANGUAGES,
        preview=preview_template(current_user, key, language, subject, body, partner_id),
        partners=partners,
        partner_id=partner_id,
        old=old,
    )
