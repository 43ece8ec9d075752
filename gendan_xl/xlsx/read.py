"""Open a workbook and read its sheets as typed rows, every value keeping its cell reference.

Reading goes through python-calamine (about ten times faster than openpyxl read-only, see MEASURED.md).
calamine gives formula cells their cached values; where a formula has none (files written by scripts that
never ran Excel), the cell is flagged `no-cached-value` instead of silently reading as blank.

Values are taken as people type them: real date cells, Excel serial numbers (1900 and 1904 systems), text
dates (`2026/11/3`, `2026-11-03`, `2026.11.3`, `2026年11月3日`, `11月3日` with the year from the order date),
numbers stored as text with thousands separators, currency signs, full-width digits and spaces.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import python_calamine as calamine

from gendan_xl.cellrefs import cell_ref, col_letter
from gendan_xl.errors import MissingSheetError, UnusableWorkbookError
from gendan_xl.schema import DATE, INT, ORDERS, TEXT, SheetSchema, fold_key, header_language
from gendan_xl.sheet_data import NOTHING, Columns, RawCells, Row, Table
from gendan_xl.values import BAD, filled_width, is_blank, parse_date_value, type_value
from gendan_xl.xlsx.package import find_sheet, open_package, workbook_date1904
from gendan_xl.xlsx.source import DEFAULT_LIMITS, Limits, WorkbookFile, check_texts
from gendan_xl.xlsx.table import DATA, END, HEADER_SEARCH_ROWS, DataEnd, FoundTable, locate_table
from gendan_xl.xlsx.validations import (Area, ListValidation, classify, parse_sqref, parse_validations,
                                        sheet_tail, workbook_names, workbook_tables)

class _SheetFinder:
    """Finding a sheet by the names people give it; shared by files and in-memory workbooks."""

    sheet_names: list[str]

    if TYPE_CHECKING:  # a field in MemoryBook, a read-only property (the file's name) in PackageSheets
        @property
        def name(self) -> str: ...

    def find_sheet(self, schema: SheetSchema, sheet: str | None = None) -> str:
        """The sheet to read: the one named (case aside, as Excel compares sheet names), else the first whose
        name is one of the schema's aliases."""
        if sheet is not None:
            if sheet in self.sheet_names:
                return sheet
            same = [name for name in self.sheet_names if name.casefold() == sheet.casefold()]
            if len(same) == 1:
                return same[0]
            raise MissingSheetError.said("no-sheet", name=self.name, sheet=sheet, found=", ".join(self.sheet_names))
        wanted = {fold_key(a) for a in (schema.zh, schema.en, *schema.sheet_aliases)}
        for name in self.sheet_names:
            if fold_key(name) in wanted:
                return name
        raise MissingSheetError.said("no-sheet", name=self.name, sheet=f"{schema.zh} / {schema.en}",
                                     found=", ".join(self.sheet_names))


@dataclass
class MemoryBook(_SheetFinder):
    """Sheets already in memory (rows of values from A1, as a used range gives them): the Excel button's
    workbook, and tests. Empty cells may be None or ""."""

    sheets: dict[str, list[list[Any]]]
    name: str = "workbook"
    date1904: bool = False

    @property
    def sheet_names(self) -> list[str]:  # type: ignore[override]
        return list(self.sheets)

    def values(self, sheet: str) -> list[list[Any]]:
        return self.sheets[sheet]

    def iter_rows(self, sheet: str) -> Iterator[list[Any]]:
        return iter(self.sheets[sheet])

    def formulas_without_value(self, sheet: str) -> set[str]:
        return set()  # a live workbook has calculated every formula

    def dropdowns(self, sheet: str) -> list[ListValidation]:
        return []  # Excel validates what is typed in a live workbook; the button does not read the lists

    def area_values(self, sheet: str, area: Area) -> list[Any]:
        return []


