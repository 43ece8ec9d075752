"""Lead-time status of every order line, in working days: which orders are late, which will be.

`compute_status(rows, products, calendar, today)` returns a `StatusResult`. Pure: `today` is a
parameter, nothing is read from disk, clock or config.

**The due date.** Planning uses the factory due date (工厂交期) when given, else the customer due date
(客户交期); `overdue`, `days_late` / `days_to_due` and the warning window use that same date. A fully shipped
line is judged, as the issue asks, by its ship date against the *customer* due date (the factory due date
when the customer's is blank).

**Planned milestones**, backwards from the due date D with the product's standard lead times in working
days (`workdays.add_workdays` with negative n, so a due date on a Sunday plans from the Friday before).
Each planned date is the day a step must be *done by*; a step of k days takes the k working days after the
previous milestone:

    ship              = D − shipping days          出货 (ship / customs cut-off)   actual: ship_date
    packing           = ship                       包装 done by the cut-off        actual: none (done once shipped)
    inspection        = packing − packing days     验货                             actual: inspection_date
    production_finish = inspection − insp. days    完工                             actual: finish_date
    material          = finish − production days   到料 (material ready)            actual: material_date
    production_start  = material + 1 working day   上线 (first production day)      actual: production_date
                        (= production_finish when production takes 0 days)

A later actual date implies the earlier steps are done (an inspection date means production finished even
when 完工日期 is blank), and so does any quantity already shipped; an open line (partial shipment included)
always has packing and ship still to do.

**Status codes**, first match wins:

1. `cancelled`: the 状态 column says 取消 / cancelled. Other 状态 texts (生产中, 已出货, 暂停 …) are not
   read: the dates and quantities are the facts.
2. fully shipped — shipped_qty >= quantity, or a ship date on or before today with shipped_qty blank (the
   usual sheet that only records the date), or shipped_qty > 0 with quantity blank: `shipped_on_time` when
   the ship date is on or before the customer due date, else `shipped_late`. shipped_qty = 0 means nothing
   shipped, whatever the ship date says, and a ship date after today with shipped_qty blank is a planned
   ETD, not a shipment (the reason says so). 0 < shipped_qty < quantity is a *partial* shipment: the line
   stays open and its reason says how much is left.
3. `unknown`: the line cannot be judged — no usable due date, fully shipped with no ship date, or (when not
   already overdue or inside the warning window) a model missing from the products sheet or with no lead
   times. The reason says which.
4. `overdue`: today is after the due date.
5. `at_risk`: a planned milestone (with an actual-date column, so not packing) lies before today and its
   actual date is blank; or the remaining standard lead time exceeds the working days left; or the due date
   is within `warning_days` working days (0 = due today).
6. `on_track` otherwise.

**Figures.** `days_late` (calendar days; overdue and shipped_late lines, else None), `days_to_due`
(calendar days; open lines not past due, else None), `slack_workdays` = working days left − remaining
standard lead time (open lines with a plan, else None), where working days left = working days in
(today, D] and the remaining lead time is the sum of the steps not done (a started production counts only
the working days it still needs: its standard days minus the working days in [production_date, today]),
`next_milestone` (the first step not done) and its planned date. Reasons write dates as MM-DD within
today's year and YYYY-MM-DD otherwise.

**Result.** `StatusResult.to_dict(lang)` is the `--json` document: {"today", "orders": [{"order_no", "row",
"status", "days_late", "days_to_due", "slack_workdays", "next_milestone", "next_milestone_date", "reason",
"label", "next_milestone_label", "customer", "model", "merchandiser", "due_date"}], "counts", "issues"}.
"""
from __future__ import annotations

import datetime as _dt
import functools
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from . import schema
from .errors import Issue
from .workdays import WorkCalendar, years_of

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "overdue": ("逾期", "Overdue"),
    "at_risk": ("有风险", "At risk"),
    "on_track": ("正常", "On track"),
    "shipped_late": ("延迟出货", "Shipped late"),
    "shipped_on_time": ("准时出货", "Shipped on time"),
    "cancelled": ("已取消", "Cancelled"),
    "unknown": ("无法判断", "Unknown"),
}
STATUSES = tuple(STATUS_LABELS)  # also the order of the summary

