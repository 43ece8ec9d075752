"""Write cells into one worksheet of an existing workbook and leave everything else byte for byte.

openpyxl load + save rewrites or drops what it does not model (shapes, form controls, threaded comments,
x14 extensions, cached formula values, calcChain, printer settings: see MEASURED.md), so we never save a
user's workbook with it. Instead `patch_sheet` streams the one worksheet part through a byte-level row
scanner, rewrites only the cells we own, and copies every other zip member's *compressed* bytes unchanged
(same names, same order). The only other parts it may change, and only when it must:

- `xl/styles.xml`: one `yyyy-mm-dd` number format + cell format when a date is written (reused on later
  runs), and one `<dxf>` per conditional-format colour (reused when an identical one exists);
- the table part (`xl/tables/tableN.xml`) of a table whose header row we extend to the right;
- `xl/workbook.xml`: only the hidden `_xlnm._FilterDatabase` name of a sheet-level autofilter we extend.

Safety: `patch_sheet` refuses to write a workbook that is open in Excel or LibreOffice (`is_open`),
writes a temp file in the same folder, re-reads it with python-calamine to check that every written
value landed, keeps the previous version in `.gendan-backup/`, then `os.replace`s. On any failure the
original is untouched and the temp file removed.

Deliberate surprises:
- text is always written as an inline string (`t="inlineStr"`), so sharedStrings.xml stays untouched;
  text starting with `=` is text, never a formula;
- a cell holding a formula (or inside an array formula's range) is never written: it is reported in
  `PatchResult.skipped`, and the caller turns that into an Issue (`PatchResult.issues()`);
- formulas that depend on the cells we write keep their old cached values until Excel recalculates.
"""
from __future__ import annotations

import bisect
import datetime as _dt
import functools
import gc
import math
import operator
import os
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any, Iterable, Mapping
from xml.etree import ElementTree as ET

from gendan_xl.errors import (
    WARNING,
    GendanError,
    Issue,
    PatchError,
    PatchVerifyError,
    UnusableWorkbookError,
    WorkbookOpenError,
)
from gendan_xl.messages import message
from gendan_xl.xlsx.package import (SHEET_LEVEL as _SHEET_LEVEL, ZipWriter, _fast_zlib, deflate, find_sheet, inflate_member,
                      list_worksheets, open_package, relationships, sheet_part)
from gendan_xl.xlsx.read import sheet_rows

__all__ = [
    "CFRule",
    "PatchError",
    "PatchResult",
    "PatchVerifyError",
    "backup_dir",
    "is_open",
    "list_worksheets",
    "patch_sheet",
    "sheet_part",
    "sidecar_path",
]

BACKUP_DIR = ".gendan-backup"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_TEXT = 32767  # Excel's limit for one cell's text





@dataclass(frozen=True)
class CFRule:
    """A conditional format added once to the patched sheet.

    kind: "containsText" (cell text contains `text`), "equal" (cell text equals `text`) or "expression"
    (`formula`, written relative to the top-left cell of `sqref`, without the leading "=").
    Colours are "#RRGGBB"; None leaves that part unformatted.
    A second run finds the rule by (top-left cell, type, formula) and leaves it alone, only widening
    its sqref when that changed, so styles.xml and the sheet's rules stay as they are.
    """

    sqref: str
    kind: str = "containsText"
    text: str = ""
    formula: str = ""
    fill: str | None = "#FFC7CE"
    font: str | None = "#9C0006"


@dataclass
class PatchResult:
    """What `patch_sheet` did."""

    path: Path  # the file written (the workbook itself, or out_path)
    sheet: str
    part: str  # e.g. "xl/worksheets/sheet1.xml"
    written: int = 0  # cells given a value
    cleared: int = 0  # cells whose value was removed
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (A1 ref, code) never written
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (A1 ref, asked, written)
    truncated: list[str] = field(default_factory=list)  # A1 refs whose text was cut to 32767 chars
    tables_extended: list[str] = field(default_factory=list)  # table display names
    autofilter_extended: bool = False
    cf_added: int = 0
    cf_updated: int = 0  # existing rules of ours whose sqref was widened
    changed_parts: list[str] = field(default_factory=list)
    backup: Path | None = None
    verified: bool = False

    def issues(self, lang: str = "zh") -> list[Issue]:
        """Findings for the caller's report: formula cells kept, headers renamed, text cut."""
        out = [
            Issue(code, WARNING, self.sheet, ref, None, message(code, lang))
            for ref, code in self.skipped
        ]
        out += [
            Issue("table-header-renamed", WARNING, self.sheet, ref, asked,
                  message("table-header-renamed", lang, new=new))
            for ref, asked, new in self.renamed
        ]
        out += [Issue("text-truncated", WARNING, self.sheet, ref, None, message("text-truncated", lang))
                for ref in self.truncated]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sheet": self.sheet,
            "part": self.part,
            "written": self.written,
            "cleared": self.cleared,
            "skipped": [list(s) for s in self.skipped],
            "renamed": [list(r) for r in self.renamed],
            "truncated": self.truncated,
            "tables_extended": self.tables_extended,
            "autofilter_extended": self.autofilter_extended,
            "cf_added": self.cf_added,
            "cf_updated": self.cf_updated,
            "changed_parts": self.changed_parts,
            "backup": str(self.backup) if self.backup else None,
            "verified": self.verified,
        }


# ---------------------------------------------------------------------------------------------------
# Lock files, sidecars, backups


def is_open(path: str | os.PathLike[str]) -> Path | None:
    """The owner/lock file showing that `path` is open in Excel or LibreOffice, or None.

    Excel writes `~$` + the file name beside the workbook; for long names it overwrites the first one or
    two characters instead of prefixing (`~$LoadPivotTables.xlsx` for `xxLoadPivotTables.xlsx`, like
    Word's owner files), so we accept `~$` followed by the name with 0, 1 or 2 leading characters cut.
    LibreOffice writes `.~lock.` + name + `#`. Windows names are case-insensitive, so is the match.
    A stale lock file left by a crash also counts: the user deletes it once the workbook is closed.
    """
    p = Path(path)
    name = p.name.casefold()
    wanted = {"~$" + name, "~$" + name[1:], "~$" + name[2:], ".~lock." + name + "#"}
    try:
        entries = list(p.parent.iterdir())
    except OSError:
        return None
    for entry in sorted(entries):
        if entry.name.casefold() in wanted and entry.name.casefold() != name and entry.is_file():
            return entry
    return None


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """Where to write when the workbook is open: `name.status.xlsx` (`.xlsm` keeps its suffix, since
    Excel refuses a macro package named .xlsx)."""
    p = Path(path)
    return p.with_name(f"{p.stem}.status{p.suffix}")


def backup_dir(path: str | os.PathLike[str]) -> Path:
    """The folder holding the backups of `path`: `.gendan-backup/` beside it."""
    return Path(path).parent / BACKUP_DIR


def _keep_backup(path: Path, backups: int, now: _dt.datetime) -> Path | None:
    """Keep the current version of `path` as `.gendan-backup/name.YYYYmmdd-HHMMSS.xlsx`; prune to `backups`."""
    if backups <= 0 or not path.exists():
        return None
    folder = backup_dir(path)
    folder.mkdir(exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    n = 2
    while target.exists():
        target = folder / f"{path.stem}.{stamp}-{n}{path.suffix}"
        n += 1
    try:
        # A hard link costs nothing and keeps the exact inode the user had; copy where links are refused.
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    pattern = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}(?:-\d+)?" + re.escape(path.suffix) + "$")
    mine = sorted((f for f in folder.iterdir() if pattern.fullmatch(f.name)),
                  key=lambda f: (f.name[len(path.stem) + 1:len(path.stem) + 16], f.stat().st_mtime_ns))
    for old in mine[:-backups]:
        old.unlink(missing_ok=True)
    return target


# ---------------------------------------------------------------------------------------------------
# Cell references and values


def col_letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@functools.lru_cache(maxsize=4096)
def _col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        n = n * 26 + ord(ch) - 64
    return n


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def _parse_ref(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref.strip())
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), _col_number(m.group(1))


def _parse_range(ref: str) -> tuple[int, int, int, int]:
    """"A1:C9" → (r1, c1, r2, c2); "B2" → (2, 2, 2, 2)."""
    a, _, b = ref.partition(":")
    r1, c1 = _parse_ref(a)
    r2, c2 = _parse_ref(b) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _range_text(r1: int, c1: int, r2: int, c2: int) -> str:
    a = f"{col_letters(c1)}{r1}"
    return a if (r1, c1) == (r2, c2) else f"{a}:{col_letters(c2)}{r2}"


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esc_attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


def _clean_text(text: str) -> str:
    """Text as Excel stores it: illegal XML characters dropped, a literal `_x0041_` protected from
    Excel's `_xHHHH_` decoding, a carriage return kept as `_x000D_` (XML parsers turn a raw CR into LF)."""
    text = _ILLEGAL_XML.sub("", text)
    text = _XESCAPE.sub(r"_x005F_\1", text)
    return text.replace("\r", "_x000D_")


def _excel_serial(value: _dt.date, date1904: bool) -> float | int:
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


def _number_text(value: int | float | Decimal) -> str:
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
_STR, _NUM, _BOOL, _DATE, _DATETIME, _CLEAR = range(6)


@functools.lru_cache(maxsize=None)
def _letters(col: int) -> bytes:
    return col_letters(col).encode()


class _Value:
    """One distinct value, shared by every cell that holds it: status columns repeat a few values over a
    million rows, so a column is a list of pointers to these. `expect` is what python-calamine reads back
    (the check compares whole columns against it). A text's XML (`inner` None) is built only when its
    cell template is, and not kept here: a million distinct reason texts would otherwise be held twice."""

    __slots__ = ("kind", "value", "expect", "inner")

    def __init__(self, kind: int, value: Any, inner: bytes | None):
        self.kind, self.value, self.inner = kind, value, inner
        self.expect = "" if kind == _CLEAR else value  # calamine shows an empty cell as ""


