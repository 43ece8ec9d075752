"""An order line: the one type status, review, allocation and the sample builder share.

Every field of the orders sheet (schema.ORDERS) is an attribute, typed as the reader types it (None when
the cell is blank or unreadable), with the Excel row it came from, the cell of each field ("F12") and the
raw value of each cell that could not be read ("2026/02/30" in a date column), so a finding can point at
it. `Order.from_row` makes one from a row the reader gives; tests and the sample builder make them directly.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping

from gendan_xl.errors import json_fields
from gendan_xl.schema import ORDERS

@dataclass(slots=True)
class Order:
    row: int | None = None  # the 1-based Excel row it was read from
    order_no: Any = None
    customer: Any = None
    customer_po: Any = None
    model: Any = None
    product_name: Any = None
    quantity: int | Decimal | None = None
    unit_price: Decimal | float | None = None
    currency: Any = None
    amount: Decimal | float | None = None
    order_date: dt.date | None = None
    customer_due_date: dt.date | None = None
    factory_due_date: dt.date | None = None
    material_date: dt.date | None = None
    production_date: dt.date | None = None
    finish_date: dt.date | None = None
    inspection_date: dt.date | None = None
    ship_date: dt.date | None = None
    shipped_qty: int | Decimal | None = None
    open_qty: int | Decimal | None = None
    status: Any = None
    cancelled: Any = None
    merchandiser: Any = None
    remark: Any = None
    cells: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)  # field → "F12"
    unreadable: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)  # field → raw value
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)  # other columns: header → value

    @classmethod
    def from_row(cls, row: Any) -> "Order":
        """From a row read against the orders schema (`xlsx.read.Row`: `.row`, `.values`, `.errors`, `.raw`,
        `.cols`, `.extra`)."""
        values = {f: v for f, v in row.values.items() if f in _FIELDS}
        cols = getattr(row, "cols", None) or {}
        errors = getattr(row, "errors", None) or {}
        raw = getattr(row, "raw", None) or {}
        return cls(row=row.row, **values, cells={f: row.ref(f) for f in cols if f in _FIELDS},
                   unreadable={f: raw.get(f) for f in errors}, extra=dict(getattr(row, "extra", None) or {}))

    def cell(self, field_: str) -> str:
        """The cell a field was read from ("F12"), or "" when the sheet has no such column."""
        return self.cells.get(field_, "")

    def get(self, field_: str) -> Any:
        return getattr(self, field_, None) if field_ in _FIELDS else None

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self, skip=("cells", "unreadable", "extra"))


_FIELDS = frozenset(f.name for f in dataclasses.fields(Order)) - {"row", "cells", "unreadable", "extra"}
assert _FIELDS == set(ORDERS.fields), "Order and schema.ORDERS name the same fields"


def orders_from_rows(rows: Iterable[Any]) -> list[Order]:
    """`Order.from_row` of each row."""
    return [Order.from_row(r) for r in rows]
