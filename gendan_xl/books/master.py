"""The master order workbook (订单跟踪表) as one object: every sheet we know, read once.

This is the I/O side of the orders flow: read workbook → typed rows → validate. The CLI, the Excel
button and the scheduled jobs all go through these functions, so they see the same thing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from gendan_xl import defaults, schema
from gendan_xl.errors import WARNING, Issue, MissingColumnsError, MissingSheetError, Report
from gendan_xl.messages import make_issue
from gendan_xl.orders import orders_from_rows
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary
from gendan_xl.status import STATUS_FIELDS, StatusResult, compute_status, products_from_rows, status_from_columns
from gendan_xl.validate import StatusWords, check_orders
from gendan_xl.workdays import WorkCalendar, calendar_from_rows
from gendan_xl.cellrefs import cell_ref
from gendan_xl.sheet_data import Columns, SheetLayout, Table
from gendan_xl.xlsx.read import Book, MemoryBook, open_book, read_columns, read_table
from gendan_xl.xlsx.validations import RANGE

# Order columns whose absence only skips some checks (a warning); the required ones stop at the header.
EXPECTED = ("customer", "order_date")


@dataclass
class Master:
    """The sheets of a master workbook. Optional sheets are None when the workbook lacks them."""

    book: Book | MemoryBook
    orders: Table | Columns  # Columns when loaded `lean`
    customers: Table | None = None
    products: Table | None = None
    calendar: Table | None = None
    notes: list[Issue] = field(default_factory=list)  # sheet-level findings (a missing 客户 sheet, ...)
    vocabulary: Vocabulary = DEFAULT_VOCABULARY
    dropdown: tuple[str, ...] = ()  # the words of the status column's drop-down list, when it has one

    @property
    def order_table(self) -> Table:
        """The orders sheet of a master loaded whole (not `lean`): its rows, for commands that need them."""
        assert isinstance(self.orders, Table), "the orders were loaded lean: no rows"
        return self.orders

    def calendar_and_issues(self, *, weekly: str = defaults.WEEKLY,
                            lang: str = defaults.LANG) -> tuple[WorkCalendar, list[Issue]]:
        """The working-day calendar: official China data plus this workbook's 假期 sheet, which wins."""
        if self.calendar is None:
            return WorkCalendar(weekly=weekly), []
        return calendar_from_rows(self.calendar.rows, weekly=weekly, sheet=self.calendar.sheet, lang=lang)


def _optional(book: Book | MemoryBook, sheet_schema: schema.SheetSchema) -> Table | None:
    try:
        return read_table(book, sheet_schema, year_anchor=None)
    except MissingSheetError:
        return None