_TATTR = {_STR: b' t="inlineStr"', _BOOL: b' t="b"'}


class _Rows:
    """The cells to write, row by row: explicit cells ({row: [(col, _Value)] sorted}) plus column blocks
    (col, first row, [_Value per row]). A million-row status column stays one list of shared _Values;
    each row's cells are put together only when the scanner reaches that row."""

    def __init__(self, explicit: dict[int, list[tuple[int, _Value]]],
                 blocks: list[tuple[int, int, list[_Value]]], kinds: Iterable[int] = (),
                 block_kinds: Mapping[int, set[int]] | None = None, pfx: bytes = b""):
        self.explicit = explicit
        self.pfx = pfx  # of the worksheet's elements, for the XML of text values
        self.blocks = sorted(blocks, key=_by_col)
        self.kinds = set(kinds)  # of every value, for the date formats styles.xml may need
        self.block_kinds = [(block_kinds or {}).get(c, {_STR, _NUM, _BOOL, _DATE, _DATETIME, _CLEAR})
                            for c, _, _ in self.blocks]
        # Rows that every block covers and no explicit cell touches: their cells are the blocks' values
        # in column order (`block_row`), the scanner's fast path.
        self.cols = tuple(c for c, _, _ in self.blocks)
        self.offsets = [(first, values) for _, first, values in self.blocks]
        self.lo = max((first for _, first, _ in self.blocks), default=0)
        self.hi = min((first + len(values) for _, first, values in self.blocks), default=0)
        self.targets = self._targets()

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

    def block_row(self, row: int) -> list[_Value] | None:
        """The blocks' values for `row` in column order, when that is all the row gets; else None."""
        if self.lo <= row < self.hi and row not in self.explicit:
            return [values[row - first] for first, values in self.offsets]
        return None

    def get(self, row: int) -> list[tuple[int, _Value]]:
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
        boxes = [(r, c) for r, cells in self.explicit.items() for c, v in cells if v.kind != _CLEAR]
        for col, first, values in self.blocks:
            top = next((i for i, v in enumerate(values) if v.kind != _CLEAR), None)
            if top is not None:
                bottom = next(i for i in range(len(values) - 1, -1, -1) if values[i].kind != _CLEAR)
                boxes += [(first + top, col), (first + bottom, col)]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[0] for b in boxes),
                max(b[1] for b in boxes))

    def set(self, row: int, col: int, value: _Value) -> None:
        cells = [x for x in self.explicit.get(row, []) if x[0] != col] + [(col, value)]
        self.explicit[row] = sorted(cells, key=_by_col)
        self.kinds.add(value.kind)


def _ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


# anything _clean_text or _esc would change (most texts have none: a million reason texts skip both)
_TEXT_WORK = re.compile("[&<>\r_\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text_inner(text: str, pfx: bytes) -> bytes:
    """The <is> of an inline string: cleaned, cut to Excel's limit, escaped."""
    if _TEXT_WORK.search(text) is not None or len(text) > MAX_TEXT:
        text = _esc(_clean_text(text)[:MAX_TEXT])
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    p = pfx.decode()
    return f"<{p}is><{p}t{space}>{text}</{p}t></{p}is>".encode()


def _make_value(value: Any, pfx: bytes, date1904: bool) -> _Value:
    """A value's kind, and the inner XML of anything but text (numbers and dates are checked here, so a
    NaN or a date before 1900 fails before anything is written); the style is chosen per cell."""
    if value is None:
        return _Value(_CLEAR, value, b"")
    if isinstance(value, str):
        return _Value(_STR, value, None)
    if isinstance(value, bool):
        return _Value(_BOOL, value, b"<%sv>%d</%sv>" % (pfx, int(value), pfx))
    if isinstance(value, (int, float, Decimal)):
        return _Value(_NUM, value, b"<%sv>%s</%sv>" % (pfx, _number_text(value).encode(), pfx))
    if isinstance(value, _dt.date):
        serial = _excel_serial(value, date1904)
        kind = _DATETIME if isinstance(value, _dt.datetime) else _DATE
        return _Value(kind, value, b"<%sv>%s</%sv>" % (pfx, _number_text(serial).encode(), pfx))
    raise TypeError(f"cannot write a {type(value).__name__} into a cell; "
                    "use str, int, float, Decimal, bool, date, datetime or None")


# Types whose equal values are always the same cell; 1, 1.0, True and Decimal(1) are equal but are not.
_PLAIN = {str, type(None), _dt.date, _dt.datetime}


def _too_long(v: _Value) -> bool:
    return v.kind == _STR and len(v.value) > MAX_TEXT and len(_clean_text(v.value)) > MAX_TEXT


def _group(cells: Mapping[tuple[int, int], Any], columns: Mapping[int, tuple[int, Iterable[Any]]], pfx: bytes,
           date1904: bool, result: PatchResult) -> _Rows:
    """The cells as _Rows, with one _Value per distinct (type, value). A column is mapped through a dict
    of its distinct values, so the per-row work runs in C: a million rows cost a few dict look-ups each."""
    memo: dict[tuple[type, Any], _Value] = {}

    def value_of(key: tuple[type, Any], where: Any) -> _Value:
        v = memo.get(key)
        if v is None:
            try:
                v = memo[key] = _make_value(key[1], pfx, date1904)
            except TypeError as exc:
                raise TypeError(f"{exc} ({where()})") from None
        return v

    by_row: dict[int, list[tuple[int, _Value]]] = {}
    for (r, c), value in cells.items():
        if not (0 < r <= 1048576 and 0 < c <= 16384):
            raise ValueError(f"cell ({r}, {c}) is outside Excel's grid (rows 1-1048576, columns 1-16384)")
        v = value_of((type(value), value), lambda: _ref(r, c))
        if _too_long(v):
            result.truncated.append(_ref(r, c))
        row = by_row.get(r)
        if row is None:
            by_row[r] = [(c, v)]
        else:
            row.append((c, v))
    for row in by_row.values():
        if len(row) > 1:
            row.sort(key=_by_col)
    blocks = []
    block_kinds = {}
    for c, (first, values) in columns.items():
        values = values if isinstance(values, list) else list(values)
        distinct = dict.fromkeys(values)  # in order of first appearance, so an error names the first cell
        if len(set(map(type, values)) - _PLAIN) > 1:  # 1 and 1.0 (or True) in one column: key by type
            keys: list[Any] = list(zip(map(type, values), values))
            local = {k: value_of(k, lambda: _ref(first + keys.index(k), c)) for k in dict.fromkeys(keys)}
            column = list(map(local.__getitem__, keys))
            del keys
        else:
            local = {x: value_of((type(x), x), lambda: _ref(first + values.index(x), c)) for x in distinct}
            column = list(map(local.__getitem__, values))
        del distinct
        long = {v for v in local.values() if _too_long(v)}
        if long:
            result.truncated += [_ref(first + i, c) for i, v in enumerate(column) if v in long]
        if not (0 < first and first + len(column) - 1 <= 1048576 and 0 < c <= 16384):
            raise ValueError(f"column {c} from row {first} ({len(column)} values) is outside Excel's grid")
        blocks.append((c, first, column))
        block_kinds[c] = {v.kind for v in local.values()}
    return _Rows(by_row, blocks, {v.kind for v in memo.values()}, block_kinds, pfx)


# ---------------------------------------------------------------------------------------------------
# styles.xml: one date format, dxfs for conditional formats

# Built-in number formats that show dates (ECMA-376 18.8.30 plus the CJK ones Excel maps to dates).
_BUILTIN_DATE_FMTS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59)) \
    | set(range(71, 82))


def _is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)  # quoted text, escaped chars, padding
    code = re.sub(r"\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]", "", code, flags=re.I)  # colours, locales
    code = code.split(";")[0].lower().replace("general", "")
    return bool(re.search(r"[dy]|e(?![+-])", code)) or ("m" in code and "h" not in code and "s" not in code
                                                         and not re.search(r"[0#?]", code))


_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(tag)}


def _set_attr(tag: bytes, name: bytes, value: bytes) -> bytes:
    """`tag` (a start tag's bytes) with attribute `name` set to `value`."""
    pat = re.compile(rb'(\s' + re.escape(name) + rb'\s*=\s*)(?:"[^"]*"|\'[^\']*\')')
    if pat.search(tag):
        return pat.sub(lambda m: m.group(1) + b'"' + value + b'"', tag, count=1)
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end] + b" " + name + b'="' + value + b'"' + tag[end:]


