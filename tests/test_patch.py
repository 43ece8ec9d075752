"""patch_sheet on real workbooks: only our cells change, every other zip member stays byte for byte."""
from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import struct
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from gendan_xl.errors import GendanError, MissingSheetError, UnusableWorkbookError, WorkbookOpenError
from gendan_xl.xlsx.atomic import is_open, sidecar_path
from gendan_xl.xlsx.condformat import CFRule
from gendan_xl.xlsx.package import list_worksheets, sheet_part
from gendan_xl.xlsx.patch import patch_sheet
from gendan_xl.xlsx.result import PatchResult

from rawbook import raw_workbook  # noqa: E402
from conftest import CORPUS, needs_corpus  # noqa: E402  (../shared/corpus beside the checkout, as CI lays it)
NOW = dt.datetime(2026, 11, 26, 9, 30, 0)
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


# ---------------------------------------------------------------------------------------------------
# helpers


def raw_members(path: Path) -> list[tuple[str, bytes, bytes]]:
    """(name, raw compressed bytes, decompressed bytes) of every member, in central-directory order."""
    out = []
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fp:
        for zi in zf.infolist():
            fp.seek(zi.header_offset)
            header = fp.read(30)
            nlen, elen = struct.unpack("<HH", header[26:30])
            fp.seek(zi.header_offset + 30 + nlen + elen)
            out.append((zi.filename, fp.read(zi.compress_size), zf.read(zi)))
    return out


def assert_only_changed(before: list, after: list, allowed: set[str]) -> None:
    assert [m[0] for m in before] == [m[0] for m in after], "member names or order changed"
    for (name, raw_b, data_b), (_, raw_a, data_a) in zip(before, after):
        if name in allowed:
            continue
        assert data_a == data_b, f"{name} changed"
        assert raw_a == raw_b, f"{name} was recompressed"


def calamine_cell(path: Path, sheet: str, row: int, col: int):
    """The value at Excel row `row`, 0-based column `col` (gendan_xl.cellrefs' convention)."""
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return rows[row - 1][col] if row - 1 < len(rows) and col < len(rows[row - 1]) else ""


def openpyxl_cell(path: Path, sheet: str, row: int, col: int):
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for values in wb[sheet].iter_rows(min_row=row, max_row=row, values_only=True):
            return values[col] if col < len(values) else None
        return None
    finally:
        wb.close()