class PackageSheets:
    """What python-calamine does not tell about a sheet, read from the package itself: formulas without a
    cached value, the list validations (drop-downs) and a small area's values. Shared by the calamine `Book`
    and our own `stream.StreamBook`; `wf` is the workbook file both read."""

    wf: WorkbookFile
    _scans: dict[str, tuple[set[str], list]]
    _validations: dict[str, list]

    @property
    def path(self) -> Path:
        return self.wf.path

    @property
    def name(self) -> str:
        return self.wf.name

    def formulas_without_value(self, sheet: str) -> set[str]:
        """Cells ("K12") holding a formula but no cached value: their value is unknown until Excel recalculates.

        The sheet's XML is scanned in chunks for the few ways such a cell can end; only a sheet that has one
        is searched cell by cell (rare: files written by scripts that never ran Excel)."""
        return self._scan(sheet)[0]

    def dropdowns(self, sheet: str) -> list[ListValidation]:
        """The sheet's list validations (drop-downs), their sources resolved (see xlsx/validations.py)."""
        raw = self._validations[sheet] if sheet in self._validations else self._scan(sheet)[1]
        if not raw:
            return []
        pkg = open_package(self.wf)
        with pkg.zf:
            names = workbook_names(pkg.zf, pkg.names, pkg.workbook, [n for n, _, _ in pkg.sheets])
            tables = workbook_tables(pkg.zf, pkg.names, [(n, part) for n, kind, part in pkg.sheets
                                                         if kind == "worksheet"])
        return [ListValidation(parse_sqref(sqref), classify(formula, quoted, sheet, names, tables))
                for sqref, formula, quoted in raw]

    def area_values(self, sheet: str, area: Area) -> list[Any]:
        """The non-blank values of a small area, row by row: a drop-down's source range."""
        out: list[Any] = []
        for r, cells in enumerate(self.iter_rows(sheet), start=1):  # type: ignore[attr-defined]
            if r > area.row2:
                break
            if r >= area.row1:
                out.extend(v for v in cells[area.col1:area.col2 + 1] if not is_blank(v))
        return out

    def sheet_part(self, sheet: str) -> str:
        pkg = open_package(self.wf)
        with pkg.zf:
            return find_sheet(pkg, self.wf.path, sheet)[1]

    def note_validations(self, sheet: str, tail_doc: bytes | None) -> None:
        """Keep the list validations of `sheet` from `tail_doc` (its root start tag and what follows its
        <sheetData>), found by a pass over its XML made anyway (the streaming reader's)."""
        self._validations[sheet] = parse_validations(tail_doc)

    def _scan(self, sheet: str) -> tuple[set[str], list[tuple[str, str | None, tuple[str, ...] | None]]]:
        """One pass over the sheet's XML for what calamine does not tell: formulas without a cached value
        and the list validations after <sheetData>."""
        if sheet in self._scans:
            return self._scans[sheet]
        part = self.sheet_part(sheet)
        tail, flagged, doc = b"", False, None
        for chunk, doc in sheet_tail(self.wf.inflate(part)):  # noqa: B007  (the last `doc` is used below)
            if chunk and not flagged:
                window = tail + chunk
                flagged = any(end in window for end in NO_CACHE_ENDS)
                tail = window[-16:]
        no_cache = formulas_without_value(self.wf.read_part(part)) if flagged else set()
        self._scans[sheet] = (no_cache, parse_validations(doc))
        return self._scans[sheet]


# How a formula cell without a cached value ends: "</f></c>", "<f .../></c>", "<v/></c>", "<v></v></c>".
NO_CACHE_ENDS = (b"</f></c>", b"/></c>", b"<v></v></c>")
_NO_CACHE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')


def formulas_without_value(xml: bytes) -> set[str]:
    """The cells ("K12") of a piece of sheet XML that hold a formula but no cached value."""
    return {m.group(1).decode() for m in _NO_CACHE.finditer(xml)}


