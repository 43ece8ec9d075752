"""The Excel door: the "刷新状态 / Refresh status" and "校验 / Validate" buttons of the macro workbook.

The buttons run inside Excel, on the open workbook, through xlwings' RunPython (Windows and macOS only;
see `gendan_xl.doors.xlsm` for how a button reaches `main` here). Nothing is saved: Excel owns the file, the
user saves it, and undo history is Excel's business.

What a click does, in four steps, each one call to Excel where that matters:

1. read each sheet we need (订单, 客户, 产品, 假期) as its used range, ONE `.value` call per sheet, padded so
   that row 1 / column A are index 0 (a used range may start at C3). That is a `MemoryBook`;
2. compute with exactly the core the command line uses: `load_master` + `status_of` + `plan_refresh`
   (Refresh) or `validate_workbook` (Validate);
3. write through a `Grid` (refresh.py): one range assignment per result column, colours as conditional
   formatting rules added once; the issues go to an "Issues" sheet, one assignment for the whole table,
   each location a HYPERLINK formula that jumps to the cell;
4. say what happened: the status bar, and a message box with the counts.

Everything except the thin `_Excel*` part is pure and runs on Linux: pass a `MemoryBook` as `book` and
the same steps write into its rows (a `ListGrid` over them) instead of Excel — that is what the tests do.

Surprises, on purpose:
- xlwings is imported only when Excel is really driven, so `import gendan_xl.doors.xl` works without it (Linux).
- Which button was clicked is read from `Application.Caller` (the clicked shape's name, Windows); its
  caption decides the action. Where Excel cannot tell (macOS runs Python through AppleScript), a click does
  both: refresh, then validate — never the wrong half alone.
- Text we write that starts with = + - @ gets Excel's text prefix (') so a value never turns into a formula.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence
from pathlib import Path

from gendan_xl.i18n import say
from gendan_xl.i18n.terminal import XL
from gendan_xl.errors import ERROR, WARNING, GendanError, Issue, Report
from gendan_xl.books.issues_report import headers, issue_values
from gendan_xl.books.master import MasterStatus, load_master, status_of, validate_workbook
from gendan_xl.books.refresh import Grid, ListGrid, RefreshPlan, apply, plan_refresh
from gendan_xl.doors.settings import Settings, load_settings
from gendan_xl.status import counts_text
from gendan_xl.xlsx.condformat import CFRule
from gendan_xl.xlsx.read import MemoryBook
from gendan_xl.xlsx.writer import looks_like_formula

ISSUES_SHEET = "Issues"
REFRESH, VALIDATE, BOTH = "refresh", "validate", "both"
# The buttons of the macro workbook: (action, caption). The caption is what `action_for` reads back.
BUTTONS: tuple[tuple[str, str], ...] = ((REFRESH, "刷新状态 / Refresh status"), (VALIDATE, "校验 / Validate"))
# The defined name in which the .xlsm records the xlwings version its VBA came from.
VERSION_NAME = "gendan_xlwings_version"
_CAPTION_WORDS = {REFRESH: ("刷新", "refresh"), VALIDATE: ("校验", "validate")}

NOTES_SHOWN = 5  # findings listed in the message box; the rest are on the Issues sheet


def _t(key: str, lang: str, **params: Any) -> str:
    return say(XL, key, lang, **params)


# ------------------------------------------------------------------------------------------------ pure

def pad_to_a1(values: Any, first_row: int, first_col: int) -> list[list[Any]]:
    """A used range's values (2-D, starting at `first_row`/`first_col`, 1-based) as rows from A1."""
    if not isinstance(values, list):
        values = [[values]]
    elif values and not isinstance(values[0], list):
        values = [values]
    lead = [None] * (first_col - 1)
    return [[] for _ in range(first_row - 1)] + [lead + list(row) for row in values]


