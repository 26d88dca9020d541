"""An accreditation template in other languages: the stages' names and the
documents' names, descriptions and guidance as staff write them in French (or any
language the portal writes in), read through portal.core.translated, and kept
across an edit or a new version wherever the English they translate is unchanged."""

from __future__ import annotations

from flask_babel import gettext

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.i18n import DEFAULT_LANGUAGE
from portal.core.translated import set_translations
from portal.models import AccreditationTemplate, User
from portal.partners.models import LANGUAGES

# The texts of a document staff may write in other languages (a stage has its name).
REQUIREMENT_TEXTS = ("name", "description", "guidance")


def written_translations(template: AccreditationTemplate) -> dict:
    """What staff wrote in other languages, keyed by the English it translates:
    {("stage", name): (english, translations), ("requirement", stage, name): ...}."""
    written = {}
    for stage in template.stages:
        written[("stage", stage.name)] = ({"name": stage.name}, stage.translations or {})
        for r in stage.requirements:
            english = {f: getattr(r, f) for f in REQUIREMENT_TEXTS}
            written[("requirement", stage.name, r.name)] = (english, r.translations or {})
    return written


def carry_translations(template: AccreditationTemplate, written: dict) -> None:
    """An edit or a new version keeps each translation whose English text did not
    change (a changed text reads in English until staff translate it again)."""

    def carry(obj, key, fields):
        english, translations = written.get(key, ({}, {}))
        obj.translations = {
            language: kept
            for language, texts in translations.items()
            if (
                kept := {
                    f: text
                    for f, text in texts.items()
                    if f in fields and english.get(f) == getattr(obj, f)
                }
            )
        }

    for stage in template.stages:
        carry(stage, ("stage", stage.name), ("name",))
        for r in stage.requirements:
            carry(r, ("requirement", stage.name, r.name), REQUIREMENT_TEXTS)


def translatable_language(language: str | None) -> str:
    """A language other than the default that staff may write a template in."""
    code = (language or "").strip().lower()
    if code == DEFAULT_LANGUAGE or code not in LANGUAGES:
        raise DomainError(gettext("Choose a language to write the template in."))
    return code


def translate_template(
    actor: User,
    template: AccreditationTemplate,
    language: str,
    texts: dict[tuple[str, int], dict[str, str]],
) -> int:
    """Store the stages' and documents' texts in `language` ({("stage", id):
    {"name": …}, ("requirement", id): {"name": …, "description": …, "guidance": …}});
    a blank text removes its translation, so the English reads again. It changes
    no structure: running accreditations read it at once, and no version is made.
    Audited like the template's other edits; returns how many texts changed."""
    language = translatable_language(language)
    changes: dict[str, tuple] = {}

    def apply(obj, key, label, fields):
        typed = texts.get(key)
        if typed is None:
            return
        before = dict((obj.translations or {}).get(language) or {})
        set_translations(obj, language, {f: typed.get(f) for f in fields})
        after = (obj.translations or {}).get(language) or {}
        for f in fields:
            if before.get(f) != after.get(f):
                changes[f"{label}_{f}_{language}"] = (before.get(f), after.get(f))

    for stage in template.stages:
        apply(stage, ("stage", stage.id), f"stage_{stage.position}", ("name",))
        for r in stage.requirements:
            label = f"stage_{stage.position}_document_{r.position}"
            apply(r, ("requirement", r.id), label, REQUIREMENT_TEXTS)
    if changes:
        audit.record(actor, "template_translated", template, partner_id=None, changes=changes)
    db.session.commit()
    return len(changes)
