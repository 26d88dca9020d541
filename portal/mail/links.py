"""Absolute links for emails and calendar feeds."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email: PORTAL_URL when set, else this request's host."""
    base = current_app.config["PORTAL_URL"]
    if base or not has_request_context():
        with current_app.test_request_context(base_url=base or "http://127.0.0.1:5000"):
            return url_for(endpoint, _external=True, **values)
    return url_for(endpoint, _external=True, **values)
