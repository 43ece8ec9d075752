"""Cell values decoded from a worksheet's XML ourselves, exactly as python-calamine gives them.

The streaming reader (`xlsx/stream.py`) never hands a sheet to python-calamine, which loads a whole sheet
before giving any of it (1.9 GB for a million lines). So the rules python-calamine applies to a cell are
here, and tests/test_decode.py holds them against python-calamine on every workbook of the corpus:

- `t="s"` is an index into the shared strings; `t="inlineStr"` takes the text of its `<is>`; `t="str"`
  (a formula's text) and `t="d"` (an ISO date) the text of `<v>`; `t="b"` is True unless "0"; an error
  (`t="e"`) reads as empty; a formula with no `<v>` is empty.
- A number whose cell format shows a date is a date (`date` at midnight, else `datetime`; `time` below 1;
  `timedelta` for an elapsed-time format like `[h]:mm`); python-calamine's own reading of number formats,
  not ours (`styles._is_date_code`, which decides what we write), so a format both read alike is read alike.
- Text: rich-text runs joined, phonetic runs (`<rPh>`) left out, a `<t>` without xml:space="preserve"
  trimmed of ASCII white space, the five entities and character references decoded, `_x00HH_` decoded.
- Empty cells are "" and do not count for the sheet's used range.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Iterator

from gendan_xl.cellrefs import MAX_CELL_CHARS

# what a cell format shows, as python-calamine reads it
OTHER, DATETIME, TIMEDELTA = 0, 1, 2

_BUILTIN = {14: DATETIME, 15: DATETIME, 16: DATETIME, 17: DATETIME, 18: DATETIME, 19: DATETIME, 20: DATETIME,
            21: DATETIME, 22: DATETIME, 45: DATETIME, 47: DATETIME, 46: TIMEDELTA}


def format_kind(code: str) -> int:
    """DATETIME, TIMEDELTA or OTHER for a custom number format code, by python-calamine's rule: the first
    section only; quoted text, escaped characters and bracketed parts skipped; any of d m h y s outside them
    is a date, `[h]` `[m]` `[s]` an elapsed time; "AM/PM"-style a/p markers count too."""
    escaped = quote = ap = hms = False
    brackets = 0
    prev = " "
    for s in code:
        if escaped:
            escaped = False
        elif s in "_\\*":
            escaped = True
        elif quote:
            if s == '"':
                quote = False
        elif s == '"':
            quote = True
        elif s == ";":
            return OTHER
        elif s == "[":
            brackets += 1
        elif s == "]" and brackets == 1 and hms:
            return TIMEDELTA
        elif s == "]":
            brackets = max(0, brackets - 1)
        elif s in "aA" and not ap and brackets == 0:
            ap = True
        elif s in "pm/PM" and ap and brackets == 0:
            return DATETIME
        elif s in "dmhysDMHYS" and not ap and brackets == 0:
            return DATETIME
        elif not (hms and s.lower() == prev.lower()):
            hms = prev == "[" and s in "mhsMHS"
        prev = s
    return OTHER


_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def attrs_of(tag: bytes) -> dict[bytes, bytes]:
    """The attributes of a start tag, prefixes dropped (x:s="1" is s)."""
    out = {}
    for m in _ATTR.finditer(tag):
        name = m.group(1)
        out[name.rsplit(b":", 1)[-1] if b":" in name and not name.startswith(b"xml") else name] = \
            m.group(2) if m.group(2) is not None else m.group(3)
    return out


def cell_formats(styles_xml: bytes | None) -> list[int]:
    """What each cell format (cellXfs entry, by index) shows: OTHER, DATETIME or TIMEDELTA."""
    if not styles_xml:
        return []
    codes: dict[bytes, int] = {}
    m = re.search(rb"<(?:\w+:)?numFmts\b[^>]*>(.*?)</(?:\w+:)?numFmts>", styles_xml, re.S)
    if m:
        for t in re.finditer(rb"<(?:\w+:)?numFmt\b([^>]*)>", m.group(1)):
            a = attrs_of(t.group(1))
            if b"numFmtId" in a and b"formatCode" in a:
                codes[a[b"numFmtId"]] = format_kind(unescape(a[b"formatCode"].decode("utf-8", "replace")))
    m = re.search(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", styles_xml, re.S)
    out = []
    if m:
        for t in re.finditer(rb"<(?:\w+:)?xf\b([^>]*)>", m.group(1)):
            fmt = attrs_of(t.group(1)).get(b"numFmtId")
            if fmt is None:
                out.append(OTHER)
            elif fmt in codes:
                out.append(codes[fmt])
            else:
                out.append(_BUILTIN.get(int(fmt), OTHER) if fmt.isdigit() else OTHER)
    return out


# ---------------------------------------------------------------------------------------------------
# Text

_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|apos|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": '"'}
_XESC = re.compile(r"_x00([0-9A-Fa-f]{2})_")


def _entity(m: re.Match[str]) -> str:
    e = m.group(1)
    if e[0] == "#":
        return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
    return _NAMED[e]


def unescape(text: str) -> str:
    """XML text as a parser gives it: line ends normalised, entities and character references decoded."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ENTITY.sub(_entity, text) if "&" in text else text


