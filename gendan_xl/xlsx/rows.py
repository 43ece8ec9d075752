"""The worksheet scanner of `patch_sheet`: one worksheet's XML streamed through, rows in, patched rows out.

Only what must change is touched: the <dimension>, the rows that get cells (new rows inserted in order),
and after </sheetData> a widened <autoFilter> and the conditional formats we add. A row that gets exactly
the whole-column blocks' values takes the fast path (`row_batch`); any other, the general merge
(`row_merge`). The shared state and the XML of a new cell are in `row_cells`.
"""
from __future__ import annotations

import re
from typing import Any

from gendan_xl.xlsx.cells import set_attr, tag_attrs
from gendan_xl.xlsx.condformat import conditional_formats
from gendan_xl.xlsx.look import with_widths
from gendan_xl.xlsx.row_batch import RowBatch
from gendan_xl.cellrefs import parse_range, range_ref
from gendan_xl.xlsx.row_merge import RowMerge
from gendan_xl.xlsx.tables import extend_autofilter

# Top-level worksheet children that must come after <conditionalFormatting> (CT_Worksheet sequence).
_AFTER_CF = {
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
    "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
}
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|<(/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)


def _top_level(tail: bytes) -> list[tuple[str, int, int, bytes]]:
    """(local name, start, end, start tag) of each top-level element in the bytes after </sheetData>.
    For mc:AlternateContent the name is that of the first element inside it (what it wraps)."""
    out: list[tuple[str, int, int, bytes]] = []
    depth = 0
    current: list[Any] | None = None
    for m in _TOKEN.finditer(tail):
        if m.group(2) is None:
            continue
        close, name, _, selfclose = m.group(1), m.group(2).decode(), m.group(3), m.group(4)
        local = name.rsplit(":", 1)[-1]
        if close:
            depth -= 1
            if depth == 0 and current is not None:
                current[2] = m.end()
                out.append(tuple(current))  # type: ignore[arg-type]
                current = None
            if depth < 0:
                break
            continue
        if depth == 0:
            current = [local, m.start(), m.end(), m.group(0)]
            if selfclose:
                out.append(tuple(current))  # type: ignore[arg-type]
                current = None
                continue
        elif current is not None and current[0] == "AlternateContent" and local not in ("Choice", "Fallback") \
                and depth == 2:
            current[0] = local
        if not selfclose:
            depth += 1
    return out


_R_ATTR = re.compile(rb'(?:^|\s)r="(\d+)"')


