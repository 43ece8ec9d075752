"""A product's standard lead time per production step, in working days, from the products sheet (产品):
what the status plans each line's milestones with (status.py)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping

_QTY_LIMIT = 10**15


@dataclass(frozen=True)
class LeadTimes:
    """A product's standard lead time per step, in working days."""

    material: int = 0
    production: int = 0
    inspection: int = 0
    packing: int = 0
    shipping: int = 0

    @property
    def total(self) -> int:
        return self.material + self.production + self.inspection + self.packing + self.shipping

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "LeadTimes | None":
        """From a product row's values ({material_days, production_days, …}). Blank days count as 0;
        None when every one is blank (the product has no lead times at all). Negative days count as 0."""
        names = ("material", "production", "inspection", "packing", "shipping")
        raw = [values.get(f"{n}_days") for n in names]
        if all(as_int(v) is None for v in raw):
            return None
        return cls(*(max(0, as_int(v) or 0) for v in raw))


def products_from_rows(rows: Iterable[Any]) -> dict[str, LeadTimes | None]:
    """{model: LeadTimes} from the products sheet's rows (the first row of a model wins)."""
    out: dict[str, LeadTimes | None] = {}
    for row in rows:
        model = row.values.get("model")
        if model not in (None, "") and str(model) not in out:
            out[str(model)] = LeadTimes.from_values(row.values)
    return out


def as_int(v: Any) -> int | None:
    """A quantity as an int (None when blank or not a number), clamped to ±10^15 so it fits numpy."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (float, Decimal)):
        try:
            v = int(v)
        except (ValueError, OverflowError):
            return None
    if isinstance(v, int):
        return max(-_QTY_LIMIT, min(_QTY_LIMIT, v))
    return None
