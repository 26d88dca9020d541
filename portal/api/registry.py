"""The API's resources, each defined once: its name (URL and scope), what a row
is, its fields with their JSON types, and how a row becomes JSON. The listing
endpoints (portal/api/views.py) and the OpenAPI document (portal/api/openapi.py)
are both made from these definitions, so they cannot disagree.

A field is made by one of the kinds below (`integer`, `text`, `day`, ...),
which give its JSON Schema and turn the model's value into JSON (days and
times as ISO 8601, times in UTC); `attribute` may be a dotted path
("requirement.name") or a function of the row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select

Getter = str | Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    """One property of a row: its JSON Schema and its value, from the row
    (`value`) or, for what lies in other tables, for the whole page at once
    (`batch`: the page's keys -> {key: value}, one statement; rows it leaves
    out get `empty`)."""

    name: str
    schema: dict
    value: Callable[[Any], Any] | None = None
    description: str = ""
    batch: Callable[[list], dict] | None = None
    empty: Any = None


@dataclass(frozen=True)
class Resource:
    """One list of rows the API serves at /api/v1/<name>.

    `model`'s rows are listed by `model.id` (a unique integer, the paging key)
    and filtered by `model.updated_at` (which must move whenever a served field
    does); `options` are the loader options that fetch what the fields read in
    a constant number of statements per page. A resource that is not one
    model's rows gives `query` (a select of one entity or of labelled columns)
    and the `key` and `updated` columns within it."""

    name: str
    title: str  # one row, in words: "Checklist item"
    description: str
    model: type | None
    fields: tuple[Field, ...]
    options: tuple = ()
    scope: str = ""  # default: the name
    query: Callable[[], Select] | None = None
    key: Any = None
    updated: Any = None

    def __post_init__(self) -> None:
        if not self.scope:
            object.__setattr__(self, "scope", self.name)
        if self.query is None and self.model is None:
            raise ValueError(f"resource {self.name!r} needs a model or a query")

    @property
    def endpoint(self) -> str:
        return self.name.replace("-", "_")

    @property
    def schema_name(self) -> str:
        return self.title.title().replace(" ", "").replace("-", "")

    @property
    def key_column(self):
        return self.key if self.key is not None else self.model.id

    @property
    def updated_column(self):
        return self.updated if self.updated is not None else self.model.updated_at

    def select(self) -> Select:
        if self.query is not None:
            return self.query()
        return select(self.model).options(*self.options)

    def keys(self) -> Select:
        """The rows' keys alone (the joins and conditions of `query` kept)."""
        if self.query is not None:
            return self.query().with_only_columns(self.key_column)
        return select(self.key_column)

    def rows(self, found: list) -> list[dict]:
        """The page's rows as JSON: each field from its row, or from its batch."""
        keys = [self.key_of(row) for row in found]
        batches = {f.name: f.batch(keys) for f in self.fields if f.batch and keys}

        def value(f: Field, row, key):
            return batches[f.name].get(key, f.empty) if f.batch else f.value(row)

        return [
            {f.name: value(f, row, key) for f in self.fields}
            for row, key in zip(found, keys, strict=True)
        ]

    def key_of(self, obj) -> int:
        return getattr(obj, self.key_column.key)


RESOURCES: dict[str, Resource] = {}


def register(resource: Resource) -> Resource:
    """Serve `resource` (import the module that calls this before create_app)."""
    if resource.name in RESOURCES:
        raise ValueError(f"an API resource named {resource.name!r} is registered already")
    RESOURCES[resource.name] = resource
    return resource


def scopes() -> list[str]:
    """Every scope a token may be given, in registration order."""
    return list(dict.fromkeys(r.scope for r in RESOURCES.values()))


# --- the kinds of field ----------------------------------------------------------


def _getter(name: str, attribute: Getter | None) -> Callable[[Any], Any]:
    if callable(attribute):
        return attribute
    path = (attribute or name).split(".")

    def get(obj):
        for part in path:
            if obj is None:
                return None
            obj = getattr(obj, part)
        return obj

    return get


def _typed(kind: dict, nullable: bool) -> dict:
    schema = dict(kind)
    if nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def _field(kind, convert, name, attribute, nullable, description) -> Field:
    get = _getter(name, attribute)

    def value(obj):
        raw = get(obj)
        return None if raw is None else convert(raw)

    return Field(name, _typed(kind, nullable), value, description=description)


def integer(name: str, attribute: Getter | None = None, *, nullable=False, description=""):
    return _field({"type": "integer"}, int, name, attribute, nullable, description)


def number(name: str, attribute: Getter | None = None, *, nullable=False, description=""):
    return _field({"type": "number"}, float, name, attribute, nullable, description)


def text(name: str, attribute: Getter | None = None, *, nullable=False, description=""):
    return _field({"type": "string"}, str, name, attribute, nullable, description)


def boolean(name: str, attribute: Getter | None = None, *, nullable=False, description=""):
    return _field({"type": "boolean"}, bool, name, attribute, nullable, description)


def choice(
    name: str,
    values: Iterable[str],
    attribute: Getter | None = None,
    *,
    nullable=False,
    description="",
):
    kind = {"type": "string", "enum": [*values, *([None] if nullable else [])]}
    return _field(kind, str, name, attribute, nullable, description)


def day(name: str, attribute: Getter | None = None, *, nullable=False, description=""):
    return _field(
        {"type": "string", "format": "date"}, date.isoformat, name, attribute, nullable, description
    )


def moment(name: str, attribute: Getter | None = None, *, nullable=False, description=""):
    """An instant, in UTC, as ISO 8601 with its offset (+00:00)."""
    return _field(
        {"type": "string", "format": "date-time"},
        datetime.isoformat,
        name,
        attribute,
        nullable,
        description,
    )


def listing(
    name: str,
    items: dict,
    value: Callable[[Any], list] | None = None,
    *,
    batch: Callable[[list], dict[Any, list]] | None = None,
    description="",
):
    """A list of values (`items` is their schema): made by `value` from the row,
    or by `batch` for every row of the page at once (rows it leaves out: [])."""
    return Field(name, {"type": "array", "items": items}, value, description, batch, [])


def object_of(properties: dict[str, dict]) -> dict:
    """The schema of an object with exactly these properties, all present."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def standard_fields(*fields: Field) -> tuple[Field, ...]:
    """`fields` between the id and the updated_at every model resource serves."""
    return (
        integer("id", description="The row's identifier: stable, never reused."),
        *fields,
        moment("updated_at", description="When the row last changed (UTC)."),
    )
