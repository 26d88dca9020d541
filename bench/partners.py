"""The partner list and detail pages under load: `.venv/bin/python bench/partners.py`.

Builds a throwaway database (a SQLite file in a temp dir, or with
`--database-url` / BENCH_DATABASE_URL a new `bench_partners_<random>` database
on that PostgreSQL server, dropped afterwards), fills it with bulk inserts
(5,000 org units, 10,000 partners with contacts, coverage, partnership types and
an accreditation each), then:

1. counts the SQL statements each page issues, in-process with the Flask test
   client (the list's count must not depend on the page or the rows shown);
2. serves the app with `gunicorn -w 2` and drives each page with 8 concurrent
   keep-alive clients for 10 s: requests per second, p50/p95 latency, errors.

Prints PASS/FAIL against the targets and always exits 0 (it is a benchmark).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _load import drive, gunicorn, login, throwaway_database  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.passwords import hash_password  # noqa: E402
from portal.core import config as portal_config  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.core.text import fold  # noqa: E402
from portal.models import (  # noqa: E402
    Accreditation,
    AccreditationTemplate,
    AuditEvent,
    Contact,
    Coverage,
    Milestone,
    OrgUnit,
    Partner,
    PartnershipType,
    Requirement,
    Stage,
    Submission,
    User,
)
from portal.partners import search as partner_search  # noqa: E402

ADMIN_EMAIL = "admin@bench.example.org"
ADMIN_PASSWORD = "bench-password"  # noqa: S105 - a throwaway database's only login
SEARCH_WORD = "horizon"  # planted in 1 partner name in 100, nowhere else
SEARCH_EVERY = 100
TARGET_P95_MS = 150.0
DISTRICT_LEVEL = 3  # ORGUNIT_DISTRICT_LEVEL's default
TODAY = date.today()
NOW = datetime.now(UTC)

# --- made-up but plausible names ------------------------------------------------

SYLLABLES = [
    "ka",
    "mbo",
    "la",
    "ri",
    "se",
    "ndu",
    "wa",
    "ta",
    "go",
    "mi",
    "ne",
    "ko",
    "ba",
    "lu",
    "ra",
    "ve",
    "chi",
    "ya",
    "nya",
    "mu",
    "ki",
    "sa",
    "bu",
    "ge",
    "tu",
    "we",
    "li",
    "ma",
    "da",
    "ny",
    "si",
    "bé",
    "ké",
    "lé",
]
ORG_WORDS = [
    "Association",
    "Foundation",
    "Initiative",
    "Alliance",
    "Network",
    "Trust",
    "Society",
    "Collective",
    "Partnership",
    "Coalition",
    "Union",
    "Consortium",
    "Mission",
    "Centre",
    "Project",
    "Forum",
    "Agency",
]
FOCUS = [
    "Community Health",
    "Maternal Health",
    "Child Survival",
    "Water and Sanitation",
    "Nutrition",
    "HIV Care",
    "Malaria Control",
    "Youth Development",
    "Women's Empowerment",
    "Rural Development",
    "Medical Supplies",
    "Family Planning",
    "Mental Health",
    "Eye Care",
    "Tuberculosis Response",
    "Primary Education",
    "Disability Inclusion",
    "Emergency Relief",
]
FOCUS_FR = [
    "Santé Communautaire",
    "Développement Rural",
    "Éducation des Filles",
    "Santé Maternelle et Infantile",
    "Lutte contre le Paludisme",
    "Sécurité Alimentaire",
    "Promotion de la Femme",
]
ORG_FR = ["Association", "Fondation", "Réseau", "Collectif", "Union", "Alliance", "Œuvre"]
SAINTS = ["St. Mary's", "St. Joseph's", "Holy Family", "Good Shepherd", "Sainte-Thérèse"]
FIRST = [
    "Amina",
    "Joseph",
    "Grace",
    "Samuel",
    "Claire",
    "Fatou",
    "Kwame",
    "Aïcha",
    "Jean-Baptiste",
    "Nkechi",
    "Thandiwe",
    "Moussa",
    "Esther",
    "Olivier",
    "Zainab",
    "Tendai",
    "Hélène",
    "Ibrahim",
    "Wanjiru",
    "Pedro",
    "Chipo",
    "Emmanuel",
    "Mariam",
    "Kofi",
    "Naledi",
    "Patrice",
    "Rehema",
    "Yusuf",
    "Agnès",
    "Tariq",
]
LAST = [
    "Diallo",
    "Mensah",
    "Achieng",
    "Okafor",
    "Dubois",
    "Ndlovu",
    "Banda",
    "Kamau",
    "Traoré",
    "Nkurunziza",
    "Mwangi",
    "Ouédraogo",
    "Asante",
    "Phiri",
    "Sow",
    "Koné",
    "Mutua",
    "Habimana",
    "Uwase",
    "Moyo",
    "Otieno",
    "Sesay",
    "Mbeki",
    "Nyirenda",
    "Camara",
    "Boateng",
    "Tshabalala",
    "Lukwago",
    "Keita",
    "Mugisha",
]
TITLES = [
    "Executive Director",
    "Programme Manager",
    "Finance Officer",
    "M&E Officer",
    "Country Director",
    "Grants Coordinator",
]
FACILITY_KINDS = ["Health Centre", "Dispensary", "Hospital", "Health Post", "Clinic"]
TYPES = ["funding", "supervision", "technical_assistance"]
STOPWORDS = {"and", "for", "of", "the", "de", "la", "le", "des", "pour", "contre", "et"}
STAGES = [
    ("Document submission", 30, ["Registration certificate", "Audited financial statements"]),
    ("Compliance review", 30, ["Compliance self-assessment", "Site visit report"]),
    ("Final approval", 14, ["Signed accreditation agreement", "Bank details form"]),
]


def _place(rng: random.Random, used: set[str]) -> str:
    while True:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if word not in used and SEARCH_WORD not in fold(word):
            used.add(word)
            return word


def _uid(rng: random.Random, used: set[str]) -> str:
    """A DHIS2-style uid: a letter then ten letters or digits."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    while True:
        uid = rng.choice(letters) + "".join(rng.choices(letters + "0123456789", k=10))
        if uid not in used:
            used.add(uid)
            return uid


