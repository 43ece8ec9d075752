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
import gc
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from gendan_xl import schema
from gendan_xl.errors import Issue
from gendan_xl.workdays import WorkCalendar, years_of

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
    "bad_quantity": ("数量 {quantity} 无效，无法判断交期，请改正数量", "quantity {quantity} is not valid; fix it to "
                     "judge this line"),
    "overdue_partial": ("交期 {due} 已过 {days} 天，尚未出齐", "{days} days past due {due}, not fully shipped"),
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
    "due_no_value": ("交期是没有计算结果的公式，请在 Excel 中打开并保存",
                     "the due date is a formula with no calculated value; open and save the workbook in Excel"),
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
_SANE_YEARS = (1900, 2199)
_QTY_LIMIT = 10**15
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_NAT = np.datetime64("NaT").astype(np.int64)  # a due date outside these is a typo, not a plan


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


def _model_key(model: Any) -> str:
    try:
        return _cached_model_key(model)
    except TypeError:  # an unhashable value: not from a workbook, but no reason to crash
        return _cached_model_key(str(model))


@functools.lru_cache(maxsize=4096)
def _cached_model_key(model: Any) -> str:
    return unicodedata.normalize("NFKC", str(model)).strip().casefold()


def _int(v: Any) -> int | None:
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


def _date(v: Any) -> _dt.date | None:
    if v is None or type(v) is _dt.date:
        return v
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    return None


def _day_number(v: Any) -> int:
    """Days since 1970-01-01 of a date or datetime; NaT's number for anything else."""
    d = _date(v)
    return _NAT if d is None else d.toordinal() - _EPOCH_ORDINAL


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
    planned_dates: tuple[_dt.date, ...] | None = None  # in MILESTONES order; see `plan`
    partial: bool = False
    reasons: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (REASONS code, fields)
    today: _dt.date | None = field(default=None, repr=False)  # dates in reasons are written relative to it

    @property
    def plan(self) -> dict[str, _dt.date]:
        """{milestone: planned date}, empty when the line has no plan."""
        return dict(zip(MILESTONES, self.planned_dates)) if self.planned_dates else {}

    def label(self, lang: str = "zh") -> str:
        return _text(STATUS_LABELS, self.status, lang)

    def reason(self, lang: str = "zh") -> str:
        year = self.today.year if self.today is not None else None
        try:
            # with each value's type: 1, 1.0 and True are equal keys but not the same text
            key = tuple([(code, tuple([(k, type(v), v) for k, v in params.items()]))
                         for code, params in self.reasons])
            return _reason_text(key, lang, year)
        except TypeError:  # an unhashable value in a reason: not from a workbook, but no reason to crash
            return _reason_text.__wrapped__(key, lang, year)

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


@functools.lru_cache(maxsize=4096)
def _fmt(d: _dt.date, year: int | None) -> str:
    """11-20 in the current year, 2027-01-05 otherwise: how people write dates in a one-line note."""
    return f"{d.month:02d}-{d.day:02d}" if d.year == year else d.isoformat()


@functools.lru_cache(maxsize=1 << 16)
def _reason_text(reasons: tuple[tuple[str, tuple[tuple[str, type, Any], ...]], ...], lang: str,
                 year: int | None) -> str:
    """The one-line reason. Lines share their reasons a lot (a few dates and counts), so texts are kept:
    100k lines have about 26k different ones, and equal texts are then one object."""
    parts = []
    for code, params in reasons:
        fields = {k: _fmt(v, year) if isinstance(v, _dt.date) else v for k, _, v in params}
        if "milestone" in fields:
            fields["label"] = _text(MILESTONE_LABELS, fields["milestone"], lang)
        parts.append(_text(REASONS, code, lang).format(**fields))
    return _SEPARATOR.get(lang, "; ").join(parts)


# The order fields the status reads.
STATUS_FIELDS = ("order_no", "customer", "model", "merchandiser", "factory_due_date", "customer_due_date",
                 "ship_date", "quantity", "shipped_qty", "status", "material_date", "production_date",
                 "finish_date", "inspection_date")