def load_master(source: str | Path | Book | MemoryBook, *, sheet: str | None = None, lang: str | None = None,
                lean: bool = False, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> Master:
    """Read the orders sheet and master data of a workbook file (or an open Book / MemoryBook).

    `lean` reads only the order fields the status needs, column by column (`xlsx.read.Columns`): a
    million-line sheet then costs a fraction of the memory of typed rows. Validation needs the rows.
    `vocabulary` adds the user's header spellings and status words (gendan.toml [columns], [statuses]).
    Raises GendanError (one line) when the workbook cannot be used. What could change a result without
    stopping the command — a header that only looks like a field, one that lost to a better spelling, a
    status word with no stage — is in `notes`, one warning each."""
    book = source if isinstance(source, (Book, MemoryBook)) else open_book(source)
    orders_schema = vocabulary.orders
    orders = (read_columns(book, orders_schema, STATUS_FIELDS, sheet) if lean
              else read_table(book, orders_schema, sheet))
    customers, products, calendar = read_masters(book)
    master = Master(book=book, orders=orders, customers=customers, products=products, calendar=calendar,
                    vocabulary=vocabulary)
    lang = lang or orders.lang
    master.notes.extend(header_issues(orders, lang))
    master.notes.extend(_status_word_issues(master, lang))
    master.notes.extend(missing_sheet_notes(orders, customers, products, lang))
    return master


def read_masters(book: Any) -> tuple[Table | None, Table | None, Table | None]:
    """The customers, products and 假期 (calendar) sheets, each None when the workbook lacks it."""
    return _optional(book, schema.CUSTOMERS), _optional(book, schema.PRODUCTS), _optional(book, schema.CALENDAR)


def missing_sheet_notes(orders: SheetLayout, customers: Table | None, products: Table | None,
                        lang: str) -> list[Issue]:
    """A warning for each master sheet the workbook lacks."""
    out = []
    if customers is None:
        out.append(make_issue("no-customer-sheet", WARNING, orders.sheet, "", None, lang))
    if products is None:
        out.append(make_issue("no-product-sheet", WARNING, orders.sheet, "", None, lang))
    return out


def header_issues(layout: SheetLayout, lang: str) -> list[Issue]:
    """Warnings about the header row: a column we use that is missing, a header that looks like a field but
    is not recognised, a header that lost its field to a better spelling — each naming the cell and the
    gendan.toml line that changes it."""
    sch, match, row = layout.schema, layout.match, layout.header_row
    out = [make_issue("missing-column", WARNING, layout.sheet, "", None, lang, column=sch.column(f).label(lang),
                      row=row) for f in EXPECTED if f not in layout.columns]
    for c, f in sorted(match.lookalikes.items()):
        out.append(make_issue("unmapped-header", WARNING, layout.sheet, cell_ref(row, c), layout.headers[c], lang,
                              column=sch.column(f).label(lang), field=f))
    for c, f in sorted(match.lost.items()):
        if f == "remark" or f not in layout.columns:
            continue  # several remark columns are normal; a lost duplicate was refused at the header
        used = layout.columns[f]
        out.append(make_issue("header-not-used", WARNING, layout.sheet, cell_ref(row, c), layout.headers[c], lang,
                              column=sch.column(f).label(lang), field=f,
                              used=f"{cell_ref(row, used)}“{layout.headers[used]}”" if lang == "zh"
                              else f"{cell_ref(row, used)} '{layout.headers[used]}'"))
    return out


def _status_word_issues(master: Master, lang: str) -> list[Issue]:
    """One warning per status word (in the rows or the column's drop-down list) that maps to no stage."""
    orders = master.orders
    col = orders.columns.get("status")
    if col is None:
        return []
    words = StatusWords(master.vocabulary)
    if isinstance(orders, Columns):
        words.add_column(orders.row_numbers, orders.values["status"], col)
    else:
        words.add((row.ref("status"), row.raw.get("status")) for row in orders.rows)
    issues, master.dropdown = status_word_issues(master.book, orders, words, lang)
    return issues


def status_word_issues(book: Any, orders: SheetLayout, words: StatusWords,
                       lang: str) -> tuple[list[Issue], tuple[str, ...]]:
    """The status words that map to no stage — those `words` gathered from the rows, and those of the
    column's drop-down list — and the drop-down's words."""
    col = orders.columns["status"]
    out: list[Issue] = []
    listed: list[str] = []
    for dv in book.dropdowns(orders.sheet):
        if not dv.covers_column(col, orders.header_row):
            continue
        source = dv.source
        if source.items:
            listed.extend(source.items)
        elif source.kind == RANGE and source.sheet in book.sheet_names:
            listed.extend(str(v).strip() for v in book.area_values(source.sheet, source.area))
        else:
            out.append(make_issue("unreadable-dropdown", WARNING, orders.sheet, orders.column_ref("status"),
                                  source.formula, lang, why=source.kind))
    dropdown = tuple(dict.fromkeys(w for w in listed if w))
    out.extend(words.issues(sheet=orders.sheet, lang=lang, header_cell=orders.column_ref("status"), dropdown=dropdown))
    return out, dropdown


def validate_workbook(path: str | Path, *, sheet: str | None = None, lang: str | None = None,
                      vocabulary: Vocabulary = DEFAULT_VOCABULARY,
                      progress: Callable[[str, int, int | None], None] | None = None) -> Report:
    """Read the master workbook and return every issue of its orders sheet (the `validate` command).
    `progress(stage, done, total)` hears how far it is (the command line draws a bar with it)."""
    if progress is not None:
        progress("read", 0, None)
    master = load_master(path, sheet=sheet, lang=lang, vocabulary=vocabulary)
    report = check_orders(master.order_table, customers=master.customers, products=master.products,
                          lang=lang or master.orders.lang, progress=progress)
    # the sheet's own findings first, then the header's, then the rows', each where its cell is
    report.issues = sorted(master.notes + report.issues, key=row_of)
    return report


def row_of(issue: Issue) -> int:
    digits = "".join(ch for ch in issue.cell if ch.isdigit())
    return int(digits) if digits else 0


@dataclass
class MasterStatus:
    """The status of every order line, with the findings a user must see next to it."""

    master: Master
    result: StatusResult
    issues: list[Issue]  # header and status-word warnings, 假期 sheet problems, calendar-unverified warnings

    def to_dict(self, lang: str = defaults.LANG) -> dict:
        doc = self.result.to_dict(lang)
        doc["issues"] = [i.to_dict() for i in self.issues]
        return doc


def status_of(master: Master, *, today: dt.date, warning_days: int = defaults.WARNING_DAYS,
              weekly: str = defaults.WEEKLY, lang: str | None = None, due: str = defaults.DUE) -> MasterStatus:
    """Lead-time status of the master workbook's orders on `today` (the `status` command). `due` is the due
    date lines are judged by: "customer" or "factory" (see status.py)."""
    lang = lang or master.orders.lang
    if not {"customer_due_date", "factory_due_date"} & set(master.orders.columns):
        raise MissingColumnsError.said("no-due-column", name=master.book.name, sheet=master.orders.sheet)
    calendar, issues = master.calendar_and_issues(weekly=weekly, lang=lang)
    products = products_from_rows(master.products.rows) if master.products is not None else {}
    orders = master.orders
    if isinstance(orders, Columns):
        order = ("customer_due_date", "factory_due_date") if due == "customer" else ("factory_due_date",
                                                                                    "customer_due_date")
        bad_due = {i: raw for f in reversed(order)  # the basis's own bad value wins
                   for i, (_, raw) in orders.errors.get(f, {}).items()}
        result = status_from_columns(orders.values, orders.row_numbers, products, calendar, today,
                                     warning_days=warning_days, due=due, vocabulary=master.vocabulary,
                                     bad_due=bad_due)
    else:
        result = compute_status(orders_from_rows(orders.rows), products, calendar, today, warning_days=warning_days,
                                due=due, vocabulary=master.vocabulary)
    sheet = master.calendar.sheet if master.calendar is not None else schema.CALENDAR.zh
    return MasterStatus(master, result, master.notes + issues + result.calendar_issues(lang, sheet=sheet))


def read_orders(path: str | Path, *, sheet: str | None = None, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> Any:
    """The orders sheet as a pandas DataFrame (gendan-xl[pandas]): typed columns, indexed by Excel row, each
    field's column letter in `df.attrs` (`frames.cell_of(df, row, field)` names the cell)."""
    from gendan_xl.frames import orders_frame

    master = load_master(path, sheet=sheet, vocabulary=vocabulary)
    return orders_frame(orders_from_rows(master.order_table.rows), sheet=master.orders.sheet, columns=master.orders.columns)
