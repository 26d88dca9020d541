"""Folding text for search and duplicate detection."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str | None) -> str:
    """Lower case, no accents, punctuation as spaces: "Santé-Plus S.A." -> "sante plus s a"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


def squash(text: str | None) -> str:
    """`fold` without spaces, so "S.A.N.T.E" and "SANTE" meet."""
    return fold(text).replace(" ", "")
