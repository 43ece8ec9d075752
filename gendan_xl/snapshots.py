"""Snapshots of order lines and what changed between two of them: 交期变更, new orders, shipments.

A snapshot is what a status run saw of one order line, kept small: its file, its identity (order number,
model, and which of several equal lines it is), its row, customer and merchandiser, the due dates, the
quantities, the ship date and the computed status. Comparing two sets of snapshots (`diff_snapshots`) gives
the changes a team lead asks about each morning:

- `new`: a line that was not there before; `removed`: a line that is gone (deleted, or its order number or
  model changed — a line is known by those two, so retyping either is a removal and a new line);
- `due_moved`: the due date it is judged by moved, old → new, by how many working days (by the workbook's
  own calendar: a date moved from Friday to the next Monday moved 1 working day, not 3 days);
- `quantity`: the ordered quantity changed (加单 / 减单);
- `shipped`: the shipped quantity grew, or the line became shipped;
- `status`: any other change of status — on track → at risk, at risk → overdue — the lines that just
  turned. A line that shipped is `shipped`, not also a status change.

Pure: the caller hands in the snapshots and each file's calendar; nothing is read or stored here.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence

from gendan_xl.errors import json_fields
from gendan_xl.i18n import pick, say
from gendan_xl.i18n.documents import CHANGES
from gendan_xl.status import STATUS_LABELS
from gendan_xl.workdays import WorkCalendar

CHANGE_KINDS = ("new", "removed", "due_moved", "quantity", "shipped", "status")
SHIPPED = ("shipped_on_time", "shipped_late")
CLOSED = SHIPPED + ("cancelled",)  # statuses that no longer change as the days pass

def _label(status: str | None, lang: str) -> str:
    if not status:
        return say(CHANGES, "none", lang)
    return pick(STATUS_LABELS.get(status, (status, status)), lang)


def _day(d: _dt.date | None, lang: str) -> str:
    return d.isoformat() if d is not None else say(CHANGES, "none", lang)


def _qty(q: Any) -> str:
    if q is None:
        return "-"
    if isinstance(q, float) and q.is_integer():
        return str(int(q))
    return str(q)


@dataclass(slots=True)  # not frozen: a team run makes a million of them, and frozen doubles what each costs
class LineSnapshot:
    """One order line as a status run saw it (a value: nothing changes one once made). `(file, order_no, model,
    seq)` is its identity: `seq` tells apart lines of one file with the same order number and model (0 for
    the first, 1 for the next …)."""

    file: str
    order_no: str
    model: str
    seq: int
    row: int
    customer: str | None
    merchandiser: str | None
    due_date: _dt.date | None  # the date the line is judged by ([status] due)
    customer_due_date: _dt.date | None
    factory_due_date: _dt.date | None
    quantity: float | None
    shipped_qty: float | None
    ship_date: _dt.date | None
    status: str

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.file, self.order_no, self.model, self.seq)

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)


def identity(value: Any) -> str:
    """An order number or model as the key text: trimmed; a whole number typed as a number without ".0"."""
    if value.__class__ is str:  # what the reader gives a text column: the usual case, a million times
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def line_keys(order_nos: Sequence[Any], models: Sequence[Any]) -> list[tuple[str, str, int]]:
    """(order number, model, seq) of each line, in sheet order: the n-th line with the same order number
    and model gets seq n − 1, so two equal lines (a duplicate that validation reports) stay two lines."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for o, m in zip(order_nos, models):
        k = (identity(o), identity(m))
        n = seen.get(k, 0)
        seen[k] = n + 1
        out.append((k[0], k[1], n))
    return out


def _number(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float, Decimal)):
        return float(v)
    return None


def take_snapshots(file: str, lines: Sequence[Any], keys: Sequence[tuple[str, str, int]],
                   values: Mapping[str, Sequence[Any]]) -> list[LineSnapshot]:
    """Snapshots of `lines` (status `Line`s) of one file. `keys` and `values` (typed order fields by name:
    quantity, shipped_qty, open_qty, ship_date) are aligned with `lines`.

    The shipped quantity is 已出货数量, else quantity − 未出数量, as the status reads it."""
    blank = [None] * len(lines)
    qty, shipped, left, ship = (values.get(f, blank) for f in ("quantity", "shipped_qty", "open_qty", "ship_date"))
    out = []
    for i, (line, (order_no, model, seq)) in enumerate(zip(lines, keys)):
        q, s, o = _number(qty[i]), _number(shipped[i]), _number(left[i])
        if s is None and q is not None and o is not None:
            s = max(q - o, 0.0)
        d = ship[i]
        out.append(LineSnapshot(
            file=file, order_no=order_no, model=model, seq=seq, row=line.row,
            customer=None if line.customer is None else identity(line.customer),
            merchandiser=None if line.merchandiser in (None, "") else identity(line.merchandiser),
            due_date=line.due_date, customer_due_date=line.customer_due_date, factory_due_date=line.factory_due_date,
            quantity=q, shipped_qty=s, ship_date=d if isinstance(d, _dt.date) else None, status=line.status))
    return out


