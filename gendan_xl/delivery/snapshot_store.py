"""The snapshot tables of the one SQLite store: what each status run saw of each order line, kept as versions.

`Store` takes these methods from `SnapshotTables`; every statement on these tables is written here.

- `snapshot_run`: one row per team run (the wall time, the status day, what ran it: status, refresh, report…).
- `line_snapshot`: one row per *version* of an order line. A version is current from the run that first saw
  it (`first_run`) until the run that saw it changed or gone (`last_run`, NULL while current). A run stores
  only what changed, so the table grows with the changes, not with the runs, and the lines as they were
  after any run `r` are the rows with `first_run <= r < last_run`: what `changes --since` compares.
  A line's row number is not part of a version (a row inserted above moves every line below it): it is
  updated in place.
- `workbook_record`: per workbook, what its last read left (books.team.Cached, encoded) so an unchanged file
  is not read again, its calendar's own days (the 假期 sheet) for counting a moved due date, and the status
  its record's lines have in the store. An unchanged workbook judged on a new day can only have lines whose
  status moved, so only those are looked up and compared, not every open line of the team.

`keep_workbook` writes one workbook's new versions with its record in one transaction: the record never
says more or less than the versions stored.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any, Iterable, Mapping, Sequence

from gendan_xl.snapshots import LineSnapshot

SNAPSHOT_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshot_run (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,             -- wall time the run started
    today TEXT NOT NULL,          -- the status day it judged on (--today)
    kind TEXT NOT NULL            -- what ran it: status, refresh, report, watch, changes, kpi, jobs
);
CREATE TABLE IF NOT EXISTS line_snapshot (
    file TEXT NOT NULL,           -- the workbook's absolute path
    order_no TEXT NOT NULL,
    model TEXT NOT NULL,
    seq INTEGER NOT NULL,         -- 0 for the first line with this order number and model, 1 for the next …
    row INTEGER NOT NULL,
    customer TEXT,
    merchandiser TEXT,
    due_date TEXT,                -- ISO dates; the due date is the one the line is judged by ([status] due)
    customer_due_date TEXT,
    factory_due_date TEXT,
    quantity REAL,
    shipped_qty REAL,
    ship_date TEXT,
    status TEXT NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER              -- NULL while this version is current
);
CREATE INDEX IF NOT EXISTS line_snapshot_file ON line_snapshot (file, last_run);
CREATE INDEX IF NOT EXISTS line_snapshot_current ON line_snapshot (file, order_no, model, seq) WHERE last_run IS NULL;
CREATE INDEX IF NOT EXISTS line_snapshot_runs ON line_snapshot (first_run, last_run);
CREATE TABLE IF NOT EXISTS workbook_record (
    file TEXT PRIMARY KEY,
    record BLOB NOT NULL,         -- books.team.Cached.encode()
    calendar TEXT NOT NULL,       -- {"holidays": [...], "workdays": [...], "verified": [...]}
    run INTEGER NOT NULL,         -- the run that read it
    judged TEXT NOT NULL DEFAULT '', -- the day and settings its lines' snapshot was last taken for
    statuses TEXT NOT NULL DEFAULT '' -- JSON: the status in the store of each line of the record ('': not known)
);
"""

_FIELDS = ("row", "customer", "merchandiser", "due_date", "customer_due_date", "factory_due_date", "quantity",
           "shipped_qty", "ship_date", "status")
_DATES = frozenset({"due_date", "customer_due_date", "factory_due_date", "ship_date"})


def _values(s: LineSnapshot) -> tuple[Any, ...]:
    """The stored columns of a snapshot after its key (_FIELDS), dates as ISO text."""
    def iso(d: dt.date | None) -> str | None:
        return None if d is None else d.isoformat()

    return (s.row, s.customer, s.merchandiser, iso(s.due_date), iso(s.customer_due_date), iso(s.factory_due_date),
            s.quantity, s.shipped_qty, iso(s.ship_date), s.status)


def _snapshot(row: Any) -> LineSnapshot:
    d = dt.date.fromisoformat
    fields: list[Any] = [None if row[f] is None else d(row[f]) if f in _DATES else row[f] for f in _FIELDS]
    return LineSnapshot(row["file"], row["order_no"], row["model"], row["seq"], *fields)


