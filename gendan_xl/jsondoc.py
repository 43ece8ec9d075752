"""The one JSON contract every command's `--json` keeps, and money as JSON carries it.

Every command prints one object:

    {"ok": true, "command": "status", "paths": ["orders.xlsx"], "result": {...},
     "written": ["out/Q2026-0007-ANK.xlsx"], "issues": [{...}, ...]}

- `ok`: the run did what was asked and found no error-level issue (a mail not through, a line short of stock
  and an unusable input are not ok);
- `paths`: the inputs, as given; `written`: every file the run wrote (never an input unless it is the
  workbook `refresh` updates in place), `[]` when none;
- `result`: what the command computed, its shape the command's own (README, "JSON");
- `issues`: the findings (`Issue.to_dict`, with `path` when the run read several files);
- on failure (unusable input, bad usage) the same object with `ok: false`, `result: null` and
  `error: {"kind", "message", "exit_code"}` — and the one line on stderr as without --json.

Money is text of fixed decimals, never a binary float: amounts (totals, balances, line amounts) with 2,
unit prices and per-unit figures with 4 (a quoted price with the places it was quoted in), rates as the exact
decimal text they are. `json.loads` keeps them exact; `Decimal(text)` reads them back.
"""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, TextIO

KEYS = ("ok", "command", "paths", "result", "written", "issues")
AMOUNT_PLACES = 2
UNIT_PLACES = 4


def round_half_up(value: Decimal, places: int) -> Decimal:
    """`value` to `places` decimals, halves away from zero (as Excel's ROUND and a merchant's sums do; Python's
    round() goes to even). The one rounding of money: prices (`pricing`) and JSON (`money`) both take it."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(value: Any, places: int = AMOUNT_PLACES) -> str | None:
    """A sum of money as JSON text: "1234.50" (half up to `places`); None stays None."""
    if value is None:
        return None
    return format(round_half_up(value if isinstance(value, Decimal) else Decimal(str(value)), places), "f")


def unit_money(value: Any) -> str | None:
    """A unit price or per-unit figure as JSON text: "8.8913"."""
    return money(value, UNIT_PLACES)


def exact(value: Any) -> str | None:
    """A rate or factor as its exact decimal text ("0.13", never "1.3E-1")."""
    if value is None:
        return None
    return format(value if isinstance(value, Decimal) else Decimal(str(value)), "f")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def document(command: str, *, ok: bool, paths: Iterable[Any], result: Any, written: Iterable[Any] = (),
             issues: Iterable[Any] = (), error: dict[str, Any] | None = None) -> dict[str, Any]:
    """The object a command prints (see the module's doc); `issues` as Issues or their dicts."""
    doc = {"ok": bool(ok), "command": command, "paths": [str(p) for p in paths], "result": result,
           "written": [str(p) for p in written if p is not None],
           "issues": [i if isinstance(i, dict) else i.to_dict() for i in issues]}
    if error is not None:
        doc["error"] = error
    return doc


class JsonStream:
    """The same object written member by member, for results too big to hold (a million lines' status or
    issues): `member(key, value)` writes one, `begin_list(key)` / `item(json_text)` / `end_list()` stream
    one list, `close()` ends the object. Members may come in any order; each key once."""

    def __init__(self, out: TextIO):
        self.out = out
        self._sep = "{"
        self._item_sep = ""

    def member(self, key: str, value: Any) -> None:
        self.raw_member(key, dumps(value))

    def raw_member(self, key: str, json_text: str) -> None:
        self.out.write(f"{self._sep}{dumps(key)}: {json_text}")
        self._sep = ",\n"

    def begin_list(self, key: str) -> None:
        self.out.write(f"{self._sep}{dumps(key)}: [")
        self._item_sep = "\n"

    def item(self, json_text: str) -> None:
        self.out.write(self._item_sep + json_text)
        self._item_sep = ",\n"

    def end_list(self) -> None:
        self.out.write("\n]")
        self._sep = ",\n"

    def close(self) -> None:
        self.out.write("}\n" if self._sep != "{" else "{}\n")
