"""Where a table sits in a sheet and where its data ends: the rules every reader of a sheet shares (the
python-calamine reader in read.py, our streaming reader in stream.py, `inspect`).

A sheet may hold more than one table: the header row and column block naming the most fields is ours
(`locate_table`). Its data runs down from the header until a totals row, or a blank gap followed by a row that
is not an order line (`DataEnd`).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from gendan_xl.cellrefs import cell_ref
from gendan_xl.errors import MissingColumnsError
from gendan_xl.schema import HeaderMatch, SheetSchema, fold_key, match_header_row
from gendan_xl.values import is_blank

HEADER_SEARCH_ROWS = 20
# A row whose first text says one of these ends the table: people put totals under their data.
TOTAL_MARKERS = ("合计", "总计", "小计", "total", "totals", "grandtotal", "subtotal", "sum")


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
    rows under it, and only the best block is read — a neighbouring table's "Item #" or "Total" is not ours —
    with the blocks beside it that name only fields it lacks: a blank column inside a table is no second
    table (`_with_blank_columns`).
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
        found = _header_texts(candidates[0], range(len(candidates[0]))) if candidates else "—"
        names = ", ".join(schema.column(f).zh for f in schema.required) or schema.zh
        raise MissingColumnsError.said("no-header-row", name=book_name, sheet=sheet, names=names,
                                       rows=HEADER_SEARCH_ROWS, found=found)
    _, idx, block, match = best
    block, match = _with_blank_columns(schema, head, idx, block, match)
    headers = ["" if h is None else str(h).strip() for h in head[idx]]
    if not check:  # `inspect` shows what is missing or doubled instead of stopping at it
        return FoundTable(idx, block, match, headers)
    if schema.strict:
        _check_fields(schema, book_name, sheet, idx, block, match, headers, head)
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


SPACER_COLUMNS = 2  # the widest run of blank columns still taken as inside one table


def _with_blank_columns(schema: SheetSchema, head: Sequence[Sequence[Any]], i: int, block: range,
                        match: HeaderMatch) -> tuple[range, HeaderMatch]:
    """`block` of header row `i` joined with the blocks beside it that are the rest of the same table.

    A blank column inside a table (a spacer, or a column not filled in yet) looks just like the gap between two
    tables. Read apart, the block beside ours would be dropped without a word: its 出货日期 and 状态 unread, a
    shipped line taken for overdue. So a block at most SPACER_COLUMNS blank columns away joins ours when its
    headers name fields ours lacks and none that ours has (a remark aside: sheets have several) — a
    neighbouring table names none of our fields (Item, Stock) or ones ours has (its own 客户, 数量), and stays
    apart."""
    blocks = _blocks(head, i)
    if len(blocks) < 2 or block not in blocks:
        return block, match
    row = list(head[i])
    lo = hi = blocks.index(block)
    while True:
        for j in (lo - 1, hi + 1):
            if not 0 <= j < len(blocks):
                continue
            gap = blocks[j].start - blocks[hi].stop if j > hi else blocks[lo].start - blocks[j].stop
            theirs = set(match_header_row(schema, row, blocks[j]).columns) - {"remark"}
            if gap > SPACER_COLUMNS or not theirs or theirs & (set(match.columns) | set(match.duplicates)):
                continue
            joined = range(min(block.start, blocks[j].start), max(block.stop, blocks[j].stop))
            wider = match_header_row(schema, row, joined)
            if set(wider.duplicates) <= set(match.duplicates) and all(
                    wider.columns.get(f) == c for f, c in match.columns.items()):
                block, match = joined, wider
                lo, hi = min(lo, j), max(hi, j)
                break
        else:
            return block, match


def _header_texts(row: Sequence[Any], block: range) -> str:
    texts = [str(row[c]).strip() for c in block if c < len(row) and not is_blank(row[c])]
    return ", ".join(texts) or "—"  # (a dash, not a word: the line may be Chinese)


def _check_fields(schema: SheetSchema, book_name: str, sheet: str, idx: int, block: range, match: HeaderMatch,
                  headers: list[str], head: Sequence[Sequence[Any]]) -> None:
    """A strict schema (the orders sheet) refuses what would make a result wrong: a required field missing,
    or two headers claiming one field equally well. A missing field named in the row above or below is a
    header in two rows (group titles over the field names): gendan.toml cannot map that, so the refusal
    says to put the names in one row."""
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
        for other in (idx + 1, idx - 1):
            if 0 <= other < len(head) and any(f in match_header_row(schema, list(head[other]), block).columns
                                              for f in missing):
                raise MissingColumnsError.said("header-two-rows", name=book_name, sheet=sheet, row=idx + 1,
                                               found=_header_texts(headers, block), other=other + 1,
                                               other_found=_header_texts(head[other], block))
        guesses = {f: headers[c] for c, f in match.lookalikes.items()}
        guesses.update({f: headers[c] for c, f in match.lost.items() if f not in match.columns})
        lines = "; ".join(f'{f} = ["{guesses.get(f, "<your header>")}"]' for f in missing)
        names = " / ".join(schema.column(f).zh for f in missing)
        raise MissingColumnsError.said("no-column", name=book_name, sheet=sheet, names=names, row=idx + 1,
                                       found=_header_texts(headers, block), lines=lines)


# what a total's first word starts with, spaces and all ("合 计", "合　计", "Grand Total"): a column holding none
# of these holds no total
_TOTAL_STARTS = ("合", "总", "小", "total", "sum", "grand", "sub")


def is_total_value(value: Any) -> bool:
    """Whether the first filled cell of a row says it is a totals row (合计, Total, 小计 ...)."""
    if not isinstance(value, str):
        return False
    text = value.strip().casefold()
    # the cheap prefix test first: this runs on every row of a million-line sheet
    if not text.startswith(_TOTAL_STARTS):
        return False
    norm = fold_key(value).rstrip("()（）")
    return norm in TOTAL_MARKERS or norm.startswith(("合计", "总计"))


def first_filled(row: Sequence[Any], start: int = 0, stop: int | None = None) -> Any:
    """The first non-blank cell of row[start:stop], None when there is none."""
    return next((v for v in itertools.islice(row, start, stop) if not is_blank(v)), None)


DATA, SKIP, END = "data", "skip", "end"


class DataEnd:
    """Where the data ends, one row at a time. Only the table's own columns count: a neighbouring table's
    rows, totals or notes say nothing about ours.

    - A totals row (合计 / Total first in the row) ends the table.
    - Blank rows are skipped; after one, a row that fills under half of the required columns we found is no
      line either (a signature line or a note under the table, an order still being typed), until a row that
      fills at least half: an accidental blank line inside the data, or a half-typed order after one, does
      not hide the complete orders below it.
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
        self._last = max(self.columns)

    @property
    def columns(self) -> set[int]:
        """Every column the rules look at once a row's first filled cell in the block is known."""
        return {self.block.start, *self.required_cols, *self.line_cols, *(c for c, _ in self.header_pair)}

    def kind(self, cells: list[Any], width: int) -> str:
        """DATA, SKIP (a blank row, a note) or END; `width` is the row's non-blank width (0: blank)."""
        n = len(cells)
        start, stop = self.block.start, self.block.stop
        # the fast path first: this runs for every row of a million-line sheet, nearly all inside the block
        outside = start > 0 or width > stop
        if not width or (outside and all(is_blank(cells[c]) for c in range(start, min(stop, n)))):
            self.after_blank = True
            return SKIP
        first = first_filled(cells, start, stop if outside else n)
        return self.kind_after(first, cells.__getitem__ if n > self._last else (lambda c: cells[c] if c < n else None))

    def plain_rows(self, values: Mapping[int, list[Any]], n: int) -> Any:
        """Of `n` rows whose cells in column c are `values[c]`, as booleans: those `kind_after` calls DATA
        without a second look — the block's first cell filled and no total, the first line column filled,
        not the header again — unless the row before was blank. Whole columns at a time: the rules run row
        by row only on the others (a million-line sheet has a handful). A column not in `values` makes no
        row plain."""
        looks = [self.block.start, *self.line_cols[:1], *(c for c, _ in self.header_pair)]
        if not self.line_cols or any(c not in values for c in looks):
            return np.zeros(n, bool)
        plain = _filled_no_totals(values[self.block.start], n)
        if self.line_cols[0] != self.block.start:
            plain &= np.fromiter(map(_filled, values[self.line_cols[0]]), bool, n)
        header = np.ones(n, bool)
        for c, h in self.header_pair:
            if header.any():
                header &= _is_text(values[c], h)
        return plain & ~header

    def kind_after(self, first: Any, cell: Any) -> str:
        """`kind` of a row with something filled in the block, `first` its first filled cell there and
        `cell(c)` its value in column c (for the columns in `columns`)."""
        if is_total_value(first):
            return END
        # plain loops, not all() over generators: this runs for every row of a million-line sheet
        for c in self.line_cols:
            if not is_blank(cell(c)):
                break
        else:
            self.after_blank = True
            return SKIP
        for c, h in self.header_pair:
            v = cell(c)
            if not (isinstance(v, str) and v.strip() == h):
                break
        else:
            return SKIP
        if self.after_blank:
            filled = sum(1 for c in self.required_cols if not is_blank(cell(c)))
            if filled * 2 < len(self.required_cols):
                return SKIP
            self.after_blank = False
        return DATA


