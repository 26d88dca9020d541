"""A partner's storage allowance (UPLOAD_QUOTA_PER_PARTNER): every version of
its submissions and its vault documents count; an upload that would pass it is
refused next to the file field and nothing of it is kept."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import OrganisationDocument, Submission
from tests.helpers import stored_files, submission_count, token_for

ALLOWANCE = "The organisation&#39;s documents would pass its storage allowance of"


def stored_by(partner_id: int) -> int:
    """What partner A has on disk according to its rows (submissions and vault)."""
    db.session.expire_all()
    submissions = db.session.scalars(db.select(Submission)).all()
    vault = db.session.scalars(db.select(OrganisationDocument).filter_by(partner_id=partner_id))
    return sum(s.size for s in submissions if s.accreditation.partner_id == partner_id) + sum(
        d.size for d in vault
    )


def send(client, path: str, data: bytes, **fields):
    token = token_for(client)
    form = {"csrf_token": token, **fields, "file": (io.BytesIO(data), "annual-report.pdf")}
    response = client.post(path, data=form)
    body = response.get_data(as_text=True)
    response.close()
    response.request.input_stream.close()
    return response, body


def upload_path(side) -> str:
    requirement = side.accreditation.milestones[0].stage.requirements[1]
    return f"/accreditations/{side.accreditation.id}/requirements/{requirement.id}/submissions"


def file_error(page: str, requirement_id: int) -> str | None:
    match = re.search(rf'id="file-{requirement_id}-help" role="alert">([^<]*)<', page)
    return match.group(1) if match else None


@pytest.fixture
def report():
    return sample_pdf("Annual report " + "with many pages " * 40)


def test_an_upload_past_the_allowance_is_refused_next_to_the_file_and_nothing_is_kept(
    app, world, login, report
):
    a = world.a
    used = stored_by(a.partner.id)
    assert used > 0  # A's first submission and its vault certificate
    app.config["UPLOAD_QUOTA_PER_PARTNER"] = used + len(report) - 1
    client = login(a.focal.email)
    rows, files = submission_count(), stored_files()

    response, page = send(client, upload_path(a), report)

    assert response.status_code == 422
    requirement = a.accreditation.milestones[0].stage.requirements[1]
    assert file_error(page, requirement.id).startswith(ALLOWANCE)
    assert "nothing was saved" in file_error(page, requirement.id)
    assert submission_count() == rows
    assert stored_files() == files
    # An allowance of 0 is no limit.
    app.config["UPLOAD_QUOTA_PER_PARTNER"] = 0
    assert send(client, upload_path(a), report)[0].status_code == 302


def test_an_upload_that_just_fits_the_allowance_is_kept(app, world, login, report):
    a = world.a
    app.config["UPLOAD_QUOTA_PER_PARTNER"] = stored_by(a.partner.id) + len(report)
    client = login(a.focal.email)

    response, _ = send(client, upload_path(a), report)

    assert response.status_code == 302
    # Now full: the next byte is one too many, also for the vault.
    response, page = send(
        client,
        "/organisation/documents",
        sample_pdf("Tax"),
        document_type="tax_clearance",
        valid_until=(date.today() + timedelta(200)).isoformat(),
    )
    assert response.status_code == 422
    help_block = re.search(r'id="file-help">(.*?)</div>', page, re.S).group(1)
    assert ALLOWANCE in help_block


def test_each_partner_has_its_own_allowance(app, world, login, report):
    """B's files do not count against A, nor A's against B."""
    a, b = world.a, world.b
    app.config["UPLOAD_QUOTA_PER_PARTNER"] = stored_by(a.partner.id) + len(report)
    assert stored_by(b.partner.id) == stored_by(a.partner.id)

    client_a = login(a.focal.email)
    assert send(client_a, upload_path(a), report)[0].status_code == 302
    assert send(client_a, upload_path(a), report)[0].status_code == 422  # A is full

    assert send(login(b.focal.email), upload_path(b), report)[0].status_code == 302
