"""Uploading documents and reviewing them."""

from __future__ import annotations

from pathlib import PurePath

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from portal.extensions import db
from portal.models import Accreditation, Requirement, Submission, User, utcnow
from portal.services import DomainError, audit, filetypes
from portal.services.accreditations import advance, partner_emails
from portal.services.mail import external_url, queue_email
from portal.services.storage import TooLarge, storage


class UploadTooLarge(DomainError):
    pass


def latest_submission(accreditation: Accreditation, requirement: Requirement) -> Submission | None:
    return db.session.scalar(
        db.select(Submission)
        .filter_by(accreditation_id=accreditation.id, requirement_id=requirement.id)
        .order_by(Submission.version.desc())
        .limit(1)
    )


def _clean_name(original: str, ext: str) -> str:
    """A safe download name: the sanitised stem with the extension the content has."""
    stem = PurePath(secure_filename(original or "")).stem or "document"
    return f"{stem[:150]}.{ext}"


def submit_document(
    actor: User, accreditation: Accreditation, requirement: Requirement, upload: FileStorage
) -> Submission:
    """Store a new version of a requirement's document and put it up for review."""
    if requirement.stage.template_id != accreditation.template_id:
        raise DomainError("That document is not part of this accreditation.")
    previous = latest_submission(accreditation, requirement)
    if previous is not None and previous.status == "approved":
        raise DomainError("This document is already approved.", field="file")
    if upload is None or not upload.filename:
        raise DomainError("Choose a file to upload.", field="file")

    max_mb = current_app.config["MAX_UPLOAD_MB"]
    store = storage()
    try:
        stored = store.save(upload.stream, max_bytes=max_mb * 1024 * 1024)
    except TooLarge:
        raise UploadTooLarge(f"The file is larger than {max_mb} MB.", field="file") from None
    try:
        if stored.size == 0:
            raise DomainError("The file is empty.", field="file")
        ext = filetypes.detect(stored.path)
        if ext is None:
            raise DomainError(
                f"This file type is not accepted. Upload a {filetypes.ALLOWED_LABEL} file.",
                field="file",
            )
        if previous is not None and previous.status == "submitted":
            previous.status = "superseded"
        submission = Submission(
            accreditation_id=accreditation.id,
            requirement=requirement,
            version=(previous.version + 1) if previous else 1,
            filename=_clean_name(upload.filename, ext),
            storage_key=stored.key,
            content_type=filetypes.ALLOWED[ext],
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=actor.id,
        )
        db.session.add(submission)
        audit.record(
            actor,
            "document_submitted",
            submission,
            partner_id=accreditation.partner_id,
            changes=audit.created(submission, ["version", "filename", "size", "sha256"]),
        )
        db.session.commit()
    except BaseException:
        # Neither a stray file nor a row: undo both.
        db.session.rollback()
        store.delete(stored.key)
        raise
    return submission


def review_submission(
    actor: User, submission: Submission, decision: str, feedback: str
) -> Submission:
    """Approve a submission, or send it back with feedback; advance the milestones."""
    feedback = (feedback or "").strip()
    if decision not in ("approve", "request_changes"):
        raise DomainError("Choose approve or request changes.", field="decision")
    if decision == "request_changes" and not feedback:
        raise DomainError("Tell the partner what to change.", field="feedback")
    status = "approved" if decision == "approve" else "changes_requested"
    # Conditional update: of two reviewers acting at once, exactly one wins.
    won = db.session.execute(
        db.update(Submission)
        .where(Submission.id == submission.id, Submission.status == "submitted")
        .values(
            status=status, reviewer_id=actor.id, reviewed_at=utcnow(), feedback=feedback or None
        )
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise DomainError("This submission has already been reviewed or replaced.")
    db.session.refresh(submission)
    accreditation = submission.accreditation
    audit.record(
        actor,
        "document_reviewed",
        submission,
        partner_id=accreditation.partner_id,
        changes={"status": ("submitted", status), "feedback": (None, feedback or None)},
    )
    if status == "changes_requested":
        partner = accreditation.partner
        queue_email(
            partner_emails(partner.id),
            "changes_requested",
            f"Changes requested: {submission.requirement.name}",
            partner=partner,
            submission=submission,
            link=external_url("accreditation.show", accreditation_id=accreditation.id),
        )
    else:
        advance(actor, accreditation)
    db.session.commit()
    return submission
