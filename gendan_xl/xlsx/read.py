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
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Iterator, Mapping, Sequence

import python_calamine as calamine

from gendan_xl.errors import MissingColumnsError, MissingSheetError, UnusableWorkbookError
from gendan_xl.xlsx.package import find_sheet, inflate_member, open_package, workbook_date1904
from gendan_xl.xlsx.refs import cell_ref, col_letter
from gendan_xl.xlsx.validations import (Area, ListValidation, classify, parse_sqref, parse_validations,
                                        sheet_tail, workbook_names, workbook_tables)
from gendan_xl.schema import (DATE, INT, NUMBER, ORDERS, TEXT, HeaderMatch, SheetSchema, fold_key, header_language,
                              match_header_row)

HEADER_SEARCH_ROWS = 20
# A row whose first text says one of these ends the table: people put totals under their data.
TOTAL_MARKERS = ("合计", "总计", "小计", "total", "totals", "grandtotal", "subtotal", "sum")
# Excel's day zero. 1900 system: serial 1 = 1900-01-01, but Excel counts a 1900-02-29 that never was
# (Lotus compatibility), so from serial 61 on the offset is 1899-12-30; we accept that dates before
# March 1900 are one day off, as every reader does.
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: legacy .xls or an encrypted .xlsx


class _SheetFinder:
    """Finding a sheet by the names people give it; shared by files and in-memory workbooks."""

    name: str
    sheet_names: list[str]

    def find_sheet(self, schema: SheetSchema, sheet: str | None = None) -> str:
        """The sheet to read: the one named, else the first whose name is one of the schema's aliases."""
        if sheet is not None:
            if sheet in self.sheet_names:
                return sheet
            raise MissingSheetError(
                f'{self.name} has no sheet "{sheet}" (found: {", ".join(self.sheet_names)}); pass --sheet')
        wanted = {fold_key(a) for a in (schema.zh, schema.en, *schema.sheet_aliases)}
        for name in self.sheet_names:
            if fold_key(name) in wanted:
                return name
        raise MissingSheetError(
            f'{self.name} has no sheet "{schema.zh}" / "{schema.en}" '
            f'(found: {", ".join(self.sheet_names)}); pass --sheet')


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


@dataclass
class Book(_SheetFinder):
    """An open workbook file: its sheet names, its date system and a way to read a sheet's values."""

    path: Path
    sheet_names: list[str]
    date1904: bool
    _wb: Any = field(repr=False, default=None)
    _cache: dict[str, list[list[Any]]] = field(repr=False, default_factory=dict)
    _scans: dict[str, tuple[set[str], list]] = field(repr=False, default_factory=dict)

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.path.name

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
            raise UnusableWorkbookError(f"{self.path.name}: sheet {sheet!r} cannot be read ({exc})") from exc
        except Exception as exc:  # calamine raises its own XmlError/ZipError types for broken parts
            raise UnusableWorkbookError(f"{self.path.name}: sheet {sheet!r} is corrupt ({exc})") from exc

    def formulas_without_value(self, sheet: str) -> set[str]:
        """Cells ("K12") holding a formula but no cached value: their value is unknown until Excel recalculates.

        The sheet's XML is scanned in chunks for the few ways such a cell can end; only a sheet that has one
        is searched cell by cell (rare: files written by scripts that never ran Excel)."""
        return self._scan(sheet)[0]

    def dropdowns(self, sheet: str) -> list[ListValidation]:
        """The sheet's list validations (drop-downs), their sources resolved (see xlsx/validations.py)."""
        raw = self._scan(sheet)[1]
        if not raw:
            return []
        pkg = open_package(self.path)
        with pkg.zf:
            names = workbook_names(pkg.zf, pkg.names, pkg.workbook, [n for n, _, _ in pkg.sheets])
            tables = workbook_tables(pkg.zf, pkg.names, [(n, part) for n, kind, part in pkg.sheets
                                                         if kind == "worksheet"])
        return [ListValidation(parse_sqref(sqref), classify(formula, quoted, sheet, names, tables))
                for sqref, formula, quoted in raw]

    def area_values(self, sheet: str, area: Area) -> list[Any]:
        """The non-blank values of a small area, row by row: a drop-down's source range."""
        out: list[Any] = []
        for r, cells in enumerate(self.iter_rows(sheet), start=1):
            if r > area.row2:
                break
            if r >= area.row1:
                out.extend(v for v in cells[area.col1:area.col2 + 1] if not is_blank(v))
        return out

    def _scan(self, sheet: str) -> tuple[set[str], list[tuple[str, str | None, tuple[str, ...] | None]]]:
        """One pass over the sheet's XML for what calamine does not tell: formulas without a cached value
        and the list validations after <sheetData>."""
        if sheet in self._scans:
            return self._scans[sheet]
        pkg = open_package(self.path)
        with pkg.zf, open(self.path, "rb") as src:
            zi = pkg.zf.getinfo(find_sheet(pkg, self.path, sheet)[1])
            tail, flagged, doc = b"", False, None
            for chunk, doc in sheet_tail(inflate_member(src, zi)):
                if chunk and not flagged:
                    window = tail + chunk
                    flagged = any(end in window for end in _NO_CACHE_ENDS)
                    tail = window[-16:]
            no_cache = {m.group(1).decode() for m in _NO_CACHE.finditer(pkg.zf.read(zi))} if flagged else set()
        self._scans[sheet] = (no_cache, parse_validations(doc))
        return self._scans[sheet]


