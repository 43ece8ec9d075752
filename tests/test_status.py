"""Order status in working days, hand-checked across the 2026 Spring Festival and National Day."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from gendan_xl.status import (MILESTONE_LABELS, REASONS, STATUS_LABELS, STATUSES, LeadTimes, compute_status,
                              counts_text, products_from_rows)
from gendan_xl.orders import Order
from gendan_xl.sheet_data import Row
from gendan_xl.workdays import WorkCalendar

D = dt.date
CAL = WorkCalendar()
TODAY = D(2026, 11, 27)  # a Friday
PRODUCTS = {
    "A-100": LeadTimes(material=5, production=10, inspection=2, packing=2, shipping=3),
    "FAST": LeadTimes(material=1, production=1, inspection=1, packing=0, shipping=1),
    "BLANK": None,
}


def order(n=2, **values):
    values.setdefault("order_no", f"SO-{n}")
    values.setdefault("customer", "ACME")
    values.setdefault("model", "A-100")
    values.setdefault("quantity", 1000)
    values.setdefault("merchandiser", "王芳")
    return Order(row=n, **values)


def one(today=TODAY, products=PRODUCTS, calendar=CAL, warning_days=3, due="customer", **values):
    result = compute_status([order(**values)], products, calendar, today, warning_days=warning_days, due=due)
    return result.lines[0]


# -- planning across the holidays ----------------------------------------------------------------------

def test_plan_across_national_day_uses_makeup_days():
    # Due Fri 10-16. ship = 3 working days back: 10-15, 10-14, 10-13. packing done by the cut-off.
    # inspection = 2 back from 10-13: 10-12, then the makeup Saturday 10-10.
    # finish = 2 back from 10-10: 10-09, 10-08.
    # material = 10 back from 10-08: 09-30, 29, 28, (holidays 09-25…27), 24, 23, 22, 21, makeup Sunday 09-20,
    # 18, 17 → 09-17; production starts the next working day, 09-18.
    line = one(today=D(2026, 9, 1), factory_due_date=D(2026, 10, 16), customer_due_date=D(2026, 10, 20),
               due="factory")
    assert line.plan == {
        "material": D(2026, 9, 17), "production_start": D(2026, 9, 18), "production_finish": D(2026, 10, 8),
        "inspection": D(2026, 10, 10), "packing": D(2026, 10, 13), "ship": D(2026, 10, 13)}
    assert (line.due_date, line.due_basis) == (D(2026, 10, 16), "factory")  # [status] due = "factory"
    assert (line.status, line.next_milestone, line.next_milestone_date) == ("on_track", "material", D(2026, 9, 17))


def test_national_day_production_in_progress_on_track_thanks_to_makeup_saturday():
    # Today 10-08, production started 09-18 and not finished. Spent working days in [09-18, 10-08]: 10, so
    # production needs 0 more; inspection 2 + packing 2 + shipping 3 = 7 left to do.
    # Working days in (10-08, 10-16]: 10-09, makeup 10-10, 10-12…10-16 = 7 → slack 0, on track.
    values = dict(today=D(2026, 10, 8), factory_due_date=D(2026, 10, 16), material_date=D(2026, 9, 15),
                  production_date=D(2026, 9, 18))
    line = one(**values)
    assert (line.status, line.remaining_workdays, line.workdays_left, line.slack_workdays) == ("on_track", 7, 7, 0)
    assert (line.next_milestone, line.next_milestone_date) == ("production_finish", D(2026, 10, 8))
    assert line.reason() == "下一步：完工 10-08，富余 0 个工作日"
    assert line.days_to_due == 8
    # A factory that closes on the makeup Saturday loses that day: inspection is due 10-09 and production
    # should have finished on 09-30 (10-08 back 2 working days), so it is late already and short by one.
    closed = WorkCalendar(extra_holidays=[D(2026, 10, 10)])
    line = one(calendar=closed, **values)
    assert (line.plan["inspection"], line.plan["production_finish"]) == (D(2026, 10, 9), D(2026, 9, 30))
    assert (line.status, line.slack_workdays) == ("at_risk", -1)
    assert line.reason() == "完工计划 09-30，尚未完工"


def test_national_day_missed_finish_the_day_after():
    line = one(today=D(2026, 10, 9), factory_due_date=D(2026, 10, 16), material_date=D(2026, 9, 15),
               production_date=D(2026, 9, 18))
    assert line.status == "at_risk"
    assert line.reason() == "完工计划 10-08，尚未完工"
    assert line.reason("en") == "production finish planned 10-08, not done"


def test_plan_across_spring_festival():
    # Due Fri 03-06. ship = 03-05, 04, 03 → 03-03. inspection = 03-02, makeup Saturday 02-28 → 02-28.
    # finish = 02-27, 02-26 → 02-26. material = 10 back from 02-26: 25, 24, (02-15…02-23 off), makeup 02-14,
    # 13, 12, 11, 10, 09, 06, 05 → 02-05; production starts 02-06.
    line = one(today=D(2026, 2, 13), customer_due_date=D(2026, 3, 6), material_date=D(2026, 2, 5))
    assert line.plan == {
        "material": D(2026, 2, 5), "production_start": D(2026, 2, 6), "production_finish": D(2026, 2, 26),
        "inspection": D(2026, 2, 28), "packing": D(2026, 3, 3), "ship": D(2026, 3, 3)}
    # Production has not started a week after its planned start: at risk. Working days in (02-13, 03-06]:
    # 02-14, 02-24…02-28, 03-02…03-06 = 11; still to do 10 + 2 + 2 + 3 = 17 → slack −6.
    assert line.status == "at_risk"
    assert line.reason() == "上线计划 02-06，尚未上线"
    assert line.reason("en") == "production start planned 02-06, not done"
    assert (line.workdays_left, line.slack_workdays) == (11, -6)


def test_spring_festival_production_started_on_time_is_on_track():
    # Started 02-06: spent [02-06, 02-13] = 02-06, 02-09…02-13 = 6, so 4 more + 7 = 11 = working days left.
    line = one(today=D(2026, 2, 13), customer_due_date=D(2026, 3, 6), material_date=D(2026, 2, 5),
               production_date=D(2026, 2, 6))
    assert (line.status, line.slack_workdays, line.next_milestone) == ("on_track", 0, "production_finish")


# -- every status ----------------------------------------------------------------------------------------

# Due Fri 12-18 for A-100 plans: material 11-25, start 11-26, finish 12-09, inspection 12-11, ship 12-15.
# Working days in (11-27, 12-18]: 15.
CASES = [
    ("cancelled", dict(status="已取消", customer_due_date=D(2026, 11, 1)), "cancelled", "已取消", None, None),
    ("cancelled-en", dict(status="Canceled", customer_due_date=D(2026, 11, 1)), "cancelled", "已取消", None, None),
    ("on-time", dict(customer_due_date=D(2026, 11, 20), ship_date=D(2026, 11, 20), shipped_qty=1000),
     "shipped_on_time", "11-20 已出货，客户交期 11-20", None, None),
    ("late-vs-customer-date", dict(customer_due_date=D(2026, 11, 20), factory_due_date=D(2026, 11, 25),
                                   ship_date=D(2026, 11, 25), shipped_qty=1000),
     "shipped_late", "11-25 出货，晚 5 天，客户交期 11-20（工厂交期 11-25）", 5, None),
    ("ship-date-only", dict(customer_due_date=D(2026, 11, 20), ship_date=D(2026, 11, 19)),
     "shipped_on_time", "11-19 已出货，客户交期 11-20", None, None),
    ("over-shipped", dict(customer_due_date=D(2026, 11, 20), ship_date=D(2026, 11, 19), shipped_qty=1010),
     "shipped_on_time", "11-19 已出货，客户交期 11-20", None, None),
    ("overdue", dict(customer_due_date=D(2026, 11, 20)), "overdue", "逾期 7 天，尚未出货，客户交期 11-20", 7, None),
    ("zero-shipped-is-not-shipped", dict(customer_due_date=D(2026, 11, 20), ship_date=D(2026, 11, 20),
                                         shipped_qty=0),
     "overdue", "逾期 7 天，尚未出货，客户交期 11-20", 7, None),
    ("partial-overdue", dict(customer_due_date=D(2026, 11, 20), ship_date=D(2026, 11, 20), shipped_qty=300),
     "overdue", "逾期 7 天，尚未出齐，客户交期 11-20；已出 300/1000，余 700 未出", 7, None),
    ("missed-material", dict(customer_due_date=D(2026, 12, 18)), "at_risk", "到料计划 11-25，尚未到料", None, 21),
    ("late-start-short", dict(customer_due_date=D(2026, 12, 18), material_date=D(2026, 11, 20),
                              production_date=D(2026, 11, 27)),
     "at_risk", "还需 16 个工作日，只剩 15 个工作日，客户交期 12-18", None, 21),
    ("partial-open", dict(customer_due_date=D(2026, 12, 18), ship_date=D(2026, 11, 20), shipped_qty=300),
     "on_track", "下一步：包装 12-15，富余 10 个工作日；已出 300/1000，余 700 未出", None, 21),
    ("window", dict(model="FAST", customer_due_date=D(2026, 12, 2), material_date=D(2026, 11, 20),
                    production_date=D(2026, 11, 23), finish_date=D(2026, 11, 24),
                    inspection_date=D(2026, 11, 25)),
     "at_risk", "只剩 3 个工作日，客户交期 12-02", None, 5),
    ("outside-window", dict(model="FAST", customer_due_date=D(2026, 12, 3), inspection_date=D(2026, 11, 25)),
     "on_track", "下一步：包装 12-02，富余 3 个工作日", None, 6),
    ("due-today", dict(model="FAST", customer_due_date=TODAY, inspection_date=D(2026, 11, 25)),
     "at_risk", "出货计划 11-26，尚未出货", None, 0),
    ("future-ship-date-is-a-plan", dict(customer_due_date=D(2026, 11, 20), ship_date=D(2026, 12, 1)),
     "overdue", "逾期 7 天，尚未出货，客户交期 11-20；出货日期 12-01 在今天之后，按未出货计算", 7, None),
    ("future-ship-date-proves-nothing", dict(customer_due_date=D(2026, 12, 18), ship_date=D(2026, 12, 16)),
     "at_risk", "到料计划 11-25，尚未到料；出货日期 12-16 在今天之后，按未出货计算", None, 21),
    ("no-due", dict(), "unknown", "缺少交期，请填写客户交期或工厂交期", None, None),
    ("silly-year", dict(customer_due_date=D(2206, 12, 1)), "unknown",
     "交期“2206-12-01”无法使用，请写成 2026-11-03 这样的日期", None, None),
    ("shipped-no-date", dict(customer_due_date=D(2026, 11, 20), shipped_qty=1000), "unknown",
     "已全部出货但缺少出货日期，无法判断是否准时", None, None),
    ("unknown-model", dict(model="ZZ-9", customer_due_date=D(2026, 12, 18)), "unknown",
     "客户交期 12-18；型号“ZZ-9”不在产品表，未按标准周期检查", None, 21),
    ("unknown-model-overdue", dict(model="ZZ-9", customer_due_date=D(2026, 11, 20)), "overdue",
     "逾期 7 天，尚未出货，客户交期 11-20；型号“ZZ-9”不在产品表，未按标准周期检查", 7, None),
    ("no-model-in-window", dict(model=None, customer_due_date=D(2026, 12, 1)), "at_risk",
     "只剩 2 个工作日，客户交期 12-01；缺少型号，未按标准周期检查", None, 4),
    ("product-without-lead-times", dict(model="BLANK", customer_due_date=D(2026, 12, 18)), "unknown",
     "客户交期 12-18；型号“BLANK”没有标准周期，未按标准周期检查", None, 21),
    # one due-date rule: the customer's date decides, open or shipped; the factory's is shown beside it
    ("customer-date-decides", dict(customer_due_date=D(2026, 11, 20), factory_due_date=D(2026, 12, 18),
                                   material_date=D(2026, 11, 20), production_date=D(2026, 11, 26)),
     "overdue", "逾期 7 天，尚未出货，客户交期 11-20（工厂交期 12-18）", 7, None),
]


@pytest.mark.parametrize("values, status, reason, days_late, days_to_due",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_status_table(values, status, reason, days_late, days_to_due):
    line = one(**values)
    assert line.status == status
    assert line.reason() == reason
    assert (line.days_late, line.days_to_due) == (days_late, days_to_due)
    assert line.reason("en")  # every part has English too


def test_no_rows_and_odd_values_do_not_crash():
    empty = compute_status([], PRODUCTS, CAL, TODAY)
    assert empty.to_dict()["orders"] == [] and set(empty.counts.values()) == {0}
    odd = one(model=["A-100"], status=["取消"], customer_due_date=dt.datetime(2026, 12, 18, 9, 30),
              quantity="abc", shipped_qty=True)
    assert (odd.status, odd.due_date) == ("unknown", D(2026, 12, 18))
    assert odd.reason() == "客户交期 12-18；型号“['A-100']”不在产品表，未按标准周期检查"


def test_model_lookup_ignores_case_and_width():
    assert one(model="ａ-100 ", customer_due_date=D(2026, 12, 18)).plan["ship"] == D(2026, 12, 15)


@pytest.mark.parametrize("warning_days, status", [(3, "on_track"), (4, "at_risk"), (0, "on_track")])
def test_warning_window_is_a_parameter(warning_days, status):
    line = one(warning_days=warning_days, model="FAST", customer_due_date=D(2026, 12, 3),
               inspection_date=D(2026, 11, 25))
    assert line.status == status


def test_english_reasons_and_labels():
    line = one(customer_due_date=D(2026, 11, 20), ship_date=D(2026, 11, 20), shipped_qty=300)
    assert line.label() == "逾期" and line.label("en") == "Overdue"
    assert line.reason("en") == "7 days overdue, not fully shipped, customer due 11-20; partly shipped 300 of 1000, 700 to go"
    line = one(customer_due_date=D(2026, 12, 18))
    assert line.reason("en") == "material planned 11-25, not done"
    assert line.next_milestone_label("en") == "material"
    line = one(customer_due_date=D(2026, 12, 18), material_date=D(2026, 11, 20), production_date=D(2026, 11, 27))
    assert line.reason("en") == "needs 16 working days, only 15 left, customer due 12-18"


def test_2027_due_date_still_gets_a_status_and_one_warning():
    rows = [order(2, customer_due_date=D(2027, 3, 18)), order(3, customer_due_date=D(2027, 4, 2)),
            order(4, customer_due_date=D(2026, 12, 18))]
    result = compute_status(rows, PRODUCTS, CAL, TODAY)
    assert [x.status for x in result.lines] == ["on_track", "on_track", "at_risk"]
    # 2027 is computed from plain weekends: 03-18 (Thu) minus 3 working days is Mon 03-15.
    assert result.lines[0].plan["ship"] == D(2027, 3, 15)
    issues = result.calendar_issues()
    assert [(i.sheet, i.cell, i.code, i.severity, i.value) for i in issues] == [
        ("假期", "", "calendar-unverified", "warning", 2027)]
    assert result.calendar_issues("en", sheet="Calendar")[0].message.startswith("2027 has no official")
    assert result.to_dict()["issues"][0]["code"] == "calendar-unverified"


def test_a_plan_reaching_back_into_an_unverified_year_warns_too():
    # A due date in early 2004 plans material in 2003, which chinesecalendar does not cover.
    result = compute_status([order(customer_due_date=D(2004, 1, 9))], PRODUCTS, CAL, D(2004, 1, 2))
    assert [i.value for i in result.calendar_issues()] == [2003]


def test_2026_only_has_no_calendar_warning():
    result = compute_status([order(customer_due_date=D(2026, 12, 18))], PRODUCTS, CAL, TODAY)
    assert result.calendar_issues() == []


# -- the result ----------------------------------------------------------------------------------------

def _result():
    rows = [order(i + 2, **values) for i, (_, values, *_rest) in enumerate(CASES)]
    return compute_status(rows, PRODUCTS, CAL, TODAY)


def test_counts_list_every_status():
    counts = _result().counts
    assert list(counts) == list(STATUSES)
    assert counts == {"overdue": 6, "at_risk": 6, "on_track": 2, "shipped_late": 1, "shipped_on_time": 3,
                      "cancelled": 2, "unknown": 5}


@pytest.mark.parametrize("counts, lang, text", [
    ({"overdue": 6, "at_risk": 0, "on_track": 2, "unknown": 5}, "zh", "逾期 6，正常 2，无法判断 5"),
    ({"overdue": 6, "at_risk": 0, "on_track": 2, "unknown": 5}, "en", "Overdue 6, On track 2, Unknown 5"),
    (dict.fromkeys(STATUSES, 0), "zh", ""),   # the caller says "no order lines" in its own words
])
def test_counts_text_names_each_status_with_lines(counts, lang, text):
    assert counts_text(counts, lang) == text


def test_urgent_lists_overdue_then_least_slack():
    urgent = _result().urgent
    assert [x.status for x in urgent] == ["overdue"] * 6 + ["at_risk"] * 6
    assert urgent[0].days_late == 7 and urgent[-1].slack_workdays is None  # the line with no model comes last
    at_risk = [(x.order_no, x.slack_workdays) for x in urgent[6:]]
    assert at_risk == sorted(at_risk, key=lambda p: p[1] if p[1] is not None else 10**9)
    assert at_risk[0] == ("SO-11", -7)  # missed-material: 15 left − 22 to do


def test_to_dict_is_json_with_the_promised_keys():
    doc = json.loads(json.dumps(_result().to_dict(), ensure_ascii=False))
    assert doc["today"] == "2026-11-27"
    required = {"order_no", "row", "status", "days_late", "days_to_due", "slack_workdays", "next_milestone",
                "next_milestone_date", "reason"}
    for line in doc["orders"]:
        assert required <= set(line)
        assert line["status"] in STATUS_LABELS
    first = doc["orders"][0]
    assert (first["row"], first["order_no"], first["customer"], first["merchandiser"]) == (2, "SO-2", "ACME", "王芳")
    risky = next(x for x in doc["orders"] if x["order_no"] == "SO-11")
    assert (risky["next_milestone"], risky["next_milestone_date"], risky["due_date"]) == (
        "material", "2026-11-25", "2026-12-18")
    en = _result().to_dict("en")
    assert en["orders"][0]["reason"] == "cancelled" and en["orders"][0]["label"] == "Cancelled"


def test_products_from_rows_and_plain_dicts():
    rows = [Row(row=2, values={"model": "A-100", "material_days": 5, "production_days": Decimal("10"),
                               "inspection_days": 2, "packing_days": None, "shipping_days": 3}),
            Row(row=3, values={"model": "A-100", "material_days": 99}),
            Row(row=4, values={"model": "EMPTY"})]
    products = products_from_rows(rows)
    assert products == {"A-100": LeadTimes(5, 10, 2, 0, 3), "EMPTY": None}
    as_dicts = {"A-100": {"material_days": 5, "production_days": 10, "inspection_days": 2, "packing_days": 2,
                          "shipping_days": 3}}
    assert one(products=as_dicts, customer_due_date=D(2026, 12, 18)).plan == \
        one(customer_due_date=D(2026, 12, 18)).plan


def test_text_tables_are_bilingual():
    for table in (STATUS_LABELS, MILESTONE_LABELS, REASONS):
        for code, (zh, en) in table.items():
            assert zh and en and (zh != en or zh.strip("{}").isidentifier()), code  # "{due}" alone is no text


def test_a_zero_quantity_line_is_not_reported_overdue():
    """Nothing to make is no late order: validation reports the quantity, the overdue mail leaves it out."""
    line = one(quantity=0, customer_due_date=dt.date(2026, 3, 23), today=dt.date(2026, 11, 26))
    assert line.status == "unknown"
    assert line.reason("zh") == "数量 0 无效，无法判断交期，请改正数量"


def test_equal_values_of_other_types_keep_their_own_reason():
    """Reasons are formatted once per distinct text; 1.0 and True are equal keys, not the same text."""
    from gendan_xl.status import status_from_columns

    result = status_from_columns({"model": ["X", "X", "X"]}, [2, 3, 4], {}, WorkCalendar(), dt.date(2026, 11, 26),
                                 bad_due={0: 1.0, 1: True, 2: None})
    reasons = [line.reason("en") for line in result.lines]
    assert "'1.0'" in reasons[0] and "'True'" in reasons[1]
    assert reasons[2].startswith("the due date is a formula with no calculated value")


# -- one due-date rule, either basis ----------------------------------------------------------------------

def test_factory_basis_plans_by_the_factory_date_but_past_the_customer_date_is_never_on_track():
    # customer 11-20 has passed; the factory date 12-18 plans a line that would otherwise be on track
    values = dict(customer_due_date=D(2026, 11, 20), factory_due_date=D(2026, 12, 18), material_date=D(2026, 11, 20),
                  production_date=D(2026, 11, 26))
    line = one(due="factory", **values)
    assert (line.status, line.due_basis, line.due_date, line.days_to_due) == ("at_risk", "factory", D(2026, 12, 18), 21)
    assert line.reason() == "客户交期 11-20 已过 7 天，尚未出货（计划按工厂交期 12-18）"
    assert line.plan["production_finish"] == D(2026, 12, 9)  # planned from the factory date


def test_factory_basis_flags_a_factory_date_after_the_customers():
    line = one(due="factory", customer_due_date=D(2026, 12, 10), factory_due_date=D(2026, 12, 18),
               material_date=D(2026, 11, 20), production_date=D(2026, 11, 26))
    assert line.status == "at_risk"
    assert line.reason() == "工厂交期 12-18 晚于客户交期 12-10，请与客户确认"


def test_factory_basis_judges_a_shipment_by_the_factory_date_and_names_both():
    line = one(due="factory", customer_due_date=D(2026, 11, 20), factory_due_date=D(2026, 11, 25),
               ship_date=D(2026, 11, 24), shipped_qty=1000)
    assert line.status == "shipped_on_time"
    assert line.reason() == "11-24 已出货，工厂交期 11-25（客户交期 11-20）"


@pytest.mark.parametrize("due", ["customer", "factory"])
def test_either_basis_falls_back_to_the_other_date(due):
    line = one(due=due, factory_due_date=D(2026, 11, 20))
    assert (line.status, line.due_basis, line.reason()) == ("overdue", "factory", "逾期 7 天，尚未出货，工厂交期 11-20")
    line = one(due=due, customer_due_date=D(2026, 11, 20))
    assert (line.status, line.due_basis) == ("overdue", "customer")


def test_an_unknown_due_basis_is_refused():
    with pytest.raises(ValueError, match="customer, factory"):
        one(due="shipping", customer_due_date=D(2026, 11, 20))
