"""Helpers for the service-level tests: uploads made of real bytes, and a look
at what landed on disk and in the database."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from portal.core.extensions import db
from portal.models import Accreditation, Requirement, Submission

# Minimal files of each accepted kind: only what a content sniffer looks at.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64

_OOXML = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
}
_ODF = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def office_document(kind: str) -> bytes:
    """A minimal DOCX/XLSX/ODT/ODS package, built the way office suites zip them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        if kind in _OOXML:
            package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            package.writestr(_OOXML[kind], '<?xml version="1.0"?><document/>')
        else:
            # ODF wants `mimetype` first and uncompressed.
            package.writestr(
                zipfile.ZipInfo("mimetype"), _ODF[kind], compress_type=zipfile.ZIP_STORED
            )
            package.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return buffer.getvalue()


def file_upload(data: bytes, filename: str) -> FileStorage:
    """What a browser's multipart form gives the view."""
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def stored_files() -> list[Path]:
    """Every file under UPLOAD_DIR, temporary ones included."""
    root = Path(current_app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def submission_count() -> int:
    return db.session.scalar(db.select(db.func.count(Submission.id)))


def requirements_of(accreditation: Accreditation) -> list[Requirement]:
    """The accreditation's documents in milestone order."""
    return [r for m in accreditation.milestones for r in m.stage.requirements]
