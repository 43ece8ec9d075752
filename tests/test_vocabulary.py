"""Workbooks laid out the way real factories lay them out: their headers, their status words, their drop-downs,
tables sharing a sheet. Every expected status below was worked out by hand (the working is in the comments).

The calendar is China 2026's (chinesecalendar), Mon–Fri. Today is Fri 2026-11-27. Product TWS-1 takes material 5,
production 10, inspection 2, packing 2 and shipping 3 working days (22 in all).
"""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from gendan_xl.books.master import load_master, status_of, validate_workbook
from gendan_xl.books.refresh import refresh_workbook
from gendan_xl.doors.cli import main
from gendan_xl.schema import Vocabulary
from gendan_xl.xlsx.read import open_book

D = dt.date
TODAY = D(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 9, 0)


def products(wb, model="TWS-1"):
    ws = wb.create_sheet("产品")
    ws.append(["型号", "备料天数", "生产天数", "验货天数", "包装天数", "出运天数"])
    ws.append([model, 5, 10, 2, 2, 3])


def save(wb, path):
    wb.save(path)
    return path


def statuses(path, **kw):
    kw.setdefault("vocabulary", Vocabulary())
    master = load_master(path, lean=True, vocabulary=kw.pop("vocabulary"))
    result = status_of(master, today=TODAY, **kw)
    return {line.order_no: (line.status, line.reason(kw.get("lang") or master.orders.lang))
            for line in result.result.lines}, result


# -- 1. a Chinese tracker: 款号, 交货期 / 回复交期, 已出数, 生产进度 with the factory's own words ---------------------

CHINESE_HEADERS = ["订单编号", "客户", "款号", "订单数", "下单日", "交货期", "回复交期", "已出数", "出货日期", "生产进度", "跟单"]


