"""The factory's working-day calendar: China's official holidays and 调休 makeup days, the factory's own
假期 sheet, and a weekly pattern.

Which source decides a date, strongest first:

1. the factory's overrides (the 假期 sheet: extra holidays, extra working days such as working Saturdays);
2. the official China calendar from `chinesecalendar` (statutory holidays and 调休 makeup working days,
   2004–2026 in chinesecalendar 1.11.0; the covered years are read from the package, so upgrading it
   extends them);
3. the weekly pattern (Mon–Fri by default, or Mon–Sat).

We deliberately do not use `holidays.China` for years chinesecalendar lacks: for 2027 it guesses the
holidays by rule with no makeup days and no warning (measured, see MEASURED.md), which would look
authoritative and be wrong. Instead, a year without official data is computed from the weekly pattern and
the overrides, and `issues_for` reports one `calendar-unverified` warning per such year — never a crash,
never silence.

A year counts as *verified* when

- the official source has data for it, or
- the factory entered it itself: the 假期 sheet lists, for that year, a holiday on 10-01 (National Day)
  and at least one holiday between 01-20 and 02-20 (Spring Festival always falls in that window), or
- it is passed explicitly in `verified_years` (e.g. from configuration).

The two-holiday rule is a heuristic that catches the usual mistake — a sheet holding a few working
Saturdays but no statutory holidays — without asking for an extra marker column.

Counting conventions (the same in the scalar and the numpy functions):

- `workdays_between(a, b)` is the number of working days in (a, b] — `a` excluded, `b` included — when
  b >= a, and minus the number of working days in (b, a] when b < a. From a Friday to the next Monday is 1.
- `add_workdays(d, n)` for n > 0 is the n-th working day after d (d itself is never counted, working or
  not): Friday + 1 = Monday, Saturday + 1 = Monday. For n < 0 it first falls back to the last working day
  on or before d, then goes |n| working days further back: Monday - 1 = Friday, Saturday - 1 = Thursday
  (a Saturday deadline is in practice a Friday deadline). For n = 0 it returns d unchanged, even when d is
  not a working day. So `workdays_between(d, add_workdays(d, n)) == n` for n > 0 always, and for n < 0
  whenever d is a working day.

Pure: no I/O, no clock. Dates are `datetime.date`; the numpy functions take and return `datetime64[D]`.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Sequence

import numpy as np

from gendan_xl.i18n import say
from gendan_xl.i18n.issues import CALENDAR_KINDS
from gendan_xl import schema
from gendan_xl.errors import WARNING, ERROR, Issue
from gendan_xl.messages import message

# Weekday numbers as in date.weekday(): Monday = 0.
WEEKLY_PATTERNS: dict[str, tuple[int, ...]] = {
    "mon-fri": (0, 1, 2, 3, 4),
    "mon-sat": (0, 1, 2, 3, 4, 5),
}


_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()  # datetime64[D] counts days from here


def _official_china() -> tuple[frozenset[_dt.date], frozenset[_dt.date], frozenset[int]]:
    """chinesecalendar's tables: days off (weekday holidays and the weekends inside a holiday), 调休
    makeup working days, and the years it covers."""
    import chinese_calendar

    off = frozenset(chinese_calendar.holidays)
    on = frozenset(chinese_calendar.workdays)
    years = frozenset(d.year for d in off | on)
    return off, on, years


_OFFICIAL: tuple[frozenset[_dt.date], frozenset[_dt.date], frozenset[int]] | None = None


def official_china() -> tuple[frozenset[_dt.date], frozenset[_dt.date], frozenset[int]]:
    """(holidays, makeup working days, covered years) from chinesecalendar, read once."""
    global _OFFICIAL
    if _OFFICIAL is None:
        _OFFICIAL = _official_china()
    return _OFFICIAL


def _weekly_mask(weekly: str | Iterable[int]) -> tuple[bool, ...]:
    if isinstance(weekly, str):
        key = weekly.strip().lower().replace("_", "-").replace("–", "-")
        if key not in WEEKLY_PATTERNS:
            raise ValueError(f"unknown weekly pattern {weekly!r}; use one of {', '.join(WEEKLY_PATTERNS)}")
        days = WEEKLY_PATTERNS[key]
    else:
        days = tuple(weekly)
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValueError(f"weekly pattern {weekly!r} must list weekdays 0 (Monday) … 6 (Sunday)")
    if not days:
        raise ValueError("weekly pattern has no working day")
    return tuple(i in days for i in range(7))


def _to_day_numbers(dates: Any) -> np.ndarray:
    """Dates (datetime64 array, list of date, …) → int64 days since 1970-01-01."""
    arr = np.asarray(dates)
    if arr.dtype.kind != "M":
        arr = arr.astype("datetime64[D]")
    arr = arr.astype("datetime64[D]")
    if np.isnat(arr).any():
        raise ValueError("dates contain NaT (an empty date); drop those rows first")
    return arr.astype(np.int64)


class _Table:
    """Working days over a span of whole years, as arrays indexed by day number (days since 1970)."""

    __slots__ = ("first_year", "last_year", "base", "work", "cum", "days")

    def __init__(self, cal: "WorkCalendar", first_year: int, last_year: int) -> None:
        self.first_year, self.last_year = first_year, last_year
        self.base = _dt.date(first_year, 1, 1).toordinal() - _EPOCH_ORDINAL
        end = _dt.date(last_year, 12, 31).toordinal() - _EPOCH_ORDINAL
        numbers = np.arange(self.base, end + 1, dtype=np.int64)
        # 1970-01-01 was a Thursday (weekday 3).
        weekday = (numbers + 3) % 7
        work = np.asarray(cal._weekly, dtype=bool)[weekday]
        for dates, value in ((cal._official_off, False), (cal._official_on, True),
                             (cal.extra_holidays, False), (cal.extra_workdays, True)):
            idx = [d.toordinal() - _EPOCH_ORDINAL - self.base for d in dates
                   if first_year <= d.year <= last_year]
            work[np.asarray(idx, dtype=np.int64)] = value
        self.work = work
        # cum[i] = working days in [base, base + i]
        self.cum = np.cumsum(work, dtype=np.int64)
        self.days = numbers[work]  # sorted day numbers of working days


class WorkCalendar:
    """Which days the factory works. Immutable after construction (it caches lookup tables inside).

    `extra_holidays` and `extra_workdays` are the factory's overrides and always win; a date may not be in
    both. `weekly` is "mon-fri" (default), "mon-sat", or weekday numbers (0 = Monday). `verified_years`
    marks years as checked by the factory even without official data. `official` replaces the
    chinesecalendar tables (holidays, makeup days, covered years) — for tests, or another country.
    """

    def __init__(
        self,
        extra_holidays: Iterable[_dt.date] = (),
        extra_workdays: Iterable[_dt.date] = (),
        weekly: str | Iterable[int] = "mon-fri",
        verified_years: Iterable[int] = (),
        official: tuple[Iterable[_dt.date], Iterable[_dt.date], Iterable[int]] | None = None,
    ) -> None:
        self.extra_holidays = frozenset(_as_date(d) for d in extra_holidays)
        self.extra_workdays = frozenset(_as_date(d) for d in extra_workdays)
        both = self.extra_holidays & self.extra_workdays
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates are both extra holidays and extra working days: {listed}")
        self._weekly = _weekly_mask(weekly)
        off, on, years = official if official is not None else official_china()
        self._official_off = frozenset(off)
        self._official_on = frozenset(on)
        self.official_years = frozenset(years)
        self.verified_years = frozenset(self.official_years | set(verified_years))
        known = [d.year for d in self.extra_holidays | self.extra_workdays] + list(self.official_years)
        self._table = _Table(self, min(known + [2000]), max(known + [2030]))
        self._frozen = True

    def __setattr__(self, name: str, value: Any) -> None:
        # Only the lookup-table cache may change once built; the calendar itself is a value.
        if getattr(self, "_frozen", False) and name != "_table":
            raise AttributeError(f"WorkCalendar is immutable; build a new one instead of setting {name}")
        object.__setattr__(self, name, value)

    # -- what the calendar knows -------------------------------------------------------------------

    @property
    def weekly(self) -> tuple[int, ...]:
        return tuple(i for i, on in enumerate(self._weekly) if on)

    def is_verified(self, year: int) -> bool:
        return year in self.verified_years

    def issues_for(self, years: Iterable[int], sheet: str = schema.CALENDAR.zh, lang: str = "zh") -> list[Issue]:
        """One `calendar-unverified` warning per year in `years` that has neither official data nor a
        complete 假期 sheet, in year order."""
        return [
            Issue("calendar-unverified", WARNING, sheet, "", year,
                  message("calendar-unverified", lang, year=year, sheet=sheet))
            for year in sorted(set(int(y) for y in years)) if not self.is_verified(year)
        ]

    # -- lookup tables -----------------------------------------------------------------------------

    def _cover(self, lo_day: int, hi_day: int) -> _Table:
        """The table, widened (and cached) until it holds day numbers lo_day … hi_day."""
        t = self._table
        lo_year = (_dt.date.fromordinal(int(lo_day) + _EPOCH_ORDINAL)).year
        hi_year = (_dt.date.fromordinal(int(hi_day) + _EPOCH_ORDINAL)).year
        if lo_year < t.first_year or hi_year > t.last_year:
            t = _Table(self, max(_dt.MINYEAR, min(t.first_year, lo_year - 1)),
                       min(_dt.MAXYEAR, max(t.last_year, hi_year + 1)))
            self._table = t
        return t

    def _cover_shift(self, lo_day: int, hi_day: int, n_min: int, n_max: int) -> _Table:
        """A table that holds lo_day … hi_day and still has |n| working days before and after them."""
        t = self._cover(lo_day, hi_day)
        while True:
            lo_i, hi_i = lo_day - t.base, hi_day - t.base
            before = int(t.cum[lo_i]) - 1  # index in t.days of the last working day <= lo_day
            after = int(t.cum[hi_i])  # index of the first working day > hi_day
            if before + min(n_min, 0) >= 0 and after + max(n_max, 0) - 1 < len(t.days):
                return t
            # Widen by about a year per 200 working days asked for; the loop takes care of sparse calendars.
            span = max(abs(n_min), abs(n_max)) // 200 + 1
            short_before = before + min(n_min, 0) < 0
            short_after = after + max(n_max, 0) - 1 >= len(t.days)
            first = max(_dt.MINYEAR, t.first_year - span) if short_before else t.first_year
            last = min(_dt.MAXYEAR, t.last_year + span) if short_after else t.last_year
            if (first, last) == (t.first_year, t.last_year):
                raise ValueError(f"moving {n_min if short_before else n_max} working days leaves the "
                                 f"years {_dt.MINYEAR}–{_dt.MAXYEAR}")
            t = _Table(self, first, last)
            self._table = t

    # -- scalar functions --------------------------------------------------------------------------

    def is_workday(self, d: _dt.date) -> bool:
        day = _as_date(d).toordinal() - _EPOCH_ORDINAL
        t = self._cover(day, day)
        return bool(t.work[day - t.base])

    def add_workdays(self, d: _dt.date, n: int) -> _dt.date:
        """The n-th working day after d (n > 0) or before it (n < 0); d itself for n = 0. See the module
        docstring for a start on a non-working day."""
        d = _as_date(d)
        n = int(n)
        if n == 0:
            return d
        day = d.toordinal() - _EPOCH_ORDINAL
        t = self._cover_shift(day, day, n, n)
        k = int(t.cum[day - t.base])  # working days <= d; t.days[k] is the first one after d
        result = int(t.days[k + n - 1 if n > 0 else k - 1 + n])
        return _dt.date.fromordinal(result + _EPOCH_ORDINAL)

    def workdays_between(self, a: _dt.date, b: _dt.date) -> int:
        """Working days in (a, b]; negative (minus those in (b, a]) when b < a."""
        da = _as_date(a).toordinal() - _EPOCH_ORDINAL
        db = _as_date(b).toordinal() - _EPOCH_ORDINAL
        t = self._cover(min(da, db), max(da, db))
        return int(t.cum[db - t.base] - t.cum[da - t.base])

    # -- numpy functions ---------------------------------------------------------------------------

    def is_workday_array(self, dates: Any) -> np.ndarray:
        """`is_workday` for an array of dates → bool array."""
        days = _to_day_numbers(dates)
        if days.size == 0:
            return np.zeros(days.shape, dtype=bool)
        t = self._cover(int(days.min()), int(days.max()))
        return t.work[days - t.base]

    def add_workdays_array(self, dates: Any, n: Any) -> np.ndarray:
        """`add_workdays` for an array of dates; `n` is one number or an array of the same shape.
        Returns datetime64[D]."""
        days = _to_day_numbers(dates)
        shift = np.broadcast_to(np.asarray(n, dtype=np.int64), days.shape)
        if days.size == 0:
            return days.astype("datetime64[D]")
        t = self._cover_shift(int(days.min()), int(days.max()), int(shift.min()), int(shift.max()))
        k = t.cum[days - t.base]
        index = np.where(shift > 0, k + shift - 1, k - 1 + shift)
        index = np.clip(index, 0, len(t.days) - 1)  # only n == 0 rows can be out of range; replaced below
        out = np.where(shift == 0, days, t.days[index])
        return out.astype("datetime64[D]")

    def workdays_between_array(self, a: Any, b: Any) -> np.ndarray:
        """`workdays_between` element-wise → int64 array."""
        da, db = np.broadcast_arrays(_to_day_numbers(a), _to_day_numbers(b))
        if da.size == 0:
            return np.zeros(da.shape, dtype=np.int64)
        t = self._cover(int(min(da.min(), db.min())), int(max(da.max(), db.max())))
        return t.cum[db - t.base] - t.cum[da - t.base]

    def __repr__(self) -> str:
        years = sorted(self.official_years)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return (f"WorkCalendar(weekly={self.weekly}, official={span}, extra_holidays={len(self.extra_holidays)}, "
                f"extra_workdays={len(self.extra_workdays)})")


def _as_date(d: Any) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    if isinstance(d, np.datetime64):
        return _dt.date.fromordinal(int(d.astype("datetime64[D]").astype(np.int64)) + _EPOCH_ORDINAL)
    raise TypeError(f"expected a date, got {type(d).__name__}: {d!r}")


def _entered_years(holidays: Iterable[_dt.date]) -> set[int]:
    """Years whose Spring Festival and National Day the factory entered as holidays (see module doc)."""
    national = {d.year for d in holidays if (d.month, d.day) == (10, 1)}
    spring = {d.year for d in holidays if _dt.date(d.year, 1, 20) <= d <= _dt.date(d.year, 2, 20)}
    return national & spring


def calendar_from_rows(
    rows: Sequence[Any],
    weekly: str | Iterable[int] = "mon-fri",
    sheet: str = schema.CALENDAR.zh,
    lang: str = "zh",
    verified_years: Iterable[int] = (),
    official: tuple[Iterable[_dt.date], Iterable[_dt.date], Iterable[int]] | None = None,
) -> tuple[WorkCalendar, list[Issue]]:
    """Build the calendar from the 假期 sheet's rows (objects with `.row` and `.values` {date, kind, note};
    `.errors` and `.ref(field)` are used when present).

    Rows with no date, a bad date or an unknown kind are skipped with an error issue. When the same date
    is listed as both a holiday and a working day, the lower row (the later entry) wins, with a warning.
    """
    issues: list[Issue] = []
    kinds: dict[_dt.date, tuple[str, Any]] = {}  # date → (kind, row)
    for row in rows:
        values = row.values
        errors = getattr(row, "errors", {}) or {}
        date, kind_text = values.get("date"), values.get("kind")
        if date is None and kind_text in (None, "") and not errors:
            continue  # an empty line
        bad = None
        if errors.get("date") == "bad-date" or (date is not None and not isinstance(date, _dt.date)):
            raw = (getattr(row, "raw", {}) or {}).get("date", date)
            bad = ("bad-date", "date", raw)
        elif date is None:
            bad = ("missing-value", "date", None)
        else:
            kind = schema.lookup_code(schema.CALENDAR_KINDS, kind_text)
            if kind is None:
                bad = ("missing-value", "kind", None) if kind_text in (None, "") else \
                    ("unknown-calendar-kind", "kind", kind_text)
        if bad:
            code, field, value = bad
            column = schema.CALENDAR.column(field).label(lang)
            issues.append(Issue(code, ERROR, sheet, _ref(row, field), value,
                                message(code, lang, column=column, value=value)))
            continue
        assert kind is not None  # no `bad`: the kind was read
        date = _as_date(date)
        previous = kinds.get(date)
        if previous is not None and previous[0] != kind:
            issues.append(Issue(
                "calendar-conflict", WARNING, sheet, _ref(row, "kind"), date,
                message("calendar-conflict", lang, value=date.isoformat(), sheet=sheet, row=row.row,
                         kind=say(CALENDAR_KINDS, kind, lang))))
        kinds[date] = (kind, row)
    holidays = [d for d, (k, _) in kinds.items() if k == "holiday"]
    workdays = [d for d, (k, _) in kinds.items() if k == "workday"]
    calendar = WorkCalendar(holidays, workdays, weekly=weekly,
                            verified_years=set(verified_years) | _entered_years(holidays), official=official)
    return calendar, issues


def _ref(row: Any, field: str) -> str:
    try:
        return row.ref(field)
    except (AttributeError, KeyError):
        return ""


def years_of(*dates: Any) -> set[int]:
    """The years of every date given (dates, None, or iterables of them): what `issues_for` needs."""
    out: set[int] = set()
    for d in dates:
        if d is None:
            continue
        if isinstance(d, (_dt.date, np.datetime64)):
            out.add(_as_date(d).year)
        elif isinstance(d, np.ndarray):
            if d.size:
                y = d.astype("datetime64[Y]")
                y = y[~np.isnat(y)]
                out.update(set((y.astype(np.int64) + 1970).tolist()))  # (np.unique would import numpy.ma)
        else:
            out |= years_of(*d)
    return out
