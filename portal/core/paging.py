"""Paging for the lists that count and slice their own rows (the partner list,
the accreditations overview, the review queue): one way to read a page number,
clamp it, and slice the query."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from portal.core.inputs import identifier_or_none


def page_number(value: str | int | None) -> int:
    """The page a URL asks for (also as `type=` of `args.get`): a positive whole
    number a query's offset can hold, else the first."""
    return identifier_or_none(value) or 1


@dataclass
class Window:
    """Page `page` of `total` rows, `per_page` at a time."""

    total: int
    per_page: int
    page: int = 1

    def __post_init__(self) -> None:
        self.page = min(page_number(self.page), self.pages)  # past the end: the last page

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        """The position of the page's first row (0 when there are none)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    def slice(self, query):
        """`query` limited to this page's rows."""
        return query.limit(self.per_page).offset(self.offset)
