"""Refresh: status written back into the workbook, nothing else harmed; the open-workbook sidecar."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
import python_calamine as pc

from conftest import CORPUS, WORKBOOKS, good_row, needs_corpus, write_book
from gendan_xl.doors.cli import main
from gendan_xl.errors import WorkbookOpenError
from gendan_xl.books.master import load_master, status_of
from gendan_xl.xlsx.patch import patch_sheet
from gendan_xl.books.refresh import ListGrid, OUTPUT_COLUMNS, SheetShape, apply, plan_refresh, refresh_workbook

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)
OURS = {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/tables/table1.xml"}


def members(path):
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def orders_rows(path):
    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()


@pytest.fixture
def sample(tmp_path):
    dst = tmp_path / "orders.xlsx"
    shutil.copyfile(WORKBOOKS / "orders.xlsx", dst)
    return dst


def test_refresh_writes_status_and_leaves_every_other_part_identical(sample):
    before = members(sample)
    result = refresh_workbook(sample, today=TODAY, now=NOW)
    after = members(sample)
    assert list(after) == list(before)  # same parts, same order
    assert {n for n in before if before[n] != after[n]} == OURS
    rows = orders_rows(sample)
    header = rows[2]
    first = header.index("交期状态 / Lead-time status")
    assert first == 21  # right of the 21 columns of the table
    assert header[first:first + len(OUTPUT_COLUMNS)] == [h for _, h in OUTPUT_COLUMNS]
    assert rows[1][first] == "更新时间 / Refreshed at 2026-11-26 08:30"
    by_order = {r[0]: r for r in rows[3:207]}
    line = next(x for x in result.status.lines if x.status == "overdue")
    row = by_order[line.order_no]
    assert row[first] == "逾期" and row[header.index(dict(OUTPUT_COLUMNS)["days_late"])] == line.days_late
    # the table grew to cover the new columns, so filters and structured references include them
    table = before["xl/tables/table1.xml"].decode(), after["xl/tables/table1.xml"].decode()
    assert 'ref="A3:U207"' in table[0] and 'ref="A3:AC207"' in table[1]
    # and a second reader sees the same
    ws = openpyxl.load_workbook(sample, read_only=True)["订单"]
    assert [c.value for c in next(ws.iter_rows(min_row=3, max_row=3))][first] == "交期状态 / Lead-time status"


def test_second_refresh_changes_only_values(sample):
    refresh_workbook(sample, today=TODAY, now=NOW)
    once = members(sample)
    refresh_workbook(sample, today=TODAY + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
    twice = members(sample)
    assert {n for n in once if once[n] != twice[n]} == {"xl/worksheets/sheet1.xml"}
    assert twice["xl/worksheets/sheet1.xml"].count(b"<conditionalFormatting") == \
        once["xl/worksheets/sheet1.xml"].count(b"<conditionalFormatting")
    rows = orders_rows(sample)
    assert rows[2].count("交期状态 / Lead-time status") == 1  # found again, not added twice


def test_backup_kept(sample):
    original = sample.read_bytes()
    result = refresh_workbook(sample, today=TODAY, now=NOW, backups=2)
    assert result.backup is not None and result.backup.read_bytes() == original


@needs_corpus
def test_open_workbook_gets_a_sidecar_and_is_not_touched(sample, capsys):
    shutil.copyfile(CORPUS / "lockfiles" / "~$LoadPivotTables.xlsx", sample.parent / "~$orders.xlsx")
    original = sample.read_bytes()
    code = main(["refresh", str(sample), "--today", TODAY.isoformat()])
    out, err = capsys.readouterr()
    assert code == 0
    assert sample.read_bytes() == original
    sidecar = sample.with_name("orders.status.xlsx")
    assert "orders.xlsx 正在被打开（发现 ~$orders.xlsx）" in err and str(sidecar) in err
    assert "交期状态 / Lead-time status" in orders_rows(sidecar)[2]
    with pytest.raises(WorkbookOpenError):
        patch_sheet(sample, "订单", {(1, 29): "x"})


def test_libreoffice_lock_file_too(sample):
    (sample.parent / ".~lock.orders.xlsx#").write_text(",someone,host,27.11.2026 08:00,\n")
    result = refresh_workbook(sample, today=TODAY, now=NOW)
    assert result.sidecar and result.written.name == "orders.status.xlsx"


def test_in_memory_grid_equals_the_file_refresh(sample):
    """The Excel button's path (a used range in memory) and the file path write the same cells."""
    grid = ListGrid([list(r) for r in orders_rows(sample)])
    master = load_master(sample)
    apply(plan_refresh(status_of(master, today=TODAY), grid.rows, now=NOW), grid)
    refresh_workbook(sample, today=TODAY, now=NOW)
    got = orders_rows(sample)
    width = max(len(r) for r in got)
    norm = lambda rows: [[("" if v is None else v) for v in r] + [""] * (width - len(r)) for r in rows]  # noqa: E731
    assert norm(grid.rows) == norm(got)


