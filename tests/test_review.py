"""Order review: each verdict reason, forward planning across National Day, the quote-log lookup, the credit
check, and the sidecar review workbook re-read with python-calamine."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from conftest import COMPANY
from gendan_xl.errors import WorkbookOpenError
from gendan_xl.delivery.mail import Mailer
from gendan_xl.delivery.transport import Outbox
from gendan_xl.books.quotes import make_quote
from gendan_xl.books.order_review import review_path, review_workbook
from gendan_xl.delivery.notices import review_mails
from gendan_xl.delivery.store import Store
from gendan_xl.customers import Customer
from gendan_xl.pricing import Quote
from gendan_xl.i18n.documents import REVIEW_REASONS
from gendan_xl.review import ACCEPT, CONDITIONS, REASON_KINDS, REJECT, Product, Reason, find_quote, review_orders
from gendan_xl.status import LeadTimes, compute_status
from gendan_xl.orders import Order
from gendan_xl.workdays import WorkCalendar

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 26)  # a Thursday
CAL = WorkCalendar()  # official China calendar: 2026 National Day 10-01…10-07, makeup days 09-20 and 10-10
D = Decimal


def line(row: int = 5, extra: dict | None = None, **values) -> Order:
    base = {"order_no": f"SO{row:04d}", "customer": "ANK", "model": "PB-10K", "quantity": 5000,
            "unit_price": D("8.30"), "currency": "USD", "order_date": dt.date(2026, 11, 20),
            "customer_due_date": dt.date(2027, 1, 29), "status": "新单", "merchandiser": "张丽"}
    base.update(values)
    return Order(row=row, **base, extra=extra or {})


PRODUCTS = {
    "PB-10K": Product("PB-10K", LeadTimes(10, 6, 1, 2, 3), 1000),
    "NOLT": Product("NOLT", None, None),
    "NOMOQ": Product("NOMOQ", LeadTimes(1, 1, 0, 0, 1), None),
}
CUSTOMERS = {
    "ANK": Customer("ANK", "Anker Innovations 安克创新", "A", "USD", "OA 60", D(800000), "po@anker.example"),
    "BLK": Customer("BLK", "北京蓝科电子有限公司", "B", "CNY", "月结60天", D(1500000)),
    "NOL": Customer("NOL", "No Limit Ltd", "C", "USD", "OA 30", None),
}
QUOTES = [
    Quote("Q20260012", dt.date(2026, 10, 1), "ANK", "PB-10K", 1000, D("8.6553"), "USD", dt.date(2026, 12, 31)),
    Quote("Q20260012", dt.date(2026, 10, 1), "ANK", "PB-10K", 5000, D("8.30"), "USD", dt.date(2026, 12, 31)),
    Quote("Q20260012", dt.date(2026, 10, 1), "ANK", "PB-10K", 10000, D("8.10"), "USD", dt.date(2026, 12, 31)),
    Quote("Q20260030", dt.date(2026, 9, 1), "NOL", "PB-10K", 1000, D("8.50"), "USD", dt.date(2026, 10, 1)),
]


def review(*rows, products=PRODUCTS, customers=CUSTOMERS, quotes=QUOTES, balances=None, today=TODAY):
    return review_orders(list(rows), today=today, calendar=CAL, products=products, customers=customers,
                         quotes=quotes, open_balances=balances or {})


def codes(result, row=5):
    return next(x for x in result.lines if x.row == row).codes()


# ---------------------------------------------------------------------------------------- verdict table

CASES = [
    # id, line values, extra columns, expected verdict, expected reason codes (in CHECKS order)
    ("clean", {}, None, ACCEPT, ["customer-ok", "delivery-ok", "price-match", "credit-ok", "terms-ok", "moq-ok"]),
    ("customer by name", {"customer": "anker innovations 安克创新"}, None, ACCEPT,
     ["customer-ok", "delivery-ok", "price-match", "credit-ok", "terms-ok", "moq-ok"]),
    ("unknown customer", {"customer": "XYZ"}, None, REJECT,
     ["unknown-customer", "delivery-ok", "price-no-quote", "moq-ok"]),
    ("no quantity", {"quantity": None}, None, REJECT, ["incomplete-line"]),
    ("unknown model", {"model": "ZZ-1"}, None, REJECT,
     ["customer-ok", "unknown-model", "price-no-quote", "credit-ok", "terms-ok"]),
    ("no lead times", {"model": "NOLT"}, None, CONDITIONS,
     ["customer-ok", "no-lead-times", "price-no-quote", "credit-ok", "terms-ok", "no-moq"]),
    ("too early", {"customer_due_date": dt.date(2026, 12, 10)}, None, CONDITIONS,
     ["customer-ok", "delivery-late", "price-match", "credit-ok", "terms-ok", "moq-ok"]),
    ("no due date", {"customer_due_date": None}, None, CONDITIONS,
     ["customer-ok", "delivery-no-due", "price-match", "credit-ok", "terms-ok", "moq-ok"]),
    ("above quote", {"unit_price": D("8.35")}, None, ACCEPT,
     ["customer-ok", "delivery-ok", "price-above-quote", "credit-ok", "terms-ok", "moq-ok"]),
    ("below quote", {"unit_price": D("8.25")}, None, REJECT,
     ["customer-ok", "delivery-ok", "price-below-quote", "credit-ok", "terms-ok", "moq-ok"]),
    ("no price", {"unit_price": None}, None, CONDITIONS,
     ["customer-ok", "delivery-ok", "price-missing", "credit-no-amount", "terms-ok", "moq-ok"]),
    ("below smallest tier and MOQ", {"quantity": 500}, None, CONDITIONS,
     ["customer-ok", "delivery-ok", "price-below-tier", "credit-ok", "terms-ok", "below-moq"]),
    ("expired quote", {"customer": "NOL"}, None, CONDITIONS,
     ["customer-ok", "delivery-ok", "price-quote-expired", "credit-no-limit", "terms-ok", "moq-ok"]),
    ("other currency", {"currency": "EUR"}, None, CONDITIONS,
     ["customer-ok", "delivery-ok", "price-other-currency", "credit-other-currency", "currency-mismatch", "moq-ok"]),
    ("blank currency is the customer's", {"currency": None}, None, ACCEPT,
     ["customer-ok", "delivery-ok", "price-match", "credit-ok", "terms-ok", "moq-ok"]),
    ("other payment terms", {}, {"付款条件": "OA 30"}, CONDITIONS,
     ["customer-ok", "delivery-ok", "price-match", "credit-ok", "terms-mismatch", "moq-ok"]),
    ("same terms spelled otherwise", {}, {"Payment Terms": "O/A 60 days"}, ACCEPT,
     ["customer-ok", "delivery-ok", "price-match", "credit-ok", "terms-ok", "moq-ok"]),
    ("over the credit limit", {"quantity": 100000, "unit_price": D("8.10")}, None, REJECT,
     ["customer-ok", "delivery-ok", "price-match", "credit-over-limit", "terms-ok", "moq-ok"]),
]


@pytest.mark.parametrize("values, extra, verdict, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_verdict_and_every_reason(values, extra, verdict, expected):
    result = review(line(extra=extra, **values))
    assert codes(result) == expected
    assert result.lines[0].verdict == verdict


def test_every_reason_code_has_a_check_a_level_and_both_languages():
    from gendan_xl.review import CHECKS

    assert set(REASON_KINDS) == set(REVIEW_REASONS)
    for code, (check, level) in REASON_KINDS.items():
        assert check in CHECKS and level in ("ok", "note", "condition", "reject"), code
        zh, en = REVIEW_REASONS[code]
        assert zh and en and zh != en, code


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_messages_render_in_both_languages(lang):
    rows = [line(row=i + 2, extra=c[2], **c[1]) for i, c in enumerate(CASES)]
    for x in review(*rows, products=PRODUCTS).lines:
        for r in x.reasons:
            assert "{" not in r.message(lang), (r.code, r.message(lang))
        assert x.to_dict(lang)["verdict_label"]


def test_no_product_or_customer_sheet_are_conditions_not_rejections():
    result = review(line(), products=None, customers=None)
    assert codes(result) == ["no-customer-master", "no-product-master", "price-match"]
    assert result.lines[0].verdict == CONDITIONS


# ------------------------------------------------------------------------------------------- delivery

def test_delivery_is_planned_forward_in_working_days():
    # today Thu 11-26; PB-10K: 10+6+1+2 = 19 working days to ex-factory, +3 shipping = 22
    x = review(line()).lines[0]
    assert x.earliest_ship_date == CAL.add_workdays(TODAY, 19) == dt.date(2026, 12, 23)
    assert x.earliest_due_date == CAL.add_workdays(TODAY, 22) == dt.date(2026, 12, 28)
    assert x.promise_date == dt.date(2027, 1, 29)  # feasible: the requested date stands


def test_infeasible_date_promises_the_earliest():
    x = review(line(customer_due_date=dt.date(2026, 12, 10))).lines[0]
    assert x.promise_date == x.earliest_due_date == dt.date(2026, 12, 28)
    late = x.reasons[1]
    assert late.code == "delivery-late" and late.params["late"] == CAL.workdays_between(dt.date(2026, 12, 10),
                                                                                        dt.date(2026, 12, 28))


NATIONAL_DAY = [
    # today, requested due, expected earliest ex-factory, earliest due, delivery code
    # Mon 09-28: 09-29, 09-30 work; 10-01…10-07 off; 10-08, 10-09 work; Sat 10-10 is a makeup working day.
    (dt.date(2026, 9, 28), dt.date(2026, 10, 9), dt.date(2026, 10, 9), dt.date(2026, 10, 10), "delivery-late"),
    (dt.date(2026, 9, 28), dt.date(2026, 10, 10), dt.date(2026, 10, 9), dt.date(2026, 10, 10), "delivery-ok"),
    (dt.date(2026, 9, 28), dt.date(2026, 10, 11), dt.date(2026, 10, 9), dt.date(2026, 10, 10), "delivery-ok"),
    # Wed 09-30: the whole holiday is skipped: 10-08, 10-09, 10-10 (makeup), 10-12
    (dt.date(2026, 9, 30), dt.date(2026, 10, 12), dt.date(2026, 10, 12), dt.date(2026, 10, 13), "delivery-late"),
    # Thu 09-17: Fri 09-18, then Sun 09-20 is a makeup working day (Sat 09-19 is not)
    (dt.date(2026, 9, 17), dt.date(2026, 9, 30), dt.date(2026, 9, 22), dt.date(2026, 9, 23), "delivery-ok"),
]


@pytest.mark.parametrize("today, due, ship, earliest, code", NATIONAL_DAY)
def test_forward_planning_across_national_day(today, due, ship, earliest, code):
    # 2 material + 2 production = 4 working days to ex-factory, 1 shipping day
    products = {"ND": Product("ND", LeadTimes(2, 2, 0, 0, 1), None)}
    x = review(line(model="ND", customer_due_date=due, order_date=today), products=products, today=today).lines[0]
    assert (x.earliest_ship_date, x.earliest_due_date, x.reasons[1].code) == (ship, earliest, code)


def test_makeup_sunday_counts_as_a_working_day():
    products = {"ND": Product("ND", LeadTimes(0, 0, 0, 0, 1), None)}
    x = review(line(model="ND", order_date=dt.date(2026, 9, 18)), products=products,
               today=dt.date(2026, 9, 18)).lines[0]
    assert x.earliest_due_date == dt.date(2026, 9, 20)


def test_accepted_date_is_not_short_in_the_status_plan():
    """Forward review and backward status use one convention: promising the earliest date leaves 0 slack."""
    x = review(line(customer_due_date=dt.date(2026, 12, 10))).lines[0]
    promised = line(customer_due_date=x.promise_date, status="已确认")
    status = compute_status([promised], {"PB-10K": PRODUCTS["PB-10K"].lead_times}, CAL, TODAY)
    assert status.lines[0].slack_workdays == 0
    too_early = line(customer_due_date=x.promise_date - dt.timedelta(days=1), status="已确认")
    assert compute_status([too_early], {"PB-10K": PRODUCTS["PB-10K"].lead_times}, CAL, TODAY).lines[0] \
        .slack_workdays < 0


# ------------------------------------------------------------------------------------------- quote log

TIERS = [Quote("Q1", dt.date(2026, 10, 1), "ANK", "PB-10K", t, p, "USD", dt.date(2026, 12, 31))
         for t, p in ((1000, D("8.70")), (5000, D("8.40")), (10000, D("8.20")))]


@pytest.mark.parametrize("qty, how, tier", [(1000, "found", 1000), (4999, "found", 1000), (7000, "found", 5000),
                                            (10000, "found", 10000), (50000, "found", 10000),
                                            (999, "below_tier", 1000)])
def test_tier_is_the_largest_not_above_the_quantity(qty, how, tier):
    found, q = find_quote(TIERS, customer="ANK", model="PB-10K", quantity=qty, on=dt.date(2026, 11, 20))
    assert (found, q.tier_qty) == (how, tier)


def test_the_latest_valid_quote_replaces_older_ones_entirely():
    newer = [Quote("Q2", dt.date(2026, 11, 1), "ANK", "PB-10K", t, p, "USD", dt.date(2026, 12, 31))
             for t, p in ((1000, D("8.60")), (5000, D("8.30")))]
    how, q = find_quote(TIERS + newer, customer="ANK", model="PB-10K", quantity=12000, on=dt.date(2026, 11, 20))
    assert (how, q.quote_no, q.tier_qty) == ("found", "Q2", 5000)
    # before Q2 was made, Q1 priced the order
    how, q = find_quote(TIERS + newer, customer="ANK", model="PB-10K", quantity=12000, on=dt.date(2026, 10, 20))
    assert (how, q.quote_no, q.tier_qty) == ("found", "Q1", 10000)


def test_validity_is_judged_on_the_order_date():
    short = [Quote("Q3", dt.date(2026, 10, 1), "ANK", "PB-10K", 1000, D("8.7"), "USD", dt.date(2026, 11, 10))]
    assert find_quote(short, customer="ANK", model="PB-10K", quantity=5000, on=dt.date(2026, 11, 10))[0] == "found"
    assert find_quote(short, customer="ANK", model="PB-10K", quantity=5000, on=dt.date(2026, 11, 11))[0] == "expired"
    # an order placed before the quote existed was not priced by it
    assert find_quote(short, customer="ANK", model="PB-10K", quantity=5000, on=dt.date(2026, 9, 30))[0] == "none"
    # in the review: an order dated within validity keeps its quote even when reviewed after it expired
    assert "price-match" in codes(review(line(unit_price=D("8.7"), order_date=dt.date(2026, 11, 5)), quotes=short))
    assert "price-quote-expired" in codes(review(line(unit_price=D("8.7")), quotes=short))


def test_quote_matches_customer_by_code_or_name_and_model_loosely():
    by_name = [Quote("Q4", dt.date(2026, 10, 1), "Anker Innovations 安克创新", "ｐｂ-10k ", 1000, D("8.3"), "USD",
                     dt.date(2026, 12, 31))]
    how, q = find_quote(by_name, customer=CUSTOMERS["ANK"], model="PB-10K", quantity=5000, on=TODAY)
    assert (how, q.quote_no) == ("found", "Q4")
    other = [Quote("Q5", dt.date(2026, 10, 1), "BLK", "PB-10K", 1000, D("8.3"), "USD", dt.date(2026, 12, 31))]
    assert find_quote(other, customer=CUSTOMERS["ANK"], model="PB-10K", quantity=5000, on=TODAY) == ("none", None)


def test_below_quote_says_by_how_much():
    r = review(line(unit_price=D("8.10"))).lines[0].reasons[2]
    assert r.code == "price-below-quote"
    assert (r.params["diff"], r.params["pct"], r.params["quote_no"], r.params["tier"]) == (D("0.20"), "2.4",
                                                                                           "Q20260012", 5000)
    assert "0.20" in r.message("en") and "2.4%" in r.message("en")


# ---------------------------------------------------------------------------------------------- credit

@pytest.mark.parametrize("balance, code", [(D("758500"), "credit-ok"), (D("758500.01"), "credit-over-limit"),
                                           (D(0), "credit-ok")])
def test_credit_limit_is_open_balance_plus_this_order(balance, code):
    # 5,000 × 8.30 = 41,500; limit 800,000
    r = review(line(), balances={"ANK": balance}).lines[0].reasons[3]
    assert r.code == code
    assert r.params["exposure"] == balance + D(41500)


def test_new_orders_of_one_run_add_up_unless_rejected():
    big = dict(quantity=50000, unit_price=D("8.10"))  # 405,000 each
    result = review(line(row=5, **big), line(row=6, **big), line(row=7, quantity=1000, unit_price=D("8.6553")),
                    balances={"ANK": D(300000)})
    assert [x.verdict for x in result.lines] == [ACCEPT, REJECT, ACCEPT]
    assert result.lines[1].reasons[3].params["earlier"] == D(405000)
    # row 6 was rejected, so row 7 counts only row 5 before it
    assert result.lines[2].reasons[3].params["earlier"] == D(405000)
    assert "+" in result.lines[1].reasons[3].message("zh")


def test_credit_in_another_currency_is_not_added():
    x = review(line(customer="BLK", currency="USD")).lines[0]
    assert "credit-other-currency" in x.codes() and "currency-mismatch" in x.codes()


# ---------------------------------------------------------------------------------------------- the door

def build_master(path: Path, orders: list[list], *, customers=None, products=None) -> Path:
    """A small master workbook: 订单 (a title row above the header), 客户, 产品, 假期, 出货, 收款."""
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})

    def sheet(name, headers, rows, start=0):
        ws = wb.add_worksheet(name)
        ws.write_row(start, 0, headers)
        for r, values in enumerate(rows, start=start + 1):
            for c, v in enumerate(values):
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date)
                elif v is not None:
                    ws.write(r, c, v)
        return ws

    ws = sheet("订单", ["订单号", "客户", "型号", "数量", "单价", "币种", "下单日期", "客户交期", "已出货数量", "状态",
                      "跟单员", "付款条件"], orders, start=2)
    ws.write(0, 0, "订单跟踪表")
    sheet("客户", ["客户代码", "客户名称", "等级", "币种", "付款条件", "信用额度", "邮箱"], customers or [
        ["NORDLICHT", "Nordlicht Handels GmbH", "A", "USD", "OA 30", 200000, "a@nordlicht.example"],
        ["ANK", "Anker", "B", "USD", "OA 60", 100000, "po@anker.example"]])
    sheet("产品", ["型号", "备料天数", "生产天数", "验货天数", "包装天数", "出运天数", "最小起订量"], products or [
        ["HD-PB10K", 10, 6, 1, 2, 3, 1000], ["HD-LED12", 5, 4, 1, 1, 3, 500]])
    sheet("假期", ["日期", "类型", "说明"], [[dt.date(2026, 12, 31), "放假", "年终盘点"]])
    sheet("出货", ["送货单号", "出货日期", "客户", "订单号", "型号", "数量", "单价", "金额", "币种"], [
        ["S2610-001", dt.date(2026, 10, 15), "ANK", "SO1", "HD-PB10K", 10000, 8.0, 80000, "USD"],
        ["S2611-001", dt.date(2026, 11, 10), "NORDLICHT", "SO2", "HD-LED12", 1000, 7.0, 7000, "USD"]])
    sheet("收款", ["收款日期", "客户", "金额", "币种", "核销单号"], [
        [dt.date(2026, 11, 15), "NORDLICHT", 7000, "USD", "S2611-001"]])
    wb.close()
    return path


@pytest.fixture()
def quoted(tmp_path):
    """A real quote log: make_quote on the sample quote request (customer NORDLICHT, HD-PB10K in three tiers)."""
    spec = importlib.util.spec_from_file_location("build_quote_request", ROOT / "workbooks" / "build_quote_request.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    request = builder.build_request(tmp_path / "request.xlsx")
    data = tmp_path / "data"
    with Store(data) as store:
        result = make_quote(request, out=tmp_path / "out", quote_log=store, today=dt.date(2026, 11, 2),
                            company=COMPANY)
    assert result.ok, result.issues
    return data


def load_quotes(data_dir):
    with Store(data_dir) as store:
        return store.quotes()


def test_the_store_reads_back_the_log_make_quote_wrote(quoted, tmp_path):
    quotes = load_quotes(quoted)
    assert {q.model for q in quotes} >= {"HD-PB10K"}
    tiers = sorted(q.tier_qty for q in quotes if q.model == "HD-PB10K")
    assert tiers == [1000, 5000, 10000]
    assert all(q.valid_until == dt.date(2026, 12, 2) and q.customer == "NORDLICHT" for q in quotes)
    assert load_quotes(tmp_path / "nowhere") == [] and not (tmp_path / "nowhere").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    sqlite3.connect(empty / "gendan.sqlite").close()
    assert load_quotes(empty) == []


def test_review_workbook_writes_a_sidecar_and_leaves_the_master_alone(quoted, tmp_path):
    price = {q.tier_qty: q.price for q in load_quotes(quoted) if q.model == "HD-PB10K"}
    orders = [
        ["SO1", "ANK", "HD-PB10K", 10000, 8.0, "USD", dt.date(2026, 10, 1), dt.date(2026, 10, 15), 10000, "已出货",
         "王芳", None],
        ["SO3", "NORDLICHT", "HD-PB10K", 6000, float(price[5000]), "USD", dt.date(2026, 11, 20),
         dt.date(2027, 1, 15), None, "新单", "张丽", "OA 30"],
        ["SO4", "NORDLICHT", "HD-PB10K", 12000, float(price[10000] - D("0.05")), "USD", dt.date(2026, 11, 21),
         dt.date(2027, 1, 15), None, "待评审", "张丽", None],
        ["SO5", "ANK", "HD-LED12", 400, 7.0, "USD", dt.date(2026, 11, 22), dt.date(2026, 12, 4), None, "new",
         "王芳", None],
    ]
    master = build_master(tmp_path / "orders.xlsx", orders)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    result = review_workbook(master, today=TODAY, quotes=load_quotes(quoted))
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before
    assert result.path == review_path(master) == tmp_path / "orders.review.xlsx"
    assert [(x.order_no, x.verdict) for x in result.lines] == [("SO3", ACCEPT), ("SO4", REJECT),
                                                               ("SO5", CONDITIONS)]
    assert codes(result, 5) == ["customer-ok", "delivery-ok", "price-match", "credit-ok", "terms-ok", "moq-ok"]
    assert codes(result, 6)[2] == "price-below-quote"
    # SO5: ANK owes 80,000 (S2610-001 unpaid) + 2,800 against 100,000; needs 14 working days by 12-04
    so5 = codes(result, 7)
    assert so5 == ["customer-ok", "delivery-late", "price-no-quote", "credit-ok", "terms-ok", "below-moq"]
    assert result.lines[2].reasons[3].params["balance"] == D(80000)
    assert result.lines[0].reasons[3].params["balance"] == D(0)  # NORDLICHT paid its delivery

    book = CalamineWorkbook.from_path(str(result.path))
    assert book.sheet_names == ["订单评审", "评审明细"]
    grid = book.get_sheet_by_name("订单评审").to_python()
    # the title says what, which workbook, which day and how many; the table starts on row 4
    assert grid[0][0] == "订单评审表"
    assert grid[1][0] == "orders.xlsx · 评审日 2026-11-26 · 3 行待评审：1 接受，1 有条件接受，1 拒绝"
    assert grid[3][:15] == ["行", "订单号", "客户", "型号", "数量", "单价", "币种", "金额", "客户交期", "最早可交",
                            "可承诺交期", "评审结论", "跟单员", "评审意见", "PMC\n签字 / 日期"]
    assert grid[3][15:] == ["生产\n签字 / 日期", "品质\n签字 / 日期", "财务\n签字 / 日期"]
    assert [(r[1], r[11]) for r in grid[4:]] == [("SO3", "接受"), ("SO4", "拒绝"), ("SO5", "有条件接受")]
    assert grid[6][10] == result.lines[2].promise_date
    # the findings in one cell: each check to act on, worst first, then the checks that passed
    so5 = grid[6][13].splitlines()
    assert [x.split("：")[0] for x in so5] == ["交期（条件）", "价格（条件）", "起订量（条件）", "通过"]
    assert so5[-1] == "通过：客户资料、信用、条款"
    reasons = book.get_sheet_by_name("评审明细").to_python()
    assert reasons[3] == ["行", "订单号", "客户", "型号", "评审结论", "检查项", "结果", "说明", "代码"]
    assert [r[8] for r in reasons[4:] if r[1] == "SO4"] == codes(result, 6)

    doc = result.to_dict("en")
    assert doc["counts"] == {"accept": 1, "accept_with_conditions": 1, "reject": 1} and not doc["ok"]
    assert doc["lines"][1]["reasons"][2]["code"] == "price-below-quote"
    assert "1 accept, 1 with conditions, 1 reject" in result.to_text("en")


def test_a_separate_new_orders_workbook_is_reviewed_whole(tmp_path):
    master = build_master(tmp_path / "orders.xlsx", [
        ["SO1", "ANK", "HD-PB10K", 10000, 8.0, "USD", dt.date(2026, 10, 1), dt.date(2026, 10, 15), 10000, "已出货",
         "王芳", None]])
    new = build_master(tmp_path / "new.xlsx", [
        ["N1", "ANK", "HD-LED12", 1000, 7.0, "USD", dt.date(2026, 11, 25), dt.date(2027, 2, 1), None, "", "王芳",
         None]])
    result = review_workbook(master, today=TODAY, orders=new, out=tmp_path / "x" / "review.xlsx")
    assert [x.order_no for x in result.lines] == ["N1"]
    assert result.path == tmp_path / "x" / "review.xlsx" and result.path.is_file()


def test_nothing_to_review_still_writes_an_empty_sheet(tmp_path):
    master = build_master(tmp_path / "orders.xlsx", [
        ["SO1", "ANK", "HD-PB10K", 10000, 8.0, "USD", dt.date(2026, 10, 1), dt.date(2026, 10, 15), 10000, "已出货",
         "王芳", None]])
    result = review_workbook(master, today=TODAY)
    assert result.lines == [] and result.ok
    assert result.to_text("en").splitlines()[0] == "no order lines to review (status 新单 / new)"
    grid = CalamineWorkbook.from_path(str(result.path)).get_sheet_by_name("订单评审").to_python()
    assert len(grid) == 4 and grid[1][0].endswith("没有待评审的订单（状态为 新单 / 待评审）")


def test_refuses_to_overwrite_a_review_open_in_excel(tmp_path):
    master = build_master(tmp_path / "orders.xlsx", [])
    (tmp_path / "~$orders.review.xlsx").write_bytes(b"someone")
    with pytest.raises(WorkbookOpenError, match="orders.review.xlsx is open"):
        review_workbook(master, today=TODAY)


def test_sample_workbook_reviews_its_new_orders(tmp_path):
    sample = ROOT / "workbooks" / "orders.xlsx"
    result = review_workbook(sample, today=TODAY, out=tmp_path / "orders.review.xlsx")
    grid = CalamineWorkbook.from_path(str(sample)).get_sheet_by_name("订单").to_python()
    header = next(i for i, r in enumerate(grid) if "状态" in r)  # a title and a date row sit above it
    status = grid[header].index("状态")
    assert [x.row for x in result.lines] == [i + 1 for i, r in enumerate(grid) if r[status] in ("新单", "待评审")]
    verdicts = {x.order_no: x.verdict for x in result.lines}
    # no quote log given: the NORDLICHT lines have no valid quote (a condition) unless something rejects them
    assert verdicts["SO26R04"] == REJECT  # over VTX's credit limit
    assert verdicts["SO26R03"] == CONDITIONS  # due 12-15 cannot be met
    assert set(verdicts.values()) <= {ACCEPT, CONDITIONS, REJECT}


def test_review_form_prints_wraps_and_takes_its_departments(tmp_path):
    """The 订单评审表 is a form: landscape, one page wide, the header on every page, findings wrapped, a
    column for each department that signs (configurable)."""
    from openpyxl import load_workbook

    from conftest import print_setup

    sample = tmp_path / "orders.xlsx"
    sample.write_bytes((ROOT / "workbooks" / "orders.xlsx").read_bytes())
    result = review_workbook(sample, today=TODAY, sign_off=("业务", "PMC", "总经理"))
    wb = load_workbook(result.path)
    form, reasons = wb["订单评审"], wb["评审明细"]
    for ws in (form, reasons):
        assert print_setup(ws) == {"orientation": "landscape", "paper": 9, "fit": True, "title_rows": "$4:$4",
                                   "page_numbers": True}
    assert [form.cell(4, c).value for c in range(15, 18)] == ["业务\n签字 / 日期", "PMC\n签字 / 日期",
                                                              "总经理\n签字 / 日期"]
    assert form.cell(5, 14).alignment.wrap_text and reasons.cell(5, 8).alignment.wrap_text
    assert form.cell(5, 15).value is None and form.cell(5, 15).border.left.style == "thin"  # room to sign
    english = review_workbook(sample, today=TODAY, lang="en", out=tmp_path / "en.xlsx")
    header = load_workbook(english.path)["Order Review"][4]
    assert [c.value for c in header][12:15] == ["Merchandiser", "Findings", "PMC\nsign / date"]


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")
def test_review_form_prints_on_one_page_per_sheet(tmp_path):
    """Rendered as a person prints it: the sample's five new orders fit one landscape page, title and
    signatures included (the old sheet printed over twelve pages)."""
    from gendan_xl.xlsx.template import to_pdf

    sample = tmp_path / "orders.xlsx"
    sample.write_bytes((ROOT / "workbooks" / "orders.xlsx").read_bytes())
    pdf = to_pdf(review_workbook(sample, today=TODAY).path, tmp_path)
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 2  # the form, then every reason
    assert "订单评审表" in pages[0] and "orders.xlsx" in pages[0] and "1/2" in pages[0].replace(" ", "")
    assert "PMC" in pages[0] and "财务" in pages[0] and "SO26R04" in pages[0]
    assert "评审明细" in pages[1] and "2/2" in pages[1].replace(" ", "")


def test_review_mail_per_merchandiser_with_the_sheet_attached(tmp_path):
    result = review(line(row=5), line(row=6, merchandiser="王芳", unit_price=D("8.0")),
                    line(row=7, merchandiser="李强"))
    mails, no_email = review_mails(result, emails={"张丽": "zl@example.com", "王芳": "wf@example.com"}, lang="zh")
    assert no_email == ["李强"]
    assert sorted(m.to for m in mails) == ["wf@example.com", "zl@example.com"]
    wf = next(m for m in mails if m.to == "wf@example.com")
    assert "1 行" in wf.subject and "1 拒绝" in wf.subject
    assert "SO0006" in wf.text and "拒绝" in wf.text
    attached = tmp_path / wf.attachments[0].filename
    attached.write_bytes(wf.attachments[0].data)
    grid = CalamineWorkbook.from_path(str(attached)).get_sheet_by_name("订单评审").to_python()
    assert [r[1] for r in grid[4:]] == ["SO0006"]
    # delivered through the mail module's outbox transport
    with Mailer(Outbox(tmp_path / "outbox"), "跟单部 <gd@example.com>", tmp_path / "data",
                now=lambda: dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.timezone.utc)) as mailer:
        sent = mailer.send(mails, job="review", period=TODAY.isoformat())
    assert sent.ok and len(list((tmp_path / "outbox").iterdir())) == 2


def test_reason_objects_compare_as_values():
    assert Reason("moq-ok", {"quantity": 1}) == Reason("moq-ok", {"quantity": 1})


def test_review_workbook_never_writes_over_its_master(tmp_path):
    from gendan_xl.errors import GendanError

    master = tmp_path / "orders.xlsx"
    master.write_bytes((ROOT / "workbooks" / "orders.xlsx").read_bytes())
    before = master.read_bytes()
    with pytest.raises(GendanError, match="orders.xlsx is an input"):
        review_workbook(master, today=TODAY, out=master)
    assert master.read_bytes() == before
