"""The emails administrators edit (report, reminder, invitation, welcome): merge
fields, built-in defaults in each language, checking, versions, rendering.

A template is plain text with Jinja placeholders, rendered in a sandbox that sees
only the documented fields (already plain values: strings, numbers, dates, lists
of small dicts). The HTML part is made from the rendered text by escaping it, so
nothing a template author or a caller puts in a field (an intro with "<script>"
or "{{ ... }}" in it) is ever executed or trusted as markup."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask import current_app, g, render_template
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from portal.core import audit, i18n
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.mail.defaults import DEFAULTS
from portal.models import EmailTemplate, OutboxEmail, User

TEMPLATE_KEYS = ("report", "reminder", "invitation", "welcome")
TEMPLATE_LABELS = {
    "report": "Progress report",
    "reminder": "Deadline reminder",
    "invitation": "Invitation",
    "welcome": "Welcome (new focal point)",
}

_ACCOUNT_FIELDS = {
    "user_name": "The name of the person invited",
    "partner_name": "Their organisation's name (empty for staff accounts)",
    "programme": "The programme's name",
    "link": "The one-time link to set a password",
    "hours": "How many hours the link works",
    "login_email": "The email address they log in with",
}

# What each template may use; the editor lists these beside the body.
MERGE_FIELDS: dict[str, dict[str, str]] = {
    "report": {
        "partner_name": "The partner organisation's name",
        "programme": "The programme's name",
        "quarter": "The period reported on (e.g. 'Q3 2026' or 'November 2026')",
        "stage": "The accreditation's current stage",
        "completion": "Completion percentage; write {{ completion|percent }}",
        "remaining_actions": "The actions still to do: a list, each with .title and "
        ".deadline (write {{ action.deadline|day }})",
        "next_deadline": "The nearest deadline; write {{ next_deadline|day }}",
        "portal_link": "A link to the partner's page in the portal",
        "sender_name": "The name of the staff member who sends the report",
        "sender_position": "Their position",
        "team_contact": "The programme team's contact details",
        "intro": "The introduction typed when sending (may be empty)",
        "greeting_name": "The name to greet (the primary focal person)",
    },
    "reminder": {
        "partner_name": "The partner organisation's name (empty for staff reminders)",
        "programme": "The programme's name",
        "items": "What is due: a list, each with .title, .deadline (write "
        "{{ item.deadline|day }}) and .overdue (true once the deadline has passed)",
        "portal_link": "A link to the portal page where the items are done",
        "greeting_name": "The name to greet",
    },
    "invitation": dict(_ACCOUNT_FIELDS),
    "welcome": dict(_ACCOUNT_FIELDS),
}

# The fields of each entry of a list field, checked where a template loops over it.
LIST_ITEM_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "report": {"remaining_actions": ("title", "deadline")},
    "reminder": {"items": ("title", "deadline", "overdue")},
}

SUBJECT_MAX = 300  # outbox.subject and progress_reports.subject
BODY_MAX = 20_000


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class TemplateProblem:
    line: int | None
    message: str
    where: str = "body"  # "subject" or "body"

    def __str__(self) -> str:
        place = f"line {self.line} of the {self.where}" if self.line else f"the {self.where}"
        return f"{place}: {self.message}"


class TemplateRefused(DomainError):
    """A template that cannot be used; `problems` says where and why."""

    def __init__(self, problems: list[TemplateProblem]):
        super().__init__(
            "The template was not saved: " + "; ".join(str(p) for p in problems), field="body"
        )
        self.problems = problems


# --- the sandbox -------------------------------------------------------------

# Filters a template may use: formatting only. Left out: anything that makes
# markup ("safe", "urlize", "xmlattr"), reaches into objects ("attr", "map"), or
# can blow a short template up into a huge string ("center", "indent", "replace",
# "wordwrap", "format").
_SAFE_FILTERS = [
    *("abs", "capitalize", "count", "d", "default", "first", "float", "int", "join"),
    *("last", "length", "lower", "round", "string", "title", "trim", "truncate"),
    *("upper", "wordcount"),
]

# A template author must not be able to ask for a gigabyte: "x" * 10**9,
# "%09999999d" % 1, partner_name.center(10**8), intro|join(a long text).
_MAX_REPEAT = 1_000
_MAX_EXPONENT = 64
_MAX_JOINED = 100_000
_SIZING_METHODS = frozenset(
    ["format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join"]
)


class _Sandbox(SandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**", "%"])

    def is_safe_attribute(self, obj, attr, value):
        return attr not in _SIZING_METHODS and super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value):
        # Jinja hands str.format a sandboxed formatter before asking
        # is_safe_attribute; widths ("{:>99999999}") still make huge strings.
        if super().wrap_str_format(value) is not None:
            raise _Refused("format() is not available; use the filters")
        return None

    def call_binop(self, context, operator, left, right):
        if operator == "%" and isinstance(left, str):
            raise _Refused("text formatting with % is not available; use the filters")
        if operator == "**" and isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
            raise _Refused("that power is too large")
        if operator == "*":
            for value, count in ((left, right), (right, left)):
                if (
                    isinstance(value, str | list | tuple)
                    and isinstance(count, int)
                    and count > _MAX_REPEAT
                ):
                    raise _Refused("that repetition is too long")
        return super().call_binop(context, operator, left, right)


class _Refused(TemplateError):
    pass


_ENVIRONMENTS: dict[str, _Sandbox] = {}


def _sandbox(language: str) -> _Sandbox:
    """One environment per language: its `day`, `percent` and `number` filters
    format for that language."""
    cache = _ENVIRONMENTS
    if language not in cache:
        env = _Sandbox(
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
        raise _Refused("join(attribute=...) is not available")
    parts = ["" if part is None else str(part) for part in value]
    if sum(map(len, parts)) + len(str(separator)) * len(parts) > _MAX_JOINED:
        raise _Refused("that join is too long")
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


def _fields_for(key: str, fields: dict) -> dict:
    """The documented fields only; a field the caller left out is empty (a list
    field an empty list), so an optional field in a template never breaks a send."""
    lists = LIST_ITEM_FIELDS.get(key, {})
    values = {name: ([] if name in lists else "") for name in MERGE_FIELDS[key]}
    values["programme"] = current_app.config["PROGRAMME_NAME"]
    values.update({k: _plain(v) for k, v in fields.items() if k in MERGE_FIELDS[key]})
    return values


# --- which template is used --------------------------------------------------


def checked_key(key: str) -> str:
    if key not in MERGE_FIELDS:
        raise DomainError(
            f"Unknown email template {key!r}: the templates are {', '.join(TEMPLATE_KEYS)}.",
            field="key",
        )
    return key


def current_version(key: str, language: str) -> EmailTemplate | None:
    """The newest saved version of (key, language), or None: the built-in default."""
    return db.session.scalar(
        db.select(EmailTemplate)
        .where(EmailTemplate.key == key, EmailTemplate.language == language)
        .order_by(EmailTemplate.version.desc())
        .limit(1)
    )


def current_source(key: str, language: str) -> tuple[str, str]:
    """(subject, body) used for (key, language) now. Remembered for the app
    context, so a batch of a thousand reports looks it up once."""
    cache = g.setdefault("_email_template_sources", {})
    if (key, language) not in cache:
        saved = current_version(key, language)
        cache[key, language] = (saved.subject, saved.body) if saved else DEFAULTS[key, language]
    return cache[key, language]


def _forget_sources() -> None:
    g.pop("_email_template_sources", None)


# --- rendering ---------------------------------------------------------------


def render_email(key: str, fields: dict, language: str = "en") -> RenderedEmail:
    """The email `key` for these fields in `language`, from its current template."""
    key, language = checked_key(key), i18n.checked_language(language)
    subject, body = current_source(key, language)
    try:
        return render_source(key, subject, body, fields, language)
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        # A saved template was checked against sample data; real data can still
        # differ (e.g. arithmetic on a field that is text). Say which template.
        raise DomainError(
            f"The {TEMPLATE_LABELS[key].lower()} email ({language}) could not be written: "
            f"{_problem(error, 'body')}"
        ) from error


@lru_cache(maxsize=256)
def _compiled(language: str, source: str) -> Template:
    """Compiling is most of a render's cost (a report took 11.7 ms compiled each
    time, 0.6 ms from this cache): a batch of a thousand reports compiles its
    template once. Keyed by the text itself, so a new version is another entry."""
    return _sandbox(language).from_string(source)


def render_source(key: str, subject: str, body: str, fields: dict, language: str) -> RenderedEmail:
    """Render a template's subject and body (TemplateError if it fails)."""
    values = _fields_for(key, fields)
    subject_text = " ".join(_compiled(language, subject).render(values).split())
    text = _compiled(language, body).render(values)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    with i18n.in_language(language):
        html = render_template(
            "mail/_template_email.html",
            content=text_to_html(text),
            subject=subject_text,
            language=language,
            programme=values["programme"],
        )
    return RenderedEmail(subject=subject_text, text=text, html=html)


