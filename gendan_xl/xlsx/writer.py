"""New workbooks we generate for people to read (never the user's own workbook): `GeneratedBook`, an
XlsxWriter workbook in memory whose cells go through one writer, and the atomic write that puts a
finished workbook in place."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from gendan_xl.errors import GendanError, WorkbookOpenError
from gendan_xl.xlsx.atomic import is_open, write_atomic

# Text starting with one of these is what Excel (and every CSV reader after it) takes for a formula once
# someone edits the cell or saves the sheet as CSV: `=HYPERLINK(...)`, `+cmd|' /C calc'!A0`, `@SUM(...)`.
FORMULA_START = ("=", "+", "-", "@")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


class GeneratedBook:
    """A workbook we generate (a report, a review, an allocation, the Issues list), built in memory.

    `cell` is the one cell writer of every generated workbook: values typed (dates as dates, numbers as
    numbers), and text that looks like a formula stored as text with Excel's quote prefix, as our filled
    templates store it, so a customer or model called `=cmd|...` stays words in every program that opens
    the file. Formats are made with `add_format`, which remembers their properties for the quoted twin.
    """

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self._buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self._buf, {"in_memory": True, **(options or {})})
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int, Format] = {}

    def add_format(self, props: Mapping[str, Any] | None = None) -> Format:
        fmt = self.wb.add_format(dict(props or {}))
        self._props[id(fmt)] = dict(props or {})
        return fmt

    def add_worksheet(self, name: str) -> Worksheet:
        return self.wb.add_worksheet(name)

    def cell(self, ws: Worksheet, r: int, c: int, value: Any, fmt: Format | None = None) -> None:
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt)
        elif isinstance(value, dt.date):
            if not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value, dt.time())
            ws.write_datetime(r, c, value, fmt)
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            ws.write_number(r, c, float(value), fmt)
        elif looks_like_formula(str(value)):
            ws.write_string(r, c, str(value), self._quoted_twin(fmt))
        else:
            ws.write_string(r, c, str(value), fmt)

    def _quoted_twin(self, fmt: Format | None) -> Format:
        key = id(fmt)
        if key not in self._quoted:
            if fmt is not None and key not in self._props:
                raise ValueError("make the formats of a GeneratedBook with its add_format")
            self._quoted[key] = self.wb.add_format({**self._props.get(key, {}), "quote_prefix": True})
        return self._quoted[key]

    def close(self) -> bytes:
        self.wb.close()
        return self._buf.getvalue()


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
