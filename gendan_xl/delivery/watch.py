"""Refresh on save, in any spreadsheet program: watch the team's workbooks and refresh each one shortly
after it was saved *and closed* — no button, so it works in WPS and LibreOffice, where xlwings does not.

**The rules**, for each workbook:

- Every file event in its folder that names it (a save writes a temp file and renames it over the
  workbook; a move's destination counts) or an owner file beside it (`~$name.xlsx`, `.~lock.name.xlsx#`)
  marks it *pending*. Nothing happens until `quiet` seconds pass with no new event for it: a burst of
  saves — Excel's temp-and-rename, WPS's repeated autosaves, three Ctrl+S in a row — is one refresh.
- Then, while an owner file exists (the workbook is open) it waits: writing now would only put the status
  beside it in `name.status.xlsx`. Closing the workbook deletes the owner file; that event wakes it again.
- Then its fingerprint (size, time, content hash) is compared with the last one known: the one it had when
  watching started, or the one our own refresh left. Equal means nothing to do — a workbook closed without
  saving, or **our own write**: the refresh replaces the file, which fires the same events a user's save
  does; the refresh records the fingerprint of what it wrote, so those events find the file as we left it
  and stop there. Only a fingerprint we do not know is a user's save, and is refreshed.

Events come from `watchdog`: the operating system's own notifications (inotify, FSEvents,
ReadDirectoryChangesW), or, on a network share — where those notifications are missing or unreliable —
a poll of the folder every `poll_seconds` (`polling=True`, or "auto": polling for paths on an SMB/NFS mount
or a UNC path). The refresh itself is passed in (`refresh(path)`): the door decides what it does (write the
status, keep its snapshot).

Every decision is logged and reported to `on_decision(kind, path)` — "refreshed", "open", "unchanged",
"failed", "gone" — which is how the tests await a condition instead of sleeping.
"""
from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from gendan_xl import defaults
from gendan_xl.books.team import Fingerprint, file_id, fingerprint, is_workbook_name
from gendan_xl.xlsx.atomic import is_open

log = logging.getLogger("gendan_xl.delivery.watch")

QUIET_SECONDS = defaults.WATCH_QUIET  # after the last event, how long a workbook must stay still
POLL_SECONDS = defaults.WATCH_POLL_SECONDS  # how often a polled folder (a network share) is scanned
POLLING = defaults.WATCH_POLLINGS
DECISIONS = ("refreshed", "open", "unchanged", "failed", "gone")
# File systems whose change notifications do not cross the network: watched by polling under "auto".
NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs",
                        "ncpfs", "davfs", "fuse.davfs2", "glusterfs", "fuse.glusterfs", "ceph", "fuse.rclone"})


