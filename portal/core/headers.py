"""What every response tells the browser about handling it safely."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_login import current_user


def register(app: Flask) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config["HTMX_URL"])
    app.after_request(_security_headers)


def content_security_policy(htmx_url: str) -> str:
    """Scripts only from the portal's own files and the pinned htmx (which the page
    loads with its integrity hash): no inline script and no eval anywhere, so a
    stored value that slipped past escaping still could not run. Styles come
    from the portal's stylesheet; `style` attributes stay allowed (a progress
    bar's width, the email previews' inline styling), `<style>` elements do not."""
    parts = urlsplit(htmx_url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc  # or //host
    scripts = f"'self' {origin}" if origin else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _security_headers(response):
    """Browsers must not guess types (a download stays a download), frame the
    portal, or send its URLs (which may hold tokens) to other sites. Where cookies
    are HTTPS-only, the browser is told to use nothing but HTTPS; and what a
    signed-in person sees is never kept by a cache (nor shown again by the back
    button after logging out)."""
    response.headers.setdefault(
        "Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"]
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"  # files too: send_file says no-cache
    return response
