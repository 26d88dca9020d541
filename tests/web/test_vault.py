"""The organisation document vault in the browser: the partner's page, the staff
page about one partner, downloads, rejection, and the notes on requirement cards."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import OrganisationDocument, OutboxEmail
from portal.vault.documents import add_document
from portal.vault.models import DOCUMENT_TYPES
from tests.helpers import file_upload, stored_files, token_for

MINE = "/organisation/documents"


def vault_of(side) -> str:
    return f"/partners/{side.partner.id}/vault"


def post(client, path, *, htmx=False, file=("tax.pdf", None), **fields):
    """Send the upload form as a browser would; (response, body)."""
    token = token_for(client)
    data = {"csrf_token": token, **fields}
    if file is not None:
        name, content = file
        data["file"] = (io.BytesIO(sample_pdf(name) if content is None else content), name)
    headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
    response = client.post(path, data=data, headers=headers)
    body = response.get_data(as_text=True)
    response.close()
    response.request.input_stream.close()
    return response, body


def good(**overrides) -> dict:
    return {
        "document_type": "tax_clearance",
        "valid_until": (local_today() + timedelta(200)).isoformat(),
        **overrides,
    }


def row(page: str, document_type: str) -> str:
    match = re.search(
        rf'<tr data-testid="vault-row" data-type="{document_type}".*?</tr>', page, re.S
    )
    assert match, f"no row for {document_type}"
    return match.group(0)


def field_error(page: str, field: str) -> str | None:
    """The error shown under a form field (inside its help block)."""
    help_block = re.search(rf'id="{field}-help">(.*?)</div>', page, re.S)
    match = help_block and re.search(r'<p class="error">([^<]*)</p>', help_block.group(1))
    return match.group(1) if match else None


def documents() -> list[OrganisationDocument]:
    db.session.expire_all()
    return list(
        db.session.scalars(db.select(OrganisationDocument).order_by(OrganisationDocument.id))
    )


# --- the partner's page ---------------------------------------------------


def test_the_partner_sees_one_row_per_document_type(world, login):
    client = login(world.a.focal.email)
    page = client.get(MINE).get_data(as_text=True)
    assert page.count('data-testid="vault-row"') == len(DOCUMENT_TYPES)
    certificate = row(page, "registration_certificate")
    assert "ahi-certificate.pdf" in certificate and "Valid" in certificate
    assert "Not in the vault" in row(page, "tax_clearance")
    assert f"{MINE}?type=tax_clearance#upload" in row(page, "tax_clearance")
    assert "#upload" not in certificate  # valid for more than 60 days: nothing to do
    assert 'aria-current="page">Documents' in page
    assert 'id="vault-form"' in page


def test_a_requirement_card_preselects_the_type(world, login):
    page = login(world.a.focal.email).get(f"{MINE}?type=audited_accounts").get_data(as_text=True)
    assert '<option selected value="audited_accounts">' in page


def test_uploading_a_document_puts_it_in_use(world, login):
    client = login(world.a.focal.email)
    response, _ = post(client, MINE, **good())
    assert response.status_code == 302 and response.location == MINE
    page = client.get(MINE).get_data(as_text=True)
    assert "Tax clearance added to the document vault." in page
    assert "tax.pdf" in row(page, "tax_clearance")
    added = documents()[-1]
    assert (added.partner_id, added.uploaded_by_id) == (world.a.partner.id, world.a.focal.id)


def test_uploading_under_htmx_answers_with_the_vault_only(world, login):
    client = login(world.a.focal.email)
    response, body = post(client, MINE, htmx=True, **good(document_type="audited_accounts"))
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="vault">')
    assert "Audited accounts added" in body and "tax.pdf" in row(body, "audited_accounts")


@pytest.mark.parametrize(
    ("fields", "file", "field", "message"),
    # Fields made in the test (lambda): "yesterday" is the app's, on the day the test runs.
    [
        (
            lambda: good(document_type=""),
            ("tax.pdf", None),
            "document_type",
            "Choose the type of document.",
        ),
        (
            lambda: good(document_type="passport"),
            ("tax.pdf", None),
            "document_type",
            "Not a valid choice.",
        ),
        (
            lambda: good(valid_until=""),
            ("tax.pdf", None),
            "valid_until",
            "Enter the date the document is",
        ),
        (
            lambda: good(valid_until="31/02/2027"),
            ("tax.pdf", None),
            "valid_until",
            "Enter the date as dd/mm/yyyy",
        ),
        (
            lambda: good(valid_until=(local_today() - timedelta(1)).isoformat()),
            ("tax.pdf", None),
            "valid_until",
            "This document expired on",
        ),
        (lambda: good(), None, "file", "Choose a file to upload."),
        (lambda: good(), ("tax.exe", b"MZ\x90\x00\x03"), "file", "This file type is not accepted."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_kept(
    world, login, fields, file, field, message
):
    client = login(world.a.focal.email)
    before = documents()
    files_before = stored_files()
    response, page = post(client, MINE, file=file, **fields())
    assert response.status_code == 422
    assert (field_error(page, field) or "").startswith(message), page
    # The field itself is marked invalid (its attributes in whatever order).
    tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{field}"[^>]*>', page)
    assert tag and 'aria-invalid="true"' in tag.group(0)
    assert documents() == before and stored_files() == files_before


def test_a_viewer_reads_but_does_not_upload(world, login, make_user):
    viewer = make_user("viewer@ahi.example.org", partner=world.a.partner, partner_role="viewer")
    client = login(viewer.email)
    page = client.get(MINE).get_data(as_text=True)
    assert "ahi-certificate.pdf" in page and 'id="vault-form"' not in page
    response, _ = post(client, MINE, **good())
    assert response.status_code == 403
    assert len(documents()) == 2


def test_partner_b_never_sees_or_changes_partner_a_documents(world, login):
    client = login(world.b.focal.email)
    page = client.get(MINE).get_data(as_text=True)
    assert "brn-certificate.pdf" in page and "ahi-certificate.pdf" not in page
    a_document = world.a.vault_document.id
    for path in (f"/vault/{a_document}/file",):
        assert client.get(path).status_code == 404
    assert client.get(vault_of(world.a)).status_code == 403
    before = documents()
    response, _ = post(client, MINE, file=("junk.pdf", None), name="Zulu", decision="approve")
    assert response.status_code == 422
    response, _ = post(client, f"/vault/{a_document}/reject", file=None, reason="Mine now")
    assert response.status_code == 403
    assert documents() == before


def test_staff_use_the_partner_vault_not_their_own(world, login):
    client = login(world.manager.email)
    assert client.get(MINE).status_code == 302
    response, _ = post(client, MINE, **good())
    assert response.status_code == 403


# --- staff -----------------------------------------------------------------


def test_the_manager_reads_a_partner_vault_without_controls(world, login):
    client = login(world.manager.email)
    page = client.get(vault_of(world.a)).get_data(as_text=True)
    assert "ahi-certificate.pdf" in page
    assert 'id="vault-form"' not in page and "Reject…" not in page
    response, _ = post(client, vault_of(world.a), **good())
    assert response.status_code == 403
    assert len(documents()) == 2


def test_an_admin_uploads_on_the_partner_behalf(world, login):
    client = login(world.admin.email)
    response, _ = post(client, vault_of(world.a), **good(document_type="insurance_certificate"))
    assert response.status_code == 302 and response.location == vault_of(world.a)
    added = documents()[-1]
    assert (added.partner_id, added.uploaded_by_id) == (world.a.partner.id, world.admin.id)
    page = client.get(vault_of(world.a)).get_data(as_text=True)
    assert "by Ada Admin" in row(page, "insurance_certificate")


def test_an_admin_rejects_a_document_with_a_reason(world, login):
    client = login(world.admin.email)
    path = f"/vault/{world.a.vault_document.id}/reject"
    response, page = post(client, path, file=None, reason="  ")
    assert response.status_code == 422
    assert "Tell the partner why the document is rejected." in row(page, "registration_certificate")
    assert documents()[0].status == "accepted"
    response, _ = post(client, path, file=None, reason="Expired stamp on page 2.")
    assert response.status_code == 302 and response.location == vault_of(world.a)
    assert documents()[0].status == "rejected"
    email = db.session.scalar(db.select(OutboxEmail).filter_by(template="vault_document_rejected"))
    assert world.a.focal.email in email.recipients
    partner_page = login(world.a.focal.email).get(MINE).get_data(as_text=True)
    certificate = row(partner_page, "registration_certificate")
    assert "Rejected" in certificate and "Expired stamp on page 2." in certificate
    assert login(world.manager.email).post(path).status_code in (400, 403)


# --- downloads ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["focal", "admin", "manager"])
def test_the_file_downloads_as_an_attachment(world, login, pdf_bytes, who):
    email = world.a.focal.email if who == "focal" else getattr(world, who).email
    response = login(email).get(f"/vault/{world.a.vault_document.id}/file")
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and data == pdf_bytes
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "ahi-certificate.pdf" in response.headers["Content-Disposition"]


# --- on other pages ----------------------------------------------------------


def test_requirement_cards_say_what_the_vault_provides(world, login):
    world.a.requirement.document_type = "registration_certificate"
    second = world.a.accreditation.milestones[0].stage.requirements[1]
    second.document_type = "audited_accounts"
    db.session.commit()
    page = login(world.a.focal.email).get("/accreditation").get_data(as_text=True)
    card = re.search(rf'id="requirement-{world.a.requirement.id}".*?</article>', page, re.S)[0]
    assert "Provided by your" in card and "in the document vault, valid until" in card
    assert f"/vault/{world.a.vault_document.id}/file" in card
    card = re.search(rf'id="requirement-{second.id}".*?</article>', page, re.S)[0]
    assert f"{MINE}?type=audited_accounts#upload" in card
    assert "Add it to your document vault once" in card


def test_the_partner_record_lists_the_organisation_documents(world, login):
    soon = add_document(
        world.a.focal,
        world.a.partner,
        "tax_clearance",
        local_today() + timedelta(30),
        file_upload(sample_pdf("Tax"), "tax.pdf"),
    )
    page = login(world.manager.email).get(f"/partners/{world.a.partner.id}").get_data(as_text=True)
    section = re.search(r'id="vault-summary".*?</section>', page, re.S)[0]
    assert section.count('data-testid="vault-document"') == 2
    assert f"/vault/{soon.id}/file" in section and "Expires in 30 days" in section
    assert vault_of(world.a) in section


# --- queries -------------------------------------------------------------------


def fill_vault(partner, focal, types):
    for document_type in types:
        for valid in (100, 300):  # one replaced, one in use
            add_document(
                focal,
                partner,
                document_type,
                local_today() + timedelta(valid),
                file_upload(sample_pdf(document_type), f"{document_type}.pdf"),
            )


def measure(client, path, count_queries) -> tuple[int, str]:
    assert client.get(path).status_code == 200
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["partner", "admin"])
def test_the_vault_page_costs_the_same_with_1_or_5_document_types(
    staff, make_partner, login, count_queries, who
):
    partner, focal, _ = make_partner()
    client = login(focal.email if who == "partner" else staff["admin"].email)
    path = MINE if who == "partner" else f"/partners/{partner.id}/vault"
    types = list(DOCUMENT_TYPES)
    fill_vault(partner, focal, types[:1])
    small, page = measure(client, path, count_queries)
    assert page.count('data-testid="vault-state">Valid') == 1
    fill_vault(partner, focal, types[1:])
    large, page = measure(client, path, count_queries)
    assert page.count('data-testid="vault-state">Valid') == 5
    print(f"\n{path}: {small} queries with 1 document type, {large} with 5")
    assert large == small


def test_the_partner_record_costs_the_same_with_1_or_5_documents(
    staff, make_partner, login, count_queries
):
    partner, focal, _ = make_partner()
    client = login(staff["admin"].email)
    path = f"/partners/{partner.id}"
    types = list(DOCUMENT_TYPES)
    fill_vault(partner, focal, types[:1])
    small, page = measure(client, path, count_queries)
    assert page.count('data-testid="vault-document"') == 1
    fill_vault(partner, focal, types[1:])
    large, page = measure(client, path, count_queries)
    assert page.count('data-testid="vault-document"') == 5
    print(f"\n{path}: {small} queries with 1 vault document, {large} with 5")
    assert large == small


# --- what the vault says a requirement still needs ---------------------------------


def test_the_vault_does_not_call_needed_a_document_already_approved(world, login):
    """A requirement that takes the vault's type but whose own upload was approved
    waits for nothing: its vault row does not say "Needed"."""
    from portal.accreditation.submissions import review_submission

    a = world.a
    a.requirement.document_type = "tax_clearance"  # nothing of that type in the vault
    db.session.commit()
    client = login(a.focal.email)
    tax = row(client.get(MINE).get_data(as_text=True), "tax_clearance")
    assert a.requirement.name in tax and 'data-testid="vault-needed"' in tax

    review_submission(world.admin, a.submission, "approve", "")
    tax = row(client.get(MINE).get_data(as_text=True), "tax_clearance")
    assert a.requirement.name in tax  # still listed as relying on the type...
    assert "Approved" in tax  # ...as approved on its own
    assert 'data-testid="vault-needed"' not in tax and "Needed" not in tax

    staff_page = login(world.manager.email).get(vault_of(a)).get_data(as_text=True)
    assert "Needed" not in row(staff_page, "tax_clearance")


def test_needed_stays_while_another_requirement_of_the_type_is_open(world, login):
    from portal.accreditation.submissions import review_submission

    a = world.a
    second = a.accreditation.milestones[0].stage.requirements[1]
    a.requirement.document_type = second.document_type = "tax_clearance"
    db.session.commit()
    review_submission(world.admin, a.submission, "approve", "")
    tax = row(login(a.focal.email).get(MINE).get_data(as_text=True), "tax_clearance")
    assert 'data-testid="vault-needed"' in tax
    assert "those not yet approved" in tax
    assert tax.count('data-testid="vault-use"') == 2 and tax.count("Approved") == 1


def test_a_withdrawn_submission_reads_withdrawn_not_yet_uploaded(world, login):
    """The card lists the withdrawn file: its badge says so, and the partner is
    asked to upload again."""
    a = world.a
    client = login(a.focal.email)
    client.post(f"/submissions/{a.submission.id}/withdraw", data={"csrf_token": token_for(client)})
    page = client.get("/accreditation").get_data(as_text=True)
    card = re.search(rf'id="requirement-{a.requirement.id}".*?</article>', page, re.S)[0]
    assert a.filename in card  # the file is still listed...
    assert 'data-testid="status">Withdrawn<' in card  # ...under its true status
    assert "Not yet uploaded" not in card
    assert "Upload a new version" in card  # the partner may send it again
    actions = re.search(r'aria-labelledby="actions-h".*?</section>', page, re.S)[0]
    assert f"Upload {a.requirement.name}" in actions