# How a formula cell without a cached value ends: "</f></c>", "<f .../></c>", "<v/></c>", "<v></v></c>".
_NO_CACHE_ENDS = (b"</f></c>", b"/></c>", b"<v></v></c>")
_NO_CACHE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')


def sheet_rows(ws: Any) -> Iterator[list[Any]]:
    """The rows of a python-calamine sheet from A1 — row 1 first, column A first — one at a time.

    `iter_rows` streams, but python-calamine 0.9 pads the empty rows above the used range and not the
    empty columns left of it; `to_python(skip_empty_area=False)` pads both, as documented, but builds the
    whole grid. So a sheet whose used range starts at A1 (nearly all) streams, and any other takes the grid."""
    if tuple(ws.start or (0, 0)) == (0, 0):
        yield from ws.iter_rows()
    else:
        yield from ws.to_python(skip_empty_area=False)


def open_book(path: str | Path) -> Book:
    """Open a workbook for reading, or raise UnusableWorkbookError with one line saying why."""
    path = Path(path)
    name = path.name
    if path.is_dir():
        raise UnusableWorkbookError(f"{path}: is a folder, not a workbook")
    if not path.is_file():
        raise UnusableWorkbookError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _CFB_MAGIC:
        # Office stores a password-protected .xlsx inside an OLE container; a real .xls is one too.
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise UnusableWorkbookError(f"{name}: password protected; save a copy without a password to open")
        raise UnusableWorkbookError(f"{name}: legacy .xls workbook; save it as .xlsx in Excel")
    if not head.startswith(b"PK"):
        raise UnusableWorkbookError(f"{name}: not a workbook (not an .xlsx/.xlsm zip file)")
    try:
        with zipfile.ZipFile(path) as zf:
            date1904 = workbook_date1904(zf.read(_workbook_part(zf)))
    except zipfile.BadZipFile as exc:
        raise UnusableWorkbookError(f"{name}: corrupt zip ({exc}); open and re-save it in Excel") from exc
    except KeyError as exc:
        raise UnusableWorkbookError(f"{name}: not a workbook (no xl/workbook.xml)") from exc
    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except calamine.PasswordError as exc:
        raise UnusableWorkbookError(f"{name}: password protected; save a copy without a password") from exc
    except Exception as exc:  # calamine's ZipError / XmlError / CalamineError: all "cannot read"
        raise UnusableWorkbookError(f"{name}: {_describe_calamine_error(exc)}") from exc
    return Book(path=path, sheet_names=names, date1904=date1904, _wb=wb)


