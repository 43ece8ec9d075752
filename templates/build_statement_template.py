"""Build templates/statement.xlsx, the statement of account (对账单), with the shared look of build_templates.py.

    .venv/bin/python templates/build_statement_template.py

Placeholders are gendan_xl.xlsx.template's; the context is `gendan_xl.books.accounts.statement_context(...)`. Every
amount is a value, not a formula: openpyxl cannot store a formula's result, and a statement must read the
same in calamine (our reconciliation reads our own statement files back), in Excel and in a PDF.
"""
from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Border

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_templates import (  # noqa: E402  (a script next to this one, not a package)
    AMOUNT_FORMAT, BOX, DATE_FORMAT, GREY, LIGHT, NAVY, STRIPE, THIN, a4_setup, bank_block, letterhead, put, widths,
)


def build_statement(path: Path) -> None:
    """对账单 / Statement of Account: letterhead, customer block, lines (with the customer's PO and the
    product) and running balance, totals, ageing table, open items, the bank to pay into and a confirmation
    block for the customer to sign and return."""
    wb = Workbook()
    ws = wb.active
    ws.title = "对账单 Statement"
    widths(ws, A=11, B=14, C=12, D=15, E=30, F=13, G=13, H=14)

    title = letterhead(ws)
    put(ws, f"A{title}", "对 账 单   STATEMENT OF ACCOUNT", size=16, bold=True, color=NAVY, h="center",
        merge=f"A{title}:H{title}")
    ws.row_dimensions[title].height = 28

    # customer (left) and statement facts (right)
    left = [("客户 Customer", "{{ customer.name }}"), ("客户代码 Code", "{{ customer.code }}"),
            ("付款条件 Terms", "{{ statement.payment_terms }}"), ("账龄 Ageing", "{{ statement.basis_text }}")]
    right = [("对账期间 Period", "{{ statement.period_text }}", None),
             ("截止日期 As of", "{{ statement.as_of }}", DATE_FORMAT),
             ("币种 Currency", "{{ statement.currency }}", None),
             ("制表日期 Issued", "{{ statement.issued }}", DATE_FORMAT)]
    facts = title + 2
    for i, ((llabel, lvalue), (rlabel, rvalue, fmt)) in enumerate(zip(left, right)):
        r = facts + i
        put(ws, f"A{r}", llabel, bold=True, color=NAVY, merge=f"A{r}:B{r}")
        put(ws, f"C{r}", lvalue, wrap=True, merge=f"C{r}:E{r}", bold=i == 0)
        put(ws, f"F{r}", rlabel, bold=True, color=NAVY)
        put(ws, f"G{r}", rvalue, fmt=fmt, merge=f"G{r}:H{r}")
        ws.row_dimensions[r].height = 18

    # lines: header, opening balance, one item row, period totals, closing balance. The customer checks a
    # delivery against their own PO, so that is the number shown beside ours (with the product); a credit
    # note or a payment shows the documents it refers to.
    head = facts + len(left) + 1
    headers = ["日期\nDate", "类型\nType", "单号\nDoc No.", "贵司订单号 / 关联单号\nYour PO / Ref.", "品名 / 摘要\nProduct / Details",
               "借方 Debit\n({{ statement.currency }})", "贷方 Credit\n({{ statement.currency }})",
               "余额 Balance\n({{ statement.currency }})"]
    for col, text in zip("ABCDEFGH", headers):
        put(ws, f"{col}{head}", text, bold=True, color="FFFFFF", fill=NAVY, h="center", wrap=True, border=BOX)
    ws.row_dimensions[head].height = 30
    opening = head + 1
    put(ws, f"A{opening}", "{{ statement.period_start }}", h="center", fmt=DATE_FORMAT, border=BOX, fill=STRIPE)
    put(ws, f"B{opening}", "期初余额 Opening balance", bold=True, merge=f"B{opening}:G{opening}", border=BOX,
        fill=STRIPE)
    put(ws, f"H{opening}", "{{ statement.opening_balance }}", bold=True, h="right", fmt=AMOUNT_FORMAT, border=BOX,
        fill=STRIPE)
    item = opening + 1
    cells = [
        ("A", "{% row for line in lines %}{{ line.date }}", "center", DATE_FORMAT),
        ("B", "{{ line.kind_text }}", "left", None),
        ("C", "{{ line.doc_no }}", "left", None),
        ("D", "{{ line.ref }}", "left", None),
        ("E", "{{ line.description }}", "left", None),
        ("F", "{{ line.debit }}", "right", AMOUNT_FORMAT),
        ("G", "{{ line.credit }}", "right", AMOUNT_FORMAT),
        ("H", "{{ line.balance }}", "right", AMOUNT_FORMAT),
    ]
    for col, value, h, fmt in cells:
        put(ws, f"{col}{item}", value, h=h, fmt=fmt, wrap=col in "DE", border=BOX, size=8.5)
    # no fixed height: a long product name wraps and the row grows with it instead of being cut
    totals = item + 1
    put(ws, f"A{totals}", "本期合计 Period total", bold=True, h="right", merge=f"A{totals}:E{totals}", fill=LIGHT,
        border=BOX)
    put(ws, f"F{totals}", "{{ statement.total_debit }}", bold=True, h="right", fmt=AMOUNT_FORMAT, fill=LIGHT,
        border=BOX)
    put(ws, f"G{totals}", "{{ statement.total_credit }}", bold=True, h="right", fmt=AMOUNT_FORMAT, fill=LIGHT,
        border=BOX)
    put(ws, f"H{totals}", None, fill=LIGHT, border=BOX)
    closing = totals + 1
    put(ws, f"A{closing}", "期末余额（贵司应付我司） Closing balance due to us", bold=True, color=NAVY, h="right",
        merge=f"A{closing}:G{closing}", fill=LIGHT, border=BOX)
    put(ws, f"H{closing}", "{{ statement.closing_balance }}", size=10, bold=True, color=NAVY, h="right",
        fmt=AMOUNT_FORMAT, fill=LIGHT, border=BOX)
    ws.row_dimensions[closing].height = 20
    put(ws, f"A{closing + 1}", "{{ statement.cancelled_text }}", size=8, color=GREY, merge=f"A{closing + 1}:H{closing + 1}",
        wrap=True)

    # ageing
    age = closing + 3
    put(ws, f"A{age}", "账龄分析 Ageing（{{ statement.basis_text }}，截至 as of {{ statement.as_of | date }}）",
        size=10, bold=True, color=NAVY, merge=f"A{age}:H{age}")
    ws[f"A{age}"].border = Border(bottom=THIN)
    age_heads = [("A", "C", "账龄 Age"), ("D", "D", "0-30 天 days"), ("E", "E", "31-60 天 days"),
                 ("F", "F", "61-90 天 days"), ("G", "G", "90 天以上 90+"), ("H", "H", "合计 Total")]
    age_vals = [("A", "C", "金额 Amount ({{ statement.currency }})"), ("D", "D", "{{ ageing['0-30'] }}"),
                ("E", "E", "{{ ageing['31-60'] }}"), ("F", "F", "{{ ageing['61-90'] }}"),
                ("G", "G", "{{ ageing['90+'] }}"), ("H", "H", "{{ statement.closing_balance }}")]
    for (c1, c2, text) in age_heads:
        put(ws, f"{c1}{age + 1}", text, bold=True, color="FFFFFF", fill=NAVY, h="center", border=BOX,
            merge=f"{c1}{age + 1}:{c2}{age + 1}" if c1 != c2 else None)
    for (c1, c2, text) in age_vals:
        put(ws, f"{c1}{age + 2}", text, h="right" if c1 == c2 else "left", fmt=AMOUNT_FORMAT, border=BOX,
            bold=c1 == "H", merge=f"{c1}{age + 2}:{c2}{age + 2}" if c1 != c2 else None)

    # open items (the invoices behind the closing balance)
    oi = age + 4
    put(ws, f"A{oi}", "未结清单据 Open items", size=10, bold=True, color=NAVY, merge=f"A{oi}:H{oi}")
    ws[f"A{oi}"].border = Border(bottom=THIN)
    oi_heads = ["日期\nDate", "单号\nDoc No.", "贵司订单号\nYour PO", "到期日\nDue Date", "天数 / 账龄段\nDays / Bucket",
                "原金额\nOriginal", "未结金额\nOutstanding", "类型\nType"]
    for col, text in zip("ABCDEFGH", oi_heads):
        put(ws, f"{col}{oi + 1}", text, bold=True, color="FFFFFF", fill=NAVY, h="center", wrap=True, border=BOX)
    ws.row_dimensions[oi + 1].height = 28
    oi_row = oi + 2
    oi_cells = [
        ("A", "{% row for item in open_items %}{{ item.date }}", "center", DATE_FORMAT),
        ("B", "{{ item.doc_no }}", "left", None),
        ("C", "{{ item.po }}", "left", None),
        ("D", "{{ item.due_date }}", "center", DATE_FORMAT),
        ("E", "{{ item.days }} 天 days · {{ item.bucket }}", "center", None),
        ("F", "{{ item.original }}", "right", AMOUNT_FORMAT),
        ("G", "{{ item.outstanding }}", "right", AMOUNT_FORMAT),
        ("H", "{{ item.kind_text }}", "left", None),
    ]
    for col, value, h, fmt in oi_cells:
        put(ws, f"{col}{oi_row}", value, h=h, fmt=fmt, border=BOX, size=8.5)

    # where to pay: gendan.toml's [company] bank_* keys
    after_bank = bank_block(ws, oi_row + 2, "请汇款至 Please remit to")

    # confirmation block: the customer signs and returns it (回签)
    conf = after_bank + 1
    put(ws, f"A{conf}", "客户确认 Customer Confirmation", size=10, bold=True, color=NAVY, merge=f"A{conf}:H{conf}")
    ws[f"A{conf}"].border = Border(bottom=THIN)
    put(ws, f"A{conf + 1}",
        "截至 {{ statement.as_of | date }}，贵司尚欠我司 {{ statement.currency }} "
        "{{ statement.closing_balance | number(2) }}。请核对后签字盖章并回传；如有差异，请注明差异单据及金额。\n"
        "Please confirm that as of {{ statement.as_of | date('%d %b %Y') }} the balance due to us is "
        "{{ statement.currency }} {{ statement.closing_balance | number(2) }}, then sign, stamp and return this "
        "statement. If you disagree, note the documents and amounts that differ.",
        size=8.5, wrap=True, v="top", merge=f"A{conf + 1}:H{conf + 1}")
    ws.row_dimensions[conf + 1].height = 48
    put(ws, f"A{conf + 2}", "□ 核对无误 Balance confirmed", merge=f"A{conf + 2}:C{conf + 2}")
    put(ws, f"D{conf + 2}", "□ 有差异 Differences: ________________________________________",
        merge=f"D{conf + 2}:H{conf + 2}")
    ws.row_dimensions[conf + 2].height = 20
    sign = conf + 4
    put(ws, f"A{sign}", "供方 Supplier", bold=True, color=NAVY, merge=f"A{sign}:C{sign}")
    put(ws, f"E{sign}", "客户确认 Customer", bold=True, color=NAVY, merge=f"E{sign}:H{sign}")
    put(ws, f"A{sign + 1}", "{{ company.name }}", merge=f"A{sign + 1}:C{sign + 1}")
    put(ws, f"E{sign + 1}", "{{ customer.name }}", merge=f"E{sign + 1}:H{sign + 1}")
    ws.row_dimensions[sign + 2].height = 34  # room for a signature and the company chop (公章)
    put(ws, f"A{sign + 3}", "制表 Prepared by: {{ company.contact }}", size=8, color=GREY,
        merge=f"A{sign + 3}:C{sign + 3}", border=Border(top=THIN))
    put(ws, f"E{sign + 3}", "签字盖章 / 日期  Signature, Stamp & Date", size=8, color=GREY,
        merge=f"E{sign + 3}:H{sign + 3}", border=Border(top=THIN))

    a4_setup(ws, "H", sign + 3, title_rows=f"{head}:{head}")
    wb.save(path)


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else HERE / "statement.xlsx"
    build_statement(out)
    print(out)


if __name__ == "__main__":
    main(sys.argv[1:])
