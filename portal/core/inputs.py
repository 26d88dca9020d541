"""Identifiers, numbers and days from outside, parsed in one place.

A number that no column can hold is no identifier: PostgreSQL's integer stops at
2**31 - 1 (SQLite's is wider, so the narrower decides), and a bigger one reached
the database as an error, not as "not found". A day must leave room for the
calendar around it: a deadline in the year 9999 broke every calendar feed that
included it (the feed's end is the day after). And no text may hold NUL, which
PostgreSQL cannot store. Every route argument goes through `IdConverter`
(registered as `int`), every query-string number through `identifier`, every
form's days through `core.forms.DayField`, and every form's text through the
check in `core.forms.PortalForm`."""

from __future__ import annotations

from datetime import date

from flask import Flask, abort, request
from flask_babel import lazy_gettext
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
DAYS_MESSAGE = lazy_gettext(
    "Enter a date between %(first)s and %(last)s.", first=FIRST_DAY.year, last=LAST_DAY.year
)
NUL_MESSAGE = lazy_gettext(
    "This cannot contain the NUL character (it may have come from a copy and paste)."
)


def register(app: Flask) -> None:
    """Call before any route is added: the converters bind when a rule does."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_in_the_address)


def _refuse_nul_in_the_address():
    # A form's fields say so next to the field (core.forms); an address has no field.
    for key, value in request.args.items(multi=True):
        if has_nul(key) or has_nul(value):
            abort(400, f"The query parameter {key!r} contains the NUL character.")


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond MAX_ID matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def identifier(value) -> int:
    """An identifier from a query string or form (as `type=` of `args.get`):
    ValueError for anything but a whole number from 1 to MAX_ID written in ASCII."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise ValueError(f"not an identifier: {value!r}")
    return int(text)


def identifier_or_none(value) -> int | None:
    """An identifier, or None for anything else (a missing or tampered value)."""
    try:
        return identifier(value)
    except ValueError:
        return None


def day(value: str) -> date:
    """An ISO day within FIRST_DAY..LAST_DAY; ValueError otherwise."""
    parsed = date.fromisoformat(str(value).strip())
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise ValueError(DAYS_MESSAGE)
    return parsed


def has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value