def _describe_calamine_error(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "entity" in text:
        return f"refused: the XML uses entity definitions (an XML bomb?) ({text})"
    if "macrosheet" in text:
        return f"has an Excel 4 macro sheet, which we cannot read; save a copy without it ({text})"
    if "Zip" in type(exc).__name__ or "zip" in text.lower():
        return f"corrupt zip ({text}); open and re-save it in Excel"
    return f"corrupt workbook ({text}); open and re-save it in Excel"


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

class RawCells(Mapping[str, Any]):
    """The raw cell values of one row by field, read from the sheet's own row list (blank → None).

    A view, not a copy: a million-row sheet would otherwise hold every value twice."""

    __slots__ = ("_cells", "_cols")

    def __init__(self, cells: list[Any], cols: dict[str, int]) -> None:
        self._cells, self._cols = cells, cols

    def __getitem__(self, field_: str) -> Any:
        c = self._cols[field_]
        v = self._cells[c] if c < len(self._cells) else None
        return None if is_blank(v) else v

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols)

    def __len__(self) -> int:
        return len(self._cols)

    def __repr__(self) -> str:
        return repr(dict(self))


_NOTHING: Mapping[str, Any] = MappingProxyType({})  # the errors and extras of a clean row: shared, read-only


@dataclass(slots=True)
class Row:
    """One data row: typed values by field, the raw cell values, and where each came from."""

    row: int  # 1-based Excel row number
    values: dict[str, Any]
    raw: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)  # field → "bad-date" | "bad-number" | "no-cached-value"
    cols: dict[str, int] = field(default_factory=dict)  # field → 0-based column index
    extra: Mapping[str, Any] = field(default_factory=dict)  # unknown columns: header text → raw value

    def ref(self, field_: str) -> str:
        return cell_ref(self.row, self.cols[field_])

    def get(self, field_: str) -> Any:
        return self.values.get(field_)


@dataclass
class SheetLayout:
    """Where a sheet read against a schema keeps its data: the header row and the column of each field."""

    sheet: str
    schema: SheetSchema
    header_row: int  # 1-based
    columns: dict[str, int]  # field → 0-based column index
    headers: list[str]
    width: int
    lang: str
    block: range  # the table's columns: a sheet may hold other tables beside it
    match: HeaderMatch  # how the headers matched: what lost to a better spelling, what only looks like a field

    def column_ref(self, field_: str) -> str:
        return cell_ref(self.header_row, self.columns[field_])


@dataclass
class Table(SheetLayout):
    """A sheet read against a schema, row by row."""

    rows: list[Row] = field(default_factory=list)


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


@dataclass
class Columns(SheetLayout):
    """A sheet read column by column: the typed values of a few fields and no object per row.

    What the status of a million-line sheet needs; the rules (header, end of data, typing) are read_table's.
    `columns` maps every field found, typed or not; `values` holds the typed ones, a list per field with one
    entry per data line (None when blank or bad); `errors` says which were bad, with the raw value."""

    row_numbers: list[int]  # the Excel row of each data line
    values: dict[str, list[Any]]
    errors: dict[str, dict[int, tuple[str, Any]]]  # field → {line index: (code, raw value)}
    used_width: int  # columns in use from A, over every row of the sheet
    below: dict[int, list[Any]]  # non-blank rows that are not data lines: 1-based row → cells

    def __len__(self) -> int:
        return len(self.row_numbers)


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
    spec = [(columns[f], []) for f in wanted]
    raw: dict[str, list[Any]] = {f: lst for f, (_, lst) in zip(wanted, spec)}
    row_numbers: list[int] = []
    below: dict[int, list[Any]] = {}
    used_width = 0
    ends = _DataEnd(schema, found)
    ended = False
    for i, cells in enumerate(itertools.chain(head, rows)):
        w = filled_width(cells)
        if w > used_width:
            used_width = w
        if i <= header_idx:
            continue
        if not ended:
            kind = ends.kind(cells, w)
            if kind is _DATA:
                row_numbers.append(i + 1)
                n = len(cells)
                for c, lst in spec:
                    lst.append(cells[c] if c < n else None)
                continue
            ended = kind is _END
        if w:  # a total, a note, or what a cleared order left: a refresh clears its old status there
            below[i + 1] = cells

    no_cache = book.formulas_without_value(name) if any(
        schema.column(f).type != TEXT for f in wanted) else set()
    anchors = None
    if year_anchor in raw:
        anchors = [None if is_blank(v) else _parse_date(v, book.date1904, None) for v in raw[year_anchor]]
    values: dict[str, list[Any]] = {}
    errors: dict[str, dict[int, tuple[str, Any]]] = {}
    for f in wanted:
        values[f], bad = _type_column(raw.pop(f), schema.column(f).type, book.date1904, anchors)
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