_LINK = re.compile(r"https?://[^\s<>\"']+")


def text_to_html(text: str) -> Markup:
    """Paragraphs, line breaks, lists ("- " lines) and links of plain text, every
    character of which is escaped first: the text is never read as markup."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        # Runs of "- " lines are a list; the lines around them a paragraph.
        runs: list[tuple[bool, list[str]]] = []
        for line in block.split("\n"):
            listed = line.startswith("- ")
            if runs and runs[-1][0] == listed:
                runs[-1][1].append(line)
            else:
                runs.append((listed, [line]))
        for listed, lines in runs:
            if listed:
                items = Markup("").join(
                    Markup("<li>{}</li>").format(_linked(li[2:])) for li in lines
                )
                blocks.append(Markup("<ul>{}</ul>").format(items))
            else:
                body = Markup("<br>\n").join(_linked(line) for line in lines)
                blocks.append(Markup("<p>{}</p>").format(body))
    return Markup("\n").join(blocks)


def _linked(line: str) -> Markup:
    parts, last = [], 0
    for match in _LINK.finditer(line):
        url = match.group(0).rstrip(".,;:!?)")
        end = match.start() + len(url)
        parts.append(escape(line[last : match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = end
    parts.append(escape(line[last:]))
    return Markup("").join(parts)


# --- checking ----------------------------------------------------------------


def sample_fields(key: str, language: str = "en") -> dict:
    """Made-up values of every field, for checking a template and for the
    editor's preview when no partner is chosen."""
    today = date.today()
    soon = date.fromordinal(today.toordinal() + 21)
    common = {
        "partner_name": "Health Access Initiative",
        "programme": current_app.config["PROGRAMME_NAME"],
        "portal_link": "https://portal.example.org/accreditations/1",
        "greeting_name": "Grace Mensah",
    }
    if key == "report":
        return common | {
            "quarter": "Q3 2026",
            "stage": "Document review",
            "completion": 45,
            "remaining_actions": [
                {"title": "Upload Audited financial statements", "deadline": soon},
                {"title": "Revise Safeguarding policy", "deadline": None},
            ],
            "next_deadline": soon,
            "sender_name": "Amina Diallo",
            "sender_position": "Programme manager",
            "team_contact": "partners@example.org, +1 555 0100",
            "intro": "Thank you for your work this quarter.",
        }
    if key == "reminder":
        return common | {
            "items": [
                {
                    "title": "Upload Audited financial statements",
                    "deadline": soon,
                    "overdue": False,
                },
                {"title": "Governance review", "deadline": today, "overdue": True},
            ]
        }
    return {
        "user_name": "Grace Mensah",
        "partner_name": common["partner_name"],
        "programme": common["programme"],
        "link": "https://portal.example.org/set-password/abc123",
        "hours": current_app.config["INVITATION_HOURS"],
        "login_email": "grace@hai.example.org",
    }


