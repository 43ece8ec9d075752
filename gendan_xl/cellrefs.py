"""Cell references: column letters, "K12", "A1:C9".

One convention for the whole package. A column is a 0-based index, as XlsxWriter counts it (A = 0,
Z = 25, AA = 26) and as python-calamine's rows and `read.Row.cols` index it; a row is Excel's own row
number (1 = the first row), as a reference, the XML's r="" and every Issue show it. So `cell_ref(12, 10)`
is "K12", `parse_ref("K12")` is (12, 10), and `patch_sheet` takes {(12, 10): value} for K12. Where a file
format counts columns from 1 (the XML's <col min max> and spans="1:21", openpyxl, xlwings), the code that
reads or writes it converts on the spot.

The functions agree with XlsxWriter's `xlsxwriter.utility` (tests/test_refs.py compares them), which is
not imported here: importing it loads all of XlsxWriter (~80 ms), which `gendan-xl refresh` does not pay.
"""
from __future__ import annotations

import functools
import re

MAX_ROW = 1048576  # Excel's grid: rows 1-1048576, columns 0-16383 (A-XFD)
MAX_COL = 16383
MAX_CELL_CHARS = 32767  # Excel's limit for the text of one cell


@functools.cache
def col_letter(col: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@functools.cache
def col_bytes(col: int) -> bytes:
    """`col_letter` as bytes, for the patcher's byte-level hot paths (made once per column)."""
    return col_letter(col).encode()


@functools.lru_cache(maxsize=4096)
def col_index(letters: str | bytes) -> int:
    """"A" → 0, "AA" → 26; bytes too (the patcher reads r="" as bytes); any case."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_ref(row: int, col: int) -> str:
    """Excel row number and 0-based column → "K12"."""
    return f"{col_letter(col)}{row}"


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def parse_ref(ref: str) -> tuple[int, int]:
    """"K12" or "$K$12" → (12, 10); ValueError when `ref` is not one cell."""
    m = _REF.fullmatch(ref.strip())
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), col_index(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """"A1:C9" → (1, 0, 9, 2), corners in order; one cell "B2" → (2, 1, 2, 1). ValueError when not a range."""
    a, _, b = ref.partition(":")
    r1, c1 = parse_ref(a)
    r2, c2 = parse_ref(b) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    """(1, 0, 9, 2) → "A1:C9"; one cell → "B2"."""
    a = cell_ref(r1, c1)
    return a if (r1, c1) == (r2, c2) else f"{a}:{cell_ref(r2, c2)}"