def _write_versions(cur: Any, run: int, file: str, snapshots: Sequence[LineSnapshot], *, complete: bool) -> int:
    """The versions of `file`'s lines that `snapshots` open or close (see `SnapshotTables.keep_workbook`), written
    through `cur`, inside the caller's transaction."""
    columns = ", ".join(_FIELDS)
    if complete:
        current = {r[1:4]: (r[0], r[4:]) for r in cur.execute(
            f"SELECT rowid, order_no, model, seq, {columns} FROM line_snapshot WHERE file = ? AND last_run IS NULL",
            (file,))}
    else:  # only some lines were judged again (the open ones of an unchanged file): look only at them
        sql = (f"SELECT rowid, order_no, model, seq, {columns} FROM line_snapshot WHERE file = ? AND "
               "order_no = ? AND model = ? AND seq = ? AND last_run IS NULL")
        current = {}
        for s in snapshots:
            r = cur.execute(sql, (file, s.order_no, s.model, s.seq)).fetchone()
            if r is not None:
                current[r[1:4]] = (r[0], r[4:])
    inserts, closes, moves = [], [], []
    seen = set()
    for s in snapshots:
        key = (s.order_no, s.model, s.seq)
        seen.add(key)
        values = _values(s)
        old = current.get(key)
        if old is None:
            inserts.append((file, *key, *values, run))
        elif old[1][1:] != values[1:]:
            closes.append((run, old[0]))
            inserts.append((file, *key, *values, run))
        elif old[1][0] != values[0]:
            moves.append((values[0], old[0]))
    if complete:
        closes.extend((run, rowid) for key, (rowid, _) in current.items() if key not in seen)
    cur.executemany("UPDATE line_snapshot SET last_run = ? WHERE rowid = ?", closes)
    cur.executemany("UPDATE line_snapshot SET row = ? WHERE rowid = ?", moves)
    cur.executemany(f"INSERT INTO line_snapshot (file, order_no, model, seq, {columns}, first_run)"
                    f" VALUES ({', '.join('?' * (len(_FIELDS) + 5))})", inserts)
    return len(inserts) + len(closes)