def _partner_name(rng: random.Random, i: int, places: list[str]) -> str:
    pattern = i % 7
    place = rng.choice(places)
    if pattern == 0:
        name = f"{rng.choice(FOCUS)} {rng.choice(ORG_WORDS)}"
    elif pattern == 1:
        name = f"{place} {rng.choice(FOCUS)} {rng.choice(ORG_WORDS)}"
    elif pattern == 2:
        name = f"{rng.choice(ORG_WORDS)} for {rng.choice(FOCUS)} in {place}"
    elif pattern == 3:
        name = f"{rng.choice(ORG_FR)} pour la {rng.choice(FOCUS_FR)} de {place}"
    elif pattern == 4:
        name = f"{rng.choice(SAINTS)} {rng.choice(FACILITY_KINDS)} {place}"
    elif pattern == 5:
        name = f"{place} {rng.choice(ORG_WORDS)} of {rng.choice(FOCUS)}"
    else:
        name = f"{rng.choice(FOCUS)} {rng.choice(ORG_WORDS)} – {place}"
    if i % SEARCH_EVERY == SEARCH_EVERY // 2:
        name = f"Horizon {name}"
    return name


def _acronym(rng: random.Random, name: str) -> str | None:
    if rng.random() < 0.1:
        return None
    words = [w for w in re.split(r"[\s\-–']+", name) if w and w.lower() not in STOPWORDS]
    letters = "".join(w[0] for w in words if w[0].isalpha()).upper()
    return letters[:6] if len(letters) >= 2 else fold(name)[:4].upper()


# --- the data -----------------------------------------------------------------


def org_units(rng: random.Random, total: int) -> tuple[list[dict], dict[str, list[str]]]:
    """1 country, 5 provinces, 25 districts (level 3), 250 sectors, the rest
    facilities (level 5). Returns the rows (parents first) and, per district,
    the facilities in it."""
    uids: set[str] = set()
    names: set[str] = set()
    rows: list[dict] = []

    def add(name: str, parent: dict | None) -> dict:
        uid = _uid(rng, uids)
        row = {
            "id": uid,
            "name": name,
            "code": f"OU{len(rows):05d}",
            "parent_id": parent["id"] if parent else None,
            "level": parent["level"] + 1 if parent else 1,
            "path": f"{parent['path'] if parent else ''}/{uid}",
            "search_key": fold(name),
        }
        rows.append(row)
        return row

    country = add("Republic of Benchland", None)
    provinces = [add(f"{_place(rng, names)} Province", country) for _ in range(5)]
    districts = [add(f"{_place(rng, names)} District", p) for p in provinces for _ in range(5)]
    sectors = [(d, add(f"{_place(rng, names)} Sector", d)) for d in districts for _ in range(10)]
    facilities: dict[str, list[str]] = {d["id"]: [] for d in districts}
    for n in range(total - len(rows)):
        district, sector = sectors[n % len(sectors)]
        kind = rng.choice(FACILITY_KINDS)
        unit = add(f"{_place(rng, names)} {kind}", sector)
        facilities[district["id"]].append(unit["id"])
    assert all(r["level"] == DISTRICT_LEVEL for r in districts)
    return rows, facilities


