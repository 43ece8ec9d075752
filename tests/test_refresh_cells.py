"""The cells a refresh writes, held to a computation of their own: the benchmark's workbook refreshed by the
one pass, read back with python-calamine, against what status.py's whole-sheet API says for each line —
and every cell that is not ours reading as before. The one pass and the reference refresh of
test_refresh_pass share the sheet patcher; this test shares neither the patcher nor the wording of our
columns with the refresh, so a fast path in either that writes a wrong cell fails here."""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest
import python_calamine as pc

from conftest import ROOT
from gendan_xl.books.master import load_master, status_of
from gendan_xl.books.refresh import OUTPUT_COLUMNS, refresh_workbook
from gendan_xl.i18n import pick
from gendan_xl.status import Line
from gendan_xl.status_lines import DUE_LABELS

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)


def _bench_workbook(path: Path, lines: int) -> Path:
    spec = importlib.util.spec_from_file_location("bench_refresh", ROOT / "benchmarks" / "bench_refresh.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate(path, lines)
    return path


def _expected(key: str, line: Line) -> Any:
    """What our column `key` shows for a line, from the Line's own public figures (zh: the sheet's language)."""
    if key == "status":
        return line.label("zh")
    if key == "due_basis":
        return pick(DUE_LABELS[line.due_basis], "zh") if line.due_basis else None
    if key == "workdays_left":
        return line.workdays_left if line.days_to_due is not None else None
    if key == "next_milestone":
        return line.next_milestone_label("zh")
    if key == "reason":
        return line.reason("zh")
    return getattr(line, key)


def _read(path: Path) -> list[list[Any]]:
    with pc.CalamineWorkbook.from_path(str(path)) as wb:
        return wb.get_sheet_by_name("订单").to_python(skip_empty_area=False)


def _same(got: Any, want: Any) -> bool:
    if want is None:
        return got == ""
    if isinstance(want, dt.date) and isinstance(got, dt.datetime):
        return got.date() == want
    return bool(got == want)


@pytest.mark.parametrize("days", [(0,), (0, 1)], ids=["first", "again"])
def test_our_cells_are_each_lines_status(tmp_path: Path, days: tuple[int, ...]) -> None:
    path = _bench_workbook(tmp_path / "bench.xlsx", 3000)
    before = _read(path)
    for d in days:
        refresh_workbook(path, today=TODAY + dt.timedelta(days=d), now=NOW + dt.timedelta(days=d), backups=0)
    today = TODAY + dt.timedelta(days=days[-1])
    lines = status_of(load_master(tmp_path / "bench.xlsx", lean=True), today=today).result.lines
    after = _read(path)
    header = after[1]
    ours = {header.index(h): key for key, h in OUTPUT_COLUMNS}
    assert sorted(ours) == list(range(len(before[1]), len(before[1]) + len(OUTPUT_COLUMNS)))
    assert len(lines) == 3000 and {line.status for line in lines} >= {"shipped_on_time", "overdue", "on_track"}
    by_row = {line.row: line for line in lines}
    stamp = f"更新时间 / Refreshed at {NOW + dt.timedelta(days=days[-1]):%Y-%m-%d %H:%M}"
    assert after[0][min(ours)] == stamp
    wrong = []
    for r, (old, new) in enumerate(zip(before, after), start=1):
        assert new[:len(old)] == old, r  # the user's cells read as before
        if r < 3:  # the stamp and the header
            continue
        line = by_row.get(r)
        for c, key in ours.items():
            want = _expected(key, line) if line is not None else None
            if not _same(new[c], want):
                wrong.append((r, key, new[c], want))
    assert not wrong, wrong[:5]
    assert len(after) == len(before)
