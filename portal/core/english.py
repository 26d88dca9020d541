"""Labels as the records keep them: the history a concern or obligation writes,
the audit trail, exports and the bell, in English whoever acts (pages translate
the codes when they show them)."""

from __future__ import annotations

from flask_babel import force_locale


def english(label) -> str:
    """`label` (a lazy_gettext text, or plain text) in English."""
    with force_locale("en"):
        return str(label)
