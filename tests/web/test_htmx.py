"""htmx comes from a pinned CDN URL with a Subresource Integrity hash, and that
hash is the one of the very file the tests run with (fetched from the package
registry by `make htmx`): a wrong hash would make browsers refuse htmx."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from portal import create_app
from portal.core.config import HTMX_SRI, HTMX_VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_pages_load_the_pinned_htmx_with_its_integrity_hash(database_url, monkeypatch, tmp_path):
    monkeypatch.delenv("HTMX_URL", raising=False)
    monkeypatch.delenv("HTMX_SRI", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}, tmp_path)
    html = app.test_client().get("/login").get_data(as_text=True)

    script = re.search(r'<script src="([^"]*htmx[^"]*)"([^>]*)>', html)
    assert script, "no htmx script on the login page"
    assert script.group(1).startswith("https://")
    assert f"htmx.org@{HTMX_VERSION}/" in script.group(1)
    assert f'integrity="{HTMX_SRI}"' in script.group(2)
    assert 'crossorigin="anonymous"' in script.group(2)


def test_the_integrity_hash_matches_the_pinned_file():
    local = ROOT / "static" / "vendor" / f"htmx-{HTMX_VERSION}.min.js"
    assert local.is_file(), "run `make htmx` (make test does) to fetch the pinned htmx"
    digest = base64.b64encode(hashlib.sha384(local.read_bytes()).digest()).decode()
    assert f"sha384-{digest}" == HTMX_SRI


def test_a_local_htmx_url_drops_the_cdn_hash(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("HTMX_URL", "/static/vendor/htmx.min.js")
    monkeypatch.delenv("HTMX_SRI", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}, tmp_path)
    html = app.test_client().get("/login").get_data(as_text=True)
    assert '<script src="/static/vendor/htmx.min.js" defer>' in html
