"""gendan_xl.pricing and gendan_xl.books.quotes: the price maths, rebate lookup, tiers, and the sample request → a real quote workbook."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
import sqlite3
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from conftest import COMPANY, formulas_without_value, png_file, print_setup
from gendan_xl.errors import CompanyError, GendanError, MissingSheetError, UnusableWorkbookError
from gendan_xl.xlsx.template import PdfError
from gendan_xl.books.quotes import make_quote, read_quote_request
from gendan_xl.delivery.store import Store
from gendan_xl.errors import QuoteInputError
from gendan_xl.pricing import RebateRate, export_price, find_rebate_rate

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "workbooks" / "quote_request.xlsx"
TODAY = dt.date(2026, 11, 27)
_spec = importlib.util.spec_from_file_location("build_quote_request", ROOT / "workbooks" / "build_quote_request.py")
builder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builder)

# The issue's worked example: ¥56.50 incl. 13% VAT, 13% rebate, ¥3.00 domestic costs, 10% profit,
# 0.5% bank fee, 7.10 CNY/USD.
WORKED = dict(purchase_price=Decimal("56.50"), vat_rate=Decimal("0.13"), rebate_rate=Decimal("0.13"),
              domestic_costs=Decimal("3.00"), profit_margin=Decimal("0.10"), bank_fee_rate=Decimal("0.005"),
              exchange_rate=Decimal("7.10"))


# ------------------------------------------------------------------------------------------ the maths


def test_worked_example_intermediate_figures():
    p = export_price(**WORKED, places=2)
    assert (p.ex_vat_cost, p.rebate, p.real_cost) == (Decimal("50"), Decimal("6.5"), Decimal("50"))
    assert p.cost == Decimal("53.00") and p.divisor == Decimal("0.895")
    assert p.price == Decimal("8.34") and p.incoterm == "FOB" and p.pricing == "margin"
    # what the price pays for adds back up to it
    assert abs(p.cost + p.profit + p.bank_fee + p.insurance - p.price_cny) < Decimal("1e-25")
    assert abs(p.profit - p.price_cny * Decimal("0.10")) < Decimal("1e-25")


@pytest.mark.parametrize("changes, price", [
    ({}, "8.34"),
    ({"incoterm": "CFR", "freight": Decimal("1.20")}, "8.53"),
    ({"incoterm": "CIF", "freight": Decimal("1.20"), "insurance_rate": Decimal("0.003")}, "8.56"),
    ({"rebate_rate": Decimal("0.09")}, "8.66"),
])
def test_worked_example_prices(changes, price):
    assert export_price(**{**WORKED, **changes}, places=2).price == Decimal(price)


def test_default_places_is_four_for_a_foreign_unit_price():
    assert export_price(**WORKED).price == Decimal("8.3405")


def test_rounding_is_half_up_and_only_at_the_end():
    p = export_price(purchase_price="1.00005", vat_rate=0, rebate_rate=0, profit_margin=0)
    assert p.price == Decimal("1.0001")  # banker's rounding would give 1.0000
    p = export_price(purchase_price="10", vat_rate="0.13", rebate_rate="0.13", profit_margin="0.1",
                     exchange_rate="7.1", places=2)
    assert p.ex_vat_cost != p.ex_vat_cost.quantize(Decimal("1e-20"))  # intermediate figures keep every digit
    assert abs(p.ex_vat_cost * Decimal("1.13") - 10) < Decimal("1e-25")
    assert p.price == (p.price_cny / Decimal("7.1")).quantize(Decimal("0.01"))


def test_markup_on_cost_is_profit_as_a_share_of_cost():
    p = export_price(**{**WORKED, "profit_margin": None, "markup_on_cost": Decimal("0.10")})
    assert p.pricing == "markup"
    assert abs(p.price_cny * Decimal("0.995") - Decimal("53.00") * Decimal("1.10")) < Decimal("1e-25")
    assert abs(p.profit - Decimal("5.300")) < Decimal("1e-25")
    assert p.price == Decimal("8.2525")  # 53.00 × 1.10 / 0.995 / 7.10


def test_exw_leaves_out_export_costs_and_fob_ignores_freight_and_insurance():
    base = {**WORKED, "domestic_costs": Decimal("2.20"), "export_costs": Decimal("0.80")}
    assert export_price(**base).price == export_price(**WORKED).price
    exw = export_price(**base, incoterm="exw")
    assert exw.export_costs == 0 and exw.cost == Decimal("52.20") and exw.incoterm == "EXW"
    fob = export_price(**base, freight=5, insurance_rate="0.01")
    assert (fob.freight, fob.insurance_rate, fob.price) == (0, 0, Decimal("8.3405"))


def test_float_and_text_inputs_go_through_str():
    assert export_price(**{**WORKED, "purchase_price": 56.5, "exchange_rate": "7.10"}).price == Decimal("8.3405")


@pytest.mark.parametrize("changes, code", [
    ({"purchase_price": Decimal("-1")}, "negative-input"),
    ({"domestic_costs": -3}, "negative-input"),
    ({"incoterm": "CFR", "freight": "-0.5"}, "negative-input"),
    ({"profit_margin": Decimal("1")}, "rate-too-high"),
    ({"profit_margin": Decimal("0.995")}, "margin-too-high"),
    ({"incoterm": "CIF", "profit_margin": Decimal("0.99"), "insurance_rate": Decimal("0.005")},
     "margin-too-high"),
    ({"incoterm": "DDP"}, "unknown-incoterm"),
    ({"incoterm": ""}, "unknown-incoterm"),
    ({"rebate_rate": Decimal("0.15")}, "rebate-above-vat"),
    ({"exchange_rate": 0}, "bad-exchange-rate"),
    ({"markup_on_cost": Decimal("0.1")}, "pricing-mode"),
    ({"profit_margin": None}, "no-pricing"),
    ({"places": -1}, "bad-places"),
    ({"purchase_price": "abc"}, "negative-input"),
])
def test_invalid_inputs_raise_one_clear_error(changes, code):
    with pytest.raises(QuoteInputError) as err:
        export_price(**{**WORKED, **changes})
    assert err.value.code == code
    assert isinstance(err.value, ValueError) and isinstance(err.value, GendanError)
    assert "\n" not in str(err.value) and err.value.message("zh") != str(err.value)


# ------------------------------------------------------------------------------------- rebate rates

RATES = [
    RebateRate(Decimal("0.13"), dt.date(2020, 1, 1), hs_code="8507600090"),
    RebateRate(Decimal("0.09"), dt.date(2024, 12, 1), hs_code="8507600090"),
    RebateRate(Decimal("0.13"), dt.date(2020, 1, 1), hs_code="9405"),
    RebateRate(Decimal("0.09"), dt.date(2020, 1, 1), hs_code="940521"),
    RebateRate(Decimal("0.13"), dt.date(2020, 1, 1), family="线材"),
]


@pytest.mark.parametrize("on, hs, family, rate", [
    (dt.date(2024, 11, 30), "8507600090", None, "0.13"),
    (dt.date(2024, 12, 1), "8507600090", None, "0.09"),
    (dt.date(2026, 12, 20), "8507.60.0090", None, "0.09"),
    (dt.date(2026, 1, 1), "9405219000", None, "0.09"),  # the longest matching HS prefix wins
    (dt.date(2026, 1, 1), "9405100000", None, "0.13"),
    (dt.date(2026, 1, 1), None, " 线材 ", "0.13"),
    (dt.date(2026, 1, 1), "8544422100", "线材", "0.13"),  # no HS row: the family
    (dt.date(2026, 1, 1), "8544422100", None, None),
    (dt.date(2019, 12, 31), "8507600090", None, None),  # before any rate was valid
])
def test_rebate_rate_by_hs_code_family_and_date(on, hs, family, rate):
    found = find_rebate_rate(RATES, on=on, hs_code=hs, family=family)
    assert (found.rate if found else None) == (Decimal(rate) if rate else None)


# ----------------------------------------------------------------------------- request → quote file


def _run(tmp_path, request=SAMPLE, today=TODAY, **kw):
    kw.setdefault("company", COMPANY)
    with Store(tmp_path / "data") as store:
        return make_quote(request, out=tmp_path / "out", quote_log=store, today=today, **kw)


def _variant(tmp_path, name="request.xlsx", header=None, lines=None, rates=None):
    hdr = list(builder.HEADER)
    for label, value in (header or {}).items():
        hdr = [(lbl, value if lbl == label else v) for lbl, v in hdr]
    return builder.build_request(tmp_path / name, header=hdr, lines=lines, rates=rates)


def test_sample_request_is_read(tmp_path):
    req = read_quote_request(SAMPLE)
    assert req.header["customer"] == "NORDLICHT" and req.header["exchange_rate"] == Decimal("7.1")
    assert req.header["export_date"] == dt.date(2026, 12, 20) and req.header["validity_days"] == 30
    assert req.header["profit_margin"] == Decimal("0.1") and req.header_refs["currency"] == "B11"
    assert len(req.lines) == 11 and len(req.rates) == 6 and req.issues == []
    assert req.rates_checked == dt.date(2026, 11, 2) and req.rates_checked_ref == "B1"


def test_sample_quote_prices(tmp_path):
    result = _run(tmp_path)
    assert result.ok and result.issues == [] and result.quote_no == "Q20260001"
    assert result.path == tmp_path / "out" / "Q20260001-NORDLICHT.xlsx"
    assert result.valid_until == dt.date(2026, 12, 27)
    prices = {(line.model, line.quantity): line.price for line in result.lines}
    assert len(prices) == 11
    # HD-PB10K 1,000 pcs is the worked example, exported 2026-12-20: after the battery cut to 6% on 2026-04-01
    first = result.lines[0]
    assert first.rebate.rate == Decimal("0.06") and first.breakdown.cost == Decimal("56.50")
    assert prices[("HD-PB10K", 1000)] == Decimal("8.8913")
    assert first.breakdown.price_exact.quantize(Decimal("0.01")) == Decimal("8.89")
    # the 5,000 tier repeats the costs of the row above and takes its own margin and price
    tier = result.lines[1]
    assert tier.breakdown.domestic_costs == Decimal("2.20") and tier.breakdown.profit_margin == Decimal("0.08")
    assert tier.price == export_price(purchase_price="54.80", vat_rate="0.13", rebate_rate="0.06",
                                      domestic_costs="2.20", export_costs="0.80", profit_margin="0.08",
                                      bank_fee_rate="0.005", exchange_rate="7.1").price
    assert [(line.item_no, line.first_tier) for line in result.lines[:4]] == [(1, True), (1, False), (1, False),
                                                                              (2, True)]
    json.dumps(result.to_dict())  # --json prints exactly this
    assert result.to_dict()["lines"][0]["price"] == "8.8913"  # money is text of fixed decimals, never a float


@pytest.mark.parametrize("export_date, rate, price", [
    (dt.date(2024, 11, 15), "0.13", "8.3405"),
    (dt.date(2026, 3, 31), "0.09", "8.6553"),  # the worked example, before the 2026-04-01 cut
    (dt.date(2026, 4, 1), "0.06", "8.8913"),  # 2.7% more: what the sample missed before issue 16
])
def test_rebate_rate_follows_the_export_date(tmp_path, export_date, rate, price):
    request = _variant(tmp_path, header={"预计出口日期 Expected Export Date": export_date})
    result = _run(tmp_path, request)
    assert result.lines[0].rebate.rate == Decimal(rate) and result.lines[0].price == Decimal(price)


def test_quote_workbook_reads_back(tmp_path):
    path = _run(tmp_path).path
    ws = load_workbook(path).active
    assert ws["G9"].value == "Q20260001"
    assert ws["G10"].value == dt.datetime(2026, 11, 27) and ws["G10"].number_format == "yyyy-mm-dd"
    assert ws["G11"].value == dt.datetime(2026, 12, 27)
    assert ws["A1"].value == COMPANY["name"] and ws["C13"].value == "FOB Shenzhen"
    assert ws["A4"].value == "电话 Tel: +86 755 2888 0000    邮箱 Email: sales@hengda.example"
    assert ws["G15"].value == "单价 Unit Price\n(USD)"
    # 11 tiers from row 16; the model shows on its first tier only
    assert [ws.cell(r, 2).value for r in range(16, 20)] == ["HD-PB10K", None, None, "HD-LB18650"]
    assert [ws.cell(r, 5).value for r in range(16, 19)] == [1000, 5000, 10000]
    assert ws["G16"].value == 8.8913 and ws["G16"].number_format == "#,##0.0000"
    # each amount is a value (quantity × price, 2 places): every viewer shows it without calculating
    assert ws["H16"].value == 8891.30 and ws["H26"].value == 3224.10 and ws["H26"].number_format == "#,##0.00"
    assert formulas_without_value(path) == []
    # the tiers are alternatives: nothing adds them up
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("合计" in t or "Total" in t for t in texts) and ws["A27"].value is None
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A7:H7", "A28:H28"} <= merged
    assert ws["A15"].fill.fgColor.rgb == "001F3864" and ws["A15"].font.b
    assert ws["A26"].border.left.style == "thin"
    assert ws.print_area == "'报价单 Quotation'!$A$1:$H$45"  # with COMPANY's two bank lines
    assert print_setup(ws) == {"orientation": "portrait", "paper": 9, "fit": True,
                               "title_rows": "$15:$15", "page_numbers": True}
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("报价单 Quotation").to_python()
    assert rows[15][1] == "HD-PB10K" and rows[15][6] == 8.8913 and rows[15][7] == 8891.3
    assert any("30 天 / days" in str(c) for row in rows for c in row)
    # gendan.toml's bank block, under the terms
    assert "SWIFT Code: EXMPCNSZXXX" in texts and "汇款资料 Bank Details" in texts


def test_no_logo_no_box_and_a_logo_is_placed(tmp_path):
    """Without [company] logo the letterhead has no LOGO box; with one, the image sits in the template's box."""
    plain = load_workbook(_run(tmp_path).path).active
    assert not any("LOGO" in str(c.value) for row in plain.iter_rows() for c in row if c.value)
    assert plain._images == []
    logo = png_file(tmp_path / "logo.png", 400, 100)
    path = _run(tmp_path, company={**COMPANY, "logo": str(logo)}).path
    ws = load_workbook(path).active
    assert not any("LOGO" in str(c.value) for row in ws.iter_rows() for c in row if c.value)
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/media/image1.png") == logo.read_bytes()
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    # anchored in G1 (the box G1:H4), 4:1 like the image (to the pixel), inside the box's 213 × 90 px
    assert re.search(r"<(xdr:)?from><(xdr:)?col>6</(xdr:)?col>.*<(xdr:)?row>0</", drawing)
    cx, cy = (int(v) for v in re.search(r'<(?:xdr:)?ext cx="(\d+)" cy="(\d+)"', drawing).groups())
    assert abs(cx - 4 * cy) <= 4 * 9525 and cx <= 213 * 9525 and cy <= 90 * 9525


