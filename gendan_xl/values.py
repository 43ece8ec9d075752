"""Cell values as people type them: dates, numbers and blanks, read the way a merchandiser means them.

Date cells, Excel serial numbers (1900 and 1904 systems), text dates (`2026/11/3`, `2026-11-03`, `2026.11.3`,
`2026年11月3日` or `…3号`, `11月3日` with the year from the order date), numbers stored as text with thousands
separators, currency signs, full-width digits and spaces. The one parser of each: the reader, the patcher's
read-back and the command line's `--today` all use these.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Sequence

from gendan_xl.schema import DATE, INT, NUMBER, TEXT

def is_blank(value: Any) -> bool:
    """An empty cell: None, or text of only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


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


BAD = object()


def type_cell(raw: Any, kind: str, *, date1904: bool = False, anchor: dt.date | None = None) -> tuple[Any, str | None]:
    """One cell typed as read_table types a column of `kind` (schema TEXT, DATE, INT, NUMBER): (value, None);
    (None, None) when blank; (None, "bad-date" | "bad-number") when it cannot be one."""
    if is_blank(raw):
        return None, None
    value = type_value(raw, kind, date1904, anchor)
    if value is BAD:
        return None, "bad-date" if kind == DATE else "bad-number"
    return value, None


def type_value(v: Any, kind: str, date1904: bool, anchor: dt.date | None) -> Any:
    """A non-blank cell's typed value, or BAD. Fast paths first: what calamine gives in a tidy sheet."""
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
        value = parse_date_value(raw, date1904, anchor)
        return BAD if value is None else value
    number = parse_number(raw)
    if number is None:
        return BAD
    if kind == INT and number == number.to_integral_value():
        return int(number)
    return number


# ------------------------------------------------------------------------------------------- dates, numbers


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


_MD = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
# Serials Excel can show as a date of 1950–2100: outside that a number in a date column is a typo.


_SERIAL_RANGE = (18264, 73415)


def parse_date(raw: Any, *, date1904: bool = False, anchor: dt.date | None = None) -> dt.date | None:
    """A date from whatever the cell holds, or None when it cannot be one. See the module docstring."""
    return parse_date_value(None if is_blank(raw) else raw, date1904, anchor)


def parse_date_value(raw: Any, date1904: bool, anchor: dt.date | None) -> dt.date | None:
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


_EPOCH_1900 = dt.date(1899, 12, 30)


_EPOCH_1904 = dt.date(1904, 1, 1)
