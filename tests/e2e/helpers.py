"""What the browser tests do again and again: find the browser, log in, run the
mail worker, read mail. What every test shares is in tests/helpers.py."""

from __future__ import annotations

import os
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.demo import sample_pdf
from tests.helpers import PASSWORD, ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium floods the closed network
# with refused connections (see /work/shared/testing-notes.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# pytest-playwright 0.10 defines its `base_url` fixture as a method of a plugin
# object, which pytest 9 deprecates when the fixture runs (once per session, in
# whichever browser test comes first). Not our code: ignore exactly that message.
PYTEST_PLAYWRIGHT_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:Session-scoped fixtures defined as instance methods are deprecated"
    ":pytest.PytestRemovedIn10Warning"
)
SCREENSHOTS = ROOT / "test-results" / "screenshots"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(what: str) -> None:
    """Skip on a developer's machine; in CI the browser tests must run, so fail."""
    if in_ci():
        pytest.fail(f"{what} (CI=true: the browser tests must run, not skip)", pytrace=False)
    pytest.skip(what)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.wait_for_load_state()  # the scripts have run, not only the HTML arrived
    # htmx is the local pinned copy and it loaded: the page is enhanced.
    assert page.evaluate("typeof window.htmx") == "object"


def deliver_mail(app) -> None:
    """Run the outbox worker (`flask outbox deliver`) once; everything must go out."""
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"Sent \d+, failed 0\.\n", result.output), result.output


def text_body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def only_email(inbox, address: str, subject_starts: str) -> EmailMessage:
    """The one message to `address` whose subject starts so."""
    found = [m for m in inbox.to(address) if m["Subject"].startswith(subject_starts)]
    subjects = [m["Subject"] for m in inbox.to(address)]
    assert len(found) == 1, f"{address} got {subjects}, wanted one '{subject_starts}…'"
    return found[0]


def pdf_file(folder: Path, name: str) -> Path:
    """A real one-page PDF on disk, for the file input."""
    path = folder / name
    path.write_bytes(sample_pdf(path.stem.replace("-", " ").capitalize()))
    return path


def field_errors(scope, page: Page, label: str):
    """The errors shown next to the form field labelled `label`, within `scope`."""
    field = scope.locator(".field").filter(has=page.get_by_label(label, exact=True))
    return field.locator(".error")


def requirement_card(page: Page, name: str):
    """The dashboard's card of one required document."""
    heading = page.get_by_role("heading", name=name, exact=True)
    return page.get_by_test_id("requirement").filter(has=heading)


def upload(page: Page, requirement: str, file: Path, version: int) -> None:
    """Choose `file` for `requirement`, press Upload, and see the dashboard say so."""
    card = requirement_card(page, requirement)
    card.locator("input[type=file]").set_input_files(file)
    # Not get_by_role: the file input is labelled "Upload" too (see the report).
    card.locator("button[type=submit]", has_text="Upload").click()
    expect(page.locator("#dashboard .alert-success")).to_have_text(
        f"{requirement}: version {version} uploaded and sent for review."
    )
    expect(card.get_by_test_id("status")).to_have_text("Submitted – awaiting review")


def open_review(page: Page, requirement: str, version: int) -> None:
    """From the review queue, open the submission of `requirement` waiting there."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    row = page.get_by_test_id("queue-row").filter(has_text=requirement)
    expect(row.locator("td").nth(2)).to_have_text(str(version))
    row.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(requirement)
    expect(page.get_by_role("heading", name=f"Version {version}")).to_be_visible()
    page.wait_for_load_state()  # htmx has taken over the form before a button is pressed


def approve(page: Page, requirement: str, version: int) -> None:
    open_review(page, requirement, version)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#alerts")).to_contain_text(f"{requirement} from")
    expect(page.locator("#alerts")).to_contain_text("approved.")
