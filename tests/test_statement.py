import datetime as dt
from decimal import Decimal

import pytest

from conftest import COMPANY, formulas_without_value, png_file, print_setup, money_numbers
from gendan_xl.errors import CompanyError, UsageError
from gendan_xl.statement import (
    CREDIT_NOTE, INVOICE, OPENING, PAYMENT, Document, PaymentTerms, Period, build_statement, month_before,
    parse_terms,
)

D = dt.date
ISSUED = D(2026, 7, 2)  # the day the statements are made (制表日期)


def doc(kind, no, date, amount, **kw):
    return Document(kind, no, D.fromisoformat(date), Decimal(str(amount)), **kw)


def worked_example(period="2026-06", **kw):
    """The issue's worked example: customer ACME, June 2026, ageing by invoice date."""
    args = dict(
        opening=[doc(OPENING, "S2604-018", "2026-04-15", 48000), doc(OPENING, "S2605-007", "2026-05-10", 72000)],
        shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000, description="X-100 2000 × 12.50"),
                   doc(INVOICE, "S2606-011", "2026-06-18", 27000, description="X-200 1500 × 18")],
        credit_notes=[doc(CREDIT_NOTE, "CN-2606-01", "2026-06-22", 1800, reference="S2606-011")],
        payments=[doc(PAYMENT, "BK0625", "2026-06-25", 50000, invoices=("S2605-007",))],
        cutover=D(2026, 5, 31),
    )
    args.update(kw)
    return build_statement("ACME", period, **args)


def test_worked_example_holds_exactly():
    st = worked_example()
    d = money_numbers(st.to_dict())
    assert d["opening_balance"] == 120000
    assert d["closing_balance"] == 120200
    assert d["ageing"] == {"0-30": 50200, "31-60": 22000, "61-90": 48000, "90+": 0}
    assert d["as_of"] == "2026-06-30" and d["basis"] == "invoice" and d["currency"] == "CNY"
    assert [(ln["doc_no"], ln["debit"], ln["credit"], ln["balance"]) for ln in d["lines"]] == [
        ("S2606-003", 25000, 0, 145000),
        ("S2606-011", 27000, 0, 172000),
        ("CN-2606-01", 0, 1800, 170200),
        ("BK0625", 0, 50000, 120200),
    ]
    assert [(o["doc_no"], o["outstanding"], o["bucket"]) for o in d["open_items"]] == [
        ("S2604-018", 48000, "61-90"), ("S2605-007", 22000, "31-60"),
        ("S2606-003", 25000, "0-30"), ("S2606-011", 25200, "0-30"),
    ]
    assert st.issues == []
    assert set(d) >= {"customer", "period", "currency", "opening_balance", "closing_balance", "ageing", "lines",
                      "open_items", "basis", "cancelled"}


def test_ageing_always_adds_up_to_closing_balance():
    st = worked_example()
    assert sum(st.ageing.values()) == st.closing_balance == sum(o.outstanding for o in st.open_items)


def test_lines_are_in_date_order_whatever_the_input_order():
    st = worked_example(shipments=[doc(INVOICE, "S2606-011", "2026-06-18", 27000),
                                   doc(INVOICE, "S2606-003", "2026-06-05", 25000)])
    assert [ln.doc.doc_no for ln in st.lines] == ["S2606-003", "S2606-011", "CN-2606-01", "BK0625"]


def test_payment_without_named_invoice_goes_to_oldest_open_invoice_first():
    st = worked_example(payments=[doc(PAYMENT, "BK0625", "2026-06-25", 50000)])
    out = {o.doc.doc_no: o.outstanding for o in st.open_items}
    # 48,000 clears S2604-018, the remaining 2,000 goes to S2605-007.
    assert "S2604-018" not in out
    assert out["S2605-007"] == 70000
    assert st.ageing == {"0-30": 50200, "31-60": 70000, "61-90": 0, "90+": 0}
    assert st.closing_balance == 120200


def test_payment_naming_several_invoices_and_overpaying_spills_to_oldest():
    st = worked_example(payments=[doc(PAYMENT, "BK1", "2026-06-25", 60000, invoices="S2606-003、S2606-011")])
    out = {o.doc.doc_no: o.outstanding for o in st.open_items}
    # 25,000 + 25,200 to the named ones (the credit note already took 1,800), 9,800 to the oldest.
    assert out == {"S2604-018": Decimal("38200"), "S2605-007": Decimal("72000")}


