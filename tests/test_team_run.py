"""A team run through the store: snapshots kept as versions, changes since a run, the on-time rate of real
workbooks worked by hand."""
from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import HEADERS, good_row, write_book

from gendan_xl.delivery.store import Store
from gendan_xl.delivery.team import run_team, since_run, team_changes, team_kpi

D = dt.date
NOW = dt.datetime(2026, 4, 1, 8, 30)
TEAM_HEADERS = HEADERS + ["跟单员"]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "data") as s:
        yield s


def book_with_holiday(path: Path, rows, holidays=()) -> Path:
    """A team workbook whose 假期 sheet lists the factory's own days off."""
    write_book(path, rows, headers=TEAM_HEADERS)
    wb = openpyxl.load_workbook(path)
    cal = wb.create_sheet("假期")
    cal.append(["日期", "类型", "说明"])
    for d in holidays:
        cal.append([d, "放假", "工厂停电检修"])
    wb.save(path)
    return path


def lines(due_so2=D(2026, 4, 10)):
    return [good_row(订单号="SO1", 客户交期=D(2026, 4, 8), 跟单员="张丽"),
            good_row(订单号="SO2", 客户交期=due_so2, 跟单员="张丽"),
            good_row(订单号="SO3", 客户交期=D(2026, 4, 20), 跟单员="张丽")]


def run(store, paths, today=D(2026, 4, 1), kind="status", **kw):
    return run_team(store, paths, today=today, now=NOW, kind=kind, **kw)


def test_a_moved_due_date_shows_in_changes_with_the_workbooks_working_day_shift(tmp_path, store):
    # SO2 moves from Fri 04-10 to Fri 04-17. Working days in (04-10, 04-17]: 04-13 … 04-17 is 5, less the
    # factory's own day off on Wed 04-15 (its 假期 sheet) = 4 working days later.
    path = book_with_holiday(tmp_path / "张丽 订单.xlsx", lines(), holidays=[D(2026, 4, 15)])
    first = run(store, [path])
    assert first.status.workbooks[0].reread
    book_with_holiday(tmp_path / "edited.xlsx", lines(due_so2=D(2026, 4, 17)), holidays=[D(2026, 4, 15)])
    shutil.copy(tmp_path / "edited.xlsx", path)
    second = run(store, [path], today=D(2026, 4, 2))
    changes = team_changes(store, second.files, since_run=since_run(store, since=D(2026, 4, 2), before=second.run),
                           until=second.run)
    assert [(c.kind, c.order_no, c.old, c.new, c.workdays) for c in changes.changes] == [
        ("due_moved", "SO2", D(2026, 4, 10), D(2026, 4, 17), 4)]
    assert changes.changes[0].describe("zh") == "交期 2026-04-10 → 2026-04-17，推迟 4 个工作日"
    assert changes.since["id"] == first.run and changes.counts["due_moved"] == 1


def test_an_unchanged_workbook_adds_nothing_and_a_new_day_records_the_lines_that_turned(tmp_path, store):
    path = book_with_holiday(tmp_path / "a.xlsx", lines())
    first = run(store, [path])
    again = run(store, [path])
    assert not again.status.workbooks[0].reread
    assert team_changes(store, again.files, since_run=store.last_run(before=again.run), until=again.run).changes == []
    # Later days, judged again from the record without reading: on 04-02 SO3 (due 04-20, 12 working days of
    # work left and 11 working days to go) turned at risk; on 04-09 SO1 (due 04-08) turned overdue.
    assert [x.status for x in first.status.workbooks[0].lines] == ["at_risk", "at_risk", "on_track"]
    later = run(store, [path], today=D(2026, 4, 2))
    last = run(store, [path], today=D(2026, 4, 9))
    assert not later.status.workbooks[0].reread and not last.status.workbooks[0].reread
    changes = team_changes(store, last.files, since_run={"id": first.run}, until=last.run).changes
    assert [(c.kind, c.order_no, c.old, c.new) for c in changes] == [
        ("status", "SO1", "at_risk", "overdue"), ("status", "SO3", "on_track", "at_risk")]
    step = team_changes(store, last.files, since_run={"id": later.run}, until=last.run).changes
    assert [(c.order_no, c.new) for c in step] == [("SO1", "overdue")]