def test_formula_in_our_column_is_kept_and_reported(book, tmp_path):
    headers = ["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "交期状态 / Lead-time status"]
    path = book([good_row()], headers=headers, title_rows=[["title"]])
    wb = openpyxl.load_workbook(path)  # our own test file, built for this test
    wb["订单"]["G3"] = '=IF(A3="","","manual")'
    wb.save(path)
    result = refresh_workbook(path, today=TODAY, now=NOW)
    assert any(i.cell == "G3" and "formula" in i.code for i in result.issues)
    assert openpyxl.load_workbook(path)["订单"]["G3"].value == '=IF(A3="","","manual")'


def test_rows_of_a_deleted_order_are_cleared():
    """A line that was refreshed, then deleted, leaves no stale status behind."""
    master = load_master(WORKBOOKS / "orders.xlsx")
    rows = [list(r) for r in orders_rows(WORKBOOKS / "orders.xlsx")]
    status = status_of(master, today=TODAY)
    grid = ListGrid(rows)
    apply(plan_refresh(status, grid.rows, now=NOW), grid)
    last = max(r.row for r in master.orders.rows)
    grid.rows.insert(last, [None] * 21 + ["逾期", 3, None, None, None, "old"])  # an old status under the data
    plan = plan_refresh(status, grid.rows, now=NOW)
    apply(plan, grid)
    assert grid.rows[last][21:] == [None] * len(OUTPUT_COLUMNS)




@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_refreshed_file_and_shows_the_values(sample, tmp_path):
    refresh_workbook(sample, today=TODAY, now=NOW)
    out = tmp_path / "csv"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out), str(sample)],
                   check=True, capture_output=True, timeout=180)
    text = (out / "orders.csv").read_text(encoding="utf-8")
    assert "交期状态 / Lead-time status" in text and "逾期" in text and "准时出货" in text


