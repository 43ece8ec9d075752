"""The look of the columns a patch writes: taken from the sheet, so they look like the table they extend.

`HeadRows` reads the first rows of a worksheet (the table's header and first line): each cell's style and
each row's height. `ColumnLook.of` derives, from those styles, one cell format for our header cells (the
table header's own, wrapping) and one per kind of data cell (the line's font, borders and alignment, with
the number format of the kind and no fill: a line's fill may be one band of a striped table; a wrapped text
at the top); each is found in styles.xml or appended once (styles.Styles.derived_xf), so a second run adds
none. Its widths go into the sheet's <cols> (`with_widths`) for columns that have no width yet: one the
user set, or an earlier run did, is kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from gendan_xl.cellrefs import col_index
from gendan_xl.xlsx.cells import set_attr, tag_attrs
from gendan_xl.xlsx.styles import DATE_FORMAT, Styles

# Kinds of data cell, each its own cell format.
TEXT, NUMBER, DATE, WRAP = "text", "number", "date", "wrap"
_NUMBER_FORMAT = {TEXT: "General", NUMBER: "General", DATE: DATE_FORMAT, WRAP: "General"}
_WRAPS = {"wrapText": "1"}
# A wrapped text starts at the top of its cell: where the row keeps one line's height (Excel grows a row
# with no height of its own; LibreOffice and viewers may not), its first line shows, level with the row.
_WRAPS_TOP = {"wrapText": "1", "vertical": "top"}


class HeadRows:
    """The first rows of a worksheet (their XML, a few rows only): cell styles and row heights."""

    def __init__(self, xml: bytes, pfx: bytes):
        p = re.escape(pfx)
        self.styles: dict[int, dict[int, int]] = {}  # row → {col: xf}
        self.heights: dict[int, float] = {}
        row_re = re.compile(rb"<" + p + rb"row\b([^>]*?)(/?)>")
        cell_re = re.compile(rb"<" + p + rb"c\b([^>]*?)/?>")
        rownum = 0
        for m in row_re.finditer(xml):
            a = tag_attrs(m.group(1))
            if m.group(2) and b"r" not in a:
                continue  # a <row/> without r="" is no row: the reader (decode.every_cell) does not count it
            rownum = int(a[b"r"]) if b"r" in a else rownum + 1
            if b"ht" in a:
                try:
                    self.heights[rownum] = float(a[b"ht"])
                except ValueError:
                    pass
            if m.group(2):
                continue
            end = xml.find(b"</" + pfx + b"row>", m.end())
            cells, col = {}, -1
            for c in cell_re.finditer(xml, m.end(), end if end >= 0 else len(xml)):
                ca = tag_attrs(c.group(1))
                ref = re.match(rb"\$?([A-Za-z]{1,3})", ca.get(b"r", b""))
                col = col_index(ref.group(1).decode().upper()) if ref else col + 1
                cells[col] = int(ca[b"s"]) if ca.get(b"s", b"").isdigit() else 0  # no s="": the default format
            self.styles[rownum] = cells

    def style(self, row: int, col: int) -> int | None:
        """The format of the cell at (row, col), else of the nearest cell left of it; None when the row has
        no cell there or left of it."""
        cells = self.styles.get(row, {})
        if col in cells:
            return cells[col]
        left = [c for c in cells if c < col]
        return cells[max(left)] if left else None

    def first_below(self, row: int, col: int) -> int | None:
        """The first row under `row` with a cell at or left of `col`."""
        return next((r for r in sorted(self.styles) if r > row and self.style(r, col) is not None), None)


@dataclass
class ColumnLook:
    """Cell formats (indexes into cellXfs) for the cells a patch writes, by column: `header` in
    `header_row`, `data` under it; the widths of those columns; and the columns whose blank cells are kept
    as empty cells in their format (where it draws borders: else an empty cell shows nothing)."""

    header_row: int
    header: dict[int, int] = field(default_factory=dict)
    data: dict[int, int] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    blanks: set[int] = field(default_factory=set)  # columns whose blank cells (cells.EMPTY) are kept: bordered
    anew: set[int] = field(default_factory=set)  # columns placed this run: shown even where a <col> hid them

    def style(self, row: int, col: int) -> bytes | None:
        """The s="" of our cell at (row, col); None where the look says nothing (above the header)."""
        xf = self.header.get(col) if row == self.header_row else self.data.get(col) if row > self.header_row \
            else None
        return None if xf is None else b"%d" % xf

    @classmethod
    def of(cls, styles: Styles, head: HeadRows, header_row: int, like: int, kinds: Mapping[int, str],
           widths: Mapping[int, float], anew: set[int] | None = None) -> "ColumnLook":
        """Our columns (`kinds`: column → TEXT, NUMBER, DATE or WRAP) made to look like column `like` of the
        table (its last): its header cell's format, wrapping, for our headers; the format of the first
        line's cell there (or nearest left), per kind, for our cells below."""
        look = cls(header_row, widths=dict(widths), anew=set(anew or ()))
        if styles.data is None:
            return look
        top = head.style(header_row, like)
        if top is not None:
            xf = styles.derived_xf(top, align=_WRAPS)
            look.header = {c: xf for c in kinds if xf is not None}
        first = head.first_below(header_row, like)
        if first is not None:
            base = head.style(first, like)
            made: dict[str, int | None] = {}
            for c, kind in kinds.items():
                if kind not in made:
                    made[kind] = styles.derived_xf(base, number_format=_NUMBER_FORMAT[kind],
                                                   align=_WRAPS_TOP if kind == WRAP else None, keep_fill=False)
                xf = made[kind]
                if xf is not None:
                    look.data[c] = xf
                    if styles.has_border(xf):
                        look.blanks.add(c)
        return look