MILESTONE_LABELS: dict[str, tuple[str, str]] = {
    "material": ("到料", "material"),
    "production_start": ("上线", "production start"),
    "production_finish": ("完工", "production finish"),
    "inspection": ("验货", "inspection"),
    "packing": ("包装", "packing"),
    "ship": ("出货", "shipment"),
}
MILESTONES = tuple(MILESTONE_LABELS)  # in the order they happen
ACTUAL_FIELDS: dict[str, str | None] = {
    "material": "material_date",
    "production_start": "production_date",
    "production_finish": "finish_date",
    "inspection": "inspection_date",
    "packing": None,
    "ship": "ship_date",
}
# Milestones whose actual date can be missing: a passed one makes the line at risk (packing has no column).
_CHECKED_MILESTONES = tuple(m for m in MILESTONES if ACTUAL_FIELDS[m] is not None)

# One-line reasons, zh and en. A line's reason is one or more of these parts joined by "；" / "; ".
REASONS: dict[str, tuple[str, str]] = {
    "cancelled": ("已取消", "cancelled"),
    "shipped_on_time": ("{ship} 已出货，交期 {due}", "shipped {ship}, due {due}"),
    "shipped_late": ("{ship} 出货，比交期 {due} 晚 {days} 天", "shipped {ship}, {days} days after due {due}"),
    "overdue": ("交期 {due} 已过 {days} 天，尚未出货", "{days} days past due {due}, not shipped"),
    "missed": ("{label}计划 {date}，尚未{label}", "{label} planned {date}, not done"),
    "short": ("还需 {need} 个工作日，距交期 {due} 只有 {left} 个工作日",
              "needs {need} working days, only {left} left before due {due}"),
    "window": ("交期 {due}，只剩 {left} 个工作日", "due {due}, {left} working days left"),
    "next": ("下一步：{label} {date}，富余 {slack} 个工作日", "next: {label} {date}, {slack} working days to spare"),
    "partial": ("已出 {shipped}/{quantity}，余 {rest} 未出", "partly shipped {shipped} of {quantity}, {rest} to go"),
    "due": ("交期 {due}", "due {due}"),
    "no_due": ("缺少交期，请填写客户交期或工厂交期", "no due date; fill in the customer or factory due date"),
    "bad_due": ("交期“{value}”无法使用，请写成 2026-11-03 这样的日期",
                "due date '{value}' is unusable; write it like 2026-11-03"),
    "no_model": ("缺少型号，未按标准周期检查", "no model; lead time not checked"),
    "unknown_model": ("型号“{model}”不在产品表，未按标准周期检查",
                      "model '{model}' is not in the products sheet; lead time not checked"),
    "no_lead": ("型号“{model}”没有标准周期，未按标准周期检查",
                "model '{model}' has no standard lead times; lead time not checked"),
    "future_ship": ("出货日期 {ship} 在今天之后，按未出货计算", "ship date {ship} is after today; counted as not shipped"),
    "shipped_no_date": ("已全部出货但缺少出货日期，无法判断是否准时",
                        "fully shipped but no ship date; cannot tell whether on time"),
}

_SEPARATOR = {"zh": "；", "en": "; "}
_SANE_YEARS = (1900, 2199)  # a due date outside these is a typo, not a plan


def _text(table: Mapping[str, tuple[str, str]], code: str, lang: str) -> str:
    zh, en = table[code]
    return zh if lang == "zh" else en


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
        if all(_int(v) is None for v in raw):
            return None
        return cls(*(max(0, _int(v) or 0) for v in raw))


def products_from_rows(rows: Iterable[Any]) -> dict[str, LeadTimes | None]:
    """{model: LeadTimes} from the products sheet's rows (the first row of a model wins)."""
    out: dict[str, LeadTimes | None] = {}
    for row in rows:
        model = row.values.get("model")
        if model not in (None, "") and str(model) not in out:
            out[str(model)] = LeadTimes.from_values(row.values)
    return out


@functools.lru_cache(maxsize=4096)
def _model_key(model: Any) -> str:
    return unicodedata.normalize("NFKC", str(model)).strip().casefold()


def _int(v: Any) -> int | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, (float, Decimal)):
        try:
            return int(v)
        except (ValueError, OverflowError):
            return None
    return None


def _date(v: Any) -> _dt.date | None:
    if v is None or type(v) is _dt.date:
        return v
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    return None


