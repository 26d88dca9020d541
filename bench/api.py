"""The API's partner listing at 10,000 partners: `.venv/bin/python bench/api.py`.

Builds a throwaway database (a SQLite file in a temp dir, or with
`--database-url` / BENCH_DATABASE_URL a new `bench_api_<random>` database on
that PostgreSQL server, dropped afterwards), fills it as bench/partners.py does
(10,000 partners with contacts, five coverage rows each, partnership types and
an accreditation), makes an API token that reads everything, then:

1. walks /api/v1/partners page by page with limit=500, in-process, counting the
   SQL statements of each page (they must not depend on the page);
2. serves the app with `gunicorn -w 2` (rate limits counted in Redis, as
   deployed) and walks the listing as Power BI does, one page after another:
   pages per second, rows per second, p50/p95 per page;
3. drives the pages with 8 concurrent keep-alive clients for 10 s: requests
   and rows per second, p50/p95, errors.

Prints figures; it judges nothing and always exits 0 (it is a benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from itertools import cycle
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _load import drive, gunicorn, percentile, request, throwaway_database  # noqa: E402
from partners import fill  # noqa: E402

from portal import create_app  # noqa: E402
from portal.api import registry  # noqa: E402
from portal.api.tokens import create_token  # noqa: E402
from portal.core import config as portal_config  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.models import User  # noqa: E402

LIMIT = 500
PATH = f"/api/v1/partners?limit={LIMIT}"


def statements_per_page(app, secret: str) -> tuple[list[int], list[str], int]:
    """Walk the listing in-process: (statements per page, each page's URL, rows)."""
    client = app.test_client()
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    counts, urls, rows, cursor = [], [], 0, None
    headers = {"Authorization": f"Bearer {secret}"}
    client.get(PATH, headers=headers)  # warm: mappers configured, statements compiled
    while True:
        url = PATH if cursor is None else f"{PATH}&cursor={cursor}"
        urls.append(url)
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            body = client.get(url, headers=headers).get_json()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts.append(len(statements))
        rows += len(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return counts, urls, rows


def walk(port: int, urls: list[str], headers: dict) -> tuple[float, list[float], int]:
    """One client, page after page: (seconds, per-page ms, rows)."""
    latencies, rows = [], 0
    began = time.perf_counter()
    for url in urls:
        start = time.perf_counter()
        status, _, body = request(port, "GET", url, headers=headers)
        latencies.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"GET {url} answered {status}: {body[:300]!r}")
        rows += len(json.loads(body)["data"])
    return time.perf_counter() - began, latencies, rows


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
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    with throwaway_database(args.database_url, "bench_api") as (url, tmp):
        settings = {
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "PORTAL_URL": "http://127.0.0.1",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",  # as deployed
            # A key prefix of this run's own: no earlier run's counts in Redis.
            "RATELIMIT_KEY_PREFIX": f"bench-api-{secrets.token_hex(4)}",
            "API_RATE_LIMIT": "1000000 per minute",  # measured here, not refused
            "SECRET_KEY": secrets.token_hex(32),
        }
        app = create_app(settings)
        with app.app_context():
            engine = db.engine
            dialect = engine.dialect.name
            db.create_all()
            started = time.perf_counter()
            counts = fill(engine, args.partners, args.org_units)
            filled = time.perf_counter() - started
            admin = db.session.get(User, 1)
            _, secret = create_token(admin, "Bench", registry.scopes())
            per_page, urls, served = statements_per_page(app, secret)
            db.session.remove()
            engine.dispose()

        print(f"== API partner listing: {dialect}, {args.partners:,} partners, limit={LIMIT}")
        print(
            f"fill: {sum(counts.values()):,} rows in {filled:.1f} s ("
            + ", ".join(f"{n:,} {t}" for t, n in counts.items() if n > 1)
            + ")"
        )
        print(
            f"\nSQL statements per page (in-process, {len(per_page)} pages, {served:,} rows): "
            f"min {min(per_page)}, max {max(per_page)}; by page: " + " ".join(map(str, per_page))
        )

        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": settings["SECRET_KEY"],
            "RATELIMIT_KEY_PREFIX": settings["RATELIMIT_KEY_PREFIX"],
            "API_RATE_LIMIT": settings["API_RATE_LIMIT"],
            "SESSION_COOKIE_SECURE": "false",
            "HTMX_URL": portal_config.HTMX_CDN_URL,
            "HTMX_SRI": portal_config.HTMX_SRI,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "MAIL_SERVER": "",
            "FLASK_DEBUG": "0",
        }
        headers = {"Authorization": f"Bearer {secret}"}
        log = tmp / "gunicorn.log"
        with gunicorn(env, workers=args.workers, log=log) as port:
            walk(port, urls[:4], headers)  # warm both workers
            seconds, latencies, rows = walk(port, urls, headers)
            print(f"\nOne client walking every page (gunicorn -w {args.workers})")
            print(
                f"  {len(urls)} pages, {rows:,} rows in {seconds:.2f} s: "
                f"{len(urls) / seconds:.1f} req/s, {rows / seconds:,.0f} rows/s, "
                f"p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms"
            )
            pages = cycle(urls)
            result = drive(port, lambda: next(pages), headers, args.clients, args.seconds)
            other = {s: n for s, n in result.statuses.items() if s != 200}
            print(
                f"\n{args.clients} concurrent clients for {args.seconds:g} s, "
                f"each page in turn ({os.cpu_count()} CPUs)"
            )
            print(
                f"  {result.rps:.1f} req/s, {result.rps * LIMIT:,.0f} rows/s, "
                f"p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms, errors {result.errors}"
                + (f", statuses {other}" if other else "")
            )
        if result.errors and log.exists():
            print("\ngunicorn log (last lines):")
            print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))


if __name__ == "__main__":
    main()
