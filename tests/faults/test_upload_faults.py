"""The upload fault suite: many partners uploading at once to the portal under
gunicorn while its web workers are killed with SIGKILL, as the OOM killer or a
crashed host does. No upload that was answered is lost, nothing answers 5xx,
version numbers stay clean, and `flask storage check` accounts for every file
a killed worker left (and cleans it).

Runs against the test run's database: a SQLite file in a temporary folder, or
the PostgreSQL that DATABASE_URL names (the `app` fixture empties its tables
afterwards)."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal.core.extensions import db
from portal.core.storage import digest_of
from portal.core.storage_check import check_storage
from portal.demo import sample_pdf
from portal.models import Accreditation, Submission
from tests.helpers import PASSWORD, ROOT

pytestmark = pytest.mark.faults

PARTNERS = 50
FILES = 20  # per partner, all to one requirement
WORKERS = 3  # gunicorn sync workers
CLIENTS = 12  # uploads in flight at once
KILLS = 3  # workers killed during the run, at KILL_AT of the uploads done
KILL_AT = (0.15, 0.4, 0.65)
BOOT_SECONDS = 90  # upper bounds for conditions, generous for a busy machine
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


# --- the server --------------------------------------------------------------


class Server:
    """gunicorn serving wsgi:app from this tree with sync workers."""

    def __init__(self, tmp: Path, database_url: str, upload_dir: str):
        # The port is bound here and handed to gunicorn as a listening socket, so no
        # other suite can take it between choosing it and serving on it.
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.set_inheritable(True)
        self.port = self.listener.getsockname()[1]
        self.log = tmp / "gunicorn.log"
        config = tmp / "gunicorn.conf.py"
        config.write_text(
            f"bind = 'fd://{self.listener.fileno()}'\nworkers = {WORKERS}\nworker_class = 'sync'\n"
            f"timeout = 120\ngraceful_timeout = 10\nerrorlog = {str(self.log)!r}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update(
            DATABASE_URL=database_url,
            UPLOAD_DIR=upload_dir,
            SECRET_KEY="fault-suite-" + uuid.uuid4().hex,
            PORTAL_URL=f"http://127.0.0.1:{self.port}",
            SESSION_COOKIE_SECURE="0",
            MAIL_SERVER="",
            # As deployed: the sign-in throttle counts in Redis, under this run's own prefix.
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
            RATELIMIT_KEY_PREFIX="fault-suite-" + uuid.uuid4().hex,
            PYTHONPATH=str(ROOT),
        )
        self.master = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(config), "wsgi:app"],
            cwd=ROOT,
            env=env,
            pass_fds=(self.listener.fileno(),),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def workers(self) -> set[int]:
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def wait_until(self, condition, what: str) -> None:
        deadline = time.monotonic() + BOOT_SECONDS
        while not condition():
            assert self.master.poll() is None, f"gunicorn exited: {self.log_tail()}"
            assert time.monotonic() < deadline, f"gave up waiting for {what}"
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            return request(self.port, "GET", "/login")[0] == 200
        except OSError:
            return False

    def stop(self) -> None:
        self.master.send_signal(signal.SIGTERM)
        try:
            self.master.wait(30)
        except subprocess.TimeoutExpired:
            self.master.kill()
            self.master.wait()
        self.listener.close()

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """One request on a fresh connection: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def cookie_of(headers: dict, previous: str | None) -> str | None:
    value = headers.get("Set-Cookie", "")
    return value.split(";", 1)[0] if value.startswith("session=") else previous


