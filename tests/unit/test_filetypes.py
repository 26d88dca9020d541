"""What a file is, decided from its content; an office package is looked into
with bounded reads, so a small upload cannot make the portal unpack gigabytes."""

from __future__ import annotations

import tracemalloc

import pytest

from portal.core import filetypes
from tests.helpers import archive_bomb, office_document


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt", "ods"])
def test_real_office_packages_are_recognised(tmp_path, kind):
    path = tmp_path / f"document.{kind}"
    path.write_bytes(office_document(kind))
    assert filetypes.detect(path) == kind


@pytest.mark.parametrize("kind", ["odt", "docx"])
def test_an_archive_bomb_is_refused_in_bounded_memory(tmp_path, kind):
    path = tmp_path / f"bomb.{kind}"
    path.write_bytes(archive_bomb(kind, megabytes=64))
    tracemalloc.start()
    try:
        with pytest.raises(filetypes.ArchiveBomb):
            filetypes.detect(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"{peak:,} bytes to look at a {path.stat().st_size:,}-byte file"


def test_a_member_read_is_bounded_even_when_its_header_lies(tmp_path, monkeypatch):
    """A package may declare a small "mimetype" and hold a huge one: only the
    first bytes are read, whatever the header says."""
    path = tmp_path / "liar.odt"
    path.write_bytes(archive_bomb("odt", megabytes=8))  # under the ratio check's reach
    monkeypatch.setattr(filetypes, "MAX_RATIO", 10**9)  # as if the header lied
    tracemalloc.start()
    try:
        assert filetypes.detect(path) is None  # zeros are no ODF type
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
