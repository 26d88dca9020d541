"""Text staff write in more than one language: an accreditation template's stage
and document names, the reasons lists, the survey questions.

The default-language text stays in the model's own columns (every query, sort and
export reads those); the other languages' versions live beside them in one JSON
column, `translations` = {"fr": {"name": "…", "guidance": "…"}}. Reading goes
through `translated`: the reader's language where staff wrote it, else the default
text, field by field, so a half-translated template still reads whole."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.i18n import DEFAULT_LANGUAGE, current_language


def translations_column() -> Mapped[dict[str, dict[str, str]]]:
    """The column a model declares as `translations = translations_column()`."""
    return mapped_column(JSON, default=dict, server_default="{}")


def translated(obj: Any, field: str, language: str | None = None) -> str:
    """`obj.<field>` in `language` (default: the language being written now)."""
    language = language or current_language()
    default = getattr(obj, field)
    if language == DEFAULT_LANGUAGE:
        return default
    text = ((getattr(obj, "translations", None) or {}).get(language) or {}).get(field)
    return text.strip() if text and text.strip() else default


def set_translations(obj: Any, language: str, texts: dict[str, str | None]) -> None:
    """Store `texts` ({field: text}) as `obj`'s `language` version; blank text
    removes that field's translation (the default reads again). Callers audit and
    commit."""
    current = {lang: dict(fields) for lang, fields in (obj.translations or {}).items()}
    fields = current.setdefault(language, {})
    for field, text in texts.items():
        if text and text.strip():
            fields[field] = text.strip()
        else:
            fields.pop(field, None)
    if not fields:
        current.pop(language)
    obj.translations = current  # a new dict, so that SQLAlchemy sees the change
