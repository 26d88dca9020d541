"""Fixtures: a real database (SQLite, or PostgreSQL when DATABASE_URL says so),
a real SMTP server, builders for the domain objects, and a query counter. What
they build on (and what the tests share) is in tests/helpers.py."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile

import pytest
from argon2 import PasswordHasher
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from werkzeug.routing.rules import Rule

from portal import create_app
from portal.accounts.passwords import hash_password
from portal.accreditation.lifecycle import open_accreditation
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import AccreditationTemplate, Partner, Requirement, Stage, User
from portal.review.reasons import all_reasons, ensure_default_reasons
from tests import analytics_world
from tests.helpers import (
    FAULT_FIGURES,
    PASSWORD,
    ROOT,
    TALLY,
    Auth,
    Clock,
    Inbox,
    QueryCounter,
    RequestClient,
    SMTPServer,
    htmx_url,
)

# --- speed: what every test pays for, paid once -----------------------------
#
# Measured (issue 14): a typical test spent most of its time building its app and
# compiling what that app then renders, not on what it tests. Nothing here changes
# what runs: the same code, built once and reused where it cannot differ.

# The temporary folders (each test's SQLite database, uploads, instance folder) on a
# RAM disk where there is one: every commit and every upload fsyncs, and on a busy
# machine's disk each fsync waited tens of milliseconds. `--basetemp` still wins.
_RAM_DISK = "/dev/shm"
if (
    os.path.isdir(_RAM_DISK)
    and os.access(_RAM_DISK, os.W_OK)
    and shutil.disk_usage(_RAM_DISK).free > 2 * 1024**3
):
    tempfile.tempdir = _RAM_DISK


def _remembering_builder(compile_builder):
    """Rule._compile_builder, remembered. Werkzeug writes and compiles Python source
    for each rule's URL builder: ~300 compiles (most of create_app's time) for each
    test's app, the same ones every time. The function it makes reads the rule only
    through its `.self` argument (the converters), so one made for an identical rule
    serves any other; a rule with a default inside its path (resolved at compile time
    through its converter) is compiled as before."""
    made = {}

    def compile_remembered(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and name in defaults for dynamic, name in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), tuple(map(str, defaults)), append_unknown)
        if key not in made:
            made[key] = compile_builder(self, append_unknown)
        return made[key]

    return compile_remembered


Rule._compile_builder = _remembering_builder(Rule._compile_builder)


class _MemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled templates, shared by every test's app: each app has its own
    Jinja environment and would otherwise parse and compile each template it renders
    again. Jinja checks each entry against the template's source (a changed template
    is compiled anew); the environments are all made alike, by create_app."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


# A development server (`make run`) may be writing its own database meanwhile.
_DEV_DATABASE = "portal.db"
_DEV_JOURNALS = ("-journal", "-wal", "-shm")


def _instance_files() -> dict[str, tuple[int, int]] | None:
    folder = ROOT / "instance"
    if not folder.exists():
        return None
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file() and not path.name.endswith(_DEV_JOURNALS)
    }


@pytest.fixture(scope="session", autouse=True)
def _repository_instance_untouched():
    """Fail the run if a test wrote the repository's own instance/ folder (its
    secret key, its database): every app a test builds gets a folder of its own."""
    before = _instance_files()
    yield
    after = _instance_files()
    if before is None:
        assert after is None, f"the tests created {ROOT / 'instance'}: {sorted(after)}"
        return
    gained = sorted(set(after) - set(before))
    changed = sorted(
        name
        for name in set(after) & set(before)
        if after[name] != before[name] and name != _DEV_DATABASE
    )
    assert not (gained or changed), f"the tests wrote {ROOT / 'instance'}: {gained + changed}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """SQLite in a temporary folder, or the PostgreSQL that DATABASE_URL names."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engine = create_engine(url)
    try:
        engine.connect().close()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.exit(f"PostgreSQL at {url} is unreachable in CI: {exc}", returncode=1)
        pytest.exit(
            f"PostgreSQL at {url} is unreachable; start it or unset DATABASE_URL", returncode=1
        )
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the tables once per run; each test then starts from empty tables."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True},
        instance_path=tmp_path_factory.mktemp("instance"),
    )
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        db.engine.dispose()
    yield
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Real argon2id, at its cheapest: hashing is not what the tests are about,
    and at the production cost it would take most of their time."""
    monkeypatch.setattr("portal.accounts.passwords._hasher", _QUICK_HASHER)
    # What an unknown email is checked against, hashed alike (so that both answers
    # still take as long; the production-cost one took ~80 ms a check).
    monkeypatch.setattr("portal.accounts.passwords._DUMMY_HASH", _QUICK_DUMMY_HASH)


_QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_QUICK_DUMMY_HASH = _QUICK_HASHER.hash("not-a-real-password")


def _commit_without_waiting_for_the_disk(connection, _record) -> None:
    """PostgreSQL answers a commit before its WAL reaches the disk: what each session
    sees, and when, is unchanged (only a crash of the server could lose the last
    commits, and the tests' database is thrown away anyway). On a busy machine's disk
    each commit otherwise waited for an fsync, and a test commits dozens of times."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    connection.commit()


@pytest.fixture
def app(_schema, database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "SESSION_COOKIE_SECURE": False,
            "HTMX_URL": htmx_url(),
            "HTMX_SRI": "",
            "MAIL_SERVER": "",
            "SERVER_NAME": None,
        },
        instance_path=tmp_path / "instance",
    )
    app.test_client_class = RequestClient
    app.jinja_env.bytecode_cache = _TEMPLATES
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "connect", _commit_without_waiting_for_the_disk)
        yield app
        db.session.remove()
        # Empty every table, children first, so the next test starts clean.
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def clock(app, monkeypatch) -> Clock:
    """The app's clock, moved: `clock.set(day, time)` stops it at that local time
    of the programme's zone, for the app and for the test's own local_today().
    Everything the portal dates goes through portal.core.types.utcnow(), so that
    is the one place it is moved."""
    moved = Clock()
    monkeypatch.setattr("portal.core.types.datetime", moved.datetime_class())
    return moved


