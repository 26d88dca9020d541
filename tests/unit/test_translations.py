"""Every word a person reads goes through the catalogues, and French has them all.

Three readings, none of them the app's own: the templates' text as an HTML parser
sees it (with every Jinja tag blanked out), the Python code's calls that show text
(flash, DomainError, form labels and messages) as its syntax tree has them, and the
messages Babel extracts, each of which must have its French translation."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
CATALOGUES = ROOT / "portal" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
KEYWORDS |= {"lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}

# Attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "hx-confirm", "data-confirm"}
BLANK = "\u2400"  # stands for a Jinja tag: never a letter
LETTERS = re.compile(r"[^\W\d_]{2,}")
# Words that are the same in every language the portal speaks: names and codes.
UNTRANSLATABLE = {"DHIS2", "UID", "IBAN", "BIC", "SWIFT", "CSV", "XLSX", "PDF", "API", "ICS"}
UNTRANSLATABLE |= {"OpenAPI", "JSON", "htmx", "ISO", "URL", "UTC", "KPI", "KPIs", "ID"}


def _blanked(source: str) -> str:
    """The template with each Jinja tag replaced by BLANK and the insides of
    {% trans %} blocks dropped (Babel extracts those)."""
    out, depth = [], 0
    for _, kind, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if kind == "block_begin":
            out.append(BLANK)
        if kind == "name" and value in ("trans", "pluralize") and out[-1:] == [BLANK]:
            depth += value == "trans"
        if kind == "name" and value == "endtrans":
            depth -= 1
        if kind == "data" and not depth:
            out.append(value)
        elif kind == "variable_begin":
            out.append(BLANK)
    return "".join(out)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name in READ_ATTRIBUTES or (
                name == "value" and attrs.get("type") in ("submit", "button")
            ):
                self._check(value or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)

    def _check(self, text: str):
        words = [
            w
            for w in re.findall(r"\w+", text.replace(BLANK, " "))
            if LETTERS.search(w) and w not in UNTRANSLATABLE
        ]
        if words:
            self.found.append(" ".join(text.replace(BLANK, "…").split()))


def untranslated_text(path: Path) -> list[str]:
    reader = _Reader()
    reader.feed(_blanked(path.read_text()))
    reader.close()
    return reader.found


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_template_has_no_text_outside_gettext(path):
    assert untranslated_text(path) == []


def test_the_reader_finds_text_in_tags_and_attributes():
    sample = ROOT / ".cache" / "sample-untranslated.html"
    sample.parent.mkdir(exist_ok=True)
    sample.write_text(
        '<p title="Open {{ x }}">{{ _("Fine") }} Hello {{ name }}</p>'
        '<input type="submit" value="Save"><script>var a = "x";</script>'
        "{% trans %}Inside a block{% endtrans %}<td>{{ n }} · DHIS2 —</td>"
    )
    assert untranslated_text(sample) == ["Open …", "… Hello …", "Save"]


# Python: the calls whose first argument a person reads.
SHOWN = {"flash", "DomainError", "Conflict", "NotAllowed"}
FIELD = re.compile(r"[A-Z]\w*Field$")


def _is_literal_text(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(LETTERS.search(node.value))
    )


def untranslated_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
        shown = list(node.args[:1]) if name in SHOWN or FIELD.search(name) else []
        shown += [k.value for k in node.keywords if k.arg in ("message", "description", "label")]
        if name in ("ValidationError", "StopValidation"):
            shown += node.args[:1]
        found += [
            f"{path.relative_to(ROOT)}:{arg.lineno} {name}"
            for arg in shown
            if _is_literal_text(arg)
        ]
    return found


def _describes_the_json_api(path: Path) -> bool:
    """The JSON API's resources and their OpenAPI descriptions: written for the
    developers of reporting tools, in English like the API's own field names."""
    in_api = path.parent.name == "api" and path.name in ("registry.py", "resources.py")
    return in_api or path.name == "api.py"


PYTHON = sorted(
    p
    for p in (ROOT / "portal").rglob("*.py")
    if "sample_data" not in p.parts and not _describes_the_json_api(p)
)


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(ROOT / "portal")))
def test_python_shows_no_text_outside_gettext(path):
    assert untranslated_calls(path) == []


AREAS = sorted(
    {p.name for p in (ROOT / "portal").iterdir() if p.is_dir() and p.name != "translations"}
    | {p.name for p in (ROOT / "templates").iterdir() if p.is_dir()}
    | {"base"}
)


Message = tuple[str | tuple[str, ...], str | None]  # (msgid, or its singular and plural; context)


def _key(message, context) -> Message:
    return (message if isinstance(message, str) else tuple(message), context)


def _extracted() -> set[Message]:
    """The messages of the whole project."""
    ids = set()
    for top, method, pattern in (("portal", "python", "py"), ("templates", "jinja2", "html")):
        for _, _, message, _, context in extract_from_dir(
            ROOT / top, method_map=[(f"**.{pattern}", method)], keywords=KEYWORDS
        ):
            ids.add(_key(message, context))
    return ids


def _area_messages(area: str) -> set[Message]:
    """The messages of one area (portal/<area> and templates/<area>; "base" is the
    modules and templates at the top)."""
    ids = set()
    for top, method, pattern in (("portal", "python", "py"), ("templates", "jinja2", "html")):
        base = ROOT / top
        paths = [base / area] if area != "base" else []
        if area == "base":
            paths = [p for p in base.iterdir() if p.is_file() and p.suffix == f".{pattern}"]
        for path in paths:
            if path.is_dir():
                found = extract_from_dir(
                    path, method_map=[(f"**.{pattern}", method)], keywords=KEYWORDS
                )
                ids |= {_key(m, c) for _, _, m, _, c in found}
            elif path.exists():
                with open(path, "rb") as source:
                    ids |= {_key(m, c) for _, m, _, c in extract(method, source, keywords=KEYWORDS)}
    return ids


def _catalogue(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


FRENCH = _catalogue("fr")


@pytest.mark.parametrize("area", AREAS)
def test_every_message_has_its_french_translation(area):
    missing = []
    for key, context in sorted(_area_messages(area), key=str):
        message = FRENCH.get(key[0] if isinstance(key, tuple) else key, context)
        strings = message and (message.string if isinstance(key, tuple) else [message.string])
        if message is None or message.fuzzy or not all(strings):
            missing.append(key)
    assert missing == [], f"{len(missing)} messages lack French: run `make messages`, translate"


def test_french_keeps_every_placeholder():
    """A translation that drops or renames %(name)s would fail when the page is drawn."""
    problems = [
        (message.id, [str(e) for e in errors]) for message, errors in FRENCH.check() if errors
    ]
    assert problems == []


def test_kinyarwanda_is_ready_for_its_translators():
    """Every message is in the catalogue; the untranslated ones read in English."""
    kinyarwanda = _catalogue("rw")
    absent = [
        (k, c)
        for k, c in _extracted()
        if kinyarwanda.get(k[0] if isinstance(k, tuple) else k, c) is None
    ]
    assert absent == []
