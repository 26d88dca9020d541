"""The sandbox editable email templates render in: only the documented fields
(already plain values), formatting filters, and a budget that a short template
cannot compose its way around: loop iterations, the size of every value it
builds (repetition, concatenation, joins, powers), the size of its output, and
wall time. Past the budget the render stops with a clear reason."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask import current_app
from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import TemplateError
from jinja2.runtime import LoopContext
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from portal.core import i18n
from portal.mail.merge_fields import LIST_ITEM_FIELDS, MERGE_FIELDS


@dataclass(frozen=True)
class TemplateProblem:
    line: int | None
    message: str
    where: str = "body"  # "subject" or "body"

    def __str__(self) -> str:
        place = f"line {self.line} of the {self.where}" if self.line else f"the {self.where}"
        return f"{place}: {self.message}"


# Filters a template may use: formatting only. Left out: anything that makes
# markup ("safe", "urlize", "xmlattr"), reaches into objects ("attr", "map"), or
# can blow a short template up into a huge string ("center", "indent", "replace",
# "wordwrap", "format").
_SAFE_FILTERS = [
    *("abs", "capitalize", "count", "d", "default", "first", "float", "int", "join"),
    *("last", "length", "lower", "round", "string", "title", "trim", "truncate"),
    *("upper", "wordcount"),
]

# A template author must not be able to ask for a gigabyte or a minute: "x" * 10**9,
# "%09999999d" % 1, partner_name.center(10**8), intro|join(a long text), loops in
# loops over "x" * 1000, a text doubled by `~` in a loop, (10 ** 64) ** 64 ** ...
_MAX_REPEAT = 1_000
_MAX_EXPONENT = 64
MAX_VALUE = 100_000  # characters (or items) of any text or list a template builds
MAX_OUTPUT = 200_000  # characters of the rendered email
MAX_ITERATIONS = 50_000  # loop steps in one render, all loops together
MAX_SECONDS = 2.0
_MAX_INT_BITS = 4_096
_SIZING_METHODS = frozenset(
    ["format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join"]
)


@dataclass
class Budget:
    """What one render may still spend."""

    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)
    iterations: int = 0

    def step(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise TooCostly(f"the loops run more than {MAX_ITERATIONS:,} times")
        if self.iterations % 1_000 == 0:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TooCostly(f"it takes longer than {MAX_SECONDS:g} seconds to write")


_budget: ContextVar[Budget] = ContextVar("email_template_budget")


def _spend() -> Budget:
    budget = _budget.get(None)
    if budget is None:  # a template rendered outside `render_within_budget`
        raise TooCostly("a template renders only within its budget")
    return budget


def _sized(value: Any) -> Any:
    if isinstance(value, str | list | tuple) and len(value) > MAX_VALUE:
        raise TooCostly(f"it builds a text or list longer than {MAX_VALUE:,}")
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        raise TooCostly("it builds a number too large to write")
    return value


def _counted(iterable: Iterable) -> Iterator:
    """A for-loop's iterable, each step paid for."""
    budget = _spend()
    for item in iterable:
        budget.step()
        yield item


def _concat(*parts: Any) -> str:
    """`a ~ b`, refused past MAX_VALUE (a text doubled in a loop grows fast)."""
    _spend().check_time()
    return _sized("".join(str(part) for part in parts))


