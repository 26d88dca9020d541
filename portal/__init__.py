"""Partner Portal: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal import config as settings
from portal.extensions import csrf, db, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app; it only registers things: no tables, no migrations, no I/O."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.load(Path(app.instance_path), app.debug))
    app.config.update(config or {})
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
    mail.init_app(app)
    login_manager.init_app(app)
    from portal import i18n  # Flask-Babel: each partner's emails in its language

    i18n.init_app(app)

    from portal import auth, cli, cli_orgunits, errors, filters
    from portal.accreditation import bp as accreditation_bp
    from portal.auth import bp as auth_bp
    from portal.calendar import bp as calendar_bp
    from portal.checkins import bp as checkins_bp
    from portal.conversations import bp as conversations_bp
    from portal.email_templates import bp as email_templates_bp
    from portal.emails import bp as emails_bp
    from portal.notifications import bp as notifications_bp
    from portal.organisation import bp as organisation_bp
    from portal.partners import bp as partners_bp
    from portal.preferences import bp as settings_bp
    from portal.programme import bp as programme_bp
    from portal.reports import bp as reports_bp
    from portal.review import bp as review_bp
    from portal.tracking import bp as tracking_bp
    from portal.vault import bp as vault_bp

    for blueprint in (
        auth_bp,
        accreditation_bp,
        review_bp,
        tracking_bp,
        partners_bp,
        emails_bp,
        email_templates_bp,
        organisation_bp,
        calendar_bp,
        vault_bp,
        conversations_bp,
        notifications_bp,
        checkins_bp,
        programme_bp,
        reports_bp,
        settings_bp,
    ):
        app.register_blueprint(blueprint)
    app.after_request(_security_headers)
    auth.init_login(login_manager)
    errors.register(app)
    filters.register(app)
    cli.register(app)
    cli_orgunits.register(app)
    return app


def _security_headers(response):
    """Browsers must not guess types (a download stays a download), frame the
    portal, or send its URLs (which may hold tokens) to other sites."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
