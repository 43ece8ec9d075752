"""The refresh with its rows written in a second process (books/refresh_pipe.py) writes the very bytes the
one-process refresh writes, and fails as it fails: one line, the workbook unchanged, no temp file left, the
child reaped."""
from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import signal
import threading
import zipfile
from pathlib import Path

import pytest
import python_calamine as pc

from conftest import WORKBOOKS
from gendan_xl.books.refresh import refresh_workbook
from gendan_xl.books.refresh_pipe import FORK_FROM, _read_into, _widen, _write, forkable, processes_for
from gendan_xl.errors import PatchError
from gendan_xl.xlsx.atomic import TEMP_SUFFIX
from gendan_xl.xlsx.stream import CHUNK
from test_refresh_pass import _openpyxl_book, generated

pytestmark = pytest.mark.skipif(not forkable(), reason="no fork here: the one-process refresh is the only one")

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)
LINES = 12_000
STATUS = "交期状态 / Lead-time status"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several chunks of rows: notes that are no line among the lines, a value far right near the end (the
    width guessed from the first rows is wrong: the pass is made again), old statuses under the lines in the
    column ours go to."""
    extra = {(1, 16): STATUS, (LINES - 500, 25): "a note far right"}  # our status column there already
    extra.update({(LINES + 2 + i, 16): "逾期 / Overdue" for i in range(5, 40, 3)})
    path = generated(tmp_path_factory.mktemp("big") / "big.xlsx", LINES, seed=7, extra=extra,
                     notes=frozenset(range(0, LINES, 997)))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > CHUNK  # two chunks at least
    return path


def _refreshed(path: Path, folder: Path, processes: int | None, days: int = 2) -> tuple[bytes, float]:
    """The workbook's bytes after `days` daily refreshes, and the CPU its child processes used."""
    work = folder / f"p{processes}" / path.name
    work.parent.mkdir()
    shutil.copyfile(path, work)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for d in range(days):
        day = dt.timedelta(days=d)
        result = refresh_workbook(work, today=TODAY + day, now=NOW + day, backups=0, processes=processes)
        assert not result.sidecar
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert not _temp_files(work.parent)
    return work.read_bytes(), (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)  # (0 exactly: none)


def _temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{TEMP_SUFFIX}"))