def test_a_quote_without_a_company_is_refused_before_numbering(tmp_path):
    with pytest.raises(CompanyError, match=r"set \[company\] name .* in gendan.toml"):
        _run(tmp_path, company={})
    assert not (tmp_path / "out").exists()
    assert _run(tmp_path).quote_no == "Q20260001"  # the refused run used up no number


def test_a_missing_logo_file_is_refused(tmp_path):
    with pytest.raises(CompanyError, match=r"\[company\] logo = .*nope.png: no such file"):
        _run(tmp_path, company={**COMPANY, "logo": str(tmp_path / "nope.png")})


def test_quote_numbers_never_repeat_and_every_tier_is_logged(tmp_path):
    first, second = _run(tmp_path), _run(tmp_path)
    next_year = _run(tmp_path, today=dt.date(2027, 1, 4))
    assert (first.quote_no, second.quote_no, next_year.quote_no) == ("Q20260001", "Q20260002", "Q20270001")
    assert first.path != second.path and first.path.exists() and second.path.exists()
    with sqlite3.connect(tmp_path / "data" / "gendan.sqlite") as conn:
        rows = conn.execute("SELECT quote_no, date, customer, model, tier_qty, price, currency, valid_until "
                            "FROM quote_log ORDER BY id").fetchall()
    assert len(rows) == 33
    assert rows[0] == ("Q20260001", "2026-11-27", "NORDLICHT", "HD-PB10K", 1000, "8.8913", "USD", "2026-12-27")


