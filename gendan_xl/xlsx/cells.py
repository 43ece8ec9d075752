"""The cells `patch_sheet` writes, as the worksheet XML holds them.

A value becomes a `Value` (its kind and the XML inside its <c>), shared by every cell holding it; the cells
to write are `Rows`: explicit cells plus whole-column blocks, put together row by row as the scanner
reaches each row. Also the byte-level XML helpers every part of the patcher uses: escaping, and reading
or setting one attribute of a start tag.

Deliberate surprises: text is always an inline string (`t="inlineStr"`), so sharedStrings.xml stays
untouched, and text starting with `=` is text, never a formula; text is cut to Excel's 32767 characters.
"""
from __future__ import annotations

import datetime as _dt
import math
import operator
import re
from array import array
from decimal import Decimal
from typing import Any, Iterable, Mapping

from gendan_xl.cellrefs import MAX_CELL_CHARS, MAX_COL, MAX_ROW, cell_ref
from gendan_xl.xlsx.decode import decode_x
from gendan_xl.xlsx.result import PatchResult



# ---------------------------------------------------------------------------------------------------
# Escaping and attributes


ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def _clean_text(text: str) -> str:
    """Text as Excel stores it: illegal XML characters dropped, a literal `_x0041_` protected from
    Excel's `_xHHHH_` decoding, a carriage return kept as `_x000D_` (XML parsers turn a raw CR into LF)."""
    text = ILLEGAL_XML.sub("", text)
    text = _XESCAPE.sub(r"_x005F_\1", text)
    return text.replace("\r", "_x000D_")


def expected_text(text: str) -> str:
    """What a reader shows of `text` once written (`text_inner`): illegal characters gone, cut to the limit."""
    if _TEXT_WORK.search(text) is None and len(text) <= MAX_CELL_CHARS:
        return text  # nothing to drop, protect or decode (most texts: the check reads back a million reasons)
    return decode_x(_clean_text(text)[:MAX_CELL_CHARS])


_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def tag_attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(tag)}


def set_attr(tag: bytes, name: bytes, value: bytes) -> bytes:
    """`tag` (a start tag's bytes) with attribute `name` set to `value`."""
    pat = re.compile(rb'(\s' + re.escape(name) + rb'\s*=\s*)(?:"[^"]*"|\'[^\']*\')')
    if pat.search(tag):
        return pat.sub(lambda m: m.group(1) + b'"' + value + b'"', tag, count=1)
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end] + b" " + name + b'="' + value + b'"' + tag[end:]


