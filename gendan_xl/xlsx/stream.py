"""The orders sheet read as a stream of row chunks, by our own decoder: no sheet is ever held whole.

python-calamine builds a whole sheet before giving any of it (1.9 GB for a million lines), so the status, the
refresh and validation read the orders sheet here instead: its XML is inflated a few megabytes at a time,
the table found in its first rows (`table.locate_table`, as every reader), and each chunk of rows yields the
typed values of the fields asked for, for the rows that are order lines (`table.DataEnd`, as every reader).
The values are python-calamine's own (xlsx/decode.py), so the results are the same as reading through it.

Rows are read three ways. Most rows of a big sheet are regular — every row and cell carries its r="" first —
and then only the cells of the columns asked for are picked out: located with numpy (where each "<" is, which
tags start there: xlsx/locate.py; each distinct cell decoded once) when nothing in the chunk is unusual, else
by one regular-expression pass over the chunk, which decides what numpy must find; anything else in a chunk
(cells without r="", a row whose first cell in the table is blank) is parsed cell by cell. `StreamBook` is
the workbook around it: its small sheets (products, 假期, customers) are read whole, the same decoder.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
from pathlib import Path
from typing import Any, Iterable, Iterator

from gendan_xl.cellrefs import MAX_CELL_CHARS, col_letter
from gendan_xl.errors import UnusableWorkbookError
from gendan_xl.schema import SheetSchema
from gendan_xl.xlsx.decode import CellReader, cell_formats, checked_text, every_cell, rows_cells, shared_strings
from gendan_xl.xlsx.locate import PAD, Cells, CutWhenAsked, Tags, columns_at, numbers_at, own_rows
from gendan_xl.xlsx.package import open_package, relationships
from gendan_xl.xlsx.read import PackageSheets, _SheetFinder
from gendan_xl.xlsx.source import WorkbookFile, entities_refused
from gendan_xl.xlsx.validations import MAX_TAIL

CHUNK = 4 << 20  # inflated bytes of rows handled at a time
HOLD = 16 << 20  # rows after the last line kept back at most (see OrdersStream.hold)


class StreamBook(PackageSheets, _SheetFinder):
    """A workbook read by our own decoder from one `WorkbookFile`; a stand-in for `read.Book` wherever a
    sheet is read (values, rows, drop-downs), and the source of `OrdersStream`."""

    def __init__(self, wf: WorkbookFile):
        self.wf = wf
        pkg = open_package(wf)
        with pkg.zf:
            rels = {kind: target for _, kind, target in relationships(pkg.zf, pkg.names, pkg.workbook)}
        self._kinds = {name: (kind, pkg.part(part)) for name, kind, part in pkg.sheets}
        self.sheet_names = [name for name, _, _ in pkg.sheets]
        self.date1904 = pkg.date1904
        self._sst = pkg.part(rels.get("sharedStrings", "xl/sharedStrings.xml"))
        self._styles = pkg.part(rels.get("styles", "xl/styles.xml"))
        self._reader: CellReader | None = None
        self._cache: dict[str, list[list[Any]]] = {}
        self._scans: dict[str, tuple[set[str], list]] = {}
        self._validations: dict[str, list] = {}

    @classmethod
    def open(cls, path: str | Path | WorkbookFile) -> "StreamBook":
        return cls(path if isinstance(path, WorkbookFile) else WorkbookFile.read(path))

    @property
    def reader(self) -> CellReader:
        """The shared strings and cell formats, read once."""
        if self._reader is None:
            try:
                strings = shared_strings(self._xml_part(self._sst)) if self._sst else []
            except ValueError as exc:
                raise UnusableWorkbookError.said("bad-shared-strings", name=self.name, why=exc) from exc
            styles = self._xml_part(self._styles) if self._styles else None
            self._reader = CellReader(strings, cell_formats(styles), self.date1904)
        return self._reader

    def _xml_part(self, part: str) -> bytes:
        data = self.wf.read_part(part)
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
            raise entities_refused(self.name, part)
        return data

    def worksheet_part(self, sheet: str) -> str | None:
        kind, part = self._kinds.get(sheet, ("", None))
        return part if kind == "worksheet" else None

    def values(self, sheet: str) -> list[list[Any]]:
        """Every row of the sheet from A1, as python-calamine gives them (empty cells are ""). Read once;
        for the small sheets: the orders sheet is read through `orders`."""
        if sheet not in self._cache:
            part = self.worksheet_part(sheet)
            if part is None:
                return []
            cells = []
            xml = self._xml_part(part)
            start = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
            if start is not None and not start.group(2):
                stop = xml.find(b"</" + (start.group(1) or b"") + b"sheetData>", start.end())
                try:
                    cells = list(rows_cells(xml, start.end(), stop if stop >= 0 else len(xml), self.reader))
                except ValueError as exc:
                    raise UnusableWorkbookError.said("bad-sheet-xml", name=self.name, sheet=sheet, why=exc) from exc
            self._cache[sheet] = grid(cells)
        return self._cache[sheet]

    def iter_rows(self, sheet: str) -> Iterator[list[Any]]:
        return iter(self.values(sheet))

    def orders(self, schema: SheetSchema, fields: Iterable[str], sheet: str | None = None, *,
               year_anchor: str | None = "order_date") -> Any:
        """The orders table of a sheet, to read chunk by chunk (`lines.OrdersStream`)."""
        from gendan_xl.xlsx.lines import OrdersStream  # it builds on this module

        return OrdersStream(self, schema, fields, sheet, year_anchor=year_anchor)


def grid(cells: Iterable[tuple[int, int, Any]]) -> list[list[Any]]:
    """Rows from A1 (row 1 first), each as wide as the widest, from (row, column, value) cells: what
    python-calamine's `to_python(skip_empty_area=False)` gives. Empty cells are ""."""
    cells = list(cells)
    if not cells:
        return []
    height = max(r for r, _, _ in cells)
    width = max(c for _, c, _ in cells) + 1
    rows = [[""] * width for _ in range(height)]
    for r, c, v in cells:
        rows[r - 1][c] = v
    return rows