def _filled(value: Any) -> bool:
    return not is_blank(value)


def _filled_no_total(value: Any) -> bool:
    """not is_blank(value) and not is_total_value(value), in one call: this runs for every row."""
    if value is None:
        return False
    if not isinstance(value, str):
        return True
    text = value.strip()
    return bool(text) and not (text.casefold().startswith(_TOTAL_STARTS) and is_total_value(value))


def _filled_no_totals(column: list[Any], n: int) -> Any:
    """`_filled_no_total` of each of the `n` cells of a column, as booleans; in C loops when the column is all
    texts and none of them holds a total's start anywhere (then none is a total: order numbers)."""
    if set(map(type, column)) == {str} and not any(map("\0".join(column).casefold().__contains__, _TOTAL_STARTS)):
        return np.fromiter(map(bool, map(str.strip, column)), bool, n)
    return np.fromiter(map(_filled_no_total, column), bool, n)


def _is_text(column: list[Any], text: str) -> Any:
    """Whether each cell of a column is `text`, spaces around it aside, as booleans: each distinct value
    looked at once, and none when no text of the column holds it."""
    if set(map(type, column)) <= {str, type(None)} and text not in "\0".join(filter(None, column)):
        return np.zeros(len(column), bool)
    hits = {v for v in set(column) if isinstance(v, str) and v.strip() == text}
    return np.fromiter(map(hits.__contains__, column), bool, len(column))