def sheet_xml(path: Path, sheet: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(sheet_part(path, sheet))


def build_orders(path: Path) -> Path:
    """An orders workbook the way users have them: a table, a formula with its cached value, a data
    validation, a comment, a second sheet with a plain autofilter."""
    wb = xlsxwriter.Workbook(str(path))
    # a fixed creation time: tests compare two workbooks built a moment apart byte for byte
    wb.set_properties({"created": dt.datetime(2026, 11, 1, 8, 0)})
    ws = wb.add_worksheet("订单")
    date_fmt = wb.add_format({"num_format": "yyyy/m/d"})
    rows = [
        ["SO-001", "ACME", 100, 2.5, dt.date(2026, 9, 1)],
        ["SO-002", "Globex", 40, 10, dt.date(2026, 9, 15)],
        ["SO-003", "Initech", 7, 3, dt.date(2026, 10, 8)],
        ["SO-004", "Umbrella", 12, 1.25, dt.date(2026, 10, 9)],
    ]
    ws.add_table("A1:F5", {
        "name": "Orders",
        "columns": [{"header": "订单号"}, {"header": "客户"}, {"header": "数量"}, {"header": "单价"},
                    {"header": "交期", "format": date_fmt}, {"header": "金额"}],
    })
    for i, (no, cust, qty, price, due) in enumerate(rows, start=1):
        ws.write_string(i, 0, no)
        ws.write_string(i, 1, cust)
        ws.write_number(i, 2, qty)
        ws.write_number(i, 3, price)
        ws.write_datetime(i, 4, dt.datetime.combine(due, dt.time()), date_fmt)
        ws.write_formula(i, 5, f"=C{i + 1}*D{i + 1}", None, qty * price)
    ws.data_validation("C2:C100", {"validate": "integer", "criteria": ">", "value": 0})
    ws.write_comment("A2", "rush order")
    ws2 = wb.add_worksheet("筛选")
    ws2.write_row(0, 0, ["款号", "数量", "备注"])
    for i in range(1, 5):
        ws2.write_row(i, 0, [f"M{i}", i * 10, "ok"])
    ws2.autofilter("A1:C5")
    wb.define_name("Total", "=SUM('订单'!$F$2:$F$5)")
    wb.close()
    return path


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    return build_orders(tmp_path / "orders.xlsx")


# ---------------------------------------------------------------------------------------------------
# values land, nothing else moves


def test_writes_values_and_keeps_every_other_part(orders: Path) -> None:
    before = raw_members(orders)
    cells = {
        (1, 6): "状态 / status", (1, 7): "下一节点",
        (2, 6): "逾期", (2, 7): dt.date(2026, 11, 20),
        (3, 6): "on_track", (3, 7): 12,
        (4, 6): Decimal("3.50"), (4, 7): 2.25,
        (5, 6): True,
    }
    result = patch_sheet(orders, "订单", cells, now=NOW)
    assert result.verified and result.written == len(cells) and result.skipped == []
    assert result.tables_extended == ["Orders"]
    assert set(result.changed_parts) == {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/tables/table1.xml"}
    assert_only_changed(before, raw_members(orders), set(result.changed_parts))

    for (r, c), want in cells.items():
        got_cal = calamine_cell(orders, "订单", r, c)
        got_opx = openpyxl_cell(orders, "订单", r, c)
        if isinstance(want, dt.date):
            assert got_cal == want and got_opx == dt.datetime.combine(want, dt.time())
        elif isinstance(want, (int, float, Decimal)) and not isinstance(want, bool):
            assert float(got_cal) == float(want) and float(got_opx) == float(want)
        else:
            assert got_cal == want and got_opx == want
    # the formula column still has its cached values and its formulas
    assert calamine_cell(orders, "订单", 2, 5) == 250
    assert b"<f>C2*D2</f>" in sheet_xml(orders, "订单")


def test_table_grows_to_the_new_header_cells(orders: Path) -> None:
    patch_sheet(orders, "订单", {(1, 6): "状态", (1, 7): "原因", (3, 6): "at_risk"}, now=NOW)
    with zipfile.ZipFile(orders) as zf:
        table = ET.fromstring(zf.read("xl/tables/table1.xml"))
    assert table.get("ref") == "A1:H5"
    assert table.find(f"{NS}autoFilter").get("ref") == "A1:H5"
    columns = table.find(f"{NS}tableColumns")
    names = [c.get("name") for c in columns]
    assert names == ["订单号", "客户", "数量", "单价", "交期", "金额", "状态", "原因"]
    assert columns.get("count") == "8"
    assert len({c.get("id") for c in columns}) == 8
    with python_calamine.CalamineWorkbook.from_path(str(orders), load_tables=True) as wb:
        assert wb.get_table_by_name("Orders").columns[-2:] == ["状态", "原因"]


def test_duplicate_table_header_is_renamed_like_excel(orders: Path) -> None:
    result = patch_sheet(orders, "订单", {(1, 6): "客户"}, now=NOW)
    assert result.renamed == [("G1", "客户", "客户2")]
    assert calamine_cell(orders, "订单", 1, 6) == "客户2"
    assert [i.code for i in result.issues()] == ["table-header-renamed"]


def test_sheet_autofilter_and_its_hidden_name_grow(orders: Path) -> None:
    before = raw_members(orders)
    result = patch_sheet(orders, "筛选", {(1, 3): "状态", (2, 3): "ok"}, now=NOW)
    assert result.autofilter_extended
    assert re.search(rb'<autoFilter ref="A1:D5"', sheet_xml(orders, "筛选"))
    with zipfile.ZipFile(orders) as zf:
        wb_xml = zf.read("xl/workbook.xml").decode()
    assert "筛选!$A$1:$D$5" in wb_xml or "'筛选'!$A$1:$D$5" in wb_xml
    assert_only_changed(before, raw_members(orders), {"xl/worksheets/sheet2.xml", "xl/workbook.xml"})


def test_formula_cells_are_never_written(orders: Path) -> None:
    before = sheet_xml(orders, "订单")
    f_cell = re.search(rb'<c r="F3"[^>]*>.*?</c>', before).group(0)
    result = patch_sheet(orders, "订单", {(3, 5): "x", (3, 6): "y"}, now=NOW)
    assert result.skipped == [("F3", "formula-cell-kept")]
    assert [(i.sheet, i.cell, i.code) for i in result.issues()] == [("订单", "F3", "formula-cell-kept")]
    assert f_cell in sheet_xml(orders, "订单")
    assert calamine_cell(orders, "订单", 3, 6) == "y"


def test_a_whole_column_over_formula_cells_keeps_them(orders: Path) -> None:
    # each row's last cell is its formula in F, the column written: the whole-column fast path (new cells
    # spliced right of a row's last cell) must see that and leave the row to the cell-by-cell merge
    result = patch_sheet(orders, "订单", columns={5: (2, ["a", "b", "c", "d"])}, now=NOW)
    assert result.skipped == [(f"F{r}", "formula-cell-kept") for r in range(2, 6)]
    assert calamine_cell(orders, "订单", 2, 5) == 250 and b"<f>C5*D5</f>" in sheet_xml(orders, "订单")


def test_array_formula_range_is_protected(tmp_path: Path) -> None:
    path = tmp_path / "array.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_row(0, 0, [1, 2, 3])
    ws.write_array_formula("A2:C2", "{=A1:C1*2}", None, 2)
    wb.close()
    result = patch_sheet(path, "S", {(2, 1): 99, (2, 3): "free"}, now=NOW)
    assert result.skipped == [("B2", "array-formula-cell-kept")]
    assert calamine_cell(path, "S", 2, 3) == "free"


def test_an_array_formula_whose_range_is_in_single_quotes_is_protected(tmp_path: Path) -> None:
    """(Rows with no "ref" in them are not looked through for array formulas: a ref='' must count too.)"""
    row = ('<row r="2"><c r="A2"><f t="array" ref=\'A2:C2\'>{1,2,3}</f><v>1</v></c><c r="B2"><v>2</v></c>'
           '<c r="C2"><v>3</v></c></row>')
    path = raw_workbook(tmp_path / "array.xlsx", '<row r="1"><c r="A1"><v>0</v></c></row>' + row)
    result = patch_sheet(path, "Sheet1", {(2, 1): 99, (2, 3): "free"}, now=NOW)
    assert result.skipped == [("B2", "array-formula-cell-kept")]
    assert calamine_cell(path, "Sheet1", 2, 3) == "free"


@pytest.mark.parametrize("text", [
    "=1+1", "+86 138 0000 0000", "-5", "@home", "<b>&amp;</b>", '"quoted"', "  padded  ",
    "line1\nline2", "tab\there", "literal _x0041_ escape", "emoji 😀 and 𠀋", "ctrl\x01char\x1f",
])
def test_text_is_text(tmp_path: Path, text: str) -> None:
    path = build_orders(tmp_path / "t.xlsx")
    patch_sheet(path, "订单", {(2, 6): text}, now=NOW)
    clean = text.replace("\x01", "").replace("\x1f", "")
    assert calamine_cell(path, "订单", 2, 6) == clean
    # Excel decodes _xHHHH_ in strings, so a literal one is stored as _x005F_xHHHH_; calamine decodes it
    # like Excel, openpyxl's reader shows the stored form
    assert openpyxl_cell(path, "订单", 2, 6) == clean.replace("_x0041_", "_x005F_x0041_")
    assert b"<f>" not in re.search(rb'<c r="G2".*?</c>', sheet_xml(path, "订单"), re.S).group(0)


def test_rows_and_cells_stay_in_order(tmp_path: Path) -> None:
    path = tmp_path / "gaps.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write(1, 1, "B2")
    ws.write(1, 4, "E2")
    ws.write(5, 0, "A6")
    wb.close()
    cells = {(2, 2): "C2", (2, 5): "F2", (1, 0): "A1", (4, 1): "B4", (6, 1): "B6", (9, 0): "A9", (2, 0): "A2"}
    result = patch_sheet(path, "S", cells, now=NOW)
    root = ET.fromstring(sheet_xml(path, "S"))
    rows = root.find(f"{NS}sheetData")
    numbers = [int(r.get("r")) for r in rows]
    assert numbers == sorted(numbers) == [1, 2, 4, 6, 9]
    for row in rows:
        cols = [openpyxl.utils.column_index_from_string(re.match("[A-Z]+", c.get("r")).group(0)) for c in row]
        assert cols == sorted(cols)
    assert root.find(f"{NS}dimension").get("ref") == "A1:F9"
    for (r, c), v in cells.items():
        assert calamine_cell(path, "S", r, c) == v
    assert calamine_cell(path, "S", 2, 4) == "E2"
    assert result.written == len(cells)


def test_none_clears_value_and_keeps_style(orders: Path) -> None:
    patch_sheet(orders, "订单", {(2, 1): None}, now=NOW)
    xml = sheet_xml(orders, "订单")
    assert re.search(rb'<c r="B2"( s="\d+")?/>', xml)
    assert calamine_cell(orders, "订单", 2, 1) == ""


def test_date_into_date_styled_cell_keeps_its_format(orders: Path) -> None:
    old = re.search(rb'<c r="E2" s="(\d+)"', sheet_xml(orders, "订单")).group(1)
    before_styles = dict((n, d) for n, _, d in raw_members(orders))["xl/styles.xml"]
    result = patch_sheet(orders, "订单", {(2, 4): dt.date(2026, 12, 1)}, now=NOW)
    assert re.search(rb'<c r="E2" s="' + old + rb'"', sheet_xml(orders, "订单"))
    assert calamine_cell(orders, "订单", 2, 4) == dt.date(2026, 12, 1)
    # the cell shows dates already: no date format is added to styles.xml for it
    after_styles = dict((n, d) for n, _, d in raw_members(orders))["xl/styles.xml"]
    assert after_styles == before_styles and "xl/styles.xml" not in result.changed_parts
    # a date into a cell that shows none gets ours (yyyy-mm-dd), added once and reused next time
    result = patch_sheet(orders, "订单", {(2, 0): dt.date(2026, 12, 2)}, now=NOW)
    after_styles = dict((n, d) for n, _, d in raw_members(orders))["xl/styles.xml"]
    assert b'formatCode="yyyy-mm-dd"' in after_styles and "xl/styles.xml" in result.changed_parts
    result = patch_sheet(orders, "订单", {(3, 0): dt.date(2026, 12, 3)}, now=NOW)
    assert "xl/styles.xml" not in result.changed_parts


def test_second_run_leaves_styles_and_conditional_formats_alone(orders: Path) -> None:
    rules = [CFRule("G2:G5", text="逾期"), CFRule("G2:G5", kind="equal", text="at_risk", fill="#FFEB9C",
                                                   font="#9C5700")]
    cells = {(1, 6): "状态", (2, 6): "逾期", (3, 6): "at_risk", (2, 7): dt.date(2026, 11, 1)}
    first = patch_sheet(orders, "订单", cells, conditional_formats=rules, now=NOW)
    assert first.cf_added == 2
    one = {n: d for n, _, d in raw_members(orders)}
    second = patch_sheet(orders, "订单", cells, conditional_formats=rules, now=NOW)
    assert second.cf_added == 0 and second.cf_updated == 0
    two = {n: d for n, _, d in raw_members(orders)}
    assert one == two
    assert second.changed_parts == ["xl/worksheets/sheet1.xml"]
    # more rows next time: the rule's range widens, nothing is added
    third = patch_sheet(orders, "订单", cells, conditional_formats=[CFRule("G2:G9", text="逾期")], now=NOW)
    assert third.cf_updated == 1 and third.cf_added == 0
    xml = sheet_xml(orders, "订单")
    assert xml.count(b"<conditionalFormatting") == 2 and b'sqref="G2:G9"' in xml
    assert {n: d for n, _, d in raw_members(orders)}["xl/styles.xml"] == two["xl/styles.xml"]
    # schema order: conditionalFormatting after the sheetData/autoFilter, before dataValidations
    assert xml.index(b"<conditionalFormatting") < xml.index(b"<dataValidations")
    assert xml.index(b"</sheetData>") < xml.index(b"<conditionalFormatting")


@needs_corpus
def test_1904_workbook_gets_1904_serials(tmp_path: Path) -> None:
    path = tmp_path / "1904.xlsx"
    shutil.copy(CORPUS / "sheetjs__1904__1904.xlsx", path)
    sheet = list_worksheets(path)[0][0]
    patch_sheet(path, sheet, {(30, 9): dt.date(2026, 11, 26)}, now=NOW)
    assert calamine_cell(path, sheet, 30, 9) == dt.date(2026, 11, 26)


@needs_corpus
def test_vba_workbook_keeps_its_macros(tmp_path: Path) -> None:
    path = tmp_path / "macro.xlsm"
    shutil.copy(CORPUS / "xlwings__examples__fibonacci__fibonacci.xlsm", path)
    before = raw_members(path)
    sheet, part = list_worksheets(path)[0]
    result = patch_sheet(path, sheet, {(1, 19): "状态", (2, 19): 1.5}, now=NOW)
    assert_only_changed(before, raw_members(path), {part})
    assert result.changed_parts == [part]
    assert calamine_cell(path, sheet, 2, 19) == 1.5


# ---------------------------------------------------------------------------------------------------
# finding the sheet part


def test_sheet_part_follows_relationships(orders: Path) -> None:
    assert sheet_part(orders, "订单") == "xl/worksheets/sheet1.xml"
    assert sheet_part(orders, "筛选") == "xl/worksheets/sheet2.xml"
    with pytest.raises(MissingSheetError, match='no sheet "发票".*found: 订单, 筛选'):
        sheet_part(orders, "发票")


def test_sheet_part_with_absolute_targets_and_renamed_parts(tmp_path: Path, orders: Path) -> None:
    path = tmp_path / "absolute.xlsx"
    with zipfile.ZipFile(orders) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for zi in src.infolist():
            data = src.read(zi)
            name = zi.filename.replace("worksheets/sheet1.xml", "worksheets/orders.xml")
            if zi.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b'Target="worksheets/sheet1.xml"', b'Target="/xl/worksheets/orders.xml"')
            if zi.filename == "[Content_Types].xml":
                data = data.replace(b"/xl/worksheets/sheet1.xml", b"/xl/worksheets/orders.xml")
            name = name.replace("worksheets/_rels/sheet1.xml.rels", "worksheets/_rels/orders.xml.rels")
            dst.writestr(name, data)
    assert sheet_part(path, "订单") == "xl/worksheets/orders.xml"
    patch_sheet(path, "订单", {(1, 6): "状态"}, now=NOW)
    assert calamine_cell(path, "订单", 1, 6) == "状态"


@needs_corpus
def test_sheet_part_in_strict_ooxml(tmp_path: Path) -> None:
    path = CORPUS / "poi__spreadsheet__SimpleStrict.xlsx"
    sheets = list_worksheets(path)
    assert sheets and sheet_part(path, sheets[0][0]) == sheets[0][1]


@needs_corpus
def test_chart_sheet_is_refused(tmp_path: Path) -> None:
    path = CORPUS / "calamine__any_sheets.xlsx"
    with zipfile.ZipFile(path) as zf:
        assert any("chartsheets/" in n for n in zf.namelist())
    chart = next(n for n in python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names
                 if n not in dict(list_worksheets(path)))
    with pytest.raises(MissingSheetError, match="not a worksheet"):
        sheet_part(path, chart)


# ---------------------------------------------------------------------------------------------------
# safety: locks, sidecar, backups, failures


@pytest.mark.parametrize("lock_name", ["~$orders.xlsx", "~$ORDERS.XLSX", ".~lock.orders.xlsx#"])
def test_open_workbook_is_refused(orders: Path, lock_name: str) -> None:
    lock = orders.parent / lock_name
    lock.write_bytes(b"\x04user" + b" " * 50)
    assert is_open(orders) == lock
    before = orders.read_bytes()
    with pytest.raises(WorkbookOpenError, match=r"orders\.xlsx is open .*orders\.status\.xlsx") as exc:
        patch_sheet(orders, "订单", {(1, 6): "状态"}, now=NOW)
    assert "\n" not in str(exc.value)
    assert orders.read_bytes() == before
    # the caller writes the sidecar instead
    sidecar = sidecar_path(orders)
    result = patch_sheet(orders, "订单", {(1, 6): "状态"}, out_path=sidecar, now=NOW)
    assert result.path == sidecar and result.backup is None
    assert calamine_cell(sidecar, "订单", 1, 6) == "状态"
    assert orders.read_bytes() == before


@needs_corpus
def test_excel_owner_file_with_truncated_name(tmp_path: Path) -> None:
    # Excel cuts the start of long names: the corpus sample ~$LoadPivotTables.xlsx belongs to a workbook
    # whose name is two characters longer
    path = build_orders(tmp_path / "xxLoadPivotTables.xlsx")
    shutil.copy(CORPUS / "lockfiles" / "~$LoadPivotTables.xlsx", tmp_path)
    assert is_open(path) == tmp_path / "~$LoadPivotTables.xlsx"
    assert is_open(build_orders(tmp_path / "other.xlsx")) is None


def test_sidecar_keeps_macro_suffix() -> None:
    assert sidecar_path("a/订单.xlsm") == Path("a/订单.status.xlsm")
    assert sidecar_path("订单.xlsx") == Path("订单.status.xlsx")


def test_backups_are_kept_and_pruned(orders: Path) -> None:
    versions = [orders.read_bytes()]
    for minute in range(4):
        result = patch_sheet(orders, "订单", {(2, 6): f"run {minute}"}, backups=2,
                             now=NOW + dt.timedelta(minutes=minute))
        versions.append(orders.read_bytes())
        assert result.backup is not None and result.backup.read_bytes() == versions[-2]
    kept = sorted(p.name for p in (orders.parent / ".gendan-backup").iterdir())
    assert kept == ["orders.20261126-093200.xlsx", "orders.20261126-093300.xlsx"]
    assert [p.name for p in orders.parent.iterdir() if p.name.endswith(".gendan-tmp")] == []


def test_failures_leave_the_workbook_untouched(tmp_path: Path, orders: Path) -> None:
    before = orders.read_bytes()
    with pytest.raises(MissingSheetError):
        patch_sheet(orders, "发票", {(1, 0): "x"}, now=NOW)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(orders) as src, zipfile.ZipFile(broken, "w") as dst:
        for zi in src.infolist():
            data = src.read(zi)
            if zi.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b"</sheetData>")]  # cut off mid-way
            dst.writestr(zi, data)
    broken_bytes = broken.read_bytes()
    with pytest.raises(GendanError) as exc:
        patch_sheet(broken, "订单", {(1, 6): "x"}, now=NOW)
    assert "\n" not in str(exc.value) and "broken.xlsx" in str(exc.value)
    assert broken.read_bytes() == broken_bytes
    assert orders.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.xlsx", "orders.xlsx"]


