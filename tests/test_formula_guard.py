"""Issue 14, 10: text that looks like a formula in every workbook we generate is stored as text with Excel's
quote prefix, as our filled quote and statement store it (`xlsx.writer.GeneratedBook.cell`). Read back
with openpyxl (reading only)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from gendan_xl.allocate import allocate
from gendan_xl.books.allocation import allocation_xlsx_bytes
from gendan_xl.books.issues_report import write_issues_xlsx
from gendan_xl.books.order_review import review_xlsx_bytes
from gendan_xl.customers import Customer
from gendan_xl.delivery.report import status_workbook
from gendan_xl.errors import ERROR, Issue, Report
from gendan_xl.orders import Order
from gendan_xl.review import review_orders
from gendan_xl.status import Line
from gendan_xl.workdays import WorkCalendar
from gendan_xl.xlsx.writer import HEADER_ROW

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点这里\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
TODAY = dt.date(2026, 11, 26)


def guarded(data: bytes) -> dict[str, tuple[str, bool]]:
    """Every text cell that starts like a formula: value → (its data type, whether it has the quote prefix)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {c.value: (c.data_type, c.quotePrefix) for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))}


def assert_all_quoted(data: bytes, expected) -> None:
    cells = guarded(data)
    assert set(expected) <= set(cells), cells
    assert all(quoted and kind == "s" for kind, quoted in cells.values()), cells


def test_the_issues_report(tmp_path):
    report = Report(1, [Issue("bad-date", ERROR, "订单", "H2", value, HOSTILE[1]) for value in (HOSTILE[0], HOSTILE[2])])
    out = write_issues_xlsx(report, tmp_path / "issues.xlsx", workbook=tmp_path / "orders.xlsx")
    assert_all_quoted(out.read_bytes(), [HOSTILE[0], HOSTILE[1], HOSTILE[2]])


def test_the_daily_report_workbook():
    line = Line(row=2, order_no=HOSTILE[3], customer=HOSTILE[0], model=HOSTILE[1], merchandiser=HOSTILE[2],
                due_date=dt.date(2026, 11, 23), customer_due_date=dt.date(2026, 11, 23), status="overdue",
                days_late=3, today=TODAY)
    data = status_workbook([line], TODAY)
    assert_all_quoted(data, HOSTILE)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    first = HEADER_ROW + 2  # the first line's Excel row, under the title, the facts and the header
    assert wb.worksheets[0][f"F{first}"].value == dt.datetime(2026, 11, 23)          # dates stay dates
    assert wb.worksheets[0][f"H{first}"].value == 3 and not wb.worksheets[0][f"H{first}"].quotePrefix  # numbers too


def test_the_review_workbook():
    order = Order(row=5, order_no=HOSTILE[3], customer="ANK", model=HOSTILE[1], quantity=5000,
                  unit_price=Decimal("8.30"), currency="USD", order_date=dt.date(2026, 11, 20),
                  customer_due_date=dt.date(2027, 1, 29), status="新单", merchandiser=HOSTILE[2])
    review = review_orders([order], today=TODAY, calendar=WorkCalendar(), products={},
                           customers={"ANK": Customer("ANK", HOSTILE[0], "A", "USD", "OA 60", None)}, quotes=[],
                           open_balances={})
    assert_all_quoted(review_xlsx_bytes(review), [HOSTILE[1], HOSTILE[2], HOSTILE[3]])


def test_the_allocation_workbook():
    lines = [Order(row=2, order_no=HOSTILE[3], customer=HOSTILE[0], model="PB-10K", quantity=1000,
                   customer_due_date=dt.date(2026, 12, 15), order_date=dt.date(2026, 11, 1), status="已确认",
                   merchandiser=HOSTILE[2], cells={"quantity": "D2"})]
    result = allocate({"PB-10K": 400}, lines, {HOSTILE[0]: "A"})
    assert_all_quoted(allocation_xlsx_bytes(result), [HOSTILE[0], HOSTILE[2], HOSTILE[3]])


@pytest.mark.parametrize("text", ["ANK", "安克 = 好客户", "5-10K", "", "'quoted"])
def test_ordinary_text_gets_no_prefix(text):
    line = Line(row=2, order_no="SO1", customer=text, model="PB-10K", merchandiser="王芳", due_date=None,
                customer_due_date=None, status="on_track", today=TODAY)
    wb = openpyxl.load_workbook(io.BytesIO(status_workbook([line], TODAY)))
    cell = wb.worksheets[0][f"C{HEADER_ROW + 2}"]  # the customer's
    assert (cell.value or "") == text and not cell.quotePrefix