@dataclass(slots=True)
class Line:
    """The status of one order line. `reason(lang)` and `label(lang)` give the text."""

    row: int
    order_no: Any
    customer: Any
    model: Any
    merchandiser: Any
    due_date: _dt.date | None
    customer_due_date: _dt.date | None
    status: str
    days_late: int | None = None
    days_to_due: int | None = None
    slack_workdays: int | None = None
    next_milestone: str | None = None
    next_milestone_date: _dt.date | None = None
    workdays_left: int | None = None
    remaining_workdays: int | None = None
    plan: dict[str, _dt.date] = field(default_factory=dict)
    partial: bool = False
    reasons: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (REASONS code, fields)
    today: _dt.date | None = field(default=None, repr=False)  # dates in reasons are written relative to it

    def label(self, lang: str = "zh") -> str:
        return _text(STATUS_LABELS, self.status, lang)

    def reason(self, lang: str = "zh") -> str:
        parts = []
        for code, params in self.reasons:
            fields = {k: _fmt(v, self.today) if isinstance(v, _dt.date) else v for k, v in params.items()}
            if "milestone" in fields:
                fields["label"] = _text(MILESTONE_LABELS, fields["milestone"], lang)
            parts.append(_text(REASONS, code, lang).format(**fields))
        return _SEPARATOR.get(lang, "; ").join(parts)

    def next_milestone_label(self, lang: str = "zh") -> str | None:
        return _text(MILESTONE_LABELS, self.next_milestone, lang) if self.next_milestone else None

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "order_no": self.order_no,
            "row": self.row,
            "status": self.status,
            "days_late": self.days_late,
            "days_to_due": self.days_to_due,
            "slack_workdays": self.slack_workdays,
            "next_milestone": self.next_milestone,
            "next_milestone_date": _iso(self.next_milestone_date),
            "reason": self.reason(lang),
            "label": self.label(lang),
            "next_milestone_label": self.next_milestone_label(lang),
            "customer": self.customer,
            "model": self.model,
            "merchandiser": self.merchandiser,
            "due_date": _iso(self.due_date),
        }


def _iso(d: _dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass
class StatusResult:
    """Every line's status, with the calendar's warnings for the years the plan touched."""

    today: _dt.date
    lines: list[Line]
    calendar: WorkCalendar
    years: frozenset[int] = frozenset()

    @property
    def counts(self) -> dict[str, int]:
        """Lines per status, every status listed (zeros included), in STATUSES order."""
        out = dict.fromkeys(STATUSES, 0)
        for line in self.lines:
            out[line.status] += 1
        return out

    @property
    def urgent(self) -> list[Line]:
        """Overdue lines (most days late first), then at-risk ones (least slack, then earliest due)."""
        overdue = sorted((x for x in self.lines if x.status == "overdue"),
                         key=lambda x: (-(x.days_late or 0), x.row))
        far = _dt.date.max
        at_risk = sorted((x for x in self.lines if x.status == "at_risk"),
                         key=lambda x: (x.slack_workdays if x.slack_workdays is not None else 10**9,
                                        x.due_date or far, x.row))
        return overdue + at_risk

    def calendar_issues(self, lang: str = "zh", sheet: str = schema.CALENDAR.zh) -> list[Issue]:
        """`calendar-unverified` warnings, one per year the figures relied on without official data."""
        return self.calendar.issues_for(self.years, sheet=sheet, lang=lang)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "orders": [line.to_dict(lang) for line in self.lines],
            "counts": self.counts,
            "issues": [i.to_dict() for i in self.calendar_issues(lang)],
        }


def _fmt(d: _dt.date, today: _dt.date | None) -> str:
    """11-20 in the current year, 2027-01-05 otherwise: how people write dates in a one-line note."""
    return f"{d.month:02d}-{d.day:02d}" if today is not None and d.year == today.year else d.isoformat()


def compute_status(
    rows: Sequence[Any],
    products: Mapping[str, LeadTimes | Mapping[str, Any] | None],
    calendar: WorkCalendar,
    today: _dt.date,
    warning_days: int = 3,
) -> StatusResult:
    """The status of every order row (objects with `.row` and `.values`, as `workbook.Row`).

    `products` maps model → LeadTimes, or a product row's values dict; a model that is missing or maps
    to None has no plan. Working-day maths for all lines is done at once with numpy.
    """
    index: dict[str, LeadTimes | None] = {}
    for model, lead in products.items():
        if lead is not None and not isinstance(lead, LeadTimes):
            lead = LeadTimes.from_values(lead)
        index.setdefault(_model_key(model), lead)

    lines: list[Line] = []
    pending: list[tuple[Line, Mapping[str, Any], LeadTimes | None, str | None]] = []  # open, with a due date
    for row in rows:
        line, values, plan_with = _classify(row, index, today)
        lines.append(line)
        if plan_with is not None:
            pending.append((line, values, *plan_with))

    years: set[int] = {today.year}
    _plan_open(pending, calendar, today, warning_days, years)
    for line in lines:
        if line.status in ("shipped_on_time", "shipped_late") and line.customer_due_date:
            years.add(line.customer_due_date.year)
    return StatusResult(today=today, lines=lines, calendar=calendar, years=frozenset(years))


