"""Build the customer-side files the reconciliation tests read: `python tests/data/build_reconcile_data.py`.

Each file is named after its quirk, and each mirrors the statement example of issue 5 (customer ACME, June
2026: opening ¥120,000, S2606-003 ¥25,000, S2606-011 ¥27,000, credit note CN-2606-01 ¥1,800, receipt
¥50,000 against S2605-007; our closing balance ¥120,200).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent


def their_statement_credit_note_unbooked(path: Path) -> None:
    """Their payables ledger (应付账款明细账): a title block, 贷方 = what they owe us, 借方 = what they paid,
    our numbers only inside 摘要, a 余额 column, a 本期合计 row — and no credit note: balance ¥122,000."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("应付账款明细账")
    bold = wb.add_format({"bold": True})
    datefmt = wb.add_format({"num_format": "yyyy/m/d"})
    money = wb.add_format({"num_format": "#,##0.00"})
    ws.merge_range(0, 0, 0, 6, "深圳某某电子有限公司 应付账款明细账", bold)
    ws.write(1, 0, "供应商：ACME 艾克美贸易    期间：2026年6月")
    ws.write_row(3, 0, ["凭证日期", "凭证字号", "摘要", "借方", "贷方", "方向", "余额"], bold)
    rows = [
        (dt.date(2026, 6, 1), "", "期初余额", None, None, "贷", 120000),
        (dt.date(2026, 6, 6), "记-0612", "采购入库 送货单S2606-003", None, 25000, "贷", 145000),
        (dt.date(2026, 6, 19), "记-0655", "采购入库 送货单 S2606-011 X-200", None, 27000, "贷", 172000),
        (dt.date(2026, 6, 25), "付-0031", "支付货款 S2605-007", 50000, None, "贷", 122000),
        (None, "", "本期合计", 50000, 52000, "贷", 122000),
    ]
    for r, (date, voucher, summary, debit, credit, side, balance) in enumerate(rows, start=4):
        if date:
            ws.write_datetime(r, 0, dt.datetime.combine(date, dt.time()), datefmt)
        ws.write(r, 1, voucher)
        ws.write(r, 2, summary)
        if debit is not None:
            ws.write_number(r, 3, debit, money)
        if credit is not None:
            ws.write_number(r, 4, credit, money)
        ws.write(r, 5, side)
        ws.write_number(r, 6, balance, money)
    wb.close()


def bank_receipts(path: Path) -> None:
    """Our bank's receipts export (CSV, UTF-8 with BOM): 收入 and 支出 columns, payer names, the customer's
    ¥50,000 arriving as ¥49,980 (bank charges), a payment of another customer and an outgoing fee line."""
    lines = [
        "交易日期,交易流水号,对方户名,摘要,收入金额,支出金额,余额",
        "2026-06-25,BK0625,艾克美贸易有限公司,货款 S2605-007,\"49,980.00\",,\"1,249,980.00\"",
        "2026-06-15,BK0615,其他客户,货款,\"8,000.00\",,\"1,257,980.00\"",
        "2026-06-26,BK0627,本行,手续费,,20.00,\"1,257,960.00\"",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def their_statement_one_amount_column(path: Path) -> None:
    """An English statement as CSV with one unsigned Amount column: the Description says what is a payment."""
    lines = [
        "Date,Invoice No.,Description,Amount",
        "2026-06-01,,Opening balance,120000",
        "2026-06-05,S2606-003,Goods received,25000",
        "2026-06-18,S2606-011,Goods received,27500",
        "2026-06-24,,Payment by TT,50000",
        "2026-06-29,S2606-099,Goods received,3000",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    their_statement_credit_note_unbooked(HERE / "their-statement-credit-note-unbooked.xlsx")
    bank_receipts(HERE / "bank-receipts.csv")
    their_statement_one_amount_column(HERE / "their-statement-one-amount-column.csv")


if __name__ == "__main__":
    main()