@needs_corpus
@pytest.mark.parametrize("name", [
    "poi__openxml4j__invalid.xlsx", "calamine__pass_protected.xlsx",
    "closedxml__ClosedXML.Tests__Resource__TryToLoad__LO__xlsm__pass__CVE-2016-0122-1.xlsm",
])
def test_unusable_input_is_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copy(CORPUS / name, path)
    with pytest.raises(UnusableWorkbookError) as exc:
        patch_sheet(path, "Sheet1", {(1, 0): "x"}, now=NOW)
    assert "\n" not in str(exc.value) and name in str(exc.value)


# ---------------------------------------------------------------------------------------------------
# every well-formed workbook of the corpus


def _corpus_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with open(manifest, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return sorted(r["file"] for r in rows if r["container"] == "zip")


@pytest.mark.parametrize("name", _corpus_files())
def test_corpus_file_keeps_every_other_part(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copy(CORPUS / name, path)
    try:
        with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
            names = wb.sheet_names
            sheets = [s for s, _ in list_worksheets(path)]
            if not sheets:
                pytest.skip("no worksheet")
            sheet = sheets[0]
            if sheet not in names:
                pytest.skip("calamine does not list the worksheet")
            cal = wb.get_sheet_by_name(sheet)
            end = cal.end
    except GendanError as exc:
        pytest.skip(f"not a usable package: {exc}")
    except Exception as exc:  # calamine refuses encrypted, corrupt, hostile, Excel-4 macro workbooks
        pytest.skip(f"calamine cannot open it: {exc}")
    try:  # openpyxl loads Strict OOXML with no sheets (MEASURED.md): check it only where it can read
        book = openpyxl.load_workbook(CORPUS / name, read_only=True)
        openpyxl_ok = sheet in book.sheetnames
        book.close()
    except Exception:
        openpyxl_ok = False

    last_row, last_col = (end[0] + 1, end[1]) if end else (0, -1)
    col = last_col + 2
    cells = {(1, col): "gendan 状态", (2, col): 42.5, (last_row + 1, col): dt.date(2026, 11, 26),
             (last_row + 3, 0 if last_row else col): "below"}
    before = raw_members(path)
    result = patch_sheet(path, sheet, cells, now=NOW)
    assert result.verified and not result.skipped
    assert set(result.changed_parts) <= {result.part, "xl/styles.xml"}
    assert_only_changed(before, raw_members(path), set(result.changed_parts))
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every CRC right, data descriptors folded in correctly
        for part in result.changed_parts:
            ET.fromstring(zf.read(part))  # well-formed: Excel refuses what calamine might forgive
    for (r, c), want in cells.items():
        assert calamine_cell(path, sheet, r, c) == want
        if openpyxl_ok:
            got = openpyxl_cell(path, sheet, r, c)
            assert got == (dt.datetime.combine(want, dt.time()) if isinstance(want, dt.date) else want)


# ---------------------------------------------------------------------------------------------------
# LibreOffice opens the result


def test_libreoffice_reads_the_patched_file(tmp_path: Path, orders: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    patch_sheet(orders, "订单", {(1, 6): "状态", (2, 6): "逾期 overdue", (3, 6): 1234.5,
                                 (4, 6): dt.date(2026, 10, 10)}, conditional_formats=[CFRule("G2:G5", text="逾期")],
                now=NOW)
    out = tmp_path / "csv"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out), str(orders)],
                   check=True, capture_output=True, timeout=180)
    text = (out / "orders.csv").read_text(encoding="utf-8")
    assert "状态" in text and "逾期 overdue" in text and "1234.5" in text and "2026" in text


