import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import money_numbers
from gendan_xl.errors import GendanError, MissingColumnsError
from gendan_xl.reconcile import (
    AMOUNT_DIFFERS, BANK, BANK_CHARGES, MATCHED, ONLY_OURS, ONLY_THEIRS, TIMING, UNBOOKED_CREDIT_NOTE, Entry,
    orient, reconcile,
)
from gendan_xl.books.reconciliation import read_theirs, reconcile_files
from gendan_xl.statement import INVOICE, OPENING, PAYMENT
from test_statement import worked_example, write_master

DATA = Path(__file__).parent / "data"
D = dt.date


def e(kind, no, date, amount, desc="", refs=()):
    return Entry(kind, no, D.fromisoformat(date) if date else None, Decimal(str(amount)), tuple(refs), desc)


def theirs_of_worked_example(**changes):
    """Their side of the worked example, as their ledger would show it after orientation."""
    lines = {
        "open": e(OPENING, "", "2026-06-01", 120000, "上期结余"),
        "S2606-003": e(INVOICE, "V-1", "2026-06-06", 25000, "入库 S2606-003"),
        "S2606-011": e(INVOICE, "V-2", "2026-06-19", 27000, "入库 S2606-011"),
        "pay": e(PAYMENT, "P-9", "2026-06-25", -50000, "付款"),
    }
    lines.update(changes)
    return [v for v in lines.values() if v is not None]


def test_their_122000_against_our_120200_is_the_unbooked_credit_note():
    rec = reconcile(worked_example(), theirs_of_worked_example())
    d = money_numbers(rec.to_dict())
    assert (d["our_balance"], d["their_balance"], d["difference"]) == (120200, 122000, 1800)
    assert d["unexplained"] == 0
    assert [(i["category"], i["doc_no"], i["difference"]) for i in d["items"] if i["category"] != MATCHED] == [
        (UNBOOKED_CREDIT_NOTE, "CN-2606-01", 1800)]
    assert "CN-2606-01" in d["items"][3]["explanation"] and "1,800.00" in d["items"][3]["explanation"]
    assert d["counts"][MATCHED] == 4


@pytest.mark.parametrize("changes,category,doc_no,difference", [
    # Their S2606-011 booked at 27,500: amount differs.
    ({"S2606-011": e(INVOICE, "V-2", "2026-06-19", 27500, "入库 S2606-011")}, AMOUNT_DIFFERS, "S2606-011", 500),
    # They booked a transfer of 50,015; 50,000 arrived and we booked that: 15 of bank charges.
    ({"pay": e(PAYMENT, "P-9", "2026-06-26", -50015, "付款")}, BANK_CHARGES, "BK0625", -15),
    # A delivery of ours they never booked, mid-month: only ours.
    ({"S2606-003": None}, ONLY_OURS, "S2606-003", -25000),
    # An invoice on their books that we do not have.
    ({"x": e(INVOICE, "S2606-077", "2026-06-10", 900, "入库")}, ONLY_THEIRS, "S2606-077", 900),
    # A payment they made on the last day that has not reached us: timing.
    ({"late": e(PAYMENT, "P-10", "2026-06-30", -3000, "付款")}, TIMING, "P-10", -3000),
])
def test_each_difference_category(changes, category, doc_no, difference):
    rec = reconcile(worked_example(), theirs_of_worked_example(**changes))
    others = [(c, n, dif) for c, n, dif in ((i.category, (i.ours or i.theirs).doc_no, i.difference)
                                            for i in rec.items) if c not in (MATCHED, UNBOOKED_CREDIT_NOTE)]
    assert others == [(category, doc_no, difference)]
    assert rec.unexplained == 0


def test_our_delivery_at_period_end_missing_on_theirs_is_timing():
    ours = [e(INVOICE, "S2606-030", "2026-06-29", 4000), e(INVOICE, "S2606-020", "2026-06-10", 1000)]
    rec = reconcile(ours, [e(INVOICE, "V-7", "2026-06-11", 1000, "S2606-020")], period_end=D(2026, 6, 30))
    assert rec.flat() == [(MATCHED, "S2606-020"), (TIMING, "S2606-030")]
    assert "在途" in rec.items[1].explanation