@dataclass
class Book(PackageSheets, _SheetFinder):
    """An open workbook file read by python-calamine: its sheet names, its date system, its sheets' values."""

    wf: WorkbookFile
    sheet_names: list[str]
    date1904: bool
    _wb: Any = field(repr=False, default=None)
    _cache: dict[str, list[list[Any]]] = field(repr=False, default_factory=dict)
    _scans: dict[str, tuple[set[str], list]] = field(repr=False, default_factory=dict)
    _validations: dict[str, list] = field(repr=False, default_factory=dict)

    def values(self, sheet: str) -> list[list[Any]]:
        """Every row of the sheet from A1, as calamine types them (empty cells are ""). Read once."""
        if sheet not in self._cache:
            self._cache[sheet] = self._sheet(sheet).to_python(skip_empty_area=False)
        return self._cache[sheet]

    def iter_rows(self, sheet: str) -> Iterator[list[Any]]:
        """The rows of the sheet from A1, one at a time, kept nowhere: a million-row sheet as one list of
        lists is two gigabytes of Python objects, while calamine's own copy is a third of that."""
        if sheet in self._cache:
            yield from self._cache[sheet]
            return
        yield from sheet_rows(self._sheet(sheet))

    def _sheet(self, sheet: str) -> Any:
        try:
            return self._wb.get_sheet_by_name(sheet)
        except calamine.CalamineError as exc:
            raise UnusableWorkbookError.said("sheet-unreadable", name=self.name, sheet=sheet, why=exc) from exc
        except Exception as exc:  # calamine raises its own XmlError/ZipError types for broken parts
            raise UnusableWorkbookError.said("sheet-corrupt", name=self.name, sheet=sheet, why=exc) from exc


def sheet_rows(ws: Any) -> Iterator[list[Any]]:
    """The rows of a python-calamine sheet from A1 — row 1 first, column A first — one at a time.

    `iter_rows` streams, but python-calamine 0.9 pads the empty rows above the used range and not the
    empty columns left of it; `to_python(skip_empty_area=False)` pads both, as documented, but builds the
    whole grid. So a sheet whose used range starts at A1 (nearly all) streams, and any other takes the grid."""
    if tuple(ws.start or (0, 0)) == (0, 0):
        yield from ws.iter_rows()
    else:
        yield from ws.to_python(skip_empty_area=False)


def open_book(path: str | Path | WorkbookFile, limits: Limits = DEFAULT_LIMITS) -> Book:
    """Open a workbook for reading, or raise UnusableWorkbookError with one line saying why. The file is read
    once and checked against `limits` (source.py) before python-calamine sees its bytes."""
    wf = path if isinstance(path, WorkbookFile) else WorkbookFile.read(path, limits)
    name = wf.name
    wf.check_sizes()
    check_texts(wf)
    try:
        date1904 = workbook_date1904(wf.zip.read(_workbook_part(wf.zip)))
    except zipfile.BadZipFile as exc:
        raise UnusableWorkbookError.said("corrupt-zip", name=name, why=exc) from exc
    except KeyError as exc:
        raise UnusableWorkbookError.said("no-workbook-part", name=name) from exc
    try:
        # from the path, not our bytes: python-calamine tells the file's kind by its suffix, and only then names
        # what it refuses (an Excel 4 macro sheet ...) instead of "cannot detect the format"
        wb = calamine.CalamineWorkbook.from_path(str(wf.path))
        names = list(wb.sheet_names)
    except calamine.PasswordError as exc:
        raise UnusableWorkbookError(f"{name}: password protected; save a copy without a password") from exc
    except Exception as exc:  # calamine's ZipError / XmlError / CalamineError: all "cannot read"
        raise _calamine_error(name, exc) from exc
    return Book(wf=wf, sheet_names=names, date1904=date1904, _wb=wb)


def _calamine_error(name: str, exc: Exception) -> UnusableWorkbookError:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "entity" in text:
        return UnusableWorkbookError.said("xml-entities", name=name, why=text)
    if "macrosheet" in text:
        return UnusableWorkbookError.said("macro-sheet", name=name, why=text)
    if "Zip" in type(exc).__name__ or "zip" in text.lower():
        return UnusableWorkbookError.said("corrupt-zip", name=name, why=text)
    return UnusableWorkbookError.said("corrupt-workbook", name=name, why=text)


