"""The team's workbooks: every merchandiser's order workbook, found by paths and globs, read only when changed.

A team keeps several workbooks on a shared folder (`[workbook] paths` in gendan.toml: paths and globs,
Chinese names, spaces, a mounted network share). `workbook_paths` finds them; `workbook_status` gives one
workbook's status the way the team commands need it, and never raises for a workbook it cannot read: that
is a `WorkbookStatus` with an `error`, one line, and the others go on.

**Not re-read when unchanged.** Each read leaves a `Cached` record (kept by the caller, in the store): the
file's fingerprint (size, modification time, content hash), and the inputs the status needs for the lines
still open. On the next run a file whose size and time are the same — or, if they differ, whose content
hash is the same — is not opened: the open lines' status is computed again for the new day from the
record, and the lines closed at the read (shipped or cancelled: their status no longer changes as days
pass) keep their counts. A file is read again when it changed, when the settings that decide how it reads
or how a shipped line is judged changed (`[columns]`, `[statuses]`, `[status] due`), or when asked for an
earlier day than it was read on.

Each line keeps its file and its cell: `WorkbookStatus.cell(line)` is the order number's cell ("订单!A12").
A line with no 跟单员 gets the file's owner (`[owners]` in gendan.toml).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import glob
import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from gendan_xl import defaults, schema
from gendan_xl.books.master import MasterStatus, load_master, status_of
from gendan_xl.cellrefs import col_letter
from gendan_xl.errors import GendanError, Issue
from gendan_xl.schema import DEFAULT_VOCABULARY, ORDERS, Vocabulary
from gendan_xl.sheet_data import Columns
from gendan_xl.snapshots import CLOSED, LineSnapshot, line_keys, take_snapshots
from gendan_xl.status import STATUS_FIELDS, STATUSES, LeadTimes, Line, products_from_rows, status_from_columns
from gendan_xl.workdays import WorkCalendar
from gendan_xl.xlsx.atomic import BACKUP_DIR, TEMP_SUFFIX

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# of `Cached.encode`: a record of another version is not used (the file is read again). 2: the open lines'
# values carry customer_po, which the report shows.
CACHE_VERSION = 2


# --------------------------------------------------------------------------------------- finding them

def is_workbook_name(path: str | os.PathLike[str]) -> bool:
    """A name a glob may pick up as a team workbook: .xlsx/.xlsm, and not one of the files beside a workbook
    that are not workbooks of their own — Excel's owner file (~$name), LibreOffice's lock (.~lock.name#), our
    temp files, our `name.status.xlsx` written while a workbook is open, anything in our backup folder."""
    p = Path(path)
    name = p.name
    if p.suffix.lower() not in WORKBOOK_SUFFIXES or name.startswith(("~$", ".~lock.")):
        return False
    if name.endswith(TEMP_SUFFIX) or Path(p.stem).suffix.lower() == ".status" or BACKUP_DIR in p.parts:
        return False
    return True


def workbook_paths(patterns: Iterable[str | os.PathLike[str]], base: Path) -> list[Path]:
    """The workbooks `patterns` name, relative to `base` (the gendan.toml's folder), each once, in the order
    given (a glob's matches sorted by name). A glob (`*`, `?`, `[…]`, `**` for any depth) takes the workbooks
    it matches and nothing else; a plain path is kept even when it does not exist, so that the report can
    say it is missing instead of silently leaving someone's orders out."""
    out: dict[str, Path] = {}
    for pattern in patterns:
        text = os.path.expanduser(os.fspath(pattern))
        full = text if os.path.isabs(text) else os.path.join(base, text)
        if glob.has_magic(text):
            found = sorted(Path(p) for p in glob.glob(full, recursive=True))
            for p in found:
                if is_workbook_name(p) and p.is_file():
                    out.setdefault(os.path.normcase(os.path.abspath(p)), p)
        else:
            p = Path(full)
            out.setdefault(os.path.normcase(os.path.abspath(p)), p)
    return list(out.values())


def owner_of(path: Path, owners: Mapping[str, str], base: Path) -> str:
    """The merchandiser a workbook belongs to (`[owners]` in gendan.toml: a file name, path or glob → a
    name), for its lines with no 跟单员; "" when none matches. The first matching entry wins; names compare
    case-insensitively, as Windows does."""
    absolute = os.path.normcase(os.path.abspath(path))
    for pattern, name in owners.items():
        text = os.path.expanduser(pattern)
        full = os.path.normcase(os.path.abspath(text if os.path.isabs(text) else os.path.join(base, text)))
        if fnmatch.fnmatch(absolute, full) or fnmatch.fnmatch(os.path.normcase(path.name), os.path.normcase(text)):
            return str(name).strip()
    return ""


# ------------------------------------------------------------------------------------ fingerprints

@dataclass(frozen=True)
class Fingerprint:
    """What tells a changed file from an unchanged one: size, modification time (ns) and a content hash."""

    size: int
    mtime_ns: int
    digest: str

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "digest": self.digest}


def fingerprint(path: Path, known: Fingerprint | None = None) -> Fingerprint:
    """The file's fingerprint. When size and modification time equal `known`'s the file is taken as
    unchanged without reading it (what make and rsync do); otherwise its content is hashed, so a file only
    touched or copied back keeps its identity. Raises OSError when the file cannot be read."""
    st = os.stat(path)
    if known is not None and (st.st_size, st.st_mtime_ns) == (known.size, known.mtime_ns):
        return known
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return Fingerprint(st.st_size, st.st_mtime_ns, h.hexdigest())


def read_key(*, due: str, vocabulary: Vocabulary, sheet: str | None = None, owner: str = "") -> str:
    """The settings a read depends on: how the workbook is read ([columns], [statuses], --sheet), how a
    shipped line is judged ([status] due) and whose lines without a 跟单员 are ([owners]). A change of any of
    them reads the workbook again: from its record, a line can then change only by its status."""
    # the owner only when there is one: the records of a team without [owners] stay good across this change
    text = json.dumps([due, sheet, vocabulary.columns, vocabulary.statuses] + ([owner] if owner else []),
                      ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


# ------------------------------------------------------------------------- what is kept between runs

_DATE_FIELDS = frozenset(f for f in STATUS_FIELDS if ORDERS.column(f).type == schema.DATE)
_INT_FIELDS = frozenset(f for f in STATUS_FIELDS if ORDERS.column(f).type == schema.INT)


@dataclass
class Cached:
    """What a read leaves for the next run: the fingerprint, and the inputs of the lines still open."""

    fingerprint: Fingerprint
    read_key: str
    day: dt.date  # the status day of the read: the closed lines were closed by then
    sheet: str
    lang: str
    order_col: int | None
    closed_counts: dict[str, int]
    products: dict[str, LeadTimes | None]
    holidays: list[dt.date]
    workdays: list[dt.date]
    verified_years: list[int]
    calendar_sheet: str
    notes: list[Issue]  # the findings of the read (headers, status words, the 假期 sheet)
    rows: list[int]  # of the open lines, and aligned with them:
    keys: list[tuple[str, str, int]]
    values: dict[str, list[Any]]
    bad_due: dict[int, Any]

    def encode(self) -> bytes:
        """Compressed JSON (dates as day numbers): what the store keeps."""
        def column(f: str, vs: list[Any]) -> list[Any]:
            if f in _DATE_FIELDS:
                return [None if v is None else v.toordinal() for v in vs]
            return [str(v) if isinstance(v, Decimal) else v for v in vs]

        doc = {"version": CACHE_VERSION, "fingerprint": self.fingerprint.to_dict(), "read_key": self.read_key,
               "day": self.day.toordinal(), "sheet": self.sheet, "lang": self.lang, "order_col": self.order_col,
               "closed_counts": self.closed_counts,
               "products": {m: None if lt is None else [lt.material, lt.production, lt.inspection, lt.packing,
                                                        lt.shipping] for m, lt in self.products.items()},
               "holidays": [d.toordinal() for d in self.holidays], "workdays": [d.toordinal() for d in self.workdays],
               "verified_years": self.verified_years, "calendar_sheet": self.calendar_sheet,
               "notes": [i.to_dict() for i in self.notes], "rows": self.rows, "keys": self.keys,
               "values": {f: column(f, vs) for f, vs in self.values.items()},
               "bad_due": [[i, str(v) if v is not None else None] for i, v in self.bad_due.items()]}
        return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)

    @classmethod
    def decode(cls, blob: bytes) -> "Cached | None":
        """The record, or None when it is of another version or unreadable (then the file is read again)."""
        try:
            doc = json.loads(zlib.decompress(blob))
        except (zlib.error, ValueError):
            return None
        if not isinstance(doc, dict) or doc.get("version") != CACHE_VERSION:
            return None
        day = dt.date.fromordinal
        days: dict[int | None, dt.date | None] = {None: None}  # a team's lines share few dates: each made once

        def date(v: int | None) -> dt.date | None:
            d = days.get(v)
            if d is None and v is not None:
                d = days[v] = day(v)
            return d

        def column(f: str, vs: list[Any]) -> list[Any]:
            if f in _DATE_FIELDS:
                return [date(v) for v in vs]
            if f in _INT_FIELDS:  # a quantity that is not whole was kept as text
                return [Decimal(v) if isinstance(v, str) else v for v in vs]
            return vs

        return cls(
            fingerprint=Fingerprint(**doc["fingerprint"]), read_key=doc["read_key"], day=day(doc["day"]),
            sheet=doc["sheet"], lang=doc["lang"], order_col=doc["order_col"], closed_counts=doc["closed_counts"],
            products={m: None if v is None else LeadTimes(*v) for m, v in doc["products"].items()},
            holidays=[day(d) for d in doc["holidays"]], workdays=[day(d) for d in doc["workdays"]],
            verified_years=doc["verified_years"], calendar_sheet=doc["calendar_sheet"],
            notes=[Issue(**i) for i in doc["notes"]], rows=doc["rows"], keys=[tuple(k) for k in doc["keys"]],
            values={f: column(f, vs) for f, vs in doc["values"].items()},
            bad_due={i: v for i, v in doc["bad_due"]})


# ------------------------------------------------------------------------------------- one workbook

@dataclass
class WorkbookStatus:
    """One team workbook's status: its open lines (what the report and the status table show), the count of
    every line by status, its findings — or, when it could not be read, `error` (one line) and nothing else."""

    path: Path
    owner: str = ""
    lines: list[Line] = field(default_factory=list)  # open: not shipped, not cancelled
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    issues: list[Issue] = field(default_factory=list)
    error: str | None = None
    failure: GendanError | None = field(default=None, repr=False, compare=False)  # why, in both languages
    sheet: str = ""
    order_col: int | None = None
    lang: str = defaults.LANG
    fingerprint: Fingerprint | None = None
    snapshots: list[LineSnapshot] = field(default_factory=list)  # of the lines whose status was computed
    complete: bool = False  # the snapshots cover every line (the file was read): a line not among them is gone
    reread: bool = False  # the file was read this run (else its record was used)
    cached: Cached | None = None  # the record to keep for the next run (None: keep the old one)
    calendar: WorkCalendar | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_in(self, lang: str) -> str | None:
        """`error` in `lang`: a GendanError's line is said in both languages (`error` is its English)."""
        return self.failure.message(lang) if self.failure is not None else self.error

    @property
    def file(self) -> str:
        """The workbook's identity in snapshots: its absolute path."""
        return file_id(self.path)

    @property
    def statuses(self) -> list[str]:
        """The status of each line of the record (the lines open at the read), in its order, from the snapshots:
        a read's are of every line, the closed ones left out here; a record's are of its own lines, each kept
        (one shipped since, by a planned ship date that came, is still one of the record's lines)."""
        return [s.status for s in self.snapshots if not self.complete or s.status not in CLOSED]

    def cell(self, line: Line) -> str:
        """Where the line is: the order number's cell, "订单!A12"."""
        return self.cell_at(line.row)

    def cell_at(self, row: int) -> str:
        """The order number's cell in `row` ("订单!A12"; the sheet and row when there is no such column)."""
        if self.order_col is None:
            return f"{self.sheet}!{row}"
        return f"{self.sheet}!{col_letter(self.order_col)}{row}"

    def to_dict(self, lang: str = defaults.LANG) -> dict[str, Any]:
        return {"file": str(self.path), "owner": self.owner, "ok": self.ok, "error": self.error_in(lang),
                "reread": self.reread, "counts": self.counts,
                "lines": [line.to_dict(lang) | {"file": str(self.path), "cell": self.cell(line)} for line in self.lines],
                "issues": [i.to_dict() for i in self.issues]}


def file_id(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def _bad_due(errors: Mapping[str, Mapping[int, tuple[str, Any]]], due: str) -> dict[int, Any]:
    """Line index → the raw value of an unreadable due date, the basis's own first (as `status_of` takes it)."""
    order = ("customer_due_date", "factory_due_date") if due == "customer" else ("factory_due_date",
                                                                                "customer_due_date")
    return {i: raw for f in reversed(order) for i, (_, raw) in errors.get(f, {}).items()}


def _with_owner(lines: Iterable[Line], owner: str) -> None:
    if owner:
        for line in lines:
            if line.merchandiser in (None, ""):
                line.merchandiser = owner


def from_master_status(path: Path, status: MasterStatus, *, fp: Fingerprint | None, key: str, due: str,
                       owner: str = "", weekly: str = defaults.WEEKLY) -> WorkbookStatus:
    """A workbook just read (by `status_of`, or by a refresh, which computes the same status) as the team
    sees it, with the record that spares the next run from reading it again while it does not change."""
    master, result = status.master, status.result
    orders = master.orders
    if not isinstance(orders, Columns):
        raise TypeError("the team status reads workbooks lean (load_master(lean=True))")
    lines = result.lines
    _with_owner(lines, owner)
    keys = line_keys(orders.values.get("order_no", [None] * len(lines)), orders.values.get("model", [None] * len(lines)))
    values = {f: orders.values[f] for f in STATUS_FIELDS if f in orders.values}
    wb = WorkbookStatus(path, owner, sheet=orders.sheet, order_col=orders.columns.get("order_no"), lang=orders.lang,
                        fingerprint=fp, issues=list(status.issues), counts=result.counts, complete=True, reread=True,
                        calendar=result.calendar)
    wb.snapshots = take_snapshots(wb.file, lines, keys, values)
    is_open = [line.status not in CLOSED for line in lines]
    wb.lines = [line for line, o in zip(lines, is_open) if o]
    if fp is not None:
        keep = [i for i, o in enumerate(is_open) if o]
        bad = _bad_due(orders.errors, due)
        calendar, calendar_issues = master.calendar_and_issues(weekly=weekly, lang=orders.lang)
        closed = dict.fromkeys(STATUSES, 0)
        for line, o in zip(lines, is_open):
            if not o:
                closed[line.status] += 1
        products = products_from_rows(master.products.rows) if master.products is not None else {}
        wb.cached = Cached(
            fingerprint=fp, read_key=key, day=result.today, sheet=orders.sheet, lang=orders.lang,
            order_col=wb.order_col, closed_counts=closed, products=products,
            holidays=sorted(calendar.extra_holidays), workdays=sorted(calendar.extra_workdays),
            verified_years=sorted(calendar.verified_years - calendar.official_years),
            calendar_sheet=master.calendar.sheet if master.calendar is not None else schema.CALENDAR.zh,
            notes=list(master.notes) + calendar_issues, rows=[orders.row_numbers[i] for i in keep],
            keys=[keys[i] for i in keep], values={f: [v[i] for i in keep] for f, v in values.items()},
            bad_due={j: bad[i] for j, i in enumerate(keep) if i in bad})
    return wb


def from_cached(path: Path, cached: Cached, *, today: dt.date, warning_days: int, weekly: str, due: str,
                vocabulary: Vocabulary, owner: str = "") -> WorkbookStatus:
    """An unchanged workbook's status for `today`, from its record: the open lines judged again, the closed
    ones counted as they were."""
    calendar = WorkCalendar(cached.holidays, cached.workdays, weekly=weekly, verified_years=cached.verified_years)
    result = status_from_columns(cached.values, cached.rows, cached.products, calendar, today,
                                 warning_days=warning_days, due=due, vocabulary=vocabulary, bad_due=cached.bad_due)
    _with_owner(result.lines, owner)
    wb = WorkbookStatus(path, owner, sheet=cached.sheet, order_col=cached.order_col, lang=cached.lang,
                        fingerprint=cached.fingerprint, calendar=calendar,
                        issues=cached.notes + result.calendar_issues(cached.lang, sheet=cached.calendar_sheet))
    wb.snapshots = take_snapshots(wb.file, result.lines, cached.keys, cached.values)
    counts = dict(cached.closed_counts)
    for line in result.lines:
        counts[line.status] = counts.get(line.status, 0) + 1
    wb.counts = {s: counts.get(s, 0) for s in STATUSES}
    wb.lines = [line for line in result.lines if line.status not in CLOSED]
    return wb


def workbook_status(path: Path, *, previous: Cached | None = None, today: dt.date,
                    warning_days: int = defaults.WARNING_DAYS, weekly: str = defaults.WEEKLY, due: str = defaults.DUE,
                    vocabulary: Vocabulary = DEFAULT_VOCABULARY, sheet: str | None = None, owner: str = "") -> WorkbookStatus:
    """One team workbook's status on `today`: from `previous` (its record from the last run) when the file
    has not changed since, else read. A workbook that cannot be read is returned with `error` set (one line
    naming the file and why), never raised: the team's other workbooks go on."""
    key = read_key(due=due, vocabulary=vocabulary, sheet=sheet, owner=owner)
    try:
        fp = fingerprint(path, previous.fingerprint if previous is not None else None)
        if (previous is not None and (fp.size, fp.digest) == (previous.fingerprint.size, previous.fingerprint.digest)
                and previous.read_key == key and today >= previous.day):
            wb = from_cached(path, previous, today=today, warning_days=warning_days, weekly=weekly, due=due,
                             vocabulary=vocabulary, owner=owner)
            if fp != previous.fingerprint:  # touched, same content: keep the new time, to skip the hash next run
                wb.cached = dataclasses.replace(previous, fingerprint=fp)
                wb.fingerprint = fp
            return wb
        master = load_master(path, sheet=sheet, lean=True, vocabulary=vocabulary)
        status = status_of(master, today=today, warning_days=warning_days, weekly=weekly, due=due)
    except GendanError as exc:
        return WorkbookStatus(path, owner, error=str(exc), failure=exc)
    except OSError as exc:  # gone, no permission, a share that dropped: the file's problem, not the team's
        return WorkbookStatus(path, owner, error=f"{path}: {exc.strerror or exc}")
    return from_master_status(path, status, fp=fp, key=key, due=due, owner=owner, weekly=weekly)


# --------------------------------------------------------------------------------------- the team

@dataclass
class TeamStatus:
    """Every team workbook's status on one day, in the order the settings list them."""

    today: dt.date
    workbooks: list[WorkbookStatus]

    @property
    def lines(self) -> list[Line]:
        """Every open line of every readable workbook."""
        return [line for wb in self.workbooks for line in wb.lines]

    @property
    def unreadable(self) -> list[WorkbookStatus]:
        return [wb for wb in self.workbooks if not wb.ok]

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for wb in self.workbooks:
            for s, n in wb.counts.items():
                out[s] = out.get(s, 0) + n
        return out

    def workbook_of(self) -> dict[int, WorkbookStatus]:
        """id(line) → its workbook: where each line came from, for tables that show the file and cell."""
        return {id(line): wb for wb in self.workbooks for line in wb.lines}

    def to_dict(self, lang: str = defaults.LANG) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "counts": self.counts,
                "workbooks": [wb.to_dict(lang) for wb in self.workbooks]}


def team_status(paths: Sequence[Path], *, today: dt.date, previous: Mapping[str, Cached] | None = None,
                owners: Mapping[Path, str] | None = None, warning_days: int = defaults.WARNING_DAYS,
                weekly: str = defaults.WEEKLY, due: str = defaults.DUE,
                vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> TeamStatus:
    """The status of every workbook in `paths` on `today`. `previous` maps `file_id(path)` to the record of
    the last run (`WorkbookStatus.cached`, which the caller keeps); `owners` maps a path to its owner."""
    previous = previous or {}
    owners = owners or {}
    return TeamStatus(today, [workbook_status(p, previous=previous.get(file_id(p)), today=today,
                                              warning_days=warning_days, weekly=weekly, due=due,
                                              vocabulary=vocabulary, owner=owners.get(p, ""))
                              for p in paths])


__all__ = ["Cached", "Fingerprint", "TeamStatus", "WorkbookStatus", "file_id", "fingerprint", "from_cached",
           "from_master_status", "is_workbook_name", "owner_of", "read_key", "team_status", "workbook_paths",
           "workbook_status"]
