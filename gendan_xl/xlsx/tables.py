"""Tables (ListObjects) and autofilters whose header row `patch_sheet` extends to the right.

A table part (`xl/tables/tableN.xml`) names its columns: a header cell we write inside a table must stay
equal to its column's name (renamed with Excel's rule when it would repeat one), and header text we add
right of the last column widens the table. A sheet-level autofilter widens the same way, and with it the
hidden `_xlnm._FilterDatabase` name in workbook.xml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from gendan_xl.xlsx.cells import STR, Rows, Value, esc_attr, make_value, set_attr, tag_attrs, unesc
from gendan_xl.cellrefs import cell_ref, col_letter, parse_range, range_ref
from gendan_xl.xlsx.result import PatchResult


def _table_name_text(raw: str) -> str:
    """A tableColumn name as the header cell shows it: XML entities and `_xHHHH_` escapes decoded."""
    text = unesc(raw)
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _table_name_attr(text: str) -> str:
    text = text.replace("\n", "_x000a_").replace("\r", "_x000d_").replace("\t", "_x0009_")
    return esc_attr(text)


@dataclass
class TablePart:
    part: str
    data: bytes
    name: str
    ref: tuple[int, int, int, int]
    header: bool
    kind: str
    columns: list[str]  # decoded names, in order
    changed: bool = False


def load_table(part: str, data: bytes) -> TablePart | None:
    m = re.search(rb"<(?:\w+:)?table\b([^>]*)>", data)
    if not m:
        return None
    a = tag_attrs(m.group(1))
    try:
        ref = parse_range(a.get(b"ref", b"").decode())
    except ValueError:
        return None
    cols = [_table_name_text(tag_attrs(t.group(1)).get(b"name", b"").decode("utf-8", "replace"))
            for t in re.finditer(rb"<(?:\w+:)?tableColumn\b([^>]*)>", data)]
    name = a.get(b"displayName", a.get(b"name", b"")).decode("utf-8", "replace")
    return TablePart(part, data, name, ref, a.get(b"headerRowCount", b"1") != b"0",
                  a.get(b"tableType", b"worksheet").decode(), cols)


def _unique(name: str, taken: Iterable[str]) -> str:
    """Excel's rule for a duplicate table header: append 2, 3, … until unique (case-insensitive)."""
    folded = {t.casefold() for t in taken}
    if name.casefold() not in folded:
        return name
    n = 2
    while f"{name}{n}".casefold() in folded:
        n += 1
    return f"{name}{n}"


def _cell_at(by_row: Rows, row: int, col: int) -> Value | None:
    return next((v for c, v in by_row.get(row) if c == col), None)


def _rename(by_row: Rows, row: int, col: int, new: str, pfx: bytes, result: PatchResult) -> None:
    old = _cell_at(by_row, row, col)
    result.renamed.append((cell_ref(row, col), old.value if old else None, new))
    by_row.set(row, col, make_value(new, pfx, False))


def plan_tables(tables: list[TablePart], by_row: Rows, pfx: bytes, result: PatchResult,
                over: range | None = None) -> None:
    """Extend tables whose header row we write into right of their last column; rename changed headers.
    With `over` (0-based columns: the table our cells belong to), only a table over those columns is
    extended: another table beside it, right of which our columns may land, is not ours to grow."""
    for t in tables:
        r1, c1, r2, c2 = t.ref
        if not t.header or t.kind != "worksheet":
            continue
        grows = over is None or (c1 < over.stop and over.start <= c2)
        # header cells we overwrite inside the table must stay equal to the column names
        for c in range(c1, c2 + 1):
            cell = _cell_at(by_row, r1, c)
            if cell is None or cell.kind != STR:
                continue
            others = t.columns[:c - c1] + t.columns[c - c1 + 1:]
            new = _unique(cell.value, others)
            if new != cell.value:
                _rename(by_row, r1, c, new, pfx, result)
            if t.columns[c - c1] != new:
                t.columns[c - c1] = new
                t.changed = True
        last = c2
        while grows and (cell := _cell_at(by_row, r1, last + 1)) is not None and cell.kind == STR:
            last += 1
            new = _unique(cell.value, t.columns)
            if new != cell.value:
                _rename(by_row, r1, last, new, pfx, result)
            t.columns.append(new)
        if last > c2 or t.changed:
            t.ref = (r1, c1, r2, last)
            t.changed = True
            t.data = _rewrite_table(t)
            if last > c2:
                result.tables_extended.append(t.name)


