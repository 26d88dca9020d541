"""Adding a resource is one registration: a Resource registered before the app
is built is served (paged, filtered, scoped, audited), offered as a token scope
and described in the OpenAPI document, here for one computed by a query."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator
from sqlalchemy import func, select

from portal import create_app
from portal.api.registry import RESOURCES, Resource, integer, register, standard_fields, text
from portal.core.extensions import db
from portal.models import Partner, User
from tests.helpers import bearer, htmx_url


def people_per_partner() -> Resource:
    return Resource(
        name="partner-people",
        title="Partner people",
        description="How many logins each partner has.",
        model=None,
        query=lambda: (
            select(
                Partner.id.label("id"),
                Partner.name.label("name"),
                func.count(User.id).label("people"),
                Partner.updated_at.label("updated_at"),
            )
            .outerjoin(User, User.partner_id == Partner.id)
            .group_by(Partner.id, Partner.name, Partner.updated_at)
        ),
        key=Partner.id,
        updated=Partner.updated_at,
        fields=standard_fields(text("name"), integer("people")),
    )


@pytest.fixture
def with_people_resource(app, tmp_path):
    """An app built after one more registration (taken back afterwards)."""
    resource = register(people_per_partner())
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "HTMX_URL": htmx_url(),
            "HTMX_SRI": "",
        },
        instance_path=tmp_path / "other",
    )
    try:
        yield other
    finally:
        del RESOURCES[resource.name]
        with other.app_context():
            db.engine.dispose()


def test_one_registration_serves_documents_and_scopes_a_resource(
    with_people_resource, make_partner, make_token
):
    first, _, _ = make_partner(name="Alpha Health", acronym="AH")
    second, _, _ = make_partner(name="Bravo Relief", acronym="BR")
    secret = make_token(["partner-people"])
    client = with_people_resource.test_client()

    page = client.get("/api/v1/partner-people?limit=1", headers=bearer(secret)).get_json()
    rest = client.get(
        f"/api/v1/partner-people?cursor={page['next_cursor']}", headers=bearer(secret)
    ).get_json()
    assert [r["name"] for r in page["data"] + rest["data"]] == ["Alpha Health", "Bravo Relief"]
    assert page["data"][0]["people"] == 1 and rest["next_cursor"] is None
    assert client.get("/api/v1/partners", headers=bearer(secret)).status_code == 403

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document, cls=OpenAPIV31SpecValidator)
    assert "/partner-people" in document["paths"]
    row = document["components"]["schemas"]["PartnerPeople"]
    assert row["properties"]["people"] == {"type": "integer"}