def _classify(row: Any, index: Mapping[str, LeadTimes | None], today: _dt.date):
    """Decide what needs no calendar: cancelled, shipped, unusable. Returns (line, values, plan_with):
    None when the line is settled, else (LeadTimes or None, why there is none: a REASONS code or None)."""
    v = row.values
    errors = getattr(row, "errors", {}) or {}
    factory_due, customer_due = _date(v.get("factory_due_date")), _date(v.get("customer_due_date"))
    due = factory_due or customer_due
    line = Line(row=row.row, order_no=v.get("order_no"), customer=v.get("customer"), model=v.get("model"),
                merchandiser=v.get("merchandiser"), due_date=due, customer_due_date=customer_due or factory_due,
                status="unknown", today=today)
    if schema.lookup_code(schema.ORDER_STATUSES, v.get("status")) == "cancelled":
        line.status = "cancelled"
        line.reasons.append(("cancelled", {}))
        return line, v, None

    quantity, shipped = _int(v.get("quantity")), _int(v.get("shipped_qty"))
    ship_date = _date(v.get("ship_date"))
    future = ship_date is not None and ship_date > today and shipped is None
    if future:
        fully = False  # a ship date after today with no shipped quantity is a plan (ETD), not a fact
        line.reasons.append(("future_ship", {"ship": ship_date}))
    elif shipped is None:
        fully = ship_date is not None
    elif shipped <= 0:
        fully = False
    elif quantity is None:
        fully = True
    else:
        fully = shipped >= quantity
        line.partial = not fully
    if fully:
        if ship_date is None:
            line.reasons.append(("shipped_no_date", {}))
            return line, v, None
        judge = line.customer_due_date
        if judge is None:
            line.reasons.append(_no_due(row, errors))
            return line, v, None
        late = (ship_date - judge).days
        ctx = {"ship": ship_date, "due": judge}
        if late > 0:
            line.status, line.days_late = "shipped_late", late
            line.reasons.append(("shipped_late", {**ctx, "days": late}))
        else:
            line.status = "shipped_on_time"
            line.reasons.append(("shipped_on_time", ctx))
        return line, v, None

    if due is None or not _SANE_YEARS[0] <= due.year <= _SANE_YEARS[1]:
        line.due_date = None
        line.reasons.append(_no_due(row, errors) if due is None else ("bad_due", {"value": due.isoformat()}))
        _add_partial(line, shipped, quantity)
        return line, v, None

    model = v.get("model")
    if model in (None, ""):
        return line, v, (None, "no_model")
    key = _model_key(model)
    if key not in index:
        return line, v, (None, "unknown_model")
    lead = index[key]
    return line, v, (lead, None if lead is not None else "no_lead")


