"""The status of a workbook's orders computed a chunk of rows at a time, while its orders sheet streams
(xlsx/lines.py): what `status`, `status --json` and `refresh` go through, in bounded memory.

`OrdersRun` reads the small sheets (products' lead times, 假期, customers) first, then yields each chunk of
the orders sheet with the status of its lines — the same rules, the same findings as `master.load_master` +
`master.status_of`, which read the whole sheet at once (the Excel button, the tests' reference). What is
kept across chunks is small: the counts, the years the plans touched, the status words that map to no
stage, and the lines a caller asks to keep (the urgent ones, for the terminal and the result).
"""
from __future__ import annotations

import datetime as dt
import heapq
import json
import tempfile
from itertools import repeat
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, TextIO

import numpy as np

from gendan_xl import defaults, schema
from gendan_xl.books.master import row_of, header_issues, missing_sheet_notes, read_masters, status_word_issues
from gendan_xl.errors import ERROR, WARNING, Issue, MissingColumnsError
from gendan_xl.i18n import pick
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary
from gendan_xl.status import (STATUS_FIELDS, STATUSES, Line, StatusResult, due_fields, products_from_rows,
                              status_rows)
from gendan_xl.status_block import StatusBlock
from gendan_xl.status_lines import MILESTONE_LABELS, STATUS_LABELS, URGENT, urgency
from gendan_xl.validate import OrderDates, StatusWords, check_lines, make_context
from gendan_xl.workdays import WorkCalendar, calendar_from_rows
from gendan_xl.xlsx.lines import LineChunk, OrdersStream
from gendan_xl.xlsx.source import DEFAULT_LIMITS, Limits, WorkbookFile
from gendan_xl.xlsx.stream import StreamBook


