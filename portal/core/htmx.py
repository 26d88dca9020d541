"""The one HTMX idiom: a view renders its page, or for an HTMX request one block
of it (`render`), and answers with the named responses below instead of raw
`HX-*` headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request
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


def go_to(target: str, status: int = 204):
    """After a change: the page at `target`, whole. A plain redirect would be
    followed by htmx and swapped into the panel or form that asked."""
    if is_htmx():
        response = make_response("", status)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def push_url(response, url: str):
    """Show `url` (the bookmarkable form of what an HTMX request fetched) in the
    address bar."""
    if is_htmx():
        response.headers["HX-Push-Url"] = url
    return response


def retarget(response, target: str, swap: str = "innerHTML"):
    """Swap this response into `target` instead of where the request meant to."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response


def current_url():
    """The page the HTMX request came from (parts of a URL), or empty parts."""
    return urlsplit(request.headers.get("HX-Current-URL", ""))


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
