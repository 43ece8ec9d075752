"""The orders sheet read as a stream of row chunks, by our own decoder: no sheet is ever held whole.

python-calamine builds a whole sheet before giving any of it (1.9 GB for a million lines), so the status, the
refresh and validation read the orders sheet here instead: its XML is inflated a few megabytes at a time,
the table found in its first rows (`table.locate_table`, as every reader), and each chunk of rows yields the
typed values of the fields asked for, for the rows that are order lines (`table.DataEnd`, as every reader).
The values are python-calamine's own (xlsx/decode.py), so the results are the same as reading through it.

Rows are read two ways. Most rows of a big sheet are regular — every row and cell carries its r="" first —
and then only the cells of the columns asked for are picked out, by one regular-expression pass over the
chunk; anything else in a chunk (cells without r="", a row whose first cell in the table is blank) is parsed
cell by cell. `StreamBook` is the workbook around it: its small sheets (products, 假期, customers) are read
whole, the same decoder.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from pathlib import Path
from typing import Any, Iterable, Iterator

from gendan_xl.cellrefs import MAX_CELL_CHARS, col_letter
from gendan_xl.errors import UnusableWorkbookError
from gendan_xl.schema import SheetSchema
from gendan_xl.xlsx.decode import CellReader, cell_formats, checked_text, every_cell, rows_cells, shared_strings
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

    def value(self, col: int, i: int) -> Any:
        v = self.values[col][i]
        return v if v is None or col not in self.lazy else self.decode(v)


class Picker:
    """Picks the cells of `cols` out of runs of rows (see the module docstring). The cells of `lazy` columns
    are decoded only when asked for: a column the end-of-table rules look at only when the columns before
    it are blank (customer PO numbers, all different) costs nothing."""

    def __init__(self, pfx: bytes, cols: Iterable[int], reader: CellReader, lazy: Iterable[int] = ()):
        self.pfx, self.reader = pfx, reader
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
        self._row_open, self._row_r = b"<" + pfx + b"row", b"<" + pfx + b'row r="'
        self._c_r = b"<" + pfx + b'c r="'
        self._c_any = (b"<" + pfx + b"c ", b"<" + pfx + b"c>")
        self._end = b"</" + pfx + b"c>"
        self._f = b"<" + pfx + b"f"
        self._plain = b' t="inlineStr"><' + pfx + b"is><" + pfx + b"t>"
        self._plain_end = b"</" + pfx + b"t></" + pfx + b"is>" + self._end
        self._memo = _Memo(self._value)

    def pick(self, xml: bytes) -> Picked:
        regular = (xml.count(self._row_open) == xml.count(self._row_r)
                   and sum(map(xml.count, self._c_any)) == xml.count(self._c_r))
        if not regular:
            return self._slow(xml)
        rows = list(map(int, self._rows.findall(xml)))
        n = len(rows)
        values = {c: [None] * n for c in self.cols}
        formula: dict[int, set[int]] = {}
        done = Picked(rows, values, formula, True, None, self.lazy, self._memo.__getitem__)
        found = self._cells.findall(xml) if self._cells is not None and n else None
        if not found:
            return done
        letters, numbers, rests = zip(*found)
        index = dict(zip(map(b"%d".__mod__, rows), range(n)))
        try:
            where = np.fromiter(map(index.__getitem__, numbers), np.int64, len(numbers))
        except KeyError:  # a cell whose r="" names another row than its own: parse it the long way
            return self._slow(xml)
        memo = self._memo
        if len(memo) > 100_000:  # order numbers are all different: do not keep them all
            memo.clear()
        slots = np.fromiter(map(self._slots.__getitem__, letters), np.int64, len(letters))
        raw = np.array(rests, dtype=object)
        has_f = self._f in xml
        for c in self.cols:  # each column's values put in their rows' places, in C loops
            mask = slots == c
            at = where[mask]
            column = np.full(n, None, object)
            if c in self.lazy:
                column[at] = raw[mask]
            else:
                cells = raw[mask].tolist()
                decoded = self._texts(cells) or list(map(memo.__getitem__, cells))
                column[at] = np.array(decoded + [None], dtype=object)[:-1]  # (a trailing None keeps it 1-d)
                if has_f and None in decoded:  # a formula with no value: flagged, not just blank
                    f = self._f
                    formula[c] = {rows[i] for i, v, cell in zip(at.tolist(), decoded, cells) if v is None and f in cell}
            values[c] = column.tolist()
        return done

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
            pieces = blob.decode("utf-8").split("\x00")
        except UnicodeDecodeError:
            return None
        a, b = len(plain), -len(end)  # (ASCII: as many characters as bytes)
        texts = [p[a:b].strip(" \t\r\n") for p in pieces]
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
            raise UnusableWorkbookError.said("bad-cell", why=exc) from exc

    def _slow(self, xml: bytes) -> Picked:
        """Every cell of every row, the long way: for runs of rows that are not regular."""
        rows: list[int] = []
        cells: list[dict[int, Any]] = []
        formula: dict[int, set[int]] = {}
        for r, c, v, f in row_cells_with_formulas(xml, self.reader):
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


def row_cells_with_formulas(xml: bytes, reader: CellReader) -> Iterator[tuple[int, int, Any, bool]]:
    """`decode.every_cell` of a run of rows, a cell that cannot be read refused in one line."""
    try:
        yield from every_cell(xml, reader)
    except (ValueError, IndexError) as exc:
        raise UnusableWorkbookError.said("bad-row", why=exc) from exc
