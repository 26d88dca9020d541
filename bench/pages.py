"""Page timings and query counts at scale: `make bench` (never part of the tests).

Builds a throwaway database (SQLite by default, or BENCH_DATABASE_URL), loads
the demo plus N partners, each with an accreditation and submissions, and
requests the main pages in-process. Prints median and p95 times and the number
of SQL statements per request, which must not grow with the number of rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app, demo  # noqa: E402
from portal.accreditation.lifecycle import open_accreditation  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    AccreditationTemplate,
    Partner,
    Submission,
    User,
)

PARTNERS = int(os.environ.get("BENCH_PARTNERS", "500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def populate() -> None:
    demo.load()
    template = db.session.scalar(db.select(AccreditationTemplate))
    requirements = [r for s in template.stages for r in s.requirements]
    uploader = db.session.scalar(db.select(User).filter_by(role="partner"))
    for i in range(PARTNERS):
        partner = Partner(name=f"Bench partner {i:04d}", acronym=f"BP{i}")
        db.session.add(partner)
        db.session.add(
            User(
                email=f"focal{i}@bench.example.org",
                name=f"Focal {i}",
                role="partner",
                partner=partner,
            )
        )
        accreditation = open_accreditation(
            None, partner, template, date.today() - timedelta(days=i % 90)
        )
        for n, requirement in enumerate(requirements[: i % 6 + 1]):
            db.session.add(
                Submission(
                    accreditation=accreditation,
                    requirement=requirement,
                    version=1,
                    filename="bench.pdf",
                    storage_key=f"bench-{i}-{n}",
                    content_type="application/pdf",
                    size=1000,
                    sha256="0" * 64,
                    uploaded_by_id=uploader.id,
                    status="approved" if n < i % 4 else "submitted",
                )
            )
        if i % 100 == 99:
            db.session.commit()
    db.session.commit()


def measure(engine, client, path: str) -> tuple[float, float, int]:
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    times = []
    for round_ in range(ROUNDS):
        if round_ == ROUNDS - 1:
            event.listen(engine, "before_cursor_execute", listener)
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    event.remove(engine, "before_cursor_execute", listener)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(statements)


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302 and "/login" not in response.location, email
    return client


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "UPLOAD_DIR": f"{tmp}/uploads",
                "SESSION_COOKIE_SECURE": False,
                "PORTAL_URL": "http://127.0.0.1",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",  # as deployed
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            start = time.perf_counter()
            populate()
            print(
                f"database: {db.engine.dialect.name}; {PARTNERS + 3} partners loaded in "
                f"{time.perf_counter() - start:.1f} s; {ROUNDS} requests per page"
            )
            waiting = db.session.scalar(
                db.select(db.func.count()).where(Submission.status == "submitted")
            )
            db.session.commit()
            engine = db.engine
        # Requests run outside any app context, as in production: Flask would
        # otherwise share one (and `g`, where the logged-in user is cached)
        # between the two clients.
        staff, partner = login(app, "admin@example.org"), login(app, "focal@ndst.example.org")
        rows = [
            ("partner list", staff, "/partners", f"{PARTNERS + 3} rows"),
            ("review queue", staff, "/review", f"{waiting} rows"),
            ("partner detail", staff, "/partners/2", ""),
            ("email log", staff, "/emails", "50 rows"),
            ("partner dashboard", partner, "/accreditation", ""),
        ]
        print(f"{'page':<20}{'median ms':>10}{'p95 ms':>9}{'queries':>9}  rows")
        for name, client, path, note in rows:
            median, p95, queries = measure(engine, client, path)
            print(f"{name:<20}{median:>10.1f}{p95:>9.1f}{queries:>9}  {note}")
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
