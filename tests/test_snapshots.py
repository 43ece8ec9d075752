"""Snapshots and their diff (交期变更, new, removed, shipped, turned at risk), and the on-time rate by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from gendan_xl.kpi import last_months, monthly_rates, on_time_rate
from gendan_xl.snapshots import LineSnapshot, count_changes, diff_snapshots, line_keys
from gendan_xl.workdays import WorkCalendar

D = dt.date
CAL = WorkCalendar()


def snap(order_no="SO1", model="PB-10K", seq=0, *, file="a.xlsx", row=2, due=D(2026, 11, 20), status="on_track",
         quantity=1000.0, shipped=None, ship=None, customer="ANK", merchandiser="张丽"):
    return LineSnapshot(file, order_no, model, seq, row, customer, merchandiser, due, due, None, quantity, shipped,
                        ship, status)


def kinds(changes):
    return [(c.kind, c.order_no, c.old, c.new, c.workdays) for c in changes]


def test_line_keys_tell_equal_lines_apart_and_read_numbers_as_typed():
    assert line_keys(["SO1", "SO1", 2026001.0, " SO2 "], ["A", "A", "B", "A"]) == [
        ("SO1", "A", 0), ("SO1", "A", 1), ("2026001", "B", 0), ("SO2", "A", 0)]


def test_due_date_moved_counts_working_days_across_national_day():
    # 2026-09-30 (Wed) → 2026-10-09 (Fri): 10-01…10-07 are the National Day holiday, so the working days in
    # (09-30, 10-09] are 10-08 and 10-09: 2 working days later, though 9 calendar days.
    before = [snap(due=D(2026, 9, 30))]
    after = [snap(due=D(2026, 10, 9))]
    changes = diff_snapshots(before, after, {"a.xlsx": CAL})
    assert kinds(changes) == [("due_moved", "SO1", D(2026, 9, 30), D(2026, 10, 9), 2)]
    assert changes[0].describe("zh") == "交期 2026-09-30 → 2026-10-09，推迟 2 个工作日"
    assert changes[0].describe("en") == "due 2026-09-30 → 2026-10-09, 2 working days later"
    back = diff_snapshots(after, before, {"a.xlsx": CAL})
    assert back[0].workdays == -2 and back[0].describe("en").endswith("2 working days earlier")


def test_the_workbooks_own_calendar_counts():
    # the factory works Saturday 2026-11-21 (a 假期 sheet's 上班 row): Fri 11-20 → Mon 11-23 is 2 working days
    factory = WorkCalendar(extra_workdays=[D(2026, 11, 21)])
    changes = diff_snapshots([snap(due=D(2026, 11, 20))], [snap(due=D(2026, 11, 23))], lambda f: factory)
    assert changes[0].workdays == 2
    assert diff_snapshots([snap(due=D(2026, 11, 20))], [snap(due=D(2026, 11, 23))], lambda f: CAL)[0].workdays == 1


def test_every_kind_of_change():
    before = [snap("SO1"), snap("SO2", status="on_track"), snap("SO3", status="at_risk"), snap("SO4"),
              snap("SO5", shipped=300.0, ship=D(2026, 11, 10), status="on_track"), snap("SO6", quantity=1000.0)]
    after = [snap("SO1"), snap("SO2", status="at_risk"), snap("SO3", status="shipped_on_time", ship=D(2026, 11, 19)),
             snap("SO5", shipped=600.0, ship=D(2026, 11, 18), status="on_track"), snap("SO6", quantity=1200.0),
             snap("SO7", due=D(2026, 12, 1))]
    changes = diff_snapshots(before, after, {"a.xlsx": CAL})
    assert kinds(changes) == [
        ("new", "SO7", None, None, None),
        ("removed", "SO4", None, None, None),
        ("quantity", "SO6", 1000.0, 1200.0, None),
        ("shipped", "SO3", None, 1000.0, None),  # shipped, not also a status change
        ("shipped", "SO5", 300.0, 600.0, None),
        ("status", "SO2", "on_track", "at_risk", None),
    ]
    assert count_changes(changes) == {"new": 1, "removed": 1, "due_moved": 0, "quantity": 1, "shipped": 2, "status": 1}
    text = {c.order_no: c.describe("zh") for c in changes}
    assert text["SO2"] == "状态 正常 → 有风险"
    assert text["SO3"] == "已出货 1000（准时出货）"
    assert text["SO7"] == "新增订单行，交期 2026-12-01"


def test_a_line_is_known_by_file_order_and_model():
    # the same order in another workbook is another line; a retyped model is a removal and a new line
    changes = diff_snapshots([snap(file="a.xlsx"), snap(model="PB-20K")], [snap(file="b.xlsx"), snap(model="PB-21K")],
                             lambda f: CAL)
    assert sorted((c.kind, c.file, c.model) for c in changes) == [
        ("new", "a.xlsx", "PB-21K"), ("new", "b.xlsx", "PB-10K"), ("removed", "a.xlsx", "PB-10K"),
        ("removed", "a.xlsx", "PB-20K")]


# --------------------------------------------------------------------------------- the on-time rate

def november():
    """Ten lines due in November 2026 (and two outside it), judged on 2026-11-26. By hand:

    row  due    status              qty    shipped  ship   → by line        by quantity (on time / judged)
    A    11-03  shipped_on_time    1000     1000   11-02   on time           1000 / 1000
    B    11-05  shipped_on_time     500      500   11-05   on time (same day)  500 / 500
    C    11-10  shipped_late       2000     2000   11-14   late, 4 days        0 / 2000
    D    11-12  shipped_late        300      300   11-22   late, 10 days       0 / 300
    E    11-16  overdue             800      200   11-12   open, past due    200 / 800 (the part, by its date)
    F    11-18  overdue             400        -     -     open, past due      0 / 400
    G    11-27  on_track            600        -     -     not yet due       — (left out)
    H    11-30  at_risk             100       50   11-20   not yet due       — (left out)
    I    11-20  cancelled           700        -     -     not counted
    J    11-09  unknown             900      900     -     undated (fully shipped, no date): left out
    K    10-31  shipped_on_time     100      100   10-30   October
    L    12-01  on_track            100        -     -     December

    Lines due (not cancelled): A B C D E F G H J = 9; quantity 1000+500+2000+300+800+400+600+100+900 = 6600.
    By line: judged = on time 2 (A, B) + late 2 (C, D) + open past due 2 (E, F) = 6 → rate 2/6 = 0.3333.
    By quantity: judged quantity = 1000+500+2000+300+800+400 = 5000; on time = 1000+500+200 = 1700 →
    rate 1700/5000 = 0.34. Average days late (C, D): (4 + 10) / 2 = 7.0.
    """
    return [
        snap("A", due=D(2026, 11, 3), status="shipped_on_time", quantity=1000.0, shipped=1000.0, ship=D(2026, 11, 2),
             customer="ANK"),
        snap("B", due=D(2026, 11, 5), status="shipped_on_time", quantity=500.0, shipped=500.0, ship=D(2026, 11, 5),
             customer="BLK"),
        snap("C", due=D(2026, 11, 10), status="shipped_late", quantity=2000.0, shipped=2000.0, ship=D(2026, 11, 14),
             customer="ANK"),
        snap("D", due=D(2026, 11, 12), status="shipped_late", quantity=300.0, shipped=300.0, ship=D(2026, 11, 22),
             customer="BLK", merchandiser="王芳"),
        snap("E", due=D(2026, 11, 16), status="overdue", quantity=800.0, shipped=200.0, ship=D(2026, 11, 12),
             customer="ANK"),
        snap("F", due=D(2026, 11, 18), status="overdue", quantity=400.0, customer="BLK", merchandiser="王芳"),
        snap("G", due=D(2026, 11, 27), status="on_track", quantity=600.0, customer="ANK"),
        snap("H", due=D(2026, 11, 30), status="at_risk", quantity=100.0, shipped=50.0, ship=D(2026, 11, 20),
             customer="ANK"),
        snap("I", due=D(2026, 11, 20), status="cancelled", quantity=700.0, customer="ANK"),
        snap("J", due=D(2026, 11, 9), status="unknown", quantity=900.0, shipped=900.0, customer="BLK"),
        snap("K", due=D(2026, 10, 31), status="shipped_on_time", quantity=100.0, shipped=100.0, ship=D(2026, 10, 30)),
        snap("L", due=D(2026, 12, 1), status="on_track", quantity=100.0),
    ]


def test_kpi_of_a_hand_worked_month_by_line():
    kpi = on_time_rate(november(), "2026-11", as_of=D(2026, 11, 26))
    t = kpi.total
    assert (t.lines, t.quantity, t.on_time, t.late, t.open_late, t.open_not_due, t.undated) == (9, 6600, 2, 2, 2, 2, 1)
    assert round(t.rate, 4) == 0.3333 and t.avg_days_late == 7.0
    assert kpi.summary("en").startswith("2026-11: on-time rate 33.3% (by line, by customer due date); 9 lines due")


def test_kpi_of_a_hand_worked_month_by_quantity():
    t = on_time_rate(november(), "2026-11", as_of=D(2026, 11, 26), basis="quantity").total
    assert (t.qty_on_time, t.judged_qty) == (1700, 5000)
    assert t.rate == 0.34


def test_kpi_by_customer_and_merchandiser():
    kpi = on_time_rate(november(), "2026-11", as_of=D(2026, 11, 26), by="customer")
    # ANK: A on time, C late, E open past due (G, H not yet due, I cancelled) → 1/3
    # BLK: B on time, D late, F open past due (J undated) → 1/3
    by = {g.key: (g.lines, g.on_time, g.late, g.open_late, round(g.rate, 4)) for g in kpi.groups}
    assert by == {"ANK": (5, 1, 1, 1, 0.3333), "BLK": (4, 1, 1, 1, 0.3333)}
    people = {g.key: (g.on_time, g.judged) for g in on_time_rate(november(), "2026-11", as_of=D(2026, 11, 26),
                                                                  by="merchandiser").groups}
    assert people == {"张丽": (2, 4), "王芳": (0, 2)}


def test_a_month_judged_later_counts_what_came_due():
    # on 12-02 G (due 11-27) and H (due 11-30) are past due and still open: 2 / 8
    t = on_time_rate(november(), "2026-11", as_of=D(2026, 12, 2)).total
    assert (t.open_late, t.open_not_due, round(t.rate, 4)) == (4, 0, 0.25)


def test_twelve_months_end_with_the_month_asked():
    assert last_months("2026-11", 3) == ["2026-09", "2026-10", "2026-11"]
    assert last_months("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    series = monthly_rates(november(), "2026-11", as_of=D(2026, 11, 26), months=2)
    assert [(k.period, k.total.on_time, k.total.judged) for k in series] == [("2026-10", 1, 1), ("2026-11", 2, 6)]


@pytest.mark.parametrize("kw", [{"basis": "money"}, {"by": "colour"}])
def test_kpi_refuses_what_it_does_not_know(kw):
    from gendan_xl.errors import UsageError

    with pytest.raises(UsageError):
        on_time_rate(november(), "2026-11", as_of=D(2026, 11, 26), **kw)


def test_the_monthly_workbook_has_a_native_chart_per_customer(tmp_path):
    import openpyxl

    from gendan_xl.books.kpi_workbook import kpi_workbook

    months = monthly_rates(november(), "2026-11", as_of=D(2026, 11, 26), months=12)
    data = kpi_workbook(months, "zh", created=D(2026, 12, 1))
    assert data == kpi_workbook(months, "zh", created=D(2026, 12, 1))  # the sent log hashes it
    path = tmp_path / "kpi.xlsx"
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["准时率", "图表", "2026-11"]
    rates = wb["准时率"]
    header = [c.value for c in rates[4]]
    assert header[0] == "客户" and header[1] == "2025-12" and header[-1] == "2026-11"
    # all lines, then ANK (6 lines due over the months) before BLK (4)
    assert [rates.cell(r, 1).value for r in (5, 6, 7)] == ["全部", "ANK", "BLK"]
    assert round(rates.cell(5, 13).value, 4) == 0.3333 and rates.cell(5, 2).value is None  # Dec 2025: nothing due
    import zipfile

    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 3  # all, ANK, BLK: line charts drawn from the cells, not pictures
        assert b"<c:lineChart>" in z.read(charts[0])
