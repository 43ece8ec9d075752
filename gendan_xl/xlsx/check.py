"""The read-back check of `patch_sheet`: re-read the written temp file with python-calamine and compare
every value we wrote, before the file replaces the workbook."""
from __future__ import annotations

import bisect
import datetime as _dt
import math
import operator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from gendan_xl.errors import PatchVerifyError
from gendan_xl.cellrefs import MAX_CELL_CHARS
from gendan_xl.xlsx.cells import BOOL, CLEAR, DATE, DATETIME, ILLEGAL_XML, NUM, STR, Rows, Value
from gendan_xl.xlsx.read import sheet_rows
from gendan_xl.cellrefs import cell_ref
from gendan_xl.xlsx.result import PatchResult

_EXPECT = operator.attrgetter("expect")
_VERIFY_ROWS = 4096  # rows of the written sheet compared at a time


def read_back(tmp: Path, result: PatchResult, rows: Rows, skipped: set[tuple[int, int]], name: str) -> None:
    """Re-read the written file with python-calamine and check every value we wrote."""
    import python_calamine

    try:
        with python_calamine.CalamineWorkbook.from_path(str(tmp)) as wb:
            sheet = wb.get_sheet_by_name(result.sheet)
            try:
                top, end = _verify_read(sheet, rows, skipped, name)
            finally:
                del sheet  # the whole sheet as a Rust range: gigabytes for a million rows, free it now
    except PatchVerifyError:
        raise
    except Exception as exc:  # calamine raises its own error types for any damage
        raise PatchVerifyError(f"{name}: the written file does not read back ({exc}); the workbook is unchanged") \
            from exc
    # rows outside what calamine returned (before `top`, from `end`): only cleared cells may be there
    for r, cells in rows.explicit.items():
        if not top <= r < end:
            for col, cell in rows.get(r):
                _verify_missing(name, r, col, cell)
    for col, first, values in rows.blocks:
        for i in chain(range(first, min(top, first + len(values))), range(max(end, first), first + len(values))):
            if i not in rows.explicit:
                _verify_missing(name, i, col, values[i - first])


def _verify_missing(name: str, row: int, col: int, cell: Value) -> None:
    if not _same(cell, ""):
        raise PatchVerifyError(f"{name}: wrote {cell_ref(row, col)} = {cell.value!r} but it does not read "
                               "back; the workbook is unchanged")


def _verify_cell(name: str, row: int, col: int, cell: Value, got: Any) -> None:
    if not _same(cell, got):
        raise PatchVerifyError(f"{name}: wrote {cell_ref(row, col)} = {cell.value!r} but it "
                               f"reads back as {got!r}; the workbook is unchanged")


def _verify_read(sheet: Any, rows: Rows, skipped: set[tuple[int, int]], name: str) -> tuple[int, int]:
    """Compare the rows calamine returns with what we wrote, a few thousand rows at a time. A block column
    is compared as a whole list against its values' `expect` (a C-level comparison, which passes only
    where `_same` does); only a slice that differs is walked cell by cell to find and name the bad cell.
    Rows with explicit cells are checked cell by cell. Returns the rows read: [top, end)."""
    c0 = sheet.start[1] if sheet.start else 0
    width = c0 + sheet.width if sheet.start else 0  # the rows from A1 (sheet_rows) are this wide
    top = 1
    explicit = sorted(rows.explicit)
    stop = rows.targets[-1] + 1 if len(rows.targets) else top  # nothing to check below the last target
    it = sheet_rows(sheet)
    row = top
    while row < stop:
        chunk = list(islice(it, _VERIFY_ROWS))
        if not chunk:
            break
        end = row + len(chunk)
        for r in explicit[bisect.bisect_left(explicit, row):bisect.bisect_left(explicit, end)]:
            values = chunk[r - row]
            for col, cell in rows.get(r):
                if skipped and (r, col) in skipped:
                    continue
                j = col
                _verify_cell(name, r, col, cell, values[j] if 0 <= j < len(values) else "")
        for (col, first, values), kinds in zip(rows.blocks, rows.block_kinds):
            a, b = max(first, row), min(first + len(values), end)
            if a >= b:
                continue
            want = values[a - first:b - first]
            j = col
            try:
                got = list(map(operator.itemgetter(j), chunk[a - row:b - row])) if 0 <= j < width else [""] * (b - a)
            except IndexError:  # a short row (calamine's rows are all `width` long, but do not rely on it)
                got = [x[j] if j < len(x) else "" for x in chunk[a - row:b - row]]
            # equal lists pass; a number reading back as a bool is the one case `==` forgives and `_same` not
            if got == list(map(_EXPECT, want)) and (NUM not in kinds or bool not in set(map(type, got))):
                continue
            for r, cell, g in zip(range(a, b), want, got):
                if r in rows.explicit or (skipped and (r, col) in skipped):
                    continue
                _verify_cell(name, r, col, cell, g)
        row = end
    return top, row


def _same(cell: Value, got: Any) -> bool:
    want = cell.value
    if cell.kind == CLEAR:
        return got in ("", None)
    if cell.kind == STR:
        # calamine decodes _xHHHH_ escapes like Excel, so it shows the text we were given
        return got == want or got == ILLEGAL_XML.sub("", want)[:MAX_CELL_CHARS]
    if cell.kind == BOOL:
        return got is want or got == want
    if cell.kind in (DATE, DATETIME):
        if isinstance(got, _dt.datetime) and not isinstance(want, _dt.datetime):
            return got.date() == want and got.time() == _dt.time()
        if isinstance(got, _dt.datetime) and isinstance(want, _dt.datetime):
            return abs((got - want).total_seconds()) < 0.001
        return got == want
    if isinstance(got, (_dt.date, _dt.time, _dt.timedelta)):
        return True  # a number in a cell the user formatted as a date: calamine shows it as one
    try:
        return isinstance(got, (int, float)) and not isinstance(got, bool) and math.isclose(
            float(got), float(want), rel_tol=1e-15, abs_tol=0)
    except (TypeError, ValueError):
        return False
