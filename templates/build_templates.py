"""Build our own Excel templates (templates/*.xlsx) with openpyxl, so they can be rebuilt and reviewed.

    .venv/bin/python templates/build_templates.py            # every template
    .venv/bin/python templates/build_templates.py quote      # one

Each template is one `build_<name>(path)` function registered in TEMPLATES; the shared look (fonts,
fills, borders, A4 print setup) lives in the helpers at the top so a second template reads the same.
The placeholder language is gendan_xl.xlsx.template's: `{{ expr }}` in a cell, and one item row marked with
`{% row for line in lines %}` at the start of its first cell; totals under it are written over the
one template row (`=SUM(H15:H15)`) and grow with the inserted rows.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
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


# ------------------------------------------------------------------------------------------- templates


def build_quote(path: Path) -> None:
    """报价单 / Quotation: company header, quote facts, customer block, tier lines, terms, signatures."""
    wb = Workbook()
    ws = wb.active
    ws.title = "报价单 Quotation"
    widths(ws, A=6, B=17, C=38, D=10, E=11, F=7, G=14, H=15)

    # company header: logo box on the left, company block on the right
    put(ws, "A1", "LOGO", size=10, bold=True, color=GREY, h="center", merge="A1:B3", border=BOX, fill=STRIPE)
    put(ws, "C1", "{{ company.name }}", size=15, bold=True, color=NAVY, merge="C1:H1")
    put(ws, "C2", "{{ company.name_en }}", size=10, bold=True, color=NAVY, merge="C2:H2")
    put(ws, "C3", "{{ company.address }}    电话 Tel: {{ company.tel }}    邮箱 Email: {{ company.email }}",
        size=8, color=GREY, merge="C3:H3")
    for ref in ("A4", "B4", "C4", "D4", "E4", "F4", "G4", "H4"):
        ws[ref].border = Border(bottom=MEDIUM)
    ws.row_dimensions[1].height = 24
    ws.row_dimensions[2].height = 16
    ws.row_dimensions[3].height = 15
    ws.row_dimensions[4].height = 6

    put(ws, "A6", "报 价 单   QUOTATION", size=16, bold=True, color=NAVY, h="center", merge="A6:H6")
    ws.row_dimensions[6].height = 28

    # customer (left) and quote facts (right)
    left = [("客户 Customer", "{{ customer.name }}"), ("联系人 Attn", "{{ customer.attn }}"),
            ("地址 Address", "{{ customer.address }}"), ("邮箱 Email", "{{ customer.email }}"),
            ("贸易条款 Terms", "{{ quote.terms }}")]
    right = [("报价单号 Quote No.", "{{ quote.number }}", None), ("日期 Date", "{{ quote.date }}", DATE_FORMAT),
             ("有效期至 Valid Until", "{{ quote.valid_until }}", DATE_FORMAT),
             ("币种 Currency", "{{ quote.currency }}", None), ("付款 Payment", "{{ quote.payment_terms }}", None)]
    for i, ((llabel, lvalue), (rlabel, rvalue, fmt)) in enumerate(zip(left, right)):
        r = 8 + i
        put(ws, f"A{r}", llabel, bold=True, color=NAVY, merge=f"A{r}:B{r}")
        put(ws, f"C{r}", lvalue, wrap=True, merge=f"C{r}:D{r}")
        put(ws, f"E{r}", rlabel, bold=True, color=NAVY, merge=f"E{r}:F{r}")
        put(ws, f"G{r}", rvalue, h="left", fmt=fmt, wrap=True, merge=f"G{r}:H{r}",
            bold=rlabel.startswith("报价单号"))
        ws.row_dimensions[r].height = 18
    ws.row_dimensions[10].height = 26  # the address may take two lines
    ws.row_dimensions[12].height = 26  # and the payment terms

    # the line table: header, one item row, total
    head = 14
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
        ("G", "{{ line.price }}", "right", PRICE_FORMAT),
        ("H", f"=E{item}*G{item}", "right", AMOUNT_FORMAT),
    ]
    for col, value, h, fmt in cells:
        put(ws, f"{col}{item}", value, h=h, fmt=fmt, wrap=col == "C", border=BOX)
    ws.row_dimensions[item].height = 28
    total = item + 1
    put(ws, f"A{total}", "参考合计 Reference Total", bold=True, h="right", merge=f"A{total}:G{total}", fill=LIGHT, border=BOX)
    put(ws, f"H{total}", f"=SUM(H{item}:H{item})", bold=True, h="right", fmt=AMOUNT_FORMAT, fill=LIGHT,
        border=BOX)
    ws.row_dimensions[total].height = 20

    # terms
    terms_head = total + 2
    put(ws, f"A{terms_head}", "条款 Terms & Conditions", size=10, bold=True, color=NAVY, merge=f"A{terms_head}:H{terms_head}")
    ws[f"A{terms_head}"].border = Border(bottom=THIN)
    terms = [
        "1. 价格条款 Price: {{ quote.terms }}，以 {{ quote.currency }} 计价 / prices in {{ quote.currency }}, "
        "per unit as shown.",
        "2. 付款条件 Payment: {{ quote.payment_terms }}",
        "3. 交货期 Lead time: {{ quote.lead_time }}",
        "4. 报价有效期 Validity: {{ quote.validity_days }} 天 / days, 至 until {{ quote.valid_until | date }}.",
        "5. 阶梯价 Tier prices: 订货数量达到该行数量即适用该单价；合计按各行数量计算，仅供参考。"
        " Each price applies from the quantity on its line; the total is for reference only.",
        "6. 备注 Remarks: {{ quote.remark }}",
    ]
    for i, text in enumerate(terms):
        r = terms_head + 1 + i
        put(ws, f"A{r}", text, size=8.5, wrap=True, merge=f"A{r}:H{r}")
        ws.row_dimensions[r].height = 26 if i == 4 else 15

    # signatures
    sign = terms_head + len(terms) + 3
    put(ws, f"A{sign}", "卖方 Seller", bold=True, color=NAVY, merge=f"A{sign}:C{sign}")
    put(ws, f"E{sign}", "买方确认 Buyer's Acceptance", bold=True, color=NAVY, merge=f"E{sign}:H{sign}")
    put(ws, f"A{sign + 1}", "{{ company.name }}", merge=f"A{sign + 1}:C{sign + 1}")
    put(ws, f"E{sign + 1}", "{{ customer.name }}", merge=f"E{sign + 1}:H{sign + 1}")
    ws.row_dimensions[sign + 2].height = 34  # room for a signature and the company chop (公章)
    for col in "ABC":
        ws[f"{col}{sign + 3}"].border = Border(top=THIN)
    for col in "EFGH":
        ws[f"{col}{sign + 3}"].border = Border(top=THIN)
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
