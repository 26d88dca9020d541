"""Uploading documents and reviewing them."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from werkzeug.datastructures import FileStorage

from portal.accreditation.lifecycle import advance
from portal.core import audit
from portal.core.clock import local_day
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.translated import translated
from portal.core.uploads import UploadTooLarge, accepted_file
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Accreditation, Requirement, Submission, User, utcnow
from portal.notifications.bell import notify, partner_users, path_for, staff_users
from portal.review.reasons import reason_for_sending_back

FEEDBACK_NEEDED = lazy_gettext("Tell the partner what to change.")

__all__ = [
    "UploadTooLarge",
    "latest_submission",
    "review_submission",
    "submit_document",
    "withdraw_submission",
]


def formats_label(formats: list[str]) -> str:
    """ "pdf", "docx" -> "PDF or DOCX" (as partners read file types)."""
    names = ["JPEG" if f == "jpg" else f.upper() for f in formats]
    if len(names) == 1:
        return names[0]
    return gettext("%(first)s or %(last)s", first=", ".join(names[:-1]), last=names[-1])


def latest_submission(accreditation: Accreditation, requirement: Requirement) -> Submission | None:
    return db.session.scalar(
        db.select(Submission)
        .filter_by(accreditation_id=accreditation.id, requirement_id=requirement.id)
        .order_by(Submission.version.desc())
        .limit(1)
    )


def submit_document(
    actor: User, accreditation: Accreditation, requirement: Requirement, upload: FileStorage
) -> Submission:
    """Store a new version of a requirement's document and put it up for review."""
    if requirement.stage.template_id != accreditation.template_id:
        raise DomainError(gettext("That document is not part of this accreditation."))
    _refuse_if_approved(latest_submission(accreditation, requirement))  # before storing
    with accepted_file(upload, partner_id=accreditation.partner_id) as accepted:
        # Read again under the partner's upload lock: of two uploads at once the
        # second sees the first's version and numbers its own after it.
        previous = latest_submission(accreditation, requirement)
        _refuse_if_approved(previous)
        # The type read from the content (the name's extension is set from it).
        detected = accepted.filename.rsplit(".", 1)[-1]
        if requirement.formats and detected not in requirement.formats:
            raise DomainError(
                gettext(
                    "%(document)s must be a %(formats)s file; this one is %(format)s.",
                    document=translated(requirement, "name"),
                    formats=formats_label(requirement.formats),
                    format=formats_label([detected]),
                ),
                field="file",
            )
        if previous is not None and previous.status == "submitted":
            previous.status = "superseded"
        submission = Submission(
            accreditation_id=accreditation.id,
            requirement=requirement,
            version=(previous.version + 1) if previous else 1,
            **accepted.columns,
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
        notify(
            staff_users(),
            "new_submission",
            f"{accreditation.partner.name} uploaded {requirement.name} v{submission.version}",
            path_for("review.decide", submission_id=submission.id),
        )
        db.session.commit()
    return submission


def _refuse_if_approved(latest: Submission | None) -> None:
    if latest is not None and latest.status == "approved":
        raise DomainError(gettext("This document is already approved."), field="file")


def review_submission(
    actor: User,
    submission: Submission,
    decision: str,
    feedback: str,
    reason_id: int | None = None,
) -> Submission:
    """Approve a submission (with an optional note), or send it back with a reason
    from the administrators' list and guidance; advance the milestones."""
    feedback = (feedback or "").strip()
    if decision not in ("approve", "request_changes"):
        raise DomainError(gettext("Choose approve or request changes."), field="decision")
    if submission.status != "submitted":
        # Said before what was typed is checked: the second reviewer learns first
        # that someone decided already (the update below still settles a race).
        raise DomainError(_why_not_waiting(submission))
    reason = None
    if decision == "request_changes":
        reason = reason_for_sending_back(reason_id)
        if not feedback:
            raise DomainError(str(FEEDBACK_NEEDED), field="feedback")
    status = "approved" if decision == "approve" else "changes_requested"
    # Conditional update: of two reviewers acting at once, exactly one wins.
    won = db.session.execute(
        db.update(Submission)
        .where(Submission.id == submission.id, Submission.status == "submitted")
        .values(
            status=status,
            reviewer_id=actor.id,
            reviewed_at=utcnow(),
            feedback=feedback or None,
            change_reason_id=reason.id if reason else None,
        )
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise DomainError(_why_not_waiting(submission))
    db.session.refresh(submission)
    accreditation = submission.accreditation
    audit.record(
        actor,
        "document_reviewed",
        submission,
        partner_id=accreditation.partner_id,
        changes={
            "status": ("submitted", status),
            "feedback": (None, feedback or None),
            "reason": (None, reason.label if reason else None),
        },
    )
    partner = accreditation.partner
    link = path_for("accreditation.show", accreditation_id=accreditation.id)
    name = submission.requirement.name
    if status == "changes_requested":
        people = partner_users(partner.id)
        notify(people, "changes_requested", f"Changes requested: {name} ({reason.label})", link)
        queue_email(
            people,
            "changes_requested",
            {
                "partner": partner,
                "submission": submission,
                "reason": reason.label,
                "link": external_url("accreditation.show", accreditation_id=accreditation.id),
            },
            subject=lazy_gettext(
                "Changes requested: %(document)s", document=submission.requirement.name
            ),
            notification="changes_requested",
        )
    else:
        notify(partner_users(partner.id), "document_reviewed", f"Approved: {name}", link)
        advance(actor, accreditation)
    db.session.commit()
    return submission


def _why_not_waiting(submission: Submission) -> str:
    """Why a review lost: who got there first, or what the partner did."""
    db.session.refresh(submission)
    if submission.status == "withdrawn":
        return gettext("This submission was withdrawn by the partner; nothing was changed.")
    if submission.status == "superseded":
        return gettext(
            "A newer version replaced this submission; review that one. Nothing was changed."
        )
    if submission.reviewer and submission.reviewed_at:
        return gettext(
            "Already reviewed by %(name)s on %(day)s; nothing was changed.",
            name=submission.reviewer.name,
            day=day(local_day(submission.reviewed_at)),
        )
    if submission.reviewer:
        return gettext(
            "Already reviewed by %(name)s; nothing was changed.", name=submission.reviewer.name
        )
    return gettext("Already reviewed by someone else; nothing was changed.")


def withdraw_submission(actor: User, submission: Submission) -> Submission:
    """The partner takes back a document still waiting for review."""
    # Conditional, like a review: a withdrawal and a review at once cannot both win.
    won = db.session.execute(
        db.update(Submission)
        .where(Submission.id == submission.id, Submission.status == "submitted")
        .values(status="withdrawn")
    ).rowcount
    if won != 1:
        db.session.rollback()
        db.session.refresh(submission)
        if submission.status == "withdrawn":
            raise DomainError(gettext("This document was already withdrawn."))
        raise DomainError(
            gettext(
                "Only a document still waiting for review can be withdrawn;"
                " this one was replaced by a newer version."
            )
            if submission.status == "superseded"
            else gettext(
                "Only a document still waiting for review can be withdrawn; this one was reviewed."
            )
        )
    db.session.refresh(submission)
    audit.record(
        actor,
        "document_withdrawn",
        submission,
        partner_id=submission.accreditation.partner_id,
        changes={"status": ("submitted", "withdrawn")},
    )
    db.session.commit()
    return submission