def multipart(fields: dict, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Focal:
    """A partner's focal point, signed in: the session cookie and its CSRF token."""

    cookie: str
    token: str
    path: str  # where its requirement's uploads go


def sign_in(port: int, email: str, accreditation_id: int, requirement_id: int) -> Focal:
    status, headers, page = request(port, "GET", "/login")
    cookie = cookie_of(headers, None)
    token = TOKEN.search(page.decode()).group(1)
    body = urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    status, headers, _ = request(
        port,
        "POST",
        "/login",
        body,
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302, f"{email} could not sign in ({status})"
    cookie = cookie_of(headers, cookie)
    status, headers, page = request(
        port, "GET", f"/accreditations/{accreditation_id}", None, {"Cookie": cookie}
    )
    assert status == 200
    cookie = cookie_of(headers, cookie)  # the session now holds the CSRF secret
    token = TOKEN.search(page.decode()).group(1)
    path = f"/accreditations/{accreditation_id}/requirements/{requirement_id}/submissions"
    return Focal(cookie, token, path)


# --- the load ----------------------------------------------------------------


@dataclass
class Upload:
    focal: Focal
    title: str
    data: bytes = b""
    outcome: str = ""  # ok, 5xx, 4xx, interrupted (twice: not answered at all)
    interruptions: int = 0

    def __post_init__(self):
        self.data = sample_pdf(self.title)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def send(self, port: int) -> None:
        """Upload; after a connection error (a killed worker), once more."""
        body, content_type = multipart({"csrf_token": self.focal.token}, "report.pdf", self.data)
        headers = {"Cookie": self.focal.cookie, "Content-Type": content_type}
        for _ in range(2):
            try:
                status, _, _ = request(port, "POST", self.focal.path, body, headers)
            except (ConnectionError, http.client.HTTPException):
                self.interruptions += 1
                continue
            self.outcome = "ok" if status == 302 else "5xx" if status >= 500 else f"{status}"
            return
        self.outcome = "interrupted"


def killer(server: Server, done: list, total: int, killed: list, stop: threading.Event):
    """Kill a worker each time the uploads done pass a mark (gunicorn starts a new one)."""
    for mark in KILL_AT[:KILLS]:
        while len(done) < mark * total:
            if stop.wait(0.02):
                return
        victim = min(server.workers() - set(killed))
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)


# --- the test ----------------------------------------------------------------


def test_uploads_survive_killed_web_workers(
    app, runner, database_url, tmp_path, make_template, make_partner, staff, capsys
):
    started = time.monotonic()
    template = make_template(stages=(("Documents", 30, 1), ("Final approval", 14, 1)))
    sides = [
        make_partner(name=f"Fault Partner {n:02d}", acronym=f"FP{n:02d}", template=template)
        for n in range(PARTNERS)
    ]
    requirement = template.stages[0].requirements[0]
    setup_seconds = time.monotonic() - started

    server = Server(tmp_path, database_url, app.config["UPLOAD_DIR"])
    try:
        server.wait_until(server.ready, "gunicorn to answer")
        server.wait_until(lambda: len(server.workers()) == WORKERS, "every worker")
        boot_seconds = time.monotonic() - started - setup_seconds
        logins = [
            (focal.email, accreditation.id, requirement.id) for _, focal, accreditation in sides
        ]
        with ThreadPoolExecutor(CLIENTS) as pool:
            focals = list(pool.map(lambda login: sign_in(server.port, *login), logins))
        # Two uploads of a partner side by side, so its versions race as well.
        uploads = [
            Upload(focals[p], f"Partner {p} file {f}")
            for pair in range(0, FILES, 2)
            for p in range(PARTNERS)
            for f in (pair, pair + 1)
        ]
        done, killed, stop = [], [], threading.Event()
        kills = threading.Thread(target=killer, args=(server, done, len(uploads), killed, stop))
        load_started = time.monotonic()
        kills.start()
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:
                for upload in pool.map(lambda u: u.send(server.port) or u, uploads):
                    done.append(upload)
        finally:
            stop.set()
            kills.join()
        load_seconds = time.monotonic() - load_started
        server.wait_until(
            lambda: len(server.workers() - set(killed)) == WORKERS,
            "gunicorn to replace the killed workers",
        )
    finally:
        stopping = time.monotonic()
        server.stop()
        stop_seconds = time.monotonic() - stopping
    log = server.log_tail()

    outcomes = Counter(u.outcome for u in uploads)
    interrupted = [u for u in uploads if u.interruptions]
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(Submission)
        .join(Accreditation)
        .where(Accreditation.id.in_([a.id for _, _, a in sides]))
        .order_by(Submission.accreditation_id, Submission.version)
    ).all()
    by_sha = {}
    for row in rows:
        by_sha.setdefault(row.sha256, []).append(row)
    report = check_storage()
    orphan_digests = [digest_of(p) for p in report.orphans]
    interrupted_digests = {u.sha256 for u in interrupted}
    lost = [
        u
        for u in uploads
        if u.outcome == "ok"
        and not any(
            (path := Path(app.config["UPLOAD_DIR"]) / r.storage_key[:2] / r.storage_key).is_file()
            and digest_of(path) == u.sha256
            for r in by_sha.get(u.sha256, [])
        )
    ]
    gapped = []
    for _, _, accreditation in sides:
        mine = [r for r in rows if r.accreditation_id == accreditation.id]
        versions = [r.version for r in mine]
        statuses = [r.status for r in mine]
        if versions != list(range(1, len(mine) + 1)) or statuses != ["superseded"] * (
            len(mine) - 1
        ) + ["submitted"]:
            gapped.append(accreditation.id)

    cleaned = runner.invoke(args=["storage", "check", "--remove-orphans", "--older-than", "0"])
    after = runner.invoke(args=["storage", "check"])

    with capsys.disabled():
        print(
            f"\n== upload faults ({database_url.split(':')[0]}): {PARTNERS} partners x {FILES} "
            f"files, {CLIENTS} clients, {WORKERS} gunicorn workers, {len(killed)} killed\n"
            f"   answered OK {outcomes['ok']}, 5xx {outcomes['5xx']}, other "
            f"{sum(n for o, n in outcomes.items() if o not in ('ok', '5xx', 'interrupted'))}, "
            f"interrupted {len(interrupted)} (of which unanswered after a retry "
            f"{outcomes['interrupted']})\n"
            f"   rows {len(rows)}, files {report.files - len(report.temporary)}, "
            f"orphan files {len(report.orphans)} (all from interrupted uploads: "
            f"{all(d in interrupted_digests for d in orphan_digests)}), temp files "
            f"{len(report.temporary)}, rows without files {len(report.missing)}, "
            f"checksum mismatches {len(report.mismatched)}, lost uploads {len(lost)}, "
            f"requirements with unclean versions {len(gapped)}\n"
            f"   after storage check --remove-orphans: exit {after.exit_code}\n"
            f"   set-up {setup_seconds:.1f} s, gunicorn up {boot_seconds:.1f} s, uploads "
            f"{load_seconds:.1f} s ({len(uploads) / load_seconds:.0f}/s), "
            f"stop {stop_seconds:.1f} s, total {time.monotonic() - started:.1f} s"
        )

    assert len(killed) == KILLS
    assert outcomes["5xx"] == 0, log
    assert outcomes["ok"] + outcomes["interrupted"] == len(uploads), (outcomes, log)
    assert lost == []
    assert report.missing == [] and report.mismatched == []
    assert gapped == []
    # A killed worker may leave the file of the upload it was storing; only those.
    assert all(d in interrupted_digests for d in orphan_digests)
    assert len(report.orphans) + len(report.temporary) <= len(interrupted)
    assert len(rows) + len(report.orphans) + len(report.temporary) >= outcomes["ok"]
    assert cleaned.exit_code == 0, cleaned.output
    assert after.exit_code == 0 and "No problems found." in after.output, after.output
