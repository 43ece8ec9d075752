"""The master order workbook (订单跟踪表) as one object: every sheet we know, read once.

This is the I/O side of the orders flow: read workbook → typed rows → validate. The CLI, the Excel
button and the scheduled jobs all go through these functions, so they see the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .errors import WARNING, Issue, MissingSheetError, Report
from .messages import make_issue
from .validate import check_orders
from .workbook import Book, Table, open_book, read_table


@dataclass
class Master:
    """The sheets of a master workbook. Optional sheets are None when the workbook lacks them."""

    book: Book
    orders: Table
    customers: Table | None = None
    products: Table | None = None
    calendar: Table | None = None
    notes: list[Issue] = field(default_factory=list)  # sheet-level findings (a missing 客户 sheet, ...)

    @property
    def path(self) -> Path:
        return self.book.path

    def table(self, kind: str) -> Table | None:
        """Any other sheet of the master workbook (出货, 收款, ...) by schema kind, or None."""
        try:
            return read_table(self.book, schema.SCHEMAS[kind], year_anchor=None)
        except MissingSheetError:
            return None


def _optional(book: Book, sheet_schema: schema.SheetSchema) -> Table | None:
    try:
        return read_table(book, sheet_schema, year_anchor=None)
    except MissingSheetError:
        return None


def load_master(path: str | Path, *, sheet: str | None = None, lang: str | None = None) -> Master:
    """Open the workbook and read its orders sheet and master data; raise GendanError if unusable."""
    book = open_book(path)
    orders = read_table(book, schema.ORDERS, sheet)
    master = Master(book=book, orders=orders, customers=_optional(book, schema.CUSTOMERS),
                    products=_optional(book, schema.PRODUCTS), calendar=_optional(book, schema.CALENDAR))
    lang = lang or orders.lang
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
