"""The Content-Security-Policy header, and the templates it relies on: scripts
only from the portal and the pinned htmx, nothing inline (the browser walk in
tests/e2e/test_content_security.py shows every page runs under it)."""

from __future__ import annotations

import re

from portal import create_app
from portal.core.config import HTMX_CDN_URL
from tests.helpers import ROOT


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_every_page_carries_a_policy_without_inline_script(client):
    policy = directives(client.get("/login").headers["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"  # the tests' htmx is a local copy
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    for directive in ("script-src", "style-src", "default-src"):
        assert "unsafe-inline" not in policy[directive] and "unsafe-eval" not in policy[directive]


def test_the_pinned_cdn_is_the_one_other_script_source(database_url, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}, tmp_path)
    policy = directives(app.config["CONTENT_SECURITY_POLICY"])
    origin = re.match(r"https://[^/]+", HTMX_CDN_URL).group(0)
    assert policy["script-src"] == f"'self' {origin}"


def test_no_template_holds_inline_script_or_handlers():
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        html = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
            found.append(f"{path.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", html):
            found.append(f"{path.name}: inline event handler")
        if "javascript:" in html or re.search(r"hx-(vals|vars)=[\"']js:", html):
            found.append(f"{path.name}: script in an attribute")
    assert not found