def used_range_values(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Rows as python-calamine reads them from a file → as xlwings reads them from Excel's used range:
    empty cells None, every number a float, dates as datetimes, a rectangle. (The tests' bridge between
    the file door and this one.)"""
    width = max((len(r) for r in rows), default=0)
    out = []
    for row in rows:
        cells = []
        for v in list(row) + [None] * (width - len(row)):
            if v == "" or v is None:
                v = None
            elif isinstance(v, bool):
                pass
            elif isinstance(v, (int, float)):
                v = float(v)
            elif isinstance(v, dt.datetime):
                pass
            elif isinstance(v, dt.date):
                v = dt.datetime.combine(v, dt.time())
            cells.append(v)
        out.append(cells)
    return out


class LazySheets(Mapping):
    """Sheet name → rows, each sheet read on first use: a click reads only the sheets the core asks for
    (a big 出货 ledger is never transferred to Python for a status refresh)."""

    def __init__(self, names: Sequence[str], load: Callable[[str], list[list[Any]]]):
        self._names = list(names)
        self._load = load
        self._cache: dict[str, list[list[Any]]] = {}

    def __getitem__(self, name: str) -> list[list[Any]]:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    @property
    def loaded(self) -> list[str]:
        return list(self._cache)


def action_for(caption: str | None) -> str:
    """The action of a clicked button, from its caption; BOTH when it cannot be told."""
    text = (caption or "").lower()
    hits = [action for action, words in _CAPTION_WORDS.items() if any(w in text for w in words)]
    return hits[0] if len(hits) == 1 else BOTH


def as_text(value: Any) -> Any:
    """A value for a cell that must stay a value: text starting with = + - @ gets Excel's ' prefix."""
    if looks_like_formula(value):
        return "'" + value
    return value


def link_formula(sheet: str, cell: str, label: str) -> str:
    """=HYPERLINK("#'订单'!K12","订单!K12"): a link inside the workbook that survives copy, sort and Mac."""
    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return '=HYPERLINK("{}","{}")'.format(target.replace('"', '""'), label.replace('"', '""'))


def issue_rows(issues: Sequence[Issue], lang: str) -> list[list[Any]]:
    """The Issues sheet as one block: the Issues report's header, then one row per issue."""
    rows: list[list[Any]] = [headers(lang)]
    for issue in issues:
        where, severity, value, message, code = issue_values(issue, lang)
        where = link_formula(issue.sheet, issue.cell, where) if issue.cell else as_text(where)
        rows.append([where, severity, as_text(value), as_text(message), code])
    return rows


def refresh_summary(status: MasterStatus, lang: str) -> str:
    result = status.result
    text = _t("refreshed", lang, n=len(result.lines), counts=counts_text(result.counts, lang))
    return text + _notes(status.issues, lang)


def validate_summary(report: Report, lang: str) -> str:
    if not report.issues:
        return _t("validated", lang, errors=0, warnings=0) + "\n" + _t("clean", lang)
    return "\n".join([_t("validated", lang, errors=report.count(ERROR), warnings=report.count(WARNING)),
                      _t("see_issues", lang)])


def _notes(issues: Sequence[Issue], lang: str) -> str:
    if not issues:
        return ""
    lines = [str(i) for i in issues[:NOTES_SHOWN]]
    if len(issues) > NOTES_SHOWN:
        lines.append(_t("more", lang, n=len(issues) - NOTES_SHOWN))
    return "\n\n" + _t("notes", lang) + "\n" + "\n".join(lines)


def version_note(built_with: str | None, installed: str, lang: str) -> str | None:
    """A warning when the workbook's VBA came from another xlwings than the one running; None when fine."""
    if not built_with or built_with == installed:
        return None
    return _t("version", lang, built=built_with, installed=installed)


# ----------------------------------------------------------------------------------------- the session

@dataclass
class XlResult:
    """What one click did: for the caller (and the tests) to look at."""

    action: str
    lang: str
    status: MasterStatus | None = None
    plan: RefreshPlan | None = None
    report: Report | None = None
    message: str = ""


@dataclass
class MemorySession:
    """A click against a MemoryBook: writes land in its rows, messages in `told`. No Excel anywhere."""

    book: MemoryBook
    caption: str | None = None  # the clicked button's caption, as Excel would report it
    path: Path | None = None  # where the workbook would be saved: its folder's gendan.toml applies
    xlwings_version: str | None = None  # the version the workbook's VBA came from
    told: list[str] = field(default_factory=list)
    grids: dict[str, ListGrid] = field(default_factory=dict)

    def source(self) -> MemoryBook:
        return self.book

    def workbook_path(self) -> Path | None:
        return self.path

    def grid(self, sheet: str) -> Grid:
        if sheet not in self.grids:
            self.grids[sheet] = ListGrid(self.book.sheets[sheet])  # the same list: writes change the book
        return self.grids[sheet]

    def write_issues(self, rows: list[list[Any]]) -> None:
        self.book.sheets[ISSUES_SHEET] = [list(r) for r in rows]

    def progress(self, text: str) -> None:
        self.told.append(text)

    def tell(self, text: str, lang: str, *, failed: bool = False) -> None:
        self.told.append(text)

    def built_with(self) -> str | None:
        return self.xlwings_version

    def clicked_caption(self) -> str | None:
        return self.caption


def refresh_status(book: Any = None, *, today: dt.date | None = None, now: dt.datetime | None = None,
                   lang: str | None = None, settings: Settings | None = None) -> XlResult:
    """The Refresh button: lead-time status written next to the orders, in the open workbook.

    `book`: an xlwings Book (default: `xw.Book.caller()`), or a MemoryBook (tests; the rows change in place).
    `settings`: default, the gendan.toml the command line would read for this workbook (see `run`).
    """
    return run(REFRESH, book, today=today, now=now, lang=lang, settings=settings)


def validate(book: Any = None, *, lang: str | None = None, settings: Settings | None = None) -> XlResult:
    """The Validate button: every problem of the orders sheet on the Issues sheet, linked to its cell."""
    return run(VALIDATE, book, lang=lang, settings=settings)


def main(book: Any = None) -> XlResult:
    """What a button of the macro workbook calls (through the module named like the workbook): the action
    follows the clicked button's caption."""
    session = _session(book)
    return run(action_for(session.clicked_caption()), session)


def run(action: str, book: Any = None, *, today: dt.date | None = None, now: dt.datetime | None = None,
        lang: str | None = None, settings: Settings | None = None) -> XlResult:
    """Refresh, validate or both on `book`; every finding is shown, a GendanError becomes a message box.

    The settings are the command line's for this workbook (`doors.settings.load_settings(workbook=…)`:
    $GENDAN_CONFIG, else gendan.toml beside the workbook, else in the current folder), so a Mon–Sat
    factory, its warning window, its due-date basis, headers and status words give the same answers here
    as from `gendan-xl refresh`."""
    session = _session(book)
    now = now or dt.datetime.now()  # the door reads the clock; the core gets it as an argument
    today = today or now.date()
    try:
        if settings is None:
            settings = load_settings(workbook=session.workbook_path())
        result = _compute(action, session, today=today, now=now, lang=lang, settings=settings)
    except GendanError as exc:  # unusable workbook: one line in a message box, never a traceback
        guess = lang or "zh"
        message = _t("failed", guess, error=exc)
        session.tell(message, guess, failed=True)
        return XlResult(action, guess, message=message)
    session.tell(result.message, result.lang)
    return result


def _compute(action: str, session: Any, *, today: dt.date, now: dt.datetime, lang: str | None,
             settings: Settings) -> XlResult:
    source = session.source()
    master = load_master(source, lang=lang, vocabulary=settings.vocabulary)
    lang = lang or master.orders.lang
    result = XlResult(action, lang)
    parts = []
    note = version_note(session.built_with(), _installed_xlwings(), lang)
    if note:
        parts.append(note)
    if action in (REFRESH, BOTH):
        session.progress(_t("working", lang))
        result.status = status_of(master, today=today, warning_days=settings.warning_days, weekly=settings.weekly,
                                  lang=lang, due=settings.due)
        result.plan = plan_refresh(result.status, source.values(master.orders.sheet), now=now, lang=lang)
        apply(result.plan, session.grid(result.plan.sheet))
        parts.append(refresh_summary(result.status, lang))
    if action in (VALIDATE, BOTH):
        session.progress(_t("validating", lang))
        result.report = validate_workbook(source, lang=lang, vocabulary=settings.vocabulary)
        session.write_issues(issue_rows(result.report.issues, lang))
        parts.append(validate_summary(result.report, lang))
    result.message = "\n\n".join(parts)
    return result


def _session(book: Any):
    if isinstance(book, (MemorySession, ExcelSession)):
        return book
    if isinstance(book, MemoryBook):
        return MemorySession(book)
    return ExcelSession(book)


def _installed_xlwings() -> str:
    try:
        from importlib.metadata import version

        return version("xlwings")
    except Exception:  # not installed: nothing to compare with
        return ""


# ------------------------------------------------------------------------------- Excel (Windows/macOS)
# Everything below talks to Excel; keep it thin. It cannot run on Linux, so it holds no logic.

def _xlcolour(colour: str) -> int:
    """"#RRGGBB" → the BGR integer Excel's COM API takes for .Color."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return r + (g << 8) + (b << 16)


class XlwingsGrid:
    """A Grid over a live xlwings sheet: one range assignment per column, rules added once."""

    XL_CELL_VALUE, XL_EQUAL = 1, 3  # FormatConditions.Add(Type=xlCellValue, Operator=xlEqual)

    def __init__(self, sheet: Any):
        self.sheet = sheet

    def write_column(self, col: int, first_row: int, values: Sequence[Any]) -> None:
        self.sheet.range((first_row, col + 1)).options(transpose=True).value = [as_text(v) for v in values]

    def add_colours(self, rules: Sequence[CFRule]) -> None:
        try:
            conditions = self.sheet.api.Cells.FormatConditions
            existing = {_safe(lambda: conditions.Item(i).Formula1) for i in range(1, conditions.Count + 1)}
        except Exception:  # macOS (AppleScript) has no FormatConditions: the file refresh adds them instead
            return
        for rule in rules:  # a refresh's rules are all "cell equals text"
            formula = "=" + rule.cell_formula()  # as Excel reports Formula1 back
            if formula in existing:
                continue
            fc = self.sheet.api.Range(rule.sqref).FormatConditions.Add(
                Type=self.XL_CELL_VALUE, Operator=self.XL_EQUAL, Formula1=formula)
            if rule.fill:
                fc.Interior.Color = _xlcolour(rule.fill)
            if rule.font:
                fc.Font.Color = _xlcolour(rule.font)
            existing.add(formula)


def _safe(get: Callable[[], Any]) -> Any:
    try:
        return get()
    except Exception:  # a rule type without Formula1 (data bars, ...)
        return None


class ExcelSession:
    """A click inside Excel: the workbook that called, read sheet by sheet, written range by range."""

    def __init__(self, book: Any = None):
        import xlwings as xw  # here, not at the top: Linux has no Excel

        self.xw = xw
        self.wb = book if book is not None else xw.Book.caller()

    def workbook_path(self) -> Path | None:
        full = str(self.wb.fullname)  # a OneDrive / SharePoint workbook reports a URL: no folder to look in
        return Path(full) if "://" not in full and Path(full).is_absolute() else None

    def source(self) -> MemoryBook:
        names = [s.name for s in self.wb.sheets]
        return MemoryBook(sheets=LazySheets(names, self._read), name=self.wb.name,  # type: ignore[arg-type]
                          date1904=self._date1904())

    def _read(self, name: str) -> list[list[Any]]:
        used = self.wb.sheets[name].used_range
        return pad_to_a1(used.options(ndim=2).value, used.row, used.column)

    def _date1904(self) -> bool:
        try:
            return bool(self.wb.api.Date1904)
        except Exception:  # macOS: dates arrive as datetimes anyway; only serials typed as numbers differ
            return False

    def grid(self, sheet: str) -> Grid:
        return XlwingsGrid(self.wb.sheets[sheet])

    def write_issues(self, rows: list[list[Any]]) -> None:
        names = [s.name for s in self.wb.sheets]
        ws = self.wb.sheets[ISSUES_SHEET] if ISSUES_SHEET in names else self.wb.sheets.add(
            ISSUES_SHEET, after=self.wb.sheets[-1])
        ws.clear()
        ws.range("A1").value = rows
        ws.range((1, 1), (1, len(rows[0]))).font.bold = True
        ws.autofit("c")

    def progress(self, text: str) -> None:
        self.wb.app.status_bar = text

    def tell(self, text: str, lang: str, *, failed: bool = False) -> None:
        try:
            self.wb.app.status_bar = False  # give the status bar back to Excel
        except Exception:  # macOS refuses False on some versions; the next message replaces it anyway
            pass
        self.wb.app.alert(text, title=say(XL, "title", lang), mode="critical" if failed else "info")

    def built_with(self) -> str | None:
        try:
            refers = self.wb.names[VERSION_NAME].refers_to  # '="0.37.8"'
        except Exception:  # no such name: a workbook not built by us
            return None
        if refers is None:  # xlwings: an older remote client gives no definition for the name
            return None
        return refers.lstrip("=").strip('"') or None

    def clicked_caption(self) -> str | None:
        try:
            caller = self.wb.app.api.Caller  # the clicked shape's name, e.g. "Button 1" (Windows)
            sheet = self.wb.sheets.active.api
        except Exception:  # macOS, or started from the VBA editor: the caller is unknown
            return None
        for caption in (lambda: sheet.Buttons(caller).Caption,
                        lambda: sheet.Shapes(caller).TextFrame.Characters().Text):
            text = _safe(caption)
            if isinstance(text, str):
                return text
        return None