class OrdersRun:
    """A workbook file's orders and their status on `today`, chunk by chunk (iterate once). `keep` says
    which lines to keep for `result()`: urgent ones (the default), those of some statuses (`STATUSES`: all;
    `()`: none) or those a test of their Line passes (which makes a Line for every line); `most` keeps at
    most that many of them, the most urgent (a terminal shows a hundred)."""

    def __init__(self, source: str | Path | WorkbookFile, *, today: dt.date, sheet: str | None = None,
                 lang: str | None = None, warning_days: int = defaults.WARNING_DAYS, weekly: str = defaults.WEEKLY,
                 due: str = defaults.DUE, vocabulary: Vocabulary = DEFAULT_VOCABULARY,
                 limits: Limits = DEFAULT_LIMITS, keep: Callable[[Line], bool] | Collection[str] | None = None,
                 most: int | None = None, progress: Callable[[str, int, int | None], None] | None = None):
        self.wf = source if isinstance(source, WorkbookFile) else WorkbookFile.read(source, limits)
        self.book = StreamBook(self.wf)
        self.customers, self.products, self.calendar_sheet = read_masters(self.book)
        self.orders: OrdersStream = self.book.orders(vocabulary.orders, STATUS_FIELDS, sheet)
        orders = self.orders
        self.lang = lang or orders.lang
        if not {"customer_due_date", "factory_due_date"} & set(orders.columns):
            raise MissingColumnsError.said("no-due-column", name=self.book.name, sheet=orders.sheet)
        self.today, self.warning_days, self.due, self.vocabulary = today, warning_days, due, vocabulary
        self.progress = progress  # progress("status", lines so far, None) after each chunk (the CLI's bar)
        self._calendar_issues: list[Issue]
        if self.calendar_sheet is None:
            self.calendar, self._calendar_issues = WorkCalendar(weekly=weekly), []
        else:
            self.calendar, self._calendar_issues = calendar_from_rows(
                self.calendar_sheet.rows, weekly=weekly, sheet=self.calendar_sheet.sheet, lang=self.lang)
        self.lead_times = products_from_rows(self.products.rows) if self.products is not None else {}
        self.notes = header_issues(orders, self.lang)
        self.keep = keep if keep is not None else URGENT
        self.most = most
        self.words = StatusWords(vocabulary)
        self.counts = dict.fromkeys(STATUSES, 0)
        self.years: set[int] = set()
        self.kept: list[Line] = []
        self.total = 0
        self.dropdown: tuple[str, ...] = ()
        self._order = due_fields(due)  # the basis first, the other as the fallback

    def __iter__(self) -> Iterator[tuple[LineChunk, StatusBlock, StatusResult]]:
        """Per chunk: the chunk, each line's status (`status.status_rows`: its figures and reason a column at
        a time, or as a sequence a Line shared by the lines whose status is alike) and the status of the
        lines kept."""
        status_col = self.orders.columns.get("status")
        counts = self.counts
        for chunk in self.orders:
            bad_due = {i: raw for f in reversed(self._order)  # the basis's own bad value wins
                       for i, (_, raw) in chunk.errors.get(f, {}).items()}
            shared, result = status_rows(chunk.values, chunk.lines, self.lead_times, self.calendar, self.today,
                                         warning_days=self.warning_days, due=self.due, vocabulary=self.vocabulary,
                                         bad_due=bad_due, keep=self.keep, most=self.most)
            if status_col is not None:
                self.words.add_column(chunk.lines, chunk.values["status"], status_col)
            for code, n in result.counts.items():
                counts[code] += n
            self.years |= result.years
            self.total += result.line_count
            self.kept += result.lines
            if self.most is not None and len(self.kept) > self.most:
                self.kept.sort(key=urgency)
                del self.kept[self.most:]
            if self.progress is not None:
                self.progress("status", self.total, None)
            yield chunk, shared, result

    def run(self) -> "OrdersRun":
        """Every chunk, nothing done with them but what `result` and `issues` need."""
        for _ in self:
            pass
        return self

    def result(self) -> StatusResult:
        """The status of every line, keeping the lines `keep` kept (after iterating)."""
        return StatusResult(today=self.today, lines=self.kept, calendar=self.calendar, years=frozenset(self.years),
                            totals=self.counts, total=self.total)

    def issues(self) -> list[Issue]:
        """The findings a user must see next to the status (after iterating): header and status-word warnings,
        missing master sheets, 假期 sheet problems, calendar-unverified years — as `master.status_of` gives."""
        out = list(self.notes)
        if "status" in self.orders.columns:
            words, self.dropdown = status_word_issues(self.book, self.orders, self.words, self.lang)
            out += words
        out += missing_sheet_notes(self.orders, self.customers, self.products, self.lang)
        sheet = self.calendar_sheet.sheet if self.calendar_sheet is not None else schema.CALENDAR.zh
        return out + self._calendar_issues + self.calendar.issues_for(self.years, sheet=sheet, lang=self.lang)


# A line of `status --json`: the members of `Line.to_dict`, in its order, as json.dumps writes them (each a
# text already encoded: `LinesJson`).
_FIELDS = ("order_no", "row", "status", "days_late", "days_to_due", "slack_workdays", "next_milestone",
           "next_milestone_date", "reason", "label", "next_milestone_label", "customer", "customer_po", "model",
           "merchandiser", "open_qty", "due_date", "due_basis", "customer_due_date", "factory_due_date", "stage",
           "milestones")
# What each line says between its members' texts: '{"order_no": ', ', "row": ', … '}'.
_BETWEEN = ['{"%s": ' % _FIELDS[0], *(', "%s": ' % f for f in _FIELDS[1:]), "}"]
_SAYS = dict(zip(_FIELDS, _BETWEEN))
_DUMPS = json.JSONEncoder(ensure_ascii=False, default=str).encode
_STR = json.encoder.encode_basestring  # what that encoder writes for a str (ensure_ascii=False)


def write_status_json(run: OrdersRun, out: TextIO) -> None:
    """`status --json`'s result, written as the orders sheet streams: the document of `StatusResult.to_dict` but
    its findings (`run.issues()`, after) — today, every line with its milestones, the counts — one line of
    JSON per order line, none of them kept, a chunk's lines written at once (`LinesJson`): a million lines cost
    the time of reading them, not the memory of holding them."""
    lines_json = LinesJson(run.lang)
    out.write('{"today": %s, "orders": [' % _DUMPS(run.today.isoformat()))
    sep = "\n"
    for _, block, _ in run:
        if len(block):
            out.write(sep)  # (not joined to the chunk's text: that would copy it)
            out.write(",\n".join(lines_json(block)))
            sep = ",\n"
    out.write('\n], "counts": %s}' % _DUMPS(run.counts))