def test_match_by_amount_and_date_when_no_number_is_given():
    ours = [e(PAYMENT, "BK1", "2026-06-10", -7000), e(PAYMENT, "BK2", "2026-06-20", -7000)]
    theirs = [e(PAYMENT, "", "2026-06-19", -7000), e(PAYMENT, "", "2026-06-08", -7000)]
    rec = reconcile(ours, theirs, period_end=D(2026, 6, 30))
    pairs = {i.ours.doc_no: i.theirs.date for i in rec.items}
    assert pairs == {"BK1": D(2026, 6, 8), "BK2": D(2026, 6, 19)}  # nearest date, not first found
    assert all(i.matched_by == "amount_date" for i in rec.items)


def test_amounts_outside_the_date_tolerance_do_not_match():
    rec = reconcile([e(PAYMENT, "BK1", "2026-06-01", -7000)], [e(PAYMENT, "", "2026-06-12", -7000)],
                    period_end=D(2026, 6, 30))
    assert sorted(i.category for i in rec.items) == [ONLY_OURS, ONLY_THEIRS]


def test_short_payment_beyond_the_bank_charge_limit_is_not_bank_charges():
    rec = reconcile([e(PAYMENT, "BK1", "2026-06-10", -7000, refs=("S2606-001",))],
                    [e(PAYMENT, "P", "2026-06-10", -7500, "S2606-001")], period_end=D(2026, 6, 30))
    assert rec.flat() == [(AMOUNT_DIFFERS, "BK1")]


def test_orient_flips_a_payables_ledger():
    ours = [e(INVOICE, "S2606-003", "2026-06-05", 25000)]
    payable = [e(PAYMENT, "V", "2026-06-06", -25000, "S2606-003"), e(INVOICE, "P", "2026-06-20", 5000, "付款")]
    flipped, did = orient(payable, ours)
    assert did and [x.amount for x in flipped] == [25000, -5000]
    assert [x.kind for x in flipped] == [INVOICE, PAYMENT]
    same, did = orient(flipped, ours)
    assert not did


# ---------------------------------------------------------------------------------------- files

def test_their_payables_ledger_xlsx_against_our_workbook(tmp_path):
    master = write_master(tmp_path / "master.xlsx")
    rec = reconcile_files(master, DATA / "their-statement-credit-note-unbooked.xlsx", customer="ACME",
                          period="2026-06")
    d = money_numbers(rec.to_dict())
    assert (d["our_balance"], d["their_balance"], d["difference"], d["unexplained"]) == (120200, 122000, 1800, 0)
    assert rec.flat() == [(MATCHED, ""), (MATCHED, "S2606-003"), (MATCHED, "S2606-011"),
                          (UNBOOKED_CREDIT_NOTE, "CN-2606-01"), (MATCHED, "BK0625")]
    # Where their lines came from, for the merchandiser to look up.
    assert [(i.theirs.sheet, i.theirs.row) for i in rec.items if i.theirs][1] == ("应付账款明细账", 6)


def test_period_defaults_to_the_month_of_their_last_date(tmp_path):
    master = write_master(tmp_path / "master.xlsx")
    rec = reconcile_files(master, DATA / "their-statement-credit-note-unbooked.xlsx", customer="ACME")
    assert rec.unexplained == 0 and rec.difference == 1800


def test_english_csv_with_one_amount_column(tmp_path):
    master = write_master(tmp_path / "master.xlsx")
    rec = reconcile_files(master, DATA / "their-statement-one-amount-column.csv", customer="ACME", lang="en")
    assert rec.flat() == [(MATCHED, ""), (MATCHED, "S2606-003"), (AMOUNT_DIFFERS, "S2606-011"),
                          (UNBOOKED_CREDIT_NOTE, "CN-2606-01"), (MATCHED, "BK0625"), (TIMING, "S2606-099")]
    assert rec.items[2].explanation.startswith("S2606-011: amounts differ, ours 27,000.00, theirs 27,500.00")