def _children() -> list[int]:
    """This process's child processes, zombies included (from /proc)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("name", ["orders.xlsx", "orders_messy.xlsx"])
def test_the_samples_alike_in_one_process_and_two(tmp_path: Path, name: str) -> None:
    one, _ = _refreshed(WORKBOOKS / name, tmp_path, 1)
    two, child_cpu = _refreshed(WORKBOOKS / name, tmp_path, 2)
    assert two == one and child_cpu > 0
    assert _refreshed(WORKBOOKS / name, tmp_path, None)[1] < 1e-6  # too small to pay: one process


@pytest.mark.parametrize("quirk", [{"table": True}, {"autofilter": True, "title_rows": [["t"]]},
                                   {"ours_moved": True}, {"formula": True, "at": (4, 3)}],
                         ids=["excel-table", "autofilter", "our-column-moved", "formula-not-at-A1"])
def test_workbooks_as_excel_saves_them_alike(tmp_path: Path, quirk: dict) -> None:
    path = _openpyxl_book(tmp_path / "book.xlsx", **quirk)
    assert _refreshed(path, tmp_path, 2)[0] == _refreshed(path, tmp_path, 1)[0]


def test_a_sheet_of_several_chunks_alike(tmp_path: Path, big: Path) -> None:
    one, _ = _refreshed(big, tmp_path, 1)
    two, child_cpu = _refreshed(big, tmp_path, 2)
    assert child_cpu > 0
    assert two == one
    with pc.CalamineWorkbook.from_path(str(tmp_path / "p2" / big.name)) as wb:
        rows = wb.get_sheet_by_name("订单").to_python(skip_empty_area=False)
    assert rows[1].index(STATUS) == 16 and rows[1][25] == "" and rows[1][26]  # again, knowing the width
    assert rows[2 + 997][15] == "备注 997" and rows[2 + 997][16] == ""  # a note, no line: none of ours
    assert rows[2 + 998][16]
    assert all(row[16] == "" for row in rows[LINES + 2:])  # the old statuses under the lines are cleared


def _fails(path: Path, processes: int, **kw) -> tuple[Exception, bytes]:
    original = path.read_bytes()
    with pytest.raises(Exception) as exc:
        refresh_workbook(path, today=TODAY, now=NOW, backups=0, processes=processes, **kw)
    assert path.read_bytes() == original and not _temp_files(path.parent)
    assert _children() == []  # reaped
    return exc.value, original


def test_an_error_in_the_writing_process_is_raised_as_in_one_process(tmp_path: Path, big: Path) -> None:
    """The child cannot write past 256 KB (a real limit, RLIMIT_FSIZE, which it inherits): the same
    PatchError as one process gets, nothing left behind."""
    said = []
    for processes in (1, 2):
        path = tmp_path / f"p{processes}" / "big.xlsx"
        path.parent.mkdir()
        shutil.copyfile(big, path)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 10, hard))
        try:
            exc, _ = _fails(path, processes)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        said.append((type(exc), str(exc)))
    assert said[0] == said[1]
    assert said[0][0] is PatchError and "big.xlsx could not be written (File too large)" in said[0][1]


def test_a_writing_process_killed_is_one_line_and_nothing_written(tmp_path: Path, big: Path) -> None:
    path = tmp_path / "big.xlsx"
    shutil.copyfile(big, path)

    def kill_the_writer(*_: object) -> None:
        for pid in _children():
            os.kill(pid, signal.SIGKILL)

    exc, _ = _fails(path, 2, progress=kill_the_writer)
    assert isinstance(exc, PatchError)
    assert str(exc) == ("big.xlsx could not be written: the writing process was killed (SIGKILL); the workbook "
                        "is unchanged")


def test_a_failure_while_reading_ends_the_writing_process(tmp_path: Path, big: Path) -> None:
    path = tmp_path / "big.xlsx"
    shutil.copyfile(big, path)

    def fail(*_: object) -> None:
        raise RuntimeError("stopped while reading")

    exc, _ = _fails(path, 2, progress=fail)
    assert isinstance(exc, PatchError) and "stopped while reading" in str(exc)


def test_two_processes_from_fork_from_bytes_of_xml() -> None:
    assert processes_for(FORK_FROM - 1) == 1 and processes_for(FORK_FROM) == 2


def test_no_fork_while_another_thread_runs(tmp_path: Path, big: Path) -> None:
    """Not by default, nor when two processes are asked for: the one-process bytes, no child."""
    was = forkable()
    one, _ = _refreshed(big, tmp_path, 1, days=1)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forkable() and processes_for(10 * FORK_FROM) == 1
        two, child_cpu = _refreshed(big, tmp_path, 2, days=1)
    finally:
        stop.set()
        thread.join()
    assert two == one and child_cpu == 0
    assert forkable() == was


def test_a_fork_refused_writes_in_one_process_and_leaves_nothing(tmp_path: Path, big: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The system refusing a process (EAGAIN: no process left to make, or no memory): the refresh goes on in
    this one, the same bytes, no temp file or descriptor left of the attempt."""
    one, _ = _refreshed(big, tmp_path, 1, days=1)

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)  # (the system's call, not ours)
    fds = len(os.listdir("/proc/self/fd"))
    two, child_cpu = _refreshed(big, tmp_path, 2, days=1)
    assert two == one and child_cpu == 0
    assert len(os.listdir("/proc/self/fd")) == fds


def test_no_fork_when_held_to_one_core() -> None:
    was = forkable()
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        assert not forkable()
    finally:
        os.sched_setaffinity(0, cores)
    assert forkable() == was


def test_a_chunk_is_read_whole_into_one_buffer_across_many_reads() -> None:
    """Bigger than the pipe holds (so read in several pieces), and the buffer kept for the next chunk."""
    chunk = bytes(range(256)) * (12 << 10)  # 3 MB
    r, w = os.pipe()
    _widen(w)
    writer = threading.Thread(target=lambda: (_write(w, chunk), _write(w, b"next")))
    writer.start()
    buffer = bytearray()
    try:
        assert _read_into(buffer, r, len(chunk)) == chunk and len(buffer) == len(chunk)
        assert _read_into(buffer, r, 4) == b"next" and len(buffer) == len(chunk)
    finally:
        writer.join()
        os.close(w)
        os.close(r)


def test_a_chunk_cut_short_is_an_error() -> None:
    r, w = os.pipe()
    os.write(w, b"<row r=")
    os.close(w)
    with pytest.raises(EOFError):
        _read_into(bytearray(), r, 100)
    os.close(r)