class _Styles:
    """Just enough of styles.xml to find or append a date format and a dxf."""

    def __init__(self, data: bytes | None):
        self.data = data
        self.changed = False
        self.xf_numfmt: list[int] = []
        self.fmt_codes: dict[int, str] = {}
        self.date_memo: dict[int, bool] = {}
        if data is None:
            return
        m = re.search(rb"<(\w+:)?styleSheet\b", data)
        self.pfx = (m.group(1) or b"") if m else b""
        self._scan()

    def _block(self, name: bytes) -> re.Match[bytes] | None:
        # the styleSheet's own prefix only: an <x14:dxfs> inside extLst is not the <dxfs> we want
        p = re.escape(self.pfx)
        return re.search(rb"<" + p + name + rb"\b([^>]*?)(?:/>|>(.*?)</" + p + name + rb">)", self.data or b"", re.S)

    def _scan(self) -> None:
        m = self._block(b"numFmts")
        if m and m.group(2):
            for t in re.finditer(rb"<(?:\w+:)?numFmt\b([^>]*)>", m.group(2)):
                a = _attrs(t.group(1))
                if b"numFmtId" in a:
                    code = a.get(b"formatCode", b"").decode("utf-8", "replace")
                    self.fmt_codes[int(a[b"numFmtId"])] = _unesc(code)
        m = self._block(b"cellXfs")
        self.date_memo = {}
        self.xf_numfmt = []
        if m and m.group(2):
            for t in re.finditer(rb"<(?:\w+:)?xf\b([^>]*)>", m.group(2)):
                self.xf_numfmt.append(int(_attrs(t.group(1)).get(b"numFmtId", b"0") or 0))

    def is_date_xf(self, index: int) -> bool:
        try:
            return self.date_memo[index]
        except KeyError:
            pass
        fmt = self.xf_numfmt[index] if 0 <= index < len(self.xf_numfmt) else 0
        self.date_memo[index] = answer = fmt in _BUILTIN_DATE_FMTS or (
            fmt in self.fmt_codes and _is_date_code(self.fmt_codes[fmt]))
        return answer

    def date_xf(self, code: str) -> int | None:
        """Index of a plain cell format showing `code`; appended (once) when none exists."""
        if self.data is None:
            return None
        fmt_id = next((i for i, c in self.fmt_codes.items() if c == code), None)
        if fmt_id is not None:
            for i, f in enumerate(self.xf_numfmt):
                if f == fmt_id:
                    return i
        p = self.pfx
        if fmt_id is None:
            fmt_id = max([163, *self.fmt_codes]) + 1
            entry = b'<%snumFmt numFmtId="%d" formatCode="%s"/>' % (p, fmt_id, _esc_attr(code).encode())
            self._append(b"numFmts", entry, before=(b"fonts", b"fills", b"borders", b"cellStyleXfs", b"cellXfs"))
        xf = b'<%sxf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' % (p, fmt_id)
        self._append(b"cellXfs", xf, before=(b"cellStyles", b"dxfs", b"tableStyles", b"colors", b"extLst"))
        self._scan()
        return len(self.xf_numfmt) - 1

    def dxf(self, fill: str | None, font: str | None) -> int | None:
        """Index of a dxf with these colours; appended (once) when no identical one exists."""
        if self.data is None:
            return None
        p = self.pfx
        parts = b""
        if font:
            parts += b'<%sfont><%scolor rgb="%s"/></%sfont>' % (p, p, _argb(font), p)
        if fill:
            parts += b'<%sfill><%spatternFill><%sbgColor rgb="%s"/></%spatternFill></%sfill>' % (
                p, p, p, _argb(fill), p, p)
        entry = b"<%sdxf>%s</%sdxf>" % (p, parts, p)
        m = self._block(b"dxfs")
        existing = re.findall(rb"<(?:\w+:)?dxf\s*/>|<(?:\w+:)?dxf\b.*?</(?:\w+:)?dxf>", m.group(2) or b"", re.S) \
            if m else []
        if entry in existing:
            return existing.index(entry)
        self._append(b"dxfs", entry, before=(b"tableStyles", b"colors", b"extLst"))
        return len(existing)

    def _append(self, name: bytes, entry: bytes, before: tuple[bytes, ...]) -> None:
        """Append `entry` as the last child of <name> and bump its count; create <name> when missing."""
        data = self.data or b""
        p = self.pfx
        m = self._block(name)
        if m:
            children = m.group(2) or b""
            count = len(re.findall(rb"<(?:\w+:)?" + name[:-1] + rb"\b", children)) + 1
            start_tag = _set_attr(b"<%s%s%s>" % (p, name, m.group(1).rstrip(b"/")), b"count", b"%d" % count)
            new = start_tag + children + entry + b"</%s%s>" % (p, name)
            self.data = data[:m.start()] + new + data[m.end():]
        else:
            new = b'<%s%s count="1">%s</%s%s>' % (p, name, entry, p, name)
            pos = None
            for b in before:
                t = re.search(rb"<(?:\w+:)?" + b + rb"\b", data)
                if t:
                    pos = t.start()
                    break
            if pos is None:
                pos = data.rfind(b"</")
            self.data = data[:pos] + new + data[pos:]
        self.changed = True


def _argb(colour: str) -> bytes:
    c = colour.lstrip("#").upper()
    if not re.fullmatch(r"[0-9A-F]{6}|[0-9A-F]{8}", c):
        raise ValueError(f"colour {colour!r} is not #RRGGBB")
    return ("FF" + c if len(c) == 6 else c).encode()


