"""The OpenAPI 3.1 document of the API, made from the registry: each
resource's path, parameters, row schema and answers, and the errors they
share. Served at /api/v1/openapi.json and checked against the live app by
tests/web/test_api_schema.py (schemathesis)."""

from __future__ import annotations

from portal.api import PREFIX
from portal.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from portal.api.registry import RESOURCES, Resource, object_of

DESCRIPTION = f"""Read-only data for reporting tools (Power BI, Excel's Power Query).

Send a token in the Authorization header: `Bearer <token>`. Administrators make
tokens under API tokens in the portal; each reads the resources it was given.

Each list comes in pages in the order of `id`: pass the `next_cursor` of a page
as `cursor` to get the next, until `next_cursor` is null. `limit` is 1 to
{MAX_LIMIT} rows (default {DEFAULT_LIMIT}). `updated_since` (ISO 8601; without an
offset, UTC) keeps the rows changed at or after that instant: synchronise by
asking with the largest `updated_at` you have, a few minutes earlier, and replace
rows by `id`. Rows are never deleted: withdrawals, closures and merges are states.

Every error is JSON (`Error`); an address under {PREFIX} that is no resource
answers 404, a method other than GET 405."""

ERROR = object_of(
    {
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
    }
)
# A 400 names the query parameter at fault.
ERROR["properties"]["parameter"] = {"type": "string"}

ERRORS = {
    "BadRequest": ("400", "A query parameter is malformed; `parameter` names it.", {}),
    "Unauthorized": (
        "401",
        "No token, a malformed Authorization header, or a token unknown or revoked.",
        {"WWW-Authenticate": "The scheme: Bearer (with error=invalid_token for a refused one)."},
    ),
    "Forbidden": ("403", "The token may not read this resource.", {}),
    "NotFound": ("404", "No resource at this address.", {}),
    "TooManyRequests": (
        "429",
        "The token made more requests than its rate allows.",
        {"Retry-After": "Seconds until another request is allowed."},
    ),
}
# What every list answers besides its page (NotFound belongs to unknown paths).
LIST_ERRORS = ("BadRequest", "Unauthorized", "Forbidden", "TooManyRequests")

PARAMETERS = {
    "cursor": {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "The `next_cursor` of the previous page, as given.",
        "schema": {"type": "string"},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"Rows per page, 1 to {MAX_LIMIT}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    "updated_since": {
        "name": "updated_since",
        "in": "query",
        "required": False,
        "description": "Only rows changed at or after this instant (ISO 8601; "
        "without an offset, UTC).",
        "schema": {"type": "string", "format": "date-time"},
    },
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _error_response(description: str, headers: dict[str, str]) -> dict:
    response = {
        "description": description,
        "content": _json({"$ref": "#/components/schemas/Error"}),
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return response


def _row_schema(resource: Resource) -> dict:
    schema = object_of({f.name: _described(f.schema, f.description) for f in resource.fields})
    schema["description"] = resource.description
    return schema


def _described(schema: dict, description: str) -> dict:
    return {**schema, "description": description} if description else schema


def _page_schema(resource: Resource) -> dict:
    return object_of(
        {
            "data": {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{resource.schema_name}"},
            },
            "next_cursor": {
                "type": ["string", "null"],
                "description": "The `cursor` of the next page; null on the last page.",
            },
        }
    )


def _operation(resource: Resource) -> dict:
    responses = {
        "200": {
            "description": f"A page of {resource.name}.",
            "content": _json({"$ref": f"#/components/schemas/{resource.schema_name}Page"}),
        }
    }
    for name in LIST_ERRORS:
        responses[ERRORS[name][0]] = {"$ref": f"#/components/responses/{name}"}
    # A database that is briefly away (503, with Retry-After) answers in the same shape.
    responses["default"] = _error_response("Another error, e.g. 503 (database away).", {})
    return {
        "get": {
            "operationId": f"list_{resource.endpoint}",
            "summary": f"List {resource.name}",
            "description": resource.description,
            "tags": [resource.name],
            "security": [{"bearer": []}],
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS],
            "responses": responses,
        }
    }


def document(version: str) -> dict:
    """The whole document (JSON-ready)."""
    schemas = {"Error": ERROR}
    for resource in RESOURCES.values():
        schemas[resource.schema_name] = _row_schema(resource)
        schemas[f"{resource.schema_name}Page"] = _page_schema(resource)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Partner Portal API", "version": version, "description": DESCRIPTION},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": {f"/{r.name}": _operation(r) for r in RESOURCES.values()},
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token an administrator made under API tokens.",
                }
            },
            "parameters": PARAMETERS,
            "schemas": schemas,
            "responses": {
                name: _error_response(text, headers) for name, (_, text, headers) in ERRORS.items()
            },
        },
    }
