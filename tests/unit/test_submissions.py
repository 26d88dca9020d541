"""Uploading accreditation documents: what is kept, what is refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import current_app

from portal.accreditation.submissions import UploadTooLarge, review_submission, submit_document
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Submission
from tests.helpers import (
    JPEG,
    PNG,
    a_reason,
    file_upload,
    office_document,
    requirements_of,
    stored_files,
    submission_count,
)


@pytest.fixture
def setting(accreditation_for):
    partner, focal, accreditation = accreditation_for
    return focal, accreditation, requirements_of(accreditation)[0]


def _refused(setting, data: bytes, filename: str, error=DomainError):
    """Submit and expect a refusal that leaves neither a file nor a row behind."""
    focal, accreditation, requirement = setting
    files, rows = stored_files(), submission_count()
    with pytest.raises(error) as refused:
        submit_document(focal, accreditation, requirement, file_upload(data, filename))
    assert stored_files() == files
    assert submission_count() == rows
    return refused.value


def test_a_pdf_is_stored_with_its_size_and_sha256(setting, pdf_bytes):
    focal, accreditation, requirement = setting

    submission = submit_document(
        focal, accreditation, requirement, file_upload(pdf_bytes, "Annual report.pdf")
    )

    assert submission.version == 1
    assert submission.status == "submitted"
    assert submission.content_type == "application/pdf"
    assert submission.filename == "Annual_report.pdf"
    assert submission.size == len(pdf_bytes)
    assert submission.sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    [stored] = stored_files()
    assert stored.is_relative_to(Path(current_app.config["UPLOAD_DIR"]))
    assert stored.read_bytes() == pdf_bytes


def test_a_pdf_named_docx_is_accepted_as_the_pdf_it_is(setting, pdf_bytes):
    focal, accreditation, requirement = setting

    submission = submit_document(
        focal, accreditation, requirement, file_upload(pdf_bytes, "x.docx")
    )

    assert submission.content_type == "application/pdf"
    assert submission.filename == "x.pdf"


def test_a_text_file_named_pdf_is_refused(setting):
    error = _refused(setting, b"Just some plain text, not a PDF.\n" * 20, "x.pdf")

    assert error.field == "file"
    assert "not accepted" in error.message


def test_a_zip_archive_that_is_no_office_document_is_refused(setting):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")

    _refused(setting, buffer.getvalue(), "report.docx")


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("odt", "application/vnd.oasis.opendocument.text"),
        ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
def test_office_documents_are_accepted_by_their_content(setting, kind, content_type):
    focal, accreditation, requirement = setting

    # Named .bin so only the package's content can tell what it is.
    submission = submit_document(
        focal, accreditation, requirement, file_upload(office_document(kind), "budget.bin")
    )

    assert submission.content_type == content_type
    assert submission.filename == f"budget.{kind}"


@pytest.mark.parametrize(
    ("data", "content_type", "ext"), [(PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg")]
)
def test_images_are_accepted(setting, data, content_type, ext):
    focal, accreditation, requirement = setting

    submission = submit_document(focal, accreditation, requirement, file_upload(data, "scan"))

    assert submission.content_type == content_type
    assert submission.filename == f"scan.{ext}"


def test_an_empty_file_is_refused(setting):
    error = _refused(setting, b"", "empty.pdf")

    assert error.message == "The file is empty."


def test_a_file_over_the_size_limit_is_refused(setting):
    current_app.config["MAX_UPLOAD_MB"] = 1
    too_big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)

    error = _refused(setting, too_big, "huge.pdf", error=UploadTooLarge)

    assert "1 MB" in error.message


def test_a_file_of_exactly_the_size_limit_is_accepted(setting):
    focal, accreditation, requirement = setting
    current_app.config["MAX_UPLOAD_MB"] = 1
    limit = b"%PDF-1.4\n".ljust(1024 * 1024, b"0")

    submission = submit_document(focal, accreditation, requirement, file_upload(limit, "a.pdf"))

    assert submission.size == 1024 * 1024


def test_a_choice_without_a_file_is_refused(setting):
    _refused(setting, b"", "")


@pytest.mark.parametrize(
    ("original", "kept"),
    [
        ("../../etc/passwd.pdf", "etc_passwd.pdf"),
        ("..\\..\\windows\\evil.pdf", "windowsevil.pdf"),
        ("/tmp/.hidden.pdf", "tmp_.hidden.pdf"),
        ("Rapport financier été.pdf", "Rapport_financier_ete.pdf"),
        ("../..", "document.pdf"),
    ],
)
def test_the_uploaded_name_is_sanitised(setting, pdf_bytes, tmp_path, original, kept):
    focal, accreditation, requirement = setting

    submission = submit_document(
        focal, accreditation, requirement, file_upload(pdf_bytes, original)
    )

    assert submission.filename == kept
    # The file itself lands under UPLOAD_DIR whatever the name said.
    [stored] = stored_files()
    assert stored.resolve().is_relative_to(Path(current_app.config["UPLOAD_DIR"]).resolve())


def test_a_second_upload_is_version_2_and_version_1_is_kept(setting, pdf_bytes):
    focal, accreditation, requirement = setting
    first = submit_document(focal, accreditation, requirement, file_upload(pdf_bytes, "v1.pdf"))
    second_bytes = pdf_bytes.replace(b"Test document", b"Test document, revised")

    second = submit_document(focal, accreditation, requirement, file_upload(second_bytes, "v2.pdf"))

    assert second.version == 2
    assert second.sha256 == hashlib.sha256(second_bytes).hexdigest()
    db.session.expire_all()
    versions = db.session.scalars(
        db.select(Submission).filter_by(requirement_id=requirement.id).order_by(Submission.version)
    ).all()
    assert [(s.version, s.status) for s in versions] == [(1, "superseded"), (2, "submitted")]
    assert sorted(p.read_bytes() for p in stored_files()) == sorted([pdf_bytes, second_bytes])
    assert first.storage_key != second.storage_key


def test_a_new_version_after_changes_were_requested_keeps_the_feedback(setting, staff, pdf_bytes):
    focal, accreditation, requirement = setting
    first = submit_document(focal, accreditation, requirement, file_upload(pdf_bytes, "v1.pdf"))
    review_submission(staff["manager"], first, "request_changes", "Sign page 2.", a_reason())

    second = submit_document(focal, accreditation, requirement, file_upload(pdf_bytes, "v2.pdf"))

    assert second.version == 2
    db.session.refresh(first)
    assert (first.status, first.feedback) == ("changes_requested", "Sign page 2.")


def test_no_upload_is_accepted_once_the_document_is_approved(setting, staff, pdf_bytes):
    focal, accreditation, requirement = setting
    first = submit_document(focal, accreditation, requirement, file_upload(pdf_bytes, "v1.pdf"))
    review_submission(staff["manager"], first, "approve", "")

    error = _refused(setting, pdf_bytes, "v2.pdf")

    assert "already approved" in error.message


def test_a_document_of_another_template_is_refused(setting, make_template, pdf_bytes):
    other = make_template(stages=(("Other stage", 10, 1),))

    _refused((setting[0], setting[1], other.stages[0].requirements[0]), pdf_bytes, "a.pdf")