def test_new_and_removed_lines_and_an_unreadable_workbook_keeps_its_last_snapshot(tmp_path, store):
    path = book_with_holiday(tmp_path / "a.xlsx", lines())
    first = run(store, [path])
    book_with_holiday(tmp_path / "b.xlsx", lines()[1:] + [good_row(订单号="SO4", 客户交期=D(2026, 5, 6), 跟单员="张丽")])
    shutil.copy(tmp_path / "b.xlsx", path)
    second = run(store, [path])
    changes = team_changes(store, second.files, since_run={"id": first.run}, until=second.run).changes
    assert [(c.kind, c.order_no) for c in changes] == [("new", "SO4"), ("removed", "SO1")]
    path.write_bytes(b"not a workbook any more")
    third = run(store, [path])
    assert not third.status.workbooks[0].ok
    assert [s.order_no for s in store.snapshots_at(third.files)] == ["SO2", "SO3", "SO4"]


def november_rows():
    """The lines of test_snapshots.november(), typed into a workbook as a merchandiser would."""
    r = good_row
    return [
        r(订单号="A", 客户="ANK", 数量=1000, 客户交期=D(2026, 11, 3), 出货日期=D(2026, 11, 2), 已出货数量=1000, 状态="已出货"),
        r(订单号="B", 客户="BLK", 数量=500, 客户交期=D(2026, 11, 5), 出货日期=D(2026, 11, 5), 已出货数量=500, 状态="已出货"),
        r(订单号="C", 客户="ANK", 数量=2000, 客户交期=D(2026, 11, 10), 出货日期=D(2026, 11, 14), 已出货数量=2000, 状态="已出货"),
        r(订单号="D", 客户="BLK", 数量=300, 客户交期=D(2026, 11, 12), 出货日期=D(2026, 11, 22), 已出货数量=300, 状态="已出货"),
        r(订单号="E", 客户="ANK", 数量=800, 客户交期=D(2026, 11, 16), 出货日期=D(2026, 11, 12), 已出货数量=200, 状态="部分出货"),
        r(订单号="F", 客户="BLK", 数量=400, 客户交期=D(2026, 11, 18)),
        r(订单号="G", 客户="ANK", 数量=600, 客户交期=D(2026, 11, 27)),
        r(订单号="H", 客户="ANK", 数量=100, 客户交期=D(2026, 11, 30), 出货日期=D(2026, 11, 20), 已出货数量=50, 状态="部分出货"),
        r(订单号="I", 客户="ANK", 数量=700, 客户交期=D(2026, 11, 20), 状态="已取消"),
        r(订单号="J", 客户="BLK", 数量=900, 客户交期=D(2026, 11, 9), 已出货数量=900, 状态="已出货"),
        r(订单号="K", 客户="ANK", 数量=100, 客户交期=D(2026, 10, 31), 出货日期=D(2026, 10, 30), 已出货数量=100, 状态="已出货"),
        r(订单号="L", 客户="ANK", 数量=100, 客户交期=D(2026, 12, 1)),
    ]


