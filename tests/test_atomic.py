"""xlsx/atomic: the one atomic write every file we make goes through."""
from __future__ import annotations

import datetime as dt
import os
import stat
import sys
from pathlib import Path

import pytest

from gendan_xl.xlsx.atomic import TEMP_SUFFIX, AtomicFile, backup_dir, write_atomic


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX))


def test_writes_bytes_or_through_a_function(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.bin", b"abc") == tmp_path / "a.bin"
    write_atomic(tmp_path / "b.bin", lambda fh: fh.write(b"xyz"))
    assert (tmp_path / "a.bin").read_bytes() == b"abc" and (tmp_path / "b.bin").read_bytes() == b"xyz"
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_target_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"old")

    def half(fh):
        fh.write(b"new, half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(target, half)
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_a_refused_check_leaves_the_target_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"old")
    seen = []

    def check(tmp: Path) -> None:
        seen.append(tmp.read_bytes())  # the temp file is complete, flushed, beside the target
        assert tmp.parent == tmp_path
        raise ValueError("does not read back")

    with pytest.raises(ValueError), AtomicFile(target) as new:
        new.file.write(b"new")
        new.commit(check=check)
    assert seen == [b"new"] and target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_commit_keeps_a_backup_and_the_mode_of_the_source(tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"v1")
    source = tmp_path / "mode.xlsx"
    source.write_bytes(b"")
    source.chmod(0o640)
    with AtomicFile(target) as new:
        new.file.write(b"v2")
        backup = new.commit(backups=2, now=dt.datetime(2026, 11, 26, 9, 30), mode_of=source)
    assert target.read_bytes() == b"v2"
    assert backup == backup_dir(target) / "book.20261126-093000.xlsx" and backup.read_bytes() == b"v1"
    if sys.platform != "win32":
        assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_new_file_gets_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    # not tempfile.mkstemp's 0600: the temp file becomes the user's file
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.eml", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.eml").stat().st_mode) == 0o644
