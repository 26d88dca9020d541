"""`flask db upgrade` from an empty database builds exactly the schema the models
describe, on SQLite and on PostgreSQL, so a deployment never runs on a schema
the code does not expect."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text

from portal import create_app
from portal.core.extensions import db, for_dialect
from portal.models import Accreditation, ChecklistItem, Milestone, Partner, Submission

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.fixture
def empty_database(database_url, tmp_path):
    """The URL of a brand-new, empty database of the kind this run tests on.

    On PostgreSQL a throwaway database of its own, so that the shared test
    schema (and anyone else's run) is never touched."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"portal_migrations_test_{uuid.uuid4().hex[:12]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


@pytest.fixture
def migrated_app(empty_database, keep_logging, tmp_path):
    """An app on the empty database, upgraded to the newest migration."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True},
        instance_path=tmp_path / "instance",
    )
    with app.app_context():
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS))
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def test_upgrade_from_empty_yields_exactly_the_models(migrated_app):
    with db.engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(
                conn,
                opts={"compare_type": True, "include_object": for_dialect(conn.dialect.name)},
            ),
            db.metadata,
        )
        tables = set(inspect(conn).get_table_names())

    assert differences == []
    assert tables == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}


def test_downgrade_to_base_removes_every_table(migrated_app):
    flask_migrate.downgrade(directory=str(MIGRATIONS), revision="base")

    with db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}


def test_the_reasons_for_sending_back_start_as_the_programme_listed_them(migrated_app):
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT label, retired_at FROM change_reasons ORDER BY position")
        ).all()
    assert rows == [
        ("Incomplete", None),
        ("Wrong document", None),
        ("Not signed", None),
        ("Expired", None),
        ("Illegible", None),
        ("Other", None),
    ]


def test_updated_at_is_backfilled_from_what_each_row_records(
    empty_database, keep_logging, tmp_path
):
    """Rows from before the API get an updated_at: their creation where recorded
    (a submission's upload), else the time of the migration."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True},
        instance_path=tmp_path / "instance",
    )
    created = "2025-06-01 08:00:00+00:00"
    rows = {
        "users": "id, email, name, role, active, created_at, notice_delivery, muted_notices"
        f" VALUES (1, 'a@example.org', 'A', 'admin', true, '{created}', 'immediate', '')",
        "partners": "id, name, acronym, search_key, search_text, scope_of_work, language,"
        " reporting_frequency, invoice_format, status, created_at, version"
        f" VALUES (1, 'Alpha', 'A', 'alpha a', '', '', 'en', 'quarterly', 'pdf', 'active',"
        f" '{created}', 1)",
        "accreditation_templates": "id, name, family_id, version, description, validity_months,"
        f" created_at VALUES (1, 'T', 1, 1, '', 24, '{created}')",
        "stages": "id, template_id, position, name, duration_days VALUES (1, 1, 1, 'S', 30)",
        "requirements": "id, stage_id, position, name, description, guidance, required,"
        " accepted_formats VALUES (1, 1, 1, 'R', '', '', true, '')",
        "accreditations": "id, partner_id, template_id, started_on, created_at"
        f" VALUES (1, 1, 1, '2025-06-01', '{created}')",
        "milestones": "id, accreditation_id, stage_id, position, name, due_on"
        " VALUES (1, 1, 1, 1, 'S', '2025-07-01')",
        "checklist_items": "id, accreditation_id, requirement_id, milestone_id, due_on"
        " VALUES (1, 1, 1, 1, '2025-07-01')",
        "submissions": "id, accreditation_id, requirement_id, version, filename, storage_key,"
        " content_type, size, sha256, uploaded_by_id, uploaded_at, status"
        f" VALUES (1, 1, 1, 1, 'a.pdf', 'k', 'application/pdf', 1, 'x', 1, '{created}',"
        " 'submitted')",
    }
    with app.app_context():
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS), revision="0008")
            with db.engine.begin() as conn:
                for table, values in rows.items():
                    conn.execute(
                        text(f"INSERT INTO {table} ({values.replace(' VALUES', ') VALUES')}")
                    )
            before = datetime.now(UTC)
            flask_migrate.upgrade(directory=str(MIGRATIONS))
            after = datetime.now(UTC)
            db.session.remove()
            found = {
                model.__tablename__: db.session.get(model, 1).updated_at
                for model in (Partner, Accreditation, Milestone, ChecklistItem, Submission)
            }
        finally:
            db.session.remove()
            db.engine.dispose()
    start = datetime(2025, 6, 1, 8, tzinfo=UTC)
    assert found["partners"] == found["accreditations"] == found["submissions"] == start
    assert before <= found["milestones"] <= after
    assert before <= found["checklist_items"] <= after