def test_the_on_time_rate_of_a_hand_worked_month_from_a_real_workbook(tmp_path, store):
    # The working (test_snapshots.november has it line by line), judged on 2026-11-26 by 客户交期:
    # due in November and not cancelled: A B C D E F G H J = 9 lines, 6600 pcs.
    # on time A (ship 11-02 ≤ 11-03), B (11-05 = 11-05); late C (+4 days), D (+10); open past due E, F;
    # not yet due G (11-27), H (11-30); I cancelled; J shipped with no date (undated); K October; L December.
    # By line 2 / (2 + 2 + 2) = 33.3 %; by quantity (1000 + 500 + E's 200 shipped on 11-12) / (1000 + 500 +
    # 2000 + 300 + 800 + 400) = 1700 / 5000 = 34 %; average days late (4 + 10) / 2 = 7.0.
    path = write_book(tmp_path / "november.xlsx", november_rows(), headers=TEAM_HEADERS)
    team = run(store, [path], today=D(2026, 11, 26))
    assert team.status.workbooks[0].ok
    by_line = team_kpi(store, team.files, "2026-11", as_of=D(2026, 11, 26))
    t = by_line.total
    assert (t.lines, t.quantity, t.on_time, t.late, t.open_late, t.open_not_due, t.undated) == (9, 6600, 2, 2, 2, 2, 1)
    assert f"{t.rate:.4f}" == "0.3333" and t.avg_days_late == 7.0
    by_qty = team_kpi(store, team.files, "2026-11", as_of=D(2026, 11, 26), basis="quantity").total
    assert (by_qty.qty_on_time, by_qty.judged_qty, by_qty.rate) == (1700, 5000, 0.34)
    customers = team_kpi(store, team.files, "2026-11", as_of=D(2026, 11, 26), by="customer")
    assert {g.key: (g.on_time, g.judged) for g in customers.groups} == {"ANK": (1, 3), "BLK": (1, 3)}


def test_changes_are_net_a_date_moved_and_moved_back_is_no_change(tmp_path, store):
    path = book_with_holiday(tmp_path / "a.xlsx", lines())
    first = run(store, [path])
    for due in (D(2026, 4, 17), D(2026, 4, 10)):  # moved a week, then back
        book_with_holiday(tmp_path / "edit.xlsx", lines(due_so2=due))
        shutil.copy(tmp_path / "edit.xlsx", path)
        last = run(store, [path])
    assert team_changes(store, last.files, since_run={"id": first.run}, until=last.run).changes == []
    assert len(store.snapshots_at(last.files)) == 3


def test_a_new_day_compares_only_the_lines_whose_status_moved_and_an_older_store_learns_the_statuses(tmp_path):
    """The store keeps the status of each line of a workbook's record: judged again on a new day, an
    unchanged workbook's lines are compared with their stored versions only where the status moved. A store
    from before that column is upgraded and compares every line once."""
    path = book_with_holiday(tmp_path / "a.xlsx", lines())
    with Store(tmp_path / "data") as store:
        first = run(store, [path])
        store.conn.execute("ALTER TABLE workbook_record DROP COLUMN statuses")  # as an older version left it
    with Store(tmp_path / "data") as store:
        later = run(store, [path], today=D(2026, 4, 2))  # statuses not known: every line compared, then kept
        (statuses,) = store.conn.execute("SELECT statuses FROM workbook_record").fetchone()
        assert statuses == '["at_risk", "at_risk", "at_risk"]'
        step = team_changes(store, later.files, since_run={"id": first.run}, until=later.run).changes
        assert [(c.order_no, c.new) for c in step] == [("SO3", "at_risk")]
        wb = later.status.workbooks[0]
        stored = store.snapshots_at([wb.file])  # the record's three lines, in row order, as the statuses are
        kept = [s.status for s in stored]
        assert len(kept) == 3
        edited = [dataclasses.replace(s, quantity=1) for s in stored]  # not a status: not looked at
        assert store.keep_workbook(later.run + 1, wb.file, edited, complete=False, statuses=kept,
                                   judged="another day") == 0
        moved = ["overdue", *kept[1:]]  # the first line's status moved: that one is compared, and differs
        assert store.keep_workbook(later.run + 2, wb.file, edited, complete=False, statuses=moved,
                                   judged="a third day") == 2


def test_a_new_owner_reads_the_workbook_again(tmp_path, store):
    """[owners] gives the lines without a 跟单员 their merchandiser: a change of it is a change of those lines."""
    path = tmp_path / "b.xlsx"
    write_book(path, [good_row(订单号="SO9")], headers=HEADERS)
    run(store, [path], owner_of=lambda p: "张丽")
    again = run(store, [path], owner_of=lambda p: "王芳")
    assert again.status.workbooks[0].reread
    assert [s.merchandiser for s in store.snapshots_at(again.files)] == ["王芳"]
