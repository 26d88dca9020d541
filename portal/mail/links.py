"""Absolute links for emails and calendar feeds."""

from __future__ import annotations

import re

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email: PORTAL_URL when set, else this request's host."""
    base = current_app.config["PORTAL_URL"]
    if base or not has_request_context():
        with current_app.test_request_context(base_url=base or "http://127.0.0.1:5000"):
            return url_for(endpoint, _external=True, **values)
    return url_for(endpoint, _external=True, **values)


REDACTED = "[one-time link: only the recipient can see it]"


def without_secrets(text: str) -> str:
    """`text` with every one-time set-password link replaced, for staff reading
    the Email log: whoever follows such a link takes over the account."""
    prefix = re.escape(url_for("auth.set_password", token="x").removesuffix("x"))  # noqa: S106
    return re.sub(rf"\S*{prefix}[^\s<>\"']*", REDACTED, text)
