"""pandas in and out — the optional extra `pip install gendan-xl[pandas]`.

- `orders_frame(orders)`: order lines as a DataFrame with typed columns (dates as datetime64, quantities as
  nullable Int64, money as Float64, text as strings), indexed by the Excel row; `df.attrs` keeps the sheet and
  each field's column letter, so `cell_of(df, row, field)` says where a value came from ("订单!K12").
- `orders_from_frame(df)`: back to `Order`s, so a DataFrame a user built or filtered can go into the status
  (`compute_status` takes one directly): NaT / NaN / <NA> become None, Timestamps become dates.
- `status_frame`, `statement_frame`, `allocation_frame`: the results as tables (their `to_frame()`).

Only this module imports pandas, and only when it is used.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from gendan_xl.cellrefs import col_letter
from gendan_xl.orders import Order
from gendan_xl.schema import DATE, INT, NUMBER, ORDERS

if TYPE_CHECKING:  # pandas is an optional extra: imported where a frame is made
    import pandas as pd

_KIND = {c.field: c.type for c in ORDERS.columns}


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:  # the door turns this into one line naming the fix
        from gendan_xl.errors import UsageError

        raise UsageError.said("no-pandas") from exc
    return pandas


def orders_frame(orders: Sequence[Order], *, sheet: str = ORDERS.zh, columns: dict[str, int] | None = None) -> "pd.DataFrame":
    """Orders as a typed DataFrame indexed by Excel row (see the module docstring). `columns` maps each field
    to its 0-based column in the sheet, kept in `df.attrs["columns"]` as letters."""
    pd = _pandas()
    data: dict[str, Any] = {}
    for f, kind in _KIND.items():
        values = [getattr(o, f) for o in orders]
        if kind == DATE:
            # positional values, not a Series: a Series would be realigned on the row index below
            data[f] = pd.to_datetime(pd.Series(values, dtype="object")).to_numpy()
        elif kind == INT:
            data[f] = pd.array([_whole(v) for v in values], dtype="Int64")
        elif kind == NUMBER:
            data[f] = pd.array([None if v is None else float(v) for v in values], dtype="Float64")
        else:
            data[f] = pd.array([None if v is None else str(v) for v in values], dtype="string")
    df = pd.DataFrame(data, index=pd.Index([o.row for o in orders], name="row"))
    df.attrs["sheet"] = sheet
    df.attrs["columns"] = {f: col_letter(c) for f, c in (columns or {}).items()}
    return df


def cell_of(df: "pd.DataFrame", row: int, field: str) -> str:
    """Where a value of a frame from `orders_frame` came from: "订单!K12" ("" when the sheet had no column)."""
    letter = df.attrs.get("columns", {}).get(field)
    return f"{df.attrs.get('sheet', '')}!{letter}{row}" if letter else ""


def orders_from_frame(df: "pd.DataFrame") -> list[Order]:
    """`Order`s from a DataFrame whose columns are order fields (others are ignored); an index named "row" (as
    `orders_frame`'s) gives the Excel rows, else they count from 2, as under a header on row 1."""
    fields = [f for f in df.columns if f in _KIND]
    rows = list(df.index) if df.index.name == "row" else range(2, len(df) + 2)
    out = []
    for row, values in zip(rows, df[fields].itertuples(index=False, name=None)):
        out.append(Order(row=int(row), **{f: _plain(v, _KIND[f]) for f, v in zip(fields, values)}))
    return out


def _plain(value: Any, kind: str) -> Any:
    """A pandas cell as the reader would type it: missing → None, Timestamp → date, numpy numbers → Python."""
    pd = _pandas()
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == DATE and hasattr(value, "date"):
        return value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else value
    if kind == INT:
        return _whole(value)
    if kind == NUMBER:
        return Decimal(str(value))
    return value.item() if hasattr(value, "item") else value


def _whole(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def table_frame(rows: Iterable[dict[str, Any]], index: str | None = None) -> "pd.DataFrame":
    """Records (dicts of plain values, dates as ISO text or dates) as a DataFrame; date-like columns typed."""
    pd = _pandas()
    df = pd.DataFrame(list(rows))
    for col in df.columns:
        if col.endswith("date") or col in ("due", "as_of", "date"):
            df[col] = pd.to_datetime(df[col], errors="coerce")
    return df.set_index(index) if index and index in df.columns else df


def status_frame(result: Any, lang: str = "zh") -> "pd.DataFrame":
    """A status result's lines, one row per order line, indexed by Excel row; milestones left out (they are
    nested: use `result.to_dict()` for them)."""
    rows = []
    for line in result.lines:
        doc = line.to_dict(lang)
        doc.pop("milestones", None)
        rows.append(doc)
    return table_frame(rows, index="row")


def statement_frame(statement: Any) -> "pd.DataFrame":
    """A statement's lines with their running balance."""
    return table_frame(statement.to_dict()["lines"])


def allocation_frame(allocation: Any) -> "pd.DataFrame":
    """An allocation's lines, in allocation order."""
    return table_frame(allocation.to_dict()["lines"], index="row")