def decode_x(text: str) -> str:
    return _XESC.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x00" in text else text


_WS = " \t\r\n"
_T = re.compile(rb"<(\w+:)?(t|rPh|r)\b([^>]*?)(/?)>")


class TextTooLong(ValueError):
    """A cell's text longer than Excel allows (the reader says which file and sheet)."""


def checked_text(text: str) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise TextTooLong(f"a text of {len(text):,} characters, more than the {MAX_CELL_CHARS:,} Excel allows in "
                          "a cell")
    return text


def rich_text(xml: bytes) -> str:
    """The text of an <is> or <si>: its <t> elements, rich-text runs joined, phonetic runs left out."""
    if xml.startswith(b"<t>") and xml.endswith(b"</t>") and xml.count(b"<") == 2:  # the usual: one plain <t>
        return checked_text(decode_x(unescape(xml[3:-4].decode("utf-8")).strip(_WS)))
    parts = []
    pos = 0
    n = len(xml)
    while pos < n:
        m = _T.search(xml, pos)
        if m is None:
            break
        pfx, name, attrs, selfclose = m.group(1) or b"", m.group(2), m.group(3), m.group(4)
        if name == b"rPh":  # skip the phonetic run whole
            if selfclose:
                pos = m.end()
                continue
            end = xml.find(b"</" + pfx + b"rPh>", m.end())
            pos = n if end < 0 else end
            continue
        if name == b"r" or selfclose:
            pos = m.end()
            continue
        close = b"</" + pfx + b"t>"
        end = xml.find(close, m.end())
        if end < 0:
            break
        raw = xml[m.end():end]
        text = unescape(_cdata(raw).decode("utf-8")) if raw else ""
        if b"preserve" not in attrs:
            text = text.strip(_WS)
        parts.append(decode_x(text))
        pos = end + len(close)
    return checked_text("".join(parts))


def _cdata(raw: bytes) -> bytes:
    # CDATA sections are text as they stand: protect their & and line ends from `unescape`
    if b"<![CDATA[" not in raw:
        return raw
    return re.sub(rb"<!\[CDATA\[(.*?)\]\]>",
                  lambda m: m.group(1).replace(b"&", b"&amp;"), raw, flags=re.S)


_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)


def shared_strings(xml: bytes | None) -> list[str]:
    """Every text of sharedStrings.xml, by index."""
    if not xml:
        return []
    out: list[str] = []
    append = out.append
    for m in _SI.finditer(xml):
        body = m.group(1)
        if body is None:
            append("")
        elif body.startswith(b"<t>") and body.endswith(b"</t>") and body.count(b"<") == 2 \
                and b"&" not in body and b"_x" not in body and b"\r" not in body:
            append(checked_text(body[3:-4].decode("utf-8").strip(_WS)))
        else:
            append(rich_text(body))
    return out


# ---------------------------------------------------------------------------------------------------
# Values

