"""Deciding what a file is from its content, never from its name."""

from __future__ import annotations

import zipfile
from pathlib import Path

import filetype

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
ALLOWED_LABEL = "PDF, PNG, JPEG, DOCX, XLSX, ODT or ODS"
_ODF = {ALLOWED["odt"]: "odt", ALLOWED["ods"]: "ods"}


def _office_type(path: Path) -> str | None:
    """Office documents are ZIP packages: look at what the package holds.

    Magic-byte sniffers only see the first few KB, where the part that names
    the format is not always found; the package's own table of contents is.
    """
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
            if "mimetype" in names:
                return _ODF.get(package.read("mimetype").decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def detect(path: Path) -> str | None:
    """Return the allowed extension this file's content is, or None."""
    if zipfile.is_zipfile(path):
        return _office_type(path)
    kind = filetype.guess(str(path))
    if kind is None:
        return None
    ext = "jpg" if kind.extension == "jpeg" else kind.extension
    return ext if ALLOWED.get(ext) == kind.mime else None
