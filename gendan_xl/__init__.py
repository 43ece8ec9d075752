"""gendan-xl: Excel-first tools for order merchandisers (跟单员).

The public API is what `__all__` lists; everything else may change. Each CLI command wraps one of these.
Names are imported from their module on first use (PEP 562), so a command loads only what it needs:
`gendan-xl refresh` does not pay for openpyxl, XlsxWriter and jinja2 (a third of a second at start-up).
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

# public name → the module (gendan_xl.<module>) that defines it
_EXPORTS = {
    **dict.fromkeys(["Allocation", "allocate"], "allocate"),
    **dict.fromkeys(["allocate_workbook"], "books.allocation"),
    **dict.fromkeys(["GendanError", "Issue", "QuoteInputError", "Report", "UnusableWorkbookError",
                     "WorkbookOpenError"], "errors"),
    **dict.fromkeys(["Master", "MasterStatus", "load_master", "read_orders", "status_of", "validate_workbook"],
                    "books.master"),
    **dict.fromkeys(["cell_of", "orders_frame", "orders_from_frame"], "frames"),
    **dict.fromkeys(["export_price"], "pricing"),
    **dict.fromkeys(["make_quote"], "books.quotes"),
    **dict.fromkeys(["Review", "review_orders"], "review"),
    **dict.fromkeys(["review_workbook"], "books.order_review"),
    **dict.fromkeys(["reconcile"], "reconcile"),
    **dict.fromkeys(["reconcile_files"], "books.reconciliation"),
    **dict.fromkeys(["refresh_workbook"], "books.refresh"),
    **dict.fromkeys(["OrdersRun", "write_status_json", "write_validation_issues"], "books.streamed"),
    **dict.fromkeys(["Inspection", "inspect_workbook"], "books.inspection"),
    **dict.fromkeys(["Period", "build_statement"], "statement"),
    **dict.fromkeys(["statements_from_workbook", "write_statement"], "books.accounts"),
    **dict.fromkeys(["STATUS_LABELS", "LeadTimes", "StatusResult", "compute_status"], "status"),
    **dict.fromkeys(["check_orders", "check_status_words"], "validate"),
    **dict.fromkeys(["STAGES", "Vocabulary"], "schema"),
    **dict.fromkeys(["Book", "MemoryBook", "open_book", "read_sheet", "read_table"], "xlsx.read"),
    **dict.fromkeys(["Row", "Table"], "sheet_data"),
    **dict.fromkeys(["parse_date", "parse_number"], "values"),
    **dict.fromkeys(["Order", "orders_from_rows"], "orders"),
    **dict.fromkeys(["WorkCalendar", "calendar_from_rows"], "workdays"),
    **dict.fromkeys(["init_workbook"], "doors.xlsm"),
    **dict.fromkeys(["Settings", "describe_settings", "load_settings", "write_starter"], "doors.settings"),
    **dict.fromkeys(["run_demo"], "doors.demo"),
    **dict.fromkeys(["job_table", "run_due", "run_job", "schedule_loop"], "delivery.jobs"),
    **dict.fromkeys(["OverduePlan", "overdue_mails", "status_workbook"], "delivery.report"),
}

__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """`allocate` and `reconcile` name both a submodule and its main function. Importing a submodule binds
    it to the package, which would hide the function; the function stays, as `__all__` promises."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gendan_xl' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
