"""Reading: header detection, aliases, values as people type them, cell references."""
from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

import pytest

from conftest import CORPUS, WORKBOOKS, good_row, needs_corpus, write_book
from gendan_xl import schema
from gendan_xl.errors import MissingColumnsError, MissingSheetError
from gendan_xl.values import parse_date, parse_number
from gendan_xl.xlsx.read import open_book, read_sheet, read_table


@pytest.mark.parametrize("family, spellings", [
    ("customer_due_date", ["交期", "交货期", "客户交期", "要求交期", "Delivery date", "Due Date", "due date", "CRD"]),
    ("order_no", ["订单号", "订单编号", "PO号", "Order No.", "ORDER NO", "order no"]),
    ("model", ["型号", "机型", "料号", "Model", "P/N", "p/n"]),
    ("quantity", ["数量", "订单数量", "Qty", "QTY", "Quantity", "数量(pcs)"]),
    ("unit_price", ["单价", "单价(USD)", "单价（美元）", "Unit Price", "U/P"]),
    ("order_date", ["下单日期", "订单日期", "Order Date", "ＯＲＤＥＲ　ＤＡＴＥ"]),  # full-width letters and space
    ("ship_date", ["出货日期", "发货日期", "Ship Date", " ship  date ", "实际出货日期", "ATD"]),
    # ETD and 船期 are plans (estimated departure), never a shipment: weakly the factory's promised date
    ("factory_due_date", ["工厂交期", "回复交期", "确认交期", "Promised Date", "Ex-Factory Date", "ETD", "船期"]),
    ("shipped_qty", ["已出数", "已出货数", "出货数量", "实出数量", "Ship Qty", "Qty Shipped", "已出货数量（PCS）"]),
    ("open_qty", ["未出数", "欠数", "Balance Qty", "Open Qty"]),
    ("cancelled", ["是否取消", "Cancelled (Y/N)", "作废"]),
    ("merchandiser", ["跟单员", "跟单", "Merchandiser"]),
])
def test_header_alias_families(family, spellings):
    for text in spellings:
        assert schema.match_headers(schema.ORDERS, [text]) == {0: family}, text