def chinese_tracker(tmp_path, shipped_header="已出数"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "跟单表"
    ws.append(["2026 年订单进度表"])
    ws.append(["更新：跟单部"])
    ws.append([shipped_header if h == "已出数" else h for h in CHINESE_HEADERS])
    o = D(2026, 10, 8)
    rows = [
        ["SO-01", "ANK", "TWS-1", 1000, o, D(2026, 12, 18), None, None, None, "待料", "张丽"],
        ["SO-02", "ANK", "TWS-1", 1000, o, D(2026, 12, 31), None, None, None, "已下单", "张丽"],
        ["SO-03", "ANK", "TWS-1", 1000, o, D(2026, 12, 31), None, None, None, "在产", "张丽"],
        ["SO-04", "ANK", "TWS-1", 1000, o, D(2026, 12, 18), None, None, None, "待验货", "王芳"],
        ["SO-05", "ANK", "TWS-1", 1000, o, D(2026, 12, 2), None, None, None, "已验货", "王芳"],
        ["SO-06", "ANK", "TWS-1", 1000, o, D(2026, 11, 30), None, None, D(2026, 11, 20), "待出货", "王芳"],
        ["SO-07", "ANK", "TWS-1", 1000, o, D(2026, 11, 25), None, None, D(2026, 11, 24), "已装柜", "李强"],
        ["SO-08", "ANK", "TWS-1", 1000, o, D(2026, 11, 25), None, 400, D(2026, 11, 20), None, "李强"],
        ["SO-09", "ANK", "TWS-1", 1000, o, D(2026, 12, 10), D(2026, 12, 18), None, None, "在产", "李强"],
        ["SO-10", "ANK", "TWS-1", 1000, o, D(2026, 12, 31), None, None, None, "特急", "李强"],
        ["SO-11", "ANK", "TWS-1", 1000, o, D(2026, 12, 31), None, None, None, "特急", "李强"],
    ]
    for r in rows:
        ws.append(r)
    products(wb)
    return save(wb, tmp_path / "跟单表.xlsx")


CHINESE_EXPECTED = {
    # 待料 = waiting material: nothing done. Due Fri 12-18 plans material by 11-25 (5+10+2+2+3 back), passed.
    "SO-01": ("at_risk", "到料计划 11-25，尚未到料"),
    # 已下单 = confirmed. Due Thu 12-31: ship 12-28, inspection 12-24, finish 12-22, material 12-08 — all ahead.
    # Working days in (11-27, 12-31]: 11-30 + 23 December weekdays = 24; all 22 to do → slack 2.
    "SO-02": ("on_track", "下一步：到料 12-08，富余 2 个工作日"),
    # 在产 = in production: material in and started (no 上线日期, so all 10 production days still count):
    # 10+2+2+3 = 17 to do, 24 left → slack 7; next is production finish, planned 12-22.
    "SO-03": ("on_track", "下一步：完工 12-22，富余 7 个工作日"),
    # 待验货 = production finished. Due 12-18: inspection planned 12-11; 2+2+3 = 7 to do, 15 left → slack 8.
    "SO-04": ("on_track", "下一步：验货 12-11，富余 8 个工作日"),
    # 已验货 = inspection passed: packing + shipping = 5 to do; due Wed 12-02 leaves 11-30, 12-01, 12-02 = 3.
    "SO-05": ("at_risk", "还需 5 个工作日，只剩 3 个工作日，客户交期 12-02"),
    # 待出货 with a past 出货日期 and no 已出数: the status says the goods have not left, so 11-20 was a plan.
    # Due Mon 11-30: shipping (3 days) had to start by 11-25 — passed.
    "SO-06": ("at_risk", "出货计划 11-25，尚未出货；出货日期 11-20 已过，但状态是“待出货”，按未出货计算"),
    # 已装柜 = loaded: shipped 11-24, due 11-25.
    "SO-07": ("shipped_on_time", "11-24 已出货，客户交期 11-25"),
    # 已出数 400 of 1000: still open, and past its due date 11-25 by two days.
    "SO-08": ("overdue", "逾期 2 天，尚未出齐，客户交期 11-25；已出 400/1000，余 600 未出"),
    # Customer due 12-10 (交货期), factory 12-18 (回复交期): the customer's date decides. 在产: 17 to do;
    # working days in (11-27, 12-10]: 11-30…12-04 (5) + 12-07…12-10 (4) = 9.
    "SO-09": ("at_risk", "还需 17 个工作日，只剩 9 个工作日，客户交期 12-10（工厂交期 12-18）"),
    # 特急 (rush) is no stage: judged by dates alone — all 22 days to do, 24 left, material by 12-08.
    "SO-10": ("on_track", "下一步：到料 12-08，富余 2 个工作日"),
    "SO-11": ("on_track", "下一步：到料 12-08，富余 2 个工作日"),
}


def test_chinese_tracker_gives_the_hand_worked_statuses(tmp_path):
    got, _ = statuses(chinese_tracker(tmp_path))
    assert got == CHINESE_EXPECTED


def test_chinese_tracker_reports_its_unknown_word_once_with_the_fix(tmp_path):
    report = validate_workbook(chinese_tracker(tmp_path))
    words = [i for i in report.issues if i.code == "unknown-status"]
    assert [(i.cell, i.value, i.severity) for i in words] == [("J13", "特急", "warning")]
    assert "（2 行）" in words[0].message and '[statuses] "特急"' in words[0].message


def test_an_unrecognised_shipped_column_is_a_warning_naming_the_cell_and_the_mapping(tmp_path):
    """已出件数 is no spelling we know: the 400 shipped would be ignored, so the user is told where and how."""
    path = chinese_tracker(tmp_path, shipped_header="已出件数")
    got, result = statuses(path)
    # without the quantity the past 出货日期 reads as the whole shipment — wrong, hence the warning
    assert got["SO-08"] == ("shipped_on_time", "11-20 已出货，客户交期 11-25")
    unmapped = [i for i in result.issues if i.code == "unmapped-header"]
    assert [(i.cell, i.value) for i in unmapped] == [("H3", "已出件数")]
    assert '[columns] shipped_qty = ["已出件数"]' in unmapped[0].message
    # the user pastes the line: the quantity is read and the line is open again
    fixed, _ = statuses(path, vocabulary=Vocabulary.of({"shipped_qty": ["已出件数"]}))
    assert fixed["SO-08"] == CHINESE_EXPECTED["SO-08"]


# -- 2. an English "Order Tracking" sheet: ERP-style headers, statuses in English ------------------------------

def english_tracker(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Order Tracking"
    ws.append(["Order No.", "Customer", "Cust PO", "Item No.", "Description", "Qty", "PO Date", "Request Date",
               "Confirmed Date", "Qty Shipped", "Ship Date", "Status", "Merchandiser"])
    o = D(2026, 10, 8)
    rows = [
        ["A-1", "Acme", "P1", "TWS-1", "earbuds", 500, o, D(2026, 12, 18), None, None, None, "Waiting material", "Amy"],
        ["A-2", "Acme", "P2", "TWS-1", "earbuds", 500, o, D(2026, 11, 25), None, 200, D(2026, 11, 20),
         "Shipped partially", "Amy"],
        ["A-3", "Acme", "P3", "TWS-1", "earbuds", 500, o, D(2026, 12, 31), None, None, D(2026, 11, 23),
         "Shipped partially", "Amy"],
        ["A-4", "Acme", "P4", "TWS-1", "earbuds", 500, o, D(2026, 12, 18), D(2026, 12, 11), None, None,
         "In production", "Bob"],
        ["A-5", "Acme", "P5", "TWS-1", "earbuds", 500, o, D(2026, 11, 20), None, 500, D(2026, 11, 23), "Shipped", "Bob"],
        ["A-6", "Acme", "P6", "TWS-1", "earbuds", 500, o, D(2026, 12, 18), None, None, None, "On hold", "Bob"],
        ["A-7", "Acme", "P7", "TWS-1", "earbuds", 500, o, D(2026, 11, 2), None, None, None, "Cancelled", "Bob"],
        ["A-8", "Acme", "P8", "TWS-1", "earbuds", 500, o, D(2026, 12, 18), None, None, None, "Pending QC", "Bob"],
    ]
    for r in rows:
        ws.append(r)
    products(wb)
    return save(wb, tmp_path / "order-tracking.xlsx")


ENGLISH_EXPECTED = {
    # Waiting material, due 12-18: material was due 11-25.
    "A-1": ("at_risk", "material planned 11-25, not done"),
    # 200 of 500 shipped, due 11-25: two days overdue, not fully shipped.
    "A-2": ("overdue", "2 days overdue, not fully shipped, customer due 11-25; partly shipped 200 of 500, 300 to go"),
    # Shipped partially with no quantity: a past ship date is one shipment, not the whole line — still open.
    # Due 12-31 plans material by 12-08; a shipment proves production and inspection done, so 2+3 = 5 to do
    # (packing, shipping) of 24 working days left: slack 19; the next step is packing, planned 12-28.
    "A-3": ("on_track", "next: packing 12-28, 19 working days to spare; "
                        "the status says partly shipped; the shipped quantity is blank"),
    # Confirmed Date (the factory's) 12-11 is before the customer's 12-18: the customer's decides by default.
    # In production: 17 to do, 15 left before 12-18.
    "A-4": ("at_risk", "needs 17 working days, only 15 left, customer due 12-18 (factory due 12-11)"),
    # Shipped 11-23, three days after the request date 11-20.
    "A-5": ("shipped_late", "shipped 11-23, 3 days late, customer due 11-20"),
    # On hold: still judged by its dates (material was due 11-25), and the reason says it is on hold.
    "A-6": ("at_risk", "material planned 11-25, not done; on hold"),
    "A-7": ("cancelled", "cancelled"),
    # Pending QC is no word we know: judged by dates alone, like A-1.
    "A-8": ("at_risk", "material planned 11-25, not done"),
}


def test_english_tracker_gives_the_hand_worked_statuses(tmp_path):
    path = english_tracker(tmp_path)
    got, result = statuses(path)
    assert got == ENGLISH_EXPECTED
    assert [(i.cell, i.value) for i in result.issues if i.code == "unknown-status"] == [("L9", "Pending QC")]


def test_english_tracker_by_the_factory_date(tmp_path):
    got, _ = statuses(english_tracker(tmp_path), due="factory")
    # A-4 planned by its Confirmed Date 12-11: 17 to do, (11-27, 12-11] holds 10 working days.
    assert got["A-4"] == ("at_risk", "needs 17 working days, only 10 left, factory due 12-11 (customer due 12-18)")
    assert got["A-5"] == ENGLISH_EXPECTED["A-5"]  # no factory date: the customer's is the fallback


def test_inspect_names_every_header_and_suggests_the_status_line(tmp_path, capsys):
    path = english_tracker(tmp_path)
    assert main(["inspect", str(path), "--today", TODAY.isoformat(), "--json", "--lang", "en"]) == 1
    full = json.loads(capsys.readouterr().out)
    doc = full["result"]
    assert (doc["sheet"], doc["header_row"], doc["columns"]) == ("Order Tracking", 1, "A:M")
    fields = {h["header"]: h["field"] for h in doc["headers"]}
    assert fields == {"Order No.": "order_no", "Customer": "customer", "Cust PO": "customer_po", "Item No.": "model",
                      "Description": "product_name", "Qty": "quantity", "PO Date": "order_date",
                      "Request Date": "customer_due_date", "Confirmed Date": "factory_due_date",
                      "Qty Shipped": "shipped_qty", "Ship Date": "ship_date", "Status": "status",
                      "Merchandiser": "merchandiser"}
    words = {s["word"]: (s["rows"], s["stage"]) for s in doc["statuses"]}
    assert words["Shipped partially"] == (2, "partially_shipped") and words["Pending QC"] == (1, None)
    assert '"Pending QC" = "inspection"' in doc["snippet"]  # a guess from the "QC" inside it, marked to check
    assert not full["ok"]


# -- 3. the order table shares its sheet with another table ------------------------------------------------------

def shared_sheet(tmp_path):
    """A stock summary in A:C ("Item #", "Quantity", "Total" — spellings of our own fields) beside the orders in
    E:L, on the same header row; its totals line sits beside an order line and it runs on below the orders;
    a note under the orders. Read by the first alias in the row, "Item #" would be the model and its "Total"
    row would end the orders."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["Item #", "Quantity", "Total", None, "订单号", "客户", "型号", "数量", "下单日期", "客户交期", "出货日期",
               "状态"])
    o = D(2026, 10, 8)
    orders = [
        ["S-1", "ANK", "TWS-1", 100, o, D(2026, 12, 18), None, "在产"],
        ["S-2", "ANK", "TWS-1", 100, o, D(2026, 11, 20), D(2026, 11, 19), "已出货"],
        ["S-3", "ANK", "TWS-1", 100, o, D(2026, 11, 25), None, "待出货"],
    ]
    stock = [["TWS-1", 5000, 5000], ["Total", None, 5000], ["CH-20", 800, 800], ["HUB-7", 40, 840],
             ["CB-L2", 900, 1740], ["PB-10", 70, 1810]]
    for i, s in enumerate(stock):
        ws.append(s + [None] + (orders[i] if i < len(orders) else [None] * 8))
    ws.append([])
    ws.append([None] * 4 + ["制表：张丽"])
    products(wb)
    return save(wb, tmp_path / "shared.xlsx")


def test_the_order_table_is_found_beside_another_table(tmp_path):
    path = shared_sheet(tmp_path)
    master = load_master(path)
    assert master.orders.block == range(4, 12)  # E:L — the stock table's "Item #", "Quantity", "Total" are not ours
    assert master.orders.columns["model"] == 6 and "amount" not in master.orders.columns
    assert [r.values["order_no"] for r in master.orders.rows] == ["S-1", "S-2", "S-3"]
    got, _ = statuses(path)
    assert got == {
        # 在产, due 12-18: 17 to do, 15 left.
        "S-1": ("at_risk", "还需 17 个工作日，只剩 15 个工作日，客户交期 12-18"),
        "S-2": ("shipped_on_time", "11-19 已出货，客户交期 11-20"),
        # 待出货, due 11-25: two days overdue.
        "S-3": ("overdue", "逾期 2 天，尚未出货，客户交期 11-25"),
    }


def test_refresh_writes_only_the_order_lines_and_leaves_the_other_table_alone(tmp_path):
    path = shared_sheet(tmp_path)
    before = open_book(path).values("订单")
    result = refresh_workbook(path, today=TODAY, now=NOW)
    after = open_book(path).values("订单")
    status_col = result.columns["status"]
    assert status_col == 12  # right after everything in use
    written = {r + 1: row[status_col] for r, row in enumerate(after) if status_col < len(row) and row[status_col]}
    assert written == {1: "交期状态 / Lead-time status", 2: "有风险", 3: "准时出货", 4: "逾期"}
    for r, row in enumerate(before):  # every cell that was there is still there, the stock table included
        assert after[r][:len(row)] == row, r + 1


# -- 4. a status drop-down whose words live in a range on another sheet -------------------------------------------

def dropdown_on_a_range(tmp_path, source="设置!$A$2:$A$8"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "状态"])
    o = D(2026, 10, 8)
    for row in [["D-1", "ANK", "TWS-1", 100, o, D(2026, 12, 18), "备料"],
                ["D-2", "ANK", "TWS-1", 100, o, D(2026, 12, 18), "做货中"],
                ["D-3", "ANK", "TWS-1", 100, o, D(2026, 12, 18), "做货中"],
                ["D-4", "ANK", "TWS-1", 100, o, D(2026, 12, 18), "QC完"]]:
        ws.append(row)
    lists = wb.create_sheet("设置")
    for word in ["状态", "备料", "做货中", "QC完", "待出", "已走", "取消", "客户暂缓"]:
        lists.append([word])
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    dv.add("G2:G1000")
    ws.add_data_validation(dv)
    products(wb)
    return save(wb, tmp_path / "dropdown.xlsx")


def test_the_status_dropdown_is_read_and_each_unmapped_word_is_one_warning(tmp_path):
    path = dropdown_on_a_range(tmp_path)
    master = load_master(path)
    assert master.dropdown == ("备料", "做货中", "QC完", "待出", "已走", "取消", "客户暂缓")
    report = validate_workbook(path)
    words = {i.value: (i.cell, i.message) for i in report.issues if i.code == "unknown-status"}
    # 备料 (waiting material) and 取消 (cancelled) are ours; the factory's own words are reported once each,
    # at their first line, or at the 状态 header when no line uses them yet
    assert {w: cell for w, (cell, _) in words.items()} == {"做货中": "G3", "QC完": "G5", "待出": "G1", "已走": "G1",
                                                             "客户暂缓": "G1"}
    assert "（2 行）" in words["做货中"][1] and "（0 行）" in words["已走"][1]
    assert report.ok  # warnings only: every line is still judged


def test_the_users_words_for_the_dropdown_change_the_statuses(tmp_path):
    path = dropdown_on_a_range(tmp_path)
    mine = Vocabulary.of(statuses={"做货中": "in_production", "QC完": "ready_to_ship", "待出": "ready_to_ship",
                                   "已走": "shipped", "客户暂缓": "on_hold"})
    got, result = statuses(path, vocabulary=mine)
    assert got == {
        # 备料 = waiting material, due 12-18: material was due 11-25.
        "D-1": ("at_risk", "到料计划 11-25，尚未到料"),
        # 做货中 = in production: 17 to do, 15 left before 12-18.
        "D-2": ("at_risk", "还需 17 个工作日，只剩 15 个工作日，客户交期 12-18"),
        "D-3": ("at_risk", "还需 17 个工作日，只剩 15 个工作日，客户交期 12-18"),
        # QC完 = inspection passed: packing + shipping = 5 to do, 15 left; next is packing, planned 12-15.
        "D-4": ("on_track", "下一步：包装 12-15，富余 10 个工作日"),
    }
    assert not [i for i in result.issues if i.code == "unknown-status"]


@pytest.mark.parametrize("source, words", [
    ('"备料,做货中,QC完"', ("备料", "做货中", "QC完")),  # inline
    ("$K$2:$K$3", ()),  # a range on the orders sheet itself, empty here
])
def test_inline_and_same_sheet_dropdowns(tmp_path, source, words):
    master = load_master(dropdown_on_a_range(tmp_path, source=source))
    assert master.dropdown == words


def test_a_dropdown_that_cannot_be_read_says_so(tmp_path):
    report = validate_workbook(dropdown_on_a_range(tmp_path, source="INDIRECT($A$1)"))
    bad = [i for i in report.issues if i.code == "unreadable-dropdown"]
    assert [(i.cell, i.value) for i in bad] == [("G1", "INDIRECT($A$1)")]


def test_status_json_carries_the_whole_plan_of_each_line(tmp_path, capsys):
    path = chinese_tracker(tmp_path)
    main(["status", str(path), "--today", TODAY.isoformat(), "--json"])
    doc = json.loads(capsys.readouterr().out)["result"]
    line = next(x for x in doc["orders"] if x["order_no"] == "SO-04")  # 待验货, due 12-18
    assert line["stage"] == "inspection" and line["due_basis"] == "customer"
    assert [(m["milestone"], m["planned"], m["actual"], m["state"]) for m in line["milestones"]] == [
        ("material", "2026-11-25", None, "done"),  # done: the stage says production finished
        ("production_start", "2026-11-26", None, "done"),
        ("production_finish", "2026-12-09", None, "done"),
        ("inspection", "2026-12-11", None, "pending"),
        ("packing", "2026-12-15", None, "pending"),
        ("ship", "2026-12-15", None, "pending")]
    late = next(x for x in doc["orders"] if x["order_no"] == "SO-01")  # 待料: material due 11-25, start 11-26
    assert [m["state"] for m in late["milestones"]][:3] == ["late", "late", "pending"]
    assert late["milestones"][0]["label"] == "到料"


def test_review_and_allocation_read_the_users_status_words():
    from gendan_xl.allocate import allocate
    from gendan_xl.review import is_new
    from gendan_xl.orders import Order

    mine = Vocabulary.of(statuses={"待审单": "new", "已走": "shipped"})
    assert is_new(Order(row=2, status="待审单"), mine) and not is_new(Order(row=2, status="待审单"))
    lines = [Order(row=2, order_no="A", customer="X", model="PB 10K", quantity=100, status="已走"),
             Order(row=3, order_no="B", customer="X", model="pb-10k", quantity=100)]
    # 已走 (the user's word for shipped, quantity blank) is fully shipped: B alone takes the stock; the model is
    # matched across spaces, hyphens and case, as validation matches it
    result = allocate({"PB-10K": 100}, lines, {"X": "A"}, vocabulary=mine)
    assert [(x.order_no, x.allocated) for x in result.lines] == [("B", 100)]
