"""Two uploads at the same moment, as a double click or two colleagues make
them: both are answered, and they become clean consecutive versions."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import OrganisationDocument, Submission
from tests.helpers import token_for

ROUNDS = 4  # each round is a fresh race; one lost round is the bug


def at_once(requests: list) -> list[int]:
    """Send the prepared requests from threads released together; their statuses."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        client, path, data = request
        with client.application.app_context():  # the test client's own, as in its thread
            barrier.wait()
            response = client.post(path, data=data)
            response.close()
            response.request.input_stream.close()
            return response.status_code

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


@pytest.fixture
def two_sessions(world, login, make_user):
    """Partner A's focal point, and a colleague of theirs, each signed in."""
    a = world.a
    colleague = make_user("editor@ahi.example.org", partner=a.partner, partner_role="editor")
    clients = [login(a.focal.email), login(colleague.email)]
    return a, [(client, token_for(client)) for client in clients]


def versions_of(side, requirement) -> list[tuple[int, str]]:
    db.session.expire_all()
    return list(
        db.session.execute(
            db.select(Submission.version, Submission.status)
            .filter_by(accreditation_id=side.accreditation.id, requirement_id=requirement.id)
            .order_by(Submission.version)
        )
    )


def test_two_uploads_to_one_requirement_at_once_become_two_consecutive_versions(two_sessions):
    a, sessions = two_sessions
    requirement = a.accreditation.milestones[0].stage.requirements[1]
    path = f"/accreditations/{a.accreditation.id}/requirements/{requirement.id}/submissions"

    for round_ in range(ROUNDS):
        statuses = at_once(
            [
                (
                    client,
                    path,
                    {
                        "csrf_token": token,
                        "file": (io.BytesIO(sample_pdf(f"Round {round_} by {n}")), "audit.pdf"),
                    },
                )
                for n, (client, token) in enumerate(sessions)
            ]
        )

        assert statuses == [302, 302], f"round {round_}"
    versions = versions_of(a, requirement)
    assert [v for v, _ in versions] == list(range(1, 2 * ROUNDS + 1))
    # Only the newest waits for review; every earlier one was replaced by it.
    assert [s for _, s in versions] == ["superseded"] * (2 * ROUNDS - 1) + ["submitted"]


def test_two_vault_uploads_of_one_type_at_once_leave_one_document_in_use(two_sessions):
    a, sessions = two_sessions
    valid_until = date.today() + timedelta(days=400)

    for round_ in range(ROUNDS):
        statuses = at_once(
            [
                (
                    client,
                    "/organisation/documents",
                    {
                        "csrf_token": token,
                        "document_type": "tax_clearance",
                        "valid_until": valid_until.isoformat(),
                        "file": (io.BytesIO(sample_pdf(f"Tax {round_} by {n}")), "tax.pdf"),
                    },
                )
                for n, (client, token) in enumerate(sessions)
            ]
        )

        assert statuses == [302, 302], f"round {round_}"
    db.session.expire_all()
    statuses = db.session.scalars(
        db.select(OrganisationDocument.status)
        .filter_by(partner_id=a.partner.id, document_type="tax_clearance")
        .order_by(OrganisationDocument.id)
    ).all()
    assert statuses == ["replaced"] * (2 * ROUNDS - 1) + ["accepted"]