# ---------------------------------------------------------------------------------------------------
# The sheet's XML: head, whole rows, tail


class SheetXml:
    """A worksheet part inflated piece by piece and cut where a parser can pick it up: `head` (everything
    before the <sheetData> content), pieces of whole rows (`rows()`), then `tail` (from </sheetData>)."""

    def __init__(self, chunks: Iterator[bytes], name: str, part: str):
        self._chunks = chunks
        buf = b""
        for chunk in chunks:
            buf += chunk
            if b"<!DOCTYPE" in buf[:4096] or b"<!ENTITY" in buf[:4096]:
                raise entities_refused(name, part)
            m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", buf)
            if m:
                break
            if len(buf) > MAX_TAIL:
                raise UnusableWorkbookError.said("no-sheet-data-start", name=name, part=part)
        else:
            raise UnusableWorkbookError.said("no-sheet-data", name=name, part=part)
        self.pfx = m.group(1) or b""
        self.head = buf[:m.end()]
        self.empty = bool(m.group(2))
        self._buf = buf[m.end():]
        self.name = name
        # after <sheetData/> all the rest is tail
        self.tail: bytes | None = self._buf + b"".join(chunks) if self.empty else None
        self._row = b"<" + self.pfx + b"row"
        self._end = b"</" + self.pfx + b"sheetData>"

    def rows(self) -> Iterator[bytes]:
        """Runs of whole <row> elements, about CHUNK bytes each, in order; `tail` is set once they end."""
        if self.empty:
            return
        buf = self._buf
        self._buf = b""
        chunks = self._chunks
        while True:
            end = buf.find(self._end)
            if end >= 0:
                if end:
                    yield buf[:end]
                self.tail = buf[end:] + b"".join(chunks)
                return
            cut = buf.rfind(self._row)  # everything before the last row that started is whole rows
            if cut > 0 and len(buf) >= CHUNK:
                yield buf[:cut]
                buf = buf[cut:]
            more = next(chunks, None)
            if more is None:
                raise UnusableWorkbookError.said("incomplete-sheet-data", name=self.name)
            buf += more


# ---------------------------------------------------------------------------------------------------
# Picking the cells of a few columns out of a run of rows


