"""Fixtures for the service-level tests."""

from __future__ import annotations

import pytest

from portal.accreditation.submissions import review_submission, submit_document
from portal.models import Accreditation, Requirement, Submission, User
from tests.helpers import file_upload


@pytest.fixture
def accreditation_for(make_partner):
    """(partner, focal user, accreditation) on the default three-stage template
    (2 + 1 + 1 documents)."""
    return make_partner()


@pytest.fixture
def upload(pdf_bytes):
    """Submit a document as `user`; a PDF unless other bytes are given."""

    def submit(
        user: User,
        accreditation: Accreditation,
        requirement: Requirement,
        data: bytes | None = None,
        filename: str = "document.pdf",
    ) -> Submission:
        return submit_document(
            user,
            accreditation,
            requirement,
            file_upload(pdf_bytes if data is None else data, filename),
        )

    return submit


@pytest.fixture
def approve(upload):
    """Upload each requirement's document and approve it as `reviewer`."""

    def approve_all(
        reviewer: User, uploader: User, accreditation: Accreditation, requirements
    ) -> list[Submission]:
        return [
            review_submission(reviewer, upload(uploader, accreditation, r), "approve", "")
            for r in requirements
        ]

    return approve_all
