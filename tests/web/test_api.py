"""The read-only API as a reporting tool meets it: a bearer token or nothing,
its scopes, its revocation, its rate, and every refusal in JSON."""

from __future__ import annotations

import pytest

from portal.core.extensions import db
from portal.models import ApiToken, AuditEvent
from tests.helpers import bearer, make_prospect

RESOURCES = ["partners", "accreditations", "milestones", "checklist-items", "submissions"]


def assert_json_error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == status and body["message"]
    for word in words:
        assert word in body["message"], body["message"]
    return body


def test_a_token_reads_every_resource_it_was_given(client, world, make_token):
    secret = make_token()
    for name in RESOURCES:
        response = client.get(f"/api/v1/{name}", headers=bearer(secret))
        assert response.status_code == 200, name
        assert response.mimetype == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_json()
        assert body["next_cursor"] is None
        assert len(body["data"]) >= 2, name  # both partners' rows


def test_without_a_token_the_answer_is_401_with_the_bearer_challenge(client, world):
    response = client.get("/api/v1/partners")
    assert_json_error(response, 401, "Authorization")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert world.a.partner.name not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "header",
    ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "pp_abc", "Token pp_abc", "Bearer pp_wrong"],
)
def test_a_malformed_or_unknown_token_is_401(client, world, header):
    response = client.get("/api/v1/partners", headers={"Authorization": header})
    assert_json_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_told_so_in_the_challenge(client, world):
    response = client.get("/api/v1/partners", headers=bearer("pp_" + "x" * 43))
    assert_json_error(response, 401, "not known")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_session_cookie_is_not_a_token(world, login):
    """Partner and staff sessions alike: the API reads only the Authorization header."""
    for email in (world.a.focal.email, world.admin.email):
        client = login(email)
        assert client.get("/notifications").status_code == 200  # it works for pages
        response = client.get("/api/v1/partners")
        assert_json_error(response, 401)
        assert world.b.partner.name not in response.get_data(as_text=True)


def test_a_resource_outside_the_tokens_scopes_is_403(client, world, make_token):
    secret = make_token(["partners"])
    assert client.get("/api/v1/partners", headers=bearer(secret)).status_code == 200
    for name in RESOURCES[1:]:
        response = client.get(f"/api/v1/{name}", headers=bearer(secret))
        assert_json_error(response, 403, name, "partners")
        assert "data" not in response.get_json()


def test_revoking_a_token_takes_effect_at_the_next_request(client, world, make_token, login):
    secret = make_token(name="Excel – finance")
    assert client.get("/api/v1/partners", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(db.select(ApiToken).filter_by(name="Excel – finance"))
    admin = login(world.admin.email)
    page = admin.get("/api-tokens").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        admin.post(f"/api-tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    )

    response = client.get("/api/v1/partners", headers=bearer(secret))
    assert_json_error(response, 401, "revoked")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1e3", "limit"),
        ("limit=%D9%A3", "limit"),  # an Arabic-Indic three
        ("limit=99999999999999999999", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-02-30T00:00:00", "updated_since"),
        ("updated_since=0001-01-01T00:00:00%2B05:00", "updated_since"),  # before year 1 in UTC
        ("updated_since=9999-12-31T23:00:00-05:00", "updated_since"),  # past year 9999 in UTC
        ("updated_since=2026-01-01T00:00:00+02:00", "updated_since"),  # + unescaped: a space
    ],
)
def test_a_bad_parameter_is_400_naming_it(client, world, make_token, query, parameter):
    response = client.get(f"/api/v1/partners?{query}", headers=bearer(make_token()))
    body = assert_json_error(response, 400, parameter)
    assert body["parameter"] == parameter


def test_a_cursor_of_another_resource_is_refused(client, world, make_token):
    secret = make_token()
    first = client.get("/api/v1/submissions?limit=1", headers=bearer(secret)).get_json()
    response = client.get(f"/api/v1/partners?cursor={first['next_cursor']}", headers=bearer(secret))
    assert assert_json_error(response, 400)["parameter"] == "cursor"


def test_nul_in_the_query_is_400_in_json(client, world, make_token):
    response = client.get("/api/v1/partners?limit=%00", headers=bearer(make_token()))
    assert_json_error(response, 400, "NUL")


def test_an_unknown_address_under_the_api_is_404_in_json(client, world, make_token):
    for path in ("/api/v1/partner", "/api/v1/partners/1", "/api/v1/", "/api/v2/partners"):
        response = client.get(path, headers=bearer(make_token()))
        assert_json_error(response, 404, "openapi.json")


def test_the_api_only_reads(client, world, make_token):
    response = client.post("/api/v1/partners", headers=bearer(make_token()))
    assert_json_error(response, 405, "GET")
    assert "GET" in response.headers["Allow"]


def test_each_use_is_audited_and_marks_the_token_used(client, world, make_token):
    secret = make_token(["partners"], name="Power BI – M&E")
    token = db.session.scalar(db.select(ApiToken).filter_by(name="Power BI – M&E"))
    assert token.last_used_at is None

    client.get("/api/v1/partners?limit=1", headers=bearer(secret))
    client.get("/api/v1/milestones", headers=bearer(secret))  # outside its scopes

    db.session.expire_all()
    assert token.last_used_at is not None
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(object_type="ApiToken", object_id=token.id)
    ).all()
    assert [e.action for e in events] == ["api_token_created", "api_read", "api_refused"]
    read, refused = events[1], events[2]
    assert read.summary == "Power BI – M&E" and read.actor_id is None
    assert read.reason == "GET /api/v1/partners?limit=1: 1 rows"
    assert refused.reason.startswith("GET /api/v1/milestones: 403")


def test_after_its_rate_a_token_gets_429_with_retry_after(app, client, world, make_token):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    secret, other = make_token(), make_token(name="Another tool")
    statuses = [
        client.get("/api/v1/partners", headers=bearer(secret)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/partners", headers=bearer(secret))
    assert_json_error(response, 429, "3 requests per 60 seconds")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Per token: another token has its own budget.
    assert client.get("/api/v1/partners", headers=bearer(other)).status_code == 200


def test_the_openapi_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert {f"/{name}" for name in RESOURCES} <= set(document["paths"])


def test_a_prospective_partner_is_served_with_a_status_the_document_names(
    client, world, make_token
):
    prospect = make_prospect(world.admin, "Hillside Prospect", "prospect@example.org")
    response = client.get("/api/v1/partners", headers=bearer(make_token(["partners"])))
    [row] = [r for r in response.get_json()["data"] if r["id"] == prospect.id]
    assert row["status"] == "prospective"
    document = client.get("/api/v1/openapi.json").get_json()
    statuses = document["components"]["schemas"]["Partner"]["properties"]["status"]["enum"]
    assert row["status"] in statuses
