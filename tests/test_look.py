"""The refreshed sheet looks native (issue 16 item 1), checked in the file itself: our columns' widths, our
header cells in the table header's format (wrapping), our cells in the row's font and borders, styles.xml's
counts equal to its children, every other part byte-identical, and a second refresh adding nothing."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile

import pytest

from conftest import WORKBOOKS, write_book, good_row
from gendan_xl.books.refresh import EARLIER_HEADERS, OUTPUT_COLUMNS, column_widths, refresh_workbook
from gendan_xl.i18n.status import FIGURES
from gendan_xl.cellrefs import col_letter
from gendan_xl.plaintext import display_width
from gendan_xl.xlsx.cells import tag_attrs
from gendan_xl.xlsx.look import with_widths
from gendan_xl.xlsx.styles import Styles, children, elements

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)
SHEET, STYLES = "xl/worksheets/sheet1.xml", "xl/styles.xml"


def members(path):
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def cells(sheet: bytes, row: int) -> dict[str, dict[bytes, bytes]]:
    """{column letters: the cell's attributes} of one row."""
    m = re.search(rb'<row r="%d"[^>]*>(.*?)</row>' % row, sheet, re.S)
    return {re.match(rb"[A-Z]+", a[b"r"]).group(0).decode(): a
            for a in (tag_attrs(c) for c in re.findall(rb"<c\b([^>]*?)/?>", m.group(1)))}


def xf(styles: bytes, index: bytes | None) -> dict[bytes, bytes]:
    """A cell format's attributes, with its alignment's as b"align:NAME"."""
    x = Styles(styles).xfs()[int(index or 0)]
    out = tag_attrs(re.match(rb"<[^>]*>", x).group(0))
    al = re.search(rb"<alignment\b([^>]*?)/?>", x)
    out.update({b"align:" + k: v for k, v in (tag_attrs(al.group(1)) if al else {}).items()})
    return out


def widths(sheet: bytes) -> dict[int, float]:
    """Column (1-based) → width, from <cols>."""
    out = {}
    for a in (tag_attrs(c) for c in re.findall(rb"<col\b([^>]*?)/?>", sheet)):
        for c in range(int(a[b"min"]), int(a[b"max"]) + 1):
            out[c] = float(a[b"width"])
    return out


def counts_hold(styles: bytes) -> bool:
    for name, child in ((b"numFmts", b"numFmt"), (b"cellXfs", b"xf"), (b"dxfs", b"dxf")):
        m = re.search(rb"<%s\b[^>]*count=\"(\d+)\"[^>]*>(.*?)</%s>" % (name, name), styles, re.S)
        if m and int(m.group(1)) != len(children(m.group(2), child)):
            return False
    return True


@pytest.fixture
def sample(tmp_path):
    return shutil.copyfile(WORKBOOKS / "orders.xlsx", tmp_path / "orders.xlsx")


def test_our_columns_take_the_tables_look(sample):
    before = members(sample)
    result = refresh_workbook(sample, today=TODAY, now=NOW, backups=0)
    after = members(sample)
    sheet, styles = after[SHEET], after[STYLES]
    assert {n for n in before if before[n] != after[n]} == {SHEET, STYLES, "xl/tables/table1.xml"}
    ours = sorted(result.columns.values())
    header, line = cells(sheet, 3), cells(sheet, 4)
    table_head, table_cell = xf(styles, header["U"].get(b"s")), xf(styles, line["U"].get(b"s"))
    assert table_head[b"fillId"] != b"0" and table_head[b"borderId"] != b"0"  # the sample's header: a test that can fail
    for col in ours:
        letter = col_letter(col)
        head = xf(styles, header[letter].get(b"s"))
        for attr in (b"fontId", b"fillId", b"borderId"):
            assert head[attr] == table_head[attr], (letter, attr)
        assert head[b"align:wrapText"] == b"1"
        cell = xf(styles, line[letter].get(b"s"))  # every line has a cell in each of ours, blank or not
        assert (cell[b"fontId"], cell[b"borderId"]) == (table_cell[b"fontId"], table_cell[b"borderId"]), letter
    reason = xf(styles, line[col_letter(result.columns["reason"])][b"s"])
    assert reason[b"align:wrapText"] == b"1"
    date = Styles(styles)
    assert date.is_date_xf(int(line[col_letter(result.columns["next_milestone_date"])][b"s"]))
    # widths: each header shows whole in the header row's two lines, and no column is left without one
    wide = widths(sheet)
    need = column_widths(OUTPUT_COLUMNS, "zh", 2)
    for key, col in result.columns.items():
        zh, en = FIGURES[key]
        assert wide[col + 1] == need[key] >= max(display_width(zh + " /"), display_width(en)), key
    assert counts_hold(styles)


@pytest.mark.parametrize("name", ["orders.xlsx", "orders_messy.xlsx", "orders.xlsm"])
def test_a_second_refresh_adds_nothing(tmp_path, name):
    path = shutil.copyfile(WORKBOOKS / name, tmp_path / name)
    original = members(path)
    refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    first = members(path)
    assert counts_hold(first[STYLES])
    assert {n for n in original if original[n] != first[n]} <= {SHEET, STYLES, "xl/tables/table1.xml"}
    refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    second = members(path)
    assert second[STYLES] == first[STYLES]  # no xf, no numFmt, no dxf more
    assert second == first


def test_a_sheet_refreshed_before_keeps_its_columns_and_gets_the_new_headers(tmp_path):
    path = tmp_path / "old.xlsx"
    old = ["交期状态 / Lead-time status", *(h for k, h in EARLIER_HEADERS if k in ("days_late", "workdays_left"))]
    write_book(path, [good_row(**{"订单号": f"SO{i}"}) for i in range(3)])
    import python_calamine as pc
    from gendan_xl.xlsx.patch import patch_sheet

    width = len(pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()[0])
    patch_sheet(path, "订单", {(1, width + i): h for i, h in enumerate(old)}, backups=0)
    result = refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    header = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()[0]
    assert header[width:width + 3] == [h for _, h in OUTPUT_COLUMNS[:1]] + [
        " / ".join(FIGURES["days_late"]), " / ".join(FIGURES["workdays_left"])]
    assert [result.columns[k] for k in ("status", "days_late", "workdays_left")] == [width, width + 1, width + 2]
    assert sorted(h for h in header if h) == sorted(set(h for h in header if h))  # no column twice
    # a header row of one line's height: each header fits in one line
    wide, need = widths(members(path)[SHEET]), column_widths(OUTPUT_COLUMNS, "zh", 1)
    for key, text in OUTPUT_COLUMNS:
        assert wide[result.columns[key] + 1] == need[key] >= display_width(text)


def test_widths_go_where_no_col_has_one():
    head = b'<worksheet><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="9"/>' \
           b'<col min="5" max="8" width="12" customWidth="1"/></cols>'
    out = with_widths(head, b"", {2: 20.0, 5: 30.0, 9: 42.5})
    # C gets one before the E–H span; F (inside it) keeps the user's; J after it
    assert out == b'<worksheet><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="9"/>' \
                  b'<col min="3" max="3" width="20" customWidth="1"/><col min="5" max="8" width="12" ' \
                  b'customWidth="1"/><col min="10" max="10" width="42.5" customWidth="1"/></cols>'
    assert with_widths(b"<worksheet><sheetViews/>", b"x:", {0: 8.0}) == \
        b'<worksheet><sheetViews/><x:cols><x:col min="1" max="1" width="8" customWidth="1"/></x:cols>'
    assert with_widths(head, b"", {}) == head


def test_a_derived_format_is_found_again_whatever_the_order_of_its_attributes():
    data = (b'<styleSheet><numFmts count="1"><numFmt numFmtId="166" formatCode="yyyy-mm-dd"/></numFmts>'
            b'<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            b'<xf numFmtId="0" fontId="2" fillId="1" borderId="1" xfId="0" applyFont="1"><alignment vertical="center"/>'
            b'</xf><xf fontId="2" numFmtId="166" borderId="1" fillId="0" applyNumberFormat="1" xfId="0" applyFont="1">'
            b'<alignment  vertical="center"/></xf>'
            b'</cellXfs></styleSheet>')
    styles = Styles(data)
    assert styles.derived_xf(1, number_format="yyyy-mm-dd", keep_fill=False) == 2  # the same format, written otherwise
    assert not styles.changed
    wrapped = styles.derived_xf(1, number_format="General", align={"wrapText": "1"}, keep_fill=False)
    assert wrapped == 3 and styles.changed
    assert b'<alignment vertical="center" wrapText="1"/>' in elements(styles.data.split(b"<cellXfs")[1], b"xf")[3]
    assert styles.derived_xf(1, number_format="General", align={"wrapText": "1"}, keep_fill=False) == 3  # once
    assert counts_hold(styles.data)


def test_a_plain_sheet_gets_plain_cells(book):
    """No borders to keep: a line's blank figure makes no cell, and a text cell no format of its own."""
    path = book([good_row(), good_row(订单号="SO2", 出货日期=dt.date(2026, 4, 18), 已出货数量=1000)])
    result = refresh_workbook(path, today=TODAY, now=NOW, backups=0)
    sheet = members(path)[SHEET]
    shipped = cells(sheet, 3)  # SO2, shipped on time: no days late, no days to due, no next step
    for key in ("days_late", "workdays_left", "slack_workdays", "next_milestone", "next_milestone_date"):
        assert col_letter(result.columns[key]) not in shipped, key
    assert b"s" not in shipped[col_letter(result.columns["status"])]


def test_the_kept_cell_formats_agree_with_the_bytes_after_appends():
    """Styles keeps <cellXfs> parsed and counted as it appends (a bloated styles.xml is parsed once): what it
    keeps must be what a fresh read of its bytes finds, and an equal format is found, not appended again."""
    from gendan_xl.xlsx.styles import Styles

    data = (b'<styleSheet xmlns="x"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0"/></numFmts>'
            b'<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            b'<xf numFmtId="164" fontId="1" fillId="0" borderId="1" xfId="0" applyNumberFormat="1"/>'
            b'<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0"><alignment wrapText="1"/></xf>'
            b'</cellXfs></styleSheet>')
    st = Styles(data)
    wrapped = st.derived_xf(1, align={"wrapText": "1"})
    dated = st.derived_xf(1, number_format="yyyy-mm-dd")
    assert (wrapped, dated) == (3, 4) and st.derived_xf(1, align={"wrapText": "1"}) == 3
    fresh = Styles(st.data)
    assert fresh.xfs() == st.xfs() and fresh.xf_numfmt == st.xf_numfmt and fresh.fmt_codes == st.fmt_codes
    assert b'<cellXfs count="5">' in st.data and st.has_border(3) and st.is_date_xf(4)


def test_head_rows_number_rows_as_the_reader_does_when_a_writer_leaves_out_r():
    """A <row/> without r="" is no row to the reader (python-calamine's rule): the header's look is taken from
    the row the reader found the header in, not the one after it."""
    from gendan_xl.xlsx.decode import CellReader, every_cell
    from gendan_xl.xlsx.look import HeadRows

    xml = (b'<row><c t="inlineStr" s="1"><is><t>title</t></is></c></row><row/>'
           b'<row><c t="inlineStr" s="7"><is><t>header</t></is></c></row>'
           b'<row ht="30"><c s="9"><v>1</v></c></row>')
    read = {v: r for r, c, v, _ in every_cell(xml, CellReader([], [0] * 10, False)) if v is not None}
    head = HeadRows(xml, b"")
    assert read == {"title": 1, "header": 2, 1.0: 3}
    assert head.style(read["header"], 0) == 7 and head.style(read[1.0], 0) == 9 and head.heights == {3: 30.0}
