"""Allocation of short stock (产品短缺时先分配给主要客户): who gets the goods when there are not enough.

`allocate(stock, lines, customers)` is pure: it reads no file, clock or config. Reading the master and the
stock workbook and writing the sidecar `name.allocation.xlsx` is `books.allocation.allocate_workbook`.

**Which lines.** Every open order line: not cancelled (状态 取消 / cancelled) and not fully shipped. The
open quantity is quantity − shipped quantity; a line whose 状态 says 已出货 / shipped with the shipped
quantity blank counts as fully shipped. New (新单) and on-hold (暂停) lines are open and take part; pass
`skip` to leave them out. A line without a usable quantity is reported and left out.

**The order**, per model, first wins:

1. customer grade from 客户: A before B before C (any single letter, alphabetically; "A级" / "a" count as
   A); a grade that is not a letter comes after all letters, and a customer without a grade (or not in
   客户) comes last;
2. due date (客户交期), earliest first; no due date last;
3. order date, earliest first; no order date last;
4. the line's row in the orders sheet: the documented tie-break, so equal lines are served top to bottom.

Each line takes min(open quantity, what is left of the model's stock): partial allocations happen, and
once the stock is gone every later line of that model is short by its whole open quantity. Zero stock, and
a model missing from the stock workbook, allocate nothing; the model summary says which of the two it was.
Stock rows of the same model (several warehouses) add up.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from gendan_xl import schema
from gendan_xl.errors import WARNING, Issue
from gendan_xl.orders import Order
from gendan_xl.plaintext import text_table
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary, fold_key
from gendan_xl.i18n import say
from gendan_xl.i18n.documents import ALLOCATION

__all__ = [
    "DEFAULT_SKIP", "AllocatedLine", "ModelStock", "CustomerShortage", "Allocation", "allocate",
    "grade_rank", "grades_from_rows", "whole_number",
]


DEFAULT_SKIP = ("cancelled",)
_FAR = dt.date.max


def text(key: str, lang: str = "zh", **fields: Any) -> str:
    return say(ALLOCATION, key, lang, **fields)




def grade_rank(grade: Any) -> tuple[int, str]:
    """Sort key of a customer grade: A < B < C < … < other text < none. "A级", "a", "Ａ" are A."""
    g = unicodedata.normalize("NFKC", str(grade or "")).strip().upper()
    for suffix in ("级", "类", "等"):
        g = g.removesuffix(suffix)
    if len(g) == 1 and "A" <= g <= "Z":
        return (0, g)
    return (1, g) if g else (2, "")


def grades_from_rows(rows: Iterable[Any]) -> dict[str, str]:
    """{customer code: grade} from the 客户 sheet's rows; names resolve too (see `allocate`)."""
    out: dict[str, str] = {}
    for row in rows:
        code = row.values.get("code")
        if code not in (None, "") and str(code) not in out:
            out[str(code)] = str(row.values.get("grade") or "").strip()
    return out


# ------------------------------------------------------------------------------------------- result

@dataclass
class AllocatedLine:
    row: int
    order_no: Any
    customer: Any
    grade: str
    model: Any
    due_date: dt.date | None
    order_date: dt.date | None
    open_qty: int
    allocated: int = 0
    rank: int = 0  # 1-based position in the model's queue
    merchandiser: Any = None

    @property
    def short(self) -> int:
        return self.open_qty - self.allocated

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "order_no": self.order_no, "customer": self.customer, "grade": self.grade or None,
                "model": self.model, "due_date": _iso(self.due_date), "order_date": _iso(self.order_date),
                "open_qty": self.open_qty, "allocated": self.allocated, "short": self.short, "rank": self.rank,
                "merchandiser": self.merchandiser}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass
class ModelStock:
    model: str
    stock: int
    demand: int = 0
    allocated: int = 0
    listed: bool = True  # False: the model is not in the stock workbook at all

    @property
    def short(self) -> int:
        return self.demand - self.allocated

    @property
    def left(self) -> int:
        return self.stock - self.allocated

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "stock": self.stock, "demand": self.demand, "allocated": self.allocated,
                "short": self.short, "left": self.left, "listed": self.listed}


