"""The one SQLite file, `<data_dir>/gendan.sqlite`: quote numbers and the quote log, the sent log, job state.

Every connection to it is made here, the same way (busy timeout, autocommit, every table created when
missing), and every statement on its tables is written here; `quote`, `mail` and `jobs` ask through the
methods below. A CLI run, the scheduler and the Excel button may use the file at the same time, so a
writer waits up to `BUSY_TIMEOUT` seconds for another's lock instead of failing.

Tables: `quote_seq` (the last quote number of each year) and `quote_log` (every quoted tier), written by
`books.quotes.make_quote` and read by the order review; `mail_outbox` (the sent log, see `delivery.mail`);
`job_state` (each job's last run, see `delivery.jobs`).
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from gendan_xl.errors import GendanError
from gendan_xl.pricing import Quote

__all__ = ["DB_NAME", "BUSY_TIMEOUT", "Store"]

DB_NAME = "gendan.sqlite"
BUSY_TIMEOUT = 30  # seconds

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
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS mail_outbox_key ON mail_outbox (job, period, recipient, content_hash);
CREATE INDEX IF NOT EXISTS mail_outbox_state ON mail_outbox (state);
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


class Store:
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
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: each statement commits on its own; what must be atomic across statements
            # (a quote number and its log) takes `transaction()`, which locks at once (BEGIN IMMEDIATE)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            conn.row_factory = sqlite3.Row
            try:
                conn.executescript(_SCHEMA)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

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
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- quote numbers and the quote log ---------------------------------------------------------------

    def record_quote(self, year: int, write: Callable[[str], Iterable[Quote]]) -> str:
        """Take the next quote number of `year` ("Q20260001"), call `write(number)` — it writes the quote and
        returns the quoted tiers — and log them, all in one transaction: a `write` that raises uses up no
        number and logs nothing, and numbers never repeat, even across runs."""
        with self.transaction() as conn:
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

    def quotes(self) -> list[Quote]:
        """Every row of the quote log, oldest first. No database file is an empty log, and nothing is created."""
        if self._conn is None and not self.path.is_file():
            return []
        try:
            rows = self.conn.execute("SELECT quote_no, date, customer, model, tier_qty, price, currency, "
                                     "valid_until, incoterm FROM quote_log ORDER BY id").fetchall()
        except sqlite3.Error as exc:
            raise GendanError(f"{self.path}: cannot read the quote log ({exc}); check --data-dir") from exc
        return [Quote(r[0], dt.date.fromisoformat(r[1]), r[2], r[3], int(r[4]), Decimal(r[5]), r[6],
                      dt.date.fromisoformat(r[7]), r[8] or "") for r in rows]

    # --- the sent log (see delivery.mail) ----------------------------------------------------------------

    def last_mail(self, job: str, period: str, recipient: str, content_hash: str) -> dict[str, Any] | None:
        """The latest row (id, state) of the same mail for the same job and period, if any."""
        row = self.conn.execute(
            "SELECT id, state FROM mail_outbox WHERE job = ? AND period = ? AND recipient = ? AND content_hash = ?"
            " ORDER BY id DESC LIMIT 1", (job, period, recipient, content_hash)).fetchone()
        return dict(row) if row else None

    def queue_mail(self, *, job: str, period: str, recipient: str, content_hash: str, subject: str,
                   attachments: Sequence[str], message: bytes, state: str, queued_at: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO mail_outbox (job, period, recipient, content_hash, subject, attachments, message,"
            " state, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job, period, recipient, content_hash, subject, json.dumps(list(attachments), ensure_ascii=False),
             message, state, queued_at))
        return int(cur.lastrowid)

    def mails_in(self, state: str) -> list[dict[str, Any]]:
        """Every row in `state`, oldest first, with its message bytes and attachment names."""
        rows = self.conn.execute("SELECT * FROM mail_outbox WHERE state = ? ORDER BY id", (state,)).fetchall()
        return [_mail_row(r) for r in rows]

    def count_mails(self, state: str) -> int:
        return self.conn.execute("SELECT count(*) FROM mail_outbox WHERE state = ?", (state,)).fetchone()[0]

    def mark_mail(self, row_id: int, *, state: str, attempts: int, error: str, sent_at: str | None) -> None:
        """Record a delivery attempt: the new state, `attempts` more tries, the error, when it was sent."""
        self.conn.execute("UPDATE mail_outbox SET state = ?, attempts = attempts + ?, error = ?, sent_at = ?"
                          " WHERE id = ?", (state, attempts, error, sent_at, row_id))

    def sent_log(self, job: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        """The sent log as plain dicts (no message bytes), oldest first."""
        sql = ("SELECT id, job, period, recipient, subject, attachments, state, attempts, error, queued_at, "
               "sent_at FROM mail_outbox WHERE (? IS NULL OR job = ?) AND (? IS NULL OR period = ?) ORDER BY id")
        return [_mail_row(r) for r in self.conn.execute(sql, (job, job, period, period)).fetchall()]

    # --- job state (see delivery.jobs) --------------------------------------------------------------------

    def job_runs(self) -> dict[str, dict[str, Any]]:
        """Each job's last run: period, result, attempts, started_at (a datetime), error, data (its memory)."""
        return {r["job"]: {"period": r["period"], "result": r["result"], "attempts": r["attempts"],
                           "started_at": dt.datetime.fromisoformat(r["started_at"]), "error": r["error"],
                           "data": json.loads(r["data"])}
                for r in self.conn.execute("SELECT * FROM job_state")}

    def save_job_run(self, job: str, *, period: str, result: str, attempts: int, started_at: dt.datetime,
                     finished_at: dt.datetime, error: str, data: Mapping[str, Any]) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO job_state (job, period, result, attempts, started_at, finished_at, error, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (job, period, result, attempts, started_at.isoformat(timespec="seconds"),
             finished_at.isoformat(timespec="seconds"), error, json.dumps(data, ensure_ascii=False)))


def _mail_row(row: sqlite3.Row) -> dict[str, Any]:
    return dict(row) | {"attachments": json.loads(row["attachments"])}