def with_widths(head: bytes, pfx: bytes, widths: Mapping[int, float], anew: Iterable[int] = ()) -> bytes:
    """The worksheet's XML before <sheetData> (`head`) with a <col> width for each column of `widths`
    (0-based) that no <col> covers yet; <cols> made when there is none (it comes right before <sheetData>).
    The columns `anew` (placed this run) are first taken out of a <col> that hides them: a tidy sheet hides
    every column right of its table, and a first refresh would show nothing. A column of ours the user hid
    later is not anew, and stays hidden."""
    if not widths:
        return head
    head = _unhidden(head, {c + 1 for c in anew})
    m = re.search(rb"<(\w+:)?cols\b[^>]*?(/?)>", head)
    spans = []
    inner_start = inner_end = len(head)
    if m is not None and not m.group(2):
        inner_start = m.end()
        close = head.find(b"</" + (m.group(1) or b"") + b"cols>", inner_start)
        inner_end = close if close >= 0 else inner_start
        for c in re.finditer(rb"<(?:\w+:)?col\b([^>]*?)/?>(?:</(?:\w+:)?col>)?", head[inner_start:inner_end]):
            a = tag_attrs(c.group(1))
            try:
                lo = int(a[b"min"])
                spans.append((lo, int(a.get(b"max", a[b"min"])), c.start(), c.end()))
            except (KeyError, ValueError):
                return head  # a <cols> we do not understand is left as it is
    new = [(col + 1, b'<%scol min="%d" max="%d" width="%s" customWidth="1"/>' % (
        pfx, col + 1, col + 1, (b"%.2f" % w).rstrip(b"0").rstrip(b".")))
           for col, w in sorted(widths.items()) if not any(lo <= col + 1 <= hi for lo, hi, _, _ in spans)]
    if not new:
        return head
    if m is None or m.group(2):
        cols = b"<%scols>%s</%scols>" % (pfx, b"".join(x for _, x in new), pfx)
        if m is not None:  # <cols/>
            return head[:m.start()] + cols + head[m.end():]
        return head + cols  # head ends where <sheetData> starts
    inner = head[inner_start:inner_end]
    out, pos = [], 0
    for lo, _, _, end in spans:  # each new <col> before the first existing one right of it: sorted
        while new and new[0][0] < lo:
            out.append(new.pop(0)[1])
        out.append(inner[pos:end])
        pos = end
    out += [x for _, x in new]
    out.append(inner[pos:])
    return head[:inner_start] + b"".join(out) + head[inner_end:]


def _unhidden(head: bytes, show: set[int]) -> bytes:
    """`head` with each <col hidden="1"> that covers a column of `show` (1-based) cut around those columns:
    the rest of its range keeps its look, hidden; the columns of `show` are left to `with_widths`."""
    if not show:
        return head
    out, pos = [], 0
    for m in re.finditer(rb"<(?:\w+:)?col\b[^>]*?/>", head):
        a = tag_attrs(m.group(0))
        try:
            lo, hi = int(a[b"min"]), int(a.get(b"max", a[b"min"]))
        except (KeyError, ValueError):
            continue
        inside = sorted(c for c in show if lo <= c <= hi)
        if not inside or a.get(b"hidden") not in (b"1", b"true"):
            continue
        pieces, start = [], lo
        for c in inside + [hi + 1]:
            if start < c:
                pieces.append(set_attr(set_attr(m.group(0), b"min", b"%d" % start), b"max", b"%d" % (c - 1)))
            start = c + 1
        out += [head[pos:m.start()], *pieces]
        pos = m.end()
    return b"".join(out) + head[pos:] if out else head