def _unesc(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


# ---------------------------------------------------------------------------------------------------
# Tables (ListObjects) and their header columns


def _table_name_text(raw: str) -> str:
    """A tableColumn name as the header cell shows it: XML entities and `_xHHHH_` escapes decoded."""
    text = _unesc(raw)
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _table_name_attr(text: str) -> str:
    text = text.replace("\n", "_x000a_").replace("\r", "_x000d_").replace("\t", "_x0009_")
    return _esc_attr(text)


@dataclass
class _Table:
    part: str
    data: bytes
    name: str
    ref: tuple[int, int, int, int]
    header: bool
    kind: str
    columns: list[str]  # decoded names, in order
    changed: bool = False


def _load_table(part: str, data: bytes) -> _Table | None:
    m = re.search(rb"<(?:\w+:)?table\b([^>]*)>", data)
    if not m:
        return None
    a = _attrs(m.group(1))
    try:
        ref = _parse_range(a.get(b"ref", b"").decode())
    except ValueError:
        return None
    cols = [_table_name_text(_attrs(t.group(1)).get(b"name", b"").decode("utf-8", "replace"))
            for t in re.finditer(rb"<(?:\w+:)?tableColumn\b([^>]*)>", data)]
    name = a.get(b"displayName", a.get(b"name", b"")).decode("utf-8", "replace")
    return _Table(part, data, name, ref, a.get(b"headerRowCount", b"1") != b"0",
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


def _cell_at(by_row: _Rows, row: int, col: int) -> _Value | None:
    return next((v for c, v in by_row.get(row) if c == col), None)


def _rename(by_row: _Rows, row: int, col: int, new: str, pfx: bytes, result: PatchResult) -> None:
    old = _cell_at(by_row, row, col)
    result.renamed.append((_ref(row, col), old.value if old else None, new))
    by_row.set(row, col, _make_value(new, pfx, False))


def _plan_tables(tables: list[_Table], by_row: _Rows, pfx: bytes, result: PatchResult) -> None:
    """Extend tables whose header row we write into right of their last column; rename changed headers."""
    for t in tables:
        r1, c1, r2, c2 = t.ref
        if not t.header or t.kind != "worksheet":
            continue
        # header cells we overwrite inside the table must stay equal to the column names
        for c in range(c1, c2 + 1):
            cell = _cell_at(by_row, r1, c)
            if cell is None or cell.kind != _STR:
                continue
            others = t.columns[:c - c1] + t.columns[c - c1 + 1:]
            new = _unique(cell.value, others)
            if new != cell.value:
                _rename(by_row, r1, c, new, pfx, result)
            if t.columns[c - c1] != new:
                t.columns[c - c1] = new
                t.changed = True
        last = c2
        while (cell := _cell_at(by_row, r1, last + 1)) is not None and cell.kind == _STR:
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


def _rewrite_table(t: _Table) -> bytes:
    data = t.data
    ref = _range_text(*t.ref).encode()
    m = re.search(rb"<(\w+:)?table\b[^>]*>", data)
    assert m
    p = m.group(1) or b""
    data = data[:m.start()] + _set_attr(m.group(0), b"ref", ref) + data[m.end():]
    # the table's own autoFilter spans the same columns (the header row to the last data row)
    af = re.search(rb"<(?:\w+:)?autoFilter\b[^>]*?/?>", data)
    if af:
        r1, c1, r2, c2 = _parse_range(_attrs(af.group(0)).get(b"ref", ref).decode())
        new = _range_text(r1, c1, r2, t.ref[3]).encode()
        data = data[:af.start()] + _set_attr(af.group(0), b"ref", new) + data[af.end():]
    cols = re.search(rb"<(?:\w+:)?tableColumns\b([^>]*)>(.*?)</(?:\w+:)?tableColumns>", data, re.S)
    assert cols
    body = cols.group(2)
    tags = list(re.finditer(rb"<(?:\w+:)?tableColumn\b([^>]*?)(/?)>", body))
    ids = [int(_attrs(x.group(1)).get(b"id", b"0") or 0) for x in tags]
    pieces, pos = [], 0
    for i, x in enumerate(tags):  # rename changed existing columns
        want = _table_name_attr(t.columns[i]).encode()
        if _table_name_text(_attrs(x.group(1)).get(b"name", b"").decode("utf-8", "replace")) != t.columns[i]:
            pieces += [body[pos:x.start()], _set_attr(x.group(0), b"name", want)]
            pos = x.end()
    pieces.append(body[pos:])
    next_id = max(ids, default=0) + 1
    for name in t.columns[len(tags):]:
        pieces.append(b'<%stableColumn id="%d" name="%s"/>' % (p, next_id, _table_name_attr(name).encode()))
        next_id += 1
    start = _set_attr(b"<%stableColumns%s>" % (p, cols.group(1)), b"count", b"%d" % len(t.columns))
    return data[:cols.start()] + start + b"".join(pieces) + b"</%stableColumns>" % p + data[cols.end():]


# ---------------------------------------------------------------------------------------------------
# The worksheet scanner

# Top-level worksheet children that must come after <conditionalFormatting> (CT_Worksheet sequence).
_AFTER_CF = {
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
    "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
}
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|<(/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)


def _top_level(tail: bytes) -> list[tuple[str, int, int, bytes]]:
    """(local name, start, end, start tag) of each top-level element in the bytes after </sheetData>.
    For mc:AlternateContent the name is that of the first element inside it (what it wraps)."""
    out: list[tuple[str, int, int, bytes]] = []
    depth = 0
    current: list[Any] | None = None
    for m in _TOKEN.finditer(tail):
        if m.group(2) is None:
            continue
        close, name, _, selfclose = m.group(1), m.group(2).decode(), m.group(3), m.group(4)
        local = name.rsplit(":", 1)[-1]
        if close:
            depth -= 1
            if depth == 0 and current is not None:
                current[2] = m.end()
                out.append(tuple(current))  # type: ignore[arg-type]
                current = None
            if depth < 0:
                break
            continue
        if depth == 0:
            current = [local, m.start(), m.end(), m.group(0)]
            if selfclose:
                out.append(tuple(current))  # type: ignore[arg-type]
                current = None
                continue
        elif current is not None and current[0] == "AlternateContent" and local not in ("Choice", "Fallback") \
                and depth == 2:
            current[0] = local
        if not selfclose:
            depth += 1
    return out


_BATCH_ROWS = 2048
_COUNT_EMPTY = operator.methodcaller("count", b"")


class _CellFormats(dict):
    """_Value -> its cell format in one column and style, made on first use."""

    def __init__(self, make: Any, col: int, style: bytes | None):
        super().__init__()
        self.make, self.col, self.style = make, col, style

    def __missing__(self, v: _Value) -> bytes:
        f = self[v] = self.make(self.col, v, self.style)
        return f


class _SheetPatcher:
    """Streams one worksheet's XML: rows in, patched rows out. Feed decompressed bytes, collect output."""

    def __init__(self, by_row: _Rows, styles: _Styles, tables: list[_Table],
                 cf_rules: list[CFRule], result: PatchResult, date_xfs: dict[int, int | None],
                 extend_filter: bool = True):
        self.extend_filter = extend_filter
        self.autofilter_ref: str | None = None
        self.result = result
        self.styles = styles
        self.tables = tables
        self.cf_rules = cf_rules
        self.date_xfs = date_xfs
        self.by_row = by_row
        self.targets = by_row.targets
        self.skipped_rc: set[tuple[int, int]] = set()
        self.col_style_cache: dict[int, bytes | None] = {}
        self.templates: dict[tuple[int, _Value, bytes | None], tuple[bytes, bytes]] = {}
        # the fast path's new cells: per block column, _Value -> cell format; the current batch of rows
        self.cell_formats: list[_CellFormats] | None = None
        self.skeleton_formats: list[_CellFormats] = []
        self.batch_start = 0
        self.batch_xml: list[bytes] = []
        self.batch_empty: list[int] = []
        self.batch_skeleton: list[bytes] | None = None
        self.ti = 0
        self.phase = 0  # 0 head, 1 rows, 2 tail
        self.buf = b""
        self.last_row = 0
        self.col_styles: list[tuple[int, int, bytes]] = []
        self.arrays: list[tuple[int, int, int, int]] = []
        self.pfx = b""
        self.touched: tuple[int, int, int, int] | None = None  # bbox of the cells we put a value in

    # -- compile the patterns once the prefix is known
    def _compile(self, pfx: bytes) -> None:
        p = re.escape(pfx)
        self.pfx = pfx
        # (attributes, r="" when it comes first, "/" of an empty row)
        self.row_re = re.compile(rb"<" + p + rb'row\b((?:\s+r="(\d+)")?[^>]*?)(/?)>')
        self.row_end = b"</" + pfx + b"row>"
        self.cell_re = re.compile(rb"<" + p + rb"c\b([^>]*?)(/?)>")
        # the content of a cell up to its end tag, consumed in runs of non-"<" bytes (a lazy .*? would try
        # the end tag at every byte)
        body = rb"(?:/>|>[^<]*(?:<(?!/" + p + rb"c>)[^<]*)*</" + p + rb"c>)"
        self.own_re = re.compile(rb"<" + p + rb'c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?([^>]*?)' + body)
        self.cell_full = re.compile(rb"<" + p + rb"c\b([^>]*?)" + body)
        # a row's tail of cells exactly as we write them, and their starts up to the style
        start = rb"<" + p + rb'c r="[A-Z]{1,3}\d+"(?: s="\d+")?'
        self.skeleton_re = re.compile(start)
        self.own_tail = re.compile(
            rb"(?:" + start + rb'(?: t="\w+")?(?:/>|>(?:<' + p + rb"v>[^<]*</" + p + rb"v>|<" + p + rb"is><" + p
            + rb'(?:t|t xml:space="preserve")>[^<]*</' + p + rb"t></" + p + rb"is>)</" + p + rb"c>))*\s*")
        self.cell_end = b"</" + pfx + b"c>"
        self.cell_open = b"<" + pfx + b"c"
        self.cell_r = b'<%sc r="' % pfx
        self.row_open = b"<" + pfx + b"row"
        self.f_open = b"<" + pfx + b"f"
        self.sheetdata_end = b"</" + pfx + b"sheetData>"

    def feed(self, data: bytes) -> bytes:
        self.buf += data
        out = []
        if self.phase == 0:
            m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", self.buf)
            if not m:
                return b""
            self._compile(m.group(1) or b"")
            out.append(self._head(self.buf[:m.start()]))
            if m.group(2):  # <sheetData/>: an empty sheet
                out.append(b"<%ssheetData>" % self.pfx)
                out.append(self._new_rows(None))
                out.append(self.sheetdata_end)
                self.phase = 2
            else:
                out.append(m.group(0))
                self.phase = 1
            self.buf = self.buf[m.end():]
        if self.phase == 1:
            end = self.buf.find(self.sheetdata_end)
            if end >= 0:
                out.append(self._rows(self.buf[:end]))
                out.append(self._new_rows(None))
                self.buf = self.buf[end:]
                self.phase = 2
            else:
                cut = self.buf.rfind(self.row_end)
                if cut >= 0:
                    cut += len(self.row_end)
                    out.append(self._rows(self.buf[:cut]))
                    self.buf = self.buf[cut:]
        return b"".join(out)

    def finish(self) -> bytes:
        if self.phase != 2:
            raise ValueError("the worksheet XML has no complete <sheetData>")
        tail, self.buf = self.buf, b""
        return self._tail(tail)

    # -- head: dimension and column styles
    def _head(self, head: bytes) -> bytes:
        for m in re.finditer(rb"<(?:\w+:)?col\b([^>]*)>", head):
            a = _attrs(m.group(1))
            if b"style" in a and b"min" in a:
                self.col_styles.append((int(a[b"min"]), int(a.get(b"max", a[b"min"])), a[b"style"]))
        m = re.search(rb"<(?:\w+:)?dimension\b[^>]*>", head)
        bbox = self._written_bbox()
        if m and bbox:
            try:
                old = _parse_range(_attrs(m.group(0)).get(b"ref", b"A1").decode())
                # "A1" is what an empty sheet says; do not let it stretch the range
                merged = bbox if old == (1, 1, 1, 1) else (min(old[0], bbox[0]), min(old[1], bbox[1]),
                                                           max(old[2], bbox[2]), max(old[3], bbox[3]))
            except ValueError:
                merged = bbox
            head = head[:m.start()] + _set_attr(m.group(0), b"ref", _range_text(*merged).encode()) + head[m.end():]
        return head

    def _written_bbox(self) -> tuple[int, int, int, int] | None:
        return self.by_row.bbox()

    # -- rows
    def _rows(self, data: bytes) -> bytes:
        if self.ti >= len(self.targets):
            self._note_arrays(data)
            return data
        self._note_arrays(data)
        out: list[bytes] = []
        pos = 0
        targets, n = self.targets, len(self.targets)
        row_end = self.row_end
        append_row = self._append_row
        for m in self.row_re.finditer(data):
            r = m.group(2)
            if r is None:
                rm = _R_ATTR.search(m.group(1))
                r = rm.group(1) if rm else None
            has_r = r is not None
            rownum = int(r) if has_r else self.last_row + 1
            self.last_row = rownum
            inserted = False
            while self.ti < n and targets[self.ti] < rownum:
                out.append(data[pos:m.start()])
                pos = m.start()
                out.append(self._new_row(targets[self.ti]))
                self.ti += 1
                inserted = True
            if self.ti < n and targets[self.ti] == rownum:
                if m.group(3):
                    stop = end = m.end()
                else:
                    stop = data.index(row_end, m.end())
                    end = stop + len(row_end)
                new_pos = append_row(out, data, pos, m, stop, rownum, has_r)
                if new_pos >= 0:
                    pos = new_pos
                else:
                    out.append(data[pos:m.start()])
                    out.append(self._patch_row(rownum, m.group(1), has_r, data[m.end():stop]))
                    pos = end
                self.ti += 1
                if self.ti >= n:
                    break
            elif inserted and not has_r:
                # a row without r="" counts from the row before it, which is now one we inserted
                out.append(data[pos:m.start()])
                out.append(b"<%srow r=\"%d\"%s%s>" % (self.pfx, rownum, m.group(1), m.group(3)))
                pos = m.end()
            elif self.ti >= n:
                break
        out.append(data[pos:])
        return b"".join(out)

    def _note_arrays(self, data: bytes) -> None:
        """Remember array / data-table formula ranges: their non-anchor cells hold values but belong to
        the formula. The anchor comes first in document order, so its range is known before its cells."""
        for needle in (b't="array"', b't="dataTable"'):
            i = data.find(needle)
            while i >= 0:
                start = data.rfind(b"<", 0, i)
                stop = data.find(b">", i)
                ref = _attrs(data[start:stop]).get(b"ref")
                if ref:
                    try:
                        self.arrays.append(_parse_range(ref.decode()))
                    except ValueError:
                        pass
                i = data.find(needle, i + 1)

    def _in_array(self, row: int, col: int) -> bool:
        return any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in self.arrays)

    def _default_style(self, row_attrs: bytes | None, col: int) -> bytes | None:
        """The style Excel gives a new cell: the row's (customFormat) first, then the column's."""
        if row_attrs and b"customFormat" in row_attrs:
            a = _attrs(row_attrs)
            if a.get(b"customFormat") in (b"1", b"true") and b"s" in a:
                return a[b"s"]
        try:
            return self.col_style_cache[col]
        except KeyError:
            style = next((st for lo, hi, st in self.col_styles if lo <= col <= hi), None)
            self.col_style_cache[col] = style
            return style

    def _style_attr(self, kind: int, style: bytes | None) -> bytes:
        """The s="" a cell of `kind` gets in a cell styled `style`: a date keeps a date style, else ours."""
        if kind == _DATE or kind == _DATETIME:
            if style is None or not self.styles.is_date_xf(int(style)):
                date_xf = self.date_xfs.get(kind)
                if date_xf is not None:
                    style = b"%d" % date_xf
        return b' s="%s"' % style if style is not None and style != b"0" else b""

    def _cell_xml(self, row: int, col: int, cell: _Value, style: bytes | None) -> bytes:
        kind = cell.kind
        s = self._style_attr(kind, style)
        p = self.pfx
        if kind == _CLEAR:
            return b'<%sc r="%s%d"%s/>' % (p, _letters(col), row, s)
        self.result.written += 1
        inner = cell.inner if cell.inner is not None else _text_inner(cell.value, self.by_row.pfx)
        return b'<%sc r="%s%d"%s%s>%s</%sc>' % (p, _letters(col), row, s, _TATTR.get(kind, b""), inner, p)

    def _new_cells(self, rownum: int, cells: list[tuple[int, _Value]], row_attrs: bytes | None) -> bytes:
        """The XML of new cells (no cell there yet) for one row. Hot path: a million rows × a few columns,
        so each (column, value, style) is turned into bytes once and only the row number varies."""
        parts = []
        row = b"%d" % rownum
        templates = self.templates
        styled = bool(self.col_styles) or (row_attrs is not None and b"customFormat" in row_attrs)
        for col, v in cells:
            if v.kind == _CLEAR:
                continue
            style = self._default_style(row_attrs, col) if styled else None
            t = templates.get((col, v, style)) or self._template(col, v, style)
            parts += (t[0], row, t[1])
        self.result.written += len(parts) // 3
        return b"".join(parts)

    def _template(self, col: int, v: _Value, style: bytes | None) -> tuple[bytes, bytes]:
        """A cell's XML split around its row number: (b'<c r="V', b'" s="3" t="inlineStr">…</c>')."""
        t = self.templates[(col, v, style)] = self._split_cell(col, v, style)
        return t

    def _split_cell(self, col: int, v: _Value, style: bytes | None) -> tuple[bytes, bytes]:
        xml = self._cell_xml(0, col, v, style)
        self.result.written -= 1  # the callers count what they write
        cut = xml.index(b'0"')
        return xml[:cut], xml[cut + 1:]

    def _new_row(self, rownum: int) -> bytes:
        i = self._block_index(rownum)
        if i >= 0:
            self.result.written += len(self.by_row.cols) - self.batch_empty[i]
            body = self.batch_xml[i]
        else:
            body = self._new_cells(rownum, self.by_row.get(rownum), None)
        return b'<%srow r="%d">%s</%srow>' % (self.pfx, rownum, body, self.pfx) if body else b""

    def _new_rows(self, _: None) -> bytes:
        out = []
        while self.ti < len(self.targets):
            out.append(self._new_row(self.targets[self.ti]))
            self.ti += 1
        return b"".join(out)

    def _append_row(self, out: list[bytes], data: bytes, pos: int, m: re.Match[bytes], stop: int, rownum: int,
                    has_r: bool) -> int:
        """The fast path for a row (`m` its start tag, its cells up to `stop`) that gets exactly the blocks'
        values, with no row style or <extLst> to mind: on a first run our columns are right of its last
        cell; on later ones they end the row as we wrote them (`_own_cells_at`) and are replaced whole.
        Puts the row up to its end tag with the new cells in `out` and returns where the copying goes on;
        -1 leaves the row to `_patch_row` (same output, cell by cell)."""
        i = rownum - self.batch_start
        if not 0 <= i < len(self.batch_xml) or rownum in self.by_row.explicit:
            i = self._block_index(rownum)
            if i < 0:
                return -1
        attrs = m.group(1)
        if b"customFormat" in attrs:
            return -1
        start = cut = m.end()
        xml = self.batch_xml[i]
        if stop > start:
            if data.find(b"extLst", start, stop) >= 0:
                return -1
            # a re-run: the row holds the first of the new cells already
            j = data.find(xml[:xml.index(b'"', len(self.cell_r)) + 1], start, stop) if xml else -1
            if j >= 0:
                cut = self._own_cells_at(data, start, j, stop, i)
            elif 0 <= self._last_col(data, start, stop) < self.by_row.cols[0]:
                cut = stop
            else:
                return -1
            if cut < 0:
                return -1
        self.result.written += len(self.by_row.cols) - self.batch_empty[i]
        if has_r and not m.group(3) and b"spans" not in attrs:
            out += (data[pos:cut], xml)  # the row's bytes up to where our cells go; </row> starts the next piece
            return stop
        if not has_r:
            attrs = b' r="%d"' % rownum + attrs
        if b"spans" in attrs:
            attrs = self._widen_spans(attrs, [(c, v) for c, v in zip(self.by_row.cols, self.by_row.block_row(rownum))
                                              if v.kind != _CLEAR])
        out += (data[pos:m.start()], self.row_open, attrs, b">", data[start:cut], xml)
        if m.group(3):
            out.append(self.row_end)
            return m.end()
        return stop

    def _last_col(self, data: bytes, start: int, stop: int) -> int:
        """The column of the last cell in data[start:stop] (by its r=""), 0 when there is no cell, -1 when
        that cannot be told this cheaply (a cell without r="" or with r="" not first)."""
        k = data.rfind(self.cell_r, start, stop)
        n = len(self.cell_open)
        other = data.find(self.cell_open, k + n if k >= 0 else start, stop)
        while other >= 0:  # another cell after it? (a rich text run's <color> also starts with "<c")
            if data[other + n:other + n + 1] in b" \t\r\n>/":
                return -1
            other = data.find(self.cell_open, other + n, stop)
        if k < 0:
            return 0
        c = _COL_AT.match(data, k + len(self.cell_r))
        return _col_number(c.group(1)) if c else -1

    def _own_cells_at(self, data: bytes, start: int, j: int, stop: int, i: int) -> int:
        """A re-run, the first new cell's column found at `j`: `j` when replacing the row's tail from there
        whole with the new cells is what `_rewrite_own` would write: every cell there is one of ours in the
        form we write (a value or an inline string, no formula), left of it none of ours, and the tail has
        the same cells with the same styles as the new ones (a value that is cleared now, or a date that
        became text in a date-styled cell, goes the long way). -1 otherwise."""
        if self.arrays or self.own_tail.fullmatch(data, j, stop) is None:
            return -1
        if not 0 <= self._last_col(data, start, j) < self.by_row.cols[0]:
            return -1
        if self.batch_skeleton is None:
            self.batch_skeleton = self._batch_cells(self.skeleton_formats, self.batch_start, len(self.batch_xml))[0]
        if b"".join(self.skeleton_re.findall(data, j, stop)) != self.batch_skeleton[i]:
            return -1
        return j

    def _block_index(self, rownum: int) -> int:
        """Where `rownum`'s new cells are in the current batch (made now if needed); -1 when the row gets
        anything but exactly the blocks' values."""
        rows = self.by_row
        if not rows.lo <= rownum < rows.hi or rownum in rows.explicit:
            return -1
        i = rownum - self.batch_start
        if not 0 <= i < len(self.batch_xml):
            self._fill_batch(rownum)
            i = 0
        return i

    def _fill_batch(self, first_row: int) -> None:
        """The blocks' new cells for the next few thousand rows."""
        if self.cell_formats is None:  # the column styles are known once the head is read
            styles = [self._default_style(None, col) for col in self.by_row.cols]
            self.cell_formats = [_CellFormats(self._cell_format, c, st) for c, st in zip(self.by_row.cols, styles)]
            self.skeleton_formats = [_CellFormats(self._skeleton_format, c, st)
                                     for c, st in zip(self.by_row.cols, styles)]
        stop = min(first_row + _BATCH_ROWS, self.by_row.hi)
        self.batch_xml, self.batch_empty = self._batch_cells(self.cell_formats, first_row, stop - first_row)
        self.batch_skeleton = None  # made when a re-run needs it
        self.batch_start = first_row

    def _batch_cells(self, formats: list[_CellFormats], first_row: int, n: int) -> tuple[list[bytes], list[int]]:
        """Per row of first_row … +n: the blocks' cells joined, and how many values make no cell. All in C
        loops: per column, its values mapped to their formats, each filled in with its row number."""
        numbers = list(map(b"%d".__mod__, range(first_row, first_row + n)))
        cells = [list(map(bytes.__mod__, map(f.__getitem__, values[first_row - first:first_row - first + n]), numbers))
                 for f, (first, values) in zip(formats, self.by_row.offsets)]
        per_row = list(zip(*cells))
        return list(map(b"".join, per_row)), list(map(_COUNT_EMPTY, per_row))

    def _cell_format(self, col: int, v: _Value, style: bytes | None) -> bytes:
        """A cell's XML with %s where its row number goes (b"%.0s", no cell at all, for a cleared value)."""
        if v.kind == _CLEAR:
            return b"%.0s"
        if v.kind == _STR:  # the same as _cell_xml, without its detours: reason texts are a million distinct values
            inner = _text_inner(v.value, self.by_row.pfx).replace(b"%", b"%%")
            return b'%s%s%%s"%s t="inlineStr">%s</%sc>' % (self.cell_r, _letters(col), self._style_attr(_STR, style),
                                                            inner, self.pfx)
        pre, post = self._split_cell(col, v, style)
        return pre.replace(b"%", b"%%") + b"%s" + post.replace(b"%", b"%%")

    def _skeleton_format(self, col: int, v: _Value, style: bytes | None) -> bytes:
        """A cell's start up to its style, as `skeleton_re` finds it: b'<c r="V%s" s="5"'."""
        if v.kind == _CLEAR:
            return b"%.0s"
        return b'%s%s%%s"%s' % (self.cell_r, _letters(col), self._style_attr(v.kind, style))

    def _patch_row(self, rownum: int, attrs: bytes, has_r: bool, content: bytes) -> bytes:
        wanted = self.by_row.get(rownum)
        if not wanted:
            return b"<%srow%s>%s</%srow>" % (self.pfx, attrs if has_r else b' r="%d"' % rownum + attrs, content,
                                              self.pfx)
        suffix = b""
        ext = content.find(b"extLst")
        if ext >= 0:  # a row's <extLst> follows its cells: keep it last
            ext = content.rfind(b"<", 0, ext)
            content, suffix = content[:ext], content[ext:]
        again = self._rewrite_own(rownum, attrs, has_r, content, suffix, wanted)
        if again is not None:
            return again
        split, existing = self._cells_from(content, wanted[0][0], rownum)
        if not existing:  # the usual first run: our columns are new, right of every cell
            new = self._new_cells(rownum, wanted, attrs)
            if not has_r:
                attrs = b' r="%d"' % rownum + attrs
            if b"spans" in attrs:
                attrs = self._widen_spans(attrs, wanted)
            return b"<%srow%s>%s%s%s</%srow>" % (self.pfx, attrs, content, new, suffix, self.pfx)
        pieces = [content[:split]]
        i = j = 0
        while i < len(existing) or j < len(wanted):
            if j >= len(wanted) or (i < len(existing) and existing[i][0] < wanted[j][0]):
                col, xml, cattrs, has_cr = existing[i]
                if not has_cr:  # keep the column of a cell without r="" explicit now that cells move
                    xml = xml[:len(self.cell_open)] + b' r="%s%d"' % (col_letters(col).encode(), rownum) \
                        + xml[len(self.cell_open):]
                pieces.append(xml)
                i += 1
            elif i >= len(existing) or wanted[j][0] < existing[i][0]:
                col, cell = wanted[j]
                if cell.kind != _CLEAR:
                    pieces.append(self._cell_xml(rownum, col, cell, self._default_style(attrs, col)))
                j += 1
            else:
                col, xml, cattrs, _ = existing[i]
                cell = wanted[j][1]
                ref = b"%s%d" % (_letters(col), rownum)
                f_at = xml.find(self.f_open)
                if f_at >= 0 and xml[f_at + len(self.f_open):f_at + len(self.f_open) + 1] in b" />\t\r\n":
                    self.result.skipped.append((ref.decode(), "formula-cell-kept"))
                    self.skipped_rc.add((rownum, col))
                    pieces.append(xml if _has_r(cattrs) else self._with_r(xml, ref))
                elif self.arrays and self._in_array(rownum, col):
                    self.result.skipped.append((ref.decode(), "array-formula-cell-kept"))
                    self.skipped_rc.add((rownum, col))
                    pieces.append(xml if _has_r(cattrs) else self._with_r(xml, ref))
                elif cell.kind == _CLEAR:
                    self.result.cleared += 1
                    sm = _S_ATTR.search(cattrs)
                    pieces.append(self._cell_xml(rownum, col, cell, sm.group(1) if sm else None))
                else:
                    sm = _S_ATTR.search(cattrs)
                    style = sm.group(1) if sm else None
                    t = self.templates.get((col, cell, style)) or self._template(col, cell, style)
                    pieces += (t[0], b"%d" % rownum, t[1])
                    self.result.written += 1
                i += 1
                j += 1
        if not has_r:
            attrs = b' r="%d"' % rownum + attrs
        if b"spans" in attrs:
            attrs = self._widen_spans(attrs, wanted)
        return b"<%srow%s>%s%s</%srow>" % (self.pfx, attrs, b"".join(pieces), suffix, self.pfx)

    def _rewrite_own(self, rownum: int, attrs: bytes, has_r: bool, content: bytes, suffix: bytes,
                     wanted: list[tuple[int, _Value]]) -> bytes | None:
        """Every refresh after the first: the row ends with the cells we wrote last time, as we wrote them
        (r="" first, then s=""), maybe with gaps where a value was blank. Merge in one pass; None when the
        row is anything else (the general path handles it)."""
        if self.arrays:
            return None
        row = b"%d" % rownum
        pfx = self.pfx
        # jump to the first of our cells that exists; the ones before it must be blanks with no cell
        k, n = 0, len(wanted)
        while True:
            col, v = wanted[k]
            j = content.find(b'<%sc r="%s%d"' % (pfx, _letters(col), rownum))
            if j >= 0:
                break
            if v.kind != _CLEAR or content.find(b'r="%s%d"' % (_letters(col), rownum)) >= 0:
                return None
            k += 1
            if k == n:
                return None
        if content.find(self.f_open, j) >= 0:
            return None
        parts = [content[:j]]
        pos = j
        templates = self.templates
        written = cleared = 0
        for m in self.own_re.finditer(content, j):
            if m.start() != pos:
                return None
            style = m.group(2)
            if style is None and b" s=" in m.group(3):
                return None
            mcol = _col_number(m.group(1))
            while k < n and wanted[k][0] < mcol:  # a value where there was no cell: insert it here
                col, v = wanted[k]
                if v.kind != _CLEAR:
                    st = self._default_style(attrs, col)
                    t = templates.get((col, v, st)) or self._template(col, v, st)
                    parts += (t[0], row, t[1])
                    written += 1
                k += 1
            if k < n and wanted[k][0] == mcol:
                col, v = wanted[k]
                if v.kind == _CLEAR:
                    parts.append(self._cell_xml(rownum, col, v, style))
                    cleared += 1
                else:
                    t = templates.get((col, v, style)) or self._template(col, v, style)
                    parts += (t[0], row, t[1])
                    written += 1
                k += 1
            else:  # a cell between ours that we do not write: keep it
                parts.append(m.group(0))
            pos = m.end()
        if content[pos:].strip():
            return None
        for col, v in wanted[k:]:
            if v.kind != _CLEAR:
                st = self._default_style(attrs, col)
                t = templates.get((col, v, st)) or self._template(col, v, st)
                parts += (t[0], row, t[1])
                written += 1
        self.result.written += written
        self.result.cleared += cleared
        if b"spans" in attrs:
            attrs = self._widen_spans(attrs, wanted)
        if not has_r:
            attrs = b' r="%d"' % rownum + attrs
        return b"<%srow%s>%s%s</%srow>" % (self.pfx, attrs, b"".join(parts), suffix, self.pfx)

    def _with_r(self, xml: bytes, ref: bytes) -> bytes:
        return xml[:len(self.cell_open)] + b' r="%s"' % ref + xml[len(self.cell_open):]

    @staticmethod
    def _widen_spans(attrs: bytes, wanted: list[tuple[int, _Value]]) -> bytes:
        # spans="1:21" is an optimisation hint; keep it true for the columns we add
        m = re.search(rb'\sspans="([^"]*)"', attrs)
        if not m:
            return attrs
        nums = [int(x) for x in re.findall(rb"\d+", m.group(1))]
        cols = [c for c, v in wanted if v.kind != _CLEAR]
        if not nums or not cols:
            return attrs
        lo, hi = min(nums + cols), max(nums + cols)
        return attrs[:m.start()] + b' spans="%d:%d"' % (lo, hi) + attrs[m.end():]

    def _cells_from(self, content: bytes, min_col: int,
                    rownum: int) -> tuple[int, list[tuple[int, bytes, bytes, bool]]]:
        """Split a row's cells at the first one in column >= min_col, scanning from the right (the columns
        we write are usually the last ones). Returns (split offset, [(col, cell xml, start-tag attrs,
        has r)]). Falls back to a full left-to-right scan when a cell has no r="" (columns then count)."""
        found: list[tuple[int, bytes, bytes, bool]] = []
        # Re-runs: our first column is already there, written by us with r="" first: jump straight to it.
        j = content.find(b'<%sc r="%s%d"' % (self.pfx, _letters(min_col), rownum))
        if j >= 0:
            for m in self.cell_full.finditer(content, j):
                rm = _R_CELL.search(m.group(1))
                if rm is None:
                    return self._cells_all(content)
                found.append((_col_number(rm.group(1)), m.group(0), m.group(1), True))
            return j, found
        pos = len(content)
        split = 0
        while True:
            i = content.rfind(self.cell_open, 0, pos)
            while i >= 0 and content[i + len(self.cell_open):i + len(self.cell_open) + 1] not in b" \t\r\n>/":
                i = content.rfind(self.cell_open, 0, i)
            if i < 0:
                break
            m = self.cell_re.match(content, i)
            if m is None:
                return self._cells_all(content)
            rm = _R_CELL.search(m.group(1))
            if rm is None:
                return self._cells_all(content)
            col = _col_number(rm.group(1))
            end = m.end() if m.group(2) else content.index(self.cell_end, m.end()) + len(self.cell_end)
            if col < min_col:
                split = end
                break
            found.append((col, content[i:end], m.group(1), True))
            pos = i
        found.reverse()
        if not found:
            split = len(content)
        return split, found

    def _cells_all(self, content: bytes) -> tuple[int, list[tuple[int, bytes, bytes, bool]]]:
        found = []
        col = 0
        pos = 0
        while True:
            m = self.cell_re.search(content, pos)
            if m is None:
                break
            rm = _R_CELL.search(m.group(1))
            col = _col_number(rm.group(1)) if rm else col + 1
            end = m.end() if m.group(2) else content.index(self.cell_end, m.end()) + len(self.cell_end)
            found.append((col, content[m.start():end], m.group(1), rm is not None))
            pos = end
        return 0, found

    # -- tail: autoFilter, conditional formats
    def _tail(self, tail: bytes) -> bytes:
        # tail starts with </sheetData>
        body_start = len(self.sheetdata_end)
        body = tail[body_start:]
        elems = _top_level(body)
        edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement) in body
        for name, start, end, tag in elems:
            if name == "autoFilter" and self.extend_filter:
                new_ref = self._extend_autofilter(tag)
                if new_ref:
                    self.result.autofilter_extended = True
                    self.autofilter_ref = new_ref
                    edits.append((start, start + len(tag), _set_attr(tag, b"ref", new_ref.encode())))
        cf_xml = self._conditional_formats(body, elems, edits)
        if cf_xml:
            pos = next((s for n, s, _, _ in elems if n in _AFTER_CF), None)
            if pos is None:
                pos = body.rfind(b"</")
            edits.append((pos, pos, cf_xml))
        edits.sort(key=lambda e: (e[0], e[1]))
        out, last = [], 0
        for s, e, rep in edits:
            out += [body[last:s], rep]
            last = e
        out.append(body[last:])
        return tail[:body_start] + b"".join(out)

    def _extend_autofilter(self, tag: bytes) -> str | None:
        try:
            r1, c1, r2, c2 = _parse_range(_attrs(tag).get(b"ref", b"").decode())
        except ValueError:
            return None
        last = c2
        while (cell := _cell_at(self.by_row, r1, last + 1)) is not None and cell.kind == _STR:
            last += 1
        if last == c2:
            return None
        return _range_text(r1, c1, r2, last)

    def _conditional_formats(self, body: bytes, elems: list[tuple[str, int, int, bytes]],
                             edits: list[tuple[int, int, bytes]]) -> bytes:
        if not self.cf_rules:
            return b""
        p = self.pfx
        existing = [(s, e, body[s:e]) for n, s, e, _ in elems if n == "conditionalFormatting"
                    and body[s:e].lstrip(b"<").startswith(p + b"conditionalFormatting")]
        priorities = [int(x) for x in re.findall(rb'\spriority="(\d+)"', body)]
        next_priority = max(priorities, default=0) + 1
        new = []
        for rule in self.cf_rules:
            rtype, extra, formula = _cf_parts(rule)
            key = b'type="%s"' % rtype
            fxml = b"<%sformula>%s</%sformula>" % (p, _esc(formula).encode(), p)
            top_left = _parse_range(rule.sqref.split()[0])[:2]
            match = None
            for s, e, xml in existing:
                sq = _attrs(re.match(rb"<[^>]*>", xml).group(0)).get(b"sqref", b"").decode()  # type: ignore
                try:
                    same_corner = _parse_range(sq.split()[0])[:2] == top_left
                except (ValueError, IndexError):
                    same_corner = False
                if same_corner and key in xml and fxml in xml:
                    match = (s, xml, sq)
                    break
            if match:
                s, xml, sq = match
                if sq != rule.sqref:
                    tag = re.match(rb"<[^>]*>", xml).group(0)  # type: ignore[union-attr]
                    edits.append((s, s + len(tag), _set_attr(tag, b"sqref", _esc_attr(rule.sqref).encode())))
                    self.result.cf_updated += 1
                continue
            dxf = self.styles.dxf(rule.fill, rule.font)
            dxf_attr = b' dxfId="%d"' % dxf if dxf is not None else b""
            new.append(b'<%sconditionalFormatting sqref="%s"><%scfRule type="%s"%s priority="%d"%s>%s</%scfRule>'
                       b"</%sconditionalFormatting>" % (p, _esc_attr(rule.sqref).encode(), p, rtype, dxf_attr,
                                                         next_priority, extra, fxml, p, p))
            next_priority += 1
            self.result.cf_added += 1
        return b"".join(new)