def test_payment_naming_unknown_invoice_is_reported_and_applied_oldest_first():
    st = worked_example(payments=[doc(PAYMENT, "BK1", "2026-06-25", 48000, invoices=("S9999-001",),
                                      sheet="收款", cell="F3")])
    assert [(i.sheet, i.cell, i.code) for i in st.issues] == [("收款", "F3", "unknown-reference")]
    assert "S2604-018" not in {o.doc.doc_no for o in st.open_items}


def test_invoice_number_and_order_number_also_name_a_delivery_note():
    st = worked_example(
        shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000, invoice_no="INV-88"),
                   doc(INVOICE, "S2606-011", "2026-06-18", 27000, order_no="PO-7")],
        payments=[doc(PAYMENT, "BK1", "2026-06-25", 25000, invoices="inv-88")])
    assert "S2606-003" not in {o.doc.doc_no for o in st.open_items}


def test_cancelled_documents_are_excluded_and_listed():
    st = worked_example(
        shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000),
                   doc(INVOICE, "S2606-011", "2026-06-18", 27000),
                   doc(INVOICE, "S2606-009", "2026-06-12", 9999, cancelled=True)],
        payments=[doc(PAYMENT, "BK0625", "2026-06-25", 50000, invoices=("S2605-007",)),
                  doc(PAYMENT, "BK0626", "2026-06-26", 700, cancelled=True)])
    d = money_numbers(st.to_dict())
    assert d["closing_balance"] == 120200
    assert [c["doc_no"] for c in d["cancelled"]] == ["S2606-009", "BK0626"]
    assert "S2606-009" not in [ln["doc_no"] for ln in d["lines"]]


def test_payment_naming_a_cancelled_invoice_is_reported():
    st = worked_example(
        shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000),
                   doc(INVOICE, "S2606-011", "2026-06-18", 27000),
                   doc(INVOICE, "S2606-009", "2026-06-12", 9999, cancelled=True)],
        payments=[doc(PAYMENT, "BK0625", "2026-06-25", 50000, invoices=("S2606-009",))])
    assert [i.code for i in st.issues] == ["reference-to-cancelled"]


def test_usd_customer_and_documents_in_another_currency():
    st = build_statement(
        "GLOBEX", "2026-06", currency="USD",
        opening=[doc(OPENING, "E2605-002", "2026-05-20", "12500.50", currency="USD")],
        shipments=[doc(INVOICE, "E2606-001", "2026-06-10", "8000.25", currency="US$"),
                   doc(INVOICE, "E2606-002", "2026-06-11", 5000, currency="CNY", sheet="出货", cell="A9")],
        payments=[doc(PAYMENT, "TT-1", "2026-06-28", "12500.50", currency="USD")],
    )
    d = money_numbers(st.to_dict())
    assert d["currency"] == "USD"
    assert d["opening_balance"] == 12500.5
    assert d["closing_balance"] == 8000.25
    assert d["ageing"]["0-30"] == 8000.25
    assert [(i.sheet, i.cell, i.code) for i in st.issues] == [("出货", "A9", "currency-mismatch")]


def test_empty_period_with_an_open_balance():
    st = build_statement("ACME", "2026-07", opening=[doc(OPENING, "S2604-018", "2026-04-15", 48000)],
                         shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000)])
    d = money_numbers(st.to_dict())
    assert d["lines"] == []
    assert d["opening_balance"] == d["closing_balance"] == 73000
    assert d["ageing"] == {"0-30": 0, "31-60": 25000, "61-90": 0, "90+": 48000}


def test_documents_before_the_period_roll_into_opening_and_after_are_left_out():
    st = worked_example(period="2026-07", shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000),
                                                     doc(INVOICE, "S2608-001", "2026-08-02", 1)])
    assert st.lines == []
    assert st.opening_balance == st.closing_balance == Decimal("93200")


def test_as_of_inside_the_period_stops_the_statement_there():
    st = worked_example(as_of=D(2026, 6, 20))
    assert [ln.doc.doc_no for ln in st.lines] == ["S2606-003", "S2606-011"]
    assert st.closing_balance == 172000


