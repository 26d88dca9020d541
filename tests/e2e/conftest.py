"""Browser fixtures: Debian's Chromium driven by Playwright, against the app
served for real by werkzeug on 127.0.0.1 (the `app` fixture's database)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.helpers import ROOT

from .helpers import CHROMIUM, CHROMIUM_ARGS, missing

# An expectation waits for its condition, as long as a busy machine needs (the
# default 5 s failed a live preview while both databases' suites ran at once);
# a passing test waits no longer than the page takes.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at the Debian Chromium."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium`")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": browser_type_launch_args.get("headless", True),  # --headed still works
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on a real port; returns its base URL, which email links point at."""
    htmx = ROOT / app.config["HTMX_URL"].lstrip("/")
    if not htmx.is_file():
        missing(
            f"htmx is not at {htmx}: run `make htmx` and set "
            "HTMX_LOCAL=static/vendor/htmx-<version>.min.js"
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def new_page(live_server, new_context) -> Iterator[Callable[[], Page]]:
    """A page in a fresh browser context (its own cookies: one person each).

    `live_server` comes first so that the contexts close before the server stops.
    Any uncaught JavaScript error on any page fails the test, and so does anything
    the Content-Security-Policy blocks (Chromium reports it on the console): every
    browser test is also a test that the portal runs without inline script or eval.
    """
    errors: list[str] = []

    def make() -> Page:
        page = new_context(base_url=live_server).new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield make
    assert not errors, f"JavaScript errors in the browser: {errors}"
