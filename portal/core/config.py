"""Every setting, read from the environment in one place."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

# htmx is pinned: one version, one integrity hash. Tests and air-gapped
# deployments point HTMX_URL at a local copy (see the Makefile's `htmx` target).
HTMX_VERSION = "2.0.11"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        # Written beside it and linked into place: of two processes starting at
        # once, the first key wins and nobody reads a half-written file.
        instance_path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=instance_path, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_hex(32))
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def load(instance_path: Path, debug: bool) -> dict:
    """Return the configuration for an app whose instance folder is `instance_path`."""
    env = os.environ.get
    max_upload_mb = int(env("MAX_UPLOAD_MB", "25"))
    if not env("DATABASE_URL"):
        # The default SQLite file lives there; SQLite does not create folders.
        instance_path.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": env("DATABASE_URL")
        or f"sqlite:///{instance_path / 'portal.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PROGRAMME_NAME": env("PROGRAMME_NAME", "Partner Accreditation Programme"),
        # Where emails link to; required outside development and tests (links never
        # follow the Host header a request brings, which anyone can forge).
        "PORTAL_URL": env("PORTAL_URL", "").rstrip("/"),
        # Host names the site answers to (comma-separated); others get 400.
        "TRUSTED_HOSTS": [h.strip() for h in env("TRUSTED_HOSTS", "").split(",") if h.strip()]
        or None,
        "TIMEZONE": env("TIMEZONE", "UTC"),
        "UPLOAD_DIR": env("UPLOAD_DIR") or str(instance_path / "uploads"),
        "MAX_UPLOAD_MB": max_upload_mb,
        # What one partner's uploads (submissions and vault documents, every
        # version) may take on disk, in bytes; 0 = no limit. Default 2 GB.
        "UPLOAD_QUOTA_PER_PARTNER": int(env("UPLOAD_QUOTA_PER_PARTNER", str(2 * 1024**3))),
        # `flask storage check --remove-orphans` removes stray files older than this.
        "STORAGE_ORPHAN_HOURS": float(env("STORAGE_ORPHAN_HOURS", "24")),
        # Werkzeug refuses larger bodies with 413 before the view reads them;
        # a little headroom covers the multipart envelope around the file.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 64 * 1024,
        "INVITATION_HOURS": int(env("INVITATION_HOURS", "72")),
        "HTMX_URL": env("HTMX_URL", HTMX_CDN_URL),
        "HTMX_SRI": env("HTMX_SRI", HTMX_SRI if not env("HTMX_URL") else ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), not debug),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": int(env("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL"), False),
        "MAIL_USERNAME": env("MAIL_USERNAME"),
        "MAIL_PASSWORD": env("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "Partner Portal <portal@localhost>"),
        "OUTBOX_MAX_ATTEMPTS": int(env("OUTBOX_MAX_ATTEMPTS", "8")),
        # After the n-th failed attempt an email waits BACKOFF x 2^(n-1) seconds,
        # at most BACKOFF_MAX (defaults: 1, 2, 4 ... 60 minutes).
        "OUTBOX_BACKOFF_SECONDS": float(env("OUTBOX_BACKOFF_SECONDS", "60")),
        "OUTBOX_BACKOFF_MAX_SECONDS": float(env("OUTBOX_BACKOFF_MAX_SECONDS", "3600")),
        # A worker holds what it claimed this long (renewed as it goes); a worker
        # that dies loses its claim when it runs out and another picks the email up.
        # Keep it well above OUTBOX_SMTP_TIMEOUT.
        "OUTBOX_CLAIM_SECONDS": float(env("OUTBOX_CLAIM_SECONDS", "300")),
        "OUTBOX_BATCH": int(env("OUTBOX_BATCH", "100")),
        "OUTBOX_SMTP_TIMEOUT": float(env("OUTBOX_SMTP_TIMEOUT", "30")),
        # `flask outbox deliver --loop` sleeps this long when nothing is due.
        "OUTBOX_IDLE_SECONDS": float(env("OUTBOX_IDLE_SECONDS", "5")),
        # While the mail server as a whole is unavailable, the worker waits OUTAGE,
        # then twice that, and so on up to OUTAGE_MAX seconds between tries (no
        # email pays an attempt for an outage; everything goes once it is back).
        "OUTBOX_OUTAGE_SECONDS": float(env("OUTBOX_OUTAGE_SECONDS", "5")),
        "OUTBOX_OUTAGE_MAX_SECONDS": float(env("OUTBOX_OUTAGE_MAX_SECONDS", "60")),
        # Who hears about changes in a partner's status, scope or coverage.
        "PROGRAMME_TEAM_EMAILS": [
            a.strip() for a in env("PROGRAMME_TEAM_EMAILS", "").split(",") if a.strip()
        ],
        # Who hears about confirmed bank-detail changes and scope expansions (finance).
        "FINANCE_EMAILS": [a.strip() for a in env("FINANCE_EMAILS", "").split(",") if a.strip()],
        # Phone numbers without a +country prefix are read in this region (e.g. "KE").
        "PHONE_REGION": env("PHONE_REGION") or None,
        # The org-unit level that counts as a district (1 = country).
        "ORGUNIT_DISTRICT_LEVEL": int(env("ORGUNIT_DISTRICT_LEVEL", "3")),
        "PARTNERS_PER_PAGE": int(env("PARTNERS_PER_PAGE", "25")),
        "ACCREDITATIONS_PER_PAGE": int(env("ACCREDITATIONS_PER_PAGE", "50")),
        # A submission should be reviewed within this many working days (Mon–Fri).
        "REVIEW_WORKING_DAYS": int(env("REVIEW_WORKING_DAYS", "5")),
        # KPIs: a partner answers a message from the programme team within this many
        # working days to count as "answered in time".
        "MESSAGE_ANSWER_WORKING_DAYS": int(env("MESSAGE_ANSWER_WORKING_DAYS", "3")),
        # Concerns (portal/concerns/path.py): acknowledged within, decided within
        # (working days of the acknowledgement), and the raiser's calendar days to
        # confirm or contest before the daily run closes it as not contested.
        "CONCERN_ACKNOWLEDGE_WORKING_DAYS": int(env("CONCERN_ACKNOWLEDGE_WORKING_DAYS", "2")),
        "CONCERN_DECISION_WORKING_DAYS": int(env("CONCERN_DECISION_WORKING_DAYS", "10")),
        "CONCERN_CONFIRM_DAYS": int(env("CONCERN_CONFIRM_DAYS", "14")),
        # KPI figures are kept this long for as long as nothing is recorded (any change
        # writes an audit event, which makes them be computed again); 0: never kept.
        "KPI_CACHE_SECONDS": int(env("KPI_CACHE_SECONDS", "600")),
        # `flask reminders send`: partners hear this many days before a deadline,
        # then the day after it passes and every REMINDER_OVERDUE_EVERY_DAYS days,
        # at most REMINDER_MAX_OVERDUE times; from the overdue reminder after the
        # REMINDER_ESCALATE_AFTER-th, the partner's other people and the staff
        # member concerned are copied.
        "REMINDER_DAYS_BEFORE": [
            int(d) for d in env("REMINDER_DAYS_BEFORE", "14,7,1").split(",") if d.strip()
        ],
        "REMINDER_OVERDUE_EVERY_DAYS": int(env("REMINDER_OVERDUE_EVERY_DAYS", "7")),
        "REMINDER_MAX_OVERDUE": int(env("REMINDER_MAX_OVERDUE", "4")),
        "REMINDER_ESCALATE_AFTER": int(env("REMINDER_ESCALATE_AFTER", "2")),
        # Partner feedback surveys: one reminder this many days after the invitation
        # to those who have not answered; anonymous answers are shown (in aggregate
        # only) when at least this many fall into the group a page shows.
        "SURVEY_REMINDER_DAYS": int(env("SURVEY_REMINDER_DAYS", "7")),
        "SURVEY_MIN_ANONYMOUS_ANSWERS": int(env("SURVEY_MIN_ANONYMOUS_ANSWERS", "5")),
        # Staff hear of submissions waiting for review longer than this many days.
        "STAFF_REVIEW_REMINDER_DAYS": int(env("STAFF_REVIEW_REMINDER_DAYS", "5")),
        # Progress reports: quarters follow the fiscal year that starts in this month
        # (1 = January); see portal/core/periods.py for how quarters are named.
        "FISCAL_YEAR_START_MONTH": int(env("FISCAL_YEAR_START_MONTH", "1")),
        # Who signs the reports the scheduler sends, and the default position of
        # staff who send one (they may change it on the form).
        "REPORT_SENDER_NAME": env("REPORT_SENDER_NAME", ""),
        "REPORT_SENDER_POSITION": env("REPORT_SENDER_POSITION", "Programme Manager"),
        # The team's contact line at the foot of every report (email, phone).
        "TEAM_CONTACT": env("TEAM_CONTACT", ""),
        # The scheduler sends the previous period's reports during this many first
        # days of a month or quarter (a missed day is caught up the next).
        "REPORT_DUE_DAYS": int(env("REPORT_DUE_DAYS", "7")),
        # Where failed sign-ins are counted: shared by every worker and kept across
        # restarts, so Redis in production (a start without it is refused); empty
        # means memory://, for development and tests.
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", ""),
        "RATELIMIT_KEY_PREFIX": env("RATELIMIT_KEY_PREFIX", "portal"),
        # A Redis that is down or hung answers within seconds, as a StorageError.
        "RATELIMIT_STORAGE_OPTIONS": {
            "wrap_exceptions": True,
            "socket_connect_timeout": 2,
            "socket_timeout": 2,
        },
        # A moving window: the budget frees one attempt at a time as the old ones age.
        "RATELIMIT_STRATEGY": "moving-window",
        # Failed sign-ins allowed per account (the email typed) and per client address
        # before every sign-in there is refused, the right password too, for the window.
        "LOGIN_FAILURES_PER_ACCOUNT": env("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": env("LOGIN_FAILURES_PER_ADDRESS", "50 per 15 minutes"),
        # Requests for a password-reset link per account and per client address.
        "PASSWORD_RESETS_PER_ACCOUNT": env("PASSWORD_RESETS_PER_ACCOUNT", "3 per hour"),
        "PASSWORD_RESETS_PER_ADDRESS": env("PASSWORD_RESETS_PER_ADDRESS", "20 per hour"),
        # Requests one API token may make (portal/api), counted in the limiter's store.
        "API_RATE_LIMIT": env("API_RATE_LIMIT", "600 per minute"),
        # Proxies in front of the portal that add X-Forwarded-For (1 behind one
        # TLS-terminating proxy): the client address is then the one they saw.
        "PROXY_COUNT": int(env("PROXY_COUNT", "0")),
    }