def test_missing_rebate_rate_is_a_finding_and_writes_nothing(tmp_path):
    rates = [r for r in builder.RATES if r[1] != "线材"]
    result = _run(tmp_path, _variant(tmp_path, rates=rates))
    assert not result.ok and result.quote_no is None and result.path is None and result.lines == []
    assert [(i.sheet, i.cell, i.code) for i in result.issues] == [("报价明细", "D12", "no-rebate-rate")]
    assert "HD-CB2M" in result.issues[0].message and "退税率" in result.issues[0].message
    assert not (tmp_path / "out").exists()
    assert _run(tmp_path).quote_no == "Q20260001"  # the failed run used up no number


def test_tier_below_moq_and_repeated_tier_are_warnings(tmp_path):
    lines = [list(r) for r in builder.LINES]
    lines[1][6] = 800  # HD-PB10K: a tier under its MOQ of 1,000
    lines[2][6] = 800
    result = _run(tmp_path, _variant(tmp_path, lines=lines))
    assert result.ok and result.quote_no
    assert [(i.cell, i.code, i.severity) for i in result.issues] == [
        ("G3", "tier-below-moq", "warning"), ("G4", "tier-below-moq", "warning"),
        ("G4", "duplicate-tier", "warning")]


@pytest.mark.parametrize("label, value, cell, code", [
    ("币种 Currency", None, "B11", "missing-value"),
    ("汇率 Exchange Rate", None, "B12", "missing-value"),
    ("贸易条款 Incoterm", "DAP", "B8", "unknown-incoterm"),
    ("有效期(天) Validity (days)", "一个月", "B14", "bad-number"),
])
def test_header_problems_name_their_cell(tmp_path, label, value, cell, code):
    result = _run(tmp_path, _variant(tmp_path, header={label: value}))
    assert result.quote_no is None
    assert ("报价申请", cell, code) in [(i.sheet, i.cell, i.code) for i in result.issues]


