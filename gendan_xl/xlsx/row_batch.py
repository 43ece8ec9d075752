"""The sheet patcher's fast path: rows that get exactly the whole-column blocks' values.

Their new cells are made for a whole run of rows at once, in C loops (per column its values' cell formats,
the new texts among them together: `_text_formats`; per row those joined and filled with its number:
`_filled`), and spliced in whole (`RowBatch._splice`): on
a first run right of the row's last cell, on later runs over the cells we wrote last time, when those are
exactly as we wrote them. A row that is not that plain is taken alone (`_append_row`, the same bytes);
any other row goes to `row_merge.RowMerge`, cell by cell.
"""
from __future__ import annotations

import operator
import re
from itertools import chain, compress, repeat
from typing import Any, Iterable

from gendan_xl.xlsx.cells import CLEAR, STR, Value, plain_texts, text_inner
from gendan_xl.cellrefs import col_bytes, col_index
from gendan_xl.xlsx.row_cells import CellFormats, CellWriter, widen_spans

_BATCH_ROWS = 2048
_REALIGN = 16  # rows found elsewhere than counted, in one run of rows, before the rest goes row by row
_NO_CELL = b"%.0s"  # the format of a value that makes no cell: takes the row number, writes nothing
_COUNT_NO_CELL = operator.methodcaller("count", _NO_CELL)
_COL_AT = re.compile(rb"([A-Z]{1,3})\d")  # the column of an r="" value, at its start


