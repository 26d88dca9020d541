"""Taking in an uploaded file: stored, measured, and its type read from its
content. Whatever goes wrong afterwards leaves neither a stray file nor a row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from portal.core import filetypes
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.storage import StoredFile, TooLarge, storage


class UploadTooLarge(DomainError):
    pass


@dataclass
class AcceptedFile:
    stored: StoredFile
    filename: str  # sanitised, with the extension the content has
    content_type: str

    @property
    def columns(self) -> dict:
        """The stored-file columns every uploaded-document row has, by name."""
        return {
            "filename": self.filename,
            "storage_key": self.stored.key,
            "content_type": self.content_type,
            "size": self.stored.size,
            "sha256": self.stored.sha256,
        }


def clean_name(original: str, ext: str) -> str:
    """A safe download name: the sanitised stem with the extension the content has."""
    stem = PurePath(secure_filename(original or "")).stem or "document"
    return f"{stem[:150]}.{ext}"


@contextmanager
def accepted_file(upload: FileStorage | None, field: str = "file") -> Iterator[AcceptedFile]:
    """Store `upload` if its size and content are acceptable, then run the block
    (which adds rows and commits). On any failure the session is rolled back and
    the file deleted."""
    if upload is None or not upload.filename:
        raise DomainError("Choose a file to upload.", field=field)
    max_mb = current_app.config["MAX_UPLOAD_MB"]
    store = storage()
    try:
        stored = store.save(upload.stream, max_bytes=max_mb * 1024 * 1024)
    except TooLarge:
        raise UploadTooLarge(f"The file is larger than {max_mb} MB.", field=field) from None
    try:
        if stored.size == 0:
            raise DomainError("The file is empty.", field=field)
        try:
            ext = filetypes.detect(stored.path)
        except filetypes.ArchiveBomb:
            raise filetypes.ArchiveBomb(field) from None
        if ext is None:
            raise DomainError(
                f"This file type is not accepted. Upload a {filetypes.ALLOWED_LABEL} file.",
                field=field,
            )
        yield AcceptedFile(stored, clean_name(upload.filename, ext), filetypes.ALLOWED[ext])
    except BaseException:
        db.session.rollback()
        store.delete(stored.key)
        raise
