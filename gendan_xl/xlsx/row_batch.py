"""The sheet patcher's fast path: rows that get exactly the whole-column blocks' values.

Their new cells are made a few thousand rows at a time, in C loops (`RowBatch._batch_cells`), and spliced
in whole: on a first run right of the row's last cell, on later runs over the cells we wrote last time,
when those are exactly as we wrote them. Any other row goes to `row_merge.RowMerge`, cell by cell.
"""
from __future__ import annotations

import operator
import re
from itertools import chain

from gendan_xl.xlsx.cells import CLEAR, STR, Value, text_inner
from gendan_xl.cellrefs import col_bytes, col_index
from gendan_xl.xlsx.row_cells import CellFormats, CellWriter

_BATCH_ROWS = 2048
_COUNT_EMPTY = operator.methodcaller("count", b"")
_COL_AT = re.compile(rb"([A-Z]{1,3})\d")  # the column of an r="" value, at its start


class RowBatch(CellWriter):
    """Rows that get exactly the blocks' values, spliced in batches (see the module docstring)."""

    def _splice_run(self, data: bytes, start: int = 0) -> bytes | None:
        """A first run's whole run of rows at once, when every row in it is plain: its start tag has its
        r="" first (no spans, no row style, not empty-closed), the rows are the next targets one after the
        other, and each gets exactly the blocks' values (no explicit cell, not the look's header). Then each
        row's new cells go before its end tag, all in C loops: the same bytes `_append_row` writes row by
        row. None, with nothing changed but the current batch, when any row needs more. Only the rows from
        `start` on (those before are written already)."""
        head = self.plain_row_re.search(data, start)  # Excel writes spans="" on every row: seen on the first,
        if head is None or b"spans" in head.group(2) or b"customFormat" in head.group(2):  # no run is plain
            return None
        tags = self.plain_row_re.findall(data, start)
        k = len(tags)
        if not k or data.count(self.row_open, start) != k or data.count(self.row_end, start) != k:
            return None
        first, last = int(tags[0][0]), int(tags[-1][0])
        rows, targets, ti = self.by_row, self.targets, self.ti
        if (first <= self.last_row or last - first != k - 1 or ti + k > len(targets) or targets[ti] != first
                or targets[ti + k - 1] != last or not rows.lo <= first or last >= rows.hi
                or (self.look is not None and first <= self.look.header_row)):
            return None
        attrs = b"".join(a for _, a in tags)
        if b"spans" in attrs or b"customFormat" in attrs or (rows.explicit and any(
                r in rows.explicit for r in range(first, last + 1))):
            return None
        if list(map(int, (n for n, _ in tags))) != list(range(first, last + 1)):
            return None  # (not in order: the row scanner says where)
        bodies: list[bytes] = []
        empty = 0
        r = first
        while r <= last:
            i = r - self.batch_start
            if not 0 <= i < len(self.batch_xml):
                self._fill_batch(r)
                i = 0
            take = min(last + 1 - r, len(self.batch_xml) - i)
            bodies += self.batch_xml[i:i + take]
            empty += sum(self.batch_empty[i:i + take])
            r += take
        self.result.written += len(rows.cols) * k - empty
        self.ti, self.last_row = ti + k, last
        # each row up to its end tag, then its new cells and the end tag: only the run's bytes are copied
        row_end = self.row_end
        pieces = (data[start:] if start else data).split(row_end)
        ends = [body + row_end for body in bodies]
        return b"".join([*chain.from_iterable(zip(pieces, ends)), pieces[-1]])

    def _append_row(self, out: list[bytes], data: bytes, pos: int, m: re.Match[bytes], stop: int, rownum: int,
                    has_r: bool) -> int:
        """The fast path for a row (`m` its start tag, its cells up to `stop`) that gets exactly the blocks'
        values, with no row style or <extLst> to mind: on a first run our columns are right of its last
        cell; on later ones they end the row as we wrote them (`_own_cells_at`) and are replaced whole.
        Puts the row up to its end tag with the new cells in `out` and returns where the copying goes on;
        -1 leaves the row to `_patch_row` (same output, cell by cell)."""
        i = rownum - self.batch_start
        if not 0 <= i < len(self.batch_xml) or rownum in self.by_row.explicit:
            i = self._block_index(rownum)
            if i < 0:
                return -1
        attrs = m.group(1)
        if b"customFormat" in attrs:
            return -1
        start = cut = m.end()
        xml = self.batch_xml[i]
        if stop > start and self.open_right:  # (else: no cell of ours nor right of ours in this run of rows)
            cut = stop
        elif stop > start:
            if data.find(b"extLst", start, stop) >= 0:
                return -1
            # a re-run: the row holds the first of the new cells already
            j = data.find(xml[:xml.index(b'"', len(self.cell_r)) + 1], start, stop) if xml else -1
            if j >= 0:
                cut = self._own_cells_at(data, start, j, stop, i)
            elif (last := self._last_col(data, start, stop)) is not None and last < self.by_row.cols[0]:
                cut = stop
            else:
                return -1
            if cut < 0:
                return -1
        self.result.written += len(self.by_row.cols) - self.batch_empty[i]
        if has_r and not m.group(3) and b"spans" not in attrs:
            out += (data[pos:cut], xml)  # the row's bytes up to where our cells go; </row> starts the next piece
            return stop
        if not has_r:
            attrs = b' r="%d"' % rownum + attrs
        if b"spans" in attrs:
            values = self.by_row.block_row(rownum)
            assert values is not None  # a row of the blocks (the fast path's condition): it gets their values
            attrs = self._widen_spans(attrs, rownum, list(zip(self.by_row.cols, values)))
        out += (data[pos:m.start()], self.row_open, attrs, b">", data[start:cut], xml)
        if m.group(3):
            out.append(self.row_end)
            return m.end()
        return stop

    def _last_col(self, data: bytes, start: int, stop: int) -> int | None:
        """The column of the last cell in data[start:stop] (by its r=""), -1 when there is no cell, None
        when that cannot be told this cheaply (a cell without r="" or with r="" not first)."""
        k = data.rfind(self.cell_r, start, stop)
        n = len(self.cell_open)
        other = data.find(self.cell_open, k + n if k >= 0 else start, stop)
        while other >= 0:  # another cell after it? (a rich text run's <color> also starts with "<c")
            if data[other + n:other + n + 1] in b" \t\r\n>/":
                return None
            other = data.find(self.cell_open, other + n, stop)
        if k < 0:
            return -1
        c = _COL_AT.match(data, k + len(self.cell_r))
        return col_index(c.group(1)) if c else None

    def _own_cells_at(self, data: bytes, start: int, j: int, stop: int, i: int) -> int:
        """A re-run, the first new cell's column found at `j`: `j` when replacing the row's tail from there
        whole with the new cells is what `_rewrite_own` would write: every cell there is one of ours in the
        form we write (a value or an inline string, no formula), left of it none of ours, and the tail has
        the same cells with the same styles as the new ones (a value that is cleared now, or a date that
        became text in a date-styled cell, goes the long way). -1 otherwise."""
        if self.arrays or self.own_tail.fullmatch(data, j, stop) is None:
            return -1
        last = self._last_col(data, start, j)
        if last is None or last >= self.by_row.cols[0]:
            return -1
        if self.batch_skeleton is None:
            self.batch_skeleton = self._batch_cells(self.skeleton_formats, self.batch_start, len(self.batch_xml))[0]
        if b"".join(self.skeleton_re.findall(data, j, stop)) != self.batch_skeleton[i]:
            return -1
        return j

    def _block_index(self, rownum: int) -> int:
        """Where `rownum`'s new cells are in the current batch (made now if needed); -1 when the row gets
        anything but exactly the blocks' values."""
        rows = self.by_row
        if not rows.lo <= rownum < rows.hi or rownum in rows.explicit:
            return -1
        if self.look is not None and rownum <= self.look.header_row:  # the header has a look of its own
            return -1
        i = rownum - self.batch_start
        if not 0 <= i < len(self.batch_xml):
            self._fill_batch(rownum)
            i = 0
        return i

    def _fill_batch(self, first_row: int) -> None:
        """The blocks' new cells for the next few thousand rows."""
        if self.cell_formats is None:  # the column styles are known once the head is read
            below = self.look.header_row + 1 if self.look is not None else 0  # the batches are lines
            styles = [self._own_style(below, col, None) for col in self.by_row.cols]
            self.cell_formats = [CellFormats(self._cell_format, c, st) for c, st in zip(self.by_row.cols, styles)]
            self.skeleton_formats = [CellFormats(self._skeleton_format, c, st)
                                     for c, st in zip(self.by_row.cols, styles)]
        stop = min(first_row + _BATCH_ROWS, self.by_row.hi)
        self.batch_xml, self.batch_empty = self._batch_cells(self.cell_formats, first_row, stop - first_row)
        self.batch_skeleton = None  # made when a re-run needs it
        self.batch_start = first_row

    def _batch_cells(self, formats: list[CellFormats], first_row: int, n: int) -> tuple[list[bytes], list[int]]:
        """Per row of first_row … +n: the blocks' cells joined, and how many values make no cell. All in C
        loops: per column, its values mapped to their formats, each filled in with its row number."""
        numbers = list(map(b"%d".__mod__, range(first_row, first_row + n)))
        cells = [list(map(bytes.__mod__, map(f.__getitem__, values[first_row - first:first_row - first + n]), numbers))
                 for f, (first, values) in zip(formats, self.by_row.offsets)]
        per_row = list(zip(*cells))
        return list(map(b"".join, per_row)), list(map(_COUNT_EMPTY, per_row))

    def _cell_format(self, col: int, v: Value, style: bytes | None) -> bytes:
        """A cell's XML with %s where its row number goes (b"%.0s", no cell at all, for a cleared value
        unless the look keeps an empty cell there: `_keeps`)."""
        if v.kind == CLEAR and not self._keeps(v, self.look.header_row + 1 if self.look else 0, col):
            return b"%.0s"
        if v.kind == STR:  # the same as _cell_xml, without its detours: reason texts are a million distinct values
            inner = text_inner(v.value, self.by_row.pfx)
            xml = b'%s%s%%s"%s t="inlineStr">%s</%sc>' % (self.cell_r, col_bytes(col), self._style_attr(STR, style),
                                                          inner.replace(b"%", b"%%"), self.pfx)
            if self.checks is not None:
                self.checks.check(xml.replace(b"%s", b"1", 1).replace(b"%%", b"%"), v)
            return xml
        pre, post = self._split_cell(col, v, style)
        return pre.replace(b"%", b"%%") + b"%s" + post.replace(b"%", b"%%")

    def _skeleton_format(self, col: int, v: Value, style: bytes | None) -> bytes:
        """A cell's start up to its style, as `skeleton_re` finds it: b'<c r="V%s" s="5"'."""
        if v.kind == CLEAR and not self._keeps(v, self.look.header_row + 1 if self.look else 0, col):
            return b"%.0s"
        return b'%s%s%%s"%s' % (self.cell_r, col_bytes(col), self._style_attr(v.kind, style))