class LinesJson:
    """Each line of a `StatusBlock` as the JSON text of its `Line.to_dict(lang)` (json.dumps's, byte for byte:
    tests/test_status_json.py holds it to that), made a column at a time from the block's columns — no Line, no
    dict per line: each member's text made once per distinct value (a date, a customer, a status), a plan's
    milestones once (`to_dict` of one of its lines says what they are; kept across blocks), and each line's
    texts joined in C (map, zip, str.join). A text made once per distinct value is made with what goes before
    it (`, "due_date": `): a line is fewer texts joined."""

    def __init__(self, lang: str):
        self.lang = lang
        self.milestones: dict[bytes, str] = {}

    def __call__(self, block: StatusBlock) -> list[str]:
        lang = self.lang
        text: dict[str, list[str]] = {}
        said: dict[str, list[str]] = {}  # a member's texts with what goes before it (made once each)
        for f in _FIELDS:
            if f in _NUMBERED:  # codes and numbers (the due basis, days, dates): each distinct one's text once
                values, index = block.distinct(f)
                said[f] = _pick([_SAYS[f] + t for t in map(_json_value, values)], index)
            elif f in _READ:  # as read: text of any type
                texts, with_before = _json_texts(block.values(f), _SAYS[f])
                (said if with_before else text)[f] = texts
        for f, label in (("status", "label"), ("next_milestone", "next_milestone_label")):  # a few codes each
            values, index = block.distinct(f)
            said[f] = _pick([_SAYS[f] + t for t in map(_json_value, values)], index)
            table = STATUS_LABELS if f == "status" else MILESTONE_LABELS
            said[label] = _pick([_SAYS[label] + _json_value(v and pick(table[v], lang)) for v in values], index)
        text["reason"] = list(map(_STR, block.reasons(lang)))
        said["milestones"] = self.plans(block)
        pieces = [part for f, between in zip(_FIELDS, _BETWEEN)
                  for part in ((said[f],) if f in said else (repeat(between), text[f]))]
        return list(map("".join, zip(*pieces, repeat(_BETWEEN[-1]))))  # (a quarter sooner than %-formatting)

    def plans(self, block: StatusBlock) -> list[str]:
        """Each line's milestones' JSON, with what goes before it: `[]` without a plan, else its plan's, made once
        per distinct plan."""
        indices, keys = block.plans()
        memo = self.milestones
        new = {key: i for key, i in dict(zip(keys, indices)).items() if key not in memo}
        if len(memo) + len(new) > 100_000:  # plans are few (hundreds per 100k lines): this is a bound, not a cache
            memo.clear()
            new = dict(zip(keys, indices))
        before = _SAYS["milestones"]
        memo.update(zip(new, (before + _DUMPS(line.to_dict(self.lang)["milestones"])
                              for line in block.lines(new.values()))))
        out = [before + "[]"] * len(block)
        list(map(out.__setitem__, indices, map(memo.__getitem__, keys)))
        return out


# The members `LinesJson` takes from the block's codes and numbers (`StatusBlock.distinct`), and as read.
_NUMBERED = ("days_late", "days_to_due", "slack_workdays", "next_milestone_date", "due_basis", "due_date",
             "customer_due_date", "factory_due_date")
_READ = ("order_no", "row", "customer", "customer_po", "model", "merchandiser", "open_qty", "stage")


def _pick(texts: list[str], index: np.ndarray) -> list[str]:
    """The text of each line: `texts[index[i]]`."""
    return np.array(texts, dtype=object)[index].tolist()


def _json_texts(values: list[Any], before: str) -> tuple[list[str], bool]:
    """Each value's JSON text (`_json_value`), and whether `before` (what goes before the member) is said with
    it: so where each distinct value's text is made once — equal values having the same text: a column of one
    type (but float: 0.0 and -0.0 are equal), or with None — and the column repeats its values."""
    kinds = set(map(type, values))
    if kinds == {int}:  # rows
        return list(map(int.__repr__, values)), False
    distinct = set(values)
    if kinds == {str} and len(distinct) * 2 > len(values):  # order numbers, POs: most of them distinct
        return list(map(_STR, values)), False
    kinds.discard(type(None))
    if len(kinds) > 1 or float in kinds:  # 1, 1.0 and True are equal keys but not the same text
        return list(map(_json_value, values)), False
    memo = {v: before + _json_value(v) for v in distinct}
    return list(map(memo.__getitem__, values)), True


