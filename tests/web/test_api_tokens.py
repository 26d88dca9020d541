"""Administrators' API token pages: making a token (its secret shown once and
never stored), the list, revoking; and that nobody else reaches them."""

from __future__ import annotations

import hashlib
import re

from portal.core.extensions import db
from portal.models import ApiToken, AuditEvent
from tests.helpers import bearer, snapshot, token_for


def field_errors(html: str, name: str) -> list[str]:
    """The error messages shown next to the field `name`."""
    match = re.search(
        rf'<(?:div|fieldset) class="field has-error"[^>]*>(?:(?!</fieldset>|<div class="field).)*?'
        rf'(?:name="{name}"|id="{name}")(.*?)(?:</fieldset>|</div>\s*</div>)',
        html,
        re.S,
    )
    return re.findall(r'<p class="error">([^<]*)</p>', match[1]) if match else []


def make(client, **form):
    return client.post("/api-tokens/new", data={"csrf_token": token_for(client), **form})


def test_administrators_find_api_tokens_in_the_menu(world, login):
    admin = login(world.admin.email).get("/partners").get_data(as_text=True)
    manager = login(world.manager.email).get("/partners").get_data(as_text=True)
    assert 'href="/api-tokens"' in admin
    assert 'href="/api-tokens"' not in manager


def test_only_administrators_reach_the_pages(world, login):
    for email in (world.manager.email, world.a.focal.email):
        client = login(email)
        for path in ("/api-tokens", "/api-tokens/new"):
            assert client.get(path).status_code == 403, (email, path)
        before = snapshot()
        assert make(client, name="Sneaky", scopes="partners").status_code == 403
        assert snapshot() == before


def test_the_form_offers_every_resource_as_a_scope(world, login):
    html = login(world.admin.email).get("/api-tokens/new").get_data(as_text=True)
    for scope in ("partners", "accreditations", "milestones", "checklist-items", "submissions"):
        assert f'name="scopes" type="checkbox" value="{scope}"' in html


def test_a_token_without_name_or_scopes_is_refused_next_to_the_fields(world, login):
    client = login(world.admin.email)
    response = make(client, name="  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any("Name the token" in e for e in field_errors(html, "name"))

    response = make(client, name="Power BI")
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), "scopes")
    assert errors == ["Choose at least one resource the token may read."]

    response = make(client, name="Power BI", scopes=["partners", "payroll"])
    assert field_errors(response.get_data(as_text=True), "scopes") == [
        "Choose among the listed resources."
    ]
    assert make(client, name="x" * 101, scopes="partners").status_code == 422
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 1  # the world's own


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(client, world, login):
    admin = login(world.admin.email)
    response = make(admin, name="Power BI – M&E", scopes=["partners", "submissions"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "the only time it is shown" in html
    secret = re.search(r'value="(pp_[A-Za-z0-9_-]{43})"', html)[1]

    token = db.session.scalar(db.select(ApiToken).filter_by(name="Power BI – M&E"))
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:11] and token.scopes == ["partners", "submissions"]
    for table, rows in snapshot().items():
        assert secret not in repr(rows), f"the secret is stored in {table}"
    assert "Cache-Control" in response.headers and "no-store" in response.headers["Cache-Control"]
    assert secret not in response.headers.get("Set-Cookie", "")

    listing = admin.get("/api-tokens").get_data(as_text=True)
    assert "Power BI – M&amp;E" in listing and f"{token.prefix}…" in listing
    assert secret not in listing
    # It works, for what it was given.
    assert client.get("/api/v1/submissions", headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/milestones", headers=bearer(secret)).status_code == 403

    created = db.session.scalar(
        db.select(AuditEvent).filter_by(action="api_token_created", object_id=token.id)
    )
    assert created.actor_id == world.admin.id
    assert created.changes["scopes"] == [None, "partners, submissions"]
    assert secret not in repr(created.changes)


def test_revoking_is_audited_and_shown(world, login):
    admin = login(world.admin.email)
    token = db.session.scalar(db.select(ApiToken))
    response = admin.post(f"/api-tokens/{token.id}/revoke", data={"csrf_token": token_for(admin)})
    assert response.status_code == 302
    page = admin.get("/api-tokens").get_data(as_text=True)
    assert "is revoked" in page and "Revoked" in page

    db.session.expire_all()
    assert token.revoked_at is not None and token.revoked_by_id == world.admin.id
    revoked = db.session.scalar(db.select(AuditEvent).filter_by(action="api_token_revoked"))
    assert revoked.actor_id == world.admin.id and revoked.object_id == token.id

    before = snapshot()
    again = admin.post(f"/api-tokens/{token.id}/revoke", data={"csrf_token": token_for(admin)})
    assert again.status_code == 302
    assert "revoked already" in admin.get("/api-tokens").get_data(as_text=True)
    assert snapshot() == before


def test_an_unknown_token_cannot_be_revoked(world, login):
    admin = login(world.admin.email)
    response = admin.post("/api-tokens/999999/revoke", data={"csrf_token": token_for(admin)})
    assert response.status_code == 404