def test_result_to_dict_is_json_ready(orders: Path) -> None:
    import json

    result = patch_sheet(orders, "订单", {(1, 6): "状态"}, now=NOW)
    assert isinstance(result, PatchResult)
    assert json.loads(json.dumps(result.to_dict()))["changed_parts"][0] == "xl/worksheets/sheet1.xml"


# ---------------------------------------------------------------------------------------------------
# hand-made packages for what the writers above never produce


def write_package(path: Path, sheet_xml_text: str, workbook_extra: str = "") -> Path:
    """A minimal valid .xlsx around one worksheet's XML."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{workbook_extra}<x:sheets><x:sheet name="Data" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="/xl/worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<x:fonts count="1"><x:font><x:sz val="11"/><x:name val="Calibri"/></x:font></x:fonts>'
            '<x:fills count="1"><x:fill><x:patternFill patternType="none"/></x:fill></x:fills>'
            '<x:borders count="1"><x:border/></x:borders>'
            '<x:cellStyleXfs count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellStyleXfs>'
            '<x:cellXfs count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></x:cellXfs>'
            "</x:styleSheet>"),
        "xl/worksheets/sheet1.xml": sheet_xml_text,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


def test_prefixed_xml_and_rows_and_cells_without_r(tmp_path: Path) -> None:
    # OpenXML SDK writers use an x: prefix; some writers leave out r="" on rows and cells
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:dimension ref="A1:B3"/><x:sheetData>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>a1</x:t></x:is></x:c><x:c><x:v>1</x:v></x:c></x:row>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>a2</x:t></x:is></x:c><x:c><x:v>2</x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="A4"><x:v>4</x:v></x:c></x:row>'
        '<x:row><x:c><x:v>5</x:v></x:c><x:c><x:f>A5*2</x:f><x:v>10</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>")
    path = write_package(tmp_path / "sdk.xlsx", sheet)
    cells = {(1, 1): "B1 new", (2, 3): "D2", (3, 0): "A3", (5, 1): "not me", (6, 0): dt.date(2026, 1, 2)}
    result = patch_sheet(path, "Data", cells, conditional_formats=[CFRule("D2:D9", text="x")], now=NOW)
    assert result.skipped == [("B5", "formula-cell-kept")]
    expect = {(1, 0): "a1", (1, 1): "B1 new", (2, 0): "a2", (2, 1): 2, (2, 3): "D2", (3, 0): "A3", (4, 0): 4,
              (5, 0): 5, (5, 1): 10, (6, 0): dt.date(2026, 1, 2)}
    for (r, c), want in expect.items():
        assert calamine_cell(path, "Data", r, c) == want, (r, c)
        got = openpyxl_cell(path, "Data", r, c)
        assert got == (dt.datetime.combine(want, dt.time()) if isinstance(want, dt.date) else want), (r, c)
    xml = sheet_xml(path, "Data")
    assert b"<conditionalFormatting" not in xml and b"<x:conditionalFormatting" in xml
    with zipfile.ZipFile(path) as zf:
        styles = zf.read("xl/styles.xml")
    assert b'<x:numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>' in styles and b"<x:dxfs count=\"1\">" in styles
    ET.fromstring(styles)  # still well-formed, prefixes and all


def test_empty_sheet_gets_its_first_rows(tmp_path: Path) -> None:
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<dimension ref="A1"/><sheetData/></worksheet>')
    path = write_package(tmp_path / "empty.xlsx", sheet)
    patch_sheet(path, "Data", {(2, 2): "C2", (1, 0): 1}, now=NOW)
    assert calamine_cell(path, "Data", 2, 2) == "C2" and calamine_cell(path, "Data", 1, 0) == 1
    assert b'<dimension ref="A1:C2"/>' in sheet_xml(path, "Data")


def test_empty_sheet_dimension_is_just_what_was_written(tmp_path: Path) -> None:
    # "A1" is what an empty sheet's <dimension> says: it must not stretch the new range to A1
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<dimension ref="A1"/><sheetData/></worksheet>')
    path = write_package(tmp_path / "empty.xlsx", sheet)
    patch_sheet(path, "Data", {(2, 2): "C2"}, now=NOW)
    assert b'<dimension ref="C2"/>' in sheet_xml(path, "Data")


def test_new_cells_take_their_columns_style(tmp_path: Path) -> None:
    path = tmp_path / "styled.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.set_column(6, 6, 12, wb.add_format({"bold": True}))  # G is bold, H is not
    ws.write(0, 0, "x")
    wb.close()
    patch_sheet(path, "S", {(2, 6): "in G", (2, 7): "in H"}, columns={6: (3, ["G3", "G4"])}, now=NOW)
    ws = openpyxl.load_workbook(path)["S"]
    assert [ws[ref].font.b for ref in ("G2", "G3", "G4")] == [True, True, True] and not ws["H2"].font.b


def test_columns_write_the_same_as_cells(tmp_path: Path) -> None:
    a = build_orders(tmp_path / "a.xlsx")
    b = build_orders(tmp_path / "b.xlsx")
    statuses = ["逾期", "at_risk", None, "on_track"]
    dates = [dt.date(2026, 11, d) for d in (1, 2, 3, 4)]
    cells = {(1, 6): "状态", (1, 7): "节点"}
    cells.update({(2 + i, 6): v for i, v in enumerate(statuses)})
    cells.update({(2 + i, 7): v for i, v in enumerate(dates)})
    patch_sheet(a, "订单", cells, now=NOW)
    patch_sheet(b, "订单", {(1, 6): "状态", (1, 7): "节点", (5, 7): dt.date(2026, 11, 4)},
                columns={6: (2, statuses), 7: (2, [*dates[:3], None])}, now=NOW)
    # the explicit (5, 7) won over the block's None; everything else is the same bytes
    assert [m[2] for m in raw_members(a)] == [m[2] for m in raw_members(b)]
    assert calamine_cell(b, "订单", 5, 7) == dt.date(2026, 11, 4)


@pytest.mark.parametrize("code, is_date", [
    ("yyyy-mm-dd", True), ("mm/dd/yy", True), ('[$-804]yyyy"年"m"月"d"日"', True), ("m", True),
    ("d-mmm", True), ("yyyy/m/d h:mm", True), ("0.00", False), ("General", False), ("[Red]0.00", False),
    ("0.00E+00", False), ('"Day "0', False), ("h:mm", False), ("[h]:mm:ss", False), ("#,##0;[Red]-#,##0", False),
    ("@", False),
])
def test_which_number_formats_show_dates(code: str, is_date: bool) -> None:
    from gendan_xl.xlsx.styles import _is_date_code

    assert _is_date_code(code) is is_date


def test_number_into_a_date_formatted_cell_is_still_verified(orders: Path) -> None:
    # E2 is formatted as a date by the user; a number written there shows as a date, and that is fine
    result = patch_sheet(orders, "订单", {(2, 4): 46000}, now=NOW)
    assert result.verified
    assert calamine_cell(orders, "订单", 2, 4) == dt.date(2025, 12, 9)


def test_rerun_clears_old_values_and_fills_gaps(orders: Path) -> None:
    # refresh 1: days late only on some lines; refresh 2: the late line is fixed, another becomes late
    first = {6: (2, ["逾期", "on_track", "on_track", "at_risk"]), 7: (2, [3, None, None, None]),
             8: (2, ["验货未做", None, "", "物料晚"])}
    patch_sheet(orders, "订单", {(1, 6): "状态", (1, 7): "晚天数", (1, 8): "原因"}, columns=first, now=NOW)
    second = {6: (2, ["on_track", "逾期", "on_track", "at_risk"]), 7: (2, [None, 5, None, None]),
              8: (2, [None, "出货晚", "", "物料晚"])}
    result = patch_sheet(orders, "订单", {(1, 6): "状态", (1, 7): "晚天数", (1, 8): "原因"}, columns=second,
                         now=NOW)
    assert result.cleared == 2  # H2 and I2 had values
    for col, (first_row, values) in second.items():
        for i, want in enumerate(values):
            assert calamine_cell(orders, "订单", first_row + i, col) == ("" if want is None else want)
    root = ET.fromstring(sheet_xml(orders, "订单"))
    for row in root.find(f"{NS}sheetData"):
        cols = [openpyxl.utils.column_index_from_string(re.match("[A-Z]+", c.get("r")).group(0)) for c in row]
        assert cols == sorted(cols) and len(cols) == len(set(cols))


def test_rerun_columns_write_the_same_as_cells(tmp_path: Path) -> None:
    # whole columns take the fast paths (new cells spliced in a batch; on a re-run our old cells replaced
    # whole when they match); cells go cell by cell. Both must write the same bytes, whatever changed.
    a = build_orders(tmp_path / "a.xlsx")
    b = build_orders(tmp_path / "b.xlsx")
    runs = [
        {6: ["逾期", "完成 50%", None, "on_track"], 7: [dt.date(2026, 11, 1), None, dt.date(2026, 11, 3), 4],
         8: [3, None, 7.5, "a\r\nb"]},
        # cleared, filled, a date turned text (in a cell styled as a date), text turned number, unchanged
        {6: [None, "完成 50%", "有风险 %d %s", "on_track"], 7: ["未排期", dt.date(2026, 11, 2), None, 4],
         8: [3, 2, "x", "a\r\nb"]},
    ]
    headers = {(1, 6): "状态", (1, 7): "节点", (1, 8): "天"}
    for run in runs:
        cells = dict(headers)
        cells.update({(2 + i, col): v for col, values in run.items() for i, v in enumerate(values)})
        one = patch_sheet(a, "订单", cells, now=NOW)
        other = patch_sheet(b, "订单", headers, columns={col: (2, values) for col, values in run.items()}, now=NOW)
        assert (one.written, one.cleared) == (other.written, other.cleared)
        assert [m[2] for m in raw_members(a)] == [m[2] for m in raw_members(b)]
    assert calamine_cell(b, "订单", 4, 6) == "有风险 %d %s" and calamine_cell(b, "订单", 3, 6) == "完成 50%"


@pytest.mark.parametrize("first_row, first_col", [(4, 1), (1, 3), (4, 3)])
def test_a_sheet_whose_used_range_does_not_start_at_a1(tmp_path: Path, first_row: int, first_col: int) -> None:
    """python-calamine's iter_rows pads the empty rows above the used range but not the empty columns left
    of it; the check must still compare each written cell with the right one."""
    path = tmp_path / "offset.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.cell(first_row, first_col, "订单号")
    ws.cell(first_row + 1, first_col, "SO1")
    wb.save(path)
    r = first_row + 1
    col = first_col - 1  # openpyxl counts columns from 1, patch_sheet from 0
    result = patch_sheet(path, "订单", {(r, col + 2): "已逾期"}, columns={col + 3: (first_row, ["天数", 5])},
                         backups=0)
    assert result.verified
    got = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python(
        skip_empty_area=False)
    assert got[r - 1][first_col - 1:first_col + 3] == ["SO1", "", "已逾期", 5]
    assert openpyxl.load_workbook(path)["订单"].cell(first_row, first_col + 3).value == "天数"


def test_a_column_mixing_numbers_and_booleans_keeps_each(tmp_path: Path) -> None:
    """1 == True and 0 == False: a whole column must still write each as what it is."""
    path = tmp_path / "mixed.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active.append(["h"])
    wb.save(path)
    patch_sheet(path, "S", columns={1: (1, [1, True, 0, False, True, 1])}, backups=0)
    got = [r[1] for r in python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()]
    assert [type(x) for x in got] == [float, bool, float, bool, bool, float]


def test_a_column_names_its_first_unwritable_value_and_its_cut_texts(tmp_path: Path) -> None:
    """A whole column's values are made a distinct value at a time: a value no cell can hold is named by its
    first cell, and each cell whose text is cut to Excel's limit is listed."""
    path = tmp_path / "col.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active.append(["h"])
    wb.save(path)
    long = "长" * 40_000
    with pytest.raises(GendanError, match=r"cannot write a complex .*\(B4\)"):
        patch_sheet(path, "S", columns={1: (2, ["a", "b", 1j, "c", 1j])}, backups=0)
    result = patch_sheet(path, "S", columns={1: (2, ["a", long, "b", long, "a"])}, backups=0)
    assert result.truncated == ["B3", "B5"]