_EPOCH = dt.datetime(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?")


def _ms(x: float) -> int:
    # Rust rounds half away from zero; Python's round() to even
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def excel_number(v: float, kind: int, date1904: bool) -> Any:
    """A number in a cell whose format shows `kind`, as python-calamine gives it: the serial counted from
    1899-12-30 to the millisecond (a day more below 60, Excel's phantom 1900-02-29; 1462 more in the 1904
    system), then a `time` below 1, a `date` for a whole number, else a `datetime`; a number beyond
    Python's dates stays a number."""
    if kind == OTHER:
        return v
    if kind == TIMEDELTA:
        return dt.timedelta(milliseconds=_ms(v * 86_400_000))
    f = v + 1462 if date1904 else v
    if f < 60:
        f += 1
    try:
        moment = _EPOCH + dt.timedelta(milliseconds=_ms(f * 86_400_000))
    except OverflowError:
        return v
    if v < 1.0:
        return moment.time()
    return moment.date() if v == int(v) else moment


def iso_value(text: str) -> Any:
    """A `t="d"` cell (ISO 8601 text) as python-calamine gives it."""
    try:
        if "T" in text:
            return dt.datetime.fromisoformat(text.rstrip("Z"))
        if ":" in text:
            return dt.time.fromisoformat(text)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return text


_V = re.compile(rb"<(\w+:)?(v|f|is)\b([^>]*?)(/?)>")


class CellReader:
    """Turns one cell's XML into its value. `strings` are the shared strings, `formats` what each cell
    format shows (`cell_formats`), `date1904` the workbook's date system."""

    def __init__(self, strings: list[str], formats: list[int], date1904: bool):
        self.strings, self.formats, self.date1904 = strings, formats, date1904
        self._attrs: dict[bytes, dict[bytes, bytes]] = {}  # a sheet has few distinct cell attributes

    def value(self, attrs: bytes, inner: bytes | None) -> Any:
        """The value of a cell with start-tag attributes `attrs` and content `inner` (None: <c .../>);
        None when it is empty (python-calamine's "")."""
        if not inner:
            return None
        a = self._attrs.get(attrs)
        if a is None:
            a = self._attrs[attrs] = attrs_of(attrs) if attrs else {}
        t = a.get(b"t")
        # the two forms nearly every cell takes, first: <v>…</v> and <is><t>…</t></is>
        if inner.count(b"<") == 2 and inner.startswith(b"<v>") and inner.endswith(b"</v>"):
            return None if t in (b"inlineStr", b"is") else self._v(inner[3:-4], t, a.get(b"s"))
        if inner.startswith(b"<is>") and inner.endswith(b"</is>") and inner.count(b"<") == 4:
            return rich_text(inner[4:-5])
        value = None
        pos = 0
        # each child element sets the value, the last one wins (an <f> before its <v> reads as empty)
        while True:
            m = _V.search(inner, pos)
            if m is None:
                break
            pfx, name, selfclose = m.group(1) or b"", m.group(2), m.group(4)
            if selfclose:  # <v/> is <v></v> to python-calamine
                body = b""
                pos = m.end()
            else:
                close = b"</" + pfx + name + b">"
                end = inner.find(close, m.end())
                if end < 0:
                    raise ValueError(f"unclosed <{name.decode()}> in a cell")
                body = inner[m.end():end]
                pos = end + len(close)
            if name == b"f":
                value = None
            elif name == b"is":
                value = rich_text(body)
            elif t in (b"inlineStr", b"is"):
                value = None
            else:
                value = self._v(body, t, a.get(b"s"))
        return value

    def _v(self, body: bytes, t: bytes | None, style: bytes | None) -> Any:
        if t in (None, b"n", b"s", b"b", b"e"):
            if b"<" in body:  # a comment or CDATA inside <v>: python-calamine reads the text before it
                body = body[:body.index(b"<")]
            if not body:
                return None
            if t == b"s":
                return self.strings[int(body)]
            if t == b"b":
                return body != b"0"
            if t == b"e":
                return ""  # python-calamine shows an error as empty, but it counts for the used range
            try:
                v = float(body)
            except ValueError:
                if t is None:
                    return body.decode("utf-8")
                raise
            if style is None:
                return v
            k = int(style) if style.isdigit() else 0
            if k >= len(self.formats):
                return v
            return excel_number(v, self.formats[k], self.date1904)
        text = unescape(_cdata(body).decode("utf-8"))
        if t == b"str":
            return checked_text(decode_x(text))
        if t == b"d":
            return iso_value(text)
        raise ValueError(f"unknown cell type t={t.decode()!r}")


# ---------------------------------------------------------------------------------------------------
# Rows

_ROW = re.compile(rb"<(\w+:)?row\b([^>]*?)(/?)>")
_CELL = re.compile(rb"<(\w+:)?c\b([^>]*?)(/?)>")
_R = re.compile(rb'(?:^|\s)r\s*=\s*["\']\$?([A-Za-z]{1,3})\$?(\d+)["\']')
_ROW_R = re.compile(rb'(?:^|\s)r\s*=\s*["\'](\d+)["\']')


def col_of(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


def sheet_cells(xml: bytes, reader: CellReader) -> Iterator[tuple[int, int, Any]]:
    """(row, column, value) of every cell with a value in a worksheet's <sheetData>, in document order. Rows
    count from 1; a row without r="" follows the one before it."""
    start = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
    if start is None or start.group(2):
        return
    pfx = start.group(1) or b""
    stop = xml.find(b"</" + pfx + b"sheetData>", start.end())
    if stop < 0:
        raise ValueError("the worksheet XML has no complete <sheetData>")
    yield from rows_cells(xml, start.end(), stop, reader)


def rows_cells(data: bytes, pos: int, stop: int, reader: CellReader, row: int = 1) -> Iterator[tuple[int, int, Any]]:
    """`sheet_cells` for the rows in data[pos:stop]; `row` is the number a first row without r="" takes."""
    return ((r, c, v) for r, c, v, _ in every_cell(data, reader, pos, stop, row) if c >= 0 and v is not None)


def every_cell(data: bytes, reader: CellReader, pos: int = 0, stop: int | None = None,
               row: int = 1) -> Iterator[tuple[int, int, Any, bool]]:
    """(row, column, value, holds a formula) of every cell in the rows of data[pos:stop], empty ones too
    (value None), and (row, -1, None, False) where each row starts, so that a row without cells is seen.
    A row without r="" follows the one before it (`row` for the first); a cell without r="" takes the column
    after the cell before it; a <row/> does not count (python-calamine's rules)."""
    stop = len(data) if stop is None else stop
    row -= 1
    while True:
        m = _ROW.search(data, pos, stop)
        if m is None:
            return
        pfx = m.group(1) or b""
        rm = _ROW_R.search(m.group(2))
        row = int(rm.group(1)) if rm else row + 1
        if m.group(3):  # <row/>: python-calamine does not count it
            pos = m.end()
            yield row, -1, None, False
            row -= 0 if rm else 1
            continue
        close = b"</" + pfx + b"row>"
        end = data.find(close, m.end(), stop)
        if end < 0:
            raise ValueError(f"unclosed row {row}")
        yield row, -1, None, False
        content = data[m.end():end]
        pos = end + len(close)
        col, cpos, f_open = -1, 0, b"<" + pfx + b"f"
        while True:
            c = _CELL.search(content, cpos)
            if c is None:
                break
            attrs = c.group(2)
            cm = _R.search(attrs)
            r, col = (int(cm.group(2)), col_of(cm.group(1))) if cm else (row, col + 1)
            if c.group(3):
                cpos = c.end()
                yield r, col, None, False
                continue
            cclose = b"</" + (c.group(1) or b"") + b"c>"
            cend = content.find(cclose, c.end())
            if cend < 0:
                raise ValueError(f"unclosed cell in row {row}")
            inner = content[c.end():cend]
            cpos = cend + len(cclose)
            yield r, col, reader.value(attrs, inner), f_open in inner