def test_bank_receipts_csv_finds_bank_charges(tmp_path):
    master = write_master(tmp_path / "master.xlsx")
    rec = reconcile_files(master, DATA / "bank-receipts.csv", customer="ACME")
    assert rec.mode == BANK
    assert rec.flat() == [(ONLY_THEIRS, "BK0615"), (BANK_CHARGES, "BK0625")]
    assert rec.items[1].explanation == "BK0625 付款 50,000.00，实收 49,980.00，短少 20.00，可能是银行手续费"


def test_bank_csv_in_gbk_reads_the_same(tmp_path):
    gbk = tmp_path / "bank-receipts-gbk.csv"
    gbk.write_bytes((DATA / "bank-receipts.csv").read_text(encoding="utf-8-sig").encode("gbk"))
    assert [x.amount for x in read_theirs(gbk).entries] == [Decimal("-49980.00"), Decimal("-8000.00")]


def test_ours_as_a_statement_file(tmp_path):
    ours = tmp_path / "ours.csv"
    ours.write_text("日期,单号,摘要,借方,贷方,余额\n2026-06-01,,期初余额,,,120000\n2026-06-05,S2606-003,X-100,25000,,145000\n",
                    encoding="utf-8")
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("Date,Ref,Debit,Credit\n2026-06-01,Opening balance,120000,\n2026-06-06,S2606-003,25000,\n",
                      encoding="utf-8")
    rec = reconcile_files(ours, theirs)
    assert rec.flat() == [(MATCHED, ""), (MATCHED, "S2606-003")]


def test_their_file_without_money_columns_is_one_line(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(MissingColumnsError, match=r"^notes.csv: no header row with a date and an amount"):
        read_theirs(bad)


def test_several_customers_need_customer(tmp_path):
    master = write_master(tmp_path / "master.xlsx")
    with pytest.raises(GendanError, match="pass --customer CODE"):
        reconcile_files(master, DATA / "their-statement-credit-note-unbooked.xlsx")


def test_data_files_are_current(tmp_path):
    """The committed files are what build_reconcile_data.py makes (xlsx compared by content, not bytes)."""
    import sys

    sys.path.insert(0, str(DATA))
    import build_reconcile_data as b

    b.bank_receipts(tmp_path / "b.csv")
    assert (tmp_path / "b.csv").read_bytes() == (DATA / "bank-receipts.csv").read_bytes()
    b.their_statement_credit_note_unbooked(tmp_path / "t.xlsx")
    assert [x.amount for x in read_theirs(tmp_path / "t.xlsx").entries] == [
        x.amount for x in read_theirs(DATA / "their-statement-credit-note-unbooked.xlsx").entries]


def test_to_text_lists_only_differences_and_a_summary():
    rec = reconcile(worked_example(), theirs_of_worked_example())
    lines = rec.to_text().splitlines()
    assert len(lines) == 3  # header, the credit note, the summary
    assert lines[1].startswith("对方未入账退货/unbooked credit note  CN-2606-01")
    assert lines[2] == ("ACME 2026-06 CNY: 我方余额 ours 120,200.00 · 对方余额 theirs 122,000.00 · "
                        "差额 difference 1,800.00 · 未解释 unexplained 0.00 · 4 一致 matched, 1 差异 differences")
    assert rec.to_dict()["customer"] == "ACME" and rec.to_dict()["period"] == "2026-06"


def test_a_balance_stated_only_on_the_opening_line_is_not_their_closing_balance(tmp_path):
    """Some ledgers fill 余额 on the brought-forward line only: their closing balance is then the sum."""
    master = write_master(tmp_path / "master.xlsx")
    theirs = tmp_path / "their-ledger-balance-on-opening-only.csv"
    theirs.write_text("日期,单号,摘要,借方,贷方,余额\n"
                      "2026-06-01,,期初余额,,,120000\n"
                      "2026-06-05,S2606-003,货款,25000,,\n"
                      "2026-06-18,S2606-011,货款,27000,,\n"
                      "2026-06-20,CN-2606-01,退货,,1800,\n"
                      "2026-06-24,BK0625,付款,,50000,\n", encoding="utf-8")
    rec = reconcile_files(master, theirs, customer="ACME", period="2026-06")
    d = money_numbers(rec.to_dict())
    assert (d["their_balance"], d["difference"], d["unexplained"]) == (120200, 0, 0)
