"""Build our own Excel templates (templates/*.xlsx) with openpyxl, so they can be rebuilt and reviewed.

    .venv/bin/python templates/build_templates.py            # every template
    .venv/bin/python templates/build_templates.py quote      # one

Each template is one `build_<name>(path)` function registered in TEMPLATES; the shared look (fonts,
fills, borders, A4 print setup, the letterhead and the bank block of gendan.toml's [company]) lives in the
helpers at the top so every template reads the same.
The placeholder language is gendan_xl.xlsx.template's: `{{ expr }}` in a cell, and one item row marked with
`{% row for line in lines %}` at the start of its first cell; totals under it are written over the
one template row (`=SUM(H15:H15)`) and grow with the inserted rows. Amounts are values computed in Python,
not formulas: openpyxl cannot store a formula's result, and a phone or a mail preview shows none.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import absolute_coordinate, column_index_from_string, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent

# ------------------------------------------------------------------------------------------- the look

FONT = "Microsoft YaHei"  # 微软雅黑: what Chinese offices have; LibreOffice falls back to Noto Sans CJK
NAVY = "1F3864"
LIGHT = "D9E2F3"
STRIPE = "F2F2F2"
GREY = "808080"

THIN = Side(style="thin", color="A6A6A6")
MEDIUM = Side(style="medium", color=NAVY)
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

PRICE_FORMAT = "#,##0.0000"
AMOUNT_FORMAT = "#,##0.00"
QTY_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"


def font(size: float = 9, bold: bool = False, color: str = "000000", italic: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold, color=color, italic=italic)


def put(ws: Worksheet, ref: str, value, *, size: float = 9, bold: bool = False, color: str = "000000",
        h: str = "left", v: str = "center", wrap: bool = False, fmt: str | None = None, fill: str | None = None,
        border: Border | None = None, merge: str | None = None, italic: bool = False) -> None:
    """Write one (possibly merged) cell with its style; a merged range gets the border on every cell."""
    cell = ws[ref]
    cell.value = value
    cell.font = font(size, bold, color, italic)
    cell.alignment = Alignment(horizontal=h, vertical=v, wrap_text=wrap)
    if fmt:
        cell.number_format = fmt
    if merge:
        ws.merge_cells(merge)
    for row in ws[merge or ref] if merge else [[cell]]:
        for c in row:
            if fill:
                c.fill = PatternFill("solid", fgColor=fill)
            if border:
                c.border = border


def a4_setup(ws: Worksheet, last_col: str, last_row: int, title_rows: str | None = None) -> None:
    """A4 portrait, one page wide, centred, narrow margins, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the lines need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.5
    ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.size = 8
    ws.print_area = f"A1:{last_col}{last_row}"
    if title_rows:
        ws.print_title_rows = title_rows
    ws.sheet_view.showGridLines = False


def widths(ws: Worksheet, **cols: float) -> None:
    for col, width in cols.items():
        ws.column_dimensions[col].width = width


def letterhead(ws: Worksheet, text_cols: str = "A:F", logo: str = "G1:H4", last_col: str = "H") -> int:
    """Rows 1-4: who the document is from (gendan.toml's [company]) on the left, the logo's box on the right.

    The box is the defined name `logo`: the filler puts the configured image there and leaves it empty when
    there is none (no frame, no placeholder text). Returns the first row under the rule."""
    first, last = text_cols.split(":")
    rows = [("{{ company.name }}", 15, True, NAVY, 24), ("{{ company.name_en }}", 10, True, NAVY, 16),
            ("{{ company.address }}", 8, False, GREY, 14), ("{{ company.contact_line }}", 8, False, GREY, 14)]
    for r, (value, size, bold, color, height) in enumerate(rows, start=1):
        put(ws, f"{first}{r}", value, size=size, bold=bold, color=color, merge=f"{first}{r}:{last}{r}")
        ws.row_dimensions[r].height = height
    for col in range(1, column_index_from_string(last_col) + 1):
        ws.cell(row=5, column=col).border = Border(bottom=MEDIUM)
    ws.row_dimensions[5].height = 6
    ws.parent.defined_names["logo"] = DefinedName(
        "logo", attr_text=f"{quote_sheetname(ws.title)}!{absolute_coordinate(logo)}")
    return 7


