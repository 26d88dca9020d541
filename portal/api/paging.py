"""Walking a resource page by page: `limit`, `cursor` and `updated_since`.

Rows come in order of their key (the id), and a page ends where the next
starts: the cursor carries the last key served, so a row is never served
twice nor skipped, however the rows change between pages (a key never changes;
new rows get higher ones and come on later pages). With `updated_since` a
page holds the rows changed at or after that instant; a row that changes while
a client walks is served again by the client's next synchronisation, as its
updated_at moved. The cursor also carries the `updated_since` it was made
under, and is signed, so a page cannot silently continue another walk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from portal.api.errors import bad_parameter
from portal.api.registry import Resource
from portal.core.extensions import db

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
LIMIT_MESSAGE = f"limit must be a whole number from 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."
SINCE_MESSAGE = (
    "updated_since must be an ISO 8601 date and time, e.g. 2026-01-31T00:00:00Z "
    "(without an offset it is read as UTC; in a URL write + as %2B)."
)
CURSOR_MESSAGE = (
    "cursor must be the next_cursor of a page of this resource, as given; start again without it."
)


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: int | None  # the last key the previous page served
    since: datetime | None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="portal.api.cursor")


def read(resource: Resource, args) -> PageRequest:
    """The page a query string asks for, or a 400 naming the parameter at fault.
    A parameter left empty is as if absent (a Power Query parameter left blank)."""
    limit = _limit(args.get("limit") or None)
    since = _since(args.get("updated_since") or None)
    after = None
    if cursor := args.get("cursor"):
        after, cursor_since = _cursor(resource, cursor)
        if since is not None and since != cursor_since:
            raise bad_parameter(
                "updated_since",
                "updated_since differs from the one this cursor's walk began with; "
                "send the same value, or start again without the cursor.",
            )
        since = cursor_since
    return PageRequest(limit, after, since)


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 4):
        raise bad_parameter("limit", LIMIT_MESSAGE)
    if not 1 <= int(text) <= MAX_LIMIT:
        raise bad_parameter("limit", LIMIT_MESSAGE)
    return int(text)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)  # an offset may carry year 1 or 9999 past the calendar
    except (ValueError, OverflowError):
        raise bad_parameter("updated_since", SINCE_MESSAGE) from None


def _cursor(resource: Resource, value: str) -> tuple[int, datetime | None]:
    try:
        name, after, since = _serializer().loads(value)
        if name != resource.name or not isinstance(after, int):
            raise ValueError(name)
        return after, None if since is None else datetime.fromisoformat(since)
    except (BadData, ValueError, TypeError):
        raise bad_parameter("cursor", CURSOR_MESSAGE) from None


def _next_cursor(resource: Resource, after: int, since: datetime | None) -> str:
    return _serializer().dumps([resource.name, after, since.isoformat() if since else None])


def fetch(resource: Resource, page: PageRequest) -> tuple[list, str | None]:
    """The page's rows and the cursor of the next page (None after the last).

    Whether a row follows is asked in a second statement that reads only the
    key's index, rather than by fetching one row more: loader options fetch
    related rows 500 parents at a time, and a 501st row would cost each of them
    a statement. It is asked after a short page too, so every page that has rows
    costs the same statements."""
    key = resource.key_column

    def rows_after(after: int | None, query):
        if after is not None:
            query = query.where(key > after)
        if page.since is not None:
            query = query.where(resource.updated_column >= page.since)
        return query.order_by(key)

    query = rows_after(page.after, resource.select()).limit(page.limit)
    described = query.column_descriptions
    result = db.session.execute(query)
    if len(described) == 1 and described[0]["expr"] is described[0]["entity"]:
        rows = result.scalars().unique().all()  # one entity: its objects
    else:
        rows = result.all()  # labelled columns: rows
    if not rows:
        return rows, None
    last = resource.key_of(rows[-1])
    following = rows_after(last, resource.keys()).limit(1)
    if db.session.execute(following).first() is None:
        return rows, None
    return rows, _next_cursor(resource, last, page.since)