def test_as_of_after_the_period_only_ages_further():
    st = worked_example(as_of=D(2026, 7, 20))
    assert st.closing_balance == 120200
    # 2026-07-20: June's deliveries are 32 and 45 days old, S2605-007 71, S2604-018 96.
    assert st.ageing == {"0-30": 0, "31-60": 50200, "61-90": 22000, "90+": 48000}


def test_as_of_before_the_period_is_refused_with_the_fix():
    with pytest.raises(UsageError, match="before the period 2026-06 starts; pass a date from 2026-06-01 on"):
        worked_example(as_of=D(2026, 5, 31))


def test_ageing_by_due_date_from_monthly_terms():
    st = worked_example(basis="due", payment_terms="月结60天")
    # 月结60天: April's S2604-018 is due 2026-06-29, so 1 day overdue on 2026-06-30; the rest not yet due.
    assert st.basis == "due"
    assert {o.doc.doc_no: (o.due_date, o.days) for o in st.open_items}["S2604-018"] == (D(2026, 6, 29), 1)
    assert st.ageing == {"0-30": 120200, "31-60": 0, "61-90": 0, "90+": 0}


def test_due_date_basis_with_unreadable_terms_falls_back_and_says_so():
    st = worked_example(basis="due", payment_terms="看心情")
    assert st.basis == "invoice"
    assert [i.code for i in st.issues] == ["unknown-payment-terms"]


def test_overpayment_becomes_a_negative_open_item():
    st = build_statement("ACME", "2026-06", shipments=[doc(INVOICE, "S1", "2026-06-01", 100)],
                         payments=[doc(PAYMENT, "P1", "2026-06-02", 150)])
    assert st.closing_balance == -50
    assert [(o.doc.doc_no, o.outstanding) for o in st.open_items] == [("P1", Decimal(-50))]
    assert st.ageing["0-30"] == -50
    assert [i.code for i in st.issues] == ["unapplied-credit"]


@pytest.mark.parametrize("text,days,month_end", [
    ("月结60天", 60, True), ("月结 30", 30, True), ("60天月结", 60, True), ("Net 30", 30, False),
    ("OA 60", 60, False), ("O/A 90 days", 90, False), ("NET30", 30, False), ("Net 30 EOM", 30, True),
    ("T/T 45 days", 45, False), ("款到发货", 0, False), ("T/T in advance", 0, False), ("COD", 0, False),
    (45, 45, False), ("月结", 30, True), ("ｎｅｔ ３０", 30, False), ("T/T 100% before shipment", 0, False),
    ("L/C 60", 60, False), ("30% deposit, balance 60 days", 60, False),
])
def test_parse_terms(text, days, month_end):
    t = parse_terms(text)
    assert (t.days, t.month_end) == (days, month_end)


@pytest.mark.parametrize("text", ["", None, "看心情", "by agreement"])
def test_parse_terms_unreadable(text):
    assert parse_terms(text) is None


def test_terms_due_date():
    assert PaymentTerms(60, True).due_date(D(2026, 4, 15)) == D(2026, 6, 29)
    assert PaymentTerms(30).due_date(D(2026, 4, 15)) == D(2026, 5, 15)


@pytest.mark.parametrize("text,start,end,label", [
    ("2026-06", "2026-06-01", "2026-06-30", "2026-06"),
    ("2026年2月", "2026-02-01", "2026-02-28", "2026-02"),
    ("2026/6", "2026-06-01", "2026-06-30", "2026-06"),
    ("2026-Q2", "2026-04-01", "2026-06-30", "2026-Q2"),
    ("2026-04-01..2026-06-30", "2026-04-01", "2026-06-30", "2026-04-01..2026-06-30"),
])
def test_period_parse(text, start, end, label):
    p = Period.parse(text)
    assert (p.start.isoformat(), p.end.isoformat(), p.label) == (start, end, label)


@pytest.mark.parametrize("text", ["2026-13", "June", "2026-06-30..2026-06-01"])
def test_period_parse_rejects_with_an_example(text):
    with pytest.raises(UsageError, match="2026-06"):
        Period.parse(text)


# ------------------------------------------------------------------------------------ from a master workbook

