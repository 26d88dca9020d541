"""Absolute links for emails and calendar feeds."""

from __future__ import annotations

import re

from flask import current_app, has_request_context, url_for

# Where `make run` serves: the only base a development or test setup without
# PORTAL_URL links to. A deployed portal refuses to start without PORTAL_URL.
DEVELOPMENT_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, from configuration only: PORTAL_URL, else
    the request's host when TRUSTED_HOSTS vouches for it, else the development
    server. Never the Host header of an unchecked request."""
    config = current_app.config
    if not config["PORTAL_URL"] and config.get("TRUSTED_HOSTS") and has_request_context():
        return url_for(endpoint, _external=True, **values)  # Flask refused other hosts
    with current_app.test_request_context(base_url=config["PORTAL_URL"] or DEVELOPMENT_URL):
        return url_for(endpoint, _external=True, **values)


REDACTED = "[one-time link: only the recipient can see it]"


def without_secrets(text: str) -> str:
    """`text` with every one-time set-password link replaced, for staff reading
    the Email log: whoever follows such a link takes over the account."""
    prefix = re.escape(url_for("auth.set_password", token="x").removesuffix("x"))  # noqa: S106
    return re.sub(rf"\S*{prefix}[^\s<>\"']*", REDACTED, text)
