"""Deciding what a file is from its content, never from its name."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import filetype
from flask_babel import gettext, lazy_gettext

from portal.core.errors import DomainError

# extension -> MIME type of every format partners may upload
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
ALLOWED_LABEL = lazy_gettext("PDF, PNG, JPEG, DOCX, XLSX, ODT or ODS")
_ODF = {ALLOWED["odt"]: "odt", ALLOWED["ods"]: "ods"}


# An office file is a ZIP package. Its members are never read whole: a member
# declaring MAX_RATIO times its compressed size, or a package declaring more than
# MAX_UNPACKED bytes in all, is an archive bomb, not a document (real documents
# compress their XML 5 to 50 times; deflate cannot go past about 1,030).
MAX_RATIO = 200
MAX_UNPACKED = 1 << 30
MAX_MEMBERS = 10_000
_RATIO_FROM = 1 << 20  # small members (a few bytes of "mimetype") compress as they like


class ArchiveBomb(DomainError):
    def __init__(self, field: str = "file"):
        super().__init__(
            gettext(
                "This file unpacks to far more than its size, as an archive bomb does; it is "
                "not accepted. Save the document again from its program and upload that."
            ),
            field=field,
        )


def _office_type(path: Path) -> str | None:
    """Office documents are ZIP packages: look at what the package holds.

    Magic-byte sniffers only see the first few KB, where the part that names
    the format is not always found; the package's own table of contents is.
    """
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            _refuse_bombs(members)
            names = {m.filename for m in members}
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
            if "mimetype" in names:
                with package.open("mimetype") as member:
                    named = member.read(100)  # "application/vnd.oasis.opendocument.text"
                return _ODF.get(named.decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, OSError, KeyError, EOFError, zlib.error):
        return None
    return None


def _refuse_bombs(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise ArchiveBomb()
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise ArchiveBomb()
    for m in members:
        if m.file_size > _RATIO_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise ArchiveBomb()


def detect(path: Path) -> str | None:
    """Return the allowed extension this file's content is, or None."""
    if zipfile.is_zipfile(path):
        return _office_type(path)
    kind = filetype.guess(str(path))
    if kind is None:
        return None
    ext = "jpg" if kind.extension == "jpeg" else kind.extension
    return ext if ALLOWED.get(ext) == kind.mime else None