def write_master(path, *, extra_shipments=(), sheets=("客户", "出货", "退货", "收款", "期初"), orders=False):
    """The worked example (ACME) and a USD customer (GLOBEX), as a merchandiser's master workbook; with
    `orders`, also the 订单 sheet naming the customer's PO and the product of each order line."""
    import xlsxwriter

    data = {
        "客户": (["客户代码", "客户名称", "币种", "付款条件"],
               [["ACME", "Acme Trading 艾克美贸易", "RMB", "月结60天"], ["GLOBEX", "Globex Inc.", "USD", "Net 30"],
                ["IDLE", "Idle Co.", "CNY", "Net 30"]]),
        "出货": (["送货单号", "出货日期", "客户", "订单号", "型号", "数量", "单价", "金额", "币种", "发票号", "状态"],
               [["S2606-003", D(2026, 6, 5), "ACME", "SO-1", "X-100", 2000, 12.5, 25000, "CNY", "", ""],
                ["S2606-009", D(2026, 6, 12), "ACME", "SO-2", "X-100", 10, 12.5, 125, "CNY", "", "作废"],
                ["S2606-011", "2026/6/18", "Acme Trading 艾克美贸易", "SO-3", "X-200", 1500, 18, None, "CNY", "", ""],
                ["E2606-001", D(2026, 6, 10), "GLOBEX", "SO-9", "G-1", 100, 80.0025, 8000.25, "USD", "INV-9", ""],
                *extra_shipments]),
        "退货": (["退货单号", "日期", "客户", "原单号", "金额", "币种", "状态"],
               [["CN-2606-01", D(2026, 6, 22), "ACME", "S2606-011", -1800, "CNY", ""]]),
        "收款": (["收款日期", "客户", "金额", "币种", "银行流水号", "核销单号", "状态"],
               [[D(2026, 6, 25), "ACME", 50000, "CNY", "BK0625", "S2605-007", ""],
                [D(2026, 6, 28), "GLOBEX", 12500.5, "USD", "TT-1", "E2605-002", ""],
                [D(2026, 6, 29), "ACME", 999, "CNY", "BK0629", "", "void"]]),
        "期初": (["客户", "截止日期", "单号", "日期", "金额", "币种"],
               [["ACME", D(2026, 5, 31), "S2604-018", D(2026, 4, 15), 48000, "CNY"],
                ["ACME", D(2026, 5, 31), "S2605-007", D(2026, 5, 10), 72000, "CNY"],
                ["GLOBEX", D(2026, 5, 31), "E2605-002", D(2026, 5, 20), 12500.5, "USD"],
                ["IDLE", D(2026, 5, 31), "I-1", D(2026, 1, 5), 300, "CNY"]]),
    }
    data["订单"] = (["订单号", "客户", "客户PO", "型号", "品名", "数量", "客户交期"],
                  [["SO-1", "ACME", "4500012345", "X-100", "不锈钢水壶 1L", 2000, D(2026, 6, 5)],
                   ["SO-3", "ACME", "4500012399", "X-200", "电热水壶 1.7L", 1500, D(2026, 6, 18)],
                   ["SO-3", "ACME", "4500012399", "X-300", "底座", 1500, D(2026, 6, 18)]])
    wb = xlsxwriter.Workbook(str(path))
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name in ("订单", *sheets) if orders else sheets:
        headers, rows = data[name]
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, headers)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), datefmt)
                elif v is not None:
                    ws.write(r, c, v)
    wb.close()
    return path


def test_statements_from_workbook_every_customer(tmp_path):
    from gendan_xl.books.accounts import statements_from_workbook

    sts = {s.customer: money_numbers(s.to_dict()) for s in statements_from_workbook(write_master(tmp_path / "master.xlsx"),
                                                                     "2026-06")}
    assert sorted(sts) == ["ACME", "GLOBEX", "IDLE"]
    acme = sts["ACME"]
    assert acme["customer_name"] == "Acme Trading 艾克美贸易" and acme["payment_terms"] == "月结60天"
    assert acme["currency"] == "CNY"
    assert acme["closing_balance"] == 120200
    assert acme["ageing"] == {"0-30": 50200, "31-60": 22000, "61-90": 48000, "90+": 0}
    assert [ln["doc_no"] for ln in acme["lines"]] == ["S2606-003", "S2606-011", "CN-2606-01", "BK0625"]
    assert acme["lines"][1]["description"] == "X-200 1,500 × 18"  # amount computed from quantity × price
    assert [(c["sheet"], c["row"], c["doc_no"]) for c in acme["cancelled"]] == [("出货", 3, "S2606-009"),
                                                                                ("收款", 4, "BK0629")]
    assert sts["GLOBEX"]["currency"] == "USD" and sts["GLOBEX"]["closing_balance"] == 8000.25
    # An empty period with an open balance still gets its statement.
    assert sts["IDLE"]["lines"] == [] and sts["IDLE"]["closing_balance"] == 300
    assert sts["IDLE"]["ageing"]["90+"] == 300