def test_header_under_title_rows_and_unknown_columns_kept(book):
    path = book([good_row(), good_row(订单号="SO2")],
                headers=["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "颜色"],
                title_rows=[["2026年订单跟踪表"], [], ["制表：张丽"]])
    table = read_sheet(path)
    assert table.header_row == 4
    assert [r.row for r in table.rows] == [5, 6]
    assert table.rows[0].ref("customer_due_date") == "F5"
    assert "颜色" not in table.columns and table.headers[6] == "颜色"


def test_stops_at_totals_row_and_notes_but_not_at_one_blank_line(book):
    rows = [good_row(订单号="SO1"), [], good_row(订单号="SO2"), ["合计", None, None, 2000], [],
            ["制表：张丽", None, "审核：王"]]
    table = read_sheet(book(rows))
    assert [r.values["order_no"] for r in table.rows] == ["SO1", "SO2"]


def test_notes_after_blank_rows_end_the_table(book):
    table = read_sheet(book([good_row(), [], [], ["制表：张丽", None, None, None, None, None, None, "审核：王"]]))
    assert len(table.rows) == 1


TODAY_ANCHOR = dt.date(2026, 10, 20)


@pytest.mark.parametrize("raw, expected", [
    (dt.datetime(2026, 11, 3, 0, 0), dt.date(2026, 11, 3)),
    (dt.date(2026, 11, 3), dt.date(2026, 11, 3)),
    (46329, dt.date(2026, 11, 3)),          # an Excel serial typed into a date column
    (46329.0, dt.date(2026, 11, 3)),
    ("46329", dt.date(2026, 11, 3)),
    ("2026/11/3", dt.date(2026, 11, 3)),
    ("2026-11-03", dt.date(2026, 11, 3)),
    ("2026.11.3", dt.date(2026, 11, 3)),
    ("2026年11月3日", dt.date(2026, 11, 3)),
    ("２０２６年１１月３日", dt.date(2026, 11, 3)),
    ("2026-11-03 00:00:00", dt.date(2026, 11, 3)),
    ("20261103", dt.date(2026, 11, 3)),
    ("11月3日", dt.date(2026, 11, 3)),       # year from the order date
    ("2026年11月3号", dt.date(2026, 11, 3)), ("11月3号", dt.date(2026, 11, 3)),  # 号, as people say the day
    ("1月15日", dt.date(2027, 1, 15)),       # well before the order date: next year
    ("2026/13/45", None), ("下周", None), ("", None), (12, None),
])
def test_date_forms(raw, expected):
    assert parse_date(raw, anchor=TODAY_ANCHOR) == expected


def test_month_day_without_anchor_is_not_a_date():
    assert parse_date("11月3日") is None


def test_1904_serials():
    # the same serial is four years and a day later in the 1900 system than in the 1904 one
    assert parse_date(44867, date1904=True) == dt.date(2026, 11, 3)


@pytest.mark.parametrize("raw, expected", [
    (1200, Decimal(1200)), (12.5, Decimal("12.5")), ("1,200", Decimal(1200)), ("¥12.50", Decimal("12.50")),
    ("￥1,234.5", Decimal("1234.5")), ("$8.34", Decimal("8.34")), ("USD 8.34", Decimal("8.34")),
    ("１２００", Decimal(1200)), (" 3 500 ", Decimal(3500)), ("12.5元", Decimal("12.5")),
    ("(1,200.00)", Decimal("-1200.00")), ("-3", Decimal(-3)), ("abc", None), ("1.2.3", None), (None, None),
    (True, None),
])
def test_number_forms(raw, expected):
    assert parse_number(raw) == expected


def test_typed_values_and_refs(book):
    path = book([good_row(数量="1,000", 单价="$8.50", 下单日期="2026/3/2", 客户交期="4月20日")])
    row = read_sheet(path).rows[0]
    assert row.values["quantity"] == 1000 and isinstance(row.values["quantity"], int)
    assert row.values["unit_price"] == Decimal("8.50")
    assert row.values["order_date"] == dt.date(2026, 3, 2)
    assert row.values["customer_due_date"] == dt.date(2026, 4, 20)
    assert row.raw["quantity"] == "1,000"
    assert row.ref("quantity") == "D2"


def test_1904_workbook_reads_date_cells_and_serials(book):
    path = book([good_row(下单日期=dt.date(2026, 3, 2), 客户交期=44867)], date1904=True)
    b = open_book(path)
    assert b.date1904
    row = read_table(b, schema.ORDERS).rows[0]
    assert row.values["order_date"] == dt.date(2026, 3, 2)
    assert row.values["customer_due_date"] == dt.date(2026, 11, 3)


def test_formula_without_cached_value_is_flagged(book):
    path = book([good_row(金额="=D2*E2")])  # openpyxl writes no cached value, as scripts do
    row = read_sheet(path).rows[0]
    assert row.errors == {"amount": "no-cached-value"}
    assert row.values["amount"] is None


def test_formula_cached_values_are_read_from_the_sample():
    row = read_sheet(WORKBOOKS / "orders.xlsx").rows[0]
    assert row.values["amount"] == (Decimal(row.values["quantity"]) * row.values["unit_price"]).quantize(
        Decimal("0.01"))
    assert not row.errors


def test_sample_layout():
    table = read_sheet(WORKBOOKS / "orders.xlsx")
    assert table.sheet == "订单" and table.header_row == 3 and len(table.rows) == 204
    assert len({r.values["customer"] for r in table.rows}) >= 12
    with zipfile.ZipFile(WORKBOOKS / "orders.xlsx") as zf:
        names = zf.namelist()
        sheet1 = zf.read("xl/worksheets/sheet1.xml").decode()
    assert any(n.startswith("xl/tables/") for n in names)          # a real Excel table
    assert "<pane" in sheet1 and "frozen" in sheet1                # frozen header
    assert "<dataValidation " in sheet1 and "<conditionalFormatting" in sheet1
    assert "<mergeCell " in sheet1                                 # the merged title


def test_missing_sheet_names_what_was_found(book):
    path = book([good_row()], sheet="Sheet1")
    with pytest.raises(MissingSheetError, match=r'has no sheet "订单 / Orders".*found: Sheet1'):
        read_sheet(path)
    assert read_sheet(path, sheet="Sheet1").rows


@pytest.mark.parametrize("command", ["status", "validate", "refresh"])
def test_sheet_named_in_another_case_is_found_as_excel_finds_it(book, capsys, command):
    from gendan_xl.doors.cli import main

    path = book([good_row()], sheet="Orders 2026")
    code = main([command, str(path), "--sheet", "orders 2026", *(["--today", "2026-11-26"] if command != "validate" else [])])
    assert code in (0, 1), capsys.readouterr().err  # read (1: issues found), not refused (3)


def test_no_header_row(book):
    path = book([["a", "b"]], headers=["foo", "bar"])
    with pytest.raises(MissingColumnsError, match="no header row"):
        read_sheet(path)


def test_english_headers_set_the_language(book):
    path = book([good_row()], headers=["Order No.", "Customer", "Model", "Qty", "Order Date", "Due Date"])
    assert read_sheet(path).lang == "en"


@needs_corpus
def test_1904_corpus_file_reads_dates():
    b = open_book(CORPUS / "sheetjs__1904__1904.xlsx")
    assert b.date1904
    rows = b.values(b.sheet_names[0])
    # column B holds the date of serial A in the 1904 system: 1 → 1904-01-02, 111 → 1904-04-21
    assert (rows[0][1], rows[2][1]) == (dt.date(1904, 1, 2), dt.date(1904, 4, 21))


def _same_as_read_table(path):
    """read_columns must see exactly what read_table sees: same lines, typed values, errors and raw values."""
    from gendan_xl.xlsx.read import read_columns

    book = open_book(path)
    table = read_table(book, schema.ORDERS)
    book = open_book(path)  # a fresh one: read_columns must not lean on read_table's cached grid
    cols = read_columns(book, schema.ORDERS, [c.field for c in schema.ORDERS.columns])
    assert book._cache == {}  # streamed, not kept
    assert (cols.sheet, cols.header_row, cols.columns, cols.headers, cols.lang) == \
        (table.sheet, table.header_row, table.columns, table.headers, table.lang)
    assert cols.row_numbers == [r.row for r in table.rows]
    for f in table.columns:
        assert cols.values[f] == [r.values[f] for r in table.rows], f
        want = {i: (r.errors[f], r.raw.get(f)) for i, r in enumerate(table.rows) if f in r.errors}
        assert cols.errors.get(f, {}) == want, f
    grid = open_book(path).values(table.sheet)
    filled = [[i + 1 for i, v in enumerate(r) if v is not None and str(v).strip()] for r in grid]
    assert cols.used_width == max(max(f, default=0) for f in filled)
    last = cols.row_numbers[-1] if cols.row_numbers else table.header_row
    assert set(cols.below) <= set(range(last + 1, len(grid) + 1))
    return cols


def test_read_columns_equals_read_table_on_the_messy_sample():
    cols = _same_as_read_table(WORKBOOKS / "orders_messy.xlsx")
    assert any(cols.errors.values())  # the messy sample has bad cells: they must come through


def test_read_columns_equals_read_table_on_edge_cases(book):
    rows = [good_row(数量="1,000", 单价="$8.50", 下单日期="2026/3/2", 客户交期="4月20日"),
            [], good_row(订单号="SO2", 客户交期="下周", 数量="很多", 金额="=D2*E2"),
            good_row(订单号="  ", 客户交期=" "),
            ["合计", None, None, 2000], [], ["制表：张丽", None, "审核：王"]]
    cols = _same_as_read_table(book(rows, title_rows=[["2026年订单跟踪表"], []]))
    assert cols.row_numbers == [4, 6, 7]
    assert cols.errors["customer_due_date"] == {1: ("bad-date", "下周")}
    assert cols.errors["amount"] == {1: ("no-cached-value", None)}
    assert cols.below == {8: ["合计", "", "", 2000.0] + [""] * (len(cols.headers) - 4),
                          10: ["制表：张丽", "", "审核：王"] + [""] * (len(cols.headers) - 3)}


def test_read_columns_equals_read_table_when_the_sheet_starts_away_from_a1(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    for r, row in enumerate([["订单号", "客户", "型号", "数量", "下单日期", "客户交期"],
                             ["SO1", "ANK", "PB-10K", 1000, dt.date(2026, 3, 2), dt.date(2026, 4, 20)],
                             ["SO2", "ANK", "PB-10K", "两千", dt.date(2026, 3, 2), "4月25日"]], start=4):
        for c, v in enumerate(row, start=3):
            ws.cell(r, c, v)
    wb.save(tmp_path / "offset.xlsx")
    cols = _same_as_read_table(tmp_path / "offset.xlsx")
    assert cols.columns["order_no"] == 2 and cols.row_numbers == [5, 6]
    assert cols.values["customer_due_date"] == [dt.date(2026, 4, 20), dt.date(2026, 4, 25)]


@pytest.mark.parametrize("command", ["status", "refresh", "validate"])
def test_a_header_in_two_rows_is_refused_naming_both_rows_and_the_fix(tmp_path, capsys, command):
    # group titles (日期, 出货) over the field names in the row below, the other fields' names in the row above
    # only (merged down over both rows, in a real tracker): the best row lacks 客户交期, and a gendan.toml line
    # cannot map a header in another row
    from gendan_xl.doors.cli import main

    path = write_book(tmp_path / "two-row-header.xlsx",
                      [["SO1", "ANK", "PB-10K", 1000, dt.date(2026, 9, 1), dt.date(2026, 11, 20), None, None, "生产中"]],
                      title_rows=[["订单号", "客户", "型号", "数量", "日期", None, None, "出货", None, "备注"]],
                      headers=[None, None, None, None, "下单日期", "客户交期", "出货日期", "已出货数量", "状态", None])
    before = path.read_bytes()

    code = main(["--lang", "en", command, str(path), *(["--today", "2026-11-26"] if command != "validate" else [])])

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1
    assert "headers in two rows (row 1: 订单号" in err[0] and "row 2: 下单日期, 客户交期" in err[0]
    assert "put every column's name in one row" in err[0]
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]
