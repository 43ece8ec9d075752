"""gendan-xl: Excel-first tools for order merchandisers (跟单员).

The public API is what `__all__` lists; everything else may change. Each CLI command wraps one of these.
"""
from .allocate import Allocation, allocate, allocate_workbook
from .errors import GendanError, Issue, Report, UnusableWorkbookError, WorkbookOpenError
from .master import Master, MasterStatus, load_master, status_of, validate_workbook
from .quote import QuoteInputError, export_price, make_quote
from .review import Review, review_orders, review_workbook
from .reconcile import reconcile, reconcile_files
from .refresh import refresh_workbook
from .statement import Period, build_statement, statements_from_workbook, write_statement
from .status import STATUS_LABELS, LeadTimes, StatusResult, compute_status
from .validate import check_orders
from .workbook import Book, MemoryBook, Row, Table, open_book, parse_date, parse_number, read_sheet, read_table
from .workdays import WorkCalendar, calendar_from_rows

__version__ = "0.1.0"

__all__ = [
    "Allocation", "Review", "allocate", "allocate_workbook", "review_orders", "review_workbook",
    "Book", "GendanError", "Issue", "LeadTimes", "Master", "MasterStatus", "MemoryBook", "Period",
    "QuoteInputError", "Report", "Row", "STATUS_LABELS", "StatusResult", "Table", "UnusableWorkbookError",
    "WorkCalendar", "WorkbookOpenError",
    "build_statement", "calendar_from_rows", "check_orders", "compute_status", "export_price", "load_master",
    "make_quote", "open_book", "parse_date", "parse_number", "read_sheet", "read_table", "reconcile",
    "reconcile_files", "refresh_workbook", "statements_from_workbook", "status_of", "validate_workbook",
    "write_statement",
]
