"""Languages (Flask-Babel): the words from the translation catalogues in
portal/translations, dates and numbers formatted by Babel for that language.

A page is in the reader's language (`page_language`): their own choice (the header's
switcher, kept on their account, or in the session before they log in), else their
partner's reporting language, else what their browser asks for. An email is in its
recipient's language, one email at a time (`in_language`).

The catalogues are compiled at build (`make install`); a test fails when a template
has text outside `_()` or a message lacks its French translation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from babel import dates, numbers
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, gettext
from flask_login import current_user

from portal.core.errors import DomainError

# The languages partners may report in (one list: partners choose from it); the
# catalogue for each but English is portal/translations/<code>/LC_MESSAGES/messages.po
# with its compiled .mo beside it.
from portal.partners.models import LANGUAGES

if TYPE_CHECKING:
    from portal.models import User

DEFAULT_LANGUAGE = "en"

# The languages the pages can be read in: the reporting languages, and Kinyarwanda,
# whose catalogue is ready for its translators and falls back to English message by
# message until then.
INTERFACE_LANGUAGES = {**LANGUAGES, "rw": "Ikinyarwanda"}
SESSION_KEY = "language"

# "23 November 2026" / "23 novembre 2026": the day first in both, the month in words,
# so that no reader confuses 11/12 with 12/11.
DAY_PATTERN = "d MMMM y"

babel = Babel()


def init_app(app: Flask) -> None:
    """Register Flask-Babel; pages are English unless a block forces a language."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    catalogues = Path(__file__).resolve().parent.parent / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogues))
    babel.init_app(app, locale_selector=page_language)
    app.jinja_env.globals.update(
        interface_languages=INTERFACE_LANGUAGES, current_language=current_language
    )


def page_language() -> str:
    """The language a page is written in for whoever asked for it (see the module)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    user = current_user
    if user and user.is_authenticated:
        if user.language in INTERFACE_LANGUAGES:
            return user.language
        chosen = session.get(SESSION_KEY)
        if chosen in INTERFACE_LANGUAGES:
            return chosen
        if user.partner is not None and user.partner.language in INTERFACE_LANGUAGES:
            return user.partner.language
    elif session.get(SESSION_KEY) in INTERFACE_LANGUAGES:
        return session[SESSION_KEY]
    asked = request.accept_languages.best_match(list(INTERFACE_LANGUAGES))
    return asked or DEFAULT_LANGUAGE


def recipient_language(person: User | None) -> str:
    """The language a person's email is written in: the one they chose for the
    pages, else their partner's reporting language, else the default (as
    page_language, but only the languages emails are written in)."""
    if person is None:
        return DEFAULT_LANGUAGE
    if person.language in LANGUAGES:
        return person.language
    partner = person.partner
    if partner is not None and partner.language in LANGUAGES:
        return partner.language
    return DEFAULT_LANGUAGE


def current_language() -> str:
    """The code of the language being written now ("en", "fr", "rw")."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def interface_language(language: str | None) -> str:
    """`language` if the pages can be read in it, else a DomainError."""
    code = (language or "").strip().lower()
    if code not in INTERFACE_LANGUAGES:
        raise DomainError(gettext("Choose one of the languages offered."), field="language")
    return code


def checked_language(language: str | None) -> str:
    """`language` if the portal can write in it, else a DomainError saying which it can."""
    code = (language or "").strip().lower()
    if code not in LANGUAGES:
        known = ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
        raise DomainError(
            gettext(
                "Unknown language %(language)s: emails can be written in %(known)s.",
                language=repr(language),
                known=known,
            ),
            field="language",
        )
    return code


@contextmanager
def in_language(language: str) -> Iterator[str]:
    """Within the block, gettext and Flask-Babel's formatting use `language`."""
    code = checked_language(language)
    with force_locale(code):
        yield code


def format_day(value: date | datetime | None, language: str) -> str:
    """'23 November 2026' in English, '23 novembre 2026' in French; '' for no date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return dates.format_date(value, DAY_PATTERN, locale=checked_language(language))


def format_month(value: date | datetime, language: str) -> str:
    """'November 2026' / 'novembre 2026': the period of a monthly report."""
    return dates.format_date(value, "LLLL y", locale=checked_language(language))


def format_percent(value: float | int | None, language: str) -> str:
    """A percentage given as 0-100: '45%' in English, '45 %' (narrow no-break space) in French."""
    if value is None:
        return ""
    return numbers.format_percent(value / 100, locale=checked_language(language))


def format_number(value: float | int | None, language: str) -> str:
    """'1,234.5' in English, '1 234,5' in French."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=checked_language(language))


def format_quarter(period: str, language: str) -> str:
    """A fiscal quarter's key ("2026-Q3") as its readers write it: "Q3 2026",
    "T3 2026" (trimestre)."""
    year, _, number = period.partition("-Q")
    if not (year.isdigit() and number.isdigit()):
        raise DomainError(
            gettext("%(period)s is not a quarter such as 2026-Q3.", period=repr(period)),
            field="period",
        )
    with in_language(language):
        return gettext("Q%(quarter)s %(year)s", quarter=number, year=year)


# The titles accreditation/progress.py gives outstanding actions, by kind: the English
# wording around the requirement's or stage's own name.
_ACTION_WORDING = {
    "upload": ("Upload ", ""),
    "revise": ("Revise ", ""),
    "overdue": ("", " is overdue"),
}


def action_title(kind: str, title: str, language: str) -> str:
    """An outstanding action's title (progress.Action) in `language`: the words
    are translated, the document's or stage's name is kept as staff wrote it."""
    prefix, suffix = _ACTION_WORDING.get(kind, ("", ""))
    if not (prefix or suffix) or not (title.startswith(prefix) and title.endswith(suffix)):
        return title
    name = title[len(prefix) : len(title) - len(suffix)]
    with in_language(language):
        if kind == "upload":
            return gettext("Upload %(name)s", name=name)
        if kind == "revise":
            return gettext("Revise %(name)s", name=name)
        return gettext("%(name)s is overdue", name=name)