def test_line_problems_name_their_cell(tmp_path):
    lines = [list(r) for r in builder.LINES]
    lines[3][7] = None  # HD-LB18650 500 pcs: no purchase price
    lines[5][13] = 120  # HD-LED12 500 pcs: a margin of 120% (numbers of 1 or more are percent points)
    result = _run(tmp_path, _variant(tmp_path, lines=lines))
    assert [(i.sheet, i.cell, i.code) for i in result.issues] == [
        ("报价明细", "H5", "missing-value"), ("报价明细", "N7", "rate-too-high")]


def test_percent_text_and_percent_points_are_rates(tmp_path):
    lines = [list(r) for r in builder.LINES]
    lines[0][13] = "10%"
    request = _variant(tmp_path, lines=lines, header={"利润率 Profit Margin": 10})
    result = _run(tmp_path, request)
    assert result.lines[0].breakdown.profit_margin == Decimal("0.1") and result.lines[0].price == Decimal("8.8913")
    assert result.lines[-1].breakdown.profit_margin == Decimal("0.15")


def test_cif_request(tmp_path):
    request = _variant(tmp_path, header={"贸易条款 Incoterm": "CIF"})
    result = _run(tmp_path, request)
    assert result.incoterm == "CIF" and result.lines[0].breakdown.freight == Decimal("1.2")
    assert result.lines[0].price == export_price(**{**WORKED, "rebate_rate": Decimal("0.06")}, incoterm="CIF",
                                                 freight="1.20", insurance_rate="0.003").price
    assert load_workbook(result.path).active["C13"].value == "CIF Hamburg"


