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


LIKE_ESCAPE = "\\"


def containing(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally
    (use with `escape=LIKE_ESCAPE`): "50%_off" finds "50%_off", not "500 off"."""
    literal = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", r"\%").replace("_", r"\_")
    return f"%{literal}%"