def _cf_parts(rule: CFRule) -> tuple[bytes, bytes, str]:
    """(type, extra attributes, formula) of a rule's <cfRule>."""
    top_left = rule.sqref.split()[0].split(":")[0].replace("$", "")
    quoted = '"' + rule.text.replace('"', '""') + '"'
    if rule.kind == "containsText":
        return (b"containsText", b' operator="containsText" text="%s"' % _esc_attr(rule.text).encode(),
                f"NOT(ISERROR(SEARCH({quoted},{top_left})))")
    if rule.kind == "equal":
        return b"cellIs", b' operator="equal"', quoted
    if rule.kind == "expression":
        return b"expression", b"", rule.formula.lstrip("=")
    raise ValueError(f"conditional format kind {rule.kind!r}: use containsText, equal or expression")


_R_ATTR = re.compile(rb'(?:^|\s)r="(\d+)"')
_S_ATTR = re.compile(rb'\ss="(\d+)"')
_by_col = operator.itemgetter(0)
_R_CELL = re.compile(rb'(?:^|\s)r="\$?([A-Za-z]{1,3})\$?\d+"')
_COL_AT = re.compile(rb"([A-Z]{1,3})\d")  # the column of an r="" value, at its start


def _has_r(attrs: bytes) -> bool:
    return _R_CELL.search(attrs) is not None


