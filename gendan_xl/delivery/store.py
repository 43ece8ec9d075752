"""The one SQLite file, `<data_dir>/gendan.sqlite`: quote numbers and the quote log, the sent log, job state.

Every connection to it is made here, the same way (busy timeout, autocommit, every table created when
missing), and every statement on its tables is written here; `quote`, `mail` and `jobs` ask through the
methods below. A CLI run, the scheduler and the Excel button may use the file at the same time, so a
writer waits up to `BUSY_TIMEOUT` seconds for another's lock instead of failing. Whatever SQLite reports
(a full disk, a read-only folder, a lock held too long) leaves here as one `StoreError` line naming the
folder and the fix, never as an OperationalError.

Tables: `quote_seq` (the last quote number of each year) and `quote_log` (every quoted tier), written by
`books.quotes.make_quote` and read by the order review; `mail_outbox` (the sent log, see `delivery.mail`);
`job_state` (each job's last run, see `delivery.job_specs`); the snapshot tables
(`snapshot_run`, `line_snapshot`, `workbook_record`), whose statements live in `delivery.snapshot_store`. Beside the file, `gendan.send.lock` is the lock a
run holds while it delivers the queue (`sending_lock`).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sqlite3
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from gendan_xl.delivery.snapshot_store import SnapshotTables
from gendan_xl.errors import StoreError
from gendan_xl.pricing import Quote

try:  # the lock a sender holds: flock on POSIX, a locked byte on Windows; both die with the process
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

__all__ = ["DB_NAME", "BUSY_TIMEOUT", "SEND_LOCK", "Store"]

DB_NAME = "gendan.sqlite"
SEND_LOCK = "gendan.send.lock"
BUSY_TIMEOUT = 30  # seconds
LOCK_POLL = 0.1    # seconds between two looks at a sending lock another run holds

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quote_seq (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quote_log (
    id INTEGER PRIMARY KEY,
    quote_no TEXT NOT NULL,
    date TEXT NOT NULL,          -- ISO date the quote was made
    customer TEXT NOT NULL,
    model TEXT NOT NULL,
    tier_qty INTEGER NOT NULL,
    price TEXT NOT NULL,         -- exact decimal text in `currency`, as quoted ("8.3406")
    currency TEXT NOT NULL,
    incoterm TEXT NOT NULL,
    valid_until TEXT NOT NULL    -- ISO date
);
CREATE INDEX IF NOT EXISTS quote_log_customer_model ON quote_log (customer, model);
CREATE TABLE IF NOT EXISTS mail_outbox (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    recipient TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    subject TEXT NOT NULL,
    attachments TEXT NOT NULL,
    message BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    queued_at TEXT NOT NULL,
    sent_at TEXT,
    ref TEXT NOT NULL DEFAULT ''  -- with job, period and recipient: the key of one logical mail
);
CREATE TABLE IF NOT EXISTS job_state (
    job TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    result TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
"""

# The key of a mail is (job, period, recipient, ref), and a key has at most one row waiting to be sent:
# two runs queuing the same mail at once cannot both succeed. The content hash is no longer in the key
# (issue 14: a workbook changed after 08:30 sent the day's report twice).
_INDEXES = """
DROP INDEX IF EXISTS mail_outbox_key;
CREATE INDEX IF NOT EXISTS mail_outbox_mail ON mail_outbox (job, period, recipient, ref);
CREATE UNIQUE INDEX IF NOT EXISTS mail_outbox_one_pending ON mail_outbox (job, period, recipient, ref)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS mail_outbox_state ON mail_outbox (state);
"""
_MAIL_KEY = "job = ? AND period = ? AND recipient = ? AND ref = ?"