def is_network_path(path: Path) -> bool:
    """Whether `path` is on a network share: a UNC path or a remote drive on Windows, an NFS/SMB/… mount on
    Linux (from /proc/self/mounts). Elsewhere (macOS) False: set `[watch] polling = "always"` there."""
    text = os.path.abspath(path)
    if sys.platform == "win32":
        if text.startswith("\\\\"):
            return True
        import ctypes

        root = os.path.splitdrive(text)[0] + "\\"
        return ctypes.windll.kernel32.GetDriveTypeW(root) == 4  # DRIVE_REMOTE
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as fh:
            mounts = [line.split()[1:3] for line in fh if len(line.split()) >= 3]
    except OSError:
        return False
    best, kind = "", ""
    for point, fstype in mounts:
        point = point.replace("\\040", " ")
        if (text == point or text.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, fstype
    return kind in NETWORK_FS


def watch_folders(paths: Iterable[Path], patterns: Iterable[str] = (), base: Path = Path(".")) -> list[tuple[Path, bool]]:
    """(folder, recursive) to watch: each workbook's folder, and the fixed part of each glob (recursive
    when the glob has `**`), so a workbook that appears later in a watched folder is seen too."""
    import glob

    out: dict[str, tuple[Path, bool]] = {}

    def add(folder: Path, recursive: bool) -> None:
        key = os.path.normcase(os.path.abspath(folder))
        old = out.get(key)
        out[key] = (Path(os.path.abspath(folder)), recursive or (old is not None and old[1]))

    for p in paths:
        add(p.parent, False)
    for pattern in patterns:
        text = os.path.expanduser(str(pattern))
        if not glob.has_magic(text):
            continue
        full = Path(text if os.path.isabs(text) else os.path.join(base, text))
        fixed = []
        for part in full.parts:
            if glob.has_magic(part):
                break
            fixed.append(part)
        add(Path(*fixed), "**" in text)
    return [(folder, rec) for folder, rec in out.values() if folder.is_dir()]


@dataclass
class _Book:
    path: Path
    known: Fingerprint | None = None  # as it was when watching started, or as our refresh left it
    pending_since: float | None = None  # the time of the last event, while one is not looked at yet
    waiting_open: bool = False


@dataclass(eq=False)  # watchdog keeps its handlers in a set: hashed by identity
class Watcher:
    """Watches `find()`'s workbooks (called again when a new workbook name appears in a watched folder)
    in `folders` and calls `refresh(path)` by the rules above. `start()`, then `stop()`; or `run(stop)`.

    `initial`: refresh every workbook once at start (else only what is saved from now on)."""

    find: Callable[[], Sequence[Path]]
    folders: Sequence[tuple[Path, bool]]
    refresh: Callable[[Path], Any]
    quiet: float = QUIET_SECONDS
    polling: str = defaults.WATCH_POLLING
    poll_seconds: float = POLL_SECONDS
    initial: bool = False
    on_decision: Callable[[str, Path], None] | None = None
    clock: Callable[[], float] = time.monotonic
    _events: "queue.Queue[str | None]" = field(default_factory=queue.Queue, init=False, repr=False)
    _books: dict[str, _Book] = field(default_factory=dict, init=False, repr=False)
    _observers: list[Any] = field(default_factory=list, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.polling not in POLLING:
            raise ValueError(f"polling must be one of {', '.join(POLLING)}, not {self.polling!r}")

    # -- events (the observers' threads) ------------------------------------------------------------------

    def dispatch(self, event: Any) -> None:
        """watchdog's handler entry point: queue every path the event names."""
        if getattr(event, "is_directory", False):
            return
        for p in (event.src_path, getattr(event, "dest_path", "")):
            if p:
                self._events.put(os.fsdecode(p))

    # -- starting and stopping ----------------------------------------------------------------------------

    def _observer(self, folder: Path) -> Any:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        poll = self.polling == "always" or (self.polling == "auto" and is_network_path(folder))
        log.info("watching %s (%s)", folder, f"polling every {self.poll_seconds:g} s" if poll else "notifications")
        return PollingObserver(timeout=self.poll_seconds) if poll else Observer()

    def start(self) -> "Watcher":
        """Start the observers and the worker thread; returns once events are being received."""
        self._rescan(first=True)
        for folder, recursive in self.folders:
            observer = self._observer(folder)
            observer.schedule(self, str(folder), recursive=recursive)
            observer.start()
            self._observers.append(observer)
        self._thread = threading.Thread(target=self._work, name="gendan-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._events.put(None)
        for observer in self._observers:
            observer.stop()
        for observer in self._observers:
            observer.join()
        if self._thread is not None:
            self._thread.join()

    def run(self, stop: threading.Event) -> int:
        """Watch until `stop` is set (the CLI's SIGINT/SIGTERM handler sets it); returns 0."""
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()
        return 0

    def __enter__(self) -> "Watcher":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the worker ------------------------------------------------------------------------------------------

    def _rescan(self, first: bool = False) -> None:
        """(Re)read the list of workbooks. Those there at the start are taken as they are (unless `initial`);
        one that appears later is new work, refreshed once it is quiet."""
        for p in self.find():
            key = file_id(p)
            if key in self._books:
                continue
            book = self._books[key] = _Book(Path(p))
            if first and not self.initial:
                try:
                    book.known = fingerprint(book.path)
                except OSError:
                    book.known = None
            elif first:
                book.pending_since = self.clock() - self.quiet

    def _books_for(self, path: str) -> list[_Book]:
        p = Path(path)
        key = file_id(p)
        if key in self._books:
            return [self._books[key]]
        if p.name.startswith(("~$", ".~lock.")):  # an owner file: look at every workbook of its folder
            folder = file_id(p.parent)
            return [b for b in self._books.values() if file_id(b.path.parent) == folder]
        if is_workbook_name(p):  # a workbook we did not know: maybe one a glob takes now
            self._rescan()
            return [self._books[key]] if key in self._books else []
        return []

    def _decide(self, kind: str, book: _Book, detail: str = "") -> None:
        log.info("%s: %s%s", book.path.name, kind, f" ({detail})" if detail else "")
        if self.on_decision is not None:
            self.on_decision(kind, book.path)

    def _look(self, book: _Book) -> None:
        """A workbook quiet for long enough: wait while open, else refresh it if it is not as we know it."""
        book.pending_since = None
        if not book.path.exists():
            self._decide("gone", book)
            return
        lock = is_open(book.path)
        if lock is not None:
            if not book.waiting_open:
                book.waiting_open = True
                self._decide("open", book, f"waiting for {lock.name} to go")
            return
        book.waiting_open = False
        try:
            now = fingerprint(book.path, book.known)
        except OSError as exc:
            self._decide("failed", book, str(exc))
            return
        if book.known is not None and (now.size, now.digest) == (book.known.size, book.known.digest):
            book.known = now
            self._decide("unchanged", book)
            return
        try:
            self.refresh(book.path)
        except Exception as exc:  # a door: one workbook's failed refresh must not stop the watching
            book.known = now  # not again until it is saved again
            self._decide("failed", book, f"{type(exc).__name__}: {exc}")
            return
        try:
            book.known = fingerprint(book.path)  # what we wrote: its own events must find it unchanged
        except OSError:
            book.known = None
        self._decide("refreshed", book)

    def _work(self) -> None:
        while not self._stop.is_set():
            now = self.clock()
            due = [b.pending_since + self.quiet for b in self._books.values() if b.pending_since is not None]
            timeout = max(0.0, min(due) - now) if due else None
            try:
                item = self._events.get(timeout=timeout)
            except queue.Empty:
                item = ""
            if item is None:
                break
            if item:
                for book in self._books_for(item):
                    book.pending_since = self.clock()
            now = self.clock()  # events for other files must not starve a workbook that is due
            for book in list(self._books.values()):
                if book.pending_since is not None and now - book.pending_since >= self.quiet:
                    self._look(book)


def watch_workbooks(find: Callable[[], Sequence[Path]], folders: Sequence[tuple[Path, bool]],
                    refresh: Callable[[Path], Any], *, stop: threading.Event, quiet: float = QUIET_SECONDS,
                    polling: str = defaults.WATCH_POLLING, poll_seconds: float = POLL_SECONDS, initial: bool = False,
                    on_decision: Callable[[str, Path], None] | None = None) -> int:
    """`gendan-xl watch`: watch `find()`'s workbooks in `folders` and `refresh` each one saved and closed, until
    `stop` is set. Returns 0."""
    return Watcher(find, folders, refresh, quiet=quiet, polling=polling, poll_seconds=poll_seconds, initial=initial,
                   on_decision=on_decision).run(stop)


__all__ = ["DECISIONS", "POLLING", "POLL_SECONDS", "QUIET_SECONDS", "Watcher", "is_network_path", "watch_folders",
           "watch_workbooks"]