def _type_column(raw: list[Any], kind: str, date1904: bool,
                 anchors: list[dt.date | None] | None) -> tuple[list[Any], dict[int, tuple[str, Any]]]:
    """Typed values of one column (None for blank or bad) and {index: (code, raw)} of the bad ones."""
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
        t = type(v)  # the fast paths of _type_value, inline: this runs for every cell of a million lines
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
        value = _type_value(v, kind, date1904, anchors[i] if anchors else None)
        if value is _BAD:
            append(None)
            bad[i] = ("bad-date" if kind == DATE else "bad-number", v)
        else:
            append(value)
    return out, bad


@dataclass(frozen=True)
class FoundTable:
    """Where a table sits in a sheet: its header row (0-based), its column block and its header match."""

    header_idx: int
    block: range
    match: HeaderMatch
    headers: list[str]


def locate_table(head: Sequence[Sequence[Any]], schema: SheetSchema, book_name: str, sheet: str, *,
                 check: bool = True) -> FoundTable:
    """The table of `schema` in the first rows of a sheet: the header row and column block that name the most
    fields. Raises MissingColumnsError, with the headers found and the gendan.toml lines that would fix it,
    when there is none, when a required field is missing, or when two headers claim one field equally.

    A sheet may hold more than one table: blocks are separated by columns empty in the header row and in the
    rows under it, and only the best block is read — a neighbouring table's "Item #" or "Total" is not ours.
    """
    wanted = set(schema.required) | {f for group in schema.one_of for f in group}
    best: tuple[int, int, range, HeaderMatch] | None = None
    for i, row in enumerate(head):
        for block in _blocks(head, i):
            match = match_header_row(schema, list(row), block)
            named = len(match.columns) + len(match.duplicates)
            if named < 2:
                continue
            score = named + sum(1 for f in match.columns if f in wanted)
            if best is None or score > best[0]:
                best = (score, i, block, match)
    if best is None:
        candidates = [r for r in head if sum(1 for v in r if isinstance(v, str) and v.strip()) >= 2]
        found = _header_texts(candidates[0], range(len(candidates[0]))) if candidates else "none"
        names = ", ".join(schema.column(f).zh for f in schema.required) or schema.zh
        raise MissingColumnsError(
            f'{book_name}: sheet "{sheet}" has no header row with {names} in its first {HEADER_SEARCH_ROWS} rows '
            f"(headers found: {found}); check the column titles, or map yours in gendan.toml [columns]")
    _, idx, block, match = best
    headers = ["" if h is None else str(h).strip() for h in head[idx]]
    if not check:  # `inspect` shows what is missing or doubled instead of stopping at it
        return FoundTable(idx, block, match, headers)
    if schema.strict:
        _check_fields(schema, book_name, sheet, idx, block, match, headers)
    else:
        missing = [f for f in schema.required if f not in match.columns]
        if missing and len(missing) == len(schema.required):
            raise MissingColumnsError(f'{book_name}: sheet "{sheet}" lacks the columns '
                                      f'{", ".join(schema.column(f).zh for f in missing)}')
    return FoundTable(idx, block, match, headers)


