"""Uploading a required document from the partner's dashboard, as a browser
does it (a plain form post, or htmx), and downloading it again."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from portal.accreditation.submissions import review_submission
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import Submission
from tests.helpers import (
    JPEG,
    PNG,
    archive_bomb,
    office_document,
    stored_files,
    submission_count,
    token_for,
)

NOT_ACCEPTED = (
    "This file type is not accepted. Upload a PDF, PNG, JPEG, DOCX, XLSX, ODT or ODS file."
)


def second_document(side):
    """The first milestone's second document: nothing has been uploaded for it yet."""
    return side.accreditation.milestones[0].stage.requirements[1]


def upload_url(side, requirement=None) -> str:
    requirement = requirement or side.requirement
    return f"/accreditations/{side.accreditation.id}/requirements/{requirement.id}/submissions"


def post(client, side, file=None, *, requirement=None, htmx=False):
    """Upload `file` ((data, name), or None for no file chosen) as the browser would;
    returns the response (read and closed) and its body."""
    token = token_for(client)
    data = {"csrf_token": token}
    if file is not None:
        data["file"] = (io.BytesIO(file[0]), file[1])
    headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
    response = client.post(upload_url(side, requirement), data=data, headers=headers)
    body = response.get_data(as_text=True)
    response.close()
    # Werkzeug closes the body it spooled to a temporary file only when it
    # follows redirects; a large upload would otherwise leave the file open.
    response.request.input_stream.close()
    return response, body


def download(client, submission_id: int):
    """GET the file; the streamed response is read and closed."""
    response = client.get(f"/submissions/{submission_id}/file")
    data = response.get_data()
    response.close()
    return response, data


def requirement_card(page: str, requirement) -> str:
    """The dashboard's card for one required document."""
    match = re.search(
        rf'<article class="requirement" id="requirement-{requirement.id}".*?</article>', page, re.S
    )
    assert match, f"no card for {requirement.name}"
    return match.group(0)


def status_of(page: str, requirement) -> str:
    card = requirement_card(page, requirement)
    return re.search(r'data-testid="status">([^<]*)<', card).group(1)


def error_of(page: str, requirement) -> str | None:
    """The error shown next to this requirement's upload field, if any."""
    match = re.search(rf'id="file-{requirement.id}-help" role="alert">([^<]*)<', page)
    return match.group(1) if match else None


def latest(side, requirement) -> Submission | None:
    """The newest version of `requirement` in this side's accreditation."""
    return db.session.scalar(
        db.select(Submission)
        .filter_by(accreditation_id=side.accreditation.id, requirement_id=requirement.id)
        .order_by(Submission.version.desc())
        .limit(1)
    )


# --- the two ways to upload ---------------------------------------------------


def test_a_plain_form_post_goes_back_to_the_dashboard_with_a_message(world, login):
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)
    assert status_of(client.get(f"/accreditations/{a.accreditation.id}").text, document) == (
        "Not yet uploaded"
    )

    response, _ = post(client, a, (sample_pdf("Audit"), "audit-2024.pdf"), requirement=document)

    assert response.status_code == 302
    assert response.location == f"/accreditations/{a.accreditation.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert f"{document.name}: version 1 uploaded and sent for review." in page
    assert status_of(page, document) == "Submitted – awaiting review"
    assert "audit-2024.pdf" in requirement_card(page, document)


def test_an_htmx_upload_answers_with_the_dashboard_fragment_showing_the_new_version(world, login):
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)

    response, page = post(
        client, a, (sample_pdf("Audit"), "audit-2024.pdf"), requirement=document, htmx=True
    )

    assert response.status_code == 200
    assert "<html" not in page and "<body" not in page
    assert page.lstrip().startswith('<section id="dashboard"')
    assert "HX-Request" in response.headers["Vary"]
    assert f"{document.name}: version 1 uploaded and sent for review." in page
    card = requirement_card(page, document)
    assert "audit-2024.pdf" in card and "version 1" in card
    assert status_of(page, document) == "Submitted – awaiting review"


