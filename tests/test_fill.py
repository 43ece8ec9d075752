"""gendan_xl.xlsx.template: templates filled into real .xlsx files, re-read with openpyxl and python-calamine."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from python_calamine import CalamineWorkbook

from gendan_xl.errors import GendanError
from gendan_xl.xlsx.template import PdfError, TemplateError, fill_template, to_pdf


def _template(path: Path) -> Path:
    """A small quote-like template: header cells, one item row, a total, a merged note below."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Quote"
    ws["A1"] = "{{ quote.number }}"
    ws["B1"] = "{{ quote.date }}"
    ws["B1"].number_format = "yyyy-mm-dd"
    ws["C1"] = "Attn: {{ quote.attn }} / {{ quote.date | date }}"
    ws["D1"] = "{{ quote.rate }}"
    ws["E1"] = "{{ quote.missing }}"
    ws["A3"], ws["B3"], ws["C3"], ws["D3"], ws["E3"] = "No", "Model", "Qty", "Price", "Amount"
    ws["A4"] = "{% row for line in lines %}{{ loop.index }}"
    ws["B4"] = "{{ line.model }}"
    ws["C4"] = "{{ line.qty }}"
    ws["D4"] = "{{ line.price }}"
    ws["D4"].number_format = "#,##0.0000"
    ws["E4"] = "=C4*D4"
    ws["E4"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["F4"] = "{{ line.model }} x{{ line.qty }}"
    ws.merge_cells("F4:G4")
    ws.row_dimensions[4].height = 30
    ws["D5"] = "Total"
    ws["E5"] = "=SUM(E4:E4)"
    ws["E5"].font = Font(bold=True)
    ws["F5"] = "=E5*2+$E$4+E4"
    ws["A7"] = "Terms for {{ quote.number }}"
    ws.merge_cells("A7:E7")
    ws.row_dimensions[7].height = 40
    ws.print_area = "A1:G7"
    ws.print_title_rows = "3:3"
    ws.column_dimensions["B"].width = 30
    other = wb.create_sheet("Summary")
    other["A1"] = "='Quote'!E5"
    wb.defined_names["grand_total"] = DefinedName("grand_total", attr_text="'Quote'!$E$5")
    wb.save(path)
    return path


CONTEXT = {
    "quote": {"number": "Q20260001", "date": dt.date(2026, 11, 27), "attn": None, "rate": Decimal("7.10"),
              "missing": None},
    "lines": [{"model": "HD-PB10K", "qty": 1000, "price": Decimal("8.3406")},
              {"model": "HD-LED12", "qty": 500, "price": Decimal("7.3173")},
              {"model": "HD-CB2M", "qty": 3000, "price": Decimal("1.0747")}],
}


@pytest.fixture
def filled(tmp_path):
    out = tmp_path / "out.xlsx"
    blocks = fill_template(_template(tmp_path / "tpl.xlsx"), CONTEXT, out)
    return out, blocks


def test_placeholders_are_typed(filled):
    out, _ = filled
    ws = load_workbook(out)["Quote"]
    assert ws["A1"].value == "Q20260001"
    assert ws["B1"].value == dt.datetime(2026, 11, 27) and ws["B1"].number_format == "yyyy-mm-dd"
    assert ws["C1"].value == "Attn:  / 2026-11-27"  # None renders as "" in text
    assert ws["D1"].value == 7.1 and ws["D1"].data_type == "n"
    assert ws["E1"].value is None  # a lone None leaves the cell empty


def test_item_row_repeats_with_styles_formulas_and_merges(filled):
    out, blocks = filled
    assert [(b.sheet, b.template_row, b.first_row, b.last_row, b.count) for b in blocks] == [("Quote", 4, 4, 6, 3)]
    ws = load_workbook(out)["Quote"]
    assert [[c.value for c in row] for row in ws["A4:D6"]] == [
        [1, "HD-PB10K", 1000, 8.3406], [2, "HD-LED12", 500, 7.3173], [3, "HD-CB2M", 3000, 1.0747]]
    assert [ws[f"E{r}"].value for r in (4, 5, 6)] == ["=C4*D4", "=C5*D5", "=C6*D6"]
    assert [ws[f"F{r}"].value for r in (4, 5, 6)] == ["HD-PB10K x1000", "HD-LED12 x500", "HD-CB2M x3000"]
    assert all(ws[f"D{r}"].number_format == "#,##0.0000" for r in (4, 5, 6))
    assert all(ws[f"E{r}"].fill.fgColor.rgb == "00FFFF00" for r in (4, 5, 6))
    assert all(ws.row_dimensions[r].height == 30 for r in (4, 5, 6))
    # rows below moved down two rows, and the total covers every item
    assert ws["D7"].value == "Total" and ws["E7"].value == "=SUM(E4:E6)" and ws["E7"].font.b
    assert ws["F7"].value == "=E7*2+$E$4+E4"
    assert ws["A9"].value == "Terms for Q20260001" and ws.row_dimensions[9].height == 40
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A9:E9", "F4:G4", "F5:G5", "F6:G6"]
    assert ws.print_area == "'Quote'!$A$1:$G$9"
    assert ws.print_title_rows == "$3:$3"
    assert ws.column_dimensions["B"].width == 30
    wb = load_workbook(out)
    assert wb["Summary"]["A1"].value == "='Quote'!E7"
    assert wb.defined_names["grand_total"].attr_text == "'Quote'!$E$7"


def test_filled_file_reads_back_with_calamine(filled):
    out, _ = filled
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Quote").to_python()
    assert rows[0][0] == "Q20260001"
    assert rows[3][:4] == [1, "HD-PB10K", 1000, 8.3406]
    assert rows[5][1] == "HD-CB2M"


def test_no_items_keeps_an_empty_row(tmp_path):
    out = tmp_path / "out.xlsx"
    blocks = fill_template(_template(tmp_path / "tpl.xlsx"), {**CONTEXT, "lines": []}, out)
    assert blocks[0].count == 0 and blocks[0].last_row == 4
    ws = load_workbook(out)["Quote"]
    assert [c.value for c in ws[4]][:6] == [None] * 6
    assert ws["E4"].fill.fgColor.rgb == "00FFFF00"
    assert ws["E5"].value == "=SUM(E4:E4)"
    assert ws["A7"].value == "Terms for Q20260001"


def test_one_item_inserts_nothing(tmp_path):
    out = tmp_path / "out.xlsx"
    fill_template(_template(tmp_path / "tpl.xlsx"), {**CONTEXT, "lines": CONTEXT["lines"][:1]}, out)
    ws = load_workbook(out)["Quote"]
    assert ws["E5"].value == "=SUM(E4:E4)" and ws["A7"].value == "Terms for Q20260001"


def test_two_item_rows_in_one_sheet(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{% row for x in first %}{{ x }}"
    ws["A2"] = "=SUM(A1:A1)"
    ws["A4"] = "{% row for y in second %}{{ y }}"
    ws["A5"] = "=SUM(A4:A4)"
    ws["A6"] = "=A2+A5"
    wb.save(tmp_path / "tpl.xlsx")
    blocks = fill_template(tmp_path / "tpl.xlsx", {"first": [1, 2, 3], "second": [10, 20]}, tmp_path / "o.xlsx")
    assert [(b.first_row, b.last_row) for b in blocks] == [(1, 3), (6, 7)]
    ws = load_workbook(tmp_path / "o.xlsx").active
    assert [ws.cell(r, 1).value for r in range(1, 10)] == [
        1, 2, 3, "=SUM(A1:A3)", None, 10, 20, "=SUM(A6:A7)", "=A4+A8"]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x","y")',
                                  "=cmd|' /C calc'!A0"])
