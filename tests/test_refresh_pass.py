"""The one-pass refresh writes what the refresh that read the whole sheet first wrote, cell for cell.

The reference is kept callable here: read the orders column-wise (`load_master(lean=True)`), compute the
status of every line, plan every cell from the whole sheet (`plan_refresh`), then patch (`patch_sheet`).
The one pass (`refresh_workbook`) must leave every sheet reading the same, with the same parts changed."""
from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
import xlsxwriter

from conftest import WORKBOOKS, good_row
from gendan_xl.books.master import load_master, status_of
from gendan_xl.books.refresh import SheetShape, plan_refresh, refresh_workbook
from gendan_xl.xlsx.patch import patch_sheet

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)


def reference_refresh(path: Path, *, today: dt.date = TODAY, now: dt.datetime = NOW, backups: int = 0) -> None:
    """Today's refresh before the one pass: the whole sheet read, every cell planned, then patched."""
    master = load_master(path, lean=True)
    status = status_of(master, today=today)
    plan = plan_refresh(status, SheetShape.of_columns(master.orders), now=now)
    columns = {cw.col: (cw.first_row, cw.values) for cw in plan.columns if cw.first_row == plan.header_row}
    stamp = {(cw.first_row, cw.col): v for cw in plan.columns if cw.first_row != plan.header_row for v in cw.values}
    patch_sheet(path, plan.sheet, stamp, columns=columns, backups=backups, now=now, conditional_formats=plan.colours)


def sheets(path: Path) -> dict[str, list[list]]:
    with pc.CalamineWorkbook.from_path(str(path)) as wb:
        return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {zi.filename: zf.read(zi) for zi in zf.infolist()}


def assert_same_refresh(path: Path, tmp_path: Path, runs: int = 1, **kw) -> None:
    ref, new = tmp_path / f"ref-{path.name}", tmp_path / f"new-{path.name}"
    shutil.copy(path, ref)
    shutil.copy(path, new)
    for i in range(runs):
        day = dt.timedelta(days=i)
        reference_refresh(ref, today=TODAY + day, now=NOW + day)
        result = refresh_workbook(new, today=TODAY + day, now=NOW + day, backups=0, **kw)
        assert not result.sidecar
    assert sheets(new) == sheets(ref)
    a, b = parts(ref), parts(new)
    assert list(a) == list(b)
    base = parts(path)
    assert {n for n in base if base[n] != a[n]} == {n for n in base if base[n] != b[n]}
    for name in a:  # the parts we do not rewrite by streaming are byte for byte the reference's; styles.xml
        if not name.startswith("xl/worksheets/") and name != "xl/styles.xml":  # has our look too (test_look)
            assert a[name] == b[name], name


@pytest.mark.parametrize("name", ["orders.xlsx", "orders_messy.xlsx"])
@pytest.mark.parametrize("runs", [1, 2])
def test_the_samples(tmp_path: Path, name: str, runs: int) -> None:
    assert_same_refresh(WORKBOOKS / name, tmp_path, runs)


