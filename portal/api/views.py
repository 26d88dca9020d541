"""The API's endpoints: one listing per registered resource (added when the
blueprint is registered, so every resource registered by then is served), and
the OpenAPI document. Every request but the document's shows a bearer token
first; a session cookie is never looked at."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from portal.api import bp, paging, tokens
from portal.api import resources as _resources  # noqa: F401  (registers the resources)
from portal.api.errors import ApiError, forbidden
from portal.api.openapi import document
from portal.api.registry import RESOURCES, Resource

API_VERSION = "1.0.0"
AUDITED_REFUSALS = (400, 403)  # a known token's bad query or reach beyond its scopes


def _path() -> str:
    """The request as the audit trail names it (a hostile query string, cut short)."""
    return request.full_path.rstrip("?")[:500]


@bp.before_request
def authenticate():
    """Who asks (401 otherwise) and whether they are within their rate (429)."""
    g.api_token = None
    if request.endpoint == "api.openapi":
        return
    token = tokens.bearer(request.headers.get("Authorization"))
    tokens.within_rate(token)
    g.api_token = token


@bp.errorhandler(ApiError)
def refused(error: ApiError):
    if g.get("api_token") is not None and error.code in AUDITED_REFUSALS:
        tokens.record_refusal(g.api_token, _path(), error.code, error.message)
    return error.get_response()


@bp.after_request
def never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document (open to all: it describes, it holds no data)."""
    cached = current_app.extensions.get("portal.api.openapi")
    if cached is None:
        cached = current_app.extensions["portal.api.openapi"] = document(API_VERSION)
    return jsonify(cached)


def listing(resource: Resource):
    """The view that serves `resource` page by page."""

    def view():
        token = g.api_token
        if not token.may_read(resource.scope):
            granted = ", ".join(token.scopes) or "nothing"
            raise forbidden(f"This token may not read {resource.name}; it may read {granted}.")
        rows, next_cursor = paging.fetch(resource, paging.read(resource, request.args))
        body = {"data": resource.rows(rows), "next_cursor": next_cursor}
        tokens.record_use(token, _path(), len(rows))
        return jsonify(body)

    view.__name__ = view.__qualname__ = resource.endpoint
    view.__doc__ = f"{resource.description} (a page of them)"
    return view


@bp.record
def _serve_every_resource(state) -> None:
    for resource in RESOURCES.values():
        state.add_url_rule(
            f"/{resource.name}", resource.endpoint, listing(resource), methods=["GET"]
        )
