"""Checking an email template before it is saved: syntax, unknown fields
(entries' fields too), and rendering on sample data, each problem with its line."""

from __future__ import annotations

from flask_babel import gettext
from jinja2 import TemplateSyntaxError, meta, nodes

from portal.core import i18n
from portal.mail.merge_fields import (
    BODY_MAX,
    LIST_ITEM_FIELDS,
    MERGE_FIELDS,
    SUBJECT_MAX,
    checked_key,
    empty_fields,
    sample_fields,
)
from portal.mail.sandbox import (
    TemplateProblem,
    compiled,
    fields_for,
    problem,
    render_within_budget,
    sandbox,
)


def check_template(
    key: str, subject: str, body: str, language: str = "en"
) -> list[TemplateProblem]:
    """Everything wrong with a template, each with its line: syntax errors, fields
    not in MERGE_FIELDS[key], and failures to render on sample data."""
    checked_key(key)
    language = i18n.checked_language(language)
    env = sandbox(language)
    problems: list[TemplateProblem] = []
    if not subject.strip():
        problems.append(TemplateProblem(None, gettext("The subject is empty."), "subject"))
    if "\n" in subject.strip():
        problems.append(TemplateProblem(None, gettext("The subject must be one line."), "subject"))
    if len(subject) > SUBJECT_MAX:
        problems.append(
            TemplateProblem(
                None,
                gettext("The subject is longer than %(max)d characters.", max=SUBJECT_MAX),
                "subject",
            )
        )
    if not body.strip():
        problems.append(TemplateProblem(None, gettext("The body is empty.")))
    if len(body) > BODY_MAX:
        problems.append(
            TemplateProblem(
                None, gettext("The body is longer than %(max)d characters.", max=BODY_MAX)
            )
        )
    if problems:
        return problems
    for where, source in (("subject", subject), ("body", body)):
        try:  # an unknown filter is found while compiling, as a TemplateAssertionError
            problems.extend(_unknown_fields(key, env.parse(source), where))
        except TemplateSyntaxError as error:
            problems.append(TemplateProblem(error.lineno, error.message or str(error), where))
    if problems:
        return problems
    for fields, case in ((sample_fields(key), ""), (empty_fields(key), " (with empty lists)")):
        for where, source in (("subject", subject), ("body", body)):
            try:
                template = compiled(language, source)
                text = render_within_budget(template, fields_for(key, fields))
            except Exception as error:  # noqa: BLE001 - also 1/0 or "a" + 1 in a template
                found = problem(error, where)
                problems.append(TemplateProblem(found.line, found.message + case, where))
            else:
                if where == "subject" and not text.strip() and not case:
                    problems.append(
                        TemplateProblem(None, gettext("The subject comes out empty."), where)
                    )
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
            TemplateProblem(
                line,
                gettext(
                    "Unknown merge field '%(name)s'. The fields are: %(known)s.",
                    name=name,
                    known=known,
                ),
                where,
            )
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
                            gettext(
                                "'%(list)s' entries have no field '%(field)s'; "
                                "they have %(fields)s.",
                                list=loop.iter.name,
                                field=access.attr,
                                fields=", ".join(entry_fields),
                            ),
                            where,
                        )
                    )
    return sorted(problems, key=lambda p: p.line or 0)
