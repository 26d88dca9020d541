"""Partner Portal: the application factory."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask
from limits import parse as parse_limit
from werkzeug.middleware.proxy_fix import ProxyFix

# Each views module attaches its routes to its area's blueprint when imported.
from portal import (
    accounts,
    accreditation,
    api,
    assignments,
    checkins,
    concerns,
    conversations,
    exports,
    finance,
    kpis,
    notifications,
    obligations,
    partners,
    partnerships,
    reports,
    review,
    surveys,
    tracking,
    vault,
)
from portal import mail as mail_area
from portal.accounts import views as _accounts_views  # noqa: F401
from portal.accounts.cli import create_admin, export_permission
from portal.accounts.sessions import init_login
from portal.accreditation import calendar_views, manage, template_views  # noqa: F401
from portal.accreditation import export as _accreditation_export  # noqa: F401
from portal.accreditation import views as _accreditation_views  # noqa: F401
from portal.api import token_views  # noqa: F401
from portal.api import views as _api_views  # noqa: F401
from portal.api.cli import api_commands
from portal.assignments import views as _assignments_views  # noqa: F401
from portal.checkins import views as _checkins_views  # noqa: F401
from portal.concerns import export as _concerns_export  # noqa: F401
from portal.concerns import views as _concerns_views  # noqa: F401
from portal.conversations import views as _conversations_views  # noqa: F401
from portal.core import config as settings
from portal.core import errors, filters, headers, i18n, inputs
from portal.core.extensions import cache, csrf, db, limiter, login_manager, migrate
from portal.core.extensions import mail as mail_extension
from portal.core.storage_check import storage_commands
from portal.demo import seed_demo
from portal.exports import views as _exports_views  # noqa: F401
from portal.finance import views as _finance_views  # noqa: F401
from portal.kpis import api as _kpis_api  # noqa: F401
from portal.kpis import export as _kpis_export  # noqa: F401
from portal.kpis import views as _kpis_views  # noqa: F401
from portal.mail import log_views  # noqa: F401
from portal.mail import template_views as _mail_template_views  # noqa: F401
from portal.mail.cli import outbox as outbox_commands
from portal.notifications import preferences_views  # noqa: F401
from portal.notifications import views as _notifications_views  # noqa: F401
from portal.obligations import pages as _obligations_pages  # noqa: F401
from portal.obligations import views as _obligations_views  # noqa: F401
from portal.orgunits.cli import orgunits as orgunits_commands
from portal.partners import export as _partners_export  # noqa: F401
from portal.partners import form_views, merge_views, organisation_views  # noqa: F401
from portal.partners import views as _partners_views  # noqa: F401
from portal.partnerships import exit_views as _exit_views  # noqa: F401
from portal.partnerships import health_views as _health_views  # noqa: F401
from portal.partnerships import views as _partnerships_views  # noqa: F401
from portal.reminders.cli import reminders as reminders_commands
from portal.reports import views as _reports_views  # noqa: F401
from portal.reports.cli import reports as reports_commands
from portal.review import analytics_tables as _review_analytics_tables  # noqa: F401
from portal.review import analytics_views, reasons_views  # noqa: F401
from portal.review import views as _review_views  # noqa: F401
from portal.surveys import answer_views, results_views  # noqa: F401
from portal.surveys import api as _surveys_api  # noqa: F401
from portal.surveys import export as _surveys_export  # noqa: F401
from portal.surveys import views as _surveys_views  # noqa: F401
from portal.tracking import export as _tracking_export  # noqa: F401
from portal.tracking import views as _tracking_views  # noqa: F401
from portal.vault import views as _vault_views  # noqa: F401

BLUEPRINTS = (
    accounts.bp,
    accreditation.bp,
    review.bp,
    tracking.bp,
    partners.bp,
    mail_area.log_bp,
    mail_area.templates_bp,
    partners.organisation_bp,
    accreditation.calendar_bp,
    vault.bp,
    conversations.bp,
    notifications.bp,
    checkins.bp,
    concerns.bp,
    accreditation.templates_bp,
    reports.bp,
    notifications.settings_bp,
    surveys.bp,
    exports.bp,
    kpis.bp,
    api.bp,
    api.tokens_bp,
    partnerships.bp,
    assignments.bp,
    finance.bp,
    obligations.bp,
)
COMMANDS = (
    create_admin,
    export_permission,
    seed_demo,
    outbox_commands,
    reminders_commands,
    reports_commands,
    orgunits_commands,
    storage_commands,
    api_commands,
)

ROOT = Path(__file__).resolve().parent.parent


class Portal(Flask):
    def dispatch_request(self):
        return errors.dispatch_retrying_a_lost_connection(super().dispatch_request)


def create_app(config: dict | None = None, instance_path: Path | None = None) -> Flask:
    """Build the app; it only registers things: no tables, no migrations, no I/O.

    `instance_path` (default: the repository's instance/) holds the generated
    secret key and the default SQLite file; tests give each app a folder of its own."""
    app = Portal(
        __name__,
        instance_path=str(instance_path or ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.load(Path(app.instance_path), app.debug))
    app.config.update(config or {})
    _refuse_a_deployment_without_its_address(app)
    _refuse_a_deployment_without_a_shared_limiter_store(app)
    _refuse_settings_that_contradict_each_other(app.config)
    # Development and tests count in this process (each app its own memory).
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"] or "memory://"
    _configure_the_cache(app.config)
    if app.config["PROXY_COUNT"]:
        # The client address the throttle counts is the one the proxies saw.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"])
    # Flask-Mail would silently drop mail under `testing`; the outbox decides what is sent.
    app.config.setdefault("MAIL_SUPPRESS_SEND", False)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # PostgreSQL's JIT costs a list search ~250 ms of compiling for ~15 ms of work;
        # and with the default random_page_cost (spinning disks) the planner prefers
        # reading every partner to the trigram index (1.5 ms against 9 ms). psycopg
        # prepares repeated statements, and after five runs PostgreSQL may switch to
        # a generic plan: for the staff overview's grouped subqueries that took
        # 170-300 ms instead of 17 ms, so plan every statement for its own values.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        server_settings = "-c jit=off -c random_page_cost=1.1 -c plan_cache_mode=force_custom_plan"
        options["connect_args"] = {"options": server_settings, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    mail_extension.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    i18n.init_app(app)  # Flask-Babel: each person's pages and emails in their language
    init_login(login_manager)

    inputs.register(app)  # before any route: `<int:...>` is an identifier a column holds
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for command in COMMANDS:
        app.cli.add_command(command)
    headers.register(app)
    errors.register(app)
    filters.register(app)
    return app


def _refuse_a_deployment_without_its_address(app: Flask) -> None:
    """Emails link to PORTAL_URL: without it a deployed portal would send links to
    the development server (or, trusting the Host header, to anyone's site)."""
    if not (app.debug or app.testing or app.config["PORTAL_URL"]):
        raise RuntimeError(
            "PORTAL_URL is not set. Set it to the address people open the portal at, "
            "e.g. PORTAL_URL=https://portal.example.org (it is used in every email's links); "
            "for development use `make run` or `flask --debug ...`."
        )


def _configure_the_cache(config) -> None:
    """The limiter's Redis, if it has one, with keys of this database's own."""
    uri = config["RATELIMIT_STORAGE_URI"]
    database = hashlib.sha256(config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    config.setdefault("CACHE_KEY_PREFIX", f"{config['RATELIMIT_KEY_PREFIX']}:{database}:")
    if uri.startswith(("redis://", "rediss://")):
        config.setdefault("CACHE_TYPE", "RedisCache")
        config.setdefault("CACHE_REDIS_URL", uri)
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")


def _refuse_a_deployment_without_a_shared_limiter_store(app: Flask) -> None:
    """Failed sign-ins counted in each worker's memory would be forgotten at every
    restart and multiplied by the number of workers: a deployment counts in Redis."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if not (app.debug or app.testing or uri.startswith(("redis", "valkey"))):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI is not a Redis address. Set it to the Redis server "
            "that counts failed sign-ins for every worker, e.g. "
            "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0; "
            "for development use `make run` or `flask --debug ...`."
        )


def _refuse_settings_that_contradict_each_other(config) -> None:
    """Settings that would quietly do harm are refused at start, with the reason."""
    problems = []
    for name in (
        "LOGIN_FAILURES_PER_ACCOUNT",
        "LOGIN_FAILURES_PER_ADDRESS",
        "PASSWORD_RESETS_PER_ACCOUNT",
        "PASSWORD_RESETS_PER_ADDRESS",
        "API_RATE_LIMIT",
    ):
        try:
            parse_limit(config[name])
        except ValueError:
            problems.append(f"{name} ({config[name]!r}) is not a limit like '5 per 15 minutes'.")
    if config["OUTBOX_CLAIM_SECONDS"] <= 2 * config["OUTBOX_SMTP_TIMEOUT"]:
        problems.append(
            f"OUTBOX_CLAIM_SECONDS ({config['OUTBOX_CLAIM_SECONDS']:g}) must be well above "
            f"OUTBOX_SMTP_TIMEOUT ({config['OUTBOX_SMTP_TIMEOUT']:g}), at least twice it: "
            "a worker still waiting on a slow server would lose its claim, and another "
            "worker would send the same emails again."
        )
    if config["OUTBOX_BACKOFF_MAX_SECONDS"] < config["OUTBOX_BACKOFF_SECONDS"]:
        problems.append("OUTBOX_BACKOFF_MAX_SECONDS must not be below OUTBOX_BACKOFF_SECONDS.")
    if not 0 < config["OUTBOX_OUTAGE_SECONDS"] <= config["OUTBOX_OUTAGE_MAX_SECONDS"]:
        problems.append(
            "OUTBOX_OUTAGE_SECONDS must be above 0 and not above OUTBOX_OUTAGE_MAX_SECONDS."
        )
    if config["SURVEY_MIN_ANONYMOUS_ANSWERS"] < 2:
        problems.append(
            "SURVEY_MIN_ANONYMOUS_ANSWERS must be at least 2: below that an anonymous "
            "answer would be shown on its own, and so be anyone's to recognise."
        )
    if config["SURVEY_REMINDER_DAYS"] < 1:
        problems.append("SURVEY_REMINDER_DAYS must be at least 1.")
    if config["OUTBOX_MAX_ATTEMPTS"] < 1 or config["OUTBOX_BATCH"] < 1:
        problems.append("OUTBOX_MAX_ATTEMPTS and OUTBOX_BATCH must be at least 1.")
    if problems:
        raise RuntimeError("Settings that contradict each other: " + " ".join(problems))