def _rewrite_table(t: TablePart) -> bytes:
    data = t.data
    ref = range_ref(*t.ref).encode()
    m = re.search(rb"<(\w+:)?table\b[^>]*>", data)
    assert m
    p = m.group(1) or b""
    data = data[:m.start()] + set_attr(m.group(0), b"ref", ref) + data[m.end():]
    # the table's own autoFilter spans the same columns (the header row to the last data row)
    af = re.search(rb"<(?:\w+:)?autoFilter\b[^>]*?/?>", data)
    if af:
        r1, c1, r2, c2 = parse_range(tag_attrs(af.group(0)).get(b"ref", ref).decode())
        new = range_ref(r1, c1, r2, t.ref[3]).encode()
        data = data[:af.start()] + set_attr(af.group(0), b"ref", new) + data[af.end():]
    cols = re.search(rb"<(?:\w+:)?tableColumns\b([^>]*)>(.*?)</(?:\w+:)?tableColumns>", data, re.S)
    assert cols
    body = cols.group(2)
    tags = list(re.finditer(rb"<(?:\w+:)?tableColumn\b([^>]*?)(/?)>", body))
    ids = [int(tag_attrs(x.group(1)).get(b"id", b"0") or 0) for x in tags]
    pieces, pos = [], 0
    for i, x in enumerate(tags):  # rename changed existing columns
        want = _table_name_attr(t.columns[i]).encode()
        if _table_name_text(tag_attrs(x.group(1)).get(b"name", b"").decode("utf-8", "replace")) != t.columns[i]:
            pieces += [body[pos:x.start()], set_attr(x.group(0), b"name", want)]
            pos = x.end()
    pieces.append(body[pos:])
    next_id = max(ids, default=0) + 1
    for name in t.columns[len(tags):]:
        pieces.append(b'<%stableColumn id="%d" name="%s"/>' % (p, next_id, _table_name_attr(name).encode()))
        next_id += 1
    start = set_attr(b"<%stableColumns%s>" % (p, cols.group(1)), b"count", b"%d" % len(t.columns))
    return data[:cols.start()] + start + b"".join(pieces) + b"</%stableColumns>" % p + data[cols.end():]


# ---------------------------------------------------------------------------------------------------
# The sheet's own autofilter and its hidden name


def extend_autofilter(tag: bytes, by_row: Rows) -> str | None:
    """The new ref of a sheet's <autoFilter> (`tag`) whose header row gets text cells right of its last
    column, or None when it stays as it is."""
    try:
        r1, c1, r2, c2 = parse_range(tag_attrs(tag).get(b"ref", b"").decode())
    except ValueError:
        return None
    last = c2
    while (cell := _cell_at(by_row, r1, last + 1)) is not None and cell.kind == STR:
        last += 1
    if last == c2:
        return None
    return range_ref(r1, c1, r2, last)


def update_filter_name(workbook: bytes, sheet_index: int, ref: str) -> bytes | None:
    """Keep the hidden `_xlnm._FilterDatabase` name of the sheet equal to its widened autofilter."""
    pat = re.compile(rb'(<(?:\w+:)?definedName\b[^>]*name="_xlnm\._FilterDatabase"[^>]*>)([^<]*)(</)')
    for m in pat.finditer(workbook):
        if tag_attrs(m.group(1)).get(b"localSheetId") != b"%d" % sheet_index:
            continue
        sheet, bang, _ = m.group(2).rpartition(b"!")
        r1, c1, r2, c2 = parse_range(ref)
        absolute = f"${col_letter(c1)}${r1}:${col_letter(c2)}${r2}".encode()
        new = sheet + bang + absolute if bang else absolute
        return workbook[:m.start(2)] + new + workbook[m.end(2):]
    return None