@dataclass
class Picked:
    """The rows of a run of XML and the values of the columns asked for: `value(col, i)` is row i's value
    there (None when empty); `formula[col]` the rows whose cell there is a formula with no value."""

    rows: list[int]
    values: dict[int, list[Any]]  # col → per row: the value, or for a `lazy` column the cell's XML
    formula: dict[int, set[int]]
    regular: bool  # every row and cell had its r=""; else `cells` holds each row's cells
    cells: list[dict[int, Any]] | None = None
    lazy: frozenset[int] = frozenset()  # columns decoded only when asked for (`value`)
    decode: Any = None
    widest: int | None = None  # the rightmost column of any cell, when known
    types: dict[int, set[type]] = field(default_factory=dict)  # col → the types of its values, when known
    # col → its distinct values and, per row, which is there (-1: none), for the columns told alike
    shared: dict[int, tuple[list[Any], Any]] = field(default_factory=dict)

    def value(self, col: int, i: int) -> Any:
        v = self.values[col][i]
        return v if v is None or col not in self.lazy else self.decode(v)


class Picker:
    """Picks the cells of `cols` out of runs of rows (see the module docstring). The cells of `lazy` columns
    are decoded only when asked for: a column the end-of-table rules look at only when the columns before
    it are blank (customer PO numbers, all different) costs nothing."""

    def __init__(self, pfx: bytes, cols: Iterable[int], reader: CellReader, lazy: Iterable[int] = (),
                 name: str = ""):
        self.pfx, self.reader, self.name = pfx, reader, name  # (name: the workbook's, for a refusal)
        self.cols = sorted(set(cols))
        self.lazy = frozenset(lazy) & set(self.cols)
        p = re.escape(pfx)
        self._slots = {col_letter(c).encode(): c for c in self.cols}  # the letters of a column → the column
        longest_first = sorted(self._slots, key=len, reverse=True)
        letters = b"|".join(longest_first)
        # a cell of one of the columns: (letters, row, the rest of the cell: attributes, content, end tag).
        # No possessive quantifiers: Python before 3.11.5 (Debian 12 has 3.11.2) returns empty groups for a
        # capture around them (gh-101955), and every cell read as blank. The loops are unrolled (a run of one
        # character class, then the rare exception): a third faster than an alternation tried per character.
        self._cells = re.compile(rb"<" + p + rb'c r="(' + letters + rb')(\d+)"([^>/]*(?:/(?!>)[^>/]*)*(?:/>|>[^<]*(?:<(?!/'
                                 + p + rb"c>)[^<]*)*</" + p + rb"c>))") if self.cols else None
        self._rows = re.compile(rb"<" + p + rb'row r="(\d+)"')
        # a reference the expression does not take (a2, $A$2, A02): read cell by cell, as the reader reads it
        self._odd_ref = re.compile(rb"<" + p + rb'c r="(?![A-Z]{1,3}[1-9][0-9]*")')
        self._row_open, self._row_r = b"<" + pfx + b"row", b"<" + pfx + b'row r="'
        self._c_r = b"<" + pfx + b'c r="'
        # every cell's start, whatever follows its name ("<c ", "<c>", "<c\n"): no other tag in the rows starts
        # so, and a cell without ' r="' right after its name is read cell by cell
        self._c_any = b"<" + pfx + b"c"
        self._end = b"</" + pfx + b"c>"
        self._f = b"<" + pfx + b"f"
        self._plain = b' t="inlineStr"><' + pfx + b"is><" + pfx + b"t>"
        self._plain_end = b"</" + pfx + b"t></" + pfx + b"is>" + self._end
        self._memo = _Memo(self._value)
        self._texty: set[int] = set()  # the columns of mostly different plain texts in the last run
        self._formulas: set[int] = set()  # those told alike once their formulas were cut out, in the last run

    def pick(self, xml: bytes) -> Picked:
        located = self._locate(xml)
        if located is None:
            return self._findall(xml)
        rows, cells, has_f, widest = located
        types: dict[int, set[type]] = {}
        shared: dict[int, tuple[list[Any], Any]] = {}
        decoded = self._decode_located(xml, cells, len(rows), types, shared)
        picked = self._place(rows, decoded, has_f)
        picked.widest = widest
        for c, of_c in types.items():
            if picked.values[c] is not decoded[c][1]:  # not every row has one, in order
                of_c.add(type(None))
                if c in shared:
                    which = np.full(len(rows), -1, np.int64)
                    which[decoded[c][0]] = shared[c][1]  # (placed as `_place` places the values)
                    shared[c] = (shared[c][0], which)
        picked.types, picked.shared = types, shared
        return picked

    def _findall(self, xml: bytes) -> Picked:
        """`pick` by a regular expression (or cell by cell when the run is not regular), for the runs of rows
        `_locate` leaves."""
        regular = (xml.count(self._row_open) == xml.count(self._row_r)
                   and xml.count(self._c_any) == xml.count(self._c_r) and not self._odd_ref.search(xml))
        if not regular:
            return self._slow(xml)
        rows = list(map(int, self._rows.findall(xml)))
        found = self._cells.findall(xml) if self._cells is not None and rows else None
        if not found:
            return self._place(rows, {}, False)
        letters, numbers, rests = zip(*found)
        index = dict(zip(map(b"%d".__mod__, rows), range(len(rows))))
        try:
            where = np.fromiter(map(index.__getitem__, numbers), np.int64, len(numbers))
        except KeyError:  # a cell whose r="" names another row than its own: parse it the long way
            return self._slow(xml)
        slots = np.fromiter(map(self._slots.__getitem__, letters), np.int64, len(letters))
        raw = np.array(rests, dtype=object)
        self._trim_memo()
        return self._place(rows, {c: (where[mask], self._decoded(c, cells), cells)
                                  for c in self.cols for mask in [slots == c] for cells in [raw[mask].tolist()]},
                           self._f in xml)

    def _locate(self, xml: bytes) -> tuple[list[int], Cells, bool, int] | None:
        """The rows of a run of rows and the cells of the columns asked for (the rows they are in, where what
        follows their r="" starts and ends), found with numpy instead of a regular expression, with whether a
        formula is there and the rightmost column of any cell: what `_cells.findall` finds, on runs
        where each row and cell has its r="" and nothing is unusual (else None, and the slower ways decide).
        Cells are where a "<c" is; each ends at the first "</c>" after the first ">" of its start tag, or at
        that ">" when it is "/>" — the regular expression's own rule."""
        if not self.cols:
            return None
        n = len(xml)
        a = np.frombuffer(xml + PAD, np.uint8)
        lt = np.flatnonzero(a[:n] == 60)
        after = a[lt + 1]
        if (after == 33).any() or (after == 63).any():  # "<!", "<?": comments, CDATA, processing instructions
            return None
        tags = Tags(a, lt, after)
        row_at = tags.at(self._row_r)
        c_at = tags.at(self._c_r)
        if len(tags.at(self._row_open)) != len(row_at) or len(tags.at(self._c_any)) != len(c_at):
            return None  # not regular
        numbered = numbers_at(a, row_at + len(self._row_r), leading_zero=True)
        if numbered is None:
            return None
        row_nums = numbered[0]
        if not len(row_nums) or (len(row_nums) > 1 and (np.diff(row_nums) <= 0).any()):
            return None
        ref = c_at + len(self._c_r)
        cols = columns_at(a, ref)
        if cols is None:
            return None
        col, width = cols
        wanted = np.zeros(max(int(col.max(initial=0)), max(self.cols)) + 1, bool)
        wanted[self.cols] = True
        keep = np.flatnonzero(wanted[col])
        idx = np.searchsorted(row_at, c_at[keep]) - 1  # the row each cell is in
        quote = own_rows(a, ref[keep] + width[keep], idx, row_nums)
        if quote is None:  # not each cell naming its own row: which rows they name
            numbered = numbers_at(a, ref[keep] + width[keep], leading_zero=False)
            if numbered is None:
                return None
            nums, quote = numbered
            idx = np.searchsorted(row_nums, nums)
            if len(idx) and (idx.max() >= len(row_nums) or (row_nums[idx] != nums).any()):
                return None  # a cell whose r="" names a row not there: the slower ways
        gt = np.flatnonzero(a[:n] == 62)
        tag_end = np.searchsorted(gt, quote)
        if len(tag_end) and tag_end.max() >= len(gt):
            return None
        tag_end = gt[tag_end]
        closes = tags.at(self._end)
        close = np.searchsorted(closes, tag_end)
        selfclosing = a[tag_end - 1] == 47
        if (close[~selfclosing] >= len(closes)).any():
            return None
        ends = np.where(selfclosing, tag_end + 1, np.append(closes, 0)[close] + len(self._end))
        following = np.append(c_at, n)[keep + 1]
        if (ends > following).any():  # a cell swallowing the next: the regular expression would skip it
            return None
        has_f = len(tags.at(self._f)) > 0
        cells = Cells(a, col[keep], idx, quote + 1, ends, tag_end, lt if has_f else None)
        return row_nums.tolist(), cells, has_f, int(col.max(initial=-1))

    def _place(self, rows: list[int], cells: dict[int, tuple[Any, list[Any], Any]], has_f: bool) -> Picked:
        """Each column's values put in their rows' places, in C loops. `cells`: per column, the rows its cells
        are in, their values, and their XML (a list, or a function giving it) to tell a formula with no value."""
        n = len(rows)
        values: dict[int, list[Any]] = {c: [None] * n for c in self.cols}
        formula: dict[int, set[int]] = {}
        done = Picked(rows, values, formula, True, None, self.lazy, self._memo.__getitem__)
        f = self._f
        for c, (at, decoded, raw) in cells.items():
            if isinstance(decoded, CutWhenAsked):
                values[c] = decoded  # type: ignore[assignment]
                continue
            if has_f and c not in self.lazy and None in decoded:  # a formula with no value: flagged, not blank
                raw = raw if isinstance(raw, list) else raw()
                formula[c] = {rows[i] for i, v, cell in zip(at.tolist(), decoded, raw) if v is None and f in cell}
            if len(at) == n and (n < 2 or (np.diff(at) > 0).all()):  # every row has one: in order
                values[c] = decoded
            elif len(at):
                column = np.full(n, None, object)
                column[at] = np.array(decoded + [None], dtype=object)[:-1]  # (a trailing None keeps it 1-d)
                values[c] = column.tolist()
        return done

    def _trim_memo(self) -> None:
        if len(self._memo) > 100_000:  # order numbers are all different: do not keep them all
            self._memo.clear()

    def _decoded(self, c: int, raw: list[bytes]) -> list[Any]:
        """The values of column c's cells from their XML (the XML itself for a column decoded when asked)."""
        if c in self.lazy:
            return raw
        return self._texts(raw) or list(map(self._memo.__getitem__, raw))

    def _decode_located(self, xml: bytes, cells: Cells, n_rows: int, types: dict[int, set[type]],
                        shared: dict[int, tuple[list[Any], Any]]) -> dict[int, tuple[Any, Any, Any]]:
        """What `_place` takes, for the cells `_locate` found. A column repeating its values (a customer, a
        status, dates) has each distinct cell cut out of the XML and decoded once, the cells told alike by
        their bytes compared in numpy (`Cells.alike`), not by a bytes object each; a column of mostly different
        plain texts is decoded at once (`Cells.texts`; tried first when it was so in the last run, and then
        not told alike); one decoded when asked is cut out when asked. `types` gets the types of the values
        of the columns told alike or decoded at once, from the distinct values; `shared` those told alike's
        distinct values, and which each cell is."""
        self._trim_memo()
        bounds = cells.bounds(self.cols)
        texty, self._texty = self._texty, set()
        formulas, self._formulas = self._formulas, set()
        alike = cells.alike(self.lazy | texty | formulas)  # (those: mostly different as they stand, likely again)
        out: dict[int, tuple[Any, Any, Any]] = {}
        for c, lo, hi in zip(self.cols, bounds, bounds[1:]):
            at, n = cells.rows[lo:hi], hi - lo
            if c in self.lazy:
                out[c] = (at, CutWhenAsked(xml, cells, lo, hi, n_rows), None)
                continue
            if alike is not None and c not in texty and c not in formulas:
                first, which = alike.of(lo, hi)
                if n < 64 or len(first) * 2 < n:  # (else mostly different: plain texts, maybe, at once)
                    reps = np.empty(len(first), object)
                    reps[:] = cells.cut(xml, first)
                    out[c] = self._shared(c, at, reps.tolist(), which, lambda reps=reps, which=which:
                                          reps[which].tolist(), types, shared)
                    continue
            texts = cells.texts(lo, hi, self._plain, self._plain_end)
            if texts is not None:
                self._texty.add(c)
                types[c] = {str}
                out[c] = (at, texts, None)  # (no formula: each is a plain text)
                continue
            cached = None if cells.lt is None else cells.without_formulas(lo, hi, self.pfx)
            told = None if cached is None else cached.alike()
            if told is not None and cached is not None:  # formulas differing per row, their values alike
                first, which = told.of(0, n)
                if n < 64 or len(first) * 2 < n:
                    out[c] = self._shared(c, at, cached.cut(cached.a[:-len(PAD)].tobytes(), first), which,
                                          lambda lo=lo, hi=hi: cells.cut(xml, slice(lo, hi)), types, shared)
                    self._formulas.add(c)
                    continue
            raw = cells.cut(xml, slice(lo, hi))  # (neither alike nor plain texts: `Cells.texts` said so)
            out[c] = (at, list(map(self._memo.__getitem__, raw)), raw)
        return out

    def _shared(self, c: int, at: Any, keys: list[bytes], which: Any, raw: Any, types: dict[int, set[type]],
                shared: dict[int, tuple[list[Any], Any]]) -> tuple[Any, Any, Any]:
        """What `_place` takes for column c told alike: each distinct cell (`keys`, its XML from after r="")
        decoded once, and `which` of them each cell is; `types` and `shared` get what they are."""
        distinct = np.empty(len(keys), object)
        distinct[:] = list(map(self._memo.__getitem__, keys))
        types[c] = set(map(type, distinct.tolist()))
        shared[c] = (distinct.tolist(), which)
        return at, distinct[which].tolist(), raw

    def _texts(self, cells: list[bytes]) -> list[Any] | None:
        """The cells of a column of mostly different plain inline texts (order numbers) decoded all at once,
        as `_value` decodes each; None when the column repeats its values (then each distinct cell is decoded
        once) or any of its cells is not such a text."""
        n = len(cells)
        if n < 64 or len(set(cells)) * 2 < n:
            return None
        plain, end = self._plain, self._plain_end
        blob = b"\x00".join(cells)
        if (not all(map(bytes.startswith, cells, repeat(plain))) or not all(map(bytes.endswith, cells, repeat(end)))
                or blob.count(b"<") != n * (plain.count(b"<") + end.count(b"<")) or blob.count(b"\x00") != n - 1
                or b"&" in blob or b"_x" in blob or b"\r" in blob):
            return None
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            return None
        # split where one cell's end meets the next one's start (ASCII: as many characters as bytes)
        bodies = text[len(plain):-len(end)].split((end + b"\x00" + plain).decode())
        texts = list(map(str.strip, bodies, repeat(" \t\r\n")))
        return texts if max(map(len, texts)) <= MAX_CELL_CHARS else None

    def _value(self, rest: bytes) -> Any:
        """A cell's value from what follows its r="": the usual plain inline text straight away."""
        if rest.startswith(self._plain) and rest.endswith(self._plain_end):
            body = rest[len(self._plain):-len(self._plain_end)]
            if not (b"<" in body or b"&" in body or b"_x" in body or b"\r" in body):
                return checked_text(body.decode("utf-8").strip(" \t\r\n"))
        try:
            if rest.endswith(b"/>") and b">" not in rest[:-2]:
                return None
            cut = rest.index(b">")
            return self.reader.value(rest[:cut], rest[cut + 1:-len(self._end)])
        except (ValueError, IndexError) as exc:
            raise UnusableWorkbookError.said("bad-cell", name=self.name, why=exc) from exc

    def _slow(self, xml: bytes) -> Picked:
        """Every cell of every row, the long way: for runs of rows that are not regular."""
        rows: list[int] = []
        cells: list[dict[int, Any]] = []
        formula: dict[int, set[int]] = {}
        for r, c, v, f in row_cells_with_formulas(xml, self.reader, self.name):
            if not rows or rows[-1] != r:
                rows.append(r)
                cells.append({})
            if v is not None:
                cells[-1][c] = v
            elif f and c in self._slots.values():
                formula.setdefault(c, set()).add(r)
        values = {c: [row.get(c) for row in cells] for c in self.cols}
        return Picked(rows, values, formula, False, cells)


class _Memo(dict):
    """Each distinct cell XML decoded once: a status column repeats a few values a million times."""

    def __init__(self, make: Any):
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        v = self[key] = self.make(key)
        return v


def row_cells_with_formulas(xml: bytes, reader: CellReader, name: str) -> Iterator[tuple[int, int, Any, bool]]:
    """`decode.every_cell` of a run of rows of the workbook `name`, a cell that cannot be read refused in one
    line naming it."""
    try:
        yield from every_cell(xml, reader)
    except (ValueError, IndexError) as exc:
        raise UnusableWorkbookError.said("bad-row", name=name, why=exc) from exc