def compute_status(
    rows: Sequence[Any],
    products: Mapping[str, LeadTimes | Mapping[str, Any] | None],
    calendar: WorkCalendar,
    today: _dt.date,
    warning_days: int = 3,
) -> StatusResult:
    """The status of every order row (objects with `.row` and `.values`, as `workbook.Row`).

    `products` maps model → LeadTimes, or a product row's values dict; a model that is missing or maps
    to None has no plan. See `status_from_columns`, which this calls with the rows' values by field.
    """
    rows = list(rows)
    values = [r.values for r in rows]
    columns = {f: [v.get(f) for v in values] for f in STATUS_FIELDS}
    bad_due: dict[int, Any] = {}
    for i, r in enumerate(rows):
        errors = getattr(r, "errors", None)
        if errors:
            f = next((f for f in ("factory_due_date", "customer_due_date") if errors.get(f)), None)
            if f is not None:
                bad_due[i] = (getattr(r, "raw", None) or {}).get(f)
    return status_from_columns(columns, [r.row for r in rows], products, calendar, today, warning_days,
                               bad_due=bad_due)


def status_from_columns(
    columns: Mapping[str, Sequence[Any]],
    row_numbers: Sequence[int],
    products: Mapping[str, LeadTimes | Mapping[str, Any] | None],
    calendar: WorkCalendar,
    today: _dt.date,
    warning_days: int = 3,
    *,
    bad_due: Mapping[int, Any] | None = None,
) -> StatusResult:
    """The status of every order line, from its typed values by field (`STATUS_FIELDS`; a missing field
    counts as blank) and its Excel row number. `bad_due` maps a line's index to the raw value of a due
    date that could not be read, so its reason can show it.

    The rules are applied column-wise with numpy (a million lines is one pass per column, not a million
    calendar look-ups); only building the `Line` objects is per row.
    """
    index: dict[str, LeadTimes | None] = {}
    for model, lead in products.items():
        if lead is not None and not isinstance(lead, LeadTimes):
            lead = LeadTimes.from_values(lead)
        index.setdefault(_model_key(model), lead)

    n = len(row_numbers)
    blank = [None] * n
    by_field = {f: columns.get(f, blank) for f in STATUS_FIELDS}
    bad_due = bad_due or {}
    day = np.datetime64(today, "D")

    def dates(f: str) -> np.ndarray:
        # via day numbers: numpy converts a list of ints ten times faster than a list of dates
        date = _dt.date
        out = [x.toordinal() - _EPOCH_ORDINAL if type(x) is date else _NAT if x is None else _day_number(x)
               for x in by_field[f]]
        return np.array(out, dtype=np.int64).reshape(n).view("datetime64[D]")

    def ints(f: str) -> tuple[list[int | None], np.ndarray, np.ndarray]:
        raw = [_int(v) for v in by_field[f]]
        has = np.array([x is not None for x in raw], dtype=bool).reshape(n)
        return raw, has, np.array([x or 0 for x in raw], dtype=np.int64).reshape(n)

    # -- settled lines: cancelled, shipped, no usable due date ------------------------------------------
    factory, customer = dates("factory_due_date"), dates("customer_due_date")
    due = np.where(np.isnat(factory), customer, factory)
    judge = np.where(np.isnat(customer), factory, customer)
    ship = dates("ship_date")
    quantity_l, q_has, q = ints("quantity")
    shipped_l, s_has, s = ints("shipped_qty")
    cancelled = np.array([_is_cancelled(v) for v in by_field["status"]], dtype=bool).reshape(n)
    ship_has = ~np.isnat(ship)
    future = ship_has & (ship > day) & ~s_has  # a planned ETD, not a shipment
    fully = ~future & np.where(s_has, (s > 0) & (~q_has | (s >= q)), ship_has)
    partial = s_has & (s > 0) & q_has & (s < q)
    due_year = due.astype("datetime64[Y]").astype(np.int64) + 1970
    due_ok = ~np.isnat(due) & (due_year >= _SANE_YEARS[0]) & (due_year <= _SANE_YEARS[1])
    open_ = ~cancelled & ~fully & due_ok

    # -- lead times by model -------------------------------------------------------------------------------
    distinct: dict[LeadTimes, int] = {}
    lead_id = np.zeros(n, dtype=np.int64)
    problems: list[str | None] = [None] * n
    for i, model in enumerate(by_field["model"]):
        if model is None or model == "":
            problems[i] = "no_model"
            continue
        key = _model_key(model)
        if key not in index:
            problems[i] = "unknown_model"
        elif index[key] is None:
            problems[i] = "no_lead"
        else:
            lead_id[i] = distinct.setdefault(index[key], len(distinct) + 1)
    table = np.zeros((len(distinct) + 1, 5), dtype=np.int64)
    for lead, k in distinct.items():
        table[k] = (lead.material, lead.production, lead.inspection, lead.packing, lead.shipping)
    l_mat, l_prod, l_insp, l_pack, l_ship = table[lead_id].T
    planned = open_ & (lead_id > 0)

    # -- working days left and the plan, backwards from the due date ----------------------------------------
    years = {today.year}
    left = np.zeros(n, dtype=np.int64)
    sel = np.flatnonzero(open_)
    if sel.size:
        left[sel] = calendar.workdays_between_array(day, due[sel])
        years |= years_of(due[sel])
    plan = {m: np.full(n, np.datetime64("NaT"), dtype="datetime64[D]") for m in MILESTONES}
    sel = np.flatnonzero(planned)
    if sel.size:
        add = calendar.add_workdays_array
        p_ship = add(due[sel], -l_ship[sel])
        p_insp = add(p_ship, -l_pack[sel])
        p_fin = add(p_insp, -l_insp[sel])
        p_mat = add(p_fin, -l_prod[sel])
        p_start = np.where(l_prod[sel] > 0, add(p_mat, 1), p_fin)
        for m, col in (("material", p_mat), ("production_start", p_start), ("production_finish", p_fin),
                       ("inspection", p_insp), ("packing", p_ship), ("ship", p_ship)):
            plan[m][sel] = col
        years |= years_of(p_mat)  # the earliest planned dates

    # -- what is done: a later actual date, or anything shipped, proves the earlier steps ------------------
    production = dates("production_date")
    insp_done = (s_has & (s > 0)) | (ship_has & ~s_has & (ship <= day)) | ~np.isnat(dates("inspection_date"))
    fin_done = insp_done | ~np.isnat(dates("finish_date"))
    start_done = fin_done | ~np.isnat(production)
    mat_done = start_done | ~np.isnat(dates("material_date"))
    never = np.zeros(n, dtype=bool)  # packing and ship: an open line has not finished shipping
    done = (mat_done, start_done, fin_done, insp_done, never, never)

    prod_left = np.where(fin_done, 0, l_prod)
    started = np.flatnonzero(planned & ~fin_done & ~np.isnat(production) & (production <= day))
    if started.size:  # a started production needs its standard days minus those in [start, today]
        spent = calendar.workdays_between_array(production[started] - np.timedelta64(1, "D"), day)
        prod_left[started] = np.maximum(0, l_prod[started] - spent)
        years |= years_of(production[started])
    remaining = np.where(mat_done, 0, l_mat) + prod_left + np.where(insp_done, 0, l_insp) + l_pack + l_ship
    nxt = np.argmin(np.stack(done), axis=0)  # the first step not done (packing at the latest)
    missed = np.stack([~done[MILESTONES.index(m)] & (plan[m] < day) for m in _CHECKED_MILESTONES])
    any_missed = missed.any(axis=0) & planned
    first_missed = np.argmax(missed, axis=0)

    # -- one Line per row ---------------------------------------------------------------------------------------
    due_l, judge_l, ship_l = due.tolist(), judge.tolist(), ship.tolist()
    sel = np.flatnonzero(planned)  # one tuple of planned dates per line with a plan
    plan_l = dict(zip(sel.tolist(), zip(*(plan[m][sel].tolist() for m in MILESTONES))))
    cols = [x.tolist() for x in (cancelled, future, fully, partial, open_, planned, left, remaining, nxt,
                                 any_missed, first_missed)]
    order_nos, customers, models, merchandisers = (by_field[f]
                                                   for f in ("order_no", "customer", "model", "merchandiser"))
    lines: list[Line] = []
    # The loop only allocates (no reference cycles): the cyclic GC would re-scan the growing list of lines
    # many times for nothing, about a third of the time at a million lines. Switched back on at the end.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i, (is_cancelled, is_future, is_fully, is_partial, is_open, has_plan, n_left, n_remaining, k_next,
                has_missed, k_missed) in enumerate(zip(*cols)):
            d = due_l[i]
            line = Line(row=row_numbers[i], order_no=order_nos[i], customer=customers[i], model=models[i],
                        merchandiser=merchandisers[i], due_date=d, customer_due_date=judge_l[i],
                        status="unknown", partial=is_partial, today=today)
            lines.append(line)
            reasons = line.reasons
            if is_cancelled:
                line.status = "cancelled"
                reasons.append(("cancelled", {}))
                continue
            if is_fully:
                shipped_on, judged = ship_l[i], judge_l[i]
                if shipped_on is None:
                    reasons.append(("shipped_no_date", {}))
                elif judged is None:
                    reasons.append(_no_due(bad_due, i))
                elif shipped_on > judged:
                    line.status, line.days_late = "shipped_late", (shipped_on - judged).days
                    reasons.append(("shipped_late", {"ship": shipped_on, "due": judged, "days": line.days_late}))
                else:
                    line.status = "shipped_on_time"
                    reasons.append(("shipped_on_time", {"ship": shipped_on, "due": judged}))
                continue
            if quantity_l[i] is not None and quantity_l[i] <= 0:  # nothing to make: validation reports it
                reasons.append(("bad_quantity", {"quantity": quantity_l[i]}))
                continue
            notes = [("future_ship", {"ship": ship_l[i]})] if is_future else []
            if not is_open:
                line.due_date = None
                reasons.append(_no_due(bad_due, i) if d is None else ("bad_due", {"value": d.isoformat()}))
                _add_notes(line, None, notes, shipped_l[i], quantity_l[i])
                continue

            line.workdays_left = n_left
            if has_plan:
                dates_i = line.planned_dates = plan_l[i]
                line.remaining_workdays = n_remaining
                line.slack_workdays = n_left - n_remaining
                line.next_milestone = MILESTONES[k_next]
                line.next_milestone_date = dates_i[k_next]
            if today > d:
                line.status = "overdue"
                line.days_late = (today - d).days
                reasons.append(("overdue_partial" if line.partial else "overdue", {"due": d, "days": line.days_late}))
            else:
                line.days_to_due = (d - today).days
                if has_missed:
                    m = _CHECKED_MILESTONES[k_missed]
                    line.status = "at_risk"
                    reasons.append(("missed", {"milestone": m, "date": dates_i[MILESTONES.index(m)]}))
                elif has_plan and n_remaining > n_left:
                    line.status = "at_risk"
                    reasons.append(("short", {"need": n_remaining, "left": n_left, "due": d}))
                elif n_left <= warning_days:
                    line.status = "at_risk"
                    reasons.append(("window", {"due": d, "left": n_left}))
                elif not has_plan:
                    reasons.append(("due", {"due": d}))  # stays unknown: no lead time to judge by
                else:
                    line.status = "on_track"
                    reasons.append(("next", {"milestone": line.next_milestone, "date": line.next_milestone_date,
                                             "slack": line.slack_workdays}))
            _add_notes(line, problems[i], notes, shipped_l[i], quantity_l[i])
    finally:
        if gc_was_enabled:
            gc.enable()
    return StatusResult(today=today, lines=lines, calendar=calendar, years=frozenset(years))


def _is_cancelled(text: Any) -> bool:
    if text is None:
        return False
    try:
        return _cached_is_cancelled(text)
    except TypeError:
        return _cached_is_cancelled(str(text))


@functools.lru_cache(maxsize=1024)
def _cached_is_cancelled(text: Any) -> bool:
    return schema.lookup_code(schema.ORDER_STATUSES, text) == "cancelled"


def _no_due(bad_due: Mapping[int, Any], i: int) -> tuple[str, dict[str, Any]]:
    if i not in bad_due:
        return ("no_due", {})
    # a formula never calculated has no value to show (workbook.py flags it no-cached-value)
    return ("bad_due", {"value": bad_due[i]}) if bad_due[i] is not None else ("due_no_value", {})


def _add_notes(line: Line, problem: str | None, notes: list[tuple[str, dict[str, Any]]], shipped: int | None,
               quantity: int | None) -> None:
    """After the main reason: why the lead time was not checked, a planned ship date, what is left to ship."""
    if problem is not None:
        line.reasons.append((problem, {"model": line.model}))
    line.reasons.extend(notes)
    if line.partial and shipped is not None and quantity is not None:
        line.reasons.append(("partial", {"shipped": shipped, "quantity": quantity, "rest": quantity - shipped}))