def test_customer_text_cannot_become_a_formula(tmp_path):
    lines = [list(r) for r in builder.LINES]
    lines[0][1] = "=HYPERLINK(\"http://evil.example\",\"click\")"
    request = _variant(tmp_path, lines=lines, header={"联系人 Attn": "+86 Ms. Becker", "客户名称 Customer Name": "@corp"})
    ws = load_workbook(_run(tmp_path, request).path).active
    for ref in ("C16", "C9", "C10"):
        assert ws[ref].data_type == "s" and ws[ref].quotePrefix, ref
    assert ws["C16"].value.startswith("=HYPERLINK")


def test_pdf_without_libreoffice_stops_before_numbering(tmp_path):
    with pytest.raises(PdfError, match="not installed"):
        _run(tmp_path, pdf=True, soffice="no-such-soffice")
    assert not (tmp_path / "out").exists() and not (tmp_path / "data").exists()


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and pdftotext")
def test_quote_pdf_through_libreoffice(tmp_path):
    result = _run(tmp_path, pdf=True)
    assert result.pdf == tmp_path / "out" / "Q20260001-NORDLICHT.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("报 价 单", "QUOTATION", "Q20260001", "深圳市恒达电子科技有限公司", "8.8913", "8,891.30",
                     "FOB Shenzhen", "EXMPCNSZXXX"):
        assert expected in text
    assert "LOGO" not in text and "合计" not in text


