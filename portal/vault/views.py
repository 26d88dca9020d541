"""The organisation document vault: the partner's own page, the same page for
staff about one partner, the file download and the administrators' rejection."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.core.access import (
    admin_required,
    may_change_records,
    may_edit_vault,
    may_upload,
    own_partner,
    partner_or_404,
    require,
    staff_required,
    vault_document_or_404,
)
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import is_htmx, render
from portal.core.storage import storage
from portal.core.uploads import UploadTooLarge
from portal.models import OrganisationDocument, Partner
from portal.vault import bp
from portal.vault.documents import add_document, current_documents, reject, vault_rows
from portal.vault.forms import RejectForm, VaultDocumentForm
from portal.vault.models import DOCUMENT_TYPES


@bp.app_template_global()
def vault_summary(partner_id: int) -> list[OrganisationDocument]:
    """For the staff partner page: the newest document of each type, in one
    query however many there are."""
    return current_documents(partner_id)


def _page(partner: Partner, form: VaultDocumentForm, status: int = 200, **extra):
    """The vault page, or its #vault block for HTMX."""
    today = local_today()
    return render(
        "vault/page.html",
        block="vault",
        status=status,
        partner=partner,
        rows=vault_rows(partner.id),
        form=form,
        today=today,
        editable=may_edit_vault(current_user),
        reject_errors=extra.pop("reject_errors", {}),
        **extra,
    )


def _upload_form() -> VaultDocumentForm:
    form = VaultDocumentForm()
    if not form.is_submitted() and request.args.get("type") in DOCUMENT_TYPES:
        form.document_type.data = request.args["type"]  # from a requirement's card
    return form


def _upload(partner: Partner, form: VaultDocumentForm, here: str):
    """Validate and store the upload: the page again with errors (422, 413 when
    too large), or on success back to `here`."""
    if form.validate():
        try:
            document = add_document(
                current_user,
                partner,
                form.document_type.data,
                form.valid_until.data,
                form.file.data,
            )
        except DomainError as error:
            attach_error(form, error)
            return _page(partner, form, 413 if isinstance(error, UploadTooLarge) else 422)
        notice = gettext("%(document)s added to the document vault.", document=document.type_label)
        if is_htmx():
            return _page(partner, VaultDocumentForm(formdata=None), notice=notice)
        flash(notice, "success")
        return redirect(here)
    return _page(partner, form, 422)


@bp.route("/organisation/documents", methods=["GET", "POST"])
@login_required
def mine():
    """The partner's vault: everyone at the partner reads; focal points and editors upload."""
    if current_user.is_staff and request.method == "GET":
        return redirect(url_for("partners.index"))  # staff see a partner's vault from its record
    partner = own_partner(current_user)
    form = _upload_form()
    if form.is_submitted():
        require(may_upload(current_user))
        return _upload(partner, form, url_for(".mine"))
    return _page(partner, form)


@bp.route("/partners/<int:partner_id>/vault", methods=["GET", "POST"])
@staff_required
def partner(partner_id: int):
    """A partner's vault for staff; administrators may upload on the partner's behalf."""
    partner = partner_or_404(current_user, partner_id)
    form = _upload_form()
    if form.is_submitted():
        require(may_change_records(current_user))  # on the partner's behalf
        return _upload(partner, form, url_for(".partner", partner_id=partner.id))
    return _page(partner, form)


@bp.get("/vault/<int:vault_document_id>/file", endpoint="file")
@login_required
def download(vault_document_id: int):
    """A vault document's file, as an attachment, to staff and the partner's own people."""
    document = vault_document_or_404(current_user, vault_document_id)
    path = storage().path(document.storage_key)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename
    )


@bp.post("/vault/<int:vault_document_id>/reject", endpoint="reject")
@admin_required
def reject_document(vault_document_id: int):
    """Reject a document in use, with the reason the partner will read."""
    document = vault_document_or_404(current_user, vault_document_id)
    form = RejectForm()
    try:
        if not form.validate():
            raise DomainError(
                str(form.reason.errors[0]) if form.reason.errors else gettext("Try again.")
            )
        reject(current_user, document, form.reason.data)
    except DomainError as error:
        return _page(
            document.partner,
            VaultDocumentForm(formdata=None),
            422,
            reject_errors={document.id: error.message},
            reason=request.form.get("reason", ""),
        )
    flash(
        gettext(
            "%(document)s rejected; %(partner)s is told why.",
            document=document.type_label,
            partner=document.partner.name,
        ),
        "success",
    )
    return redirect(url_for(".partner", partner_id=document.partner_id))