def bank_block(ws: Worksheet, row: int, title: str, last_col: str = "H") -> int:
    """Where customers pay: a heading and one line per bank setting, both empty when none is set. Returns the
    row after the block."""
    put(ws, f"A{row}", "{{ '%s' if company.bank else '' }}" % title, size=10, bold=True, color=NAVY,
        merge=f"A{row}:{last_col}{row}")
    put(ws, f"A{row + 1}", "{% row for line in company.bank %}{{ line }}", size=8.5,
        merge=f"A{row + 1}:{last_col}{row + 1}")
    return row + 2


# ------------------------------------------------------------------------------------------- templates


def build_quote(path: Path) -> None:
    """报价单 / Quotation: letterhead, quote facts, customer block, tier lines, terms, bank, signatures."""
    wb = Workbook()
    ws = wb.active
    ws.title = "报价单 Quotation"
    widths(ws, A=6, B=17, C=38, D=10, E=11, F=7, G=14, H=15)
    title = letterhead(ws)
    put(ws, f"A{title}", "报 价 单   QUOTATION", size=16, bold=True, color=NAVY, h="center", merge=f"A{title}:H{title}")
    ws.row_dimensions[title].height = 28

    # customer (left) and quote facts (right)
    left = [("客户 Customer", "{{ customer.name }}"), ("联系人 Attn", "{{ customer.attn }}"),
            ("地址 Address", "{{ customer.address }}"), ("邮箱 Email", "{{ customer.email }}"),
            ("贸易条款 Terms", "{{ quote.terms }}")]
    right = [("报价单号 Quote No.", "{{ quote.number }}", None), ("日期 Date", "{{ quote.date }}", DATE_FORMAT),
             ("有效期至 Valid Until", "{{ quote.valid_until }}", DATE_FORMAT),
             ("币种 Currency", "{{ quote.currency }}", None), ("付款 Payment", "{{ quote.payment_terms }}", None)]
    facts = title + 2
    for i, ((llabel, lvalue), (rlabel, rvalue, fmt)) in enumerate(zip(left, right)):
        r = facts + i
        put(ws, f"A{r}", llabel, bold=True, color=NAVY, merge=f"A{r}:B{r}")
        put(ws, f"C{r}", lvalue, wrap=True, merge=f"C{r}:D{r}")
        put(ws, f"E{r}", rlabel, bold=True, color=NAVY, merge=f"E{r}:F{r}")
        put(ws, f"G{r}", rvalue, h="left", fmt=fmt, wrap=True, merge=f"G{r}:H{r}",
            bold=rlabel.startswith("报价单号"))
        ws.row_dimensions[r].height = 18
    ws.row_dimensions[facts + 2].height = 26  # the address may take two lines
    ws.row_dimensions[facts + 4].height = 26  # and the payment terms

    # the line table: header and one item row. No total: the tiers are alternatives, not a sum.
    head = facts + 6
    headers = ["序号\nNo.", "型号\nModel", "品名描述\nDescription", "起订量\nMOQ", "数量\nQty", "单位\nUnit",
               "单价 Unit Price\n({{ quote.currency }})", "金额 Amount\n({{ quote.currency }})"]
    for col, text in zip("ABCDEFGH", headers):
        put(ws, f"{col}{head}", text, bold=True, color="FFFFFF", fill=NAVY, h="center", wrap=True, border=BOX)
    ws.row_dimensions[head].height = 30
    item = head + 1
    cells = [
        ("A", "{% row for line in lines %}{{ line.item_no if line.first_tier else none }}", "center", None),
        ("B", "{{ line.model if line.first_tier else none }}", "left", None),
        ("C", "{{ line.description if line.first_tier else none }}", "left", None),
        ("D", "{{ line.moq if line.first_tier else none }}", "right", QTY_FORMAT),
        ("E", "{{ line.qty }}", "right", QTY_FORMAT),
        ("F", "{{ line.unit }}", "center", None),
        # the decimals follow [quotes] unit_places / amount_places; the amount is a value, so every viewer
        # (a phone, a WeChat preview, a PDF) shows it without calculating
        ("G", "{{ line.price }}", "right", "{{ quote.price_format }}"),
        ("H", "{{ line.amount }}", "right", "{{ quote.amount_format }}"),
    ]
    for col, value, h, fmt in cells:
        put(ws, f"{col}{item}", value, h=h, fmt=fmt, wrap=col == "C", border=BOX)
    ws.row_dimensions[item].height = 28

    # terms
    terms_head = item + 2
    put(ws, f"A{terms_head}", "条款 Terms & Conditions", size=10, bold=True, color=NAVY, merge=f"A{terms_head}:H{terms_head}")
    ws[f"A{terms_head}"].border = Border(bottom=THIN)
    terms = [
        "1. 价格条款 Price: {{ quote.terms }}，以 {{ quote.currency }} 计价 / prices in {{ quote.currency }}, "
        "per unit as shown.",
        "2. 付款条件 Payment: {{ quote.payment_terms }}",
        "3. 交货期 Lead time: {{ quote.lead_time }}",
        "4. 报价有效期 Validity: {{ quote.validity_days }} 天 / days, 至 until {{ quote.valid_until | date }}.",
        "5. 阶梯价 Tier prices: 订货数量达到该行数量即适用该行单价；金额为该行数量 × 单价，各档之间不累加。"
        " Each price applies from the quantity on its line; the amount is that quantity × the price, one tier "
        "at a time.",
        "6. 备注 Remarks: {{ quote.remark }}",
    ]
    for i, text in enumerate(terms):
        r = terms_head + 1 + i
        put(ws, f"A{r}", text, size=8.5, wrap=True, merge=f"A{r}:H{r}")
        ws.row_dimensions[r].height = 26 if i == 4 else 15

    after_bank = bank_block(ws, terms_head + len(terms) + 2, "汇款资料 Bank Details")

    # signatures
    sign = after_bank + 1
    put(ws, f"A{sign}", "卖方 Seller", bold=True, color=NAVY, merge=f"A{sign}:C{sign}")
    put(ws, f"E{sign}", "买方确认 Buyer's Acceptance", bold=True, color=NAVY, merge=f"E{sign}:H{sign}")
    put(ws, f"A{sign + 1}", "{{ company.name }}", merge=f"A{sign + 1}:C{sign + 1}")
    put(ws, f"E{sign + 1}", "{{ customer.name }}", merge=f"E{sign + 1}:H{sign + 1}")
    ws.row_dimensions[sign + 2].height = 34  # room for a signature and the company chop (公章)
    put(ws, f"A{sign + 3}", "授权签字（盖章） Authorized Signature & Stamp", size=8, color=GREY,
        merge=f"A{sign + 3}:C{sign + 3}", border=Border(top=THIN))
    put(ws, f"E{sign + 3}", "签字盖章 / 日期  Signature, Stamp & Date", size=8, color=GREY,
        merge=f"E{sign + 3}:H{sign + 3}", border=Border(top=THIN))
    put(ws, f"A{sign + 4}", "业务员 Sales: {{ quote.sales_rep }}", size=8, color=GREY, merge=f"A{sign + 4}:C{sign + 4}")

    a4_setup(ws, "H", sign + 4, title_rows=f"{head}:{head}")
    ws.sheet_view.zoomScale = 100
    wb.save(path)


TEMPLATES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "quote": ("quote.xlsx", build_quote),
}


def main(argv: list[str]) -> int:
    names = argv or list(TEMPLATES)
    unknown = [n for n in names if n not in TEMPLATES]
    if unknown:
        print(f"unknown template {', '.join(unknown)} (known: {', '.join(TEMPLATES)})", file=sys.stderr)
        return 2
    for name in names:
        filename, build = TEMPLATES[name]
        build(HERE / filename)
        print(HERE / filename)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