@dataclass
class CustomerShortage:
    """What one customer will miss: every line of theirs that is short."""

    customer: str
    grade: str
    lines: list[AllocatedLine]

    @property
    def short(self) -> int:
        return sum(x.short for x in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {"customer": self.customer, "grade": self.grade or None, "short": self.short,
                "lines": [{"row": x.row, "order_no": x.order_no, "model": x.model, "open_qty": x.open_qty,
                           "allocated": x.allocated, "short": x.short} for x in self.lines]}


@dataclass
class Allocation:
    lines: list[AllocatedLine]  # in allocation order: by model (as first met in the sheet), then queue rank
    models: list[ModelStock]
    issues: list[Issue] = field(default_factory=list)
    path: Path | None = None
    source: str = ""  # the workbooks allocated from, as the sheets' titles name them
    today: dt.date | None = None  # the day of the allocation, for the titles

    @property
    def shortages(self) -> list[CustomerShortage]:
        """Customers missing something, best grade first, then by customer."""
        by: dict[str, CustomerShortage] = {}
        for x in self.lines:
            if x.short:
                key = str(x.customer)
                by.setdefault(key, CustomerShortage(key, x.grade, [])).lines.append(x)
        return sorted(by.values(), key=lambda c: (grade_rank(c.grade), c.customer))

    def line(self, row: int) -> AllocatedLine:
        return next(x for x in self.lines if x.row == row)

    @property
    def ok(self) -> bool:
        """Every open line fully covered."""
        return not any(x.short for x in self.lines)

    def summary(self, lang: str = "zh") -> str:
        short = [x for x in self.lines if x.short]
        return text("summary", lang, lines=len(self.lines), models=len(self.models),
                    allocated=f"{sum(x.allocated for x in self.lines):,}", short=f"{sum(x.short for x in short):,}",
                    short_lines=len(short), customers=len({str(x.customer) for x in short}))

    def to_frame(self) -> Any:
        """The allocated lines as a pandas DataFrame indexed by Excel row (gendan-xl[pandas])."""
        from gendan_xl.frames import allocation_frame

        return allocation_frame(self)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "lines": [x.to_dict() for x in self.lines], "models": [m.to_dict() for m in self.models],
                "customers": [c.to_dict() for c in self.shortages], "issues": [i.to_dict() for i in self.issues],
                "path": str(self.path) if self.path else None}

    def to_text(self, lang: str = "zh") -> str:
        """The short lines and each customer's total shortfall, then a summary."""
        out = []
        short = [x for x in self.lines if x.short]
        if short:
            keys = ("model", "rank", "order_no", "customer", "grade", "due_date", "open_qty", "allocated", "short")
            rows = [tuple(text(f"col.{k}", lang) for k in keys)]
            for x in short:
                rows.append((str(x.model), str(x.rank), str(x.order_no or ""), str(x.customer), x.grade or "-",
                             _iso(x.due_date) or "", f"{x.open_qty:,}", f"{x.allocated:,}", f"{x.short:,}"))
            out += text_table(rows, right=(1, 6, 7, 8))
            out.append("")
            rows = [(text("col.customer", lang), text("col.grade", lang), text("col.short", lang))]
            rows += [(c.customer, c.grade or "-", f"{c.short:,}") for c in self.shortages]
            out += text_table(rows, right=(2,))
        out += [str(i) for i in self.issues]
        out.append(self.summary(lang))
        if self.path:
            out.append(text("written", lang, path=self.path))
        return "\n".join(out)


# --------------------------------------------------------------------------------------------- core

def whole_number(v: Any) -> int | None:
    """A quantity as an int: an int, or a Decimal without fraction; None for anything else."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else None
    return v if isinstance(v, int) else None


def allocate(stock: Mapping[str, int], lines: Sequence[Order], customers: Mapping[str, Any], *,
             skip: Iterable[str] = DEFAULT_SKIP, lang: str = "zh", sheet: str = schema.ORDERS.zh,
             vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> Allocation:
    """Allocate `stock` ({model: available qty}) to the open order `lines` by customer grade, due date, order
    date, row (see the module docstring).

    `customers` maps a customer code to its grade (text) or to an object with `.grade` (and `.name`, which
    also resolves); order lines may name the customer by code or name. `skip` are schema.STAGES
    codes left out besides cancelled lines ("cancelled" by default; add "on_hold", "new" to leave those out).
    """
    skip = set(skip) | {"cancelled"}
    grades: dict[str, str] = {}
    for code, info in customers.items():
        grade = str(getattr(info, "grade", info) or "").strip()
        grades.setdefault(fold_key(code), grade)
        name = getattr(info, "name", "")
        if name:
            grades.setdefault(fold_key(name), grade)
    left: dict[str, int] = {}
    models: dict[str, ModelStock] = {}
    for model, qty in stock.items():
        k = fold_key(model)
        left[k] = left.get(k, 0) + max(0, int(qty))
    issues: list[Issue] = []
    queue: dict[str, list[AllocatedLine]] = {}
    for order in sorted(lines, key=lambda o: o.row or 0):
        status = vocabulary.stage_of(order.status)
        if status in skip:
            continue
        qty, shipped = whole_number(order.quantity), whole_number(order.shipped_qty)
        if qty is None or "quantity" in order.unreadable:
            if order.model not in (None, ""):
                issues.append(Issue("allocation-no-quantity", WARNING, sheet, order.cell("quantity"),
                                    order.unreadable.get("quantity"), text("no-quantity", lang)))
            continue
        if shipped is None and status == "shipped":
            continue
        open_qty = qty - (shipped or 0)
        if open_qty <= 0 or order.model in (None, ""):
            continue
        model_key = fold_key(order.model)
        if model_key not in models:
            models[model_key] = ModelStock(str(order.model).strip(), left.get(model_key, 0), listed=model_key in left)
        queue.setdefault(model_key, []).append(AllocatedLine(
            row=order.row or 0, order_no=order.order_no, customer=order.customer,
            grade=grades.get(fold_key(order.customer), ""), model=order.model, due_date=order.customer_due_date,
            order_date=order.order_date, open_qty=open_qty, merchandiser=order.merchandiser))
    out: list[AllocatedLine] = []
    for model_key, waiting in queue.items():
        waiting.sort(key=lambda x: (grade_rank(x.grade), x.due_date or _FAR, x.order_date or _FAR, x.row))
        ms = models[model_key]
        remaining = ms.stock
        for rank, x in enumerate(waiting, start=1):
            x.rank = rank
            x.allocated = min(x.open_qty, remaining)
            remaining -= x.allocated
            ms.demand += x.open_qty
            ms.allocated += x.allocated
        out.extend(waiting)
    for k, qty in left.items():  # stock nobody ordered: listed so the left-over is visible
        if k not in models:
            models[k] = ModelStock(next(str(m).strip() for m in stock if fold_key(m) == k), qty)
    return Allocation(out, list(models.values()), issues)
