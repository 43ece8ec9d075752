"""The working-day calendar: official China data, factory overrides, weekly pattern, honest 2027."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gendan_xl.sheet_data import Row
from gendan_xl.workdays import WorkCalendar, calendar_from_rows, years_of

D = dt.date
CAL = WorkCalendar()

# /work/shared/MEASURED.md, 2026: weekday holidays and makeup working days (调休).
WEEKDAY_HOLIDAYS_2026 = [D(2026, 1, 1), D(2026, 1, 2), *(D(2026, 2, d) for d in range(16, 21)), D(2026, 2, 23),
                         D(2026, 4, 6), D(2026, 5, 1), D(2026, 5, 4), D(2026, 5, 5), D(2026, 6, 19),
                         D(2026, 9, 25), D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 5), D(2026, 10, 6),
                         D(2026, 10, 7)]
MAKEUP_DAYS_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


@pytest.mark.parametrize("day", WEEKDAY_HOLIDAYS_2026, ids=str)
def test_2026_weekday_holidays_are_off(day):
    assert day.weekday() < 5
    assert not CAL.is_workday(day)


@pytest.mark.parametrize("day", MAKEUP_DAYS_2026, ids=str)
def test_2026_makeup_days_are_working_days(day):
    assert day.weekday() >= 5
    assert CAL.is_workday(day)


def test_2026_has_exactly_the_measured_exceptions():
    days = [D(2026, 1, 1) + dt.timedelta(i) for i in range(365)]
    off_weekdays = [d for d in days if d.weekday() < 5 and not CAL.is_workday(d)]
    on_weekends = [d for d in days if d.weekday() >= 5 and CAL.is_workday(d)]
    assert off_weekdays == WEEKDAY_HOLIDAYS_2026
    assert on_weekends == MAKEUP_DAYS_2026
    weekdays_2026 = 261  # 52 weeks and one Thursday
    expected = weekdays_2026 - len(WEEKDAY_HOLIDAYS_2026) + len(MAKEUP_DAYS_2026)
    assert CAL.workdays_between(D(2025, 12, 31), D(2026, 12, 31)) == expected == 248


@pytest.mark.parametrize("start, n, expected", [
    # National Day 2026: 10-01…10-07 off, makeup Sunday 09-20 and Saturday 10-10.
    (D(2026, 9, 30), 1, D(2026, 10, 8)),
    (D(2026, 10, 8), -1, D(2026, 9, 30)),
    (D(2026, 10, 9), 1, D(2026, 10, 10)),   # makeup Saturday
    (D(2026, 10, 12), -1, D(2026, 10, 10)),
    (D(2026, 9, 18), 1, D(2026, 9, 20)),    # makeup Sunday
    (D(2026, 9, 24), 1, D(2026, 9, 28)),    # Mid-Autumn 09-25 off
    (D(2026, 10, 3), 1, D(2026, 10, 8)),    # start on a holiday: next working day after it
    (D(2026, 10, 3), -1, D(2026, 9, 29)),   # back: fall to 09-30, then one more
    # Spring Festival 2026: 02-15…02-23 off, makeup Saturdays 02-14 and 02-28.
    (D(2026, 2, 13), 1, D(2026, 2, 14)),
    (D(2026, 2, 14), 1, D(2026, 2, 24)),
    (D(2026, 2, 24), -1, D(2026, 2, 14)),
    (D(2026, 2, 27), 1, D(2026, 2, 28)),
    (D(2026, 2, 13), 6, D(2026, 2, 28)),
    (D(2026, 2, 13), 10, D(2026, 3, 5)),
    # ordinary weeks
    (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday + 1 = Monday
    (D(2026, 11, 28), 1, D(2026, 11, 30)),  # Saturday + 1 = Monday
    (D(2026, 11, 28), -1, D(2026, 11, 26)),  # Saturday - 1 = Thursday (falls back to Friday first)
    (D(2026, 11, 30), -1, D(2026, 11, 27)),
    (D(2026, 11, 28), 0, D(2026, 11, 28)),  # n = 0: unchanged, even on a weekend
    (D(2026, 11, 27), 0, D(2026, 11, 27)),
])
def test_add_workdays_hand_checked(start, n, expected):
    assert CAL.add_workdays(start, n) == expected
    assert CAL.add_workdays_array(np.array([start], dtype="datetime64[D]"), n)[0] == np.datetime64(expected)


@pytest.mark.parametrize("a, b, expected", [
    (D(2026, 9, 30), D(2026, 10, 9), 2),    # 10-08, 10-09
    (D(2026, 9, 30), D(2026, 10, 10), 3),   # + makeup Saturday
    (D(2026, 9, 18), D(2026, 10, 12), 12),
    (D(2026, 10, 12), D(2026, 9, 18), -12),
    (D(2026, 2, 13), D(2026, 2, 28), 6),    # 02-14, 02-24…02-27, 02-28
    (D(2026, 11, 27), D(2026, 11, 27), 0),
    (D(2026, 11, 27), D(2026, 11, 30), 1),  # (Fri, Mon]
    (D(2026, 11, 28), D(2026, 11, 29), 0),
])
def test_workdays_between_hand_checked(a, b, expected):
    assert CAL.workdays_between(a, b) == expected
    assert CAL.workdays_between_array([a], [b])[0] == expected


def test_vectorised_matches_scalar():
    rng = np.random.default_rng(2026)
    starts = np.datetime64("2019-01-01") + rng.integers(0, 365 * 10, 3000).astype("timedelta64[D]")
    ends = np.datetime64("2019-01-01") + rng.integers(0, 365 * 10, 3000).astype("timedelta64[D]")
    shifts = rng.integers(-40, 41, 3000)
    added = CAL.add_workdays_array(starts, shifts)
    between = CAL.workdays_between_array(starts, ends)
    flags = CAL.is_workday_array(starts)
    for s, e, n, a, b, f in zip(starts.tolist(), ends.tolist(), shifts.tolist(), added.tolist(), between.tolist(),
                                flags.tolist()):
        assert CAL.add_workdays(s, n) == a
        assert CAL.workdays_between(s, e) == b
        assert CAL.is_workday(s) == f
        if n > 0 or (n < 0 and CAL.is_workday(s)):
            assert CAL.workdays_between(s, a) == n


def test_arrays_accept_dates_and_empty_input():
    assert CAL.add_workdays_array([D(2026, 9, 30)], 1).tolist() == [D(2026, 10, 8)]
    assert CAL.add_workdays_array(np.array([], dtype="datetime64[D]"), 3).size == 0
    assert CAL.workdays_between_array([], []).size == 0
    with pytest.raises(ValueError, match="NaT"):
        CAL.add_workdays_array(np.array(["NaT"], dtype="datetime64[D]"), 1)


def test_far_dates_widen_the_tables():
    assert CAL.add_workdays(D(2026, 1, 5), -100_000).year < 1700
    assert CAL.is_workday(D(2150, 6, 1)) == (D(2150, 6, 1).weekday() < 5)
    with pytest.raises(ValueError, match="leaves the years"):
        CAL.add_workdays(D(1, 1, 3), -10)


def test_overrides_always_win():
    cal = WorkCalendar(extra_holidays=[D(2026, 10, 9), D(2026, 10, 10)],  # factory closes, even the makeup day
                       extra_workdays=[D(2026, 10, 3)])  # …and works a statutory holiday Saturday
    assert not cal.is_workday(D(2026, 10, 9))
    assert not cal.is_workday(D(2026, 10, 10))
    assert cal.is_workday(D(2026, 10, 3))
    assert cal.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 3)
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(extra_holidays=[D(2026, 1, 5)], extra_workdays=[D(2026, 1, 5)])


def test_calendar_is_immutable():
    with pytest.raises(AttributeError, match="immutable"):
        CAL.extra_holidays = frozenset()


def test_mon_sat_week_keeps_holiday_saturdays_off():
    cal = WorkCalendar(weekly="mon-sat")
    assert cal.is_workday(D(2026, 11, 28))  # an ordinary Saturday
    assert not cal.is_workday(D(2026, 11, 29))  # Sunday
    assert not cal.is_workday(D(2026, 10, 3))  # Saturday inside National Day
    assert cal.is_workday(D(2026, 9, 20))  # makeup Sunday
    assert cal.weekly == (0, 1, 2, 3, 4, 5)
    with pytest.raises(ValueError, match="mon-fri"):
        WorkCalendar(weekly="four-day")
    with pytest.raises(ValueError, match="no working day"):
        WorkCalendar(weekly=())


def test_2027_is_computed_from_weekends_and_warned_once():
    # 2027-10-01 is a Friday: chinesecalendar has no 2027 data, so it is a plain working day for us …
    assert CAL.is_workday(D(2027, 10, 1))
    assert CAL.add_workdays(D(2027, 10, 1), 1) == D(2027, 10, 4)
    # … and the calendar says so, once per year, in zh or en.
    issues = CAL.issues_for([2026, 2027, 2027, 2028])
    assert [(i.code, i.severity, i.sheet, i.cell, i.value) for i in issues] == [
        ("calendar-unverified", "warning", "假期", "", 2027), ("calendar-unverified", "warning", "假期", "", 2028)]
    assert "2027" in issues[0].message and "假期" in issues[0].message and "chinesecalendar" in issues[0].message
    en = CAL.issues_for([2027], sheet="Calendar", lang="en")[0]
    assert "2027" in en.message and "'Calendar' sheet" in en.message and "upgrade chinesecalendar" in en.message
    assert str(en).startswith("Calendar: 2027 has no official holiday data")
    assert CAL.issues_for(range(2004, 2027)) == []


def test_verified_years_and_official_tables_are_parameters():
    assert WorkCalendar(verified_years=[2027]).issues_for([2027]) == []
    bare = WorkCalendar(official=((), (), ()))
    assert bare.is_workday(D(2026, 10, 1))  # no official data at all: Thursday is a working day
    assert [i.value for i in bare.issues_for([2026])] == [2026]


def _row(n, date, kind, note=None, errors=None):
    return Row(row=n, values={"date": date, "kind": kind, "note": note}, raw={"date": date, "kind": kind},
               errors=errors or {}, cols={"date": 0, "kind": 1, "note": 2})


def test_calendar_from_rows_maps_kinds_and_reports_bad_rows():
    rows = [
        _row(2, D(2026, 10, 9), "放假", "国庆加休"),
        _row(3, D(2026, 11, 28), "补班"),
        _row(4, D(2026, 12, 5), "Working Day"),
        _row(5, D(2026, 12, 12), "半天"),  # unknown kind
        _row(6, None, "放假"),  # no date
        _row(7, "2026-13-01", "放假", errors={"date": "bad-date"}),
        _row(8, D(2026, 12, 19), None),  # no kind
        _row(9, None, None),  # an empty line: ignored
    ]
    cal, issues = calendar_from_rows(rows)
    assert not cal.is_workday(D(2026, 10, 9))
    assert cal.is_workday(D(2026, 11, 28)) and cal.is_workday(D(2026, 12, 5))
    assert not cal.is_workday(D(2026, 12, 12))  # the unknown row was skipped, the Saturday stays off
    assert [(i.sheet, i.cell, i.code, i.severity) for i in issues] == [
        ("假期", "B5", "unknown-calendar-kind", "error"),
        ("假期", "A6", "missing-value", "error"),
        ("假期", "A7", "bad-date", "error"),
        ("假期", "B8", "missing-value", "error"),
    ]
    assert issues[0].message == "类型“半天”无法识别，请填写 放假 或 上班"
    _, en = calendar_from_rows(rows, sheet="Calendar", lang="en")
    assert en[0].message == "type '半天' is not recognised; write holiday or workday"
    assert str(en[1]) == "Calendar!A6: Date is empty; fill it in"


def test_calendar_from_rows_conflict_lower_row_wins():
    cal, issues = calendar_from_rows([_row(2, D(2026, 12, 5), "上班"), _row(3, D(2026, 12, 5), "放假")])
    assert not cal.is_workday(D(2026, 12, 5))
    assert [(i.cell, i.code, i.severity) for i in issues] == [("B3", "calendar-conflict", "warning")]


def test_weekly_pattern_from_rows():
    cal, _ = calendar_from_rows([], weekly="mon-sat")
    assert cal.is_workday(D(2026, 11, 28))


def test_a_year_entered_in_the_sheet_counts_as_verified():
    spring = [_row(i + 2, D(2027, 2, 6) + dt.timedelta(i), "放假") for i in range(9)]
    national = [_row(i + 20, D(2027, 10, 1) + dt.timedelta(i), "放假") for i in range(7)]
    makeup = [_row(30, D(2027, 2, 20), "上班")]
    cal, issues = calendar_from_rows(spring + national + makeup)
    assert issues == []
    assert cal.issues_for([2027]) == []
    assert not cal.is_workday(D(2027, 10, 1)) and cal.is_workday(D(2027, 2, 20))
    # Only a few working Saturdays (the common half-done sheet): still unverified.
    cal, _ = calendar_from_rows(makeup + national)
    assert [i.value for i in cal.issues_for([2027])] == [2027]


def test_years_of_collects_dates_arrays_and_skips_blanks():
    assert years_of(D(2026, 1, 1), None, [D(2027, 5, 1), None],
                    np.array(["2028-01-01", "NaT"], dtype="datetime64[D]")) == {2026, 2027, 2028}
