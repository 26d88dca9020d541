"""Where uploaded files live. Local files under UPLOAD_DIR by default; the
interface is small so that another backend can stand in for it.

A file is stored as UPLOAD_DIR/<first two characters of its key>/<key>. While it
is being written it is a temporary file named TEMP_PREFIX..., which only a crash
leaves behind; `flask storage check` finds such files and removes old ones."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 64 * 1024
TEMP_PREFIX = ".tmp-"
# Temporary files of earlier versions of the portal, recognised all the same.
TEMP_PREFIXES = (TEMP_PREFIX, ".upload-")


class TooLarge(Exception):
    pass


@dataclass
class StoredFile:
    key: str
    path: Path
    size: int
    sha256: str


def is_temporary(path: Path) -> bool:
    return path.name.startswith(TEMP_PREFIXES)


def _fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def digest_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO, max_bytes: int, suffix: str = "") -> StoredFile:
        """Stream to a temporary file beside its final place, hashing as it goes,
        then move it into place.

        The order makes a crash harmless: the bytes are flushed to disk (fsync)
        before the rename, and the rename is flushed (fsync of the folder) before
        this returns, so the caller commits its row only once the file is whole
        and in place. A crash at any point leaves at worst a temporary file or a
        file without a row, both of which `flask storage check` reports and
        removes once old; never a row without its file."""
        key = uuid.uuid4().hex + suffix
        final = self.path(key)
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(final.parent.parent)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)
        return StoredFile(key=key, path=final, size=size, sha256=digest.hexdigest())

    def rename(self, key: str, new_key: str) -> None:
        os.replace(self.path(key), self.path(new_key))

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def files(self) -> Iterator[Path]:
        """Every file under the root, temporary ones included."""
        if self.root.is_dir():
            yield from (p for p in self.root.rglob("*") if p.is_file())


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_DIR"])
