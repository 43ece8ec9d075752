"""Our own reading of cell XML (xlsx/decode.py) gives what python-calamine gives, cell for cell: on every
worksheet of the corpus and on hand-written cells for each rule."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import python_calamine as pc

from conftest import CORPUS, WORKBOOKS
from gendan_xl.xlsx.decode import DATETIME, OTHER, TIMEDELTA, CellReader, cell_formats, format_kind, \
    shared_strings, sheet_cells
from gendan_xl.xlsx.package import open_package, relationships
from rawbook import raw_workbook, styles_xml


def our_grid(path: Path) -> dict[str, list[list]]:
    pkg = open_package(path)
    with pkg.zf as zf:
        rels = {kind: target for _, kind, target in relationships(zf, pkg.names, pkg.workbook)}
        sst = pkg.part(rels.get("sharedStrings", "xl/sharedStrings.xml"))
        styles = pkg.part(rels.get("styles", "xl/styles.xml"))
        reader = CellReader(shared_strings(zf.read(sst) if sst else None),
                            cell_formats(zf.read(styles) if styles else None), pkg.date1904)
        out = {}
        for name, kind, part in pkg.sheets:
            if kind == "worksheet" and pkg.part(part):
                cells = list(sheet_cells(zf.read(pkg.part(part)), reader))
                h = max((r for r, _, _ in cells), default=0)
                w = max((c for _, c, _ in cells), default=-1) + 1
                grid = [[""] * w for _ in range(h)]
                for r, c, v in cells:
                    grid[r - 1][c] = v
                out[name] = grid
        return out


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def assert_reads_like_calamine(path: Path) -> int:
    ours = our_grid(path)
    compared = 0
    with pc.CalamineWorkbook.from_path(str(path)) as wb:
        for name in wb.sheet_names:
            if name not in ours:
                continue
            try:
                want = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception:  # a sheet calamine cannot read (Excel 4 macros ...)
                continue
            got = ours[name]
            assert len(got) == len(want), (name, len(got), len(want))
            for r, (a, b) in enumerate(zip(want, got), start=1):
                assert len(a) == len(b), (name, r)
                for c, (x, y) in enumerate(zip(a, b)):
                    assert same(x, y), (name, r, c, x, y)
            compared += 1
    return compared


def _corpus() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    out = []
    for p in sorted(CORPUS.glob("*.xls*")):
        try:
            pc.CalamineWorkbook.from_path(str(p)).close()
            open_package(p).zf.close()
        except Exception:
            continue
        out.append(p)
    return out


@pytest.mark.parametrize("path", _corpus() + sorted(WORKBOOKS.glob("*.xlsx")), ids=lambda p: p.name[:50])
def test_every_worksheet_reads_like_calamine(path: Path) -> None:
    assert_reads_like_calamine(path) >= 0


CASES = {
    "text": '<c r="A1" t="inlineStr"><is><t>  spaced  </t></is></c>'
            '<c r="B1" t="inlineStr"><is><t xml:space="preserve">  kept  </t></is></c>'
            '<c r="C1" t="inlineStr"><is><t>a&amp;b&lt;&#65;&#x42;&#10;c</t></is></c>'
            '<c r="D1" t="inlineStr"><is><t>x_x000D_y_x0041_z_x005F_x0041_</t></is></c>'
            '<c r="E1" t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">run</t></r>'
            '<rPh sb="0" eb="1"><t>ルビ</t></rPh></is></c>'
            '<c r="F1" t="inlineStr"><is><t>line1\r\nline2\rline3</t></is></c>'
            '<c r="G1" t="inlineStr"><is><t/></is></c><c r="H1" t="inlineStr"><is/></c>',
    "shared": '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
              '<c r="D1" t="s"><v/></c>',
    "numbers": '<c r="A1"><v>12</v></c><c r="B1"><v>1e3</v></c><c r="C1"><v>-0.5</v></c>'
               '<c r="D1"><v>abc</v></c><c r="E1" t="n"><v>7.25</v></c><c r="F1"><v></v></c>',
    "types": '<c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c><c r="C1" t="e"><v>#N/A</v></c>'
             '<c r="D1" t="str"><f>A1&amp;""</f><v>TRUE</v></c><c r="E1" t="str"><f>""</f><v/></c>'
             '<c r="F1"><f>1+1</f></c><c r="G1" t="d"><v>2026-11-26</v></c>'
             '<c r="H1" t="d"><v>2026-11-26T08:30:00</v></c><c r="I1" s="0"/>',
    "dates": ''.join(f'<c r="{c}1" s="{s}"><v>{v}</v></c>' for c, s, v in [
        ("A", 1, 46352), ("B", 1, 46352.5), ("C", 1, 0.25), ("D", 1, 59), ("E", 1, 61), ("F", 2, 46352),
        ("G", 3, 1.5), ("H", 4, 46352), ("I", 5, 46352), ("J", 6, 46352), ("K", 7, 46352), ("L", 8, 0.75),
        ("M", 9, 46352), ("N", 1, -3), ("O", 1, 3000000), ("P", 10, 46352), ("Q", 1, 1)]),
    "positions": '</row><row><c t="inlineStr"><is><t>no r</t></is></c><c><v>2</v></c></row>'
                 '<row r="5"><c r="C5"><v>3</v></c><c><v>4</v></c></row><row><c r="B6"><v>5</v></c></row>'
                 '<row r="8"/><row><c r="A9"><v>6</v></c>',
}
FORMATS = styles_xml({164: "yyyy/mm/dd", 165: "[h]:mm", 166: 'General" days"', 167: '0.00;[Red]"d"',
                      168: "[$-804]yyyy\"年\"m\"月\"d\"日\"", 169: "mm:ss", 170: "#,##0 \\d"},
                     [0, 14, 164, 165, 166, 167, 168, 169, 170, 20, 46])


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("date1904", [False, True])
def test_each_rule_reads_like_calamine(tmp_path: Path, case: str, date1904: bool) -> None:
    strings = '<si><t>plain</t></si><si><r><t>a</t></r><r><t xml:space="preserve"> b</t></r></si><si/>'
    path = raw_workbook(tmp_path / f"{case}.xlsx", f'<row r="1">{CASES[case]}</row>', strings=strings,
                        styles=FORMATS, date1904=date1904)
    assert assert_reads_like_calamine(path) == 1


@pytest.mark.parametrize("code, kind", [
    ("yyyy-mm-dd", DATETIME), ("0.00", OTHER), ("[h]:mm:ss", TIMEDELTA), ('"day" 0', OTHER), ("h:mm AM/PM", DATETIME),
    ("[Red]0", OTHER), ("General", OTHER), ("0;[Red]yyyy", OTHER), ("\\d 0", OTHER), ("_d0", OTHER),
])
def test_number_formats_as_calamine_reads_them(code: str, kind: int) -> None:
    assert format_kind(code) == kind


def test_shared_strings_cover_rich_text_and_empty_items() -> None:
    xml = (b'<sst><si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r></si><si/><si><t xml:space="preserve"> d </t>'
           b'</si><si><t>x</t><rPh><t>y</t></rPh></si></sst>')
    assert shared_strings(xml) == ["a", "bc", "", " d ", "x"]
