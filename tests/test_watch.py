"""`watch`: a workbook saved and closed is refreshed once; an open one is left alone until it closes; our own
write starts nothing. Driven by real file events in a temp folder; the test waits on the watcher's
decisions, never on a sleep."""
from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import pytest
from conftest import HEADERS, good_row, write_book

from gendan_xl.books.refresh import OUTPUT_COLUMNS, refresh_workbook
from gendan_xl.delivery.watch import Watcher, is_network_path, watch_folders
from gendan_xl.xlsx.read import open_book

D = dt.date
TIMEOUT = 30  # seconds: only ever reached when something is wrong


class Decisions:
    """The watcher's decisions as they come, and a way to wait for one."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.seen: list[tuple[str, str]] = []

    def __call__(self, kind: str, path: Path) -> None:
        with self.cond:
            self.seen.append((kind, path.name))
            self.cond.notify_all()

    def wait_for(self, kind: str, name: str, count: int = 1) -> None:
        with self.cond:
            ok = self.cond.wait_for(lambda: self.seen.count((kind, name)) >= count, TIMEOUT)
        assert ok, f"no {kind} for {name} within {TIMEOUT} s; saw {self.seen}"


def version(tmp_path: Path, n: int) -> bytes:
    """The bytes of a workbook as a user would save it, different for each n."""
    src = write_book(tmp_path / f"v{n}.xlsx", [good_row(订单号=f"SO{i}", 数量=1000 + n) for i in range(3)],
                     headers=HEADERS)
    data = src.read_bytes()
    src.unlink()
    return data


def save(path: Path, data: bytes) -> None:
    """Save as Excel and WPS do: a temp file in the folder, renamed over the workbook."""
    tmp = path.with_name(f"{path.stem}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def has_status_columns(path: Path) -> bool:
    book = open_book(path)
    return OUTPUT_COLUMNS[0][1] in {str(v) for row in book.values("订单")[:1] for v in row}


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "共享 订单"
    folder.mkdir()
    return folder


def watcher(folder, books, refreshed, decisions, **kw):
    def refresh(path: Path) -> None:
        refreshed.append(path.name)
        refresh_workbook(path, today=D(2026, 4, 1), now=dt.datetime(2026, 4, 1, 9, 0), backups=0)

    kw.setdefault("quiet", 0.5)
    kw.setdefault("polling", "never")
    return Watcher(find=lambda: books, folders=[(folder, False)], refresh=refresh, on_decision=decisions, **kw)


def test_saved_and_closed_is_refreshed_once_and_our_write_starts_nothing(folder, tmp_path):
    book = folder / "张丽 订单.xlsx"
    book.write_bytes(version(tmp_path, 0))
    saves = [version(tmp_path, n) for n in range(1, 6)]
    refreshed: list[str] = []
    decisions = Decisions()
    with watcher(folder, [book], refreshed, decisions):
        for data in saves:  # a burst of saves is one refresh
            save(book, data)
        decisions.wait_for("refreshed", book.name)
        decisions.wait_for("unchanged", book.name)  # the events of our own write, looked at and let go
    assert refreshed == [book.name]
    assert has_status_columns(book)
    assert decisions.seen == [("refreshed", book.name), ("unchanged", book.name)]


def test_an_open_workbook_is_left_alone_until_it_is_closed(folder, tmp_path):
    book = folder / "王芳.xlsx"
    book.write_bytes(version(tmp_path, 0))
    refreshed: list[str] = []
    decisions = Decisions()
    with watcher(folder, [book], refreshed, decisions):
        owner = folder / "~$王芳.xlsx"  # Excel opened it
        owner.write_bytes(b"\x05owner")
        save(book, version(tmp_path, 1))  # Ctrl+S while open
        decisions.wait_for("open", book.name)
        assert refreshed == [] and not has_status_columns(book)
        owner.unlink()  # closed
        decisions.wait_for("refreshed", book.name)
    assert refreshed == [book.name] and has_status_columns(book)


def test_closed_without_saving_is_not_refreshed(folder, tmp_path):
    book = folder / "李娜.xlsx"
    book.write_bytes(version(tmp_path, 0))
    refreshed: list[str] = []
    decisions = Decisions()
    with watcher(folder, [book], refreshed, decisions):
        lock = folder / ".~lock.李娜.xlsx#"  # LibreOffice opened it, then closed it without saving
        lock.write_text("lock")
        decisions.wait_for("open", book.name)
        lock.unlink()
        decisions.wait_for("unchanged", book.name)
    assert refreshed == []


def test_polling_for_a_network_share(folder, tmp_path):
    book = folder / "share.xlsx"
    book.write_bytes(version(tmp_path, 0))
    refreshed: list[str] = []
    decisions = Decisions()
    with watcher(folder, [book], refreshed, decisions, polling="always", poll_seconds=0.2, quiet=0.3):
        save(book, version(tmp_path, 1))
        decisions.wait_for("refreshed", book.name)
    assert refreshed == [book.name]


def test_a_workbook_that_appears_in_a_watched_glob_folder_is_taken(folder, tmp_path):
    from gendan_xl.books.team import workbook_paths

    refreshed: list[str] = []
    decisions = Decisions()
    w = Watcher(find=lambda: workbook_paths(["共享 订单/*.xlsx"], tmp_path),
                folders=watch_folders([], ["共享 订单/*.xlsx"], tmp_path), quiet=0.3, polling="never",
                refresh=lambda p: refreshed.append(p.name), on_decision=decisions)
    with w:
        save(folder / "新人.xlsx", version(tmp_path, 1))
        decisions.wait_for("refreshed", "新人.xlsx")
    assert refreshed == ["新人.xlsx"]


def test_where_to_watch_and_how(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    folders = watch_folders([tmp_path / "a" / "x.xlsx"], ["a/**/*.xlsx", "missing/*.xlsx"], tmp_path)
    assert folders == [(tmp_path / "a", True)]
    assert not is_network_path(tmp_path)
