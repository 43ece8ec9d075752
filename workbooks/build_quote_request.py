"""Build workbooks/quote_request.xlsx: a realistic quote request as a merchandiser fills it in.

    .venv/bin/python workbooks/build_quote_request.py [OUT.xlsx]

Three sheets: 报价申请 (label / value block: the customer, incoterm, currency, exchange rate, validity,
defaults for VAT, bank fee, insurance and margin; who the quote is from is gendan.toml's [company], and a
业务员 / Sales Rep cell is only needed when someone other than its contact quotes), 报价明细 (one row per
model and quantity tier; blank cost cells repeat the row above of the same model) and 退税率 (rebate rates
by HS code or product family with a valid-from date, under the date the table was last checked; batteries
drop from 13% to 9% on 2024-12-01 and to 6% on 2026-04-01).

Tests call `build_request(path, header=..., lines=..., rates=...)` to make variants of the sample.
The first tier of HD-PB10K is the issue's worked example (¥56.50 incl. 13% VAT, ¥3.00 domestic costs,
10% margin, 0.5% bank fee, 7.10 CNY/USD): at the battery rate in force from 2024-12-01 (9%) FOB USD
8.6553; exported on the sample's 2026-12-20, after the cut to 6%, FOB USD 8.8913 (2.7% more).
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

HERE = Path(__file__).resolve().parent
FONT = "Microsoft YaHei"

HEADER: list[tuple[str, Any]] = [
    ("客户代码 Customer Code", "NORDLICHT"),
    ("客户名称 Customer Name", "Nordlicht Handels GmbH"),
    ("联系人 Attn", "Ms. Anna Becker (Purchasing)"),
    ("客户地址 Customer Address", "Speicherstadt 12, 20457 Hamburg, Germany"),
    ("客户邮箱 Customer Email", "a.becker@nordlicht.example.de"),
    ("贸易条款 Incoterm", "FOB"),
    ("起运港 Port of Loading", "Shenzhen"),
    ("目的港 Port of Destination", "Hamburg"),
    ("币种 Currency", "USD"),
    ("汇率 Exchange Rate", 7.10),
    ("付款条件 Payment Terms", "30% T/T 预付，70% 见提单副本付清 / 30% T/T deposit, 70% against B/L copy"),
    ("有效期(天) Validity (days)", 30),
    ("预计出口日期 Expected Export Date", dt.date(2026, 12, 20)),
    ("增值税率 VAT Rate", 0.13),
    ("银行费率 Bank Fee Rate", 0.005),
    ("保险费率 Insurance Rate", 0.003),
    ("利润率 Profit Margin", 0.10),
    ("交货期 Lead Time", "收到订金后35天 / 35 days after deposit"),
    ("备注 Remarks", "价格含标准出口纸箱包装；定制彩盒另议。 Standard export cartons included; custom gift boxes "
                   "quoted separately."),
]
HINTS = {
    "汇率 Exchange Rate": "人民币/外币 CNY per unit of the quote currency",
    "贸易条款 Incoterm": "EXW / FOB / CFR / CIF",
    "预计出口日期 Expected Export Date": "按此日期查退税率 / picks the rebate rate",
    "利润率 Profit Margin": "按售价计 margin on price; 或填 成本加成率 Markup on Cost",
}
PERCENT_LABELS = {"增值税率 VAT Rate", "银行费率 Bank Fee Rate", "保险费率 Insurance Rate", "利润率 Profit Margin"}

LINE_HEADERS = ["型号 Model", "品名描述 Description", "产品系列 Family", "HS编码 HS Code", "单位 Unit",
                "最小起订量 MOQ", "数量档位 Tier Qty", "采购价(含税) Purchase Price", "加工费 Processing",
                "包装费 Packaging", "内陆运费 Inland Freight", "报关港杂费 Customs & Port", "海运费 Freight",
                "利润率 Profit Margin", "备注 Remark"]
# model, description, family, HS, unit, MOQ, tier, purchase incl. VAT, processing, packaging, inland,
# port, ocean freight per unit (CFR/CIF only), margin (blank: the request's default), remark
LINES: list[list[Any]] = [
    ["HD-PB10K", "10000mAh 移动电源 Power bank 10,000 mAh, USB-C PD 20W", "移动电源", "8507600090", "pcs",
     1000, 1000, 56.50, 1.20, 1.00, 0.50, 0.30, 1.20, None, "UN38.3 / MSDS"],
    ["HD-PB10K", None, None, None, None, None, 5000, 54.80, None, None, None, None, None, 0.08, None],
    ["HD-PB10K", None, None, None, None, None, 10000, 53.20, None, None, None, None, None, 0.06, None],
    ["HD-LB18650", "18650 锂电池组 Li-ion battery pack 3S2P, 11.1 V 5200 mAh", "电池", "8507600090", "pcs",
     500, 500, 96.00, 2.50, 1.80, 0.80, 0.40, 2.00, 0.12, None],
    ["HD-LB18650", None, None, None, None, None, 2000, 92.50, None, None, None, None, None, 0.10, None],
    ["HD-LED12", "LED 护眼台灯 LED desk lamp, 12 W, dimmable, 3 colour temperatures", "灯具", "9405219000",
     "pcs", 500, 500, 45.20, 0.80, 2.20, 0.60, 0.30, 2.50, 0.15, "CE / RoHS"],
    ["HD-LED12", None, None, None, None, None, 1000, 43.60, None, None, None, None, None, 0.12, None],
    ["HD-LED12", None, None, None, None, None, 3000, 41.90, None, None, None, None, None, 0.10, None],
    ["HD-GAN65", "65W 氮化镓充电器 GaN charger 65 W, 2C1A, EU plug", "充电器", "8504401400", "pcs",
     1000, 1000, 38.60, 0.50, 0.90, 0.40, 0.20, 0.80, None, None],
    ["HD-GAN65", None, None, None, None, None, 5000, 36.90, None, None, None, None, None, 0.08, None],
    ["HD-CB2M", "USB-C 数据线 2米 USB-C cable, 2 m, 100 W", "线材", None, "pcs",
     3000, 3000, 6.80, 0.10, 0.25, 0.05, 0.03, 0.10, 0.15, None],
]

RATES_CHECKED = ("核对日期 Checked On", dt.date(2026, 11, 2))  # when someone last checked the table
RATE_HEADERS = ["HS编码 HS Code", "产品系列 Family", "退税率 Rebate Rate", "生效日期 Valid From", "说明 Note"]
RATES: list[list[Any]] = [
    ["8507600090", None, 0.13, dt.date(2020, 1, 1), "锂离子蓄电池 Li-ion accumulators"],
    ["8507600090", None, 0.09, dt.date(2024, 12, 1),
     "财政部 税务总局公告2024年第15号：电池退税率下调 / MOF-STA notice 2024 No. 15: battery rebate cut"],
    ["8507600090", None, 0.06, dt.date(2026, 4, 1),
     "2026-04-01 起电池退税率由 9% 下调至 6% / battery rebate cut from 9% to 6% from 2026-04-01"],
    ["9405", None, 0.13, dt.date(2020, 1, 1), "灯具及照明装置 (HS 前缀 prefix) lamps"],
    ["8504401400", None, 0.13, dt.date(2020, 1, 1), "开关电源/充电器 switching power supplies"],
    [None, "线材", 0.13, dt.date(2020, 1, 1), "按产品系列 by family (no HS code yet)"],
]

_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _head(cell) -> None:
    cell.font = Font(name=FONT, bold=True, size=10)
    cell.fill = _HEAD_FILL
    cell.border = _BOX
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def build_request(path: Path | str, *, header: list[tuple[str, Any]] | None = None,
                  lines: list[list[Any]] | None = None, rates: list[list[Any]] | None = None,
                  line_headers: list[str] | None = None,
                  checked: tuple[str, Any] | None = RATES_CHECKED) -> Path:
    """Write a quote request workbook (the sample, or a variant for a test). `checked`: the rate table's
    (label, date) above it, or None for a table that says not when it was checked."""
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "报价申请"
    ws["A1"] = "报价申请 Quote Request"
    ws["A1"].font = Font(name=FONT, bold=True, size=14)
    ws.merge_cells("A1:C1")
    for i, (label, value) in enumerate(header if header is not None else HEADER, start=3):
        ws.cell(row=i, column=1, value=label).font = Font(name=FONT, bold=True, size=10)
        cell = ws.cell(row=i, column=2, value=value)
        cell.font = Font(name=FONT, size=10)
        cell.border = _BOX
        if label in PERCENT_LABELS and isinstance(value, float):
            cell.number_format = "0.0%"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        if label in HINTS:
            hint = ws.cell(row=i, column=3, value=HINTS[label])
            hint.font = Font(name=FONT, size=9, italic=True, color="808080")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 62
    ws.column_dimensions["C"].width = 44

    ws = wb.create_sheet("报价明细")
    for c, text in enumerate(line_headers or LINE_HEADERS, start=1):
        _head(ws.cell(row=1, column=c, value=text))
    for r, values in enumerate(lines if lines is not None else LINES, start=2):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text a user typed with a leading apostrophe, not a formula
            cell.font = Font(name=FONT, size=10)
            cell.border = _BOX
            if c in (8, 9, 10, 11, 12, 13):
                cell.number_format = "0.00"
            elif c == 14:
                cell.number_format = "0%"
            elif c in (6, 7):
                cell.number_format = "#,##0"
    ws.row_dimensions[1].height = 30
    for col, width in zip("ABCDEFGHIJKLMNO", (12, 46, 10, 13, 6, 10, 10, 12, 9, 9, 10, 11, 9, 9, 16)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "B2"

    ws = wb.create_sheet("退税率")
    head = 1
    if checked is not None:  # above the table: the date it was last checked against the notices
        ws.cell(row=1, column=1, value=checked[0]).font = Font(name=FONT, bold=True, size=10)
        cell = ws.cell(row=1, column=2, value=checked[1])
        cell.font, cell.border, cell.number_format = Font(name=FONT, size=10), _BOX, "yyyy-mm-dd"
        head = 3
    for c, text in enumerate(RATE_HEADERS, start=1):
        _head(ws.cell(row=head, column=c, value=text))
    for r, values in enumerate(rates if rates is not None else RATES, start=head + 1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.font = Font(name=FONT, size=10)
            cell.border = _BOX
            if c == 3:
                cell.number_format = "0%"
            elif c == 4:
                cell.number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDE", (14, 12, 12, 12, 70)):
        ws.column_dimensions[col].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "quote_request.xlsx"
    print(build_request(out))
