"""Sheets a refresh got wrong (found at stop 25 by building workbooks the other tests do not; fixed on main): a
merged range our new columns landed in, columns the user hid right of the table, another Excel table beside the
orders table, our colour rules as LibreOffice saves them.

Each workbook is built with openpyxl under tmp_path, refreshed through the CLI's library function, and read
back by python-calamine and from the zip itself."""
from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import python_calamine as pc
from openpyxl.worksheet.table import Table

from conftest import HEADERS, good_row
from gendan_xl.books.refresh import OUTPUT_COLUMNS, refresh_workbook
from gendan_xl.cellrefs import parse_range

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)
STATUS = OUTPUT_COLUMNS[0][1]
LINES = [good_row(订单号=f"SO{i}", 客户交期=dt.date(2026, 11, 20 + i)) for i in range(1, 6)]


def _orders_sheet():
    """A workbook whose 订单 sheet holds HEADERS and LINES from A1, and that sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(HEADERS)
    for line in LINES:
        ws.append([line.get(h) for h in HEADERS])
    return wb, ws


def _merged(path):
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    return [parse_range(ref) for ref in re.findall(r'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', xml)]


def test_a_remark_merged_over_three_columns_on_every_row_keeps_our_columns_out_of_the_merge(tmp_path):
    # 备注 written once per row and merged over the two columns right of it: a common tracker layout. The
    # last value of each row is in the table's last column, so the first free column is inside every merge.
    path = tmp_path / "merged-remark.xlsx"
    wb, ws = _orders_sheet()
    last = len(HEADERS)  # 1-based: the 状态 column, merged with the two right of it on every row
    for r in range(1, len(LINES) + 2):
        ws.merge_cells(start_row=r, start_column=last, end_row=r, end_column=last + 2)
    wb.save(path)

    refresh_workbook(path, today=TODAY, now=NOW)

    header = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()[0]
    status_col = header.index(STATUS)  # 0-based
    hidden = [(r1, c1, r2, c2) for r1, c1, r2, c2 in _merged(path) if c1 < status_col <= c2]
    assert hidden == [], f"our status column {status_col} is inside merged ranges {hidden}"


def test_a_second_excel_table_beside_the_orders_table_is_left_as_it_was(tmp_path):
    path = tmp_path / "two-tables.xlsx"
    wb, ws = _orders_sheet()
    n = len(HEADERS)
    ws.add_table(Table(displayName="Orders", ref=f"A1:{openpyxl.utils.get_column_letter(n)}{len(LINES) + 1}"))
    # a stock summary, its own Excel table, one column right of the orders table, on the same header row
    a, b = (openpyxl.utils.get_column_letter(n + k) for k in (2, 3))
    ws[f"{a}1"], ws[f"{b}1"] = "Item", "Stock"
    for r, (item, qty) in enumerate([("PB-10K", 300), ("CH-20W", 120)], start=2):
        ws[f"{a}{r}"], ws[f"{b}{r}"] = item, qty
    ws.add_table(Table(displayName="Stock", ref=f"{a}1:{b}3"))
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        before = {name: zf.read(name) for name in zf.namelist() if name.startswith("xl/tables/")}
    assert len(before) == 2

    refresh_workbook(path, today=TODAY, now=NOW)

    with zipfile.ZipFile(path) as zf:
        after = {name: zf.read(name) for name in before}
    stock = next(name for name, data in before.items() if b'displayName="Stock"' in data)
    assert after[stock] == before[stock]


def test_colour_rules_saved_by_libreoffice_are_found_again_not_added_once_more(book, tmp_path):
    path = book(LINES)
    refresh_workbook(path, today=TODAY, now=NOW)
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    ours = len(re.findall(rb"<cfRule\b", dict((i.filename, d) for i, d in parts)["xl/worksheets/sheet1.xml"]))
    assert ours == 6
    # the same rules as LibreOffice (7.x, 24.x) saves them: the quotes of the formula as entities
    saved = tmp_path / "saved-by-libreoffice.xlsx"
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<formula>\"(.*?)\"</formula>", rb"<formula>&quot;\1&quot;</formula>", data)
            zf.writestr(info, data)

    refresh_workbook(saved, today=TODAY + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))

    with zipfile.ZipFile(saved) as zf:
        assert len(re.findall(rb"<cfRule\b", zf.read("xl/worksheets/sheet1.xml"))) == ours


def test_new_columns_placed_where_the_user_hid_every_column_right_of_the_table_are_shown(book, tmp_path):
    # a tidy tracker: every column right of the table hidden (select them all, Hide), as Excel saves it
    path = book(LINES)
    wb = openpyxl.load_workbook(path)
    ws = wb["订单"]
    first = openpyxl.utils.get_column_letter(len(HEADERS) + 1)
    ws.column_dimensions.group(first, "XFD", hidden=True, outline_level=0)
    wb.save(path)

    refresh_workbook(path, today=TODAY, now=NOW)

    header = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()[0]
    status_col = header.index(STATUS) + 1  # 1-based, as <col min max> count
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    hiding = [c for c in re.findall(r"<col\b[^>]*/>", xml) if 'hidden="1"' in c
              and int(re.search(r'min="(\d+)"', c).group(1)) <= status_col <= int(re.search(r'max="(\d+)"', c).group(1))]
    assert hiding == []
