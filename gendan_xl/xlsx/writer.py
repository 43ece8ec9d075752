"""New workbooks we generate for people to read (never the user's own workbook): a typed cell for XlsxWriter,
and the atomic write that puts a finished workbook in place."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from gendan_xl.errors import GendanError, WorkbookOpenError
from gendan_xl.xlsx.atomic import is_open, write_atomic


def xlsx_cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        ws.write_number(r, c, float(value), fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def write_new_workbook(data: bytes, target: Path, *, inputs: Iterable[Path] = ()) -> Path:
    """Write a workbook we generated: a temporary file beside `target`, then an atomic rename.

    Refuses to write over one of the `inputs` (the master a review or allocation was read from), and
    while `target` is open in Excel or LibreOffice (its owner file exists)."""
    for src in inputs:
        if target.exists() and src.exists() and target.resolve() == src.resolve():
            raise GendanError(f"{target.name} is an input; write the result to another file")
    lock = is_open(target)
    if lock is not None:
        raise WorkbookOpenError(f"{target.name} is open ({lock.name}); close it in Excel and run again")
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, data)