def _empty_fields(key: str) -> dict:
    """The sparsest real case: no lists entries, no optional text."""
    full = sample_fields(key)
    return {k: ([] if isinstance(v, list) else v) for k, v in full.items()} | {
        "intro": "",
        "next_deadline": None,
    }


def check_template(
    key: str, subject: str, body: str, language: str = "en"
) -> list[TemplateProblem]:
    """Everything wrong with a template, each with its line: syntax errors, fields
    not in MERGE_FIELDS[key], and failures to render on sample data."""
    checked_key(key)
    language = i18n.checked_language(language)
    env = _sandbox(language)
    problems: list[TemplateProblem] = []
    if not subject.strip():
        problems.append(TemplateProblem(None, "The subject is empty.", "subject"))
    if "\n" in subject.strip():
        problems.append(TemplateProblem(None, "The subject must be one line.", "subject"))
    if len(subject) > SUBJECT_MAX:
        problems.append(
            TemplateProblem(
                None, f"The subject is longer than {SUBJECT_MAX} characters.", "subject"
            )
        )
    if not body.strip():
        problems.append(TemplateProblem(None, "The body is empty."))
    if len(body) > BODY_MAX:
        problems.append(TemplateProblem(None, f"The body is longer than {BODY_MAX} characters."))
    if problems:
        return problems
    for where, source in (("subject", subject), ("body", body)):
        try:  # an unknown filter is found while compiling, as a TemplateAssertionError
            problems.extend(_unknown_fields(key, env.parse(source), where))
        except TemplateSyntaxError as error:
            problems.append(TemplateProblem(error.lineno, error.message or str(error), where))
    if problems:
        return problems
    for fields, case in ((sample_fields(key), ""), (_empty_fields(key), " (with empty lists)")):
        for where, source in (("subject", subject), ("body", body)):
            try:
                text = _compiled(language, source).render(_fields_for(key, fields))
            except Exception as error:  # noqa: BLE001 - also 1/0 or "a" + 1 in a template
                found = _problem(error, where)
                problems.append(TemplateProblem(found.line, found.message + case, where))
            else:
                if where == "subject" and not text.strip() and not case:
                    problems.append(TemplateProblem(None, "The subject comes out empty.", where))
        if problems:
            break
    return problems