class _Metered(NodeTransformer):
    """Rewrites a parsed template so every loop and every `~` goes through the budget."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        node = self.generic_visit(node)
        node.iter = nodes.Call(nodes.Name("__counted__", "load"), [node.iter], [], None, None)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        node = self.generic_visit(node)
        return nodes.Call(nodes.Name("__concat__", "load"), node.nodes, [], None, None)


class Sandbox(SandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def call(self, context, obj, /, *args, **kwargs):
        if isinstance(obj, LoopContext):
            # `loop(...)` in a recursive for: the loops it starts are paid for too.
            args = tuple(_counted(arg) for arg in args)
        return super().call(context, obj, *args, **kwargs)

    def is_safe_attribute(self, obj, attr, value):
        return attr not in _SIZING_METHODS and super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value):
        # Jinja hands str.format a sandboxed formatter before asking
        # is_safe_attribute; widths ("{:>99999999}") still make huge strings.
        if super().wrap_str_format(value) is not None:
            raise TooCostly("format() is not available; use the filters")
        return None

    def call_binop(self, context, operator, left, right):
        if operator == "%" and isinstance(left, str):
            raise TooCostly("text formatting with % is not available; use the filters")
        if operator == "**" and isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
            raise TooCostly("that power is too large")
        both_ints = isinstance(left, int) and isinstance(right, int)
        if operator == "**" and both_ints and left.bit_length() * max(right, 0) > _MAX_INT_BITS:
            raise TooCostly("it builds a number too large to write")
        if operator == "*":
            for value, count in ((left, right), (right, left)):
                sized = isinstance(value, str | list | tuple) and isinstance(count, int)
                if sized and (count > _MAX_REPEAT or len(value) * count > MAX_VALUE):
                    raise TooCostly("that repetition is too long")
            if both_ints and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise TooCostly("it builds a number too large to write")
        _spend().check_time()
        return _sized(super().call_binop(context, operator, left, right))


class TooCostly(TemplateError):
    pass


_ENVIRONMENTS: dict[str, Sandbox] = {}


def sandbox(language: str) -> Sandbox:
    """One environment per language: its `day`, `percent` and `number` filters
    format for that language."""
    cache = _ENVIRONMENTS
    if language not in cache:
        env = Sandbox(
            undefined=StrictUndefined,
            autoescape=False,  # text; the HTML part escapes the whole result
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        env.globals.clear()  # no range, dict, namespace, lipsum...: only the fields
        env.filters = {name: env.filters[name] for name in _SAFE_FILTERS}
        env.filters["join"] = _capped_join
        env.filters["day"] = lambda value: _day(value, language)
        env.filters["percent"] = lambda value: _percent(value, language)
        env.filters["number"] = lambda value: _number(value, language)
        cache[language] = env
    return cache[language]


def _capped_join(value: Any, separator: str = "", attribute: Any = None) -> str:
    """Jinja's `join` for text (no attribute access), refusing a huge result."""
    if attribute is not None:
        raise TooCostly("join(attribute=...) is not available")
    parts = ["" if part is None else str(part) for part in value]
    if sum(map(len, parts)) + len(str(separator)) * len(parts) > MAX_VALUE:
        raise TooCostly("that join is too long")
    return str(separator).join(parts)


def _day(value: Any, language: str) -> str:
    """A date (or an ISO date string) for `language`; other text as it is."""
    if isinstance(value, str):
        try:
            value = (date if len(value) == 10 else datetime).fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, date | datetime):
        return i18n.format_day(value, language)
    return "" if value is None else str(value)


def _percent(value: Any, language: str) -> str:
    """A percentage given as 0-100 (or text that already says it)."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return i18n.format_percent(value, language)
    return "" if value is None else str(value)


def _number(value: Any, language: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return i18n.format_number(value, language)
    return "" if value is None else str(value)


def _plain(value: Any) -> Any:
    """What a field may hold in the sandbox: text, numbers, dates, lists and small
    dicts of those. Anything else (a model, Markup) becomes plain text, so a
    template can reach nothing through a field."""
    if value is None or isinstance(value, bool | int | float | date):
        return value
    if isinstance(value, str):
        return str.__str__(value)  # Markup -> str: its content is text like any other
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def fields_for(key: str, fields: dict) -> dict:
    """The documented fields only; a field the caller left out is empty (a list
    field an empty list), so an optional field in a template never breaks a send."""
    lists = LIST_ITEM_FIELDS.get(key, {})
    values = {name: ([] if name in lists else "") for name in MERGE_FIELDS[key]}
    values["programme"] = current_app.config["PROGRAMME_NAME"]
    values.update({k: _plain(v) for k, v in fields.items() if k in MERGE_FIELDS[key]})
    return values


@lru_cache(maxsize=256)
def compiled(language: str, source: str) -> Template:
    """Compiling is most of a render's cost (a report took 11.7 ms compiled each
    time, 0.6 ms from this cache): a batch of a thousand reports compiles its
    template once. Keyed by the text itself, so a new version is another entry."""
    env = sandbox(language)
    tree = _Metered().visit(env.parse(source))
    helpers = {"__counted__": _counted, "__concat__": _concat}
    return Template.from_code(env, env.compile(tree), env.make_globals(helpers))


def render_within_budget(template: Template, values: dict) -> str:
    """The rendered text, or TooCostly as soon as the render overspends."""
    token = _budget.set(Budget())
    try:
        written, size = [], 0
        for chunk in template.generate(values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TooCostly(f"the email comes out longer than {MAX_OUTPUT:,} characters")
            written.append(chunk)
        return "".join(written)
    finally:
        _budget.reset(token)


def problem(error: BaseException, where: str) -> TemplateProblem:
    """The template line an error happened on (Jinja puts template frames with
    the template's line numbers in the traceback) and a readable reason."""
    line = getattr(error, "lineno", None)
    if line is None:
        tb = error.__traceback__ if error.__traceback__ else sys.exc_info()[2]
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<template>":
                line = tb.tb_lineno
            tb = tb.tb_next
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    if "is undefined" in message:
        message = f"{message} (a field or an entry's field that does not exist)"
    if "unsafe" in message or type(error).__name__ == "SecurityError":
        message = f"not allowed in an email template ({message})"
    return TemplateProblem(line, message, where)
