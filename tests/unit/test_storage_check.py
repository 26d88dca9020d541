"""`flask storage check`: the upload folder against its rows, with real files."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import current_app

from portal.core.storage import LocalStorage, storage
from portal.demo import sample_pdf
from tests.helpers import ROOT, requirements_of, stored_files

DAY = 24 * 3600


@pytest.fixture
def stored(accreditation_for, upload):
    """Two submissions with their files, as uploads leave them."""
    _, focal, accreditation = accreditation_for
    first, second = requirements_of(accreditation)[:2]
    return [
        upload(focal, accreditation, first, sample_pdf("First")),
        upload(focal, accreditation, second, sample_pdf("Second")),
    ]


def age(path: Path, seconds: float) -> Path:
    """Make the file look last written `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def orphan(content: bytes = b"%PDF-1.4 left behind") -> Path:
    """A file stored by an upload whose row never committed."""
    return storage().save(io.BytesIO(content), max_bytes=1 << 20).path


def temporary(name: str = ".tmp-abc123") -> Path:
    """What a worker killed while writing leaves: a temporary file beside the others."""
    folder = Path(current_app.config["UPLOAD_DIR"]) / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"%PDF-1.4 half writ")
    return path


def test_a_folder_that_matches_its_rows_passes(runner, stored):
    result = runner.invoke(args=["storage", "check"])

    assert result.exit_code == 0, result.output
    assert "Checked 2 files against 2 rows." in result.output
    assert "No problems found." in result.output


def test_each_kind_of_problem_is_reported_and_the_status_says_so(runner, stored):
    stray, half = orphan(), temporary()
    lost = storage().path(stored[0].storage_key)
    lost.unlink()
    changed = storage().path(stored[1].storage_key)
    data = bytearray(changed.read_bytes())
    data[-10] ^= 1  # one bit flipped: same size, different SHA-256
    changed.write_bytes(bytes(data))

    result = runner.invoke(args=["storage", "check"])

    assert result.exit_code == 1
    out = result.output
    assert f"Files without rows: 1\n  {stray}\n" in out
    assert f"Temporary files: 1\n  {half}\n" in out
    assert f"Rows without files: 1\n  submissions #{stored[0].id} ({lost.name})\n" in out
    assert (
        f"Checksum mismatches: 1\n  submissions #{stored[1].id} ({changed.name}): "
        "SHA-256 differs from the one recorded\n"
    ) in out
    assert "4 problems remain." in out
    assert stray.exists() and half.exists(), "only reported, nothing removed"


def test_a_file_of_another_size_is_a_mismatch(runner, stored):
    path = storage().path(stored[0].storage_key)
    path.write_bytes(path.read_bytes() + b"\n")

    result = runner.invoke(args=["storage", "check"])

    assert result.exit_code == 1
    assert f"{stored[0].size + 1} bytes, the row says {stored[0].size}" in result.output


def test_removing_orphans_takes_only_those_older_than_a_day(runner, stored):
    old_orphan, old_temp = age(orphan(b"%PDF old"), DAY + 60), age(temporary(".tmp-old"), DAY + 60)
    young_orphan, young_temp = age(orphan(b"%PDF young"), DAY - 60), temporary(".tmp-young")
    kept = [storage().path(s.storage_key) for s in stored]

    result = runner.invoke(args=["storage", "check", "--remove-orphans"])

    assert not old_orphan.exists() and not old_temp.exists()
    assert young_orphan.exists() and young_temp.exists(), "may be uploads in progress"
    assert all(p.exists() for p in kept), "files with rows are never touched"
    assert f"  {old_orphan} (removed)" in result.output
    assert "Removed 2 stray files; 2 younger than 24 h left alone." in result.output
    assert result.exit_code == 1  # the young ones are still there


def test_once_every_stray_file_is_removed_the_check_passes(runner, stored):
    age(orphan(), DAY + 60), age(temporary(), DAY + 60)
    assert runner.invoke(args=["storage", "check", "--remove-orphans"]).exit_code == 0
    assert sorted(stored_files()) == sorted(storage().path(s.storage_key) for s in stored)
    assert runner.invoke(args=["storage", "check"]).exit_code == 0


def test_the_age_limit_is_an_option_and_a_setting(app, runner, stored):
    hour_old = age(orphan(), 3600 + 60)
    assert runner.invoke(args=["storage", "check", "--remove-orphans"]).exit_code == 1
    assert hour_old.exists()

    app.config["STORAGE_ORPHAN_HOURS"] = 1
    assert runner.invoke(args=["storage", "check", "--remove-orphans"]).exit_code == 0
    assert not hour_old.exists()

    now = orphan()
    result = runner.invoke(args=["storage", "check", "--remove-orphans", "--older-than", "0"])
    assert result.exit_code == 0 and not now.exists()


WRITER = """
import sys
from portal.core.storage import LocalStorage
print("ready", flush=True)
LocalStorage(sys.argv[1]).save(sys.stdin.buffer, max_bytes=1 << 30)
"""


def test_a_writer_killed_mid_file_leaves_only_a_temporary_file_the_check_finds(runner, app):
    """A real process, killed with SIGKILL while the upload streams in: no file
    ever appears under its final name, and the check reports (and can remove)
    what it left."""
    root = Path(app.config["UPLOAD_DIR"])
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert writer.stdout.readline() == b"ready\n"
        writer.stdin.write(b"%PDF-1.4\n" + b"x" * 200_000)
        writer.stdin.flush()
        # read(64 KB) at a time: the first 128 KB are on disk while it waits for more.
        while not any(p.stat().st_size >= 128 * 1024 for p in LocalStorage(root).files()):
            assert writer.poll() is None
            time.sleep(0.01)  # polling for the bytes to land, not waiting a fixed time
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdin.close()
        writer.stdout.close()

    left = stored_files()
    assert len(left) == 1 and left[0].name.startswith(".tmp-")
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1 and f"Temporary files: 1\n  {left[0]}\n" in result.output
    runner.invoke(args=["storage", "check", "--remove-orphans", "--older-than", "0"])
    assert stored_files() == []