def _unknown_fields(key: str, tree: nodes.Template, where: str) -> list[TemplateProblem]:
    allowed = set(MERGE_FIELDS[key])
    known = ", ".join(sorted(allowed))
    problems = []
    for name in sorted(meta.find_undeclared_variables(tree) - allowed):
        line = next(
            (n.lineno for n in tree.find_all(nodes.Name) if n.name == name and n.ctx == "load"),
            None,
        )
        problems.append(
            TemplateProblem(line, f"Unknown merge field '{name}'. The fields are: {known}.", where)
        )
    # `{% for action in remaining_actions %}{{ action.titel }}`: the entries' fields.
    for loop in tree.find_all(nodes.For):
        if not (isinstance(loop.iter, nodes.Name) and isinstance(loop.target, nodes.Name)):
            continue
        entry_fields = LIST_ITEM_FIELDS.get(key, {}).get(loop.iter.name)
        if entry_fields is None:
            continue
        for body_node in loop.body:
            for access in body_node.find_all(nodes.Getattr):
                if (
                    isinstance(access.node, nodes.Name)
                    and access.node.name == loop.target.name
                    and access.attr not in entry_fields
                ):
                    problems.append(
                        TemplateProblem(
                            access.lineno,
                            f"'{loop.iter.name}' entries have no field '{access.attr}'; "
                            f"they have {', '.join(entry_fields)}.",
                            where,
                        )
                    )
    return sorted(problems, key=lambda p: p.line or 0)


