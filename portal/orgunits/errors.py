"""Why an import of organisation units was refused.

An import is all-or-nothing. Everything is read and checked first, with every
problem collected and located (the file's line for CSV, a JSON pointer for
JSON), so that one round trip shows the user all they must fix. The parsers
(`parsing`, `dhis2`) and the checks (`hierarchy`) add to one `LocatedErrors`;
the import stops with an `OrgUnitImportError` listing them all.
"""

from __future__ import annotations

from portal.core.errors import DomainError

# Past this many errors the user learns nothing new from the rest.
MAX_ERRORS = 50


class OrgUnitImportError(DomainError):
    """The file was not imported; `errors` says where and why, one line each."""

    def __init__(self, errors: list[str]):
        self.error_count = len(errors)
        shown = list(errors[:MAX_ERRORS])
        if self.error_count > MAX_ERRORS:
            shown.append(f"... and {self.error_count - MAX_ERRORS} more errors.")
        self.errors = shown
        super().__init__("\n".join(shown))


class LocatedErrors:
    """Located messages, reported in the order they appear in the file."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, str]] = []

    def add(self, order: int, message: str) -> None:
        self._items.append((order, len(self._items), message))

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            raise OrgUnitImportError([message for _, _, message in sorted(self._items)])


def located(where: str, ident: str) -> str:
    return f"{where} ({ident})" if ident else where
