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
from typing import Any, Iterable, Iterator, Sequence

import python_calamine as calamine

from gendan_xl.errors import MissingColumnsError, MissingSheetError, UnusableWorkbookError
from gendan_xl.xlsx.package import find_sheet, inflate_member, open_package, workbook_date1904
from gendan_xl.cellrefs import cell_ref, col_letter
from gendan_xl.xlsx.validations import (Area, ListValidation, classify, parse_sqref, parse_validations,
                                        sheet_tail, workbook_names, workbook_tables)
from gendan_xl.schema import (DATE, INT, ORDERS, TEXT, HeaderMatch, SheetSchema, fold_key, header_language,
                              match_header_row)
from gendan_xl.sheet_data import NOTHING, Columns, RawCells, Row, Table
from gendan_xl.values import BAD, filled_width, is_blank, parse_date_value, type_value

HEADER_SEARCH_ROWS = 20
# A row whose first text says one of these ends the table: people put totals under their data.
TOTAL_MARKERS = ("合计", "总计", "小计", "total", "totals", "grandtotal", "subtotal", "sum")
# Excel's day zero. 1900 system: serial 1 = 1900-01-01, but Excel counts a 1900-02-29 that never was
# (Lotus compatibility), so from serial 61 on the offset is 1899-12-30; we accept that dates before
# March 1900 are one day off, as every reader does.
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
        anchors = [None if is_blank(v) else parse_date_value(v, book.date1904, None) for v in raw[year_anchor]]
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


