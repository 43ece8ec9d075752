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


# ------------------------------------------------------------------ the watch of the team's settings

TEAM = """[workbook]\npaths = ["共享 订单/*.xlsx"]\n[paths]\ndata_dir = "data"\n[mail]\ntransport = "outbox"
outbox = "outbox"\n[watch]\nquiet = 0.3\npolling = "never"\n"""


def team_book(path: Path, due: dt.date) -> bytes:
    """A merchandiser's workbook as saved: SO1 due on `due`, SO2 long overdue."""
    from conftest import good_row as row

    src = write_book(path.with_name(f"new {path.name}"), [row(订单号="SO1", 客户交期=due), row(订单号="SO2", 客户交期=D(2026, 3, 20))],
                     headers=HEADERS)
    data = src.read_bytes()
    src.unlink()
    return data


def test_a_refresh_by_watch_stores_its_snapshot_and_changes_shows_the_moved_due_date(folder, tmp_path, capsys):
    """Issue 18: every status run stores a snapshot — a refresh by `watch` too, through the same team run."""
    import json

    from gendan_xl.books.team import file_id
    from gendan_xl.delivery.store import Store
    from gendan_xl.delivery.team import team_changes
    from gendan_xl.doors.cli import main
    from gendan_xl.doors.settings import load_settings
    from gendan_xl.doors.wiring import watch_options

    (tmp_path / "gendan.toml").write_text(TEAM, encoding="utf-8")
    book = folder / "王芳.xlsx"
    book.write_bytes(team_book(book, D(2026, 4, 2)))
    assert main(["--config", str(tmp_path / "gendan.toml"), "status", "--today", "2026-03-31"]) == 0
    decisions = Decisions()
    settings = load_settings(tmp_path / "gendan.toml", env={})
    with Watcher(**watch_options(settings, today=D(2026, 4, 1)), on_decision=decisions):
        save(book, team_book(book, D(2026, 4, 8)))  # SO1 moved from Thu 04-02 to Wed 04-08
        decisions.wait_for("refreshed", book.name)
    with Store(tmp_path / "data") as store:
        watched = store.last_run()
        assert watched is not None and (watched["kind"], watched["today"]) == ("watch", "2026-04-01")
        since = store.last_run(kind="status")
        moved = [c for c in team_changes(store, [file_id(book)], since_run=since, until=watched["id"]).changes
                 if c.kind == "due_moved"]
    # Fri 04-03, Tue 04-07, Wed 04-08: 3 working days later (Sat 04-04 to Mon 04-06 are 清明)
    assert [(c.order_no, c.old, c.new, c.workdays) for c in moved] == [("SO1", D(2026, 4, 2), D(2026, 4, 8), 3)]
    capsys.readouterr()
    main(["--config", str(tmp_path / "gendan.toml"), "changes", "--today", "2026-04-01", "--since", "2026-04-01",
          "--json"])
    doc = json.loads(capsys.readouterr().out)["result"]
    assert [(c["order_no"], c["workdays"]) for c in doc["changes"] if c["kind"] == "due_moved"] == [("SO1", 3)]


def test_jobs_schedule_with_the_watcher_refreshes_a_saved_and_closed_workbook_once(folder, tmp_path):
    """`jobs schedule --watch`: the scheduler's loop with the watcher beside it, as the CLI starts them, driven by
    real file events; stopped by its stop event. The open workbook is left alone."""
    from gendan_xl.delivery.jobs import schedule_loop
    from gendan_xl.doors.settings import load_settings
    from gendan_xl.doors.wiring import job_context, watch_options

    (tmp_path / "gendan.toml").write_text(TEAM, encoding="utf-8")
    closed, opened = folder / "张丽.xlsx", folder / "王芳.xlsx"
    for book in (closed, opened):
        book.write_bytes(team_book(book, D(2026, 4, 2)))
    (folder / "~$王芳.xlsx").write_bytes(b"\x05owner")  # 王芳 has hers open in Excel
    settings = load_settings(tmp_path / "gendan.toml", env={})
    decisions = Decisions()
    stop = threading.Event()
    log = tmp_path / "data" / "jobs.log"
    loop = threading.Thread(target=schedule_loop, args=(job_context(settings),), kwargs=dict(
        log_file=log, stop=stop, handle_signals=False, every_seconds=1,
        clock=lambda: dt.datetime(2026, 4, 5, 10, 0),  # 清明, a Sunday: no job is due, only the watcher works
        watcher=Watcher(**watch_options(settings, today=D(2026, 4, 1)), on_decision=decisions)))
    loop.start()
    try:
        for book in (closed, opened):
            save(book, team_book(book, D(2026, 4, 8)))
        decisions.wait_for("refreshed", closed.name)
        decisions.wait_for("unchanged", closed.name)  # the events of our own write, let go
        decisions.wait_for("open", opened.name)
    finally:
        stop.set()
        loop.join(TIMEOUT)
    assert not loop.is_alive()
    assert [k for k, name in decisions.seen if name == closed.name] == ["refreshed", "unchanged"]
    assert [k for k, name in decisions.seen if name == opened.name] == ["open"]
    assert has_status_columns(closed) and not has_status_columns(opened)
    text = log.read_text(encoding="utf-8")
    assert "scheduler started" in text and "张丽.xlsx: refreshed" in text and "scheduler stopped" in text
