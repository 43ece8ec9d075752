"""The sheet patcher's state and the XML of one new cell (see `rows.SheetPatcher`).

A cell's XML is made once per (column, value, style) and split around its row number (a template), so a
million rows cost a byte join each; `CellFormats` does the same for the batches of whole-column rows.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from gendan_xl.xlsx.cells import CLEAR, DATE, DATETIME, EMPTY, STR, TATTR, Rows, Value, tag_attrs, text_inner
from gendan_xl.xlsx.condformat import CFRule
from gendan_xl.xlsx.look import ColumnLook
from gendan_xl.cellrefs import col_bytes, col_letter, parse_range
from gendan_xl.xlsx.result import PatchResult
from gendan_xl.xlsx.soundness import Templates
from gendan_xl.xlsx.styles import DateFormats, Styles
from gendan_xl.xlsx.tables import TablePart


def right_of(col: int, pfx: bytes) -> re.Pattern[bytes]:
    """The start of a cell in column `col` or right of it, by its r=""."""
    letters = col_letter(col)
    k = len(letters)
    alts = [letters]
    for i, ch in enumerate(letters):
        if ch != "Z":
            alts.append(letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + "[A-Z]" * (k - i - 1))
    if k < 3:
        alts.append(f"[A-Z]{{{k + 1},3}}")
    return re.compile(b"<" + re.escape(pfx) + b'c r="(' + "|".join(alts).encode() + rb")\d")


class CellFormats(dict):
    """Value -> its cell format in one column and style, made on first use; with `make_texts`, the new texts
    of a column's values are made together (`column`)."""

    def __init__(self, make: Any, col: int, style: bytes | None, make_texts: Any = None):
        super().__init__()
        self.make, self.col, self.style, self.make_texts = make, col, style, make_texts

    def __missing__(self, v: Value) -> bytes:
        f = self[v] = self.make(self.col, v, self.style)
        return f

    def column(self, values: list[Value]) -> list[bytes]:
        """The formats of `values`, in order (a C loop), the texts among them not made yet made at once."""
        if self.make_texts is not None:
            new = [v for v in dict.fromkeys(values) if v.kind == STR and v not in self]
            if len(new) > 1:
                self.update(zip(new, self.make_texts(self.col, new, self.style)))
        return list(map(self.__getitem__, values))