def unesc(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


# ---------------------------------------------------------------------------------------------------
# Values


def serial(value: _dt.date, date1904: bool) -> float | int:
    """Days since Excel's epoch. 1900 system: Excel counts the non-existent 1900-02-29, so serials from
    1900-03-01 on are days since 1899-12-30 and earlier ones days since 1899-12-31."""
    if isinstance(value, _dt.datetime):
        day = value.date()
        frac = (value - _dt.datetime.combine(day, _dt.time())).total_seconds() / 86400
    else:
        day, frac = value, 0
    if date1904:
        if day < _dt.date(1904, 1, 1):
            raise ValueError(f"{value} is before 1904-01-01, which a 1904-date workbook cannot hold")
        days = (day - _dt.date(1904, 1, 1)).days
    else:
        if day < _dt.date(1900, 1, 1):
            raise ValueError(f"{value} is before 1900-01-01, which Excel cannot hold as a date")
        base = _dt.date(1899, 12, 30) if day >= _dt.date(1900, 3, 1) else _dt.date(1899, 12, 31)
        days = (day - base).days
    return days + frac if frac else days


def number_text(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number Excel can hold")
        if value == value.to_integral_value() and abs(value) < 10**15:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a number Excel can hold")
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(int(value))


# kinds of a prepared cell
STR, NUM, BOOL, DATE, DATETIME, CLEAR = range(6)


class Value:
    """One distinct value, shared by every cell that holds it: status columns repeat a few values over a
    million rows, so a column is a list of pointers to these. `expect` is what python-calamine reads back
    (the check compares whole columns against it). A text's XML (`inner` None) is built only when its
    cell template is, and not kept here: a million distinct reason texts would otherwise be held twice."""

    __slots__ = ("kind", "value", "expect", "inner")

    def __init__(self, kind: int, value: Any, inner: bytes | None):
        self.kind, self.value, self.inner = kind, value, inner
        self.expect = "" if kind == CLEAR else value  # calamine shows an empty cell as ""


_by_col = operator.itemgetter(0)
TATTR = {STR: b' t="inlineStr"', BOOL: b' t="b"'}


class Rows:
    """The cells to write, row by row: explicit cells ({row: [(col, Value)] sorted}) plus column blocks
    (col, first row, [Value per row]). A million-row status column stays one list of shared Values;
    each row's cells are put together only when the scanner reaches that row."""

    def __init__(self, explicit: dict[int, list[tuple[int, Value]]],
                 blocks: list[tuple[int, int, list[Value]]], pfx: bytes = b""):
        self.explicit = explicit
        self.pfx = pfx  # of the worksheet's elements, for the XML of text values
        self.blocks = sorted(blocks, key=_by_col)
        # Rows that every block covers and no explicit cell touches: their cells are the blocks' values
        # in column order (`block_row`), the scanner's fast path.
        self.cols = tuple(c for c, _, _ in self.blocks)
        self.offsets = [(first, values) for _, first, values in self.blocks]
        self.lo = max((first for _, first, _ in self.blocks), default=0)
        self.hi = min((first + len(values) for _, first, values in self.blocks), default=0)
        self.targets = self._targets()
        self._box: list[tuple[int, int]] = []  # corners of values released or noted (see `release`)
        self._head: int | None = None

    def _targets(self) -> array:
        """Every row that gets a cell, ascending; an array, not a list of a million int objects."""
        spans: list[list[int]] = []
        for start, stop in sorted((f, f + len(v)) for _, f, v in self.blocks if v):
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], stop)
            else:
                spans.append([start, stop])
        out = array("l")
        rows = sorted(self.explicit)
        k = 0
        for start, stop in spans:
            while k < len(rows) and rows[k] < stop:
                if rows[k] < start:
                    out.append(rows[k])
                k += 1
            out.extend(range(start, stop))
        out.extend(rows[k:])
        return out

    def extend(self, columns: Mapping[int, list[Value]]) -> None:
        """The next rows of every block: `columns` maps each block's column to its Values for the rows from
        the current end on (all as many). A refresh grows its columns a chunk of rows at a time."""
        added = {len(v) for v in columns.values()}
        assert len(added) == 1 and set(columns) == set(self.cols), "every block grows by the same rows"
        n = added.pop()
        lo = self.hi
        assert not any(r >= lo for r in self.explicit), "explicit cells come before the blocks grow"
        for c, _, values in self.blocks:
            values += columns[c]
        self.hi = min(first + len(values) for _, first, values in self.blocks)
        assert self.hi == lo + n
        self.targets.extend(range(lo, self.hi))

    def release(self, row: int) -> None:
        """Forget the blocks' values above `row` (written already): a million-line refresh holds a chunk's
        values, not the sheet's. What they spanned is kept for `bbox`."""
        if self._head is None and self.blocks:
            # the blocks' first row (a header) stays: the sheet's autofilter, read at its end, looks at it
            self._head = self.blocks[0][1]
            cells = [(c, values[0]) for c, first, values in self.blocks if first == self._head and values]
            self.explicit[self._head] = sorted(self.explicit.get(self._head, []) + cells, key=_by_col)
        blocks = []
        for col, first, values in self.blocks:
            if row > first:
                cut = min(row - first, len(values))
                self._note_box(first, {col: values[:cut]})
                values = values[cut:]
                first += cut
            blocks.append((col, first, values))
        self.blocks = blocks
        self.offsets = [(first, values) for _, first, values in blocks]
        self.lo = max((first for _, first, _ in blocks), default=0)

    def _note_box(self, first: int, columns: Mapping[int, list[Value]]) -> None:
        for col, values in columns.items():
            top = next((i for i, v in enumerate(values) if v.kind != CLEAR), None)
            if top is not None:
                bottom = next(i for i in range(len(values) - 1, -1, -1) if values[i].kind != CLEAR)
                self._box.append((first + top, col))
                self._box.append((first + bottom, col))
        if len(self._box) > 64:  # keep only the corners
            rows, cols = [b[0] for b in self._box], [b[1] for b in self._box]
            self._box = [(min(rows), min(cols)), (max(rows), max(cols))]

    def block_row(self, row: int) -> list[Value] | None:
        """The blocks' values for `row` in column order, when that is all the row gets; else None."""
        if self.lo <= row < self.hi and row not in self.explicit:
            return [values[row - first] for first, values in self.offsets]
        return None

    def get(self, row: int) -> list[tuple[int, Value]]:
        cells = self.explicit.get(row)
        if not self.blocks:
            return cells or []
        out = [(col, values[row - first]) for col, first, values in self.blocks
               if first <= row < first + len(values)]
        if cells:  # an explicit cell wins over a block's value in the same column
            taken = {c for c, _ in cells}
            out = sorted([x for x in out if x[0] not in taken] + cells, key=_by_col)
        return out

    def bbox(self) -> tuple[int, int, int, int] | None:
        """Rows and columns spanned by cells that get a value (cleared cells do not count)."""
        boxes = [(r, c) for r, cells in self.explicit.items() for c, v in cells if v.kind != CLEAR] + self._box
        for col, first, values in self.blocks:
            top = next((i for i, v in enumerate(values) if v.kind != CLEAR), None)
            if top is not None:
                bottom = next(i for i in range(len(values) - 1, -1, -1) if values[i].kind != CLEAR)
                boxes += [(first + top, col), (first + bottom, col)]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[0] for b in boxes),
                max(b[1] for b in boxes))

    def set(self, row: int, col: int, value: Value) -> None:
        cells = [x for x in self.explicit.get(row, []) if x[0] != col] + [(col, value)]
        self.explicit[row] = sorted(cells, key=_by_col)