class SnapshotTables:
    """The methods `Store` has for the snapshot tables (it provides `conn` and `transaction`)."""

    conn: Any
    _snapshot_tables: bool = False

    def transaction(self) -> Any: ...  # provided by Store

    @property
    def db(self) -> Any:
        """The store's connection, with the snapshot tables created on first use: a store that only logs mail
        and quotes never carries them."""
        conn = self.conn
        if not self._snapshot_tables:
            conn.executescript(SNAPSHOT_SCHEMA)
            if "statuses" not in {r[1] for r in conn.execute("PRAGMA table_info(workbook_record)")}:
                try:  # a store from before the statuses were kept: they are learnt at the next write
                    conn.execute("ALTER TABLE workbook_record ADD COLUMN statuses TEXT NOT NULL DEFAULT ''")
                except sqlite3.OperationalError:  # another run added it meanwhile
                    pass
            self._snapshot_tables = True
        return conn

    # -- runs ---------------------------------------------------------------------------------------------

    def new_run(self, *, at: dt.datetime, today: dt.date, kind: str) -> int:
        cur = self.db.execute("INSERT INTO snapshot_run (at, today, kind) VALUES (?, ?, ?)",
                                (at.isoformat(timespec="seconds"), today.isoformat(), kind))
        return int(cur.lastrowid)

    def last_run(self, *, kind: str | None = None, before: int | None = None,
                 today_before: dt.date | None = None) -> dict[str, Any] | None:
        """The latest run (id, at, today, kind): of `kind`, before run id `before`, and judged on a day before
        `today_before` — each when given. None when there is none."""
        sql = ("SELECT id, at, today, kind FROM snapshot_run WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR id < ?)"
               " AND (? IS NULL OR today < ?) ORDER BY id DESC LIMIT 1")
        day = today_before.isoformat() if today_before is not None else None
        row = self.db.execute(sql, (kind, kind, before, before, day, day)).fetchone()
        return dict(row) if row else None

    # -- line versions ------------------------------------------------------------------------------------

    def keep_workbook(self, run: int, file: str, snapshots: Sequence[LineSnapshot], *, complete: bool,
                      statuses: Sequence[str], judged: str, record: bytes | None = None,
                      calendar: Mapping[str, Any] | None = None) -> int:
        """Store, in one transaction, what `run` saw of `file`: a new version of each of its lines that changed
        (a row number alone is updated in place), and its record (when it was read; with its `calendar`) or
        else what its lines were `judged` for. `statuses`: the status each line of the record has now.

        `complete` (the whole file was read): every current line not among `snapshots` has ended. Else the
        snapshots are those of the record's lines, judged again (aligned with `statuses`): when the store
        knows their status at the last write, only the lines whose status moved are compared — in an
        unchanged workbook nothing else can have changed. Returns the number of versions opened or closed."""
        _ = self.db  # the property creates the tables: they exist before the transaction
        with self.transaction() as conn:
            cur = conn.cursor()
            cur.row_factory = None  # plain tuples: a 20,000-line workbook is 20,000 rows to compare
            if not complete:
                row = cur.execute("SELECT statuses FROM workbook_record WHERE file = ?", (file,)).fetchone()
                before = json.loads(row[0]) if row is not None and row[0] else None
                if before is not None and len(before) == len(snapshots) == len(statuses):
                    snapshots = [s for s, was, now in zip(snapshots, before, statuses) if was != now]
            n = _write_versions(cur, run, file, snapshots, complete=complete)
            kept = json.dumps(list(statuses))
            if record is not None:
                cur.execute("INSERT OR REPLACE INTO workbook_record (file, record, calendar, run, judged, statuses) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (file, record, json.dumps(calendar or {}), run, judged, kept))
            else:
                cur.execute("UPDATE workbook_record SET judged = ?, statuses = ? WHERE file = ?", (judged, kept, file))
        return n

    def snapshots_at(self, files: Iterable[str], run: int | None = None, *,
                     due: tuple[dt.date, dt.date] | None = None) -> list[LineSnapshot]:
        """The lines of `files` as they were after `run` (None: as they are now), in file and row order; with
        `due` = (first, last), only those due on one of those days (what an on-time rate counts)."""
        where = "last_run IS NULL" if run is None else "first_run <= :run AND (last_run IS NULL OR last_run > :run)"
        if due is not None:
            where += " AND due_date BETWEEN :first AND :last"
        args: dict[str, Any] = {"run": run, "first": due[0].isoformat() if due else None,
                                "last": due[1].isoformat() if due else None}
        out: list[LineSnapshot] = []
        for file in dict.fromkeys(files):
            rows = self.db.execute(f"SELECT * FROM line_snapshot WHERE file = :file AND {where} ORDER BY row",
                                     {**args, "file": file})
            out.extend(_snapshot(r) for r in rows)
        return out

    def changed_since(self, files: Iterable[str], run: int) -> tuple[list[LineSnapshot], list[LineSnapshot]]:
        """(before, after): of the lines of `files` that changed after `run`, their versions then and now — the
        versions current after `run` that a later run closed, and the current versions a later run opened. A
        line that changed twice shows its first and last version; one that came back as it was, none. What
        `changes` compares, costing what changed, not what there is."""
        before: list[LineSnapshot] = []
        after: list[LineSnapshot] = []
        for file in dict.fromkeys(files):
            before.extend(_snapshot(r) for r in self.db.execute(
                "SELECT * FROM line_snapshot WHERE file = ? AND first_run <= ? AND last_run > ?", (file, run, run)))
            after.extend(_snapshot(r) for r in self.db.execute(
                "SELECT * FROM line_snapshot WHERE file = ? AND last_run IS NULL AND first_run > ?", (file, run)))
        return before, after

    # -- what a read leaves for the next run ----------------------------------------------------------------

    def workbook_records(self, files: Iterable[str]) -> dict[str, tuple[bytes, str]]:
        """file → (its record, what its snapshot was last taken for), for the files that have one."""
        out: dict[str, tuple[bytes, str]] = {}
        for file in dict.fromkeys(files):
            row = self.db.execute("SELECT record, judged FROM workbook_record WHERE file = ?", (file,)).fetchone()
            if row is not None:
                out[file] = (row[0], row[1])
        return out

    def calendars(self, files: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each workbook's own calendar days, as `keep_workbook` kept them."""
        out = {}
        for file in dict.fromkeys(files):
            row = self.db.execute("SELECT calendar FROM workbook_record WHERE file = ?", (file,)).fetchone()
            if row is not None:
                out[file] = json.loads(row[0])
        return out


__all__ = ["SNAPSHOT_SCHEMA", "SnapshotTables"]
