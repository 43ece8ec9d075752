"""New workbooks we generate for people to read (never the user's own workbook): a sheet that says what it is
and prints, a typed cell for XlsxWriter, whole-number chart axes, and the atomic write that puts a finished
workbook in place."""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from gendan_xl.errors import GendanError, WorkbookOpenError

__all__ = ["FONT", "HEADER_ROW", "titled_sheet", "text_width", "wrapped_lines", "fit_row", "whole_number_axis",
           "xlsx_cell", "write_new_workbook"]
from gendan_xl.xlsx.atomic import is_open, write_atomic


FONT = "Microsoft YaHei"  # 微软雅黑, what Chinese offices have; LibreOffice falls back to Noto Sans CJK
HEADER_ROW = 3  # 0-based: the title, the facts, a blank row, then the table's header


def titled_sheet(wb: Any, name: str, *, title: str, facts: str, landscape: bool = True) -> Any:
    """A new sheet of a workbook we generate, set up to be read and printed.

    Row 1 says what it is, row 2 which file, which day and how much (`facts`); the table's header goes on
    HEADER_ROW and is repeated at the top of every printed page. A4, landscape when the table is wide, one
    page wide however many pages tall, the title and page numbers in the footer.
    """
    ws = wb.add_worksheet(name)
    ws.write_string(0, 0, title, wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E78",
                                                "font_name": FONT}))
    ws.write_string(1, 0, facts, wb.add_format({"font_size": 9, "font_color": "#595959", "font_name": FONT}))
    ws.set_row(0, 24)
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer(f"&L{title.replace('&', '&&')}&R&P / &N", {"margin": 0.25})
    return ws


def text_width(text: str) -> int:
    """How many of Excel's column-width units a line of text takes: a Chinese character (or any full-width
    one) is two, like two digits."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped cell `width` units wide needs for `text` (its own line breaks count)."""
    room = max(width - 1, 1)  # the cell's padding
    return sum(max(1, math.ceil(text_width(part) / room)) for part in str(text).split("\n"))


def fit_row(ws: Any, row: int, cells: Iterable[tuple[Any, float]], font_size: float = 10,
            least: float = 0) -> None:
    """Give a row the height its wrapped cells need, `(text, column width)` each, and at least `least`
    points. Neither Excel nor LibreOffice grows a row to its wrapped text when it opens a file, so a row we
    leave alone shows one line and cuts the rest."""
    lines = max((wrapped_lines(text, width) for text, width in cells if text), default=1)
    height = round(lines * font_size * 1.3 + 4, 1) if lines > 1 else 0
    if max(height, least):
        ws.set_row(row, max(height, least))


def whole_number_axis(chart: Any, largest: int) -> None:
    """A value axis that counts things: whole steps (never 0.5 of an order) and about five of them."""
    step = max(1, -(-largest // 5))
    chart.set_y_axis({"major_unit": step, "min": 0, "num_format": "0", "major_gridlines": {"visible": True}})


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