def _blocks(head: Sequence[Sequence[Any]], i: int) -> list[range]:
    """The column blocks of header row `i`: runs of columns apart from the separators, a separator being a
    column blank in the header and in every row of `head` under it (a blank header over data is a column
    of the table whose title was left empty)."""
    row = head[i]
    below = head[i + 1:]
    blocks, start = [], None
    for c in range(len(row)):
        separator = is_blank(row[c]) and all(c >= len(r) or is_blank(r[c]) for r in below)
        if separator:
            if start is not None:
                blocks.append(range(start, c))
            start = None
        elif start is None:
            start = c
    if start is not None:
        blocks.append(range(start, len(row)))
    return blocks


def _header_texts(row: Sequence[Any], block: range) -> str:
    texts = [str(row[c]).strip() for c in block if c < len(row) and not is_blank(row[c])]
    return ", ".join(texts) or "none"


def _check_fields(schema: SheetSchema, book_name: str, sheet: str, idx: int, block: range, match: HeaderMatch,
                  headers: list[str]) -> None:
    """A strict schema (the orders sheet) refuses what would make a result wrong: a required field missing,
    or two headers claiming one field equally well."""
    for f, cols in match.duplicates.items():
        cells = " and ".join(f'{cell_ref(idx + 1, c)} "{headers[c]}"' for c in cols)
        same = len({fold_key(headers[c]) for c in cols}) == 1
        fix = ("rename one of them in the workbook (e.g. 计划… / 实际…)" if same else
               f'say which one in gendan.toml: [columns] {f} = ["{headers[cols[0]]}"]')
        raise MissingColumnsError(f'{book_name}: sheet "{sheet}": {cells} both name {schema.column(f).zh} '
                                  f"({f}); {fix}")
    missing = [f for f in schema.required if f not in match.columns]
    missing += [group[0] for group in schema.one_of if not any(f in match.columns for f in group)]
    if missing:
        guesses = {f: headers[c] for c, f in match.lookalikes.items()}
        guesses.update({f: headers[c] for c, f in match.lost.items() if f not in match.columns})
        lines = "; ".join(f'{f} = ["{guesses.get(f, "<your header>")}"]' for f in missing)
        names = " / ".join(schema.column(f).zh for f in missing)
        raise MissingColumnsError(
            f'{book_name}: sheet "{sheet}" has no {names} column (headers found in row {idx + 1}: '
            f"{_header_texts(headers, block)}); add the column, or map yours in gendan.toml [columns]: {lines}")


