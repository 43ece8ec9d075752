"""Working-day maths on a million dates: numpy (precomputed tables + index lookups) against a naive loop.

Run:  .venv/bin/python benchmarks/bench_workdays.py [N]

"naive loop" is what one would write without precomputing: step day by day asking chinesecalendar-style
"is this a working day?" (here `WorkCalendar.is_workday`, already a table lookup, so the naive figures flatter
the naive approach). "scalar" is `WorkCalendar.add_workdays` / `workdays_between` called once per date.
The naive loop is timed on a sample and scaled to N (printed as "est."). Also times `compute_status` on N
order lines. Prints a table; figures are for the README, not asserted anywhere.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gendan_xl.status import LeadTimes, compute_status  # noqa: E402
from gendan_xl.sheet_data import Row  # noqa: E402
from gendan_xl.workdays import WorkCalendar  # noqa: E402


def naive_add(cal: WorkCalendar, d: dt.date, n: int) -> dt.date:
    step = dt.timedelta(days=1 if n > 0 else -1)
    if n < 0:
        while not cal.is_workday(d):
            d -= dt.timedelta(days=1)
    left = abs(n)
    while left:
        d += step
        if cal.is_workday(d):
            left -= 1
    return d


def naive_between(cal: WorkCalendar, a: dt.date, b: dt.date) -> int:
    lo, hi, sign = (a, b, 1) if b >= a else (b, a, -1)
    count, d = 0, lo
    while d < hi:
        d += dt.timedelta(days=1)
        count += cal.is_workday(d)
    return sign * count


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    sample = min(n, 20_000)
    rng = np.random.default_rng(7)
    starts = np.datetime64("2024-01-01") + rng.integers(0, 365 * 3, n).astype("timedelta64[D]")
    ends = starts + rng.integers(-60, 120, n).astype("timedelta64[D]")
    shifts = rng.integers(-40, 41, n)
    cal = WorkCalendar()
    cal.add_workdays_array(starts[:10], 1)  # build the tables once, as any real run would

    rows = []
    t_vec_add, vec_add = timed(cal.add_workdays_array, starts, shifts)
    t_vec_btw, vec_btw = timed(cal.workdays_between_array, starts, ends)

    s_list, e_list, k_list = starts[:sample].tolist(), ends[:sample].tolist(), shifts[:sample].tolist()
    t_sc_add, sc_add = timed(lambda: [cal.add_workdays(s, k) for s, k in zip(s_list, k_list)])
    t_sc_btw, sc_btw = timed(lambda: [cal.workdays_between(s, e) for s, e in zip(s_list, e_list)])
    t_nv_add, nv_add = timed(lambda: [naive_add(cal, s, k) for s, k in zip(s_list, k_list)])
    t_nv_btw, nv_btw = timed(lambda: [naive_between(cal, s, e) for s, e in zip(s_list, e_list)])
    assert sc_add == nv_add == vec_add[:sample].tolist(), "add_workdays disagree"
    assert sc_btw == nv_btw == vec_btw[:sample].tolist(), "workdays_between disagree"
    scale = n / sample
    rows.append(("add_workdays", t_vec_add, t_sc_add * scale, t_nv_add * scale))
    rows.append(("workdays_between", t_vec_btw, t_sc_btw * scale, t_nv_btw * scale))

    print(f"{n:,} dates (2024–2026 starts, shifts −40…40 working days); loops timed on {sample:,} and scaled")
    print(f"{'function':<18} {'numpy':>10} {'scalar (est.)':>14} {'naive loop (est.)':>18} {'speed-up':>9}")
    for name, vec, sc, nv in rows:
        print(f"{name:<18} {vec:>9.3f}s {sc:>13.2f}s {nv:>17.2f}s {nv / vec:>8.0f}×")

    lead = {"A": LeadTimes(5, 10, 2, 2, 3)}
    today = dt.date(2026, 11, 27)
    dues = (np.datetime64("2026-10-01") + rng.integers(0, 180, n).astype("timedelta64[D]")).tolist()
    orders = [Row(row=i + 2, values={"order_no": f"SO{i}", "model": "A", "quantity": 100,
                                     "customer_due_date": due}) for i, due in enumerate(dues)]
    t_status, result = timed(compute_status, orders, lead, cal, today)
    counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items() if v)
    print(f"compute_status on {n:,} order lines: {t_status:.2f}s ({counts})")


if __name__ == "__main__":
    main()