def test_request_without_lines_is_a_finding(tmp_path):
    result = _run(tmp_path, _variant(tmp_path, lines=[]))
    assert [(i.sheet, i.code) for i in result.issues] == [("报价明细", "no-lines")] and result.path is None


def test_request_without_rate_sheet_is_unusable(tmp_path):
    from openpyxl import load_workbook as load

    path = _variant(tmp_path)
    wb = load(path)
    del wb["退税率"]
    wb.save(path)
    with pytest.raises(MissingSheetError, match='request.xlsx has no sheet "退税率"') as err:
        _run(tmp_path, path)
    assert "\n" not in str(err.value)


def test_not_a_workbook_is_unusable(tmp_path):
    path = tmp_path / "request.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(UnusableWorkbookError, match="request.xlsx: not a workbook"):
        _run(tmp_path, path)


@pytest.mark.parametrize("currency, rate, places, price, price_format", [
    ("CNY", None, None, "63.13", "#,##0.00"),  # a CNY quote: no exchange rate needed, 2 places
    ("USD", 7.10, {"USD": 2}, "8.89", "#,##0.00"),  # [quotes] unit_places: the worked example at 2
    ("USD", 7.10, {"EUR": 3}, "8.8913", "#,##0.0000"),  # another currency's setting leaves USD at 4
    ("EUR", 7.70, {"EUR": 3}, "8.199", "#,##0.000"),
])
def test_unit_price_places(tmp_path, currency, rate, places, price, price_format):
    request = _variant(tmp_path, header={"币种 Currency": currency, "汇率 Exchange Rate": rate})
    result = _run(tmp_path, request, unit_places=places)
    assert result.ok and result.lines[0].price == Decimal(price)
    ws = load_workbook(result.path).active
    assert ws["G16"].number_format == price_format and ws["H16"].number_format == "#,##0.00"
    assert ws["H16"].value == float(Decimal(price) * 1000)


