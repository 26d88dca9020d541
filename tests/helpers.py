"""What the tests share besides fixtures: constants, logging in, uploads made of
real bytes, looks at what landed on disk and in the database, the types of the
web tests' world, and a real SMTP server.

Fixtures live in the conftest files, which import from here; tests import from
here (and the browser tests from tests/e2e/helpers.py), never from a conftest
or from another test module."""

from __future__ import annotations

import io
import os
import re
import socket
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.core.clock import to_utc
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import (
    Accreditation,
    ChangeReason,
    NeedCheck,
    OutboxEmail,
    Partner,
    Requirement,
    Submission,
    User,
)
from portal.partners.drafts import ContactDraft, PartnerDraft
from portal.partners.records import add_partner
from portal.partnerships import need
from portal.review.reasons import ensure_default_reasons

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"  # what the make_user fixture gives everyone


# --- the app under test ---------------------------------------------------


def htmx_url() -> str:
    """The local copy of the pinned htmx (`make htmx` fetches it; never committed)."""
    from portal.core.config import HTMX_VERSION

    local = os.environ.get("HTMX_LOCAL") or f"static/vendor/htmx-{HTMX_VERSION}.min.js"
    return "/" + local


class RequestClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Flask reuses an app context that is already pushed (the test's own), and
    with it `g` (where Flask-Login caches the user) and the database session: a
    second client would then act as the first one's user, and a view that
    forgot to commit would look as if it had. So each request gets a fresh
    context, and afterwards the test's session forgets what it had loaded.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


class Clock:
    """What the `clock` fixture gives: the app's clock, stopped where it is set."""

    def __init__(self):
        self.now: datetime | None = None  # None: the real time

    def set(self, day: date, at: time) -> None:
        """Stop the clock at `day` `at` in the programme's time zone (TIMEZONE)."""
        self.now = to_utc(day, at)

    def datetime_class(self) -> type[datetime]:
        clock = self

        class MovedDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                # The portal asks for now(UTC) only (portal.core.types.utcnow).
                return datetime.now(tz) if clock.now is None else clock.now.astimezone(tz)

        return MovedDatetime


# --- logging in -----------------------------------------------------------


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        # Flask-WTF's CSRF stays on: fetch the form's token like a browser would.
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


def csrf_token(client, path: str) -> str:
    """The CSRF token of the page at `path` (every page carries it on <body>)."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def token_for(client, logged_in: bool = True) -> str:
    """A CSRF token valid for this client's session."""
    return csrf_token(client, "/" if logged_in else "/login")


def bearer(secret: str) -> dict[str, str]:
    """The header that carries an API token."""
    return {"Authorization": f"Bearer {secret}"}


def first_api_token_id() -> int:
    """The world's API token (tests/web/conftest.py), for routes that name one."""
    from portal.models import ApiToken

    return db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))


# --- uploads made of real bytes -------------------------------------------

# Minimal files of each accepted kind: only what a content sniffer looks at.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64

_OOXML = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
}
_ODF = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def office_document(kind: str) -> bytes:
    """A minimal DOCX/XLSX/ODT/ODS package, built the way office suites zip them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        if kind in _OOXML:
            package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            package.writestr(_OOXML[kind], '<?xml version="1.0"?><document/>')
        else:
            # ODF wants `mimetype` first and uncompressed.
            package.writestr(
                zipfile.ZipInfo("mimetype"), _ODF[kind], compress_type=zipfile.ZIP_STORED
            )
            package.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return buffer.getvalue()


def archive_bomb(kind: str = "odt", megabytes: int = 64) -> bytes:
    """An office package whose one member unpacks to `megabytes` of zeros, about
    a thousand times its compressed size: written in chunks, never held whole."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        member = "mimetype" if kind == "odt" else _OOXML[kind]
        if kind != "odt":
            package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with package.open(member, "w", force_zip64=True) as inside:
            chunk = bytes(1 << 20)
            for _ in range(megabytes):
                inside.write(chunk)
    return buffer.getvalue()


def file_upload(data: bytes, filename: str) -> FileStorage:
    """What a browser's multipart form gives the view."""
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def pdf_file(name: str = "report.pdf", data: bytes | None = None):
    """A PDF as the test client posts a file: (stream, filename)."""
    return (io.BytesIO(data if data is not None else sample_pdf(name)), name)


# --- what landed on disk and in the database -------------------------------