def generated(path: Path, lines: int, *, seed: int = 1, extra: dict | None = None, notes: frozenset = frozenset()) -> Path:
    """An orders workbook like the benchmark's (XlsxWriter, inline strings in constant-memory mode), with
    every status: shipped, open, late, cancelled, partial, text dates, bad values. `extra` cells go into
    the header row, the lines' rows or below them; the lines numbered in `notes` are rows with a note and no order."""
    from gendan_xl.books.new_master import CUSTOMERS, PRODUCTS

    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("订单")
    headers = ["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "工厂交期", "到料日期", "上线日期", "完工日期",
               "验货日期", "出货日期", "已出货数量", "状态", "跟单员", "备注"]
    ws.write_string(0, 0, "订单跟踪表")
    for c, h in enumerate(headers):
        ws.write_string(1, c, h)
    for (er, c), v in sorted((extra or {}).items()):
        if er == 1:
            ws.write(er, c, v)
    base = dt.datetime(2026, 1, 5)
    words = ["生产中", "已出货", "待验货", "取消", "部分出货", "待出货", "暂停", "奇怪的状态", ""]
    for i in range(lines):
        r = i + 2
        prod = PRODUCTS[rnd.randrange(len(PRODUCTS))]
        od = base + dt.timedelta(days=rnd.randrange(320))
        due = od + dt.timedelta(days=rnd.randrange(20, 120))
        qty = rnd.choice([500, 1000, 5000])
        if i in notes:
            ws.write_string(r, 15, f"备注 {i}")
            continue
        ws.write_string(r, 0, f"SO{i:06d}")
        ws.write_string(r, 1, CUSTOMERS[i % len(CUSTOMERS)][0])
        ws.write_string(r, 2, prod[0] if rnd.random() > 0.03 else "NO-SUCH")
        ws.write_number(r, 3, qty)
        ws.write_datetime(r, 4, od, date)
        kind = rnd.random()
        if kind < 0.05:
            ws.write_string(r, 5, f"{due.month}月{due.day}日")  # a text date, year from the order date
        elif kind < 0.07:
            ws.write_string(r, 5, "下周")  # unusable
        elif kind > 0.1:
            ws.write_datetime(r, 5, due, date)
        if rnd.random() < 0.3:
            ws.write_datetime(r, 6, due + dt.timedelta(days=rnd.randrange(-5, 6)), date)
        for c, p in ((7, 0.3), (8, 0.2), (9, 0.1), (10, 0.05)):
            if rnd.random() < p:
                ws.write_datetime(r, c, od + dt.timedelta(days=rnd.randrange(5, 60)), date)
        shipped = od + dt.timedelta(days=rnd.randrange(30, 130))
        if shipped < dt.datetime(2026, 11, 26) and rnd.random() < 0.7:
            ws.write_datetime(r, 11, shipped, date)
            ws.write_number(r, 12, qty if rnd.random() < 0.9 else qty // 2)
        ws.write_string(r, 13, rnd.choice(words))
        ws.write_string(r, 14, "张丽")
        for (er, c), v in (extra or {}).items():  # constant-memory mode: a row is written once, in order
            if er == r:
                ws.write(r, c, v)
    for (er, c), v in sorted((extra or {}).items()):
        if er >= lines + 2:
            ws.write(er, c, v)
    ps = wb.add_worksheet("产品")
    for c, h in enumerate(["型号", "品名", "产品系列", "单位", "备料天数", "生产天数", "验货天数", "包装天数", "出运天数"]):
        ps.write_string(0, c, h)
    for r, p in enumerate(PRODUCTS, start=1):
        for c, v in enumerate(p[:9]):
            ps.write(r, c, v)
    wb.close()
    return path


@pytest.mark.parametrize("runs", [1, 2])
def test_a_generated_sheet_of_every_kind_of_line(tmp_path: Path, runs: int) -> None:
    assert_same_refresh(generated(tmp_path / "gen.xlsx", 3000), tmp_path, runs)


def test_a_value_right_of_every_header_far_down_moves_our_columns(tmp_path: Path) -> None:
    # the width of the first rows is a guess: a note in column Z at row 2500 must push our columns past it
    path = generated(tmp_path / "wide.xlsx", 3000, extra={(2500, 25): "a note far right"})
    assert_same_refresh(path, tmp_path)
    header = sheets(tmp_path / "new-wide.xlsx")["订单"][1]
    assert header.index("交期状态 / Lead-time status") == 26


def test_old_statuses_under_the_data_are_cleared(tmp_path: Path) -> None:
    path = generated(tmp_path / "stale.xlsx", 2000, seed=3)
    refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    wb = openpyxl.load_workbook(path)  # the user deletes the last 50 lines' order cells and adds a note
    ws = wb["订单"]
    for r in range(1953, 2003):
        for c in range(1, 17):
            ws.cell(r, c).value = None
    ws.cell(2010, 1).value = "备注：以上为本月订单"
    wb.save(path)
    assert_same_refresh(path, tmp_path)


def _openpyxl_book(path: Path, *, title_rows=(), at=(1, 1), table: bool = False, autofilter: bool = False,
                   ours_moved: bool = False, formula: bool = False) -> Path:
    """A workbook as Excel saves it (shared strings), with the quirk asked for."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    r0, c0 = at
    headers = ["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "出货日期", "已出货数量", "状态"]
    if ours_moved:
        headers.insert(4, "交期状态 / Lead-time status")
    rows = list(title_rows)
    rows.append(headers)
    for i in range(120):
        row = dict(good_row(订单号=f"SO{i}", 客户交期=dt.date(2026, 10, 1) + dt.timedelta(days=i)))
        row["出货日期"] = dt.date(2026, 9, 1) + dt.timedelta(days=i) if i % 3 == 0 else None
        row["已出货数量"] = 1000 if i % 3 == 0 else None
        row["交期状态 / Lead-time status"] = "old"
        rows.append([row.get(h) for h in headers])
    for i, values in enumerate(rows):
        for j, v in enumerate(values):
            ws.cell(r0 + i, c0 + j, v)
    hdr = r0 + len(title_rows)
    last = hdr + 120
    if formula:
        ws.cell(hdr, c0 + len(headers), "交期状态 / Lead-time status")
        ws.cell(hdr + 5, c0 + len(headers), f'=IF(A{hdr + 5}="","","manual")')
    if table:
        from openpyxl.worksheet.table import Table
        ref = f"{openpyxl.utils.get_column_letter(c0)}{hdr}:{openpyxl.utils.get_column_letter(c0 + len(headers) - 1)}{last}"
        ws.add_table(Table(displayName="Orders", ref=ref))
    if autofilter:
        ws.auto_filter.ref = f"{openpyxl.utils.get_column_letter(c0)}{hdr}:" \
                             f"{openpyxl.utils.get_column_letter(c0 + len(headers) - 1)}{last}"
    p = wb.create_sheet("产品")
    p.append(["型号", "品名", "备料天数", "生产天数", "验货天数", "包装天数", "出运天数"])
    p.append(["PB-10K", "移动电源", 10, 6, 1, 2, 3])
    wb.save(path)
    return path


@pytest.mark.parametrize("quirk", [
    {}, {"title_rows": [["订单跟踪表"], []]}, {"at": (4, 3)}, {"table": True}, {"autofilter": True, "title_rows": [["t"]]},
    {"ours_moved": True}, {"formula": True, "title_rows": [["t"]]},
], ids=["header-on-row-1", "title-rows", "not-at-A1", "excel-table", "autofilter", "our-column-moved",
        "formula-in-our-column"])
@pytest.mark.parametrize("runs", [1, 2])
def test_workbooks_as_excel_saves_them(tmp_path: Path, quirk: dict, runs: int) -> None:
    assert_same_refresh(_openpyxl_book(tmp_path / "book.xlsx", **quirk), tmp_path, runs)
