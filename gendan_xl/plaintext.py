"""Plain-text tables for the terminal, where a Chinese character takes two columns."""
from __future__ import annotations

import unicodedata
from typing import Any, Sequence


def display_width(text: str) -> int:
    """Terminal columns `text` takes: East Asian wide and full-width characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def text_table(rows: Sequence[Sequence[Any]], right: tuple[int, ...] = (), *, rule: bool = False,
               max_width: int | None = None) -> list[str]:
    """Rows padded into columns (the columns in `right` right-aligned); the last column is left unpadded
    so a long explanation does not widen every row. `rule` draws a line of dashes under the first row (the
    headers); `max_width` cuts longer cells to half of it and an ellipsis. None shows as empty."""
    cells = [[_cell(v, max_width) for v in r] for r in rows]
    n = max((len(r) for r in cells), default=0)
    widths = [max(display_width(r[i]) for r in cells if i < len(r)) for i in range(n)]
    lines = []
    for r in cells:
        out = []
        for i, c in enumerate(r):
            gap = " " * (widths[i] - display_width(c)) if i < len(r) - 1 or i in right else ""
            out.append(gap + c if i in right else c + gap)
        lines.append("  ".join(out).rstrip())
    if rule and lines:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _cell(value: Any, max_width: int | None) -> str:
    text = "" if value is None else str(value)
    if max_width is not None and display_width(text) > max_width:
        text = text[: max_width // 2] + "…"
    return text
