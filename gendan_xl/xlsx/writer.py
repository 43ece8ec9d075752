"""New workbooks we generate for people to read (never the user's own workbook): `GeneratedBook`, an
XlsxWriter workbook in memory whose cells go through one writer (values typed, formula-like text kept as
text); a sheet that says what it is and prints; whole-number chart axes; and the atomic write that puts a
finished workbook in place."""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from gendan_xl.cellrefs import cell_ref
from gendan_xl.errors import GendanError, WorkbookOpenError
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
    height = max((row_height(text, width, font_size) for text, width in cells if text), default=0)
    if max(height, least):
        ws.set_row(row, max(height, least))


def row_height(text: str, width: float, font_size: float = 10) -> float:
    """The height in points of a row whose wrapped cell `width` units wide holds `text`; 0 for one line
    (the default height)."""
    lines = wrapped_lines(text, width)
    return round(lines * font_size * 1.3 + 4, 1) if lines > 1 else 0


def whole_number_axis(chart: Any, largest: int) -> None:
    """A value axis that counts things: whole steps (never 0.5 of an order) and about five of them."""
    step = max(1, -(-largest // 5))
    chart.set_y_axis({"major_unit": step, "min": 0, "num_format": "0", "major_gridlines": {"visible": True}})


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
        self._rows: dict[int, tuple[Callable[[], Iterable[str]], int, int]] = {}

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
            ws.write_string(r, c, str(value), self.quoted(fmt))
        else:
            ws.write_string(r, c, str(value), fmt)

    def quoted(self, fmt: Format | None) -> Format:
        """`fmt`'s twin with Excel's quote prefix (made once): for text that looks like a formula."""
        key = id(fmt)
        if key not in self._quoted:
            if fmt is not None and key not in self._props:
                raise ValueError("make the formats of a GeneratedBook with its add_format")
            self._quoted[key] = self.wb.add_format({**self._props.get(key, {}), "quote_prefix": True})
        return self._quoted[key]

    def add_rows(self, ws: Worksheet, rows: Callable[[], Iterable[str]], *, last_row: int, last_col: int,
                 formats: Iterable[Format]) -> None:
        """Rows of `ws` given as XML (`row_xml`), put after the rows written through XlsxWriter when the book
        closes: a table of a hundred thousand lines, which XlsxWriter writes at some 30 µs a cell. `rows()`
        is called then, once, and may ask `style(fmt)` of the `formats` it uses (all made before). `last_row`
        and `last_col` (0-based) are the table's last cell, for the sheet's dimension."""
        for fmt in formats:
            style(fmt)  # XlsxWriter writes into styles.xml only the formats its cells asked an index of
        self._rows[ws.index] = (rows, last_row, last_col)

    def close(self) -> bytes:
        self.wb.close()
        if not self._rows:
            return self._buf.getvalue()
        return _with_rows(self._buf.getvalue(), self._rows)


def style(fmt: Format) -> int:
    """A format's index in styles.xml (the `s` of a cell), given it a first time if it has none.
    XlsxWriter's own `_get_xf_index`: formats alike share one index."""
    return fmt._get_xf_index()


def row_xml(r: int, cells: Iterable[str], height: float = 0) -> str:
    """One <row> of a sheet (`r` 0-based), its cells' XML given; `height` in points (0: the default)."""
    ht = f' ht="{height}" customHeight="1"' if height else ""
    return f'<row r="{r + 1}"{ht}>{"".join(cells)}</row>'


_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def _with_rows(data: bytes, rows: Mapping[int, tuple[Callable[[], Iterable[str]], int, int]]) -> bytes:
    """The package `data` with each sheet's added rows at the end of its <sheetData>: every other member copied
    as it is (same names, order, dates and compression), the sheet's dimension grown to the table."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            index = _sheet_index(info.filename)
            if index is None or index not in rows:
                zout.writestr(info, zin.read(info))
                continue
            make, last_row, last_col = rows[index]
            xml = zin.read(info).decode("utf-8")
            head, end, tail = xml.partition("</sheetData>")
            if not end:  # a sheet with no row at all is <sheetData/>
                head, _, tail = xml.partition("<sheetData/>")
                head += "<sheetData>"
            head = _DIMENSION.sub(f'<dimension ref="A1:{cell_ref(last_row + 1, last_col)}"/>', head, count=1)
            with zout.open(info, "w") as fh:
                fh.write(head.encode("utf-8"))
                batch: list[str] = []
                for row in make():
                    batch.append(row)
                    if len(batch) == 1000:
                        fh.write("".join(batch).encode("utf-8"))
                        batch.clear()
                fh.write(("".join(batch) + "</sheetData>" + tail).encode("utf-8"))
    return out.getvalue()


def _sheet_index(name: str) -> int | None:
    """0 for xl/worksheets/sheet1.xml (XlsxWriter names sheets by their index), None for any other member."""
    if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
        return int(name[len("xl/worksheets/sheet"):-len(".xml")]) - 1
    return None


def write_new_workbook(data: bytes, target: Path, *, inputs: Iterable[Path] = ()) -> Path:
    """Write a workbook we generated: a temporary file beside `target`, then an atomic rename.

    Refuses to write over one of the `inputs` (the master a review or allocation was read from), and
    while `target` is open in Excel or LibreOffice (its owner file exists)."""
    for src in inputs:
        if target.exists() and src.exists() and target.resolve() == src.resolve():
            raise GendanError.said("output-is-input", name=target.name)
    lock = is_open(target)
    if lock is not None:
        raise WorkbookOpenError.said("output-open", name=target.name, lock=lock.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, data)
