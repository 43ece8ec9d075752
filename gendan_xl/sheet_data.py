"""A sheet read against a schema: typed rows or columns, each value with the cell it came from.

What the reader (xlsx/read.py) hands to the domain: validation checks `Table` rows, the status reads
`Columns`; neither knows how the file was read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from gendan_xl.cellrefs import cell_ref
from gendan_xl.schema import HeaderMatch, SheetSchema
from gendan_xl.values import is_blank

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


NOTHING: Mapping[str, Any] = MappingProxyType({})  # the errors and extras of a clean row: shared, read-only


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
