"""The emails administrators edit (report, reminder, invitation, welcome): which
version is used, rendering, and saving and restoring versions.

A template is plain text with Jinja placeholders, rendered in a sandbox that sees
only the documented fields (already plain values: strings, numbers, dates, lists
of small dicts). The HTML part is made from the rendered text by escaping it, so
nothing a template author or a caller puts in a field (an intro with "<script>"
or "{{ ... }}" in it) is ever executed or trusted as markup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import g, render_template
from flask_babel import gettext
from jinja2.exceptions import TemplateError
from markupsafe import Markup, escape
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.core import audit, i18n
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.mail.checks import check_template
from portal.mail.defaults import DEFAULTS
from portal.mail.merge_fields import TEMPLATE_KEYS, TEMPLATE_LABELS, checked_key
from portal.mail.sandbox import (
    TemplateProblem,
    compiled,
    fields_for,
    problem,
    render_within_budget,
)
from portal.models import EmailTemplate, User


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class TemplateRefused(DomainError):
    """A template that cannot be used; `problems` says where and why."""

    def __init__(self, problems: list[TemplateProblem]):
        super().__init__(
            "The template was not saved: " + "; ".join(str(p) for p in problems), field="body"
        )
        self.problems = problems


# --- which template is used --------------------------------------------------


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
            gettext(
                "The %(template)s email (%(language)s) could not be written: %(problem)s",
                template=str(TEMPLATE_LABELS[key]).lower(),
                language=language,
                problem=str(problem(error, "body")),
            )
        ) from error


def render_source(key: str, subject: str, body: str, fields: dict, language: str) -> RenderedEmail:
    """Render a template's subject and body (TemplateError if it fails)."""
    values = fields_for(key, fields)
    subject_text = " ".join(render_within_budget(compiled(language, subject), values).split())
    text = render_within_budget(compiled(language, body), values)
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
        raise DomainError(gettext("Nothing changed: this is the template in use."), field="body")
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
            gettext("Someone saved this template at the same moment; reload it and try again.")
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
            raise DomainError(
                gettext("There is no version %(version)s of this template.", version=version)
            )
        subject, body, label = old.subject, old.body, f"version {version}"
    return save_template(actor, key, language, subject, body, f"Restored {label}")


def history(key: str, language: str) -> list[EmailTemplate]:
    """Every saved version, newest first, with who saved it (one query)."""

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