class RowBatch(CellWriter):
    """Rows that get exactly the blocks' values, spliced in batches (see the module docstring)."""

    def _splice(self, data: bytes, depth: int = 0) -> bytes:
        """A run of rows (whole rows), the plain ones of the blocks spliced all at once, any other row by
        row (`_each_row`). A plain row has the start tag `<row r="N">` (or with more attributes, no row style: its
        spans="" widened as `_append_row` widens it), its number
        the one after the row before it, and exactly the blocks' values; its cells are the row's own, left
        of ours, then either none of ours (a first run: the new cells go before the end tag) or ours as we
        write them with the starts the new ones have (a later run: replaced whole). What `_append_row`
        would write row by row, in C loops over the run's rows: no per-row regex, no pass over the run per
        condition."""
        row_end = self.row_end
        pieces = data.split(row_end)  # each row up to its end tag; the last piece is what follows them
        n = len(pieces) - 1
        rows = self.by_row
        m = self.plain_row_re.match(pieces[0]) if n and rows.cols else None
        if m is None:
            return self._each_row(data)
        r0 = int(m.group(1))
        if depth == 0 and n > 1 and _number(self.plain_row_re, pieces[n - 1]) != r0 + n - 1:
            # rows missing (Excel writes no empty row): each run of rows numbered one after the other alone
            nums = [_number(self.plain_row_re, p) for p in pieces[:n]]
            cuts = [i for i in range(1, n) if nums[i] < 0 or nums[i] != nums[i - 1] + 1]
            bounds = [0, *cuts, n]
            runs = [row_end.join(pieces[i:j]) + row_end for i, j in zip(bounds, bounds[1:])]
            runs[-1] += pieces[n]
            return b"".join([self._splice(run, 1) for run in runs])
        head = max(max(rows.explicit, default=0), self.look.header_row if self.look is not None else 0)
        a, b = max(rows.lo, r0, head + 1, self.last_row + 1), min(rows.hi, r0 + n)
        if a >= b:
            return self._each_row(data)
        ps = pieces[a - r0:b - r0]
        formats = self._column_formats(self._formats(), a, b - a)
        xmls = _filled(formats, range(a, b))
        # where our cells start: where the new ones would end the row (a re-run, nothing changed), else (a
        # first run) at the row's end, else at the first new cell's start; the last cell left of that. No
        # cell of the run in our first column (a first run): only a row whose new cells have none there may
        # end with them
        no_first_col = data.find(self.cell_r + col_bytes(rows.cols[0])) < 0
        # (then the rows whose new cells have one in that column cannot hold ours: only the others are asked)
        not_there = list(compress(range(len(ps)), map(_NO_CELL.__eq__, formats[0]))) if no_first_col else []
        if no_first_col:
            same = [False] * len(ps)
            for i in not_there:
                same[i] = ps[i].endswith(xmls[i])
        else:
            same = list(map(bytes.endswith, ps, xmls))
        rerun = any(same)
        if rerun:
            ends = [len(p) - len(x) if s else len(p) for p, x, s in zip(ps, xmls, same)]
            js = [len(p) - len(x) if s else -1 for p, x, s in zip(ps, xmls, same)]
        else:  # (a first run)
            ends, js = list(map(len, ps)), [-1] * len(ps)
        cr, cell_r = len(self.cell_r), self.cell_r
        ks = list(map(bytes.rfind, ps, repeat(cell_r), repeat(0), ends))
        left = _LeftOf(rows.cols[0])
        lefts = list(map(left.__getitem__, map(operator.getitem, ps, map(slice, map(operator.add, ks, repeat(cr)),
                                                                          map(operator.add, ks, repeat(cr + 4))))))
        # a re-run, something changed: our cells from the first new cell's start. Looked for too in a row
        # whose last cell is left of ours (cells out of column order), as `_append_row` looks for it first;
        # on a first run every row is such a row, and the first new cell nearly always in our first column:
        # when no cell of the run is in that column, only the rows whose first new cell is elsewhere
        rows_at: Iterable[int] = not_there if no_first_col else range(len(ps))
        for i in [i for i in rows_at if ks[i] >= 0 and not same[i] and xmls[i]]:
            p, x = ps[i], xmls[i]
            j = p.find(self._first_cell_head(x))
            if j >= 0:
                js[i] = ends[i] = j
                ks[i] = k = p.rfind(cell_r, 0, j)
                lefts[i] = left[p[k + cr:k + cr + 4]]
        # the row's start tag: <row r="N"> or, as Excel writes every row, with more attributes (spans="",
        # x14ac:dyDescent, ht="") and no row style (customFormat: those rows go the long way)
        prefix = b"<" + self.pfx + b'row r="%d"'
        heads = list(map(bytes.startswith, ps, map((prefix + b">").__mod__, range(a, b))))
        prefixes: list[bytes] = []
        gts: list[int] = []
        attrs: list[Any] = []  # (every row's start tag is <row r="N">: none has an attribute more)
        if not all(heads):
            prefixes = list(map(prefix.__mod__, range(a, b)))
            gts = list(map(bytes.find, ps, repeat(b">")))
            attrs = list(map(operator.getitem, ps, map(slice, map(len, prefixes), gts)))
            heads = list(map(operator.and_, map(bytes.startswith, ps, prefixes), map(_Attrs().__getitem__, attrs)))
        # what is left of our cells is the row's start tag as expected, its last cell left of ours and
        # ending where ours start (nothing after it: no cell without r="", no <extLst>)
        k1 = list(map(operator.add, ks, repeat(1)))
        ok = list(map(all, zip(
            heads, lefts,
            map(operator.gt, ks, repeat(-1)), map(operator.lt, map(bytes.find, ps, repeat(self.cell_open), k1, ends),
                                                  repeat(0)),
            map(bytes.endswith, ps, repeat(self.cell_end), repeat(0), ends))))
        for i in list(compress(range(len(ok)), map(operator.not_, ok))):  # no cell, or the last one empty: <c …/>
            p, k, e = ps[i], ks[i], ends[i]
            ok[i] = heads[i] and (e == p.find(b">") + 1 if k < 0 else lefts[i] and p.find(b"<", k + 1, e) < 0
                                  and p.endswith(b"/>", 0, e))
        if self.arrays:  # a cell of ours may lie in an array formula's range: those rows the long way
            ok = [o and e == len(p) for o, p, e in zip(ok, ps, ends)]
        pre = list(ps)  # each row up to where our cells go
        if max(js) >= 0:  # (not a first run) rows whose cells of ours start at js[i]
            changed = [i for i, (j, s, o) in enumerate(zip(js, same, ok)) if j >= 0 and o and not s]
            if changed:
                self._check_tails(ps, js, ok, changed, a)
            pre = [p if j < 0 or s else p[:j] for p, j, s in zip(ps, js, same)]
        out = [self._each_row(row_end.join(pieces[:a - r0]) + row_end)] if a > r0 else []
        if any(attrs):  # a spans="" made to cover the cells of ours the row gets, as `_append_row` makes it
            widened = _Widened([c + 1 for c in rows.cols])
            news = list(map(widened.__getitem__, zip(attrs, zip(*[list(map(_NO_CELL.__ne__, f)) for f in formats]))))
            for i in [i for i, (at, o) in enumerate(zip(attrs, ok)) if o and b"spans" in at]:
                pre[i] = prefixes[i] + news[i] + pre[i][gts[i]:]
        made, xmls = xmls, [b"" if s else x for x, s in zip(xmls, same)] if rerun else xmls
        targets, k, i = self.targets, len(formats), 0
        while i < len(ps):
            stop = _next(ok, not ok[i], i)
            if ok[i] and self.ti < len(targets) and targets[self.ti] == a + i:
                out.append(b"".join(chain.from_iterable(zip(pre[i:stop], xmls[i:stop], repeat(row_end)))))
                self.result.written += k * (stop - i) - sum(c[i:stop].count(_NO_CELL) for c in formats)
                self.ti += stop - i
                self.last_row = a + stop - 1
            else:
                stop = i + 1
                missing = targets[self.ti] if self.ti < len(targets) else a + i  # a row missing before it?
                self._batch_to(max(missing, rows.lo, head + 1), a + i, made[i], [c[i] for c in formats])
                out.append(self._each_row(ps[i] + row_end))
                if stop < len(ps) and not ok[stop] and not ps[stop].startswith(b'<%srow r="%d"' % (self.pfx, a + stop)):
                    # a row missing, or one without an end tag (<row …/>): rows are no longer where counted
                    rest = row_end.join(pieces[a - r0 + stop:])
                    out.append(self._splice(rest, depth + 1) if depth < _REALIGN else self._each_row(rest))
                    return b"".join(out)
            i = stop
        out.append(self._each_row(row_end.join(pieces[b - r0:])))
        return b"".join(out)

    def _check_tails(self, ps: list[bytes], js: list[int], ok: list[bool], changed: list[int], a: int) -> None:
        """Rows whose cells of ours (from js[i]) differ from the new ones stay `ok` only when those are
        cells as we write them, with the new cells' starts (so each keeps its style as `_rewrite_own`
        would). All such rows in one regex pass, the rows' leftovers told apart by a NUL (which no XML
        holds)."""
        formats = [sf.column(list(map(values.__getitem__, map(operator.add, changed, repeat(a - first)))))
                   for sf, (first, values) in zip(self.skeleton_formats, self.by_row.offsets)]
        skeletons = _filled(formats, [a + i for i in changed])
        left = self.strip_own(b"\0".join([ps[i][js[i]:] for i in changed])).split(b"\0")
        if len(left) != len(changed):  # a tail that is no cells ran into the next: all the long way
            left = [b"\0"] * len(changed)
        for i, leftover, skeleton in zip(changed, left, skeletons):
            if leftover != skeleton:
                ok[i] = False

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
        if stop > start:
            if data.find(b"extLst", start, stop) >= 0:
                return -1
            # a re-run: the row holds the first of the new cells already
            j = data.find(self._first_cell_head(xml), start, stop) if xml else -1
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

    def _first_cell_head(self, xml: bytes) -> bytes:
        """The start of the first of a row's new cells up to its reference (b'<c r="T12"'): what a re-run
        looks for in the row, the splice and `_append_row` alike."""
        return xml[:xml.index(b'"', len(self.cell_r)) + 1]

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
        if self.arrays:
            return -1
        last = self._last_col(data, start, j)
        if last is None or last >= self.by_row.cols[0]:
            return -1
        if self.batch_skeleton is None:
            n = len(self.batch_xml)
            self.batch_skeleton = _filled(self._column_formats(self.skeleton_formats, self.batch_start, n),
                                          range(self.batch_start, self.batch_start + n))
        if self.strip_own(data[j:stop]) != self.batch_skeleton[i]:
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

    def _formats(self) -> list[CellFormats]:
        """Per block column, its values' cell formats (made once the head is read: the column styles)."""
        if self.cell_formats is None:
            below = self.look.header_row + 1 if self.look is not None else 0  # the batches are lines
            styles = [self._own_style(below, col, None) for col in self.by_row.cols]
            self.cell_formats = [CellFormats(self._cell_format, c, st, self._text_formats)
                                 for c, st in zip(self.by_row.cols, styles)]
            self.skeleton_formats = [CellFormats(self._skeleton_format, c, st, self._text_skeletons)
                                     for c, st in zip(self.by_row.cols, styles)]
        return self.cell_formats

    def _fill_batch(self, first_row: int) -> None:
        """The blocks' new cells for the next few thousand rows (for rows taken one by one)."""
        stop = min(first_row + _BATCH_ROWS, self.by_row.hi)
        formats = self._column_formats(self._formats(), first_row, stop - first_row)
        self.batch_xml = _filled(formats, range(first_row, stop))
        self.batch_empty = list(map(_COUNT_NO_CELL, zip(*formats)))
        self.batch_skeleton = None  # made when a re-run needs it
        self.batch_start = first_row

    def _batch_to(self, first: int, rownum: int, xml: bytes, formats: list[bytes]) -> None:
        """The batch `_append_row` and `_new_row` take new cells from, made of the row the splice hands to
        the row-by-row path (its cells `xml` and `formats`, made already) and the rows missing before it
        from `first` on (Excel leaves out empty rows; they are inserted), unless the batch holds them
        already. `_block_index` would make the next 2,048 rows' cells, and their skeletons on a re-run, for
        such a row alone: 765 rows of 100k refreshing again (each a new day's cleared figure) and the 1,000
        rows missing from o100k-gaps cost 0.3-0.6 s that way."""
        if self.batch_start <= first and rownum < self.batch_start + len(self.batch_xml):
            return
        xmls, empty = [xml], [formats.count(_NO_CELL)]
        if first < rownum:
            before = self._column_formats(self._formats(), first, rownum - first)
            xmls, empty = _filled(before, range(first, rownum)) + xmls, list(map(_COUNT_NO_CELL, zip(*before))) + empty
        else:
            first = rownum
        self.batch_start, self.batch_xml, self.batch_empty, self.batch_skeleton = first, xmls, empty, None

    def _column_formats(self, formats: list[CellFormats], first_row: int, n: int) -> list[list[bytes]]:
        """Per block column, the formats of its values in rows first_row … +n (a C loop each)."""
        return [f.column(values[first_row - first:first_row - first + n])
                for f, (first, values) in zip(formats, self.by_row.offsets)]

    def _cell_format(self, col: int, v: Value, style: bytes | None) -> bytes:
        """A cell's XML with %s where its row number goes (b"%.0s", no cell at all, for a cleared value
        unless the look keeps an empty cell there: `_keeps`)."""
        if v.kind == CLEAR and not self._keeps(v, self.look.header_row + 1 if self.look else 0, col):
            return _NO_CELL
        if v.kind == STR:  # the same as _cell_xml, without its detours: reason texts are a million distinct values
            inner = text_inner(v.value, self.by_row.pfx)
            xml = b'%s%s%%s"%s t="inlineStr">%s</%sc>' % (self.cell_r, col_bytes(col), self._style_attr(STR, style),
                                                          inner.replace(b"%", b"%%"), self.pfx)
            if self.checks is not None:
                self.checks.check(xml.replace(b"%s", b"1", 1).replace(b"%%", b"%"), v)
            return xml
        pre, post = self._split_cell(col, v, style)
        return pre.replace(b"%", b"%%") + b"%s" + post.replace(b"%", b"%%")

    def _text_formats(self, col: int, values: list[Value], style: bytes | None) -> list[bytes]:
        """`_cell_format` of many texts (`values`) at once: those `inline_string` writes as they stand
        (`plain_texts`: nearly all reasons) encoded as one string and each put in the one format of their
        column and style, then checked together (`Templates.check_texts`; one of them read back whole too);
        any other text alone."""
        texts = [v.value for v in values]
        plain = plain_texts(texts)
        easy = [t for t, p in zip(texts, plain) if p]
        if not easy:
            return [self._cell_format(col, v, style) for v in values]
        q = self.by_row.pfx
        frame = (self.cell_r + col_bytes(col) + b'%%s"' + self._style_attr(STR, style) + b' t="inlineStr"><' + q
                 + b"is><" + q + b"t>%s</" + q + b"t></" + q + b"is></" + self.pfx + b"c>")
        cells = list(map(frame.__mod__, "\n".join(easy).encode().replace(b"%", b"%%").split(b"\n")))
        if self.checks is not None:
            self.checks.check_texts(b"\n".join(cells) % ((b"1",) * len(cells)), easy)
            first = next(v for v, p in zip(values, plain) if p)
            self.checks.check(cells[0].replace(b"%s", b"1", 1).replace(b"%%", b"%"), first)
        left = iter(cells)
        return [next(left) if p else self._cell_format(col, v, style) for v, p in zip(values, plain)]

    def _text_skeletons(self, col: int, values: list[Value], style: bytes | None) -> list[bytes]:
        """`_skeleton_format` of many texts: the same for every text of a column and style."""
        return [self._skeleton_format(col, values[0], style)] * len(values)

    def _skeleton_format(self, col: int, v: Value, style: bytes | None) -> bytes:
        """A cell's start up to its style, what `strip_own` leaves of it: b'<c r="V%s" s="5"'."""
        if v.kind == CLEAR and not self._keeps(v, self.look.header_row + 1 if self.look else 0, col):
            return _NO_CELL
        return b'%s%s%%s"%s' % (self.cell_r, col_bytes(col), self._style_attr(v.kind, style))


