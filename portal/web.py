"""Small helpers every view uses: page-or-fragment rendering, safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The whole page, or for an HTMX request just `block` of it.

    The fragment is the page's own markup, so the two can never drift apart.
    """
    if block and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def safe_next(target: str | None, default: str) -> str:
    """Follow `next` only to a path on this site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
