"""What goes wrong: the rules a user broke (DomainError, raised by domain
operations and shown next to the form field), and the friendly error pages
(for HTMX requests a fragment shown in the alert area)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask_babel import force_locale, gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from portal.core.extensions import db, login_manager
from portal.core.htmx import is_htmx, retarget


class DomainError(Exception):
    """A rule the user broke; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(DomainError):
    """Someone else changed the thing first."""


# The pages' titles and messages, in the reader's language (the API's JSON stays English).
MESSAGES = {
    400: (
        lazy_gettext("Bad request"),
        lazy_gettext("The request could not be understood. Reload the page and try again."),
    ),
    403: (lazy_gettext("Not allowed"), lazy_gettext("You do not have permission to do that.")),
    404: (
        lazy_gettext("Not found"),
        lazy_gettext("There is nothing here, or you do not have access to it."),
    ),
    405: (lazy_gettext("Not allowed"), lazy_gettext("That action is not available here.")),
    413: (
        lazy_gettext("File too large"),
        lazy_gettext("The file is larger than the %(mb)s MB limit. Upload a smaller file."),
    ),
    422: (
        lazy_gettext("Cannot be stored"),
        lazy_gettext(
            "Something you entered cannot be stored (a number too large, or a character "
            "the database refuses). Nothing was saved; check what you entered and try again."
        ),
    ),
    500: (
        lazy_gettext("Something went wrong"),
        lazy_gettext("The error has been logged. Nothing you entered was saved; please try again."),
    ),
    503: (
        lazy_gettext("Briefly unavailable"),
        lazy_gettext(
            "The portal lost its connection to the database for a moment. Check whether "
            "your change was saved, then try again."
        ),
    ),
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Under /api/ (portal/api) a program reads the answer: JSON, in words for its author.
JSON_PATHS = ("/api/",)
JSON_MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing at this address; the API's resources are listed in "
    "/api/v1/openapi.json.",
    405: "The API only reads: use GET.",
    422: "A value in the request is beyond what the database can store or compare.",
    500: "Something went wrong on the portal's side; the error has been logged.",
    503: "The database is briefly unavailable; try again in a few seconds.",
}


def lost_connection(error: Exception) -> bool:
    """The database went away (a restart, a failover) or is busy, as opposed to
    refusing the statement: SQLAlchemy marked the connection invalid, none could
    be made (PostgreSQL's OperationalError), or SQLite's file stayed locked."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if db.engine.dialect.name == "sqlite":
        return "database is locked" in str(error.orig)
    return isinstance(error, OperationalError)


def dispatch_retrying_a_lost_connection(dispatch: Callable):
    """Run the view; if the database connection dropped under a request that
    changes nothing, run it once more on a fresh connection (the pool's pre-ping
    reconnects). A change is never repeated: it gets the 503 page instead, as
    its transaction may or may not have been committed."""
    try:
        return dispatch()
    except DBAPIError as error:
        if request.method not in SAFE_METHODS or not lost_connection(error):
            raise
        current_app.logger.warning("Database connection lost; running %s again", request.path)
        db.session.rollback()
        db.session.remove()
        g.pop("_login_user", None)  # Flask-Login's user came from the lost session
        return dispatch()


def wants_json() -> bool:
    return request.path.startswith(JSON_PATHS)


def json_error(code: int, message: str, **extra):
    """The one shape of every error the API answers: {status, error, message, ...}."""
    with force_locale("en"):  # a program reads it: always English
        title = str(MESSAGES.get(code, (HTTP_STATUS_CODES.get(code, "Error"),))[0])
    response = jsonify({"status": code, "error": title, "message": message, **extra})
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


def _answer(code: int, detail: str | None = None):
    if wants_json():
        return json_error(code, detail or JSON_MESSAGES.get(code, "The request was refused."))
    title, message = MESSAGES.get(code, (gettext("Error"), gettext("Something went wrong.")))
    message = detail or str(message) % {"mb": current_app.config["MAX_UPLOAD_MB"]}
    if request_ctx.url_adapter is None:
        # The request never got as far as routing (a Host that TRUSTED_HOSTS
        # refuses): the page's links cannot be built, so answer in plain text.
        return make_response(f"{title}: {message}\n", code, {"Content-Type": "text/plain"})
    if is_htmx():
        body = render_template("errors/_alert.html", title=title, message=message)
        # Shown in the page's alert area, whatever the request meant to swap.
        return retarget(make_response(body, code), "#alerts")
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _answer(
            400,
            gettext(
                "Your session expired or the form was stale. Reload the page and "
                "try again; nothing was saved."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        # A description of its own (abort(400, "...")) says more than the default.
        own = error.description if error.description != type(error).description else None
        response = make_response(_answer(error.code or 500, own if wants_json() else None))
        # Keep what the error says beyond its page, e.g. `Allow` on a 405.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def unstorable(error: Exception):
        # The last net under core.inputs and core.forms: a value the database
        # refuses (NUL on PostgreSQL, a number beyond a column) is the sender's
        # error, not the portal's, and nothing of the request is kept.
        db.session.rollback()
        app.logger.warning("Refused a value the database cannot store: %s", error)
        return _answer(422)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        if not lost_connection(error):
            app.logger.exception("Database error", exc_info=error)
            return _answer(InternalServerError.code)
        app.logger.error("Database unavailable: %s", error)
        # The page is drawn as for a visitor: who is signed in is in the database.
        g._login_user = login_manager.anonymous_user()
        response = make_response(_answer(503))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error", exc_info=error)
        return _answer(InternalServerError.code)