def test_statement_for_one_customer_by_name_and_due_date_basis(tmp_path):
    from gendan_xl.books.accounts import statements_from_workbook

    [st] = statements_from_workbook(write_master(tmp_path / "m.xlsx"), "2026-06", customer="acme trading 艾克美贸易",
                                    basis="due")
    assert st.customer == "ACME" and st.basis == "due"
    assert st.ageing["0-30"] == 120200


def test_unknown_customer_is_one_line_naming_the_known(tmp_path):
    from gendan_xl.errors import GendanError
    from gendan_xl.books.accounts import statements_from_workbook

    with pytest.raises(GendanError, match=r"m.xlsx: no customer 'NOPE' \(known: ACME, GLOBEX, IDLE\)"):
        statements_from_workbook(write_master(tmp_path / "m.xlsx"), "2026-06", customer="NOPE")


def test_bad_rows_are_reported_not_guessed(tmp_path):
    from gendan_xl.books.accounts import read_accounts

    path = write_master(tmp_path / "m.xlsx", extra_shipments=[
        ["S2606-020", "下周", "ACME", "", "X-1", 1, 1, 1, "CNY", "", ""],
        ["S2606-021", D(2026, 6, 20), "ACME", "", "X-1", None, None, None, "CNY", "", ""]])
    acc = read_accounts(path)
    assert [(i.sheet, i.cell, i.code) for i in acc.issues] == [("出货", "B6", "bad-date"),
                                                              ("出货", "H7", "missing-value")]
    st = acc.statement("ACME", "2026-06")
    assert st.closing_balance == 120200
    assert [i.code for i in st.issues] == ["bad-date", "missing-value"]


def test_workbook_without_ledger_sheets_is_unusable(tmp_path):
    from gendan_xl.errors import MissingSheetError
    from gendan_xl.books.accounts import read_accounts

    with pytest.raises(MissingSheetError, match="m.xlsx has no sheet \"出货\""):
        read_accounts(write_master(tmp_path / "m.xlsx", sheets=("客户", "收款")))


def test_sample_workbook_statements_add_up():
    from pathlib import Path

    from gendan_xl.books.accounts import statements_from_workbook

    sample = Path(__file__).parent.parent / "workbooks" / "orders.xlsx"
    if not sample.exists():
        pytest.skip("workbooks/orders.xlsx not built")
    sts = statements_from_workbook(sample, "2026-06")
    assert sts
    for st in sts:
        assert sum(st.ageing.values()) == st.closing_balance
        assert st.opening_balance + st.total_debit - st.total_credit == st.closing_balance


# ------------------------------------------------------------------------------------ the filled template

