"""The staff overview of accreditations under load: `.venv/bin/python bench/accreditations.py`.

Builds a throwaway database (a SQLite file in a temp dir, or with
`--database-url` / BENCH_DATABASE_URL a new `bench_accreditations_<random>`
database on that PostgreSQL server, dropped afterwards), fills it with bulk
inserts (1,000 partners, each with an accreditation on a three-stage template:
milestones, six checklist items, submissions approved or waiting for review,
some assigned, some decided), then, in-process with the Flask test client:

1. counts the SQL statements of each page (the overview's must not depend on
   the rows: first page, page 2, filtered, HTMX fragment);
2. times `--requests` requests of each and prints the median and p95.

Always exits 0 (it is a benchmark).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _load import percentile, throwaway_database  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.passwords import hash_password  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.core.text import fold  # noqa: E402
from portal.models import (  # noqa: E402
    Accreditation,
    AccreditationTemplate,
    ChecklistItem,
    Milestone,
    Partner,
    Requirement,
    Stage,
    Submission,
    User,
)
from portal.partners import search as partner_search  # noqa: E402

ADMIN_EMAIL = "admin@bench.example.org"
ADMIN_PASSWORD = "bench-password"  # noqa: S105 - a throwaway database's only login
TODAY = date.today()
NOW = datetime.now(UTC)
STAGES = [
    ("Document submission", 30, ["Registration certificate", "Audited financial statements"]),
    ("Compliance review", 30, ["Compliance self-assessment", "Site visit report"]),
    ("Final approval", 14, ["Signed accreditation agreement", "Bank details form"]),
]
WORDS = ["Health", "Relief", "Care", "Aid", "Hope", "Water", "Youth", "Rural", "Mission", "Trust"]
KINDS = ["Initiative", "Network", "Foundation", "Association", "Alliance", "Society"]


def fill(engine: sa.Engine, count: int) -> dict[str, int]:
    """Bulk-insert everything in one transaction; returns rows per table."""
    rng = random.Random(20260101)
    users = [
        {
            "id": 1,
            "email": ADMIN_EMAIL,
            "name": "Bench Administrator",
            "role": "admin",
            "password_hash": hash_password(ADMIN_PASSWORD),
            "active": True,
        },
        {"id": 2, "email": "reviewer@bench.example.org", "name": "Rita Reviewer"}
        | {"role": "manager", "password_hash": None, "active": True},
    ]
    stages, requirements = [], []
    for position, (name, days, documents) in enumerate(STAGES, start=1):
        stages.append(
            {"id": position, "template_id": 1, "position": position, "name": name}
            | {"duration_days": days}
        )
        for n, document in enumerate(documents, start=1):
            requirements.append(
                {"id": len(requirements) + 1, "stage_id": position, "position": n}
                | {"name": document, "description": "", "required": True}
            )
    partners, accreditations, milestones, items, submissions = [], [], [], [], []
    for pid in range(1, count + 1):
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {pid}"
        partners.append(
            {"id": pid, "name": name, "acronym": f"P{pid}", "search_key": fold(name)}
            | {"status": "active", "created_at": NOW, "version": 1}
        )
        started = TODAY - timedelta(days=rng.randint(0, 120))
        decided = rng.random() < 0.1
        accreditations.append(
            {"id": pid, "partner_id": pid, "template_id": 1, "started_on": started}
            | {
                "created_at": NOW,
                "decision": "accredited" if decided else None,
                "decided_by_id": 1 if decided else None,
                "decided_at": NOW if decided else None,
                "valid_until": TODAY + timedelta(days=700) if decided else None,
                "completed_at": NOW if decided else None,
            }
        )
        approved = len(requirements) if decided else rng.randint(0, len(requirements) - 1)
        due = started
        for position, (_, days, _documents) in enumerate(STAGES, start=1):
            due += timedelta(days=days)
            done = decided or approved >= 2 * position and position < len(STAGES)
            milestone_id = len(milestones) + 1
            milestones.append(
                {"id": milestone_id, "accreditation_id": pid, "stage_id": position}
                | {
                    "position": position,
                    "name": STAGES[position - 1][0],
                    "due_on": due,
                    "completed_at": NOW - timedelta(days=1) if done else None,
                }
            )
            for requirement in requirements:
                if requirement["stage_id"] == position:
                    items.append(
                        {"accreditation_id": pid, "requirement_id": requirement["id"]}
                        | {"milestone_id": milestone_id, "due_on": due}
                    )
        waiting = not decided and rng.random() < 0.6
        for requirement in requirements[: approved + (1 if waiting else 0)]:
            ok = requirement["id"] <= approved
            submissions.append(
                {
                    "accreditation_id": pid,
                    "requirement_id": requirement["id"],
                    "version": 1,
                    "filename": "document.pdf",
                    "storage_key": f"bench-{pid}-{requirement['id']}",
                    "content_type": "application/pdf",
                    "size": 120_000,
                    "sha256": "0" * 64,
                    "uploaded_by_id": 1,
                    "uploaded_at": NOW - timedelta(hours=rng.randint(1, 24 * 20)),
                    "status": "approved" if ok else "submitted",
                    "reviewer_id": 1 if ok else None,
                    "reviewed_at": NOW if ok else None,
                    "assigned_to_id": None if ok else rng.choice([None, 1, 2]),
                }
            )
    ordered = [
        (User.__table__, users),
        (AccreditationTemplate.__table__, [{"id": 1, "name": "Bench template", "family_id": 1}]),
        (Stage.__table__, stages),
        (Requirement.__table__, requirements),
        (Partner.__table__, partners),
        (Accreditation.__table__, accreditations),
        (Milestone.__table__, milestones),
        (ChecklistItem.__table__, items),
        (Submission.__table__, submissions),
    ]
    with engine.begin() as conn:
        for table, rows in ordered:
            for start in range(0, len(rows), 5000):
                conn.execute(sa.insert(table), rows[start : start + 5000])
        if engine.dialect.name == "postgresql":
            for table, _ in ordered:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return {table.name: len(rows) for table, rows in ordered}


PAGES = [
    ("overview, unfiltered", "/accreditations", {}),
    ("overview, page 2", "/accreditations?page=2", {}),
    ("overdue, sorted by waiting", "/accreditations?overdue=1&sort=waiting", {}),
    ("overdue+waiting (HTMX)", "/accreditations?overdue=1&sort=waiting", {"HX-Request": "true"}),
    ("partner search q=health", "/accreditations?q=health", {}),
    ("my actions", "/my-actions", {}),
    ("actions board (14 days)", "/actions", {}),
]


def measure(app, engine, requests: int) -> list[tuple]:
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 302 and "/login" not in response.location, "log-in failed"
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    results = []
    for label, path, headers in PAGES:
        client.get(path, headers=headers)  # warm: templates compiled
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get(path, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        queries = len(statements)
        body = response.get_data(as_text=True)
        if path.endswith(".csv"):
            matched = f"{body.count(chr(10)) - 1} rows"
        elif match := re.search(r"of ([\d,]+) accreditations?<", body):
            matched = match[1]
        else:
            matched = ""
        times = []
        for _ in range(requests):
            began = time.perf_counter()
            response = client.get(path, headers=headers)
            response.get_data()
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        results.append(
            (label, path, queries, matched, statistics.median(times), percentile(times, 95))
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL URL: a throwaway database is created on its server "
        "(default: SQLite in a temp dir; env BENCH_DATABASE_URL)",
    )
    parser.add_argument("--accreditations", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    args = parser.parse_args()

    with throwaway_database(args.database_url, "bench_accreditations") as (url, tmp):
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "UPLOAD_DIR": str(tmp / "uploads"),
                "SESSION_COOKIE_SECURE": False,
                "PORTAL_URL": "http://127.0.0.1",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",  # as deployed
            }
        )
        with app.app_context():
            engine = db.engine
            dialect = engine.dialect.name
            db.create_all()
            started = time.perf_counter()
            counts = fill(engine, args.accreditations)
            partner_search.refresh()
            db.session.commit()
            filled = time.perf_counter() - started
            db.session.remove()
            print(f"== Accreditations overview: {dialect}")
            print(
                f"fill: {sum(counts.values()):,} rows in {filled:.1f} s ("
                + ", ".join(f"{n:,} {t}" for t, n in counts.items() if n > 1)
                + ")"
            )
            results = measure(app, engine, args.requests)
            engine.dispose()

        print(f"\nIn-process, {args.requests} timed requests per page ({os.cpu_count()} CPUs)")
        print(f"  {'page':<30}{'queries':>8}{'matched':>10}{'median ms':>11}{'p95 ms':>9}  path")
        for label, path, queries, matched, median, p95 in results:
            print(f"  {label:<30}{queries:>8}{matched:>10}{median:>11.1f}{p95:>9.1f}  {path}")
        by_label = {r[0]: r[2] for r in results}
        constant = ("overview, unfiltered", "overview, page 2", "partner search q=health")
        overview = [by_label[k] for k in constant]
        same = len(set(overview)) == 1
        print(
            f"\n  {'PASS' if same else 'FAIL'}  overview queries constant "
            f"(first page/page 2/search = {'/'.join(map(str, overview))})"
        )


if __name__ == "__main__":
    main()