def test_amount_places(tmp_path):
    ws = load_workbook(_run(tmp_path, amount_places=0).path).active
    assert ws["H16"].value == 8891 and ws["H16"].number_format == "#,##0"


def test_gendan_toml_company_wins_and_the_request_fills_what_it_leaves_blank(tmp_path):
    header = [("公司名称 Company", "恒达（旧名）"), ("邮箱 Email", "old@hengda.example"), ("电话 Tel", "0755-1"),
              *builder.HEADER]
    request = builder.build_request(tmp_path / "request.xlsx", header=header)
    result = _run(tmp_path, request, company={"name": "恒达 (gendan.toml)", "email": "x@hengda.example"})
    ws = load_workbook(result.path).active
    assert ws["A1"].value == "恒达 (gendan.toml)"
    assert ws["A4"].value == "电话 Tel: 0755-1    邮箱 Email: x@hengda.example"
    # a request cell that says otherwise is named, so the two identities can be made one
    assert [(i.cell, i.code, i.severity) for i in result.issues] == [
        ("B3", "company-differs", "warning"), ("B4", "company-differs", "warning")]
    assert "gendan.toml" in result.issues[0].message and "恒达 (gendan.toml)" in result.issues[0].message


def test_sales_rep_is_the_requests_else_the_company_contact(tmp_path):
    ws = load_workbook(_run(tmp_path).path).active
    assert ws["A45"].value == "业务员 Sales: 张丽"
    request = builder.build_request(tmp_path / "rep.xlsx", header=[*builder.HEADER, ("业务员 Sales Rep", "李娜 Li Na")])
    assert load_workbook(_run(tmp_path, request).path).active["A45"].value == "业务员 Sales: 李娜 Li Na"


@pytest.mark.parametrize("checked, today, code", [
    (dt.date(2026, 11, 2), dt.date(2027, 5, 1), None),  # 180 days: still fresh
    (dt.date(2026, 11, 2), dt.date(2027, 5, 2), "rates-outdated"),
    (None, TODAY, "rates-undated"),
])
def test_an_old_or_undated_rate_table_is_a_warning(tmp_path, checked, today, code):
    request = builder.build_request(tmp_path / "request.xlsx",
                                    checked=("核对日期 Checked On", checked) if checked else None)
    result = _run(tmp_path, request, today=today)
    assert result.ok and result.quote_no  # a warning: the quote is still written
    found = [(i.sheet, i.cell, i.code) for i in result.issues]
    if code is None:
        assert found == []
    else:
        assert found == [("退税率", "B1" if checked else "", code)]
    if code == "rates-outdated":
        assert "2026-11-02" in result.issues[0].message and "181" in result.issues[0].message


def test_the_rate_age_limit_is_a_setting(tmp_path):
    assert _run(tmp_path, rates_max_age_days=10).issues[0].code == "rates-outdated"  # checked 25 days before
    assert _run(tmp_path, rates_max_age_days=None).issues == []


def test_breakdown_figures_are_plain_decimal_text():
    """JSON readers (and people) get 50, not 5E+1."""
    result = export_price(purchase_price="56.50", vat_rate="0.13", rebate_rate="0.13", domestic_costs="3.00",
                          profit_margin="0.10", bank_fee_rate="0.005", exchange_rate="7.10")
    figures = result.to_dict()
    assert figures["ex_vat_cost"] == "50" or figures["ex_vat_cost"].startswith("50.")
    assert not any("E" in v for v in figures.values() if isinstance(v, str) and v[:1].isdigit())