def _json_value(v: Any) -> str:
    """`_DUMPS(v)`, sooner for what a line holds most: text, whole numbers, dates, nothing."""
    if v is None:
        return "null"
    t = type(v)
    if t is str:
        return _STR(v)
    if t is int:
        return int.__repr__(v)
    if t is dt.date:  # what _DUMPS writes of what it does not know: its str (default=str), as a str
        return _STR(str(v))
    return _DUMPS(v)


# ---------------------------------------------------------------------------------------------------
# validate --json


def write_validation_issues(source: str | Path | WorkbookFile, emit: Callable[[str], None], *,
                            sheet: str | None = None, lang: str | None = None,
                            vocabulary: Vocabulary = DEFAULT_VOCABULARY,
                            limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """`validate --json`, streamed: the issues of `master.validate_workbook(...)`, in row order, each handed
    to `emit` as its JSON text with the workbook's "path" — the orders sheet read once, chunk by chunk, each
    chunk checked column by column (`validate.check_lines`), and the issues spooled to a temp file, never all
    held. The issues of the order dates far from the median one (`validate.OrderDates`) are known at the end
    and merged in at their rows. Nothing is emitted before the whole sheet is read: an unusable workbook fails
    before any of its issues. Returns the file's summary: path, ok, rows, errors, warnings."""
    wf = source if isinstance(source, WorkbookFile) else WorkbookFile.read(source, limits)
    name = str(source.path if isinstance(source, WorkbookFile) else source)
    where = ', "path": %s}' % json.dumps(name, ensure_ascii=False)  # closes each issue's object
    book = StreamBook(wf)
    customers, products, _ = read_masters(book)
    schema_ = vocabulary.orders
    orders = book.orders(schema_, schema_.fields, sheet)
    lang = lang or orders.lang
    ctx = make_context(orders, customers=customers, products=products, lang=lang)  # the median: at the end
    dates = OrderDates()
    words = StatusWords(vocabulary)
    status_col = orders.columns.get("status")
    dumps = _DUMPS
    rows = 0
    counts = {ERROR: 0, WARNING: 0}

    def text(issue: Issue) -> str:
        counts[issue.severity] = counts.get(issue.severity, 0) + 1
        return dumps(issue.to_dict())[:-1] + where

    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for chunk in orders:
            bad: dict[int, dict[str, str]] = {}
            for f, found in chunk.errors.items():
                for i, (code, _) in found.items():
                    bad.setdefault(i, {})[f] = code
            for r, k, issue in check_lines(chunk.lines, chunk.values, chunk.raw, bad, ctx):
                spool.write(f"{r}\t{k}\t{text(issue)}\n")
            dates.add(chunk.lines, chunk.values.get("order_date", ()), chunk.raw.get("order_date", ()))
            if status_col is not None:
                words.add_column(chunk.lines, chunk.raw["status"], status_col)
            rows += len(chunk.lines)
        notes = header_issues(orders, lang)
        if status_col is not None:
            notes += status_word_issues(book, orders, words, lang)[0]
        notes += missing_sheet_notes(orders, customers, products, lang)
        notes.sort(key=row_of)  # stable: at the same row, the sheet's notes come before the rows' issues
        ctx.median_order_date = dates.median()
        spool.seek(0)
        spooled = ((int(r), int(k), doc.rstrip("\n")) for r, k, doc in (line.split("\t", 2) for line in spool))
        late = ((r, k, text(issue)) for r, k, issue in dates.issues(ctx))
        for _, _, doc in heapq.merge(((row_of(n), -1, text(n)) for n in notes), spooled, late,
                                     key=lambda x: x[:2]):
            emit(doc)
    return {"path": name, "ok": not counts[ERROR], "rows": rows, "errors": counts[ERROR],
            "warnings": counts[WARNING]}