def is_blank(value: Any) -> bool:
    """An empty cell: None, or text of only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


_TOTAL_PREFIXES = tuple(m.casefold() for m in TOTAL_MARKERS)


def _is_total_row(row: list[Any], start: int = 0, stop: int | None = None) -> bool:
    for value in itertools.islice(row, start, stop):
        if is_blank(value):
            continue
        if isinstance(value, str):
            text = value.strip().casefold()
            # the cheap prefix test first: this runs on every row of a million-line sheet
            if not text.startswith(_TOTAL_PREFIXES):
                return False
            norm = fold_key(value).rstrip("()（）")
            return norm in TOTAL_MARKERS or norm.startswith(("合计", "总计"))
        return False
    return False


def _data_rows(grid: list[list[Any]], found: FoundTable, schema: SheetSchema, date1904: bool,
               no_cache: set[str], year_anchor: str | None) -> Iterator[Row]:
    """Rows below the header until the data ends (see `_DataEnd`)."""
    columns, headers = found.match.columns, found.headers
    spec = [(f, c, schema.column(f).type) for f, c in columns.items()]
    taken = set(columns.values())
    extra_cols = [(c, headers[c]) for c in found.block if c < len(headers) and headers[c] and c not in taken]
    ends = _DataEnd(schema, found)
    for i in range(found.header_idx + 1, len(grid)):
        cells = grid[i]
        kind = ends.kind(cells, filled_width(cells))
        if kind is _END:
            return
        if kind is _DATA:
            yield _type_row(i + 1, cells, spec, columns, extra_cols, date1904, no_cache, year_anchor)


_DATA, _SKIP, _END = "data", "skip", "end"


class _DataEnd:
    """Where the data ends, one row at a time. Only the table's own columns count: a neighbouring table's
    rows, totals or notes say nothing about ours.

    - A totals row (合计 / Total first in the row) ends the table.
    - Blank rows are skipped; after one, the table goes on only if the next row fills at least half of the
      required columns we found (so a signature line or a note under the table is not read as an order,
      but an accidental blank line inside the data is not the end either).
    - A row that fills none of the line fields is not an order line (a note, or what an order whose cells
      were cleared leaves behind, with only our refresh columns still filled); nor is a repeated header row.
    """

    def __init__(self, schema: SheetSchema, found: FoundTable) -> None:
        columns = found.match.columns
        self.block = found.block
        self.required_cols = [columns[f] for f in schema.required if f in columns]
        line = schema.line_fields or schema.fields
        self.line_cols = sorted((columns[f] for f in line if f in columns), key=lambda c: c not in self.required_cols)
        # a repeated header row repeats the header's own texts in the first two mapped columns
        self.header_pair = [(c, found.headers[c]) for c in sorted(columns.values())[:2]]
        self.after_blank = False

    def kind(self, cells: list[Any], width: int) -> str:
        """_DATA, _SKIP (a blank row, a note) or _END; `width` is the row's non-blank width (0: blank)."""
        n = len(cells)
        start, stop = self.block.start, self.block.stop
        # the fast path first: this runs for every row of a million-line sheet, nearly all inside the block
        outside = start > 0 or width > stop
        if not width or (outside and all(is_blank(cells[c]) for c in range(start, min(stop, n)))):
            self.after_blank = True
            return _SKIP
        if _is_total_row(cells, start, stop if outside else n):
            return _END
        if not any(c < n and not is_blank(cells[c]) for c in self.line_cols):
            self.after_blank = True
            return _SKIP
        if all(c < n and isinstance(cells[c], str) and cells[c].strip() == h for c, h in self.header_pair):
            return _SKIP
        if self.after_blank:
            filled = sum(1 for c in self.required_cols if c < n and not is_blank(cells[c]))
            if filled * 2 < len(self.required_cols):
                return _END
            self.after_blank = False
        return _DATA


def filled_width(cells: Sequence[Any]) -> int:
    """Columns up to the last non-blank cell (0 for a blank row)."""
    w = len(cells)
    while w:
        v = cells[w - 1]
        if v is None or v == "" or (isinstance(v, str) and not v.strip()):
            w -= 1
        else:
            break
    return w


def _type_row(excel_row: int, cells: list[Any], spec: list[tuple[str, int, str]], columns: dict[str, int],
              extra_cols: list[tuple[int, str]], date1904: bool, no_cache: set[str],
              year_anchor: str | None) -> Row:
    width = len(cells)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    anchor = None
    if year_anchor in columns:
        c = columns[year_anchor]
        anchor = _parse_date(None if c >= width or is_blank(cells[c]) else cells[c], date1904, None)
    for f, c, kind in spec:
        v = cells[c] if c < width else None
        if v == "" or (isinstance(v, str) and not v.strip()):
            v = None
        if v is None:
            values[f] = None
            if no_cache and cell_ref(excel_row, c) in no_cache:
                errors[f] = "no-cached-value"
            continue
        value = _type_value(v, kind, date1904, anchor)
        if value is _BAD:
            values[f] = None
            errors[f] = "bad-date" if kind == DATE else "bad-number"
        else:
            values[f] = value
    extra = {h: cells[c] for c, h in extra_cols if c < width and not is_blank(cells[c])} if extra_cols else None
    return Row(row=excel_row, values=values, raw=RawCells(cells, columns), errors=errors or _NOTHING,
               cols=columns, extra=extra or _NOTHING)


_BAD = object()


