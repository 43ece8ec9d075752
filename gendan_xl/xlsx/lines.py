"""The order lines of a sheet, a chunk of rows at a time: `OrdersStream`.

What `read.read_columns` gives for a whole sheet (the typed values of a few fields, one per order line, the
same rules for the header, the end of the data and the typing), but as a stream of `LineChunk`s that also
carry the XML of their rows, so that a refresh writes each chunk while it reads the next, and memory stays
flat whatever the length of the sheet.

Two more things a refresh needs are told per chunk: the rows that are not order lines but hold something in
a *watched* column (our status columns: an old status under the data is cleared), and — with `hold` — each
chunk ends at its last order line, the rows after it held back until it is known whether more lines follow
(a row between two lines is inside the table; one after the last line only up to the last old status).
"""
from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np

from gendan_xl.cellrefs import parse_range
from gendan_xl.errors import MissingSheetError
from gendan_xl.schema import DATE, SheetSchema, header_language
from gendan_xl.sheet_data import Columns, SheetLayout
from gendan_xl.values import is_blank, parse_date_value
from gendan_xl.xlsx.decode import col_of
from gendan_xl.xlsx.read import type_column
from gendan_xl.xlsx.stream import HOLD, Picked, Picker, SheetXml, StreamBook, grid, row_cells_with_formulas
from gendan_xl.xlsx.table import DATA, END, HEADER_SEARCH_ROWS, DataEnd, locate_table
from gendan_xl.xlsx.validations import MAX_TAIL

_ROOT = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]+)"')


@dataclass
class LineChunk:
    """A run of whole rows of the sheet and what is in it."""

    xml: bytes  # the rows' XML (the first chunk starts with the sheet's first row)
    last_row: int  # the last row of `xml` (0: none)
    lines: list[int]  # Excel rows of the order lines, ascending
    values: dict[str, list[Any]]  # field → typed values, one per line (None: blank or bad)
    errors: dict[str, dict[int, tuple[str, Any]]]  # field → {line index: (code, raw value)}
    marked: list[int] = field(default_factory=list)  # rows that are no line, with a watched column filled
    final: bool = False  # nothing follows
    raw: dict[str, list[Any]] = field(default_factory=dict)  # field → the cells' values before typing


