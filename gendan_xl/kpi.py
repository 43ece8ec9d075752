"""On-time delivery rate (准时交货率): of the lines due in a period, how many shipped by their due date.

**The definition** (the README says the same):

- *Which lines*: every line whose due date falls in the period and that is not cancelled. The due date is
  the one every line is judged by, `[status] due` (customer: 客户交期, else 工厂交期; factory: the other
  way round), so the rate and the daily status never disagree about a line.
- *On time / late*: a fully shipped line is on time when its ship date is on or before the due date, late
  otherwise, and its days late are calendar days (ship date − due date), as the status counts them.
- *Still open*: not fully shipped. An open line whose due date has passed (before `as_of`) is already a
  miss and counts against the rate (`open_late`); one not yet due is left out of the rate
  (`open_not_due`) — a month still running is judged on what has come due so far.
- *Undated*: fully shipped with no ship date; it cannot be judged and is left out of the rate.
- *By line* (`basis="line"`, the default): rate = on time ÷ (on time + late + open_late).
- *By quantity* (`basis="quantity"`): each judged line weighs its quantity, and a partial shipment counts
  for what it shipped: rate = quantity shipped by the due date ÷ quantity of the judged lines. A sheet keeps
  one ship date per line, so a partial shipment is dated by it.
- *Average days late*: over the lines shipped late, by line in both bases.

Pure: the caller hands in snapshots (`snapshots.LineSnapshot`) and the day to judge on.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from gendan_xl.defaults import KPI_BASES as BASES  # settings check it without importing this module
from gendan_xl.errors import UsageError, json_fields
from gendan_xl.i18n import say
from gendan_xl.i18n.documents import KPI
from gendan_xl.snapshots import SHIPPED, LineSnapshot
from gendan_xl.statement import Period

GROUPS = ("customer", "merchandiser", "model")

@dataclass
class KpiGroup:
    """The figures of one customer, merchandiser or model (`key`), or of all lines (`key` = "")."""

    key: str
    lines: int = 0
    quantity: float = 0.0
    on_time: int = 0
    late: int = 0
    open_late: int = 0
    open_not_due: int = 0
    undated: int = 0
    qty_on_time: float = 0.0
    qty_late: float = 0.0
    qty_open: float = 0.0
    days_late: int = 0  # the sum over lines shipped late: avg_days_late is days_late / late
    judged_qty: float = 0.0
    rate: float | None = None

    @property
    def judged(self) -> int:
        return self.on_time + self.late + self.open_late

    @property
    def avg_days_late(self) -> float | None:
        return round(self.days_late / self.late, 1) if self.late else None

    def add(self, s: LineSnapshot, as_of: _dt.date) -> None:
        q = s.quantity or 0.0
        self.lines += 1
        self.quantity += q
        due = s.due_date
        assert due is not None
        if s.status in SHIPPED:
            if s.ship_date is None:
                self.undated += 1
                return
            self.judged_qty += q
            if s.ship_date <= due:
                self.on_time += 1
                self.qty_on_time += q
            else:
                self.late += 1
                self.qty_late += q
                self.days_late += (s.ship_date - due).days
            return
        if s.status == "unknown" and s.ship_date is None and q and (s.shipped_qty or 0) >= q:
            self.undated += 1  # fully shipped, no date: the status could not judge it either
            return
        part = s.shipped_qty or 0.0
        self.qty_open += max(q - part, 0.0)
        if due >= as_of:  # not yet due: not judged, whatever has shipped so far
            self.open_not_due += 1
            return
        self.open_late += 1
        self.judged_qty += q
        if part and s.ship_date is not None:  # a partial shipment counts for what it shipped, by its date
            if s.ship_date <= due:
                self.qty_on_time += part
            else:
                self.qty_late += part

    def finish(self, basis: str) -> "KpiGroup":
        if basis == "line":
            self.rate = self.on_time / self.judged if self.judged else None
        else:
            self.rate = self.qty_on_time / self.judged_qty if self.judged_qty else None
        return self

    def to_dict(self) -> dict[str, Any]:
        doc = json_fields(self, skip=("days_late", "judged_qty"))
        return doc | {"rate": None if self.rate is None else round(self.rate, 4), "avg_days_late": self.avg_days_late}


@dataclass
class Kpi:
    """The on-time rate of one period, in total and per group (`by`)."""

    period: str
    start: _dt.date
    end: _dt.date
    as_of: _dt.date
    basis: str
    due: str
    by: str | None
    total: KpiGroup
    groups: list[KpiGroup] = field(default_factory=list)

    def summary(self, lang: str = "zh") -> str:
        t = self.total
        return say(KPI, "summary", lang, period=self.period, rate=format_rate(t.rate, lang),
                    basis=say(KPI, f"basis_{self.basis}", lang), due=say(KPI, f"due_{self.due}", lang), lines=t.lines,
                    on_time=t.on_time, late=t.late, open_late=t.open_late)

    def table(self, lang: str = "zh") -> list[list[Any]]:
        """Header row, then one row per group, then the total: what the terminal and the workbook show."""
        head = [say(KPI, f"col_key_{self.by or ''}", lang)] + [say(KPI, f"col_{c}", lang) for c in (
            "lines", "quantity", "on_time", "late", "open_late", "open_not_due", "rate", "avg_late")]
        rows: list[list[Any]] = [head]
        for g in [*self.groups, self.total]:
            key = say(KPI, "all", lang) if g is self.total else (g.key or say(KPI, "none", lang))
            rows.append([key, g.lines, _whole(g.quantity), g.on_time, g.late, g.open_late, g.open_not_due,
                         format_rate(g.rate, lang), g.avg_days_late])
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "as_of": self.as_of.isoformat(), "basis": self.basis, "due": self.due, "by": self.by,
                "total": self.total.to_dict(), "groups": [g.to_dict() for g in self.groups]}


def _whole(q: float) -> float | int:
    return int(q) if float(q).is_integer() else q


def format_rate(rate: float | None, lang: str = "zh") -> str:
    return say(KPI, "no_rate", lang) if rate is None else f"{rate * 100:.1f}%"


def on_time_rate(snapshots: Iterable[LineSnapshot], period: str | Period, *, as_of: _dt.date,
                 basis: str = "line", by: str | None = None, due: str = "customer") -> Kpi:
    """The on-time delivery rate of the lines due in `period` ("2026-11", "2026-Q4", "2026-11-01..2026-11-15"),
    judged on `as_of`, by line or by quantity (`basis`), in total and per `by` (customer, merchandiser or
    model). `due` names the due date the snapshots were judged by ([status] due), for the text."""
    if basis not in BASES:
        raise UsageError.said("kpi-basis", allowed=", ".join(BASES), value=basis)
    if by is not None and by not in GROUPS:
        raise UsageError.said("kpi-by", allowed=", ".join(GROUPS), value=by)
    p = Period.parse(period)
    total = KpiGroup("")
    groups: dict[str, KpiGroup] = {}
    for s in snapshots:
        if s.status == "cancelled" or s.due_date is None or not p.start <= s.due_date <= p.end:
            continue
        total.add(s, as_of)
        if by is not None:
            key = getattr(s, by) or ""
            groups.setdefault(key, KpiGroup(key)).add(s, as_of)
    ordered = sorted(groups.values(), key=lambda g: (-g.lines, g.key))
    return Kpi(p.label, p.start, p.end, as_of, basis, due, by, total.finish(basis),
               [g.finish(basis) for g in ordered])


def last_months(month: str | Period, n: int = 12) -> list[str]:
    """The `n` months ending with `month`, oldest first: "2026-11" → 2025-12 … 2026-11."""
    start = Period.parse(month).start
    out = []
    y, m = start.year, start.month
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def monthly_rates(snapshots: Sequence[LineSnapshot], month: str | Period, *, as_of: _dt.date, months: int = 12,
                  basis: str = "line", by: str = "customer", due: str = "customer") -> list[Kpi]:
    """The KPI of each of the `months` months ending with `month`, grouped `by`: the series the monthly
    chart draws."""
    return [on_time_rate(snapshots, m, as_of=as_of, basis=basis, by=by, due=due) for m in last_months(month, months)]


__all__ = ["BASES", "GROUPS", "Kpi", "KpiGroup", "format_rate", "last_months", "monthly_rates",
           "on_time_rate"]