# ---------------------------------------------------------------------------------------------------
# The public operation


def _gc_paused(fn: Any) -> Any:
    """Run `fn` with Python's cycle collector off. A million-row patch keeps millions of new objects alive
    (values, cell formats, row pieces), none of them cyclic garbage, and the collector would walk them all
    again and again as they pile up (~15% of a 300k-row patch). Restored even when `fn` raises."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return run


@_gc_paused
def patch_sheet(
    path: str | os.PathLike[str],
    sheet_name: str,
    cells: Mapping[tuple[int, int], Any] | None = None,
    *,
    columns: Mapping[int, tuple[int, Iterable[Any]]] | None = None,
    out_path: str | os.PathLike[str] | None = None,
    backups: int = 3,
    extend_tables: bool = True,
    conditional_formats: Iterable[CFRule] = (),
    verify: bool = True,
    now: _dt.datetime | None = None,
) -> PatchResult:
    """Write `cells` ({(row, col): value}, 1-based) into worksheet `sheet_name` of `path`.

    `columns` ({col: (first_row, values)}) is the same for whole columns: values[i] goes to row
    first_row + i. Prefer it for status columns of many rows: it costs one shared object per distinct
    value instead of a dict entry per cell. Where both name a cell, `cells` wins.

    Values: str (inline string; "=x" stays text), int/float/Decimal, bool, date/datetime (a serial number
    with a yyyy-mm-dd [hh:mm] format unless the cell already has a date format), None (clear the value,
    keep the style). A cell's existing style is kept. Formula cells are never written (see
    `PatchResult.skipped`). With `extend_tables`, a table or sheet autofilter whose header row gets new
    text cells right of its last column grows to cover them. `conditional_formats` are added once.

    Writes `out_path` when given (the sidecar for an open workbook; `path` is then only read), else
    replaces `path` atomically after keeping `backups` previous versions in `.gendan-backup/`.
    Raises WorkbookOpenError when `path` is open and no `out_path` is given, UnusableWorkbookError /
    MissingSheetError for input we cannot use, PatchError / PatchVerifyError when writing fails; in all
    cases the workbook is unchanged.
    """
    src_path = Path(path)
    dest = Path(out_path) if out_path is not None else src_path
    if out_path is None:
        lock = is_open(src_path)
        if lock is not None:
            raise WorkbookOpenError(
                f"{src_path.name} is open in Excel or LibreOffice ({lock.name} exists); close it and run "
                f"again, or write {sidecar_path(src_path).name} instead")
    if not src_path.is_file():
        raise UnusableWorkbookError(f"{src_path} does not exist; check the path")
    now = now or _dt.datetime.now()
    cf_rules = list(conditional_formats)
    for rule in cf_rules:
        _cf_parts(rule)
        _parse_range(rule.sqref.split()[0])
        for colour in (rule.fill, rule.font):
            if colour:
                _argb(colour)

    pkg = open_package(src_path)
    tmp_name = None
    try:
        with pkg.zf, open(src_path, "rb") as src:
            index, part = find_sheet(pkg, src_path, sheet_name)
            result = PatchResult(path=dest, sheet=pkg.sheets[index][0], part=part)
            info = {zi.filename: zi for zi in pkg.zf.infolist()}
            head = re.search(rb"<(\w+:)?worksheet\b", b"".join(_first(inflate_member(src, info[part]), 1 << 16)))
            pfx = (head.group(1) or b"") if head else b""
            by_row = _group(cells or {}, columns or {}, pfx, pkg.date1904, result)

            styles_part = next((t for _, k, t in relationships(pkg.zf, pkg.names, pkg.workbook) if k == "styles"), None)
            styles_part = pkg.part(styles_part) if styles_part else None
            styles = _Styles(pkg.zf.read(styles_part) if styles_part else None)
            kinds = by_row.kinds
            date_xfs = {k: styles.date_xf(code) for k, code in ((_DATE, DATE_FORMAT), (_DATETIME, DATETIME_FORMAT))
                        if k in kinds}

            tables: list[_Table] = []
            if extend_tables:
                for _, kind, target in relationships(pkg.zf, pkg.names, part):
                    actual = pkg.part(target)
                    if kind == "table" and actual:
                        t = _load_table(actual, pkg.zf.read(actual))
                        if t:
                            tables.append(t)
                _plan_tables(tables, by_row, pfx, result)
            patcher = _SheetPatcher(by_row, styles, tables, cf_rules, result, date_xfs, extend_tables)

            fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".gendan-tmp")
            with os.fdopen(fd, "w+b") as out, tempfile.TemporaryFile(dir=dest.parent) as spool:
                # 1. the sheet, deflated into a spool: its tail decides what styles.xml gains
                comp = _fast_zlib.compressobj(_SHEET_LEVEL, zlib.DEFLATED, -15)
                crc = usize = csize = 0
                for chunk in inflate_member(src, info[part]):
                    piece = patcher.feed(chunk)
                    if piece:
                        crc, usize = _fast_zlib.crc32(piece, crc), usize + len(piece)
                        z = comp.compress(piece)
                        csize += len(z)
                        spool.write(z)
                piece = patcher.finish()
                crc, usize = _fast_zlib.crc32(piece, crc), usize + len(piece)
                z = comp.compress(piece) + comp.flush()
                csize += len(z)
                spool.write(z)

                replaced: dict[str, bytes] = {}
                if styles.changed and styles_part and styles.data is not None:
                    replaced[styles_part] = styles.data
                for t in tables:
                    if t.changed:
                        replaced[t.part] = t.data
                af_ref = patcher.autofilter_ref
                if af_ref:
                    wb = _update_filter_name(pkg.zf.read(pkg.workbook), index, af_ref)
                    if wb is not None:
                        replaced[pkg.workbook] = wb

                # 2. the package, in the original member order
                writer = ZipWriter(out)
                for zi in pkg.zf.infolist():
                    if zi.filename == part:
                        spool.seek(0)
                        writer.write_new(zi, crc & 0xFFFFFFFF, usize, csize, iter(lambda: spool.read(1 << 20), b""))
                    elif zi.filename in replaced:
                        c, u, s, data = deflate(replaced[zi.filename])
                        writer.write_new(zi, c, u, s, [data])
                    else:
                        writer.copy_raw(src, zi)
                writer.close(pkg.zf.comment)
            result.changed_parts = [part] + sorted(replaced)

        skipped = patcher.skipped_rc
        del patcher  # and with it the cell templates: the check needs the memory more
        if verify:
            _verify(Path(tmp_name), result, by_row, skipped, dest.name)
            result.verified = True
        try:
            shutil.copymode(src_path, tmp_name)
        except OSError:
            pass
        if out_path is None:
            result.backup = _keep_backup(src_path, backups, now)
        try:
            os.replace(tmp_name, dest)
        except PermissionError as exc:  # Windows: Excel holds the file open
            raise WorkbookOpenError(f"{dest.name} cannot be replaced (open in another program?); close it and "
                                    f"run again, or write {sidecar_path(dest).name} instead") from exc
        tmp_name = None
        return result
    except (zipfile.BadZipFile, zlib.error, struct.error, ET.ParseError, EOFError) as exc:
        raise UnusableWorkbookError(f"{src_path.name} is damaged ({exc}); open and save it in Excel first") from exc
    except ValueError as exc:
        if isinstance(exc, GendanError):
            raise
        raise PatchError(f"{src_path.name}: {exc}; the workbook is unchanged") from exc
    except OSError as exc:
        raise PatchError(f"{dest.name} could not be written ({exc.strerror or exc}); "
                         "check the folder is writable and has space") from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _first(chunks: Iterable[bytes], limit: int) -> Iterable[bytes]:
    got = 0
    for chunk in chunks:
        yield chunk
        got += len(chunk)
        if got >= limit:
            return


def _update_filter_name(workbook: bytes, sheet_index: int, ref: str) -> bytes | None:
    """Keep the hidden `_xlnm._FilterDatabase` name of the sheet equal to its widened autofilter."""
    pat = re.compile(rb'(<(?:\w+:)?definedName\b[^>]*name="_xlnm\._FilterDatabase"[^>]*>)([^<]*)(</)')
    for m in pat.finditer(workbook):
        if _attrs(m.group(1)).get(b"localSheetId") != b"%d" % sheet_index:
            continue
        sheet, bang, _ = m.group(2).rpartition(b"!")
        r1, c1, r2, c2 = _parse_range(ref)
        absolute = f"${col_letters(c1)}${r1}:${col_letters(c2)}${r2}".encode()
        new = sheet + bang + absolute if bang else absolute
        return workbook[:m.start(2)] + new + workbook[m.end(2):]
    return None


_EXPECT = operator.attrgetter("expect")
_VERIFY_ROWS = 4096  # rows of the written sheet compared at a time


def _verify(tmp: Path, result: PatchResult, rows: _Rows, skipped: set[tuple[int, int]], name: str) -> None:
    """Re-read the written file with python-calamine and check every value we wrote."""
    import python_calamine

    try:
        with python_calamine.CalamineWorkbook.from_path(str(tmp)) as wb:
            sheet = wb.get_sheet_by_name(result.sheet)
            try:
                top, end = _verify_read(sheet, rows, skipped, name)
            finally:
                del sheet  # the whole sheet as a Rust range: gigabytes for a million rows, free it now
    except PatchVerifyError:
        raise
    except Exception as exc:  # calamine raises its own error types for any damage
        raise PatchVerifyError(f"{name}: the written file does not read back ({exc}); the workbook is unchanged") \
            from exc
    # rows outside what calamine returned (before `top`, from `end`): only cleared cells may be there
    for r, cells in rows.explicit.items():
        if not top <= r < end:
            for col, cell in rows.get(r):
                _verify_missing(name, r, col, cell)
    for col, first, values in rows.blocks:
        for i in chain(range(first, min(top, first + len(values))), range(max(end, first), first + len(values))):
            if i not in rows.explicit:
                _verify_missing(name, i, col, values[i - first])


def _verify_missing(name: str, row: int, col: int, cell: _Value) -> None:
    if not _same(cell, ""):
        raise PatchVerifyError(f"{name}: wrote {_ref(row, col)} = {cell.value!r} but it does not read "
                               "back; the workbook is unchanged")


def _verify_cell(name: str, row: int, col: int, cell: _Value, got: Any) -> None:
    if not _same(cell, got):
        raise PatchVerifyError(f"{name}: wrote {_ref(row, col)} = {cell.value!r} but it "
                               f"reads back as {got!r}; the workbook is unchanged")


def _verify_read(sheet: Any, rows: _Rows, skipped: set[tuple[int, int]], name: str) -> tuple[int, int]:
    """Compare the rows calamine returns with what we wrote, a few thousand rows at a time. A block column
    is compared as a whole list against its values' `expect` (a C-level comparison, which passes only
    where `_same` does); only a slice that differs is walked cell by cell to find and name the bad cell.
    Rows with explicit cells are checked cell by cell. Returns the rows read: [top, end)."""
    c0 = sheet.start[1] if sheet.start else 0
    width = c0 + sheet.width if sheet.start else 0  # the rows from A1 (sheet_rows) are this wide
    top = 1
    explicit = sorted(rows.explicit)
    stop = rows.targets[-1] + 1 if len(rows.targets) else top  # nothing to check below the last target
    it = sheet_rows(sheet)
    row = top
    while row < stop:
        chunk = list(islice(it, _VERIFY_ROWS))
        if not chunk:
            break
        end = row + len(chunk)
        for r in explicit[bisect.bisect_left(explicit, row):bisect.bisect_left(explicit, end)]:
            values = chunk[r - row]
            for col, cell in rows.get(r):
                if skipped and (r, col) in skipped:
                    continue
                j = col - 1
                _verify_cell(name, r, col, cell, values[j] if 0 <= j < len(values) else "")
        for (col, first, values), kinds in zip(rows.blocks, rows.block_kinds):
            a, b = max(first, row), min(first + len(values), end)
            if a >= b:
                continue
            want = values[a - first:b - first]
            j = col - 1
            try:
                got = list(map(operator.itemgetter(j), chunk[a - row:b - row])) if 0 <= j < width else [""] * (b - a)
            except IndexError:  # a short row (calamine's rows are all `width` long, but do not rely on it)
                got = [x[j] if j < len(x) else "" for x in chunk[a - row:b - row]]
            # equal lists pass; a number reading back as a bool is the one case `==` forgives and `_same` not
            if got == list(map(_EXPECT, want)) and (_NUM not in kinds or bool not in set(map(type, got))):
                continue
            for r, cell, g in zip(range(a, b), want, got):
                if r in rows.explicit or (skipped and (r, col) in skipped):
                    continue
                _verify_cell(name, r, col, cell, g)
        row = end
    return top, row


def _same(cell: _Value, got: Any) -> bool:
    want = cell.value
    if cell.kind == _CLEAR:
        return got in ("", None)
    if cell.kind == _STR:
        # calamine decodes _xHHHH_ escapes like Excel, so it shows the text we were given
        return got == want or got == _ILLEGAL_XML.sub("", want)[:MAX_TEXT]
    if cell.kind == _BOOL:
        return got is want or got == want
    if cell.kind in (_DATE, _DATETIME):
        if isinstance(got, _dt.datetime) and not isinstance(want, _dt.datetime):
            return got.date() == want and got.time() == _dt.time()
        if isinstance(got, _dt.datetime) and isinstance(want, _dt.datetime):
            return abs((got - want).total_seconds()) < 0.001
        return got == want
    if isinstance(got, (_dt.date, _dt.time, _dt.timedelta)):
        return True  # a number in a cell the user formatted as a date: calamine shows it as one
    try:
        return isinstance(got, (int, float)) and not isinstance(got, bool) and math.isclose(
            float(got), float(want), rel_tol=1e-15, abs_tol=0)
    except (TypeError, ValueError):
        return False