def test_user_text_is_never_a_formula(tmp_path, text):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{{ v }}"
    ws["A2"] = "{% row for line in lines %}{{ line }}"
    ws["B2"] = "{{ line }} suffix"
    wb.save(tmp_path / "tpl.xlsx")
    fill_template(tmp_path / "tpl.xlsx", {"v": text, "lines": [text]}, tmp_path / "o.xlsx")
    ws = load_workbook(tmp_path / "o.xlsx").active
    for ref in ("A1", "A2"):
        assert ws[ref].value == text and ws[ref].data_type == "s" and ws[ref].quotePrefix
    assert ws["B2"].value == f"{text} suffix" and ws["B2"].data_type == "s"
    rows = CalamineWorkbook.from_path(str(tmp_path / "o.xlsx")).get_sheet_by_name("Sheet").to_python()
    assert rows[0][0] == text and rows[1][0] == text


def test_rendered_text_is_not_rendered_twice(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "{{ v }}"
    wb.active["A2"] = "{% row for line in lines %}{{ line }}"
    wb.save(tmp_path / "tpl.xlsx")
    fill_template(tmp_path / "tpl.xlsx", {"v": "{{ secret }}", "lines": ["{{ secret }}"], "secret": "x"},
                  tmp_path / "o.xlsx")
    ws = load_workbook(tmp_path / "o.xlsx").active
    assert ws["A1"].value == "{{ secret }}" and ws["A2"].value == "{{ secret }}"


def test_unknown_name_names_the_template_cell(tmp_path):
    wb = Workbook()
    wb.active["C3"] = "{{ quote.numbr }}"
    wb.save(tmp_path / "tpl.xlsx")
    with pytest.raises(TemplateError, match=r"tpl\.xlsx!Sheet!C3: .*numbr") as err:
        fill_template(tmp_path / "tpl.xlsx", {"quote": {"number": 1}}, tmp_path / "o.xlsx")
    assert "\n" not in str(err.value) and not (tmp_path / "o.xlsx").exists()


def test_missing_template_is_one_line(tmp_path):
    with pytest.raises(TemplateError, match="not found; rebuild it"):
        fill_template(tmp_path / "nope.xlsx", {}, tmp_path / "o.xlsx")


def test_merged_cells_across_the_item_row_are_refused(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "{% row for x in xs %}{{ x }}"
    wb.active.merge_cells("B1:B2")
    wb.save(tmp_path / "tpl.xlsx")
    with pytest.raises(TemplateError, match="B1:B2 span the item row 1"):
        fill_template(tmp_path / "tpl.xlsx", {"xs": [1]}, tmp_path / "o.xlsx")


def test_pdf_without_libreoffice_is_one_line(tmp_path):
    with pytest.raises(PdfError, match="LibreOffice \\(no-such-soffice\\) is not installed") as err:
        to_pdf(tmp_path / "x.xlsx", tmp_path, soffice="no-such-soffice")
    assert isinstance(err.value, GendanError) and "\n" not in str(err.value)


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and pdftotext")
def test_pdf_through_libreoffice(filled, tmp_path):
    out, _ = filled
    pdf = to_pdf(out, tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "out.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Q20260001" in text and "HD-CB2M" in text


def test_item_row_formula_pointing_below_follows_the_insert(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{% row for x in xs %}{{ x }}"
    ws["B1"] = "=A1/$A$3"
    ws["A3"] = "=SUM(A1:A1)"
    wb.save(tmp_path / "tpl.xlsx")
    fill_template(tmp_path / "tpl.xlsx", {"xs": [1, 2, 3]}, tmp_path / "o.xlsx")
    ws = load_workbook(tmp_path / "o.xlsx").active
    assert [ws.cell(r, 2).value for r in (1, 2, 3)] == ["=A1/$A$5", "=A2/$A$5", "=A3/$A$5"]
    assert ws["A5"].value == "=SUM(A1:A3)"
