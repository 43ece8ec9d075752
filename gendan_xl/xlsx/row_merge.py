"""The sheet patcher's general path: our cells merged into a row that has cells of its own.

A row whose cells we wrote last time, as we wrote them, is rewritten in one pass (`_rewrite_own`); any
other row is split at our first column and merged cell by cell. A formula cell, or one inside an array
formula's range, is never written: it is kept and reported in `PatchResult.skipped`.
"""
from __future__ import annotations

import re

from gendan_xl.xlsx.cells import CLEAR, Value
from gendan_xl.cellrefs import col_bytes, col_index
from gendan_xl.xlsx.row_cells import CellWriter

_S_ATTR = re.compile(rb'\ss="(\d+)"')
_R_CELL = re.compile(rb'(?:^|\s)r="\$?([A-Za-z]{1,3})\$?\d+"')


def _has_r(attrs: bytes) -> bool:
    return _R_CELL.search(attrs) is not None


class RowMerge(CellWriter):
    """Rows that have cells of their own where ours go (see the module docstring)."""

    def _patch_row(self, rownum: int, attrs: bytes, has_r: bool, content: bytes) -> bytes:
        wanted = self.by_row.get(rownum)
        if not wanted:
            return b"<%srow%s>%s</%srow>" % (self.pfx, attrs if has_r else b' r="%d"' % rownum + attrs, content,
                                              self.pfx)
        suffix = b""
        ext = content.find(b"extLst")
        if ext >= 0:  # a row's <extLst> follows its cells: keep it last
            ext = content.rfind(b"<", 0, ext)
            content, suffix = content[:ext], content[ext:]
        again = self._rewrite_own(rownum, attrs, has_r, content, suffix, wanted)
        if again is not None:
            return again
        split, existing = self._cells_from(content, wanted[0][0], rownum)
        if not existing:  # the usual first run: our columns are new, right of every cell
            new = self._new_cells(rownum, wanted, attrs)
            if not has_r:
                attrs = b' r="%d"' % rownum + attrs
            if b"spans" in attrs:
                attrs = self._widen_spans(attrs, rownum, wanted)
            return b"<%srow%s>%s%s%s</%srow>" % (self.pfx, attrs, content, new, suffix, self.pfx)
        pieces = [content[:split]]
        i = j = 0
        while i < len(existing) or j < len(wanted):
            if j >= len(wanted) or (i < len(existing) and existing[i][0] < wanted[j][0]):
                col, xml, cattrs, has_cr = existing[i]
                if not has_cr:  # keep the column of a cell without r="" explicit now that cells move
                    xml = xml[:len(self.cell_open)] + b' r="%s%d"' % (col_bytes(col), rownum) \
                        + xml[len(self.cell_open):]
                pieces.append(xml)
                i += 1
            elif i >= len(existing) or wanted[j][0] < existing[i][0]:
                col, cell = wanted[j]
                if cell.kind != CLEAR or self._keeps(cell, rownum, col):
                    pieces.append(self._cell_xml(rownum, col, cell, self._own_style(rownum, col, attrs)))
                j += 1
            else:
                col, xml, cattrs, _ = existing[i]
                cell = wanted[j][1]
                ref = b"%s%d" % (col_bytes(col), rownum)
                f_at = xml.find(self.f_open)
                if f_at >= 0 and xml[f_at + len(self.f_open):f_at + len(self.f_open) + 1] in b" />\t\r\n":
                    self.result.skipped.append((ref.decode(), "formula-cell-kept"))
                    self.skipped_rc.add((rownum, col))
                    pieces.append(xml if _has_r(cattrs) else self._with_r(xml, ref))
                elif self.arrays and self._in_array(rownum, col):
                    self.result.skipped.append((ref.decode(), "array-formula-cell-kept"))
                    self.skipped_rc.add((rownum, col))
                    pieces.append(xml if _has_r(cattrs) else self._with_r(xml, ref))
                elif cell.kind == CLEAR:
                    self.result.cleared += 1
                    sm = _S_ATTR.search(cattrs)
                    style = sm.group(1) if sm else None
                    if self._keeps(cell, rownum, col):  # a line's blank figure: in the look's format
                        style = self._own_style(rownum, col, attrs, style, new=False)
                    pieces.append(self._cell_xml(rownum, col, cell, style))
                else:
                    sm = _S_ATTR.search(cattrs)
                    style = self._own_style(rownum, col, attrs, sm.group(1) if sm else None, new=False)
                    t = self.templates.get((col, cell, style)) or self._template(col, cell, style)
                    pieces += (t[0], b"%d" % rownum, t[1])
                    self.result.written += 1
                i += 1
                j += 1
        if not has_r:
            attrs = b' r="%d"' % rownum + attrs
        if b"spans" in attrs:
            attrs = self._widen_spans(attrs, rownum, wanted)
        return b"<%srow%s>%s%s</%srow>" % (self.pfx, attrs, b"".join(pieces), suffix, self.pfx)

    def _rewrite_own(self, rownum: int, attrs: bytes, has_r: bool, content: bytes, suffix: bytes,
                     wanted: list[tuple[int, Value]]) -> bytes | None:
        """Every refresh after the first: the row ends with the cells we wrote last time, as we wrote them
        (r="" first, then s=""), maybe with gaps where a value was blank. Merge in one pass; None when the
        row is anything else (the general path handles it)."""
        if self.arrays:
            return None
        row = b"%d" % rownum
        pfx = self.pfx
        # jump to the first of our cells that exists; the ones before it must be blanks with no cell
        k, n = 0, len(wanted)
        while True:
            col, v = wanted[k]
            j = content.find(b'<%sc r="%s%d"' % (pfx, col_bytes(col), rownum))
            if j >= 0:
                break
            if v.kind != CLEAR or self._keeps(v, rownum, col) or \
                    content.find(b'r="%s%d"' % (col_bytes(col), rownum)) >= 0:
                return None
            k += 1
            if k == n:
                return None
        if content.find(self.f_open, j) >= 0:
            return None
        parts = [content[:j]]
        pos = j
        templates = self.templates
        written = cleared = 0
        for m in self.own_re.finditer(content, j):
            if m.start() != pos:
                return None
            style = m.group(2)
            if style is None and b" s=" in m.group(3):
                return None
            mcol = col_index(m.group(1))
            while k < n and wanted[k][0] < mcol:  # a value where there was no cell: insert it here
                col, v = wanted[k]
                if v.kind != CLEAR or self._keeps(v, rownum, col):
                    st = self._own_style(rownum, col, attrs)
                    t = templates.get((col, v, st)) or self._template(col, v, st)
                    parts += (t[0], row, t[1])
                    written += 1
                k += 1
            if k < n and wanted[k][0] == mcol:
                col, v = wanted[k]
                if v.kind == CLEAR:
                    if self._keeps(v, rownum, col):  # a line's blank figure: in the look's format
                        style = self._own_style(rownum, col, attrs, style, new=False)
                    parts.append(self._cell_xml(rownum, col, v, style))
                    cleared += 1
                else:
                    st = self._own_style(rownum, col, attrs, style, new=False)
                    t = templates.get((col, v, st)) or self._template(col, v, st)
                    parts += (t[0], row, t[1])
                    written += 1
                k += 1
            else:  # a cell between ours that we do not write: keep it
                parts.append(m.group(0))
            pos = m.end()
        if content[pos:].strip():
            return None
        for col, v in wanted[k:]:
            if v.kind != CLEAR or self._keeps(v, rownum, col):
                st = self._own_style(rownum, col, attrs)
                t = templates.get((col, v, st)) or self._template(col, v, st)
                parts += (t[0], row, t[1])
                written += 1
        self.result.written += written
        self.result.cleared += cleared
        if b"spans" in attrs:
            attrs = self._widen_spans(attrs, rownum, wanted)
        if not has_r:
            attrs = b' r="%d"' % rownum + attrs
        return b"<%srow%s>%s%s</%srow>" % (self.pfx, attrs, b"".join(parts), suffix, self.pfx)

    def _with_r(self, xml: bytes, ref: bytes) -> bytes:
        return xml[:len(self.cell_open)] + b' r="%s"' % ref + xml[len(self.cell_open):]


    def _cells_from(self, content: bytes, min_col: int,
                    rownum: int) -> tuple[int, list[tuple[int, bytes, bytes, bool]]]:
        """Split a row's cells at the first one in column >= min_col, scanning from the right (the columns
        we write are usually the last ones). Returns (split offset, [(col, cell xml, start-tag attrs,
        has r)]). Falls back to a full left-to-right scan when a cell has no r="" (columns then count)."""
        found: list[tuple[int, bytes, bytes, bool]] = []
        # Re-runs: our first column is already there, written by us with r="" first: jump straight to it.
        j = content.find(b'<%sc r="%s%d"' % (self.pfx, col_bytes(min_col), rownum))
        if j >= 0:
            for full in self.cell_full.finditer(content, j):
                rm = _R_CELL.search(full.group(1))
                if rm is None:
                    return self._cells_all(content)
                found.append((col_index(rm.group(1)), full.group(0), full.group(1), True))
            return j, found
        pos = len(content)
        split = 0
        while True:
            i = content.rfind(self.cell_open, 0, pos)
            while i >= 0 and content[i + len(self.cell_open):i + len(self.cell_open) + 1] not in b" \t\r\n>/":
                i = content.rfind(self.cell_open, 0, i)
            if i < 0:
                break
            m = self.cell_re.match(content, i)
            if m is None:
                return self._cells_all(content)
            rm = _R_CELL.search(m.group(1))
            if rm is None:
                return self._cells_all(content)
            col = col_index(rm.group(1))
            end = m.end() if m.group(2) else content.index(self.cell_end, m.end()) + len(self.cell_end)
            if col < min_col:
                split = end
                break
            found.append((col, content[i:end], m.group(1), True))
            pos = i
        found.reverse()
        if not found:
            split = len(content)
        return split, found

    def _cells_all(self, content: bytes) -> tuple[int, list[tuple[int, bytes, bytes, bool]]]:
        found = []
        col = -1  # a cell without r="" is in the column after the cell before it
        pos = 0
        while True:
            m = self.cell_re.search(content, pos)
            if m is None:
                break
            rm = _R_CELL.search(m.group(1))
            col = col_index(rm.group(1)) if rm else col + 1
            end = m.end() if m.group(2) else content.index(self.cell_end, m.end()) + len(self.cell_end)
            found.append((col, content[m.start():end], m.group(1), rm is not None))
            pos = end
        return 0, found