class CellWriter:
    """The sheet patcher's state, and the XML of the cells it writes.

    `rows.SheetPatcher` streams the worksheet; `row_batch.RowBatch` (rows that get whole columns, in
    batches) and `row_merge.RowMerge` (a row's existing cells merged with ours) share what is here."""

    def __init__(self, by_row: Rows, styles: Styles, tables: list[TablePart],
                 cf_rules: list[CFRule], result: PatchResult, date_xfs: DateFormats,
                 extend_filter: bool = True, templates: Templates | None = None):
        self.extend_filter = extend_filter
        self.autofilter_ref: str | None = None
        self.result = result
        self.styles = styles
        self.tables = tables
        self.cf_rules = cf_rules
        self.date_xfs = date_xfs
        self.checks = templates  # every distinct cell we write is checked once (soundness.Templates)
        self.head_xml = b""
        self.by_row = by_row
        self.targets = by_row.targets
        self.skipped_rc: set[tuple[int, int]] = set()
        self.col_style_cache: dict[int, bytes | None] = {}
        self.templates: dict[tuple[int, Value, bytes | None], tuple[bytes, bytes]] = {}
        # the fast path's new cells: per block column, Value -> cell format; the current batch of rows
        self.cell_formats: list[CellFormats] | None = None
        self.skeleton_formats: list[CellFormats] = []
        self.batch_start = 0
        self.batch_xml: list[bytes] = []
        self.batch_empty: list[int] = []
        self.batch_skeleton: list[bytes] | None = None
        self.ti = 0
        self.phase = 0  # 0 head, 1 rows, 2 tail
        self.buf = b""
        self.last_row = 0
        self.col_styles: list[tuple[int, int, bytes]] = []
        self.arrays: list[tuple[int, int, int, int]] = []
        self.pfx = b""
        self.touched: tuple[int, int, int, int] | None = None  # bbox of the cells we put a value in
        self.look: ColumnLook | None = None  # the formats of our cells, whatever the cells had (look.py)

    def cached(self) -> int:
        """How many cell templates are kept."""
        return len(self.templates) + sum(map(len, self.cell_formats or ()))

    def forget(self) -> None:
        """Let the cell templates made so far go (they are made again when needed)."""
        self.templates.clear()
        self.cell_formats, self.skeleton_formats, self.batch_xml, self.batch_skeleton = None, [], [], None
        self.batch_start = 0

    def _each_row(self, data: bytes) -> bytes:
        """A run of whole rows, row by row (`rows.SheetPatcher`): where the whole-run splice leaves them."""
        raise NotImplementedError

    # -- compile the patterns once the prefix is known
    def _compile(self, pfx: bytes) -> None:
        p = re.escape(pfx)
        self.pfx = pfx
        # (attributes, r="" when it comes first, "/" of an empty row)
        self.row_re = re.compile(rb"<" + p + rb'row\b((?:\s+r="(\d+)")?[^>]*?)(/?)>')
        self.row_end = b"</" + pfx + b"row>"
        # a row start tag with its r="" first and nothing that needs a look: (row number, other attributes)
        self.plain_row_re = re.compile(rb"<" + p + rb'row r="(\d+)"([^>/]*)>')
        self.cell_re = re.compile(rb"<" + p + rb"c\b([^>]*?)(/?)>")
        # the content of a cell up to its end tag, consumed in runs of non-"<" bytes (a lazy .*? would try
        # the end tag at every byte)
        body = rb"(?:/>|>[^<]*(?:<(?!/" + p + rb"c>)[^<]*)*</" + p + rb"c>)"
        self.own_re = re.compile(rb"<" + p + rb'c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?([^>]*?)' + body)
        self.cell_full = re.compile(rb"<" + p + rb"c\b([^>]*?)" + body)
        # what follows a cell's start up to its style (r="" first, then s="") in a cell exactly as we write
        # it: a value or an inline string, no formula. Removed from a row's tail of such cells
        # (`strip_own`), it leaves their starts (the tail's skeleton) and nothing else. The match takes the
        # quote before it and `strip_own` puts it back: a pattern that starts with a literal is looked for
        # fast (twice as fast as one that starts with the look-behind alone), and matches where that would.
        own_content = re.compile(
            rb'"(?<=\d")(?: t="\w+")?(?:/>|>(?:<' + p + rb"v>[^<]*</" + p + rb"v>|<" + p + rb"is><" + p
            + rb'(?:t|t xml:space="preserve")>[^<]*</' + p + rb"t></" + p + rb"is>)</" + p + rb"c>)")
        self.strip_own = functools.partial(own_content.sub, b'"')
        self.cell_end = b"</" + pfx + b"c>"
        self.cell_open = b"<" + pfx + b"c"
        self.cell_r = b'<%sc r="' % pfx
        self.row_open = b"<" + pfx + b"row"
        self.f_open = b"<" + pfx + b"f"
        self.sheetdata_end = b"</" + pfx + b"sheetData>"

    def _note_arrays(self, data: bytes) -> None:
        """Remember array / data-table formula ranges: their non-anchor cells hold values but belong to
        the formula. The anchor comes first in document order, so its range is known before its cells. Rows
        with no "ref" in them at all have no such range (nor a shared formula's): one look through them, not a
        look for each kind (0.06 s of a 100k-line refresh's writing, refreshing again)."""
        if data.find(b"ref") < 0:
            return
        for needle in (b't="array"', b't="dataTable"'):
            i = data.find(needle)
            while i >= 0:
                start = data.rfind(b"<", 0, i)
                stop = data.find(b">", i)
                ref = tag_attrs(data[start:stop]).get(b"ref")
                if ref:
                    try:
                        self.arrays.append(parse_range(ref.decode()))
                    except ValueError:
                        pass
                i = data.find(needle, i + 1)

    def _in_array(self, row: int, col: int) -> bool:
        return any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in self.arrays)

    def _default_style(self, row_attrs: bytes | None, col: int) -> bytes | None:
        """The style Excel gives a new cell: the row's (customFormat) first, then the column's."""
        if row_attrs and b"customFormat" in row_attrs:
            a = tag_attrs(row_attrs)
            if a.get(b"customFormat") in (b"1", b"true") and b"s" in a:
                return a[b"s"]
        try:
            return self.col_style_cache[col]
        except KeyError:
            style = next((st for lo, hi, st in self.col_styles if lo <= col <= hi), None)
            self.col_style_cache[col] = style
            return style

    def _own_style(self, row: int, col: int, row_attrs: bytes | None, had: bytes | None = None,
                   new: bool = True) -> bytes | None:
        """The style of our cell at (row, col): the look's when it has one; else the one the cell `had`,
        or for a `new` cell the one Excel gives it (`_default_style`)."""
        if self.look is not None:
            style = self.look.style(row, col)
            if style is not None:
                return style
        return self._default_style(row_attrs, col) if new else had

    def _keeps(self, v: Value, row: int, col: int) -> bool:
        """Whether blank value `v` still makes a cell at (row, col): `cells.EMPTY` where the look's format
        has borders — an empty cell in it, so a line keeps its borders where it has no figure (a shipped
        line has no days to due)."""
        look = self.look
        return v.value is EMPTY and look is not None and row > look.header_row and col in look.blanks

    def _style_attr(self, kind: int, style: bytes | None) -> bytes:
        """The s="" a cell of `kind` gets in a cell styled `style`: a date keeps a date style, else ours."""
        if kind == DATE or kind == DATETIME:
            if style is None or not self.styles.is_date_xf(int(style)):
                date_xf = self.date_xfs[kind]
                if date_xf is not None:
                    style = b"%d" % date_xf
        return b' s="%s"' % style if style is not None and style != b"0" else b""

    def _cell_xml(self, row: int, col: int, cell: Value, style: bytes | None) -> bytes:
        kind = cell.kind
        s = self._style_attr(kind, style)
        p = self.pfx
        if kind == CLEAR:
            return b'<%sc r="%s%d"%s/>' % (p, col_bytes(col), row, s)
        self.result.written += 1
        inner = cell.inner if cell.inner is not None else text_inner(cell.value, self.by_row.pfx)
        return b'<%sc r="%s%d"%s%s>%s</%sc>' % (p, col_bytes(col), row, s, TATTR.get(kind, b""), inner, p)

    def _new_cells(self, rownum: int, cells: list[tuple[int, Value]], row_attrs: bytes | None) -> bytes:
        """The XML of new cells (no cell there yet) for one row. Hot path: a million rows × a few columns,
        so each (column, value, style) is turned into bytes once and only the row number varies."""
        parts: list[bytes] = []
        row = b"%d" % rownum
        templates = self.templates
        styled = bool(self.col_styles) or self.look is not None or (row_attrs is not None
                                                                     and b"customFormat" in row_attrs)
        for col, v in cells:
            if v.kind == CLEAR and not self._keeps(v, rownum, col):
                continue
            style = self._own_style(rownum, col, row_attrs) if styled else None
            t = templates.get((col, v, style)) or self._template(col, v, style)
            parts += (t[0], row, t[1])
        self.result.written += len(parts) // 3
        return b"".join(parts)

    def _template(self, col: int, v: Value, style: bytes | None) -> tuple[bytes, bytes]:
        """A cell's XML split around its row number: (b'<c r="V', b'" s="3" t="inlineStr">…</c>')."""
        t = self.templates[(col, v, style)] = self._split_cell(col, v, style)
        return t

    def _split_cell(self, col: int, v: Value, style: bytes | None) -> tuple[bytes, bytes]:
        xml = self._cell_xml(0, col, v, style)
        if v.kind != CLEAR:
            self.result.written -= 1  # the callers count what they write
        cut = xml.index(b'0"')
        if self.checks is not None:
            self.checks.check(xml[:cut] + b"1" + xml[cut + 1:], v)
        return xml[:cut], xml[cut + 1:]

    def _widen_spans(self, attrs: bytes, rownum: int, wanted: list[tuple[int, Value]]) -> bytes:
        # spans="1:21" is an optimisation hint; keep it true for the columns we add (it counts from 1)
        return widen_spans(attrs, [c + 1 for c, v in wanted if v.kind != CLEAR or self._keeps(v, rownum, c)])


def widen_spans(attrs: bytes, cols: list[int]) -> bytes:
    """A row's start-tag attributes with its spans="" (if any) covering `cols` too (1-based: spans' count)."""
    m = re.search(rb'\sspans="([^"]*)"', attrs)
    if not m:
        return attrs
    nums = [int(x) for x in re.findall(rb"\d+", m.group(1))]
    if not nums or not cols:
        return attrs
    lo, hi = min(nums + cols), max(nums + cols)
    return attrs[:m.start()] + b' spans="%d:%d"' % (lo, hi) + attrs[m.end():]