class SheetPatcher(RowMerge, RowBatch):
    """Streams one worksheet's XML: rows in, patched rows out. Feed decompressed bytes, collect output."""

    def feed(self, data: bytes) -> bytes:
        self.buf += data
        out = []
        if self.phase == 0:
            m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", self.buf)
            if not m:
                return b""
            self._compile(m.group(1) or b"")
            self._read_cols(self.buf[:m.start()])
            self.head_xml = self.buf[:m.start()]  # written last (`final_head`): its <dimension> needs every row
            if m.group(2):  # <sheetData/>: an empty sheet
                out.append(b"<%ssheetData>" % self.pfx)
                out.append(self._new_rows(None))
                out.append(self.sheetdata_end)
                self.phase = 2
            else:
                out.append(m.group(0))
                self.phase = 1
            self.buf = self.buf[m.end():]
        if self.phase == 1:
            end = self.buf.find(self.sheetdata_end)
            if end >= 0:
                out.append(self._rows(self.buf[:end]))
                out.append(self._new_rows(None))
                self.buf = self.buf[end:]
                self.phase = 2
            else:
                cut = self.buf.rfind(self.row_end)
                if cut >= 0:
                    cut += len(self.row_end)
                    out.append(self._rows(self.buf[:cut]))
                    self.buf = self.buf[cut:]
        return b"".join(out)

    def feed_rows(self, data: bytes) -> bytes:
        """`feed` for whole rows and nothing else (a piece of `SheetXml.rows`, cut before </sheetData>) once
        the head is through: the same bytes, without looking through the rows for </sheetData> (0.03 s of a
        100k-line refresh's writing) or keeping back what follows their last </row>."""
        if self.phase != 1 or self.buf:
            return self.feed(data)
        return self._rows(data)

    def finish(self) -> bytes:
        if self.phase != 2:
            raise ValueError("the worksheet XML has no complete <sheetData>")
        tail, self.buf = self.buf, b""
        # the cell formats point back at this patcher (bound methods): a cycle the paused collector would
        # keep, with every cell template, through the check
        self.cell_formats, self.skeleton_formats, self.batch_xml, self.batch_skeleton = None, [], [], None
        return self._tail(tail)

    # -- head: column styles, then (once every row is through) the dimension
    def _read_cols(self, head: bytes) -> None:
        for m in re.finditer(rb"<(?:\w+:)?col\b([^>]*)>", head):
            a = tag_attrs(m.group(1))
            if b"style" in a and b"min" in a:  # min and max count columns from 1
                self.col_styles.append((int(a[b"min"]) - 1, int(a.get(b"max", a[b"min"])) - 1, a[b"style"]))

    def final_head(self) -> bytes:
        """The worksheet's XML before <sheetData>, its <dimension> grown to cover what was written. Asked
        for after `finish`: the rows are streamed first and the head written in front of them (patch.py)."""
        head = self.head_xml
        if self.look is not None:
            head = with_widths(head, self.pfx, self.look.widths, self.look.anew)
        m = re.search(rb"<(?:\w+:)?dimension\b[^>]*>", head)
        bbox = self._written_bbox()
        if m and bbox:
            try:
                old = parse_range(tag_attrs(m.group(0)).get(b"ref", b"A1").decode())
                # "A1" is what an empty sheet says; do not let it stretch the range
                merged = bbox if old == (1, 0, 1, 0) else (min(old[0], bbox[0]), min(old[1], bbox[1]),
                                                           max(old[2], bbox[2]), max(old[3], bbox[3]))
            except ValueError:
                merged = bbox
            head = head[:m.start()] + set_attr(m.group(0), b"ref", range_ref(*merged).encode()) + head[m.end():]
        return head

    def _written_bbox(self) -> tuple[int, int, int, int] | None:
        return self.by_row.bbox()

    # -- rows
    def _rows(self, data: bytes) -> bytes:
        self._note_arrays(data)
        if self.ti >= len(self.targets):
            return data
        return self._splice(data)

    def _each_row(self, data: bytes) -> bytes:
        """A run of rows, row by row."""
        out: list[bytes] = []
        pos = 0
        targets, n = self.targets, len(self.targets)
        row_end = self.row_end
        append_row = self._append_row
        for m in self.row_re.finditer(data):
            r = m.group(2)
            if r is None:
                rm = _R_ATTR.search(m.group(1))
                r = rm.group(1) if rm else None
            has_r = r is not None
            rownum = int(r) if r is not None else self.last_row + 1
            if rownum <= self.last_row:  # rows go down the sheet, each once: else ours would land out of order
                raise ValueError(f"row {rownum} comes after row {self.last_row} in the sheet XML")
            self.last_row = rownum
            inserted = False
            while self.ti < n and targets[self.ti] < rownum:
                out.append(data[pos:m.start()])
                pos = m.start()
                out.append(self._new_row(targets[self.ti]))
                self.ti += 1
                inserted = True
            if self.ti < n and targets[self.ti] == rownum:
                if m.group(3):
                    stop = end = m.end()
                else:
                    stop = data.index(row_end, m.end())
                    end = stop + len(row_end)
                new_pos = append_row(out, data, pos, m, stop, rownum, has_r)
                if new_pos >= 0:
                    pos = new_pos
                else:
                    out.append(data[pos:m.start()])
                    out.append(self._patch_row(rownum, m.group(1), has_r, data[m.end():stop]))
                    pos = end
                self.ti += 1
                if self.ti >= n:
                    break
            elif inserted and not has_r:
                # a row without r="" counts from the row before it, which is now one we inserted
                out.append(data[pos:m.start()])
                out.append(b"<%srow r=\"%d\"%s%s>" % (self.pfx, rownum, m.group(1), m.group(3)))
                pos = m.end()
            elif self.ti >= n:
                break
        out.append(data[pos:])
        return b"".join(out)

    def _new_row(self, rownum: int) -> bytes:
        i = self._block_index(rownum)
        if i >= 0:
            self.result.written += len(self.by_row.cols) - self.batch_empty[i]
            body = self.batch_xml[i]
        else:
            body = self._new_cells(rownum, self.by_row.get(rownum), None)
        return b'<%srow r="%d">%s</%srow>' % (self.pfx, rownum, body, self.pfx) if body else b""

    def _new_rows(self, _: None) -> bytes:
        out = []
        while self.ti < len(self.targets):
            out.append(self._new_row(self.targets[self.ti]))
            self.ti += 1
        return b"".join(out)

    # -- tail: autoFilter, conditional formats
    def _tail(self, tail: bytes) -> bytes:
        # tail starts with </sheetData>
        body_start = len(self.sheetdata_end)
        body = tail[body_start:]
        elems = _top_level(body)
        edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement) in body
        for name, start, _end, tag in elems:
            if name == "autoFilter" and self.extend_filter:
                new_ref = extend_autofilter(tag, self.by_row)
                if new_ref:
                    self.result.autofilter_extended = True
                    self.autofilter_ref = new_ref
                    edits.append((start, start + len(tag), set_attr(tag, b"ref", new_ref.encode())))
        cf_xml = conditional_formats(self.cf_rules, body, elems, edits, self.pfx, self.styles, self.result)
        if cf_xml:
            pos = next((s for n, s, _, _ in elems if n in _AFTER_CF), None)
            if pos is None:
                pos = body.rfind(b"</")
            edits.append((pos, pos, cf_xml))
        edits.sort(key=lambda e: (e[0], e[1]))
        out, last = [], 0
        for s, e, rep in edits:
            out += [body[last:s], rep]
            last = e
        out.append(body[last:])
        return tail[:body_start] + b"".join(out)