def _guarded(doing: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A Store method whose SQLite errors leave as one StoreError line (see `Store._guard`)."""
    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def guarded(self: "Store", *args: Any, **kw: Any) -> Any:
            with self._guard(doing):
                return method(self, *args, **kw)
        return guarded
    return wrap


class Store(SnapshotTables):
    """`<data_dir>/gendan.sqlite`, opened on first use and kept open until `close()` (or the `with` ends)."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"Store({str(self.data_dir)!r})"

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            with self._guard("opening", files=True):
                self.data_dir.mkdir(parents=True, exist_ok=True)
                # isolation_level=None: each statement commits on its own; what must be atomic across
                # statements (a quote number and its log) takes `transaction()`, which locks at once
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
                conn.row_factory = sqlite3.Row
                try:
                    conn.executescript(_SCHEMA)
                    self._conn = conn
                    self._upgrade()
                    conn.executescript(_INDEXES)
                except BaseException:
                    self._conn = None
                    conn.close()
                    raise
        return self._conn

    def _upgrade(self) -> None:
        """A sent log from before the mail key had a `ref`: add the column, and keep only the newest of the
        rows queued twice for one key (the older copies are marked `replaced` and never sent)."""
        if "ref" in {r[1] for r in self.conn.execute("PRAGMA table_info(mail_outbox)")}:
            return
        with self.transaction() as conn:
            if "ref" in {r[1] for r in conn.execute("PRAGMA table_info(mail_outbox)")}:
                return   # another run upgraded it meanwhile
            conn.execute("ALTER TABLE mail_outbox ADD COLUMN ref TEXT NOT NULL DEFAULT ''")
            conn.execute("UPDATE mail_outbox SET state = 'replaced' WHERE state = 'pending' AND id NOT IN "
                         "(SELECT max(id) FROM mail_outbox WHERE state = 'pending' "
                         "GROUP BY job, period, recipient, ref)")

    @contextmanager
    def _guard(self, doing: str, *, files: bool = False) -> Iterator[None]:
        """SQLite's errors (and with `files`, the file system's: making the folder, the lock file) as one
        line that says what to do."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            if isinstance(exc, OSError) and not files:
                raise
            text = str(exc).lower()
            if "full" in text or "disk i/o" in text or getattr(exc, "errno", None) == 28:
                fix = f"the disk holding {self.data_dir} is full (or failing): free space there and run again"
            elif "readonly" in text or "unable to open" in text or isinstance(exc, PermissionError):
                fix = f"{self.data_dir} cannot be written: check its permissions or set [paths] data_dir"
            elif "locked" in text or "busy" in text:
                fix = f"another gendan-xl run held it more than {BUSY_TIMEOUT} s: run again"
            else:
                fix = f"check {self.data_dir} or set [paths] data_dir"
            raise StoreError(f"{self.path}: {doing} failed ({exc}); {fix} (what is queued stays queued)") from exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: taken before the first read, so two runs cannot both take a number."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:   # SQLite rolls back by itself after some errors (a full disk)
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- quote numbers and the quote log ---------------------------------------------------------------

    def record_quote(self, year: int, write: Callable[[str], Iterable[Quote]]) -> str:
        """Take the next quote number of `year` ("Q20260001"), call `write(number)` — it writes the quote and
        returns the quoted tiers — and log them, all in one transaction: a `write` that raises uses up no
        number and logs nothing, and numbers never repeat, even across runs."""
        with self._guard("taking a quote number"), self.transaction() as conn:
            row = conn.execute("SELECT last FROM quote_seq WHERE year = ?", (year,)).fetchone()
            seq = (row[0] if row else 0) + 1
            conn.execute("INSERT INTO quote_seq (year, last) VALUES (?, ?) "
                         "ON CONFLICT(year) DO UPDATE SET last = excluded.last", (year, seq))
            quote_no = f"Q{year}{seq:04d}"
            conn.executemany(
                "INSERT INTO quote_log (quote_no, date, customer, model, tier_qty, price, currency, incoterm, "
                "valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(q.quote_no, q.date.isoformat(), q.customer, q.model, q.tier_qty, str(q.price), q.currency,
                  q.incoterm, q.valid_until.isoformat()) for q in write(quote_no)])
        return quote_no

    @_guarded("reading the quote log")
    def quotes(self) -> list[Quote]:
        """Every row of the quote log, oldest first. No database file is an empty log, and nothing is created."""
        if self._conn is None and not self.path.is_file():
            return []
        rows = self.conn.execute("SELECT quote_no, date, customer, model, tier_qty, price, currency, "
                                 "valid_until, incoterm FROM quote_log ORDER BY id").fetchall()
        return [Quote(r[0], dt.date.fromisoformat(r[1]), r[2], r[3], int(r[4]), Decimal(r[5]), r[6],
                      dt.date.fromisoformat(r[7]), r[8] or "") for r in rows]

    # --- the sent log (see delivery.mail) ----------------------------------------------------------------

    @_guarded("reading the sent log")
    def last_mail(self, job: str, period: str, recipient: str, ref: str) -> dict[str, Any] | None:
        """The latest row (id, state) of the mail with this key that went to the queue, if any (`invalid`
        rows are notes of mails that were never queued)."""
        row = self.conn.execute(f"SELECT id, state FROM mail_outbox WHERE {_MAIL_KEY} AND state != 'invalid' "
                                "ORDER BY id DESC LIMIT 1", (job, period, recipient, ref)).fetchone()
        return dict(row) if row else None

    @_guarded("queuing a mail")
    def enqueue_mail(self, *, job: str, period: str, recipient: str, ref: str, content_hash: str, subject: str,
                     attachments: Sequence[str], message: bytes, queued_at: str,
                     force: bool = False) -> tuple[str, int, str]:
        """Decide and record, in one write transaction (so two runs cannot both queue one mail), what
        becomes of the mail with this key. Returns (action, row id, the state it was decided on):

        - ("queued", new row, "")      — nothing in the way: a new pending row;
        - ("pending", that row, "pending") — already queued and not yet sent: left as it is, or with
          `force` given this message instead ("replaced"), so a forced resend is one copy, not one per try;
        - ("skipped", last row, its state) — sent, rejected or failed before, and no `force`.
        """
        files = json.dumps(list(attachments), ensure_ascii=False)
        with self.transaction() as conn:
            last = conn.execute(f"SELECT id, state FROM mail_outbox WHERE {_MAIL_KEY} AND state != 'invalid' "
                                "ORDER BY id DESC LIMIT 1", (job, period, recipient, ref)).fetchone()
            queued = conn.execute(f"SELECT id FROM mail_outbox WHERE {_MAIL_KEY} AND state = 'pending'",
                                  (job, period, recipient, ref)).fetchone()
            if queued is not None:
                if not force:
                    return "pending", queued["id"], "pending"
                conn.execute("UPDATE mail_outbox SET content_hash = ?, subject = ?, attachments = ?, message = ?, "
                             "queued_at = ?, error = '' WHERE id = ?",
                             (content_hash, subject, files, message, queued_at, queued["id"]))
                return "replaced", queued["id"], "pending"
            if last is not None and not force:
                return "skipped", last["id"], last["state"]
            cur = conn.execute(
                "INSERT INTO mail_outbox (job, period, recipient, ref, content_hash, subject, attachments, message,"
                " state, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (job, period, recipient, ref, content_hash, subject, files, message, queued_at))
            return "queued", _rowid(cur), ""

    @_guarded("recording a mail that cannot be sent")
    def record_invalid(self, *, job: str, period: str, recipient: str, ref: str, subject: str, error: str,
                       queued_at: str) -> int:
        """Note a mail that could not be built (one note per key, the latest error)."""
        with self.transaction() as conn:
            row = conn.execute(f"SELECT id FROM mail_outbox WHERE {_MAIL_KEY} AND state = 'invalid'",
                               (job, period, recipient, ref)).fetchone()
            if row is not None:
                conn.execute("UPDATE mail_outbox SET subject = ?, error = ?, queued_at = ?, attempts = attempts + 1"
                             " WHERE id = ?", (subject, error, queued_at, row["id"]))
                return int(row["id"])
            cur = conn.execute(
                "INSERT INTO mail_outbox (job, period, recipient, ref, content_hash, subject, attachments, message,"
                " state, attempts, error, queued_at) VALUES (?, ?, ?, ?, '', ?, '[]', x'', 'invalid', 1, ?, ?)",
                (job, period, recipient, ref, subject, error, queued_at))
            return _rowid(cur)

    @_guarded("reading the queue")
    def next_pending(self, after: int) -> dict[str, Any] | None:
        """The oldest pending row after row `after`, with its message bytes (one at a time: a queue of
        large attachments is never all in memory)."""
        row = self.conn.execute("SELECT * FROM mail_outbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT 1",
                                (after,)).fetchone()
        return _mail_row(row) if row else None

    @_guarded("reading the queue")
    def mail_row(self, row_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM mail_outbox WHERE id = ?", (row_id,)).fetchone()
        return _mail_row(row) if row else None

    @_guarded("reading the sent log")
    def count_mails(self, state: str) -> int:
        return self.conn.execute("SELECT count(*) FROM mail_outbox WHERE state = ?", (state,)).fetchone()[0]

    @_guarded("recording a delivery")
    def mark_mail(self, row_id: int, *, state: str, attempts: int, error: str, sent_at: str | None) -> None:
        """Record a delivery attempt: the new state, `attempts` more tries, the error, when it was sent."""
        self.conn.execute("UPDATE mail_outbox SET state = ?, attempts = attempts + ?, error = ?, sent_at = ?"
                          " WHERE id = ?", (state, attempts, error, sent_at, row_id))

    @_guarded("reading the sent log")
    def sent_log(self, job: str | None = None, period: str | None = None,
                 state: str | None = None) -> list[dict[str, Any]]:
        """The sent log as plain dicts (no message bytes), oldest first."""
        sql = ("SELECT id, job, period, recipient, ref, subject, attachments, state, attempts, error, queued_at, "
               "sent_at FROM mail_outbox WHERE (? IS NULL OR job = ?) AND (? IS NULL OR period = ?) "
               "AND (? IS NULL OR state = ?) ORDER BY id")
        return [_mail_row(r) for r in self.conn.execute(sql, (job, job, period, period, state, state)).fetchall()]

    @contextmanager
    def sending_lock(self, *, wait: float, sleep: Callable[[float], None],
                     clock: Callable[[], float]) -> Iterator[bool]:
        """Hold `<data_dir>/gendan.send.lock` while delivering the queue: one sender at a time. Yields True
        once held, or False when another run still holds it after `wait` seconds. The operating system
        drops the lock when its process dies, so a killed run never blocks the next."""
        with self._guard("taking the sending lock", files=True):
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.data_dir / SEND_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            deadline = clock() + wait
            while not _try_lock(fd):
                if clock() >= deadline:
                    yield False
                    return
                sleep(LOCK_POLL)
            try:
                yield True
            finally:
                _unlock(fd)
        finally:
            os.close(fd)

    # --- job state (see delivery.job_specs) --------------------------------------------------------------------

    @_guarded("reading the job state")
    def job_runs(self) -> dict[str, dict[str, Any]]:
        """Each job's last run: period, result, attempts, started_at (a datetime), error, data (its memory)."""
        return {r["job"]: {"period": r["period"], "result": r["result"], "attempts": r["attempts"],
                           "started_at": dt.datetime.fromisoformat(r["started_at"]), "error": r["error"],
                           "data": json.loads(r["data"])}
                for r in self.conn.execute("SELECT * FROM job_state")}

    @_guarded("recording a job run")
    def save_job_run(self, job: str, *, period: str, result: str, attempts: int, started_at: dt.datetime,
                     finished_at: dt.datetime, error: str, data: Mapping[str, Any]) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO job_state (job, period, result, attempts, started_at, finished_at, error, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (job, period, result, attempts, started_at.isoformat(timespec="seconds"),
             finished_at.isoformat(timespec="seconds"), error, json.dumps(data, ensure_ascii=False)))


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _mail_row(row: sqlite3.Row) -> dict[str, Any]:
    return dict(row) | {"attachments": json.loads(row["attachments"])}


def _rowid(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made (sqlite3 types lastrowid as optional; after an INSERT it is set)."""
    assert cur.lastrowid is not None
    return cur.lastrowid
