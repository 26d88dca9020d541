"""The KPI pages at scale: `.venv/bin/python bench/kpis.py [--database-url URL]`.

Fills a throwaway database (SQLite in a temp dir, or a new PostgreSQL database
on the server of `--database-url`, dropped afterwards) with bulk inserts: N
partners (default 1,000) x 3 cycles (two decided, one running) x 10
requirements, with their submissions (some sent back and sent again, some late)
and reviews, messages and engagement assessments. Then:

1. counts the SQL statements of the programme dashboard, a partner's KPI page
   (staff) and the partner's own page, at N/10 partners and at N: they must be
   the same;
2. times them in-process (median, p95), computing the figures each time
   (KPI_CACHE_SECONDS=0) and as deployed (kept until something is recorded);
3. serves the app with gunicorn (figures kept in Redis) and drives each page,
   and the partner list beside them, with concurrent clients: req/s and p95.

Always exits 0 (a benchmark, never a test).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _load import drive, gunicorn, login, percentile, throwaway_database  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.passwords import hash_password  # noqa: E402
from portal.core import config as portal_config  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.core.text import fold  # noqa: E402
from portal.models import (  # noqa: E402
    Accreditation,
    AccreditationTemplate,
    Assessment,
    ChecklistItem,
    Message,
    Milestone,
    Partner,
    PartnershipType,
    Requirement,
    Stage,
    Submission,
    User,
)
from portal.partners import search as partner_search  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105 - a throwaway database's only logins
ADMIN, FOCAL = "admin@bench.example.org", "focal1@bench.example.org"
TODAY = date.today()
NOW = datetime.now(UTC)
STAGES = [("Document submission", 60, 4), ("Compliance review", 45, 3), ("Final approval", 30, 3)]
KINDS = ["funding", "supervision", "technical_assistance"]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def fill(engine: sa.Engine, count: int) -> dict[str, int]:
    """Bulk-insert everything in one transaction; returns rows per table."""
    rng = random.Random(20261202)
    hashed = hash_password(PASSWORD)
    users = [{"id": 1, "email": ADMIN, "name": "Bench Admin", "role": "admin"}]
    users[0] |= {"password_hash": hashed, "active": True}
    stages, requirements = [], []
    for position, (name, days, documents) in enumerate(STAGES, start=1):
        stages.append(
            {"id": position, "template_id": 1, "position": position, "name": name}
            | {"duration_days": days}
        )
        for n in range(1, documents + 1):
            requirements.append(
                {"id": len(requirements) + 1, "stage_id": position, "position": n}
                | {"name": f"{name} document {n}", "description": "", "required": True}
                | {"due_offset_days": None}
            )
    rows = {name: [] for name in ("partners", "types", "cycles", "milestones", "items")}
    rows |= {"submissions": [], "messages": [], "assessments": []}
    for pid in range(1, count + 1):
        name = f"Bench partner {pid:05d}"
        rows["partners"].append(
            {"id": pid, "name": name, "acronym": f"B{pid}", "search_key": fold(name)}
            | {"status": "active", "created_at": NOW, "version": 1}
        )
        rows["types"].append({"partner_id": pid, "kind": KINDS[pid % 3]})
        focal_id = len(users) + 1
        users.append(
            {"id": focal_id, "email": f"focal{pid}@bench.example.org", "name": f"Focal {pid}"}
            | {"role": "partner", "partner_id": pid, "partner_role": "focal"}
            | {"password_hash": hashed if pid == 1 else None, "active": True}
        )
        punctual = rng.random()  # how this partner tends to do
        for cycle in range(3):
            running = cycle == 2
            started = TODAY - timedelta(days=(2 - cycle) * 365 + rng.randint(20, 120))
            aid = len(rows["cycles"]) + 1
            rows["cycles"].append(
                {"id": aid, "partner_id": pid, "template_id": 1, "started_on": started}
                | {"created_at": _at(started)}
                | {
                    "decision": None if running else "accredited",
                    "decided_by_id": None if running else 1,
                    "decided_at": None if running else _at(started + timedelta(days=150)),
                    "completed_at": None if running else _at(started + timedelta(days=150)),
                    "valid_until": None if running else started + timedelta(days=880),
                }
            )
            due = started
            for position, (stage, days, _) in enumerate(STAGES, start=1):
                due += timedelta(days=days)
                mid = len(rows["milestones"]) + 1
                done = not running or (due < TODAY and rng.random() < 0.7)
                rows["milestones"].append(
                    {"id": mid, "accreditation_id": aid, "stage_id": position}
                    | {"position": position, "name": stage, "due_on": due}
                    | {"completed_at": _at(due) if done else None}
                )
                for requirement in (r for r in requirements if r["stage_id"] == position):
                    rows["items"].append(
                        {"accreditation_id": aid, "requirement_id": requirement["id"]}
                        | {"milestone_id": mid, "due_on": due}
                    )
                    if running and due > TODAY + timedelta(days=10):
                        continue  # not asked for yet
                    uploaded = due + timedelta(days=rng.randint(-20, 12) + int(8 * punctual))
                    if uploaded > TODAY:
                        continue  # still missing
                    sent_back = rng.random() < 0.25 + 0.3 * punctual
                    versions = [("changes_requested", uploaded)] if sent_back else []
                    again = uploaded + timedelta(days=rng.randint(2, 15))
                    last = again if sent_back else uploaded
                    if last <= TODAY:
                        versions.append(("approved", last))
                    for version, (status, day) in enumerate(versions, start=1):
                        reviewed = day + timedelta(days=rng.randint(0, 9))
                        decided = reviewed <= TODAY
                        rows["submissions"].append(
                            {"accreditation_id": aid, "requirement_id": requirement["id"]}
                            | {"version": version, "filename": "document.pdf"}
                            | {"storage_key": f"b-{aid}-{requirement['id']}-{version}"}
                            | {"content_type": "application/pdf", "size": 120_000}
                            | {"sha256": "0" * 64, "uploaded_by_id": focal_id}
                            | {"uploaded_at": _at(day), "assigned_to_id": None}
                            | {
                                "status": status if decided else "submitted",
                                "reviewer_id": 1 if decided else None,
                                "reviewed_at": _at(reviewed, 15) if decided else None,
                                "feedback": "Sign it." if status != "approved" else None,
                            }
                        )
            for n in range(2):
                day = started + timedelta(days=10 + 30 * n)
                rows["messages"].append(
                    {"accreditation_id": aid, "author_id": 1, "body": "How is it going?"}
                    | {"created_at": _at(day)}
                )
                if rng.random() < 0.8:
                    rows["messages"].append(
                        {"accreditation_id": aid, "author_id": focal_id, "body": "Fine."}
                        | {"created_at": _at(day + timedelta(days=rng.randint(0, 6)), 12)}
                    )
            rows["assessments"].append(
                {"partner_id": pid, "accreditation_id": aid, "engagement": rng.randint(1, 5)}
                | {"proactivity": rng.randint(1, 5), "note": "", "assessed_by_id": 1}
                | {"assessed_at": _at(min(started + timedelta(days=100), TODAY))}
            )
    ordered = [
        (User.__table__, users[:1]),
        (AccreditationTemplate.__table__, [{"id": 1, "name": "Bench template", "family_id": 1}]),
        (Stage.__table__, stages),
        (Requirement.__table__, requirements),
        (Partner.__table__, rows["partners"]),
        (User.__table__, users[1:]),
        (PartnershipType.__table__, rows["types"]),
        (Accreditation.__table__, rows["cycles"]),
        (Milestone.__table__, rows["milestones"]),
        (ChecklistItem.__table__, rows["items"]),
        (Submission.__table__, rows["submissions"]),
        (Message.__table__, rows["messages"]),
        (Assessment.__table__, rows["assessments"]),
    ]
    with engine.begin() as conn:
        for table, batch in ordered:
            for start in range(0, len(batch), 5000):
                conn.execute(sa.insert(table), batch[start : start + 5000])
        if engine.dialect.name == "postgresql":
            for table in {t for t, _ in ordered if "id" in t.c}:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    counted: dict[str, int] = {}
    for table, batch in ordered:
        counted[table.name] = counted.get(table.name, 0) + len(batch)
    return counted


PAGES = [
    ("partner list (staff)", "/partners", ADMIN),
    ("programme dashboard", "/kpis", ADMIN),
    ("partner's KPI page (staff)", "/partners/1/kpis", ADMIN),
    ("partner's own KPI page", "/organisation/kpis", FOCAL),
    # Partnership health reads the quarter's KPI figures too (portal/partnerships/health.py).
    ("partnership health list (staff)", "/partnerships/health", ADMIN),
    ("partner page with its health card", "/partners/1", ADMIN),
    ("partner's own partnership page", "/organisation/partnership", FOCAL),
]


def app_for(url: str, tmp: Path):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "SESSION_COOKIE_SECURE": False,
            "PORTAL_URL": "http://127.0.0.1",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",  # as deployed
        },
        instance_path=tmp / "instance",
    )


def measure(app, engine, requests: int) -> dict[str, tuple[int, float, float]]:
    """label -> (statements, median ms, p95 ms), in-process. Outside any app
    context: each request pushes its own (with its own `g`, where the login is)."""
    clients = {}
    for email in (ADMIN, FOCAL):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302 and "/login" not in response.location, email
        clients[email] = client
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    results = {}
    for label, path, who in PAGES:
        client = clients[who]
        warm = client.get(path)
        assert warm.status_code == 200, (path, warm.status_code)
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counted = len(statements)
        times = []
        for _ in range(requests):
            began = time.perf_counter()
            client.get(path).get_data()
            times.append((time.perf_counter() - began) * 1000)
        results[label] = (counted, statistics.median(times), percentile(times, 95))
    return results


def run(url: str, tmp: Path, count: int, requests: int) -> dict:
    app = app_for(url, tmp)
    with app.app_context():
        db.create_all()
        began = time.perf_counter()
        counts = fill(db.engine, count)
        partner_search.refresh()
        db.session.commit()
        filled = time.perf_counter() - began
        db.session.remove()
        engine = db.engine
        print(
            f"  fill {count:,} partners: {sum(counts.values()):,} rows in {filled:.1f} s ("
            + ", ".join(f"{n:,} {t}" for t, n in counts.items() if n > 3)
            + ")"
        )
    app.config["KPI_CACHE_SECONDS"] = 0  # what computing the figures costs
    computed = measure(app, engine, requests)
    app.config["KPI_CACHE_SECONDS"] = 600  # as deployed: kept until a change
    kept = measure(app, engine, requests)
    engine.dispose()
    return {label: computed[label] + kept[label] for label in computed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    small = max(args.partners // 10, 10)
    dialect = "postgresql" if args.database_url else "sqlite"
    print(f"== KPI pages: {dialect}, {small:,} and {args.partners:,} partners x 3 cycles x 10")
    with throwaway_database(args.database_url, "bench_kpis") as (url, tmp):
        few = run(url, tmp, small, 2)
    with throwaway_database(args.database_url, "bench_kpis") as (url, tmp):
        many = run(url, tmp, args.partners, args.requests)
        print(f"\nIn-process, {args.requests} timed requests per page")
        at_small = f"at {small}"
        print(f"  {'':<30}{'computed':>32}{'kept (cache)':>30}")
        print(
            f"  {'page':<30}{'statements':>12}{at_small:>10}{'median ms':>11}{'p95 ms':>9}"
            f"{'statements':>12}{'median ms':>11}{'p95 ms':>9}"
        )
        for label, (counted, median, p95, kept, kept_median, kept_p95) in many.items():
            print(
                f"  {label:<30}{counted:>12}{few[label][0]:>10}{median:>11.0f}{p95:>9.0f}"
                f"{kept:>12}{kept_median:>11.0f}{kept_p95:>9.0f}"
            )
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "false",
            "HTMX_URL": portal_config.HTMX_CDN_URL,
            "HTMX_SRI": portal_config.HTMX_SRI,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "MAIL_SERVER": "",
            "FLASK_DEBUG": "0",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
            "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        }
        print(
            f"\nLoad: gunicorn -w {args.workers}, {args.clients} clients, "
            f"{args.seconds:g} s per page ({os.cpu_count()} CPUs)"
        )
        print(f"  {'page':<30}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
        loaded = {}
        with gunicorn(env, workers=args.workers, log=tmp / "gunicorn.log") as port:
            cookies = {who: login(port, who, PASSWORD) for who in (ADMIN, FOCAL)}
            for label, path, who in PAGES:
                drive(port, path, {"Cookie": cookies[who]}, args.clients, 1.0)  # warm
                result = drive(port, path, {"Cookie": cookies[who]}, args.clients, args.seconds)
                loaded[label] = result
                print(
                    f"  {label:<30}{result.rps:>8.1f}{result.p50:>9.0f}{result.p95:>9.0f}"
                    f"{result.errors:>8}"
                )
    flat = all(many[label][0] == few[label][0] for label in many)
    ratio = loaded["programme dashboard"].p95 / max(loaded["partner list (staff)"].p95, 0.1)
    print(
        f"\n  {'PASS' if flat else 'FAIL'}  statements the same at {small:,} and {args.partners:,}"
    )
    print(f"  dashboard p95 / partner list p95 under load: {ratio:.2f}")


if __name__ == "__main__":
    main()