# anything _clean_text or esc would change (most texts have none: a million reason texts skip both)
_TEXT_WORK = re.compile("[&<>\r_\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def text_inner(text: str, pfx: bytes) -> bytes:
    """The <is> of an inline string: cleaned, cut to Excel's limit, escaped."""
    return inline_string(text, pfx.decode()).encode()


def inline_string(text: str, p: str = "") -> str:
    """`text_inner` as text (a generated sheet's rows are put together as text)."""
    if _TEXT_WORK.search(text) is not None or len(text) > MAX_CELL_CHARS:
        text = esc(_clean_text(text)[:MAX_CELL_CHARS])
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f"<{p}is><{p}t{space}>{text}</{p}t></{p}is>"


def plain_texts(texts: list[str]) -> list[bool]:
    """Per text, whether `inline_string` writes it as it stands, `<is><t>text</t></is>`: nothing to clean or
    escape, no space to keep at either end, no line break, not too long, not empty. A refresh words nearly
    every line's reason anew, and nearly all are plain: tested first all at once, joined by "<" (which no
    plain text holds) — printable (no control character, line break, tab or space but " "), none of & > _,
    no " " next to a "<" or at either end, no two "<" together."""
    joined = "<".join(texts)
    if (joined.isprintable() and joined.count("<") == len(texts) - 1 and "&" not in joined and ">" not in joined
            and "_" not in joined and " <" not in joined and "< " not in joined and "<<" not in joined
            and joined[:1] not in ("", " ", "<") and joined[-1] not in (" ", "<")
            and max(map(len, texts)) <= MAX_CELL_CHARS):
        return [True] * len(texts)
    return [w is None and t == s and "\n" not in t and 0 < len(t) <= MAX_CELL_CHARS
            for t, s, w in zip(texts, map(str.strip, texts), map(_TEXT_WORK.search, texts))]


class _Empty:
    __slots__ = ()

    def __repr__(self) -> str:
        return "EMPTY"


# A blank like None (no value), but where a look (look.py) gives the cell a format, an empty cell in it is
# kept: a line's blank figure keeps the line's borders, while rows that are no line get no cell at all.
EMPTY = _Empty()


def make_value(value: Any, pfx: bytes, date1904: bool) -> Value:
    """A value's kind, and the inner XML of anything but text (numbers and dates are checked here, so a
    NaN or a date before 1900 fails before anything is written); the style is chosen per cell."""
    if value is None or value is EMPTY:
        return Value(CLEAR, value, b"")
    if isinstance(value, str):
        return Value(STR, value, None)
    if isinstance(value, bool):
        return Value(BOOL, value, b"<%sv>%d</%sv>" % (pfx, int(value), pfx))
    if isinstance(value, (int, float, Decimal)):
        return Value(NUM, value, b"<%sv>%s</%sv>" % (pfx, number_text(value).encode(), pfx))
    if isinstance(value, _dt.date):
        days = serial(value, date1904)
        kind = DATETIME if isinstance(value, _dt.datetime) else DATE
        return Value(kind, value, b"<%sv>%s</%sv>" % (pfx, number_text(days).encode(), pfx))
    raise TypeError(f"cannot write a {type(value).__name__} into a cell; "
                    "use str, int, float, Decimal, bool, date, datetime or None")


# Types whose equal values are always the same cell; 1, 1.0, True and Decimal(1) are equal but are not.
_PLAIN = {str, type(None), _Empty, _dt.date, _dt.datetime}


def _too_long(v: Value) -> bool:
    return v.kind == STR and len(v.value) > MAX_CELL_CHARS and len(_clean_text(v.value)) > MAX_CELL_CHARS


class Values:
    """One `Value` per distinct (type, value), shared by every cell that holds it, for the whole patch;
    `result` learns which cells got text cut to Excel's limit."""

    def __init__(self, pfx: bytes, date1904: bool, result: PatchResult):
        self.pfx, self.date1904, self.result = pfx, date1904, result
        self.memo: dict[tuple[type, Any], Value] = {}

    def of(self, key: tuple[type, Any], where: Any) -> Value:
        v = self.memo.get(key)
        if v is None:
            try:
                v = self.memo[key] = make_value(key[1], self.pfx, self.date1904)
            except TypeError as exc:
                raise TypeError(f"{exc} ({where()})") from None
        return v

    def column(self, c: int, first: int, values: list[Any]) -> list[Value]:
        """A column's values from row `first` as Values. The column is mapped through a dict of its distinct
        values, so the per-row work runs in C: a million rows cost a few dict look-ups each."""
        distinct = dict.fromkeys(values)  # in order of first appearance, so an error names the first cell
        if len(set(map(type, values)) - _PLAIN) > 1:  # 1 and 1.0 (or True) in one column: key by type
            keys: list[Any] = list(zip(map(type, values), values))
            local = {k: self.of(k, lambda: cell_ref(first + keys.index(k), c)) for k in dict.fromkeys(keys)}
            column = list(map(local.__getitem__, keys))
            del keys
        else:  # the values met before looked up at once; a refresh's reasons are nearly all new, made here
            memo = self.memo
            keys = list(zip(map(type, distinct), distinct))
            found: list[Any] = list(map(memo.get, keys))
            for i in [i for i, v in enumerate(found) if v is None]:
                k = keys[i]
                if k[0] is str:
                    found[i] = memo[k] = Value(STR, k[1], None)
                else:
                    found[i] = self.of(k, lambda x=k[1]: cell_ref(first + values.index(x), c))
            local = dict(zip(distinct, found))
            column = list(map(local.__getitem__, values))
        del distinct
        long = {v for v in local.values() if v.kind == STR and len(v.value) > MAX_CELL_CHARS and _too_long(v)}
        if long:
            self.result.truncated += [cell_ref(first + i, c) for i, v in enumerate(column) if v in long]
        if not (0 < first and first + len(column) - 1 <= MAX_ROW and 0 <= c <= MAX_COL):
            raise ValueError(f"column {c} from row {first} ({len(column)} values) is outside Excel's grid")
        return column


def group(cells: Mapping[tuple[int, int], Any], columns: Mapping[int, tuple[int, Iterable[Any]]], pfx: bytes,
          date1904: bool, result: PatchResult, values: Values | None = None) -> Rows:
    """The cells as Rows, with one Value per distinct (type, value) (`values`, made when not given)."""
    values = values or Values(pfx, date1904, result)
    by_row: dict[int, list[tuple[int, Value]]] = {}
    for (r, c), value in cells.items():
        if not (0 < r <= MAX_ROW and 0 <= c <= MAX_COL):
            raise ValueError(f"cell ({r}, {c}) is outside Excel's grid (rows 1-{MAX_ROW}, columns 0-{MAX_COL})")
        v = values.of((type(value), value), lambda: cell_ref(r, c))
        if _too_long(v):
            result.truncated.append(cell_ref(r, c))
        row = by_row.get(r)
        if row is None:
            by_row[r] = [(c, v)]
        else:
            row.append((c, v))
    for row in by_row.values():
        if len(row) > 1:
            row.sort(key=_by_col)
    blocks = [(c, first, values.column(c, first, col_values if isinstance(col_values, list) else list(col_values)))
              for c, (first, col_values) in columns.items()]
    return Rows(by_row, blocks, pfx)
