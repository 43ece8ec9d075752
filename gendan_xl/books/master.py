"""The master order workbook (订单跟踪表) as one object: every sheet we know, read once.

This is the I/O side of the orders flow: read workbook → typed rows → validate. The CLI, the Excel
button and the scheduled jobs all go through these functions, so they see the same thing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from gendan_xl import schema
from gendan_xl.errors import ERROR, WARNING, Issue, MissingColumnsError, MissingSheetError, Report
from gendan_xl.messages import make_issue
from gendan_xl.status import STATUS_FIELDS, StatusResult, compute_status, products_from_rows, status_from_columns
from gendan_xl.validate import check_orders
from gendan_xl.workdays import WorkCalendar, calendar_from_rows
from gendan_xl.xlsx.read import Book, Columns, MemoryBook, Table, open_book, read_columns, read_table


@dataclass
class Master:
    """The sheets of a master workbook. Optional sheets are None when the workbook lacks them."""

    book: Book | MemoryBook
    orders: Table | Columns  # Columns when loaded `lean`
    customers: Table | None = None
    products: Table | None = None
    calendar: Table | None = None
    notes: list[Issue] = field(default_factory=list)  # sheet-level findings (a missing 客户 sheet, ...)

    def calendar_and_issues(self, *, weekly: str = "mon-fri", lang: str = "zh") -> tuple[WorkCalendar, list[Issue]]:
        """The working-day calendar: official China data plus this workbook's 假期 sheet, which wins."""
        if self.calendar is None:
            return WorkCalendar(weekly=weekly), []
        return calendar_from_rows(self.calendar.rows, weekly=weekly, sheet=self.calendar.sheet, lang=lang)


def _optional(book: Book | MemoryBook, sheet_schema: schema.SheetSchema) -> Table | None:
    try:
        return read_table(book, sheet_schema, year_anchor=None)
    except MissingSheetError:
        return None


def load_master(source: str | Path | Book | MemoryBook, *, sheet: str | None = None,
                lang: str | None = None, lean: bool = False) -> Master:
    """Read the orders sheet and master data of a workbook file (or an open Book / MemoryBook).

    `lean` reads only the order fields the status needs, column by column (`workbook.Columns`): a
    million-line sheet then costs a fraction of the memory of typed rows. Validation needs the rows.
    Raises GendanError (one line) when the workbook cannot be used."""
    book = source if isinstance(source, (Book, MemoryBook)) else open_book(source)
    orders = read_columns(book, schema.ORDERS, STATUS_FIELDS, sheet) if lean else read_table(book, schema.ORDERS, sheet)
    master = Master(book=book, orders=orders, customers=_optional(book, schema.CUSTOMERS),
                    products=_optional(book, schema.PRODUCTS), calendar=_optional(book, schema.CALENDAR))
    lang = lang or orders.lang
    for f in schema.ORDERS.required:
        if f not in orders.columns:
            col = schema.ORDERS.column(f)
            master.notes.append(make_issue("missing-column", ERROR, orders.sheet, "", None, lang,
                                           column=col.label(lang), row=orders.header_row))
    if master.customers is None:
        master.notes.append(make_issue("no-customer-sheet", WARNING, orders.sheet, "", None, lang))
    if master.products is None:
        master.notes.append(make_issue("no-product-sheet", WARNING, orders.sheet, "", None, lang))
    return master


def validate_workbook(path: str | Path, *, sheet: str | None = None, lang: str | None = None) -> Report:
    """Read the master workbook and return every issue of its orders sheet (the `validate` command)."""
    master = load_master(path, sheet=sheet, lang=lang)
    report = check_orders(master.orders, customers=master.customers, products=master.products,
                          lang=lang or master.orders.lang)
    report.issues[:0] = master.notes
    return report


@dataclass
class MasterStatus:
    """The status of every order line, with the findings a user must see next to it."""

    master: Master
    result: StatusResult
    issues: list[Issue]  # 假期 sheet problems and calendar-unverified warnings

    def to_dict(self, lang: str = "zh") -> dict:
        doc = self.result.to_dict(lang)
        doc["issues"] = [i.to_dict() for i in self.issues]
        return doc


def status_of(master: Master, *, today: dt.date, warning_days: int = 3, weekly: str = "mon-fri",
              lang: str | None = None) -> MasterStatus:
    """Lead-time status of the master workbook's orders on `today` (the `status` command)."""
    lang = lang or master.orders.lang
    if not {"customer_due_date", "factory_due_date"} & set(master.orders.columns):
        raise MissingColumnsError(f'{master.book.name}: sheet "{master.orders.sheet}" has no 客户交期 / 工厂交期 '
                                  "(due date) column; status needs one")
    calendar, issues = master.calendar_and_issues(weekly=weekly, lang=lang)
    products = products_from_rows(master.products.rows) if master.products is not None else {}
    orders = master.orders
    if isinstance(orders, Columns):
        bad_due = {i: raw for f in ("customer_due_date", "factory_due_date")  # the factory's wins, as in rows
                   for i, (_, raw) in orders.errors.get(f, {}).items()}
        result = status_from_columns(orders.values, orders.row_numbers, products, calendar, today,
                                     warning_days=warning_days, bad_due=bad_due)
    else:
        result = compute_status(orders.rows, products, calendar, today, warning_days=warning_days)
    sheet = master.calendar.sheet if master.calendar is not None else schema.CALENDAR.zh
    return MasterStatus(master, result, issues + result.calendar_issues(lang, sheet=sheet))