def _problem(error: BaseException, where: str) -> TemplateProblem:
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


# --- versions ----------------------------------------------------------------


def save_template(
    actor: User, key: str, language: str, subject: str, body: str, note: str = ""
) -> EmailTemplate:
    """A new version of (key, language); refused with every problem when the
    template has an unknown field, a syntax error or does not render."""
    key, language = checked_key(key), i18n.checked_language(language)
    subject, body = subject.strip(), body.replace("\r\n", "\n")
    problems = check_template(key, subject, body, language)
    if problems:
        raise TemplateRefused(problems)
    previous = current_version(key, language)
    before = (previous.subject, previous.body) if previous else DEFAULTS[key, language]
    if (subject, body.strip()) == (before[0], before[1].strip()):
        raise DomainError("Nothing changed: this is the template in use.", field="body")
    version = (
        db.session.scalar(
            db.select(func.max(EmailTemplate.version)).where(
                EmailTemplate.key == key, EmailTemplate.language == language
            )
        )
        or 0
    ) + 1
    template = EmailTemplate(
        key=key,
        language=language,
        version=version,
        subject=subject,
        body=body,
        note=note.strip(),
        created_by_id=actor.id,
    )
    db.session.add(template)
    audit.record(
        actor,
        "email_template.saved",
        template,
        partner_id=None,
        changes={"subject": (before[0], subject), "body": (before[1], body)},
        reason=note.strip() or None,
    )
    try:
        db.session.commit()
    except IntegrityError as error:  # two admins saved the same version number
        db.session.rollback()
        raise Conflict(
            "Someone saved this template at the same moment; reload it and try again."
        ) from error
    _forget_sources()
    return template


def restore_template(actor: User, key: str, language: str, version: int | None) -> EmailTemplate:
    """A new version with the text of an old one (None: the built-in default)."""
    key, language = checked_key(key), i18n.checked_language(language)
    if version is None:
        subject, body = DEFAULTS[key, language]
        label = "the built-in default"
    else:
        old = db.session.scalar(
            db.select(EmailTemplate).where(
                EmailTemplate.key == key,
                EmailTemplate.language == language,
                EmailTemplate.version == version,
            )
        )
        if old is None:
            raise DomainError(f"There is no version {version} of this template.")
        subject, body, label = old.subject, old.body, f"version {version}"
    return save_template(actor, key, language, subject, body, f"Restored {label}")


def history(key: str, language: str) -> list[EmailTemplate]:
    """Every saved version, newest first, with who saved it (one query)."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            db.select(EmailTemplate)
            .where(EmailTemplate.key == key, EmailTemplate.language == language)
            .options(selectinload(EmailTemplate.created_by))
            .order_by(EmailTemplate.version.desc())
        )
    )


def overview() -> dict[tuple[str, str], EmailTemplate | None]:
    """The current version of every (key, language), None where the default is used."""
    newest = (
        db.select(
            EmailTemplate.key,
            EmailTemplate.language,
            func.max(EmailTemplate.version).label("version"),
        )
        .group_by(EmailTemplate.key, EmailTemplate.language)
        .subquery()
    )
    from sqlalchemy.orm import selectinload

    rows = db.session.scalars(
        db.select(EmailTemplate)
        .join(
            newest,
            (EmailTemplate.key == newest.c.key)
            & (EmailTemplate.language == newest.c.language)
            & (EmailTemplate.version == newest.c.version),
        )
        .options(selectinload(EmailTemplate.created_by))
    )
    found = {(t.key, t.language): t for t in rows}
    return {(k, lang): found.get((k, lang)) for k in TEMPLATE_KEYS for lang in i18n.LANGUAGES}


# --- previews on real data ----------------------------------------------------


def preview_partners(language: str | None = None) -> list[tuple[int, str, str]]:
    """(id, name, language) of every active partner, for the preview's choice; those
    who read `language` first, so the default preview shows a real reader's email."""
    from portal.models import Partner

    order = [Partner.name] if language is None else [Partner.language != language, Partner.name]
    return list(
        db.session.execute(
            db.select(Partner.id, Partner.name, Partner.language)
            .where(Partner.status == "active")
            .order_by(*order)
        ).all()
    )


