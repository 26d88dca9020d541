"""Taking in an uploaded file: stored, measured, its type read from its content,
and counted against its partner's allowance. Whatever goes wrong afterwards
leaves neither a stray file nor a row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, union_all
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from portal.core import filetypes
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import filesize
from portal.core.storage import StoredFile, TooLarge, storage
from portal.models import (
    Accreditation,
    ConcernEvent,
    Observation,
    OrganisationDocument,
    Partner,
    PartnerDocument,
    Submission,
)

# Every table whose rows own a stored file (by its storage_key column).
STORED_FILE_MODELS = (
    Submission,
    OrganisationDocument,
    PartnerDocument,
    ConcernEvent,
    Observation,
)


class UploadTooLarge(DomainError):
    pass


class QuotaExceeded(DomainError):
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


def stored_bytes(partner_id: int) -> int:
    """What a partner's uploads (submissions and vault documents) take on disk:
    one SUM over both tables."""
    sizes = union_all(
        db.select(Submission.size)
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .where(Accreditation.partner_id == partner_id),
        db.select(OrganisationDocument.size).where(OrganisationDocument.partner_id == partner_id),
    ).subquery()
    return db.session.scalar(db.select(func.coalesce(func.sum(sizes.c.size), 0)))


def hold_partner(partner_id: int) -> None:
    """Take the partner's upload lock until the transaction ends, so that of two
    uploads at once the second reads the first's rows (its version number, the
    document it replaces, the bytes it used) instead of racing it.

    A write to the partner's row does it on both databases: on PostgreSQL it
    locks the row; on SQLite it takes the database's write lock (pysqlite starts
    the transaction at the first write, so a SELECT ... FOR UPDATE, which SQLite
    ignores anyway, would hold nothing). Setting id to itself changes nothing,
    and updated_at is set to itself too, or its onupdate would tell the API's
    readers that the partner changed."""
    partners = Partner.__table__
    db.session.execute(
        partners.update()
        .where(partners.c.id == partner_id)
        .values(id=partners.c.id, updated_at=partners.c.updated_at)
    )


def _check_quota(partner_id: int, size: int) -> None:
    quota = current_app.config["UPLOAD_QUOTA_PER_PARTNER"]
    if not quota:
        return
    used = stored_bytes(partner_id)
    if used + size > quota:
        raise QuotaExceeded(
            gettext(
                "The organisation's documents would pass its storage allowance of "
                "%(quota)s (%(used)s used, this file %(size)s). "
                "Ask the programme team for more space; nothing was saved.",
                quota=filesize(quota),
                used=filesize(used),
                size=filesize(size),
            ),
            field="file",
        )


@contextmanager
def accepted_file(
    upload: FileStorage | None, field: str = "file", *, partner_id: int | None = None
) -> Iterator[AcceptedFile]:
    """Store `upload` if its size and content are acceptable, then run the block
    (which adds rows and commits). With `partner_id` the file counts against
    that partner's allowance and the block runs holding the partner's upload
    lock (see hold_partner). On any failure the session is rolled back and the
    file deleted, unless a committed row holds it."""
    if upload is None or not upload.filename:
        raise DomainError(gettext("Choose a file to upload."), field=field)
    max_mb = current_app.config["MAX_UPLOAD_MB"]
    store = storage()
    try:
        stored = store.save(upload.stream, max_bytes=max_mb * 1024 * 1024)
    except TooLarge:
        raise UploadTooLarge(
            gettext("The file is larger than %(mb)s MB.", mb=max_mb), field=field
        ) from None
    # The file is whole and in place before any row names it (see LocalStorage.save);
    # the block's commit is what makes it count.
    try:
        if stored.size == 0:
            raise DomainError(gettext("The file is empty."), field=field)
        try:
            ext = filetypes.detect(stored.path)
        except filetypes.ArchiveBomb:
            raise filetypes.ArchiveBomb(field) from None
        if ext is None:
            raise DomainError(
                gettext(
                    "This file type is not accepted. Upload a %(types)s file.",
                    types=filetypes.ALLOWED_LABEL,
                ),
                field=field,
            )
        if partner_id is not None:
            hold_partner(partner_id)
            _check_quota(partner_id, stored.size)
        yield AcceptedFile(stored, clean_name(upload.filename, ext), filetypes.ALLOWED[ext])
    except BaseException:
        _discard(stored.key)
        raise


def _discard(key: str) -> None:
    """Roll back and delete the file, unless its row was committed after all (a
    commit that failed on the way back); when that cannot be known the file
    stays, and `flask storage check` finds it if it has no row."""
    try:
        db.session.rollback()
        owned = any(
            db.session.scalar(db.select(model.id).filter_by(storage_key=key).limit(1))
            for model in STORED_FILE_MODELS
        )
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database is gone; keeping the file is safe
        current_app.logger.warning("Upload %s kept: could not tell whether it has a row", key)
        return
    if not owned:
        storage().delete(key)