def fill(engine: sa.Engine, partners: int, units: int) -> dict[str, int]:
    """Bulk-insert everything in one transaction; returns rows per table."""
    rng = random.Random(20240601)
    unit_rows, facilities = org_units(rng, units)
    district_ids = list(facilities)
    places = [r["name"].rsplit(" ", 1)[0] for r in unit_rows if r["level"] in (3, 4)]

    password_hash = hash_password(ADMIN_PASSWORD)
    admin = {
        "id": 1,
        "email": ADMIN_EMAIL,
        "name": "Bench Administrator",
        "role": "admin",
        "password_hash": password_hash,
        "active": True,
        "created_at": NOW,
    }
    template = {"id": 1, "name": "Bench accreditation", "created_at": NOW}
    stages, requirements = [], []
    for position, (name, days, documents) in enumerate(STAGES, start=1):
        stages.append(
            {"id": position, "template_id": 1, "position": position, "name": name}
            | {"duration_days": days}
        )
        for n, document in enumerate(documents, start=1):
            requirements.append(
                {
                    "id": len(requirements) + 1,
                    "stage_id": position,
                    "position": n,
                    "name": document,
                    "description": "",
                    "required": True,
                }
            )

    tables: dict[sa.Table, list[dict]] = {
        t.__table__: []
        for t in (
            Partner,
            PartnershipType,
            Contact,
            Coverage,
            Accreditation,
            Milestone,
            Submission,
            AuditEvent,
        )
    }
    P, T, C, V, A, M, S, E = tables  # noqa: N806 - the tables, in insert order
    for pid in range(1, partners + 1):
        name = _partner_name(rng, pid, places)
        acronym = _acronym(rng, name)
        roll = rng.random()
        status = "active" if roll < 0.85 else "on_hold" if roll < 0.95 else "closed"
        created = NOW - timedelta(days=rng.randint(30, 2000), minutes=rng.randint(0, 1439))
        tables[P].append(
            {
                "id": pid,
                "name": name,
                "acronym": acronym,
                "search_key": f"{fold(name)} {fold(acronym)}".strip(),
                "scope_of_work": f"{rng.choice(FOCUS)} services in {rng.choice(places)}.",
                "language": "fr" if " pour la " in name else "en",
                "reporting_frequency": rng.choice(["monthly", "quarterly", "annually"]),
                "invoice_format": rng.choice(["pdf", "xlsx", "einvoice", "paper"]),
                "status": status,
                "status_reason": None if status == "active" else "Agreement under renegotiation",
                "status_effective_on": None
                if status == "active"
                else TODAY - timedelta(days=rng.randint(1, 300)),
                "next_review_on": None
                if rng.random() < 0.03
                else TODAY + timedelta(days=rng.randint(-365, 365)),
                "created_at": created,
                "version": 1,
            }
        )
        for kind in sorted(rng.sample(TYPES, rng.choice([1, 1, 2, 2, 3]))):
            tables[T].append({"partner_id": pid, "kind": kind})
        domain = f"{fold(acronym or name.split()[0]).replace(' ', '')}.example.org"
        for n in range(3):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            tables[C].append(
                {
                    "partner_id": pid,
                    "name": f"{first} {last}",
                    "title": rng.choice(TITLES),
                    "email": f"{fold(first).replace(' ', '')}.{fold(last)}@{domain}",
                    "phone": f"+254 7{rng.randint(10, 99)} {rng.randint(100000, 999999)}",
                    "address": "",
                    "is_primary": n == 0,
                    "created_at": created,
                }
            )
        home = rng.choice(district_ids)
        for _ in range(5):
            district = home if rng.random() < 0.7 else rng.choice(district_ids)
            unit = district if rng.random() < 0.25 else rng.choice(facilities[district])
            tables[V].append(
                {
                    "partner_id": pid,
                    "org_unit_id": unit,
                    "org_unit_group_id": None,
                    "nationwide": False,
                    "district_id": district,
                    "scope_note": "",
                    "starts_on": TODAY - timedelta(days=rng.randint(30, 1500)),
                    "ends_on": None,
                }
            )
        started = TODAY - timedelta(days=rng.randint(0, 400))
        tables[A].append(
            {"id": pid, "partner_id": pid, "template_id": 1, "started_on": started}
            | {"completed_at": None, "created_at": created}
        )
        approved = rng.randint(0, len(requirements))
        due = started
        for position, (stage_name, days, _) in enumerate(STAGES, start=1):
            due += timedelta(days=days)
            done = approved >= 2 * position
            tables[M].append(
                {
                    "accreditation_id": pid,
                    "stage_id": position,
                    "position": position,
                    "name": stage_name,
                    "due_on": due,
                    "completed_at": NOW - timedelta(days=1) if done else None,
                }
            )
        for requirement in requirements[: approved + 1]:
            ok = requirement["id"] <= approved
            tables[S].append(
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
                    "uploaded_at": created,
                    "status": "approved" if ok else "submitted",
                    "reviewer_id": 1 if ok else None,
                    "reviewed_at": created if ok else None,
                }
            )
        for action, object_type, object_id, changes in (
            ("partner_created", "Partner", pid, {"name": [None, name]}),
            ("accreditation_opened", "Accreditation", pid, {"started_on": [None, str(started)]}),
        ):
            tables[E].append(
                {
                    "at": created,
                    "actor_id": 1,
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "summary": name[:300],
                    "partner_id": pid,
                    "changes": changes,
                    "reason": None,
                }
            )

    ordered = [
        (OrgUnit.__table__, unit_rows),
        (User.__table__, [admin]),
        (AccreditationTemplate.__table__, [template]),
        (Stage.__table__, stages),
        (Requirement.__table__, requirements),
        *tables.items(),
    ]
    with engine.begin() as conn:
        for table, rows in ordered:
            for start in range(0, len(rows), 5000):
                conn.execute(sa.insert(table), rows[start : start + 5000])
        if engine.dialect.name == "postgresql":
            # Ids were given explicitly: move the sequences past them.
            for table, _ in ordered:
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
    if engine.dialect.name == "postgresql":
        # What autovacuum would do a minute after such a load; without it the
        # planner guesses at empty-table statistics.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return {table.name: len(rows) for table, rows in ordered}