@dataclass(frozen=True, slots=True)
class Change:
    """One change of one line between two snapshots. `old` and `new` are what changed (dates, quantities or
    status codes); `workdays` is how far a due date moved, in the file's working days (+ later, − earlier)."""

    kind: str
    file: str
    order_no: str
    model: str
    row: int
    customer: str | None
    merchandiser: str | None
    old: Any = None
    new: Any = None
    workdays: int | None = None
    status: str = ""  # the line's status after the change (before it, for a removed line)
    due_date: _dt.date | None = None

    def describe(self, lang: str = "zh") -> str:
        """The change in one line of text: "交期 2026-11-20 → 2026-11-27，推迟 5 个工作日"."""
        if self.kind == "new":
            return say(CHANGES, "new", lang, due=_day(self.due_date, lang))
        if self.kind == "removed":
            return say(CHANGES, "removed", lang, due=_day(self.due_date, lang), status=_label(self.status, lang))
        if self.kind == "due_moved":
            n = self.workdays or 0
            shift = say(CHANGES, "later" if n > 0 else "earlier" if n < 0 else "same_day", lang, n=abs(n))
            return say(CHANGES, "due_moved", lang, old=_day(self.old, lang), new=_day(self.new, lang), shift=shift)
        if self.kind == "quantity":
            return say(CHANGES, "quantity", lang, old=_qty(self.old), new=_qty(self.new))
        if self.kind == "shipped":
            if self.status in SHIPPED:
                return say(CHANGES, "shipped", lang, new=_qty(self.new), status=_label(self.status, lang))
            return say(CHANGES, "shipped_part", lang, old=_qty(self.old), new=_qty(self.new))
        return say(CHANGES, "status", lang, old=_label(self.old, lang), new=_label(self.new, lang))

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return json_fields(self) | {"text": self.describe(lang)}


def _change(kind: str, snap: LineSnapshot, **kw: Any) -> Change:
    return Change(kind, snap.file, snap.order_no, snap.model, snap.row, snap.customer, snap.merchandiser,
                  status=snap.status, due_date=snap.due_date, **kw)


def diff_snapshots(before: Iterable[LineSnapshot], after: Iterable[LineSnapshot],
                   calendar_of: Callable[[str], WorkCalendar] | Mapping[str, WorkCalendar]) -> list[Change]:
    """Every change from `before` to `after`, in CHANGE_KINDS order, then by file and row.

    `calendar_of(file)` (or a mapping file → calendar) gives the working-day calendar a moved due date is
    counted in. A line may change in several ways at once (its due date moved and it turned at risk).
    """
    get = calendar_of.__getitem__ if isinstance(calendar_of, Mapping) else calendar_of
    old = {s.key: s for s in before}
    new = {s.key: s for s in after}
    out: list[Change] = []
    for key, s in new.items():
        was = old.get(key)
        if was is None:
            out.append(_change("new", s))
            continue
        if was.due_date != s.due_date and was.due_date is not None and s.due_date is not None:
            out.append(_change("due_moved", s, old=was.due_date, new=s.due_date,
                               workdays=get(s.file).workdays_between(was.due_date, s.due_date)))
        elif was.due_date != s.due_date:  # a due date filled in or cleared: no shift to count
            out.append(_change("due_moved", s, old=was.due_date, new=s.due_date))
        if was.quantity != s.quantity:
            out.append(_change("quantity", s, old=was.quantity, new=s.quantity))
        shipped = (s.status in SHIPPED and was.status not in SHIPPED) or (
            (s.shipped_qty or 0) > (was.shipped_qty or 0))
        if shipped:
            out.append(_change("shipped", s, old=was.shipped_qty, new=s.shipped_qty if s.shipped_qty is not None
                               else s.quantity))
        elif was.status != s.status:
            out.append(_change("status", s, old=was.status, new=s.status))
    for key, s in old.items():
        if key not in new:
            out.append(_change("removed", s))
    rank = {k: i for i, k in enumerate(CHANGE_KINDS)}
    out.sort(key=lambda c: (rank[c.kind], c.file, c.row, c.order_no))
    return out


def count_changes(changes: Iterable[Change]) -> dict[str, int]:
    """Changes per kind, every kind listed (zeros included), in CHANGE_KINDS order."""
    out = dict.fromkeys(CHANGE_KINDS, 0)
    for c in changes:
        out[c.kind] += 1
    return out


def kind_label(kind: str, lang: str) -> str:
    return say(CHANGES, f"kind_{kind}", lang)


__all__ = ["CHANGE_KINDS", "CLOSED", "Change", "LineSnapshot", "count_changes", "diff_snapshots",
           "identity", "kind_label", "line_keys", "take_snapshots"]