def _no_due(row: Any, errors: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    for f in ("factory_due_date", "customer_due_date"):
        if errors.get(f):
            raw = (getattr(row, "raw", {}) or {}).get(f)
            return ("bad_due", {"value": raw})
    return ("no_due", {})


def _add_partial(line: Line, shipped: int | None, quantity: int | None) -> None:
    if line.partial and shipped is not None and quantity is not None:
        line.reasons.append(("partial", {"shipped": shipped, "quantity": quantity, "rest": quantity - shipped}))


def _plan_open(pending, calendar: WorkCalendar, today: _dt.date, warning_days: int, years: set[int]) -> None:
    """Plan and judge every open line with a usable due date, the working-day maths vectorised."""
    if not pending:
        return
    dues = np.array([p[0].due_date for p in pending], dtype="datetime64[D]")
    today64 = np.datetime64(today, "D")
    left = calendar.workdays_between_array(today64, dues)
    years.update(years_of(dues))

    planned = [i for i, p in enumerate(pending) if p[2] is not None]
    plans: dict[str, list[_dt.date]] = {}
    if planned:
        sel = np.array(planned)
        leads = [pending[i][2] for i in planned]

        def col(attr: str) -> np.ndarray:
            return np.array([getattr(x, attr) for x in leads], dtype=np.int64)

        ship = calendar.add_workdays_array(dues[sel], -col("shipping"))
        inspection = calendar.add_workdays_array(ship, -col("packing"))
        finish = calendar.add_workdays_array(inspection, -col("inspection"))
        production = col("production")
        material = calendar.add_workdays_array(finish, -production)
        start = np.where(production > 0, calendar.add_workdays_array(material, 1), finish)
        ship_days = ship.tolist()  # datetime64[D] → datetime.date, once per column
        plans = {"material": material.tolist(), "production_start": start.tolist(),
                 "production_finish": finish.tolist(), "inspection": inspection.tolist(), "packing": ship_days,
                 "ship": ship_days}
        years.update(years_of(material))  # the earliest planned dates

    slot = {i: k for k, i in enumerate(planned)}
    for i, (line, values, lead, problem) in enumerate(pending):
        k = slot.get(i)
        plan = {} if k is None else {m: plans[m][k] for m in MILESTONES}
        _judge(line, values, lead, problem, plan, int(left[i]), calendar, today, warning_days)


def _judge(line: Line, values: Mapping[str, Any], lead: LeadTimes | None, problem: str | None,
           plan: dict[str, _dt.date], left: int, calendar: WorkCalendar, today: _dt.date, warning_days: int) -> None:
    due = line.due_date
    assert due is not None
    notes, line.reasons = line.reasons, []  # notes from _classify go after the main reason
    line.plan = plan
    line.workdays_left = left
    shipped, quantity = _int(values.get("shipped_qty")), _int(values.get("quantity"))

    # Open lines have not finished shipping (fully shipped ones were settled before), so packing and ship
    # are not done. Anything already shipped proves the steps before it, and a later actual date proves
    # the earlier ones.
    ship_date = _date(values.get("ship_date"))
    later_done = (shipped is not None and shipped > 0) or (
        ship_date is not None and shipped is None and ship_date <= today)
    done: dict[str, bool] = {"ship": False, "packing": False}
    for m in ("inspection", "production_finish", "production_start", "material"):
        done[m] = later_done = later_done or _date(values.get(ACTUAL_FIELDS[m])) is not None

    if lead is not None:
        remaining = 0
        if not done["material"]:
            remaining += lead.material
        if not done["production_finish"]:
            start = _date(values.get("production_date"))
            if done["production_start"] and start is not None and start <= today:
                # working days in [start, today] are spent
                spent = calendar.workdays_between(start - _dt.timedelta(days=1), today)
                remaining += max(0, lead.production - spent)
            else:
                remaining += lead.production
        if not done["inspection"]:
            remaining += lead.inspection
        if not done["packing"]:
            remaining += lead.packing
        if not done["ship"]:
            remaining += lead.shipping
        line.remaining_workdays = remaining
        line.slack_workdays = left - remaining
        for m in MILESTONES:
            if not done[m]:
                line.next_milestone, line.next_milestone_date = m, plan[m]
                break

    if today > due:
        line.status = "overdue"
        line.days_late = (today - due).days
        line.reasons.append(("overdue", {"due": due, "days": line.days_late}))
        _add_notes(line, problem, notes, shipped, quantity)
        return

    line.days_to_due = (due - today).days
    missed = None
    if lead is not None:
        for m in _CHECKED_MILESTONES:
            if not done[m] and plan[m] < today:
                missed = m
                break
    if missed is not None:
        line.status = "at_risk"
        line.reasons.append(("missed", {"milestone": missed, "date": plan[missed]}))
    elif lead is not None and line.remaining_workdays > left:
        line.status = "at_risk"
        line.reasons.append(("short", {"need": line.remaining_workdays, "left": left, "due": due}))
    elif left <= warning_days:
        line.status = "at_risk"
        line.reasons.append(("window", {"due": due, "left": left}))
    elif lead is None:
        line.status = "unknown"
        line.reasons.append(("due", {"due": due}))
    else:
        line.status = "on_track"
        if line.next_milestone is not None:
            line.reasons.append(("next", {"milestone": line.next_milestone,
                                          "date": line.next_milestone_date,
                                          "slack": line.slack_workdays}))
        else:
            line.reasons.append(("due", {"due": due}))
    _add_notes(line, problem, notes, shipped, quantity)


def _add_notes(line: Line, problem: str | None, notes: list[tuple[str, dict[str, Any]]], shipped: int | None,
               quantity: int | None) -> None:
    if problem is not None:
        line.reasons.append((problem, {"model": line.model}))
    line.reasons.extend(notes)
    _add_partial(line, shipped, quantity)