def _workbook_part(zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if "xl/workbook.xml" in names:
        return "xl/workbook.xml"
    rels = zf.read("_rels/.rels")
    m = re.search(rb'Target="/?([^"]*workbook[^"]*\.xml)"', rels)
    if not m:
        raise KeyError("xl/workbook.xml")
    return m.group(1).decode()


# ---------------------------------------------------------------------------------------------- typed rows

def read_table(book: Book | MemoryBook, schema: SheetSchema, sheet: str | None = None, *,
               year_anchor: str | None = "order_date") -> Table:
    """Read one sheet against `schema`: find the header row, map its headers, type every data row.

    `year_anchor` names the date field that gives the year to dates typed without one ("11月3日").
    """
    name = book.find_sheet(schema, sheet)
    grid = book.values(name)
    found = locate_table(grid[:HEADER_SEARCH_ROWS], schema, book.name, name)
    header_idx, columns, headers = found.header_idx, found.match.columns, found.headers
    no_cache = book.formulas_without_value(name) if any(
        schema.column(f).type != TEXT for f in columns) else set()
    rows = list(_data_rows(grid, found, schema, book.date1904, no_cache, year_anchor))
    return Table(sheet=name, schema=schema, header_row=header_idx + 1, columns=columns, headers=headers,
                 width=len(headers), rows=rows, lang=header_language([headers[i] for i in columns.values()]),
                 block=found.block, match=found.match)


def read_sheet(path: str | Path, schema: SheetSchema = ORDERS, sheet: str | None = None) -> Table:
    """Open `path` and read one sheet: the short form of open_book + read_table."""
    return read_table(open_book(path), schema, sheet)


def read_columns(book: Book | MemoryBook, schema: SheetSchema, fields: Iterable[str], sheet: str | None = None, *,
                 year_anchor: str | None = "order_date") -> Columns:
    """Read one sheet against `schema`, typing only `fields`, one row at a time (see Columns)."""
    name = book.find_sheet(schema, sheet)
    rows = book.iter_rows(name)
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    found = locate_table(head, schema, book.name, name)
    header_idx, columns, headers = found.header_idx, found.match.columns, found.headers
    wanted = [f for f in dict.fromkeys(fields) if f in columns]
    if year_anchor in columns and year_anchor not in wanted:
        wanted.append(year_anchor)
    spec: list[tuple[int, list[Any]]] = [(columns[f], []) for f in wanted]
    raw: dict[str, list[Any]] = {f: lst for f, (_, lst) in zip(wanted, spec)}
    row_numbers: list[int] = []
    below: dict[int, list[Any]] = {}
    used_width = 0
    ends = DataEnd(schema, found)
    ended = False
    for i, cells in enumerate(itertools.chain(head, rows)):
        w = filled_width(cells)
        if w > used_width:
            used_width = w
        if i <= header_idx:
            continue
        if not ended:
            kind = ends.kind(cells, w)
            if kind is DATA:
                row_numbers.append(i + 1)
                n = len(cells)
                for c, lst in spec:
                    lst.append(cells[c] if c < n else None)
                continue
            ended = kind is END
        if w:  # a total, a note, or what a cleared order left: a refresh clears its old status there
            below[i + 1] = cells

    no_cache = book.formulas_without_value(name) if any(
        schema.column(f).type != TEXT for f in wanted) else set()
    anchors = None
    if year_anchor in raw:
        anchors = [None if is_blank(v) else parse_date_value(v, book.date1904, None) for v in raw[year_anchor]]
    values: dict[str, list[Any]] = {}
    errors: dict[str, dict[int, tuple[str, Any]]] = {}
    for f in wanted:
        values[f], bad = type_column(raw.pop(f), schema.column(f).type, book.date1904, anchors)
        if no_cache:
            ref = col_letter(columns[f])
            bad.update({i: ("no-cached-value", None) for i, v in enumerate(values[f])
                        if v is None and i not in bad and f"{ref}{row_numbers[i]}" in no_cache})
        if bad:
            errors[f] = bad
    return Columns(sheet=name, schema=schema, header_row=header_idx + 1, columns=columns, headers=headers,
                   width=len(headers), lang=header_language([headers[i] for i in columns.values()]),
                   block=found.block, match=found.match, row_numbers=row_numbers, values=values, errors=errors,
                   used_width=used_width, below=below)


_SHARED_TEXTS = 50_000


def type_column(raw: list[Any], kind: str, date1904: bool, anchors: list[dt.date | None] | None,
                types: set[type] | None = None) -> tuple[list[Any], dict[int, tuple[str, Any]]]:
    """Typed values of one column (None for blank or bad) and {index: (code, raw)} of the bad ones. `types`:
    the types of its values, when known (or more: it only tells whether the column can be typed at once)."""
    at_once = _typed_at_once(raw, kind, set(map(type, raw)) if types is None else types)
    if at_once is not None:
        return at_once, {}
    out: list[Any] = []
    bad: dict[int, tuple[str, Any]] = {}
    append = out.append
    # calamine gives every cell its own str: a customer's name a million times is 60 MB, one copy 60 bytes.
    # Texts are shared until a column proves mostly distinct (order numbers).
    seen: dict[str, str] | None = {} if kind == TEXT else None
    for i, v in enumerate(raw):
        if v is None or v == "":
            append(None)
            continue
        t = type(v)  # the fast paths of type_value, inline: this runs for every cell of a million lines
        if t is str:
            if kind == TEXT:
                v = v.strip()
                if seen is not None and v:
                    v = seen.setdefault(v, v)
                    if len(seen) > _SHARED_TEXTS:
                        seen = None
                append(v or None)
                continue
            if not v.strip():
                append(None)
                continue
        elif kind == DATE and t is dt.date:
            append(v)
            continue
        elif kind == INT and t is float and v.is_integer():
            append(int(v))
            continue
        value = type_value(v, kind, date1904, anchors[i] if anchors else None)
        if value is BAD:
            append(None)
            bad[i] = ("bad-date" if kind == DATE else "bad-number", v)
        else:
            append(value)
    return out, bad


def _typed_at_once(raw: list[Any], kind: str, types: set[type]) -> list[Any] | None:
    """`type_column` of a column all of whose cells take one of its fast paths, in C loops (a million lines'
    dates are dates, their texts texts); None for any other column."""
    if kind == DATE and types <= {dt.date, type(None)}:
        return list(raw)
    if kind == TEXT and types <= {str, type(None)}:
        out = list(map(str.strip, raw)) if types == {str} else [None if v is None else v.strip() for v in raw]
        if "" in out:
            out = [v or None for v in out]
        if len(out) > _SHARED_TEXTS and len(set(out[:_SHARED_TEXTS])) > _SHARED_TEXTS // 2:
            return out  # mostly distinct (order numbers): nothing to share, and a dict of them all costs
        seen: dict[Any, Any] = {}  # one copy of each text (see type_column)
        return list(map(seen.setdefault, out, out))
    if kind == INT and types <= {float, type(None)} and all(map(float.is_integer, filter(None, raw))):
        return list(map(int, raw)) if types == {float} else [None if v is None else int(v) for v in raw]
    return None


def _data_rows(grid: list[list[Any]], found: FoundTable, schema: SheetSchema, date1904: bool,
               no_cache: set[str], year_anchor: str | None) -> Iterator[Row]:
    """Rows below the header until the data ends (see `DataEnd`)."""
    columns, headers = found.match.columns, found.headers
    spec = [(f, c, schema.column(f).type) for f, c in columns.items()]
    taken = set(columns.values())
    extra_cols = [(c, headers[c]) for c in found.block if c < len(headers) and headers[c] and c not in taken]
    ends = DataEnd(schema, found)
    for i in range(found.header_idx + 1, len(grid)):
        cells = grid[i]
        kind = ends.kind(cells, filled_width(cells))
        if kind is END:
            return
        if kind is DATA:
            yield _type_row(i + 1, cells, spec, columns, extra_cols, date1904, no_cache, year_anchor)


def _type_row(excel_row: int, cells: list[Any], spec: list[tuple[str, int, str]], columns: dict[str, int],
              extra_cols: list[tuple[int, str]], date1904: bool, no_cache: set[str],
              year_anchor: str | None) -> Row:
    width = len(cells)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    anchor = None
    if year_anchor in columns:
        c = columns[year_anchor]
        anchor = parse_date_value(None if c >= width or is_blank(cells[c]) else cells[c], date1904, None)
    for f, c, kind in spec:
        v = cells[c] if c < width else None
        if v == "" or (isinstance(v, str) and not v.strip()):
            v = None
        if v is None:
            values[f] = None
            if no_cache and cell_ref(excel_row, c) in no_cache:
                errors[f] = "no-cached-value"
            continue
        value = type_value(v, kind, date1904, anchor)
        if value is BAD:
            values[f] = None
            errors[f] = "bad-date" if kind == DATE else "bad-number"
        else:
            values[f] = value
    extra = {h: cells[c] for c, h in extra_cols if c < width and not is_blank(cells[c])} if extra_cols else None
    return Row(row=excel_row, values=values, raw=RawCells(cells, columns), errors=errors or NOTHING,
               cols=columns, extra=extra or NOTHING)