class OrdersStream(SheetLayout):
    """The orders table of a sheet (found in its first rows when made), then its lines chunk by chunk
    (iterate it once). `fields` are typed; `watch(cols)` and `hold` serve a refresh (module docstring)."""

    def __init__(self, book: StreamBook, schema: SheetSchema, fields: Iterable[str], sheet: str | None = None, *,
                 year_anchor: str | None = "order_date"):
        name = book.find_sheet(schema, sheet)
        part = book.worksheet_part(name)
        if part is None:
            raise MissingSheetError(f'{book.name}: "{name}" is not a worksheet; pass a worksheet with --sheet')
        self.book, self.part = book, part
        self.xml = SheetXml(book.wf.inflate(part), book.name, part)
        self._pieces = self.xml.rows()
        head_xml, rest = self._head()
        head_rows = grid((r, c, v) for r, c, v, _ in row_cells_with_formulas(head_xml, book.reader, book.name)
                         if c >= 0 and v is not None)[:HEADER_SEARCH_ROWS]
        found = locate_table(head_rows, schema, book.name, name)
        columns, headers = found.match.columns, found.headers
        super().__init__(sheet=name, schema=schema, header_row=found.header_idx + 1, columns=columns,
                         headers=headers, width=len(headers),
                         lang=header_language([headers[i] for i in columns.values()]), block=found.block,
                         match=found.match)
        self.found = found
        self.fields = [f for f in dict.fromkeys(fields) if f in columns]
        self.year_anchor = year_anchor if year_anchor in columns else None
        if self.year_anchor and self.year_anchor not in self.fields:
            self.fields.append(self.year_anchor)
        self.hold = False
        self.watched: tuple[int, ...] = ()
        self._head_xml, self._rest = head_xml, rest
        self.head_rows = head_xml  # the first rows' XML, kept (a few KB): a refresh takes the table's look from them
        # the sheet's width as python-calamine counts it (the last column holding anything), over every row
        self.width = max((len(r) for r in head_rows), default=0)
        self._width_from: int | None = None
        self.tail: bytes | None = None

    def _head(self) -> tuple[bytes, bytes]:
        """The XML of the sheet's first HEADER_SEARCH_ROWS rows, and the rest of the piece it ends in."""
        buf = b""
        for piece in self._pieces:
            buf += piece
            row = 0
            for m in re.finditer(rb"<(?:\w+:)?row\b([^>]*?)/?>", buf):
                rm = re.search(rb'(?:^|\s)r\s*=\s*["\'](\d+)["\']', m.group(1))
                row = int(rm.group(1)) if rm else row + 1
                if row > HEADER_SEARCH_ROWS:
                    return buf[:m.start()], buf[m.start():]
        return buf, b""

    def watch(self, cols: Iterable[int], *, width_from: int | None = None) -> None:
        """Report the rows that are no line but fill one of `cols`; with `width_from`, find the sheet's true
        width when it reaches that column (a refresh placing new columns there must know)."""
        self.watched = tuple(sorted(set(cols)))
        self._width_from = width_from

    # -- the lines

    def __iter__(self) -> Iterator[LineChunk]:
        ends = DataEnd(self.schema, self.found)
        cols = {f: self.columns[f] for f in self.fields}
        # the watched columns matter only in rows that are no line (few): those rows are parsed whole
        picker = Picker(self.xml.pfx, {*cols.values(), *ends.columns}, self.book.reader,
                        lazy=set(ends.columns) - set(cols.values()), name=self.book.name)
        # with `width_from`: that column and the cells at or right of it
        track = None if self._width_from is None else (self._width_from,
                                                          _at_or_right_of(self._width_from, self.xml.pfx))
        pfx = self.xml.pfx
        ended = False
        carry = b""
        before = 0  # the row before this chunk's first (a row missing from the XML is a blank row)
        pieces = self._data_pieces()
        while True:
            piece = next(pieces, None)
            final = piece is None
            xml, carry = carry + (piece or b""), b""
            if not xml and not final:
                continue
            picked = picker.pick(xml)
            if track is not None:
                self._track_width(picked, xml, *track)
            kinds, marked, ended, last_line, blank_after_line, ended_after_line = self._kinds(ends, picked, xml, ended,
                                                                                              before)
            cut = len(picked.rows)
            if self.hold and not final and last_line + 1 < cut:
                at = _row_start(xml, last_line + 1, pfx)
                if len(xml) - at < HOLD:  # rows after the last line wait for the next chunk
                    cut = last_line + 1
                    carry = xml[at:]
                    xml = xml[:at]
                    ends.after_blank, ended = blank_after_line, ended_after_line
            last = picked.rows[cut - 1] if cut else 0
            before = last or before
            yield self._chunk(xml, picked, kinds[:cut], [r for r in marked if r <= last], cols, final)
            if final:
                break
        self.tail = self.xml.tail
        root = _ROOT.search(self.xml.head)
        if root is not None and self.tail is not None and len(self.tail) <= MAX_TAIL:
            self.book.note_validations(self.sheet, root.group(0) + self.tail)

    def past_merges(self, cols: Iterable[int], top: int, bottom: int) -> int:
        """Once the rows are through: the first column right of every range merged over one of `cols` (0-based)
        within rows `top` to `bottom`; 0 when none is (the merges are in the sheet's tail)."""
        cols, past = set(cols), 0
        for ref in _MERGE.findall(self.tail or b""):
            try:
                r1, c1, r2, c2 = parse_range(ref.decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                continue
            if r1 <= bottom and r2 >= top and any(c1 <= c <= c2 for c in cols):
                past = max(past, c2 + 1)
        return past

    def _data_pieces(self) -> Iterator[bytes]:
        """Every row, piece by piece: the head's rows again (they were parsed to find the table; now they are
        classified and written like any other), then the rest."""
        head, self._head_xml, self._rest = self._head_xml + self._rest, b"", b""
        yield head
        yield from self._pieces

    def _kinds(self, ends: DataEnd, picked: Picked, xml: bytes, ended: bool,
               before: int) -> tuple[list[str | None], list[int], bool, int, bool, bool]:
        """Each row's kind (None: the header and above, or after the end), the rows marked (no line, a watched
        column filled), whether the table ended, the last line's index, and `ends.after_blank` and `ended`
        as they were right after it. `before` is the row before the first of `picked` (0: none): Excel
        writes no <row> for a blank row, so a row more than one after the row before it follows a blank
        row, as a reader of the whole sheet sees it (a note under a blank row is not a line)."""
        header, rows, n = self.header_row, picked.rows, len(picked.rows)
        # (columns decoded only when asked for are not asked for here: rows past the end are not read)
        plain = ends.plain_rows({c: v for c, v in picked.values.items() if c not in picked.lazy},
                                n) if picked.regular else np.zeros(n, bool)
        numbers = np.array(rows, np.int64)
        after_gap = np.diff(numbers, prepend=before) > 1
        plain &= (numbers > header) & ~after_gap
        gap_at = after_gap.tolist()
        others = np.flatnonzero(~plain).tolist()  # (few)
        plain_at = plain.tolist()
        kinds: list[str | None] = []
        marked: list[int] = []
        blank_after_line, ended_after_line, last_line = ends.after_blank, ended, -1
        i = 0
        while i < n:
            if plain_at[i] and not ended and not ends.after_blank:
                # a run of rows plainly lines: what `_kind` says of each, without asking
                k = bisect_left(others, i)
                stop = others[k] if k < len(others) else n
                kinds += [DATA] * (stop - i)
                last_line, i = stop - 1, stop
                blank_after_line, ended_after_line = ends.after_blank, ended
                continue
            kind = None
            row = rows[i]
            if row > header and not ended:
                if gap_at[i]:
                    ends.after_blank = True
                kind = self._kind(ends, picked, i, xml)
                ended = kind is END
            if kind is DATA:
                last_line = i
                blank_after_line, ended_after_line = ends.after_blank, ended
            elif row > header and self.watched and self._fills_watched(picked, i, xml):
                marked.append(row)
            kinds.append(kind)
            i += 1
        return kinds, marked, ended, last_line, blank_after_line, ended_after_line

    def _kind(self, ends: DataEnd, picked: Picked, i: int, xml: bytes) -> str:
        first = picked.value(ends.block.start, i)
        if not is_blank(first) and picked.regular:
            return ends.kind_after(first, lambda c: picked.value(c, i))
        cells = picked.cells[i] if picked.cells is not None else self._row_cells(xml, picked.rows[i])
        row = [cells.get(c, "") for c in range(max(cells, default=-1) + 1)]
        width = len(row)
        while width and is_blank(row[width - 1]):
            width -= 1
        return ends.kind(row, width)

    def _fills_watched(self, picked: Picked, i: int, xml: bytes) -> bool:
        cells = picked.cells[i] if picked.cells is not None else self._row_cells(xml, picked.rows[i])
        return any(not is_blank(cells.get(c)) for c in self.watched)

    def _row_cells(self, xml: bytes, row: int) -> dict[int, Any]:
        """Every cell of one row of a regular run of rows (each row has its r="")."""
        close = b"</" + self.xml.pfx + b"row>"
        start = xml.find(b"<" + self.xml.pfx + b'row r="%d"' % row)
        end = xml.find(close, start)
        end = len(xml) if end < 0 else end + len(close)
        return {c: v for _, c, v, _ in row_cells_with_formulas(xml[start:end], self.book.reader, self.book.name)
                if c >= 0 and v is not None}

    def _chunk(self, xml: bytes, picked: Picked, kinds: list[str | None], marked: list[int], cols: dict[str, int],
               final: bool) -> LineChunk:
        if kinds.count(DATA) == len(kinds):  # (the usual chunk: nothing but lines)
            idx, lines = list(range(len(kinds))), picked.rows[:len(kinds)]
        else:
            idx = [i for i, k in enumerate(kinds) if k is DATA]
            lines = [picked.rows[i] for i in idx]
        raw = {f: _of_lines(picked, c, idx) for f, c in cols.items()}
        date1904 = self.book.date1904
        anchors = None
        # the types of each field's values: known from the picker for most columns (its distinct values; those
        # of the lines only, where it tells which: not the header's text in a date column)
        types = {f: _line_types(picked, c, idx, len(kinds)) if c in picked.types else set(map(type, raw[f]))
                 for f, c in cols.items()}
        # the order date gives a year only to a text date with none (11月3日): no need for it without one
        if self.year_anchor and any(types[f] - {dt.date, dt.datetime, type(None)}
                                    for f in cols if self.schema.column(f).type == DATE):
            anchors = [None if is_blank(v) else parse_date_value(v, date1904, None) for v in raw[self.year_anchor]]
        values: dict[str, list[Any]] = {}
        errors: dict[str, dict[int, tuple[str, Any]]] = {}
        for f, c in cols.items():
            kind = self.schema.column(f).type
            if c in picked.shared and anchors is None:  # each distinct value typed once
                values[f], bad = _type_shared(*picked.shared[c], idx, len(kinds), kind, date1904)
            else:
                values[f], bad = type_column(raw[f], kind, date1904, anchors, types[f])
            formulas = picked.formula.get(c)
            if formulas:  # a formula with no cached value is flagged, whatever the field's type (as read_table)
                bad.update({k: ("no-cached-value", None) for k, v in enumerate(values[f])
                            if v is None and k not in bad and lines[k] in formulas})
            if bad:
                errors[f] = bad
        last = picked.rows[len(kinds) - 1] if kinds else 0
        return LineChunk(xml, last, lines, values, errors, marked, final, raw)

    def _track_width(self, picked: Picked, xml: bytes, width_from: int, beyond: re.Pattern[bytes]) -> None:
        if picked.cells is not None:
            w = max((max(c) + 1 for c in picked.cells if c), default=0)
        elif picked.widest is not None and picked.widest < width_from:
            w = 0  # no cell reaches that far
        else:
            w = 0
            for m in beyond.finditer(xml):
                if self.book.reader.value(m.group(2), m.group(3)) is not None:
                    w = max(w, col_of(m.group(1)) + 1)
        self.width = max(self.width, w)

    # -- all of it at once

    def columns_read(self) -> Columns:
        """Every chunk joined: what `read.read_columns` gives (without `below`, which only a refresh needs,
        and it streams)."""
        rows: list[int] = []
        values: dict[str, list[Any]] = {f: [] for f in self.fields}
        errors: dict[str, dict[int, tuple[str, Any]]] = {}
        for chunk in self:
            base = len(rows)
            rows += chunk.lines
            for f in self.fields:
                values[f] += chunk.values[f]
            for f, bad in chunk.errors.items():
                errors.setdefault(f, {}).update({base + i: e for i, e in bad.items()})
        return Columns(sheet=self.sheet, schema=self.schema, header_row=self.header_row, columns=self.columns,
                       headers=self.headers, width=self.width, lang=self.lang, block=self.block, match=self.match,
                       row_numbers=rows, values=values, errors=errors, used_width=self.width, below={})


def _of_lines(picked: Picked, c: int, idx: list[int]) -> list[Any]:
    """Column c's values in the rows `idx` (ascending): picked in C, but for a column decoded when asked."""
    if c in picked.lazy:
        return [picked.value(c, i) for i in idx]
    column = picked.values[c]
    return column if len(idx) == len(column) else list(map(column.__getitem__, idx))


def _line_types(picked: Picked, c: int, idx: list[int], n: int) -> set[type]:
    """The types of column c's values in the rows `idx` (the first `n` rows when they are all of them): of the
    distinct values they hold where the picker told them alike, else of all the run's rows (some more)."""
    if c not in picked.shared:
        return picked.types[c]
    distinct, which = picked.shared[c]
    held = np.zeros(len(distinct) + 1, bool)
    held[which[:n] if len(idx) == n else which[np.array(idx, np.int64)]] = True  # (-1, no value: the last)
    return {type(distinct[k]) for k in np.flatnonzero(held[:-1]).tolist()} | ({type(None)} if held[-1] else set())


def _type_shared(distinct: list[Any], which: Any, idx: list[int], n: int, kind: str,
                 date1904: bool) -> tuple[list[Any], dict[int, tuple[str, Any]]]:
    """`type_column` of the rows `idx` (the first `n` rows when they are all of them) of a column given as
    its distinct values and which of them each row holds (-1: none), each distinct value typed once."""
    typed, bad = type_column(distinct + [None], kind, date1904, None)
    at = which[:n] if len(idx) == n else which[np.array(idx, np.int64)]
    column = np.empty(len(typed), object)
    column[:] = typed
    if not bad:
        return column[at].tolist(), {}
    wrong = np.zeros(len(typed), bool)
    wrong[list(bad)] = True
    lines = np.flatnonzero(wrong[at])
    return column[at].tolist(), dict(zip(lines.tolist(), map(bad.__getitem__, at[lines].tolist())))


def _row_start(xml: bytes, k: int, pfx: bytes) -> int:
    """Where the k-th row element of `xml` starts."""
    pos = -1
    tag = b"<" + pfx + b"row"
    for _ in range(k + 1):
        pos = xml.find(tag, pos + 1)
        while pos >= 0 and xml[pos + len(tag):pos + len(tag) + 1] not in b" \t\r\n>/":
            pos = xml.find(tag, pos + 1)
    return pos if pos >= 0 else len(xml)


def _at_or_right_of(col: int, pfx: bytes) -> re.Pattern[bytes]:
    """A cell in column `col` or right of it, by its r="": (column, attributes, content)."""
    from gendan_xl.xlsx.row_cells import right_of  # (the writing side's; only a refresh tracks the width)

    start = right_of(col, pfx).pattern
    p = re.escape(pfx)
    return re.compile(start[:-2] + rb'\d+"([^>]*?)(?:/>|>(.*?)</' + p + rb"c>)", re.S)