# --- what is measured ----------------------------------------------------------


def pages(district: str, partners: int, rng: random.Random) -> list[tuple[str, object, dict]]:
    htmx = {"HX-Request": "true"}
    return [
        ("list, first page", "/partners", {}),
        (f"search q={SEARCH_WORD}", f"/partners?q={SEARCH_WORD}", {}),
        (f"search q={SEARCH_WORD} (HTMX)", f"/partners?q={SEARCH_WORD}", htmx),
        ("filter district+funding", f"/partners?district={district}&type=funding", {}),
        ("detail, random partner", lambda: f"/partners/{rng.randint(1, partners)}", {}),
    ]


def count_queries(app, engine, rows: list[tuple[str, str, dict, int]]) -> list[tuple]:
    """(label, path, statements, matched) for each row, measured in-process."""
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 302 and "/login" not in response.location, "log-in failed"
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    results = []
    for label, path, headers, per_page in rows:
        app.config["PARTNERS_PER_PAGE"] = per_page
        client.get(path, headers=headers)  # warm: templates compiled, first look recorded
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get(path, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        if response.status_code != 200:
            matched = f"HTTP {response.status_code}"
        elif match := re.search(r"of ([\d,]+) partners?<|(No partners)", response.text):
            matched = match[1] or "0"
        else:
            matched = ""
        results.append((label, path, len(statements), matched))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL URL: a throwaway database is created on its server "
        "(default: SQLite in a temp dir; env BENCH_DATABASE_URL)",
    )
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--org-units", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()
    rng = random.Random(7)

    with throwaway_database(args.database_url, "bench_partners") as (url, tmp):
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
        per_page = app.config["PARTNERS_PER_PAGE"]
        with app.app_context():
            engine = db.engine
            dialect = engine.dialect.name
            db.create_all()
            started = time.perf_counter()
            counts = fill(engine, args.partners, args.org_units)
            partner_search.refresh()  # what the services keep current on each change
            db.session.commit()
            filled = time.perf_counter() - started
            district = db.session.scalar(
                sa.select(OrgUnit.id)
                .where(OrgUnit.level == DISTRICT_LEVEL)
                .order_by(OrgUnit.search_key)
            )
            db.session.remove()

        print(f"== Partner list and detail under load: {dialect}")
        print(
            f"fill: {sum(counts.values()):,} rows in {filled:.1f} s ("
            + ", ".join(f"{n:,} {t}" for t, n in counts.items() if n > 1)
            + ")"
        )

        load_pages = pages(district, args.partners, rng)
        detail = f"/partners/{args.partners // 2}"
        rows = [(label, path, headers, per_page) for label, path, headers in load_pages[:4]]
        rows += [
            ("list, page 2", "/partners?page=2", {}, per_page),
            ("list, 10 rows shown", "/partners", {}, 10),
            ("list, 25 rows shown", "/partners", {}, 25),
            ("detail", detail, {}, per_page),
        ]
        queries = count_queries(app, engine, rows)
        app.config["PARTNERS_PER_PAGE"] = per_page
        engine.dispose()

        print(f"\nSQL statements per request (in-process; PARTNERS_PER_PAGE={per_page})")
        print(f"  {'page':<32}{'queries':>8}  {'matched':>8}  path")
        for label, path, n, matched in queries:
            print(f"  {label:<32}{n:>8}  {matched:>8}  {path}")
        by_label = {label: n for label, _, n, _ in queries}
        list_counts = [
            by_label["list, first page"],
            by_label["list, page 2"],
            by_label["list, 10 rows shown"],
            by_label["list, 25 rows shown"],
        ]

        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "false",
            "HTMX_URL": portal_config.HTMX_CDN_URL,
            "HTMX_SRI": portal_config.HTMX_SRI,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "MAIL_SERVER": "",
            "FLASK_DEBUG": "0",
            "PARTNERS_PER_PAGE": str(per_page),
        }
        log = tmp / "gunicorn.log"
        print(
            f"\nLoad: gunicorn -w {args.workers}, {args.clients} concurrent clients, "
            f"{args.seconds:g} s per page ({os.cpu_count()} CPUs)"
        )
        print(f"  {'page':<32}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
        results = {}
        with gunicorn(env, workers=args.workers, log=log) as port:
            cookie = login(port, ADMIN_EMAIL, ADMIN_PASSWORD)
            for _label, path, headers in load_pages:  # warm both workers
                drive(port, path, headers | {"Cookie": cookie}, args.clients, 1.0)
            for label, path, headers in load_pages:
                result = drive(port, path, headers | {"Cookie": cookie}, args.clients, args.seconds)
                results[label] = result
                other = {s: n for s, n in result.statuses.items() if s != 200}
                print(
                    f"  {label:<32}{result.rps:>8.0f}{result.p50:>9.1f}{result.p95:>9.1f}"
                    f"{result.errors:>8}" + (f"  statuses {other}" if other else "")
                )
        if any(r.errors for r in results.values()) and log.exists():
            print("\ngunicorn log (last lines):")
            print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))

        print(f"\nTargets ({dialect}, {args.partners:,} partners)")
        verdicts = []
        for label in (f"search q={SEARCH_WORD}", f"search q={SEARCH_WORD} (HTMX)"):
            p95 = results[label].p95
            verdicts.append(
                (p95 < TARGET_P95_MS, f"{label}: p95 {p95:.0f} ms < {TARGET_P95_MS:.0f} ms")
            )
        verdicts.append(
            (
                len(set(list_counts)) == 1,
                "list queries constant in rows shown: page 1/page 2/10 rows/25 rows = "
                + "/".join(map(str, list_counts)),
            )
        )
        errors = sum(r.errors for r in results.values())
        verdicts.append((errors == 0, f"no errors under load ({errors} non-200 answers)"))
        for ok, text in verdicts:
            print(f"  {'PASS' if ok else 'FAIL'}  {text}")


if __name__ == "__main__":
    main()
