"""Refresh: write each order's lead-time status into columns of the orders sheet.

One seam serves both doors. `plan_refresh` decides, from the sheet's values and the status, what goes
where: a few columns of values, a stamp, and the colour rules. A `Grid` carries that out:

- `ListGrid`, rows of values in memory (what an Excel used range gives: dates as datetimes, numbers as
  floats, empty as None) — tests, and the reference the file refresh must equal cell for cell;
- the file door (`refresh_workbook`) hands the same cells to `patch.patch_sheet`, which rewrites only the
  orders sheet's XML and copies every other part of the package byte for byte;
- the Excel button (`xl.py`) writes each column with one range assignment.

Our columns are found again by their whole bilingual headers on the next refresh, so a user may move
them; missing ones are added at the right of the table, after any column in use. A column the reader
takes as an order field (备注, 说明 …) is never written, whatever its header.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from gendan_xl import defaults
from gendan_xl.books.master import MasterStatus
from gendan_xl.errors import WARNING, Issue, ReadOnlyWorkbookError, SignedWorkbookError, WorkbookOpenError
from gendan_xl.i18n import pick
from gendan_xl.i18n.status import EARLIER_HEADERS, FIGURES, OWN_COLUMNS, STAMP_COLUMN
from gendan_xl.messages import make_issue
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary, fold_key
from gendan_xl.status import STATUS_LABELS, Line, StatusResult
from gendan_xl.status_block import RowStatuses
from gendan_xl.status_lines import DUE_LABELS, MILESTONE_LABELS
from gendan_xl.xlsx.atomic import is_open, sidecar_path
from gendan_xl.xlsx.condformat import CFRule
from gendan_xl.xlsx.look import DATE, NUMBER, TEXT, WRAP
from gendan_xl.xlsx.patch import damaged
from gendan_xl.xlsx.source import DEFAULT_LIMITS, Limits, WorkbookFile
from gendan_xl.sheet_data import Columns, SheetLayout
from gendan_xl.plaintext import display_width
from gendan_xl.values import filled_width, is_blank
from gendan_xl.cellrefs import MAX_ROW, col_letter

# The columns we own, in order: (key, bilingual header, kind of cell). Their words are i18n's FIGURES, the
# same in the `status` table, the report and the mails; a day count says its unit.
COLUMN_KINDS: dict[str, str] = {"status": TEXT, "due_basis": TEXT, "days_late": NUMBER, "workdays_left": NUMBER,
                                 "slack_workdays": NUMBER, "next_milestone": TEXT, "next_milestone_date": DATE,
                                 "reason": WRAP, "stamp": TEXT}
OUTPUT_COLUMNS: tuple[tuple[str, str], ...] = tuple((key, " / ".join(FIGURES[key])) for key in OWN_COLUMNS)
STAMP = {"zh": "更新时间 / Refreshed at {when}", "en": "Refreshed at / 更新时间 {when}"}
# Colours by status (fill, font): Excel's own "bad / neutral / good" palette.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "overdue": ("#FFC7CE", "#9C0006"),
    "shipped_late": ("#FFC7CE", "#9C0006"),
    "at_risk": ("#FFEB9C", "#9C5700"),
    "on_track": ("#C6EFCE", "#006100"),
    "shipped_on_time": ("#C6EFCE", "#006100"),
    "cancelled": ("#D9D9D9", "#595959"),
}


@dataclass
class ColumnWrite:
    col: int  # 0-based
    first_row: int  # 1-based Excel row of values[0]
    values: list[Any]


@dataclass
class RefreshPlan:
    sheet: str
    header_row: int
    columns: list[ColumnWrite]
    colours: list[CFRule]  # cells of our status column whose text equals a label get its colours
    lang: str

    def cells(self) -> dict[tuple[int, int], Any]:
        """{(row, col)} → value (`refs`' convention, as `patch_sheet` takes them): every cell the plan writes
        (None clears)."""
        return {(cw.first_row + i, cw.col): value for cw in self.columns for i, value in enumerate(cw.values)}


class Grid(Protocol):
    """Where a refresh writes: one column of values at a time, plus colour rules."""

    def write_column(self, col: int, first_row: int, values: Sequence[Any]) -> None: ...

    def add_colours(self, rules: Sequence[CFRule]) -> None: ...


@dataclass
class ListGrid:
    """An in-memory used range from A1 (rows of values); writes grow it as Excel would."""

    rows: list[list[Any]]
    colours: list[CFRule] = field(default_factory=list)

    def write_column(self, col: int, first_row: int, values: Sequence[Any]) -> None:
        for i, value in enumerate(values):
            r = first_row - 1 + i
            while len(self.rows) <= r:
                self.rows.append([])
            row = self.rows[r]
            if len(row) <= col:
                row.extend([None] * (col + 1 - len(row)))
            row[col] = value

    def add_colours(self, rules: Sequence[CFRule]) -> None:
        self.colours.extend(r for r in rules if r not in self.colours)


def apply(plan: RefreshPlan, grid: Grid) -> None:
    for cw in plan.columns:
        grid.write_column(cw.col, cw.first_row, cw.values)
    grid.add_colours(plan.colours)


def _matches(header: Any, key: str, ours: str) -> bool:
    # the whole bilingual header only: half of it ("说明", "Reason") may well be a column of the user's own
    folded = fold_key(header)
    return bool(folded) and (folded == fold_key(ours) or any(folded == fold_key(h) for k, h in EARLIER_HEADERS if k == key))


@dataclass(frozen=True)
class SheetShape:
    """What a refresh needs to know of the orders sheet besides the status: its header cells, how many
    columns are in use, and the non-blank rows that are not order lines, at least those under the last
    line (an order deleted or cleared since the last refresh leaves its old status there, to be cleared)."""

    header: Sequence[Any]
    used_width: int
    below: Mapping[int, Sequence[Any]]  # 1-based row → cells

    @classmethod
    def of_rows(cls, rows: Sequence[Sequence[Any]], header_row: int, last_data: int) -> "SheetShape":
        """From a used range from A1 (rows of values)."""
        header = list(rows[header_row - 1]) if len(rows) >= header_row else []
        used_width = max(map(filled_width, rows), default=0)
        return cls(header, used_width, {r + 1: rows[r] for r in range(last_data, len(rows))})

    @classmethod
    def of_columns(cls, orders: Columns) -> "SheetShape":
        """From an orders sheet read column-wise (`load_master(lean=True)`)."""
        return cls(orders.headers, orders.used_width, orders.below)


def plan_refresh(status: MasterStatus, sheet: SheetShape | Sequence[Sequence[Any]], *, now: dt.datetime,
                 lang: str | None = None) -> RefreshPlan:
    """What to write where, from the computed status and the orders sheet (its SheetShape, or its rows of
    values from A1). Pure."""
    table = status.master.orders
    lang = lang or table.lang
    hdr = table.header_row
    lines = status.result.lines
    last_data = max((line.row for line in lines), default=hdr)
    shape = sheet if isinstance(sheet, SheetShape) else SheetShape.of_rows(sheet, hdr, last_data)
    placed, own, _ = place_columns(table, shape.header, max(shape.used_width, table.width))

    # rows below the data that still show an old refresh (an order deleted since) are cleared
    last_used = last_data
    for r, row in shape.below.items():
        if r > last_used and any(c < len(row) and not is_blank(row[c]) for c in placed.values()):
            last_used = r
    when = now.strftime("%Y-%m-%d %H:%M")
    stamp_text = STAMP[lang].format(when=when)

    by_row = {line.row: line for line in lines}
    seq = [by_row.get(r) for r in range(hdr + 1, last_used + 1)]
    words = columns_values([key for key, _ in own], seq, lang, when)
    columns = [ColumnWrite(placed[key], hdr, [header] + words[key]) for key, header in own]
    if hdr > 1:  # the stamp sits above our first column, out of the table
        columns.append(ColumnWrite(placed["status"], hdr - 1, [stamp_text]))

    return RefreshPlan(table.sheet, hdr, columns, status_colours(placed["status"], hdr, lang), lang)


def place_columns(table: SheetLayout, header_cells: Sequence[Any],
                  next_free: int) -> tuple[dict[str, int], tuple[tuple[str, str], ...], list[str]]:
    """Where our columns go: each where its whole bilingual header already is (never a column read as an
    order field), else at `next_free` on, the first free column right of every column in use. Returns
    {key: column}, our (key, header) pairs, and the keys placed anew (if any, `next_free` mattered)."""
    placed: dict[str, int] = {}
    theirs = set(table.columns.values())  # columns read as order fields are never ours to write
    own = OUTPUT_COLUMNS + ((("stamp", STAMP_COLUMN),) if table.header_row == 1 else ())
    new = []
    for key, header in own:
        found = next((i for i, h in enumerate(header_cells) if i not in theirs and _matches(h, key, header)), None)
        if found is None:
            found, next_free = next_free, next_free + 1
            new.append(key)
        placed[key] = found
    return placed, own, new


def status_colours(col: int, header_row: int, lang: str) -> list[CFRule]:
    """The colour rules of our status column: each label's cells get Excel's good / neutral / bad colours."""
    letter = col_letter(col)
    sqref = f"{letter}{header_row + 1}:{letter}{MAX_ROW}"
    return [CFRule(sqref, kind="equal", text=_label(code, lang), fill=fill, font=font)
            for code, (fill, font) in STATUS_COLOURS.items()]


def busy(target: Path) -> WorkbookOpenError:
    """What to say when the system refuses to replace the workbook (Windows: Excel holds it)."""
    return WorkbookOpenError.said("replace-refused", name=target.name, sidecar=sidecar_path(target).name)


def _label(code: str, lang: str) -> str:
    zh, en = STATUS_LABELS[code]
    return zh if lang == "zh" else en


def columns_values(keys: Sequence[str], lines: Sequence[Line | None] | RowStatuses, lang: str, when: str,
                   blank: Any = None) -> dict[str, list[Any]]:
    """Our columns `keys` for the rows below the header (None where a row has no order line, `blank` where
    a line has no value in a column), from one Line or None per row, or from a chunk's statuses laid on its
    rows (`StatusBlock.on_rows`: the same words, without a Line per line). Lines may repeat (a refresh
    shares the Line of lines whose status is alike): the distinct ones are found once, each worded once per
    column, and each column is made by a look-up per row in C (a chunk of a refresh is thousands of rows)."""
    rows = lines if isinstance(lines, RowStatuses) else _DistinctLines(lines)
    out = {}
    for key in keys:
        words = [when] * rows.count if key == "stamp" else _words(key, rows, lang)
        if blank is not None:
            words = [blank if v is None else v for v in words]
        out[key] = rows.spread(words)
    return out


class _DistinctLines:
    """One Line or None per row, worded once per distinct Line (as `RowStatuses` words a block's lines)."""

    def __init__(self, lines: Sequence[Line | None]):
        self.distinct = {id(x): x for x in lines if x is not None}
        self.ids = list(map(id, lines))  # a row with no line (None) finds no word: None
        self.count = len(self.distinct)

    def values(self, attr: str) -> list[Any]:
        return list(map(attrgetter(attr), self.distinct.values()))

    def reasons(self, lang: str) -> list[str]:
        return [x.reason(lang) for x in self.distinct.values()]

    def spread(self, words: list[Any]) -> list[Any]:
        return list(map(dict(zip(self.distinct, words)).get, self.ids))


def _words(key: str, lines: _DistinctLines | RowStatuses, lang: str) -> list[Any]:
    """What column `key` shows for each line (None: nothing), a column at a time: labels are looked up in C,
    reasons worded once per distinct one."""
    if key == "status":
        labels = {code: _label(code, lang) for code in STATUS_LABELS}
        return list(map(labels.__getitem__, lines.values("status")))
    if key == "due_basis":
        bases = {basis: pick(pair, lang) for basis, pair in DUE_LABELS.items()}
        return list(map(bases.get, lines.values("due_basis")))
    if key == "workdays_left":  # for an open line not past its due date, as days_to_due
        return [w if d is not None else None for w, d in zip(lines.values("workdays_left"),
                                                             lines.values("days_to_due"))]
    if key == "next_milestone":
        steps = {m: pick(pair, lang) for m, pair in MILESTONE_LABELS.items()}
        return list(map(steps.get, lines.values("next_milestone")))
    if key == "reason":
        return lines.reasons(lang)
    return lines.values(key)


REASON_WIDTH = 48  # most reasons in one line (on the samples 9 in 10); a longer one wraps


def column_widths(own: Sequence[tuple[str, str]], lang: str, header_lines: int) -> dict[str, float]:
    """The width of each of our columns (Excel's unit: a digit of the default font) that shows its values
    whole and its header in `header_lines` lines (the header wraps after its slash) — no ``###``, no cut
    header. The reason wraps: it gets a fixed width."""
    widest = {
        "status": max(display_width(pick(v, lang)) for v in STATUS_LABELS.values()),
        "due_basis": max(display_width(pick(v, lang)) for v in DUE_LABELS.values()),
        "next_milestone": max(display_width(pick(v, lang)) for v in MILESTONE_LABELS.values()),
        "next_milestone_date": 10, "stamp": 16, "reason": REASON_WIDTH,
    }
    out = {}
    for key, header in own:
        if header_lines > 1 and " / " in header:
            zh, en = header.split(" / ", 1)
            head = max(display_width(zh + " /"), display_width(en))
        else:
            head = display_width(header)
        out[key] = max(head, widest.get(key, 5)) + 2.0  # padding: Excel's cell margins, a bold header
    return out


# ------------------------------------------------------------------------------------------- file door

@dataclass
class RefreshResult:
    """What `refresh_workbook` did. `status` has the counts and the number of lines, and keeps the urgent
    lines (every line with `keep_lines`)."""

    status: StatusResult
    orders: SheetLayout  # the orders table as found: sheet, header row, columns
    lang: str
    written: Path  # the workbook, or the sidecar (see `why`)
    issues: list[Issue]  # the status's findings plus the patch's (formula cells kept, ...)
    backup: Path | None = None
    lock: Path | None = None  # the owner file that showed the workbook open: we wrote the sidecar
    changed: bool = False  # the workbook changed on disk while we worked: we wrote the sidecar
    columns: dict[str, int] = field(default_factory=dict)  # where our columns are: key → column (0-based)
    colours: list[CFRule] = field(default_factory=list)  # the colour rules of the status column

    @property
    def sidecar(self) -> bool:
        return self.lock is not None or self.changed

    def to_dict(self, lang: str | None = None) -> dict:
        lang = lang or self.lang
        doc: dict[str, Any] = self.status.to_dict(lang) if self.status.complete else {
            "today": self.status.today.isoformat(), "counts": self.status.counts}
        doc.update(written=str(self.written), sidecar=self.sidecar, backup=str(self.backup) if self.backup else None,
                   issues=[i.to_dict() for i in self.issues])
        return doc


def refresh_workbook(path: str | Path, *, today: dt.date, now: dt.datetime, sheet: str | None = None,
                     lang: str | None = None, warning_days: int = defaults.WARNING_DAYS,
                     weekly: str = defaults.WEEKLY, due: str = defaults.DUE, backups: int = defaults.BACKUPS,
                     vocabulary: Vocabulary = DEFAULT_VOCABULARY, limits: Limits = DEFAULT_LIMITS,
                     force: bool = False, keep_lines: bool = False, most_urgent: int | None = None,
                     before_replace: Callable[[], Any] | None = None,
                     progress: Callable[[str, int, int | None], None] | None = None,
                     processes: int | None = None) -> RefreshResult:
    """Compute the status and write it into the workbook (or its sidecar while it is open), in one pass
    over the orders sheet (books/refresh_pass.py).

    A transaction on one version of the file: the bytes are read once and that version is rewritten;
    just before the new file replaces it, the file on disk must still be that version and no owner file
    may have appeared — else the result goes to the sidecar (`changed` / `lock` say why), never a status
    onto rows that moved. `before_replace` is called at that moment (tests use it to save the workbook
    under the refresh). A link is resolved once: the file it points to is the one replaced, in its folder,
    with its permissions. A read-only workbook is refused, and a signed one unless `force` (the signature
    is then gone, and a warning says so). `keep_lines` keeps every line's status in the result, not only
    the urgent ones; `most_urgent` keeps at most that many of those, the most urgent. `processes`: 1 or 2
    (the rows written in a second process, refresh_pipe.py); None chooses."""
    from gendan_xl.books.refresh_pass import refresh_pass  # the pass builds on the plan above

    wf = WorkbookFile.read(path, limits)
    target = wf.path
    if not wf.mode & 0o222:
        raise ReadOnlyWorkbookError.said("read-only", name=target.name)
    notes = []
    if wf.signed:
        if not force:
            raise SignedWorkbookError.said("signed", name=target.name)
    lock = is_open(target)  # before computing, and again before the replace
    out = sidecar_path(target) if lock is not None else target
    done = refresh_pass(wf, out, today=today, now=now, sheet=sheet, lang=lang, warning_days=warning_days,
                        weekly=weekly, due=due, vocabulary=vocabulary, keep_lines=keep_lines, most=most_urgent,
                        progress=progress, processes=processes)
    lang = done.lang
    if wf.signed:
        notes.append(make_issue("signature-removed", WARNING, done.orders.sheet, "", None, lang))
    changed = False
    try:
        if before_replace is not None:
            before_replace()
        if lock is None:
            changed = not wf.unchanged()
            lock = None if changed else is_open(target)
        if (changed or lock is not None) and out == target:
            out = sidecar_path(target)
            done.patch.path = out
        backup = None
        if out == target:
            backup = done.new.commit(backups=backups, now=now, like=target, busy_error=busy(target))
        else:
            done.new.commit(target=out, like=target)
    except Exception as exc:
        raise damaged(target.name, exc) from exc
    finally:
        done.new.discard()
    issues = done.issues + done.patch.issues(lang) + notes
    return RefreshResult(done.status, done.orders, lang, out, issues, backup, lock, changed, done.columns,
                         done.colours)