@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """templates/statement.xlsx as build_statement_template.py makes it now (never a stale copy)."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).parent.parent / "templates" / "build_statement_template.py"
    spec = importlib.util.spec_from_file_location("build_statement_template", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("template") / "statement.xlsx"
    module.build_statement(path)
    return path


def test_write_statement_rereads_with_calamine(tmp_path, template):
    from python_calamine import CalamineWorkbook

    from gendan_xl.books.accounts import write_statement

    st = worked_example(
        shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000, description="X-100 2,000 × 12.50"),
                   doc(INVOICE, "S2606-011", "2026-06-18", 27000),
                   doc(INVOICE, "S2606-009", "2026-06-12", 125, cancelled=True)])
    out = write_statement(st, tmp_path, template=template, issued=ISSUED,
                          company={"name": "深圳跟单电子有限公司", "name_en": "Gendan Electronics"})
    assert out.name == "statement-ACME-2026-06.xlsx"
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    flat = [[c for c in r if c != ""] for r in rows]
    lines = [r for r in flat if r and isinstance(r[0], dt.date)]
    # opening row, four documents (the cancelled one is not a line), then the open items.
    assert [r[-1] for r in lines[:5]] == [120000, 145000, 172000, 170200, 120200]
    assert ["S2606-003" in r for r in lines[:5]] == [False, True, False, False, False]
    assert any(r[:1] == ["期末余额（贵司应付我司） Closing balance due to us"] and r[-1] == 120200 for r in flat)
    ageing = next(r for r in flat if r and r[0] == "金额 Amount (CNY)")
    assert ageing[1:] == [50200, 22000, 48000, 0, 120200]
    assert any("S2606-009" in str(c) and "Cancelled" in str(c) for r in flat for c in r)
    assert any("深圳跟单电子有限公司" == c for r in flat for c in r)


def test_our_statement_file_reconciles_against_theirs(tmp_path, template):
    from pathlib import Path

    from gendan_xl.books.reconciliation import reconcile_files
    from gendan_xl.books.accounts import write_statement

    ours = write_statement(worked_example(), tmp_path, template=template, company=COMPANY, issued=ISSUED)
    theirs = Path(__file__).parent / "data" / "their-statement-credit-note-unbooked.xlsx"
    rec = reconcile_files(ours, theirs)
    assert (rec.our_balance, rec.their_balance, rec.unexplained) == (120200, 122000, 0)
    assert [(i.category, i.matched_by) for i in rec.items] == [
        ("matched", "opening"), ("matched", "doc_no"), ("matched", "doc_no"), ("unbooked_credit_note", ""),
        ("matched", "doc_no")]


def test_statement_pdf_through_libreoffice_shows_chinese(tmp_path, template):
    import shutil
    import subprocess

    from gendan_xl.books.accounts import write_statement

    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (soffice) or poppler-utils (pdftotext) not installed")
    out = write_statement(worked_example(), tmp_path, template=template, company={"name": "深圳跟单电子有限公司"},
                          issued=ISSUED, pdf=True)
    pdf = out.with_suffix(".pdf")
    assert pdf.exists()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "对 账 单" in text and "STATEMENT OF ACCOUNT" in text
    assert "深圳跟单电子有限公司" in text
    assert "120,200.00" in text and "50,200.00" in text
    assert "签字盖章" in text


def _cells(path):
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


def test_statement_lines_show_the_customers_po_and_the_product(tmp_path, template):
    """The customer reconciles against their own PO: it is on each delivery line and open item, beside the
    product; our SO number is not. 出货 without those columns takes them from the order line in 订单."""
    from gendan_xl.books.accounts import statements_from_workbook, write_statement

    master = write_master(tmp_path / "master.xlsx", orders=True)
    st = statements_from_workbook(master, "2026-06", customer="ACME")[0]
    assert [ln.doc.customer_po for ln in st.lines] == ["4500012345", "4500012399", "", ""]
    assert st.lines[0].doc.description == "不锈钢水壶 1L X-100 2,000 × 12.50"
    ws, rows = _cells(write_statement(st, tmp_path, template=template, company=COMPANY, issued=ISSUED))
    head = next(i for i, r in enumerate(rows) if r[0] == "日期\nDate")
    assert rows[head][3:5] == ["贵司订单号 / 关联单号\nYour PO / Ref.", "品名 / 摘要\nProduct / Details"]
    lines = {r[2]: r for r in rows[head + 2:head + 6]}
    assert lines["S2606-003"][3:5] == ["4500012345", "不锈钢水壶 1L X-100 2,000 × 12.50"]
    assert lines["CN-2606-01"][3] == "S2606-011" and lines["BK0625"][3] == "S2605-007"  # what they refer to
    assert not any("SO-1" == c for r in rows for c in r)
    open_items = {r[1]: r for r in rows if r[1] in ("S2606-003", "S2606-011")}
    assert open_items["S2606-011"][2] == "4500012399"


def test_a_long_product_name_wraps_and_its_row_grows(tmp_path, template):
    from gendan_xl.books.accounts import write_statement

    long = "10000mAh 移动电源 Power bank 10,000 mAh, USB-C PD 20W, 带数显 with display PB-10K 20,000 × 10.28"
    st = worked_example(shipments=[doc(INVOICE, "S2606-003", "2026-06-05", 25000, description=long),
                                   doc(INVOICE, "S2606-011", "2026-06-18", 27000, description="X-200")])
    ws, rows = _cells(write_statement(st, tmp_path, template=template, company=COMPANY, issued=ISSUED))
    r = next(i for i, row in enumerate(rows, start=1) if row[4] == long)
    assert ws.cell(r, 5).alignment.wrap_text and ws.row_dimensions[r].height >= 3 * 8.5
    assert ws.row_dimensions[r + 1].height is None  # a short line keeps the default height


def test_statement_prints_the_bank_block_and_the_issue_date_and_no_logo_box(tmp_path, template):
    from gendan_xl.books.accounts import write_statement

    out = write_statement(worked_example(), tmp_path, template=template, company=COMPANY, issued=ISSUED)
    ws, rows = _cells(out)
    texts = [str(c) for r in rows for c in r if c is not None]
    assert "请汇款至 Please remit to" in texts and "SWIFT Code: EXMPCNSZXXX" in texts
    assert "开户银行 Bank: 示例银行深圳宝安支行 Example Bank" in texts
    assert not any("LOGO" in t for t in texts) and ws._images == []
    issued = next(r for r in rows if "制表日期 Issued" in r)
    assert issued[issued.index("制表日期 Issued") + 1] == dt.datetime(2026, 7, 2)
    assert formulas_without_value(out) == []
    assert print_setup(ws) == {"orientation": "portrait", "paper": 9, "fit": True,
                               "title_rows": "$14:$14", "page_numbers": True}


def test_statement_without_a_bank_has_no_empty_bank_heading(tmp_path, template):
    from gendan_xl.books.accounts import write_statement

    ws, rows = _cells(write_statement(worked_example(), tmp_path, template=template, issued=ISSUED,
                                      company={"name": "深圳跟单电子有限公司"}))
    assert not any("Please remit" in str(c) or "Bank" in str(c) for r in rows for c in r)


def test_statement_logo_is_placed(tmp_path, template):
    from gendan_xl.books.accounts import write_statement

    import zipfile

    logo = png_file(tmp_path / "logo.png")
    out = write_statement(worked_example(), tmp_path, template=template, issued=ISSUED,
                          company={**COMPANY, "logo": str(logo)})
    with zipfile.ZipFile(out) as z:
        assert z.read("xl/media/image1.png") == logo.read_bytes()
        assert "<col>6</col>" in z.read("xl/drawings/drawing1.xml").decode()  # column G: the letterhead's right


@pytest.mark.parametrize("company", [None, {}, {"name": "  ", "tel": "0755"}])
def test_a_statement_without_a_company_is_refused(tmp_path, template, company):
    from gendan_xl.books.accounts import write_statement

    with pytest.raises(CompanyError, match=r"statement-ACME-2026-06.xlsx: .*set \[company\] name"):
        write_statement(worked_example(), tmp_path, template=template, company=company, issued=ISSUED)
    assert list(tmp_path.iterdir()) == []


def test_committed_template_is_current(template):
    """templates/statement.xlsx, the default of write_statement, matches its build script (cell by cell)."""
    from python_calamine import CalamineWorkbook

    from gendan_xl.books.accounts import DEFAULT_TEMPLATE

    def cells(path):
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()

    assert cells(DEFAULT_TEMPLATE) == cells(template), "rebuild: python templates/build_statement_template.py"


def test_to_text_shows_every_line_and_the_ageing():
    text = worked_example().to_text()
    lines = text.splitlines()
    assert lines[0] == "ACME · 2026-06 · CNY · 按单据日期计账龄 Aged by invoice date"
    assert lines[-1] == ("账龄 Ageing: 0-30 50,200.00 · 31-60 22,000.00 · 61-90 48,000.00 · 90+ 0.00 · "
                         "4 未结 open items")
    assert sum("S2606-0" in ln for ln in lines) == 2 and lines[-2].endswith("120,200.00")


@pytest.mark.parametrize("day, month", [(D(2026, 11, 26), "2026-10"), (D(2027, 1, 4), "2026-12"),
                                        (D(2026, 3, 31), "2026-02")])
def test_the_month_before_is_what_a_months_statements_cover(day, month):
    assert month_before(day) == month and Period.parse(month).end < day.replace(day=1)
