"""Allocation of short stock: the order (grade, due date, order date, row), partial lines, ties, zero stock,
the stock workbook reader, and the sidecar allocation workbook re-read with python-calamine."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from gendan_xl.allocate import allocate, grade_rank
from gendan_xl.i18n.documents import ALLOCATION
from gendan_xl.books.allocation import STOCK, allocate_workbook, allocation_path, read_stock
from gendan_xl.errors import MissingColumnsError, UnusableWorkbookError
from gendan_xl.orders import Order

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_stock", ROOT / "workbooks" / "build_stock.py")
stock_builder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stock_builder)

GRADES = {"ANK": "A", "TGT": "A", "BLK": "B", "DGT": "C", "NOG": ""}


def line(row: int, customer: str = "ANK", qty: int | None = 1000, due=dt.date(2026, 12, 15),
         ordered=dt.date(2026, 11, 1), model: str = "PB-10K", shipped: int | None = None,
         status: str = "已确认") -> Order:
    return Order(row=row, order_no=f"SO{row:03d}", customer=customer, model=model, quantity=qty, customer_due_date=due,
                 order_date=ordered, shipped_qty=shipped, status=status, cells={"quantity": f"D{row}"})


def served(result):
    """(row, allocated, short) in allocation order."""
    return [(x.row, x.allocated, x.short) for x in result.lines]


def test_grade_then_due_date_then_order_date_then_row():
    lines = [
        line(2, "DGT", due=dt.date(2026, 12, 1)),                                   # C, earliest due
        line(3, "BLK", due=dt.date(2026, 12, 20)),                                  # B
        line(4, "ANK", due=dt.date(2026, 12, 30)),                                  # A, latest due
        line(5, "TGT", due=dt.date(2026, 12, 10)),                                  # A, earlier due
        line(6, "BLK", due=dt.date(2026, 12, 20), ordered=dt.date(2026, 10, 20)),   # B, same due, older order
        line(7, "BLK", due=dt.date(2026, 12, 20), ordered=dt.date(2026, 10, 20)),   # exact tie with 6: row decides
    ]
    result = allocate({"PB-10K": 4500}, lines, GRADES)
    assert served(result) == [(5, 1000, 0), (4, 1000, 0), (6, 1000, 0), (7, 1000, 0), (3, 500, 500), (2, 0, 1000)]
    assert [x.rank for x in result.lines] == [1, 2, 3, 4, 5, 6]


def test_due_date_comes_before_order_date():
    lines = [
        line(2, "BLK", due=dt.date(2026, 12, 20), ordered=dt.date(2026, 10, 1)),   # older order, later due
        line(3, "BLK", due=dt.date(2026, 12, 10), ordered=dt.date(2026, 11, 1)),   # newer order, earlier due
    ]
    assert served(allocate({"PB-10K": 1000}, lines, GRADES)) == [(3, 1000, 0), (2, 0, 1000)]


def test_ties_are_served_top_to_bottom_whatever_the_input_order():
    lines = [line(9), line(4), line(7)]
    assert served(allocate({"PB-10K": 1500}, lines, GRADES)) == [(4, 1000, 0), (7, 500, 500), (9, 0, 1000)]
    assert served(allocate({"PB-10K": 1500}, list(reversed(lines)), GRADES)) == [(4, 1000, 0), (7, 500, 500),
                                                                               (9, 0, 1000)]


@pytest.mark.parametrize("grades, expected", [
    ({"ANK": "a", "BLK": "B级", "DGT": "Ｃ"}, ["ANK", "BLK", "DGT", "XXX", "NEW"]),
    ({"ANK": "VIP", "BLK": "B", "DGT": "C"}, ["BLK", "DGT", "ANK", "XXX", "NEW"]),  # text grade after letters
])
def test_grades_and_missing_grades(grades, expected):
    # NEW is in 客户 without a grade, XXX is not in 客户 at all: both come last, by row
    lines = [line(2, "XXX"), line(3, "NEW"), line(4, "DGT"), line(5, "BLK"), line(6, "ANK")]
    result = allocate({"PB-10K": 10000}, lines, {**grades, "NEW": ""})
    assert [x.customer for x in result.lines] == expected


def test_grade_rank():
    assert sorted(["", "C", "b", "A级", "VIP", "Ａ类"], key=grade_rank) == ["A级", "Ａ类", "b", "C", "VIP", ""]


def test_missing_due_or_order_date_sorts_last_within_the_grade():
    lines = [line(2, due=None), line(3, due=dt.date(2027, 3, 1)), line(4, ordered=None, due=dt.date(2027, 3, 1)),
             line(5, "BLK", due=dt.date(2026, 11, 30))]
    assert [x.row for x in allocate({"PB-10K": 0}, lines, GRADES).lines] == [3, 4, 2, 5]


def test_zero_stock_and_unknown_model_allocate_nothing_but_say_which():
    lines = [line(2, model="WL-15"), line(3, model="HUB-7")]
    result = allocate({"WL-15": 0, "CB-L2C": 5000}, lines, GRADES)
    assert served(result) == [(2, 0, 1000), (3, 0, 1000)]
    models = {m.model: (m.stock, m.demand, m.allocated, m.short, m.left, m.listed) for m in result.models}
    assert models == {"WL-15": (0, 1000, 0, 1000, 0, True), "HUB-7": (0, 1000, 0, 1000, 0, False),
                      "CB-L2C": (5000, 0, 0, 0, 5000, True)}
    assert not result.ok


def test_open_quantity_is_quantity_minus_shipped_and_closed_lines_are_left_out():
    lines = [
        line(2, qty=1000, shipped=400),                     # partial: 600 open
        line(3, qty=1000, shipped=1000, status="已出货"),    # fully shipped
        line(4, qty=1000, shipped=None, status="已出货"),    # shipped, quantity not recorded: closed
        line(5, qty=1000, status="取消"),                    # cancelled
        line(6, qty=1000, shipped=1200),                    # over-shipped: nothing open
        line(7, qty=1000, status="暂停"),                    # on hold: open unless skipped
        line(8, qty=None),                                  # unusable quantity: reported
    ]
    result = allocate({"PB-10K": 1000}, lines, GRADES)
    assert served(result) == [(2, 600, 0), (7, 400, 600)]
    assert [(i.cell, i.code) for i in result.issues] == [("D8", "allocation-no-quantity")]
    assert served(allocate({"PB-10K": 1000}, lines, GRADES, skip=("on_hold",))) == [(2, 600, 0)]


def test_models_and_customers_match_loosely_and_stock_rows_add_up():
    lines = [line(2, "anker innovations", model="ｐｂ-10k"), line(3, "BLK", model="PB-10K ")]
    customers = {"ANK": type("C", (), {"grade": "A", "name": "Anker Innovations"})(), "BLK": "B"}
    result = allocate({"PB-10K": 700, "pb-10k": 300}, lines, customers)
    assert served(result) == [(2, 1000, 0), (3, 0, 1000)]
    assert result.lines[0].grade == "A"


def test_customer_shortfalls_list_what_each_will_miss():
    lines = [line(2, "ANK", model="A1"), line(3, "BLK", model="A1"), line(4, "BLK", model="B2", qty=300),
             line(5, "DGT", model="B2")]
    result = allocate({"A1": 1500, "B2": 300}, lines, GRADES)
    assert [(c.customer, c.grade, c.short, [x.order_no for x in c.lines]) for c in result.shortages] == [
        ("BLK", "B", 500, ["SO003"]), ("DGT", "C", 1000, ["SO005"])]
    doc = result.to_dict()
    assert doc["customers"][0] == {"customer": "BLK", "grade": "B", "short": 500, "lines": [
        {"row": 3, "order_no": "SO003", "model": "A1", "open_qty": 1000, "allocated": 500, "short": 500}]}
    assert "1,500 short (2 lines, 2 customers)" in result.summary("en")


def test_every_text_has_both_languages():
    for key, (zh, en) in ALLOCATION.items():
        assert zh and en, key


# ------------------------------------------------------------------------------------------ stock file

def test_read_the_sample_stock_workbook():
    stock, issues = read_stock(ROOT / "workbooks" / "stock.xlsx")
    assert issues == []
    assert stock["CB-C2C"] == 25000 and stock["TWS-P3"] == 3000 and stock["WL-15"] == 0
    assert "HUB-7" not in stock and "合计" not in stock


@pytest.mark.parametrize("headers", [["Model", "Warehouse", "Available"], ["料号", "仓库", "库存"],
                                     ["P/N", "WH", "Qty"], ["型号", "库位", "可用库存(PCS)"]])
def test_stock_header_aliases(tmp_path, headers):
    path = stock_builder.build_stock(tmp_path / "s.xlsx", headers=headers, rows=[["PB-10K", "A", 100],
                                                                             ["PB-10K", "B", 50]], sheet="Sheet1")
    assert read_stock(path)[0] == {"PB-10K": 150}


def test_bad_and_negative_stock_count_as_zero_and_are_reported(tmp_path):
    path = stock_builder.build_stock(tmp_path / "stock-bad-and-negative.xlsx", headers=["型号", "可用库存"],
                                     rows=[["PB-10K", "lots"], ["CH-20W", -5], ["WL-15", 10]], title=None,
                                     total=False)
    stock, issues = read_stock(path)
    assert stock == {"PB-10K": 0, "CH-20W": 0, "WL-15": 10}
    assert [(i.cell, i.code) for i in issues] == [("B2", "bad-stock"), ("B3", "negative-stock")]


def test_stock_workbook_without_the_columns_says_what_to_fix(tmp_path):
    path = stock_builder.build_stock(tmp_path / "stock-no-qty.xlsx", headers=["型号", "品名", "仓库"],
                                     rows=[["PB-10K", "x", "A"]], total=False)
    with pytest.raises(MissingColumnsError, match="可用库存"):
        read_stock(path)
    notbook = tmp_path / "stock.xlsx"
    notbook.write_text("model,qty\n")
    with pytest.raises(UnusableWorkbookError):
        read_stock(notbook)


def test_stock_schema_names_its_columns_in_both_languages():
    assert [(c.zh, c.en) for c in STOCK.columns] == [("型号", "Model"), ("可用库存", "Available"),
                                                     ("仓库", "Warehouse")]


# ------------------------------------------------------------------------------------------- the door

def test_allocate_the_sample_and_reread_the_sidecar(tmp_path):
    master = tmp_path / "orders.xlsx"
    master.write_bytes((ROOT / "workbooks" / "orders.xlsx").read_bytes())
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    result = allocate_workbook(master, ROOT / "workbooks" / "stock.xlsx")
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before
    assert result.path == allocation_path(master) == tmp_path / "orders.allocation.xlsx"
    models = {m.model: m for m in result.models}
    assert models["WL-15"].allocated == 0 and models["WL-15"].listed
    assert not models["HUB-7"].listed
    assert models["TWS-A1"].short == 0 and models["TWS-A1"].left == 0
    assert models["CB-L2C"].demand == 0 and models["CB-L2C"].left == 5000
    assert any(m.short for m in result.models)  # the sample stock is short somewhere
    for m in result.models:  # per model, ranks are a grade/due/order-date/row queue
        queue = [x for x in result.lines if x.model == m.model]
        keys = [(grade_rank(x.grade), x.due_date or dt.date.max, x.order_date or dt.date.max, x.row) for x in queue]
        assert keys == sorted(keys)
        # nobody further down the queue gets anything while someone above is short
        shorts = [x.short > 0 for x in queue]
        after_first_short = queue[shorts.index(True) + 1:] if any(shorts) else []
        assert all(x.allocated == 0 for x in after_first_short)

    book = CalamineWorkbook.from_path(str(result.path))
    assert book.sheet_names == ["分配", "客户缺货", "库存"]
    grid = book.get_sheet_by_name("分配").to_python()
    # a title naming the workbooks and what came of it, then the table (the master's row number last)
    assert grid[0][0] == "缺货分配 — 分配" and grid[1][0].startswith("orders.xlsx + stock.xlsx · ")
    assert grid[1][0].endswith(result.summary("zh"))
    assert grid[3] == ["型号", "顺序", "订单号", "客户", "等级", "客户交期", "下单日期", "未出数量", "分配数量",
                       "缺货数量", "跟单员", "行"]
    assert [(r[2], int(r[8]), int(r[9]), int(r[11])) for r in grid[4:]] == [(x.order_no, x.allocated, x.short, x.row)
                                                                             for x in result.lines]
    customers = book.get_sheet_by_name("客户缺货").to_python()
    assert [(r[0], int(r[2])) for r in customers[4:]] == [(c.customer, c.short) for c in result.shortages]
    assert result.to_dict()["path"] == str(result.path)
    assert "open lines" in result.to_text("en")


def test_the_allocation_sheets_print_and_say_their_day(tmp_path):
    from openpyxl import load_workbook

    from conftest import WORKBOOKS, print_setup

    master = tmp_path / "orders.xlsx"
    master.write_bytes((WORKBOOKS / "orders.xlsx").read_bytes())
    result = allocate_workbook(master, WORKBOOKS / "stock.xlsx", today=dt.date(2026, 11, 26))
    wb = load_workbook(result.path)
    assert wb["分配"]["A2"].value.startswith("orders.xlsx + stock.xlsx · 2026-11-26 · ")
    for ws, orientation in ((wb["分配"], "landscape"), (wb["客户缺货"], "portrait"), (wb["库存"], "portrait")):
        assert print_setup(ws) == {"orientation": orientation, "paper": 9, "fit": True, "title_rows": "$4:$4",
                                   "page_numbers": True}
    assert wb["客户缺货"]["E5"].alignment.wrap_text  # the orders short: wrapped, never cut


def build_orders(path: Path, rows: list[list]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("订单")
    ws.write_row(0, 0, ["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "已出货数量", "状态"])
    for r, values in enumerate(rows, start=1):
        for c, v in enumerate(values):
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date)
            elif v is not None:
                ws.write(r, c, v)
    cs = wb.add_worksheet("客户")
    cs.write_row(0, 0, ["客户代码", "客户名称", "等级"])
    cs.write_row(1, 0, ["ANK", "Anker", "A"])
    cs.write_row(2, 0, ["BLK", "蓝科", "B"])
    wb.close()
    return path


def test_orders_naming_customers_by_name_get_their_grade(tmp_path):
    d = dt.date(2026, 12, 1)
    master = build_orders(tmp_path / "orders.xlsx", [["SO1", "蓝科", "X", 100, d, d, None, ""],
                                                     ["SO2", "Anker", "X", 100, d, d, None, ""]])
    stock = stock_builder.build_stock(tmp_path / "stock.xlsx", headers=["型号", "可用库存"], rows=[["X", 100]])
    result = allocate_workbook(master, stock, out=tmp_path / "out.xlsx")
    assert [(x.order_no, x.grade, x.allocated) for x in result.lines] == [("SO2", "A", 100), ("SO1", "B", 0)]
    assert result.path == tmp_path / "out.xlsx"


def test_allocate_workbook_never_writes_over_its_inputs(tmp_path):
    from gendan_xl.errors import GendanError

    master = tmp_path / "orders.xlsx"
    master.write_bytes((ROOT / "workbooks" / "orders.xlsx").read_bytes())
    before = master.read_bytes()
    with pytest.raises(GendanError, match="is an input"):
        allocate_workbook(master, ROOT / "workbooks" / "stock.xlsx", out=master)
    assert master.read_bytes() == before
