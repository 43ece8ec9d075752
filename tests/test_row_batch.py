"""The whole-run splice (row_batch.RowBatch._splice) writes what the row-by-row merge writes.

Whole columns take the splice for every plain row (new cells before the end tag on a first run; on a
re-run, our old cells replaced whole when they are as we wrote them); cells given one by one take the
general merge. On a sheet where plain rows and rows of every other kind alternate, run after run, both
must write the same bytes."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gendan_xl.xlsx.patch import patch_sheet
from rawbook import raw_workbook, styles_xml

NOW = dt.datetime(2026, 11, 26, 8, 30)
ROWS = 600


def _row(r: int, arrays: bool, gaps: bool = False) -> str:
    """Row r (2 …): most plain, every seventh one of a kind the splice must leave to the row-by-row paths or
    write as they write it (spans="" widened to our columns).
    An array formula anywhere sends every re-run row the long way: only in the sheet that has `arrays`."""
    a = f'<c r="A{r}" t="inlineStr"><is><t>SO{r}</t></is></c>'
    b = f'<c r="B{r}"><v>{r}</v></c>'
    if gaps and r % 20 == 13:
        return ""  # many rows missing, as Excel leaves out empty rows: more gaps in one run than _REALIGN
    kind = r // 7 % 18 if r % 7 == 0 else -1
    if kind == 0:
        return f'<row r="{r}" spans="1:2">{a}{b}</row>'
    if kind == 1:
        return f'<row r="{r}" s="1" customFormat="1">{a}{b}</row>'
    if kind == 2:  # a cell without r=""
        return f'<row r="{r}">{a}<c><v>{r}</v></c></row>'
    if kind == 3:  # the last cell empty
        return f'<row r="{r}">{a}<c r="B{r}" s="1"/></row>'
    if kind == 4:
        return f'<row r="{r}"></row>'
    if kind == 5:
        return f'<row r="{r}"/>'
    if kind == 6:  # rich text in the last cell: its <color> starts like a cell
        return (f'<row r="{r}">{a}<c r="B{r}" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>red</t>'
                f'</r></is></c></row>')
    if kind == 7:
        return ""  # no such row: a gap
    if kind == 8:  # the user typed into our first column
        return f'<row r="{r}">{a}{b}<c r="C{r}"><v>5</v></c></row>'
    if kind == 9:  # a formula in our second column: kept
        return f'<row r="{r}">{a}<c r="D{r}"><f>1+1</f><v>2</v></c></row>'
    if kind == 10:
        return f'<row r="{r}">{a}{b}<extLst><ext uri="x"/></extLst></row>'
    if kind == 11:  # another cell after ours
        return f'<row r="{r}">{a}{b}<c r="H{r}"><v>1</v></c></row>'
    if kind == 12:  # the last cell empty, an empty <extLst/> after it
        return f'<row r="{r}">{a}<c r="B{r}" s="1"/><extLst/></row>'
    if kind == 14:  # as Excel writes every row
        return f'<row r="{r}" spans="1:2" x14ac:dyDescent="0.25">{a}{b}</row>'
    if kind == 15:  # a height of its own, spans in two ranges, no cell of the row's own
        return f'<row r="{r}" ht="20" customHeight="1" spans="1:1 2:2"></row>'
    if kind == 16:  # spans wider than ours, after other attributes
        return f'<row r="{r}" ht="15"	spans="1:30">{a}{b}</row>'
    if kind == 13 and arrays:  # an array formula over our first column: its cells there are the formula's
        return (f'<row r="{r}">{a}<c r="B{r}"><f t="array" ref="B{r}:C{r}">{{1,2}}</f><v>1</v></c>'
                f'<c r="C{r}"><v>2</v></c></row>')  # (Excel writes a cell for each of the array's cells)
    if kind == 17:  # cells out of column order: one of ours first, the row's own after it
        return f'<row r="{r}"><c r="C{r}"><v>7</v></c>{a}{b}</row>'
    return f'<row r="{r}">{a}{b}</row>'


def _book(path: Path, arrays: bool, gaps: bool = False) -> Path:
    head = '<row r="1"><c r="A1" t="inlineStr"><is><t>订单号</t></is></c><c r="B1" t="inlineStr"><is><t>数量</t></is></c></row>'
    return raw_workbook(path, head + "".join(_row(r, arrays, gaps) for r in range(2, ROWS + 2)),
                        styles=styles_xml(xf_fmts=[0, 14, 0]), head=_COLS)


_COLS = '<cols><col min="3" max="3" width="12" style="2" customWidth="1"/></cols>'  # our texts' column: a style


def _values(run: int) -> dict[int, list[Any]]:
    """Our three columns' values in rows 2 …: each run changes some, clears some, turns dates into text; the
    first holds a few texts over and over and, every fifth row, one of its own (as the reasons are)."""
    status = ["逾期", "正常", None, "有风险 %d %s", "a&b <x>", " 空格 "]
    col_c = [status[(r * (run + 1)) % len(status)] if r % 5 else f"第 {r} 行 {run}" for r in range(ROWS)]
    col_d = [dt.date(2026, 1, 1) + dt.timedelta(days=r % 40) if (r + run) % 5 else ("未排期" if run else None)
             for r in range(ROWS)]
    col_e = [None if (r + run) % 9 == 0 else (r % 13) * (run + 1) for r in range(ROWS)]
    return {2: col_c, 3: col_d, 4: col_e}


def _sheet(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("arrays, gaps", [(False, False), (True, False), (False, True)])
def test_the_splice_writes_what_the_merge_writes(tmp_path: Path, arrays: bool, gaps: bool) -> None:
    spliced, merged = _book(tmp_path / "spliced.xlsx", arrays, gaps), _book(tmp_path / "merged.xlsx", arrays, gaps)
    headers = {(1, 2): "状态", (1, 3): "节点", (1, 4): "天"}
    for run in (0, 1, 1, 2):  # first run; a re-run with changes; the same again; changes again
        values = _values(run)
        one = patch_sheet(spliced, "Sheet1", headers, columns={c: (2, v) for c, v in values.items()}, now=NOW,
                          backups=0)
        cells = dict(headers)
        cells.update({(2 + i, c): v for c, vs in values.items() for i, v in enumerate(vs)})
        other = patch_sheet(merged, "Sheet1", cells, now=NOW, backups=0)
        assert _sheet(spliced) == _sheet(merged), run
        assert (one.written, one.cleared, one.skipped) == (other.written, other.cleared, other.skipped)
    assert b'<c r="D63"><f>1+1</f>' in _sheet(spliced)  # kind 9 (63 = 7 × 9): the formula kept
    assert any(why == "array-formula-cell-kept" for _, why in one.skipped) == arrays  # and an array's cells


def test_a_cell_of_ours_out_of_order_is_found_with_none_in_our_first_column(tmp_path: Path) -> None:
    """Rows whose cell in our second column comes first, and which get nothing in our first (the run has no
    cell there at all): the splice must find that cell as the merge does, not add a second one."""
    def book(path: Path) -> Path:
        rows = "".join(f'<row r="{r}">' + (f'<c r="D{r}"><v>7</v></c>' if r % 3 == 0 else "")
                       + f'<c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 62))
        return raw_workbook(path, rows)

    spliced, merged = book(tmp_path / "spliced.xlsx"), book(tmp_path / "merged.xlsx")
    values = {2: [None if r % 3 == 0 else "状态" for r in range(2, 62)], 3: list(range(2, 62)), 4: ["x"] * 60}
    patch_sheet(spliced, "Sheet1", columns={c: (2, v) for c, v in values.items()}, now=NOW, backups=0)
    patch_sheet(merged, "Sheet1", {(2 + i, c): v for c, vs in values.items() for i, v in enumerate(vs)}, now=NOW,
                backups=0)
    assert _sheet(spliced) == _sheet(merged)
    assert _sheet(spliced).count(b'<c r="D3"') == 1


def test_rows_apart_and_a_last_row_with_no_end_tag(tmp_path: Path) -> None:
    """White space between rows and a last row written <row …/>: a run of rows is taken whole
    (`SheetPatcher.feed_rows`), what follows its last </row> too — nothing lost, nothing doubled."""
    rows = "\n".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 40)) + '\n<row r="40"/>\n'
    path = raw_workbook(tmp_path / "apart.xlsx", rows)
    patch_sheet(path, "Sheet1", columns={2: (2, [f"x{r}" for r in range(2, 41)])}, now=NOW, backups=0)
    xml = _sheet(path)
    assert xml.count(b'<c r="C') == 39 and xml.count(b"</row>\n<row") == 38
    assert b'<row r="40"><c r="C40" t="inlineStr"><is><t>x40</t></is></c></row>\n</sheetData>' in xml