# --- what is accepted, what is refused -----------------------------------------

ACCEPTED = [
    ("pdf", sample_pdf("Registration"), "registration.pdf", "application/pdf"),
    ("png", PNG, "scan.png", "image/png"),
    ("jpeg", JPEG, "photo.jpeg", "image/jpeg"),
    (
        "docx",
        office_document("docx"),
        "policy.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        office_document("xlsx"),
        "budget.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("odt", office_document("odt"), "policy.odt", "application/vnd.oasis.opendocument.text"),
    (
        "ods",
        office_document("ods"),
        "budget.ods",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
]


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_each_accepted_type_is_stored_and_comes_back_as_it_was(
    world, login, data, filename, content_type
):
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)

    response, _ = post(client, a, (data, filename), requirement=document)

    assert response.status_code == 302
    submission = latest(a, document)
    assert submission is not None and submission.content_type == content_type
    response, body = download(client, submission.id)
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert body == data


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not an office document")
    return buffer.getvalue()


REFUSED = {
    "text-named-pdf": (b"Just some notes, typed in a text editor.\n" * 20, "notes.pdf"),
    "html": (b"<!doctype html><html><body><script>alert(1)</script></body></html>", "page.html"),
    "exe": (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200, "a.exe"),
    "zip-named-docx": (_zip_of_text(), "archive.docx"),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_file_of_another_type_is_refused_next_to_its_document(world, login, kind, htmx):
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)
    rows, files = submission_count(), stored_files()

    response, page = post(client, a, REFUSED[kind], requirement=document, htmx=htmx)

    assert response.status_code == 422
    assert ("<html" in page) is not htmx
    assert error_of(page, document) == NOT_ACCEPTED
    assert 'aria-invalid="true"' in requirement_card(page, document)
    assert error_of(page, a.requirement) is None, "only the document concerned shows the error"
    assert status_of(page, document) == "Not yet uploaded"
    assert submission_count() == rows
    assert stored_files() == files


@pytest.mark.parametrize("kind", ["odt", "docx"])
def test_an_archive_bomb_is_refused_without_unpacking_it(world, login, kind):
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)
    rows, files = submission_count(), stored_files()

    bomb = archive_bomb(kind)
    assert len(bomb) < 200_000  # 64 MB inside
    response, page = post(client, a, (bomb, f"policy.{kind}"), requirement=document)

    assert response.status_code == 422
    assert "unpacks to far more than its size" in error_of(page, document)
    assert submission_count() == rows
    assert stored_files() == files


@pytest.mark.parametrize(
    "file",
    [None, (b"", "")],
    ids=["no-file-field", "empty-file-field"],
)
def test_posting_without_choosing_a_file_says_so(world, login, file):
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)
    rows, files = submission_count(), stored_files()

    response, page = post(client, a, file, requirement=document)

    assert response.status_code == 422
    assert error_of(page, document) == "Choose a file to upload."
    assert submission_count() == rows
    assert stored_files() == files


def test_a_file_over_the_limit_is_refused_with_the_limit_and_nothing_is_kept(app, world, login):
    """Plain form, no JavaScript: a full page says, next to the document, how
    large a file may be. (The htmx variant and bodies past MAX_CONTENT_LENGTH
    are in test_errors.)"""
    app.config["MAX_UPLOAD_MB"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 1 * 1024 * 1024 + 64 * 1024
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)
    rows, files = submission_count(), stored_files()
    pdf = sample_pdf("Scanned annual report")
    too_big = pdf + b"%" * (1024 * 1024 + 1 - len(pdf))

    response, page = post(client, a, (too_big, "scan.pdf"), requirement=document)

    assert response.status_code == 413
    assert "<html" in page
    assert error_of(page, document) == "The file is larger than 1 MB."
    assert status_of(page, document) == "Not yet uploaded"
    assert submission_count() == rows
    assert stored_files() == files