def type_cell(raw: Any, kind: str, *, date1904: bool = False, anchor: dt.date | None = None) -> tuple[Any, str | None]:
    """One cell typed as read_table types a column of `kind` (schema TEXT, DATE, INT, NUMBER): (value, None);
    (None, None) when blank; (None, "bad-date" | "bad-number") when it cannot be one."""
    if is_blank(raw):
        return None, None
    value = _type_value(raw, kind, date1904, anchor)
    if value is _BAD:
        return None, "bad-date" if kind == DATE else "bad-number"
    return value, None


def _type_value(v: Any, kind: str, date1904: bool, anchor: dt.date | None) -> Any:
    """A non-blank cell's typed value, or _BAD. Fast paths first: what calamine gives in a tidy sheet."""
    t = type(v)
    if kind == TEXT and t is str:
        return v.strip()
    if kind == DATE and t is dt.date:
        return v
    if kind == DATE and t is dt.datetime:
        return v.date()
    if kind == INT and t is float and v.is_integer():
        return int(v)
    if kind == NUMBER and t is float and v == v:
        return Decimal(repr(v))
    return _convert(v, kind, date1904, anchor)


def _convert(raw: Any, kind: str, date1904: bool, anchor: dt.date | None) -> Any:
    if kind == TEXT:
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))  # an order number typed as a number: 2026001.0 → "2026001"
        if isinstance(raw, (dt.datetime, dt.date)):
            return raw.isoformat()[:10]
        return str(raw).strip()
    if kind == DATE:
        value = _parse_date(raw, date1904, anchor)
        return _BAD if value is None else value
    number = parse_number(raw)
    if number is None:
        return _BAD
    if kind == INT and number == number.to_integral_value():
        return int(number)
    return number


# ------------------------------------------------------------------------------------------- dates, numbers

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MD = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# Serials Excel can show as a date of 1950–2100: outside that a number in a date column is a typo.
_SERIAL_RANGE = (18264, 73415)


def parse_date(raw: Any, *, date1904: bool = False, anchor: dt.date | None = None) -> dt.date | None:
    """A date from whatever the cell holds, or None when it cannot be one. See the module docstring."""
    return _parse_date(None if is_blank(raw) else raw, date1904, anchor)


def _parse_date(raw: Any, date1904: bool, anchor: dt.date | None) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return _from_serial(float(raw), date1904)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    try:
        if m := _YMD.match(text) or _COMPACT.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _MD.match(text):
            if anchor is None:
                return None
            guess = dt.date(anchor.year, int(m.group(1)), int(m.group(2)))
            # A month-day after the order date belongs to the order's year; one well before it, to the next
            # (an order of 12-20 due "1月15日" is due next January).
            if guess < anchor - dt.timedelta(days=31):
                guess = guess.replace(year=anchor.year + 1)
            return guess
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return _from_serial(float(text), date1904)
    except ValueError:  # 2026-02-30 and friends
        return None
    return None


def _from_serial(serial: float, date1904: bool) -> dt.date | None:
    if date1904:
        serial += 1462  # the 1904 system counts from 1904-01-01: 1462 days after the 1900 system's zero
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        return None
    return _EPOCH_1900 + dt.timedelta(days=int(serial))


_NUMBER_NOISE = re.compile(r"[\s,，'_]|^(?:RMB|CNY|USD|EUR|HKD|US\$|HK\$|[¥￥$€£])|(?:RMB|CNY|USD|EUR|元|PCS|pcs|个|只|台)$",
                           re.IGNORECASE)


def parse_number(raw: Any) -> Decimal | None:
    """A Decimal from a number cell or number-like text ("1,200", "¥12.50", "１２００", " 3 500 "), else None."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if raw == raw and raw not in (float("inf"), float("-inf")) else None
    if isinstance(raw, Decimal):
        return raw
    if not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    negative = text.startswith("(") and text.endswith(")")  # accountants' (1,200.00)
    if negative:
        text = text[1:-1]
    previous = None
    while previous != text:
        previous, text = text, _NUMBER_NOISE.sub("", text)
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return -value if negative else value