def preview_fields(key: str, partner_id: int | None, actor: User, language: str) -> dict:
    """The fields `key` would get for this partner now (the sample data when no
    partner is chosen), built the way the senders build them. Nothing is issued:
    an invitation's link here is an example, not a working token."""
    from portal.mail.queue import external_url
    from portal.models import Partner
    from portal.reports import content as report_content

    partner = db.session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        return sample_fields(key, language)
    today = date.today()
    contact = report_content.primary_contacts([partner.id]).get(partner.id)
    if key == "report":
        from portal.reports import periods
        from portal.reports.sending import fiscal_start

        content = report_content.contents(
            [partner],
            periods.quarter_of(today, fiscal_start()),
            today,
            sender_name=actor.name,
            sender_position=current_app.config.get("REPORT_SENDER_POSITION", ""),
            intro="",
        )[partner.id]
        return report_content.merge_fields(content, language)
    if key == "reminder":
        accreditation = report_content.current_accreditations([partner.id]).get(partner.id)
        state = (
            report_content.progress_of_many([accreditation], today).get(accreditation.id)
            if accreditation
            else None
        )
        return {
            "partner_name": partner.name,
            "greeting_name": contact or partner.name,
            "portal_link": external_url("accreditation.mine"),
            "items": [
                {"title": a.title, "deadline": a.due_on, "overdue": a.is_overdue(today)}
                for a in (state.actions if state else [])
            ],
        }
    focal = next(
        (u for u in report_content.report_recipients([partner.id]).get(partner.id, [])), None
    )
    return {
        "user_name": focal.name if focal else contact or "",
        "partner_name": partner.name,
        "link": external_url("auth.set_password", token="example-link-for-the-preview"),  # noqa: S106 - not a secret
        "hours": current_app.config["INVITATION_HOURS"],
        "login_email": focal.email if focal else "",
    }


@dataclass(frozen=True)
class Preview:
    email: RenderedEmail | None
    problems: list[TemplateProblem]


def preview_template(
    actor: User, key: str, language: str, subject: str, body: str, partner_id: int | None
) -> Preview:
    """A template as it would read for this partner, or every problem it has."""
    problems = check_template(key, subject, body, language)
    if problems:
        return Preview(None, problems)
    fields = preview_fields(key, partner_id, actor, language)
    try:
        return Preview(render_source(key, subject, body, fields, language), [])
    except Exception as error:  # noqa: BLE001 - fine on the samples, not on this partner
        found = _problem(error, "body")
        return Preview(None, [TemplateProblem(found.line, found.message + " (on this partner)")])


# --- queueing ----------------------------------------------------------------


def queue_rendered(
    recipients: Iterable[str],
    key: str,
    fields: dict,
    language: str,
    *,
    idempotency_key: str | None = None,
    cc: Iterable[str] = (),
    attachments: Iterable[tuple[str, str, bytes]] = (),
) -> OutboxEmail | None:
    """Render `key` in `language` and add it to the outbox (callers commit). None
    when there is no recipient or the idempotency key was queued already."""
    from portal.mail.queue import queue_prepared

    email = render_email(key, fields, language)
    return queue_prepared(
        recipients,
        email.subject,
        email.text,
        email.html,
        template=key,
        idempotency_key=idempotency_key,
        cc=cc,
        attachments=attachments,
    )