# --- names, downloads, versions --------------------------------------------------


@pytest.mark.parametrize(
    ("original", "shown"),
    [
        ("../../etc/passwd.pdf", "etc_passwd.pdf"),
        ("Rapport financier été 2024.pdf", "Rapport_financier_ete_2024.pdf"),
        ("évaluation finale.pdf", "evaluation_finale.pdf"),
    ],
)
def test_the_uploaded_name_is_sanitised_on_the_page_and_in_the_download(
    world, login, original, shown
):
    a = world.a
    document = second_document(a)
    client = login(a.focal.email)

    post(client, a, (sample_pdf("Report"), original), requirement=document)

    page = client.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    card = requirement_card(page, document)
    assert f">{shown}</a>" in card
    assert original not in card
    submission = latest(a, document)
    response, _ = download(client, submission.id)
    assert response.headers["Content-Disposition"] == f"attachment; filename={shown}"
    # On disk the file has a name of the portal's own, not the partner's.
    assert all(re.fullmatch(r"[0-9a-f]{32}", p.name) for p in stored_files())


def test_a_download_is_an_attachment_with_the_uploaded_bytes(world, login, pdf_bytes):
    a = world.a
    client = login(a.focal.email)

    response, data = download(client, a.submission.id)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename={a.filename}"
    assert response.mimetype == "application/pdf"
    assert data == pdf_bytes


def test_a_download_tells_the_browser_not_to_guess_its_type(world, login):
    client = login(world.a.focal.email)

    response, _ = download(client, world.a.submission.id)

    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_a_second_upload_is_version_2_and_version_1_can_still_be_downloaded(
    world, login, pdf_bytes
):
    a = world.a
    client = login(a.focal.email)
    revised = sample_pdf("Registration certificate, revised")

    response, page = post(client, a, (revised, "certificate-revised.pdf"), htmx=True)

    assert response.status_code == 200
    assert f"{a.requirement.name}: version 2 uploaded and sent for review." in page
    card = requirement_card(page, a.requirement)
    assert "certificate-revised.pdf" in card and "version 2" in card
    assert "Earlier versions (1)" in card
    first = a.submission
    assert f'href="/submissions/{first.id}/file">Version 1: {a.filename}</a>' in card
    assert "Replaced by a newer version" in card

    response, data = download(client, first.id)
    assert response.status_code == 200 and data == pdf_bytes
    response, data = download(client, latest(a, a.requirement).id)
    assert response.status_code == 200 and data == revised


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_staff_cannot_upload_for_a_partner(world, login, who):
    client = login(getattr(world, who).email)
    rows, files = submission_count(), stored_files()

    response, _ = post(client, world.a, (sample_pdf("Staff upload"), "staff.pdf"))

    assert response.status_code == 403
    assert submission_count() == rows
    assert stored_files() == files


@pytest.fixture
def approved(world):
    """Partner A's first document, approved."""
    review_submission(world.manager, world.a.submission, "approve", "")
    return world.a


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_an_approved_document_takes_no_new_version(approved, login, htmx):
    a = approved
    client = login(a.focal.email)
    page = client.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert 'type="file"' not in requirement_card(page, a.requirement), "no form to upload"
    rows, files = submission_count(), stored_files()

    # A page left open from before the approval still has the form.
    response, page = post(client, a, (sample_pdf("Late"), "late.pdf"), htmx=htmx)

    assert response.status_code == 422
    assert status_of(page, a.requirement) == "Approved"
    assert submission_count() == rows
    assert stored_files() == files


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_refused_upload_of_an_approved_document_says_why(approved, login, htmx):
    client = login(approved.focal.email)

    response, page = post(client, approved, (sample_pdf("Late"), "late.pdf"), htmx=htmx)

    assert response.status_code == 422
    assert "This document is already approved." in page