@pytest.fixture
def keep_logging():
    """migrations/env.py calls logging.fileConfig(), which disables every logger
    that already exists and replaces the root handlers; put them back so the
    tests that run afterwards still see their logs."""
    root = logging.getLogger()
    root_state = (root.level, root.handlers[:])
    loggers = {
        name: (logger.disabled, logger.level, logger.handlers[:], logger.propagate)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.setLevel(root_state[0])
    root.handlers[:] = root_state[1]
    for name, logger in logging.root.manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        disabled, level, handlers, propagate = loggers.get(name, (False, logging.NOTSET, [], True))
        logger.disabled, logger.propagate = disabled, propagate
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- builders -------------------------------------------------------------


@pytest.fixture
def make_template(app):
    def make(
        stages=(
            ("Document submission", 30, 2),
            ("Compliance review", 30, 1),
            ("Final approval", 14, 1),
        ),
    ) -> AccreditationTemplate:
        n = db.session.scalar(db.select(db.func.count(AccreditationTemplate.id))) + 1
        template = AccreditationTemplate(name=f"Template {n}")
        for position, (name, days, documents) in enumerate(stages, start=1):
            stage = Stage(position=position, name=name, duration_days=days)
            stage.requirements = [
                Requirement(position=i, name=f"{name} document {i}", description="")
                for i in range(1, documents + 1)
            ]
            template.stages.append(stage)
        db.session.add(template)
        db.session.commit()
        return template

    return make


@pytest.fixture
def make_user(app):
    def make(
        email: str,
        role: str = "partner",
        partner: Partner | None = None,
        name: str | None = None,
        password: str | None = PASSWORD,
        partner_role: str | None = None,
    ) -> User:
        user = User(
            email=email,
            name=name or email.split("@")[0].title(),
            role=role,
            partner=partner,
            # A partner's first user is its focal point unless said otherwise.
            partner_role=partner_role or ("focal" if role == "partner" else None),
            password_hash=hash_password(password) if password else None,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_partner(app, make_user, make_template):
    """A partner with a focal-point user and an accreditation on a template."""

    def make(
        name: str = "Alpha Health",
        acronym: str = "AH",
        template=None,
        focal_email: str | None = None,
        started_on=None,
    ):

        from portal.models import Contact
        from portal.partners import search as partner_search

        # As the app makes them: searchable, with a primary contact who can log in.
        partner = Partner(name=name, acronym=acronym, search_key=partner_search.key(name, acronym))
        db.session.add(partner)
        db.session.commit()
        focal = make_user(focal_email or f"focal@{acronym.lower()}.example.org", partner=partner)
        db.session.add(
            Contact(
                partner_id=partner.id,
                name=focal.name,
                title="Focal point",
                email=focal.email,
                is_primary=True,
                user_id=focal.id,
            )
        )
        partner_search.refresh([partner.id])
        template = (
            template or db.session.scalar(db.select(AccreditationTemplate)) or make_template()
        )
        accreditation = open_accreditation(None, partner, template, started_on or local_today())
        db.session.commit()
        return partner, focal, accreditation

    return make


@pytest.fixture
def change_reasons(app) -> dict:
    """The reasons for sending a document back that the migration seeds, by label."""
    ensure_default_reasons()
    db.session.commit()
    return {reason.label: reason for reason in all_reasons()}


@pytest.fixture
def review_world(
    app, clock, make_partner, make_template, make_user, staff, pdf_bytes, change_reasons
):
    """A third quarter of reviews, uploads and milestones for the review analytics
    (the story and its awkward cases: tests/analytics_world.py)."""
    return analytics_world.build(
        app, clock, make_partner, make_template, make_user, staff, pdf_bytes, change_reasons
    )


@pytest.fixture
def make_survey(app):
    """A survey as an administrator defines it: by default a rating, a choice and
    a free-text question, anonymous answers allowed, and active (sent after each
    decided cycle)."""
    from portal.surveys.definitions import QuestionDraft, SurveyDraft, activate, create_survey

    def make(
        admin: User,
        name: str = "After your accreditation",
        questions=None,
        allows_anonymous: bool = True,
        active: bool = True,
    ):
        questions = questions or [
            QuestionDraft("How clear were the requirements?", "rating"),
            QuestionDraft("Which stage was hardest?", "choice", True, ["Documents", "Review"]),
            QuestionDraft("What should we change?", "text", required=False),
        ]
        survey = create_survey(
            admin, SurveyDraft(name, "Five minutes.", allows_anonymous, questions)
        )
        return activate(admin, survey) if active else survey

    return make


@pytest.fixture
def staff(make_user):
    """The programme's administrator and manager."""
    return {
        "admin": make_user("admin@example.org", role="admin", name="Ada Admin"),
        "manager": make_user("manager@example.org", role="manager", name="Manu Manager"),
    }


@pytest.fixture
def pdf_bytes() -> bytes:
    return sample_pdf("Test document")


# --- logging in -----------------------------------------------------------


@pytest.fixture
def auth(client):
    return Auth(client)


# --- counting queries -----------------------------------------------------


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as q: ...; q.count`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, *args):
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --- a real SMTP server ---------------------------------------------------


@pytest.fixture
def smtp(app):
    """A running SMTP server; the app is configured to deliver to it."""
    server = SMTPServer(inbox=Inbox())
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = server.port
    yield server
    server.close()


def pytest_terminal_summary(terminalreporter):
    if TALLY.sent:
        counts = ", ".join(f"{test} {n}" for test, n in TALLY.by_test.items())
        terminalreporter.write_line(f"hostile inputs sent: {TALLY.sent} ({counts})")
    for line in FAULT_FIGURES:
        terminalreporter.write_line(line)
