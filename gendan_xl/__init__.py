"""gendan-xl: Excel-first tools for order merchandisers (跟单员).

The public API is what `__all__` lists; everything else may change.
"""
from .errors import GendanError, Issue, Report, UnusableWorkbookError
from .validate import check_orders
from .workbook import Book, Row, Table, open_book, parse_date, parse_number, read_sheet, read_table

__version__ = "0.1.0"

__all__ = [
    "Book", "GendanError", "Issue", "Report", "Row", "Table", "UnusableWorkbookError",
    "check_orders", "open_book", "parse_date", "parse_number", "read_sheet", "read_table",
]