def stored_files() -> list[Path]:
    """Every file under UPLOAD_DIR, temporary ones included."""
    root = Path(current_app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def a_reason(label: str = "Incomplete") -> int:
    """The id of an offered reason for sending a document back (the list the
    migration seeds, made here when the test's tables have none)."""
    ensure_default_reasons()
    db.session.commit()
    return db.session.scalar(
        select(ChangeReason.id).filter_by(label=label).where(ChangeReason.retired_at.is_(None))
    )


def make_prospect(admin: User, name: str, email: str) -> Partner:
    """A prospective partner with one item in each section of its need check and
    the research noted: ready for the decision (portal/partnerships)."""
    partner = add_partner(
        admin,
        PartnerDraft(
            name=name,
            contacts=[ContactDraft(name="Pat Prospect", email=email, is_primary=True)],
            prospective=True,
        ),
    )
    need.add_item(admin, partner, "benefit", f"{name}: supervision visits", tested=True)
    need.add_item(admin, partner, "commitment", f"{name}: two supervisors", tested=False)
    need.add_item(admin, partner, "strategy", f"{name}: district plan", tested=False)
    need.save_research(admin, partner, f"{name}: no one else does this work here.")
    return partner


def need_item_of(prospect: Partner):
    """The first item of a prospect's need check: its benefit (tested)."""
    return db.session.get(NeedCheck, prospect.id).items[0]


def submission_count() -> int:
    return db.session.scalar(db.select(db.func.count(Submission.id)))


def requirements_of(accreditation: Accreditation) -> list[Requirement]:
    """The accreditation's documents in milestone order."""
    return [r for m in accreditation.milestones for r in m.stage.requirements]


def snapshot() -> dict:
    """Every row of every table, to see that nothing changed."""
    db.session.expire_all()
    return {
        table.name: db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        for table in db.metadata.sorted_tables
    }


@dataclass
class QueryCounter:
    """What the count_queries fixture counted."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


# --- the web tests' world (the `world` fixture of tests/web/conftest.py) ---


@dataclass
class Side:
    """One partner organisation as the tests see it."""

    partner: Partner
    focal: User
    accreditation: object
    requirement: object
    submission: Submission
    email: OutboxEmail
    filename: str
    token: str  # a fresh set-password token of the focal point
    document: object  # a partnership agreement
    feed_token: str  # the focal point's calendar feed secret
    item: object  # the checklist item of `requirement`
    milestone: object  # the first milestone
    vault_document: object  # a registration certificate in the vault
    notification: object  # one of the focal point's notifications
    checkin: object  # a check-in meeting with the programme team
    concern: object  # a concern the focal point raised, not yet acknowledged
    concern_event: object  # its "raised" step, with a file of evidence


@dataclass
class World:
    admin: User
    manager: User
    a: Side
    b: Side


# --- a real SMTP server ---------------------------------------------------


class Inbox:
    """What a real SMTP server on 127.0.0.1 received.

    `refuse` maps addresses to the answer the server gives to their RCPT (e.g.
    "550 5.1.1 No such user"); while `deferring` is set every message is
    answered "451 Try again later" (a server that takes connections but not
    mail: a failure of each email, not of the server)."""

    def __init__(self, refuse: dict[str, str] | None = None):
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.refuse = dict(refuse or {})
        self.deferring = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        if self.deferring:
            return "451 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


class _HeldPortController(Controller):
    """aiosmtpd's Controller serving on a socket the test has already bound.

    aiosmtpd binds in `_create_server`, the hook its subclasses override; given
    the socket's real port, its readiness check (which fails for port 0) connects."""

    def __init__(self, handler, sock: socket.socket, **kwargs):
        self._sock = sock
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


def _shared_port_socket() -> socket.socket:
    # SO_REUSEPORT lets this process's sockets share the port (and only sockets of
    # the same user that ask for it, which no server the tests start does).
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


@dataclass
class SMTPServer:
    """A real SMTP server on a port that stays this server's until close().

    Choosing a free port, closing it and letting aiosmtpd bind it later left a
    moment in which another suite running side by side could take the port (and
    the mail). So a claim socket is bound, never listening, for the server's whole
    life: nobody else can bind the port, connections to it are refused while the
    server is stopped (as some tests want), and each start() listens on the
    same port through a socket of its own."""

    inbox: Inbox
    port: int | None = None  # the system picks it on the first start()
    controller: object = None
    _claim: socket.socket | None = None

    def start(self):
        if self._claim is None:
            self._claim = _shared_port_socket()
            self._claim.bind(("127.0.0.1", 0))
            self.port = self._claim.getsockname()[1]
        sock = _shared_port_socket()
        try:
            # Connections closed by the server linger in TIME_WAIT on this port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.port))
            self.controller = _HeldPortController(self.inbox, sock)
            self.controller.start()
        except BaseException:
            self.controller = None
            sock.close()
            raise

    def stop(self):
        if self.controller is not None:
            self.controller.stop()  # closes the listening socket
            self.controller = None

    def close(self):
        self.stop()
        if self._claim is not None:
            self._claim.close()
            self._claim = None


# --- the hostile-input suite's count ------------------------------------------


@dataclass
class Tally:
    """How many hostile inputs tests/web/test_hostile_input.py sent, by test: the
    run prints it at the end (tests/conftest.py pytest_terminal_summary)."""

    sent: int = 0
    by_test: dict[str, int] = field(default_factory=dict)

    def count(self, test: str, n: int = 1) -> None:
        self.sent += n
        self.by_test[test] = self.by_test.get(test, 0) + n


TALLY = Tally()


# Figures the fault suite measured (tests/faults/): the run prints them at the end.
FAULT_FIGURES: list[str] = []
