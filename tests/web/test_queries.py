"""No N+1: each list page costs the same number of SQL queries with 2 rows as
with 12. Each test prints its counts (`pytest -s` shows them)."""

from __future__ import annotations

import re

import pytest

from portal.accreditation.submissions import review_submission, submit_document
from portal.core import audit
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import OutboxEmail
from tests.helpers import a_reason, file_upload


@pytest.fixture
def measure(count_queries):
    """`measure(client, path)`: (queries, page) for one GET, after a first one
    that warms whatever is cached per process."""

    def run(client, path: str) -> tuple[int, str]:
        assert client.get(path).status_code == 200
        with count_queries() as counter:
            response = client.get(path)
        assert response.status_code == 200, path
        return counter.count, response.get_data(as_text=True)

    return run


def report(path: str, small: int, large: int) -> None:
    print(f"\n{path}: {small} queries with 2 rows, {large} with 12 rows")


def upload(focal, accreditation, requirement, name: str = "document.pdf"):
    return submit_document(focal, accreditation, requirement, file_upload(sample_pdf(name), name))


def requirements(accreditation) -> list:
    return [r for m in accreditation.milestones for r in m.stage.requirements]


def test_the_partner_list(staff, make_partner, login, measure):
    client = login(staff["admin"].email)

    def add_partners(numbers):
        for n in numbers:
            partner, focal, accreditation = make_partner(
                name=f"Partner {n:02d}", acronym=f"P{n:02d}"
            )
            # Some progress, so the percentages have something to count.
            first = requirements(accreditation)[0]
            review_submission(staff["manager"], upload(focal, accreditation, first), "approve", "")

    add_partners(range(1, 3))
    small, page = measure(client, "/partners")
    assert page.count('data-testid="partner-row"') == 2
    add_partners(range(3, 13))
    large, page = measure(client, "/partners")
    assert page.count('data-testid="partner-row"') == 12
    assert "25%" in page

    report("/partners", small, large)
    assert large == small


def test_the_review_queue(staff, make_partner, make_user, login, measure):
    client = login(staff["manager"].email)

    def add_waiting(numbers):
        for n in numbers:
            partner, focal, accreditation = make_partner(
                name=f"Partner {n:02d}", acronym=f"P{n:02d}"
            )
            colleague = make_user(f"colleague@p{n:02d}.example.org", partner=partner)
            upload(focal, accreditation, requirements(accreditation)[0])
            upload(colleague, accreditation, requirements(accreditation)[1])

    add_waiting(range(1, 2))
    small, page = measure(client, "/review")
    assert page.count('data-testid="queue-row"') == 2
    add_waiting(range(2, 7))
    large, page = measure(client, "/review")
    assert page.count('data-testid="queue-row"') == 12

    report("/review", small, large)
    assert large == small


def test_the_email_log(staff, login, measure):
    client = login(staff["manager"].email)

    def add_emails(numbers):
        for n in numbers:
            status = ("pending", "sent", "failed")[n % 3]
            db.session.add(
                OutboxEmail(
                    recipients=f"person{n}@example.org",
                    subject=f"Email {n}",
                    body_text="Text",
                    body_html="<p>HTML</p>",
                    template="invitation",
                    status=status,
                    last_error="ConnectionRefusedError" if status == "failed" else None,
                )
            )
        db.session.commit()

    add_emails(range(1, 3))
    small, page = measure(client, "/emails")
    assert page.count('data-testid="email-row"') == 2
    add_emails(range(3, 13))
    large, page = measure(client, "/emails")
    assert page.count('data-testid="email-row"') == 12

    report("/emails", small, large)
    assert large == small


def test_the_partner_dashboard(staff, make_partner, make_template, login, measure):
    """Versions of documents, reviewed by different people, with feedback."""
    template = make_template(stages=(("Documents", 30, 6), ("Approval", 14, 1)))
    partner, focal, accreditation = make_partner(template=template)
    client = login(focal.email)
    path = f"/accreditations/{accreditation.id}"
    documents = requirements(accreditation)[:6]
    reviewers = [staff["admin"], staff["manager"]]
    latest = {}

    def add_versions(for_documents):
        """A version of each document named; the one it replaces is sent back
        with feedback, by one reviewer or the other."""
        for document in for_documents:
            n = len(latest)
            if (previous := latest.get(document.id)) is not None:
                review_submission(
                    reviewers[n % 2], previous, "request_changes", f"Fix {n}.", a_reason()
                )
            latest[document.id] = upload(focal, accreditation, document, f"version-{n}.pdf")

    add_versions([documents[0]] * 2)
    small, page = measure(client, path)
    assert len(re.findall(r'href="/submissions/\d+/file"', page)) == 2
    add_versions([d for d in documents[1:] for _ in range(2)])
    large, page = measure(client, path)
    assert len(re.findall(r'href="/submissions/\d+/file"', page)) == 12
    assert page.count("“Fix ") == 6  # the feedback on each earlier version

    report(path, small, large)
    assert large == small


def test_the_partner_record(staff, make_partner, make_user, login, measure):
    """History events by different people, and the people of the partner."""
    partner, focal, accreditation = make_partner()
    client = login(staff["admin"].email)
    path = f"/partners/{partner.id}"

    def add_history(numbers):
        for n in numbers:
            actor = make_user(f"person{n}@ah.example.org", partner=partner)
            audit.record(
                actor,
                "contact_updated",
                partner,
                partner_id=partner.id,
                changes={"phone": (f"+1 555 0{n:03d}", f"+1 555 1{n:03d}")},
            )
            db.session.commit()

    add_history(range(1, 2))  # with "accreditation opened": 2 events
    small, page = measure(client, path)
    assert page.count('data-testid="history-event"') == 2
    add_history(range(2, 12))
    large, page = measure(client, path)
    assert page.count('data-testid="history-event"') == 12
    assert "+1 555 0011" in page and "+1 555 1011" in page

    report(path, small, large)
    assert large == small
