"""Plain-text tables for the terminal, where a Chinese character takes two columns."""
from __future__ import annotations

import unicodedata
from typing import Sequence


def display_width(text: str) -> int:
    """Terminal columns `text` takes: East Asian wide and full-width characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def text_table(rows: Sequence[Sequence[str]], right: tuple[int, ...] = ()) -> list[str]:
    """Rows padded into columns (the columns in `right` right-aligned); the last column is left unpadded
    so a long explanation does not widen every row."""
    n = max(len(r) for r in rows)
    widths = [max(display_width(r[i]) for r in rows if i < len(r)) for i in range(n)]
    lines = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            gap = " " * (widths[i] - display_width(c)) if i < len(r) - 1 or i in right else ""
            cells.append(gap + c if i in right else c + gap)
        lines.append("  ".join(cells).rstrip())
    return lines
