"""The read-only JSON API for reporting tools (Power BI, Excel's Power Query):
/api/v1/<resource>, bearer tokens that administrators create, scope and
revoke (/api-tokens), and the OpenAPI 3.1 document at /api/v1/openapi.json.

Adding a resource is one registration: in portal/api/resources.py (or an
area's own module, imported before the app is built, as portal/__init__.py
imports this package's), call

    register(Resource(
        name="kpis",                      # the URL /api/v1/kpis and the token scope
        title="KPI value",                # one row, in words (the schema's name)
        description="...",
        model=KpiValue,                   # rows listed by .id, filtered by .updated_at
        fields=standard_fields(           # id first, updated_at last
            integer("partner_id"),
            text("indicator"),
            day("period_start"),
            ...
        ),
        options=(joinedload(KpiValue.partner),),  # what the fields read, in one go
    ))

with the field kinds of portal/api/registry.py (a field read from other tables
can be loaded for the whole page in one statement: `batch=`, as the partners'
coverage is). The endpoint, its paging and
`updated_since`, the token scope (administrators see it as a checkbox), the
audit of each use and the resource's schemas in the OpenAPI document all
follow from that definition; tests/web/test_api_schema.py then checks the new
endpoint against its document with schemathesis. A resource computed by a
query rather than stored as rows gives `query`, `key` and `updated` instead
of `model` (see Resource).
"""

from flask import Blueprint

PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=PREFIX)
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")
