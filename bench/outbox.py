"""Email at scale: queue this quarter's progress report for 1,000 partners, then
deliver it to a local aiosmtpd server with one worker process and again with two.

Prints the time to queue, the delivery rate (emails per second) for each run, and
the duplicates and losses counted at the server by Message-ID (both must be 0).
Targets (issue 5): queueing under 10 s; at least 50 emails/s with one worker.

SQLite by default (a temporary file); `--database-url` names a PostgreSQL server
on which a throwaway `bench_email_<random>` database is created and dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/outbox.py`: the project root comes first on the path.
# (Named email.py, this file stood in for the standard library's `email` package
# for every bench script beside it.)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import date  # noqa: E402

from bench._load import throwaway_database  # noqa: E402

PARTNERS = 1000
QUEUE_TARGET_S = 10.0
RATE_TARGET = 50.0


class CountingInbox:
    """An SMTP handler that only notes each message's Message-ID: the server's
    own parsing is not what is measured."""

    def __init__(self, messages):
        self.messages = messages

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook
        match = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.M | re.I)
        self.messages.append(match.group(1) if match else b"?")
        return "250 OK"


def _config(url: str, tmp: Path, port: int) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_DEFAULT_SENDER": "programme@example.org",
        "PORTAL_URL": "https://portal.example.org",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",  # as deployed
    }


def populate(config: dict) -> None:
    """1,000 partners, a third of them French, each with a focal point and an
    accreditation two months in (some documents approved)."""
    from portal import create_app
    from portal.accreditation.lifecycle import open_accreditation
    from portal.core.extensions import db
    from portal.models import AccreditationTemplate, Contact, Partner, Requirement, Stage, User

    app = create_app(config)
    with app.app_context():
        db.create_all()
        template = AccreditationTemplate(name="Partner accreditation")
        for position, (name, documents) in enumerate(
            (("Document submission", 5), ("Compliance review", 2), ("Final approval", 1)), 1
        ):
            stage = Stage(position=position, name=name, duration_days=30)
            stage.requirements = [
                Requirement(position=i, name=f"{name} document {i}")
                for i in range(1, documents + 1)
            ]
            template.stages.append(stage)
        db.session.add_all(
            [template, User(email="admin@example.org", name="Ada Admin", role="admin")]
        )
        db.session.commit()
        for n in range(PARTNERS):
            name = f"Partner {n:04d} Health"
            partner = Partner(
                name=name, language="fr" if n % 3 == 0 else "en", search_key=name.lower()
            )
            focal = User(
                email=f"focal{n}@p{n}.example.org",
                name=f"Focal {n}",
                role="partner",
                partner=partner,
                partner_role="focal",
            )
            db.session.add_all([partner, focal])
            db.session.flush()
            db.session.add(
                Contact(
                    partner_id=partner.id,
                    name=focal.name,
                    email=focal.email,
                    is_primary=True,
                    user_id=focal.id,
                )
            )
            open_accreditation(None, partner, template, date.today().replace(day=1))
        db.session.commit()
        db.engine.dispose()


def queue_reports(config: dict) -> tuple[float, int]:
    from portal import create_app
    from portal.core import periods
    from portal.core.extensions import db
    from portal.models import OutboxEmail, User
    from portal.reports.audience import ReportRequest
    from portal.reports.sending import send

    app = create_app(config)
    with app.app_context(), app.test_request_context(base_url=config["PORTAL_URL"]):
        admin = db.session.scalar(db.select(User).filter_by(role="admin"))
        today = date.today()
        started = time.perf_counter()
        send(admin, ReportRequest(periods.quarter_of(today).key), today)
        took = time.perf_counter() - started
        queued = db.session.scalar(db.select(db.func.count(OutboxEmail.id)))
        db.session.remove()
        db.engine.dispose()
    return took, queued


def _worker(config: dict, go) -> None:
    from portal import create_app
    from portal.core.extensions import db
    from portal.mail.delivery import deliver_pending

    app = create_app(config)
    with app.app_context():
        db.session.execute(db.select(1))  # connect before the clock starts
        go.wait()
        deliver_pending()
        db.engine.dispose()


def deliver(config: dict, workers: int, inbox: list) -> tuple[float, int, int, int]:
    """Reset every email to unsent, run `workers` processes; (seconds, emails,
    duplicates, lost) as counted at the server."""
    from portal import create_app
    from portal.core.extensions import db
    from portal.models import OutboxEmail

    app = create_app(config)
    with app.app_context():
        db.session.execute(
            db.update(OutboxEmail).values(
                status="pending",
                attempts=0,
                sent_at=None,
                next_attempt_at=None,
                claimed_by=None,
                claimed_until=None,
            )
        )
        db.session.commit()
        ids = set(db.session.scalars(db.select(OutboxEmail.id)))
        db.engine.dispose()
    del inbox[:]
    go = multiprocessing.Event()
    processes = [multiprocessing.Process(target=_worker, args=(config, go)) for _ in range(workers)]
    for process in processes:
        process.start()
    time.sleep(3)  # start-up (imports, connections) is not delivery
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
    took = time.perf_counter() - started
    seen = Counter(inbox)
    duplicates = sum(count - 1 for count in seen.values())
    return took, len(ids), duplicates, len(ids) - len(seen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    from bench._load import free_port

    multiprocessing.set_start_method("fork")
    manager = multiprocessing.Manager()
    inbox = manager.list()
    port = free_port()
    controller = Controller(CountingInbox(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    failures = []
    try:
        with throwaway_database(args.database_url, "bench_email") as (url, tmp):
            config = _config(url, tmp, port)
            kind = url.split(":")[0].split("+")[0]
            print(f"== Email: {PARTNERS:,} partners, {kind}")
            populate(config)
            took, queued = queue_reports(config)
            print(f"queue this quarter's report: {queued:,} emails in {took:.2f} s")
            if took >= QUEUE_TARGET_S:
                failures.append(f"queueing took {took:.1f} s (target < {QUEUE_TARGET_S:.0f} s)")
            for workers in (1, 2):
                took, total, duplicates, lost = deliver(config, workers, inbox)
                rate = total / took
                print(
                    f"deliver with {workers} worker(s): {total:,} emails in {took:.2f} s "
                    f"= {rate:.0f}/s; duplicates {duplicates}, lost {lost}"
                )
                if duplicates or lost:
                    failures.append(f"{workers} worker(s): {duplicates} duplicates, {lost} lost")
                if workers == 1 and rate < RATE_TARGET:
                    failures.append(f"1 worker: {rate:.0f}/s (target >= {RATE_TARGET:.0f}/s)")
    finally:
        controller.stop()
        manager.shutdown()
    for failure in failures:
        print(f"  MISS  {failure}")
    if not failures:
        print("  PASS  queue < 10 s, >= 50 emails/s with one worker, no duplicates, none lost")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