def test_header_on_row_1_gets_a_stamp_column_and_stays_idempotent(book):
    """No row above the header for the stamp: a column more, found again on the next refresh."""
    path = book([good_row(), good_row(订单号="SO2", 客户交期=dt.date(2026, 11, 20))])
    refresh_workbook(path, today=TODAY, now=NOW)
    once = members(path)
    refresh_workbook(path, today=TODAY + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
    twice = members(path)
    rows = orders_rows(path)
    assert rows[0][-len(OUTPUT_COLUMNS) - 1:] == [h for _, h in OUTPUT_COLUMNS] + ["更新时间 / Refreshed at"]
    assert [r[-1] for r in rows[1:]] == ["2026-11-27 08:30", "2026-11-27 08:30"]
    late = rows[0].index(dict(OUTPUT_COLUMNS)["days_late"])
    assert [r[late] for r in rows[1:]] == [221, 7]  # days late, one more than yesterday
    assert {n for n in once if once[n] != twice[n]} == {"xl/worksheets/sheet1.xml"}


def test_a_users_own_column_named_like_half_of_ours_is_left_alone(book):
    """说明 is a remark column people keep their notes in; our 说明 / Reason goes into a column of its own."""
    headers = ["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "说明", "Reason"]
    path = book([dict(good_row(), 说明="客户要求加急", Reason="own note")], headers=headers)
    refresh_workbook(path, today=TODAY, now=NOW)
    rows = orders_rows(path)
    assert rows[1][6:8] == ["客户要求加急", "own note"]
    assert rows[0][8:8 + len(OUTPUT_COLUMNS)] == [h for _, h in OUTPUT_COLUMNS]


@pytest.mark.parametrize("name", ["orders.xlsx", "orders_messy.xlsx", "built"])
def test_lean_read_gives_the_same_status_and_plan(name, book):
    """refresh and status read the orders column-wise (load_master(lean=True)); the Excel button and the
    tests read rows: both must come to the same status and write the same cells."""
    path = WORKBOOKS / name if name != "built" else book([
        good_row(客户交期="下周"), good_row(订单号="SO2", 客户交期=None, 工厂交期="2026-13-40"),
        good_row(订单号="SO3", 状态="取消"), good_row(订单号="SO4", 客户交期="11月20日", 下单日期="2026/10/2")],
        headers=["订单号", "客户", "型号", "数量", "下单日期", "客户交期", "工厂交期", "状态"])
    rows, lean = load_master(path), load_master(path, lean=True)
    a, b = status_of(rows, today=TODAY), status_of(lean, today=TODAY)
    assert a.to_dict() == b.to_dict()
    if name == "built":
        assert [line.reason().split("，")[0] for line in b.result.lines[:2]] == ["交期“下周”无法使用", "交期“2026-13-40”无法使用"]
        assert [line.status for line in b.result.lines[2:]] == ["cancelled", "overdue"]
    else:
        assert any(line.status == "overdue" for line in b.result.lines)
    grid = load_master(path).book.values(rows.orders.sheet)
    assert plan_refresh(a, grid, now=NOW).cells() == plan_refresh(b, SheetShape.of_columns(lean.orders), now=NOW).cells()


def test_refresh_when_the_first_rows_of_the_sheet_are_empty(book):
    """A sheet that starts with empty rows: calamine's used range then starts below row 1."""
    path = book([good_row(客户交期=dt.date(2026, 11, 2))], title_rows=[[], []])
    result = refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    assert result.orders.header_row == 3
    grid = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python(skip_empty_area=False)
    header = grid[2]
    status_col = header.index(OUTPUT_COLUMNS[0][1])
    assert grid[3][0] == "SO1" and grid[3][status_col] == "逾期"


def test_an_order_whose_cells_were_cleared_is_not_an_order_any_more(book):
    """People clear an order's cells instead of deleting the row; our columns keep its old status. The
    next refresh must not read that row as an order with no due date, and must clear the old status."""
    path = book([good_row(), good_row(订单号="SO2", 客户交期=dt.date(2026, 11, 2))])
    refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    wb = openpyxl.load_workbook(path)  # the user's edit, as Excel would save it
    ws = wb["订单"]
    width = len(good_row())
    assert ws.cell(3, width + 1).value == "逾期"
    for c in range(1, width + 1):
        ws.cell(3, c).value = None
    wb.save(path)
    result = refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    assert [line.order_no for line in result.status.lines] == ["SO1"]
    grid = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python(skip_empty_area=False)
    assert len(grid) == 2 or all(v == "" for v in grid[2])  # row 3 is empty, or not there at all


@pytest.mark.parametrize("command", ["validate", "status", "inspect"])
def test_our_own_columns_are_not_taken_for_a_field_they_look_like(tmp_path, capsys, command):
    # a sheet with no 状态 column of its own: after a refresh, "交期状态 / Lead-time status" looked like Status,
    # and every later run warned that it "may change results", asking for a gendan.toml line that would have
    # read our output as the user's status
    import json

    path = write_book(tmp_path / "no-status-column.xlsx", [good_row(状态=None)],
                      headers=["订单号", "客户", "型号", "数量", "下单日期", "客户交期"])
    assert main(["refresh", str(path), "--today", "2026-11-26"]) == 0
    capsys.readouterr()

    main(["--lang", "en", command, str(path), "--json", *(["--today", "2026-11-27"] if command == "status" else [])])

    out = capsys.readouterr().out
    assert json.loads(out)["ok"] is not None
    assert "unmapped-header" not in out and "looks like" not in out and "lookalike" not in out