def _filled(formats: list[list[bytes]], rows: Iterable[int]) -> list[bytes]:
    """Per row of `rows`, its cells: the columns' formats (`formats`, per column one a row) joined, every %s
    the row number (one format operation per row)."""
    numbers = list(map(b"%d".__mod__, rows))
    return list(map(bytes.__mod__, map(b"".join, zip(*formats)), zip(*[numbers] * len(formats))))


def _number(plain_row: re.Pattern[bytes], piece: bytes) -> int:
    """The number of the row a piece of a run starts with (its start tag plain: r="" first), else -1."""
    m = plain_row.match(piece)
    return int(m.group(1)) if m else -1


def _next(seq: list[bool], value: bool, start: int) -> int:
    """The first index from `start` where `seq` holds `value`; its length when none does."""
    try:
        return seq.index(value, start)
    except ValueError:
        return len(seq)


class _Attrs(dict):
    """A row start tag's attributes after r="N" (b' spans="1:21" x14ac:dyDescent="0.25"') -> whether the
    splice may take the row: none, or attributes that are no row style and plainly end at the first ">"."""

    def __missing__(self, attrs: bytes) -> bool:
        ok = self[attrs] = not attrs or (attrs[:1] in (b" ", b"\t", b"\r", b"\n") and b"customFormat" not in attrs
                                         and b"/" not in attrs and b"<" not in attrs and attrs.count(b'"') % 2 == 0)
        return ok


class _Widened(dict):
    """(a row's attributes, which of our columns get a cell) -> the attributes with spans="" covering them."""

    def __init__(self, cols: list[int]):
        super().__init__()
        self.cols = cols

    def __missing__(self, key: tuple[bytes, tuple[bool, ...]]) -> bytes:
        attrs, present = key
        new = self[key] = widen_spans(attrs, [c for c, p in zip(self.cols, present) if p])
        return new


class _LeftOf(dict):
    """The first bytes of a cell reference after `<c r="` (b'T12"') -> whether its column is left of
    `col`; worked out once per distinct head."""

    def __init__(self, col: int):
        super().__init__()
        self.col = col

    def __missing__(self, head: bytes) -> bool:
        m = _COL_AT.match(head)
        left = self[head] = m is not None and col_index(m.group(1)) < self.col
        return left
