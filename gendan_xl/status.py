"""Lead-time status of every order line, in working days: which orders are late, which will be.

`compute_status(rows, products, calendar, today)` returns a `StatusResult`. Pure: `today` is a
parameter, nothing is read from disk, clock or config.

**The due date: one rule.** Every line is judged against one date, chosen by `due` (gendan.toml
`[status] due`): `"customer"` (the default) takes the customer due date (客户交期), else the factory's;
`"factory"` takes the factory due date (工厂交期), else the customer's. The same date plans the milestones,
decides overdue and at risk, and judges a shipment on time or late, for open and shipped lines alike. The
reason names the date used and shows the other when they differ ("工厂交期 11-24（客户交期 11-26）").
Whatever the basis, a line past its customer due date is never on track, and a factory date later than the
customer's is at risk: the customer was promised the earlier one.

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
when 完工日期 is blank), and so does any quantity already shipped, and so does the line's *stage*: the status
word mapped onto the lifecycle (schema.STAGES; gendan.toml `[statuses]`) — in_production means the material
is in and production started, inspection that production finished, ready_to_ship that inspection passed.
An open line (partial shipment included) always has packing and ship still to do. A status word we cannot
map changes nothing: the line is judged from its dates and quantities (and the word is reported once).

**Shipped or not.** The shipped quantity is 已出货数量, else quantity − 未出数量 (a sheet that records
what is left). A line is fully shipped when shipped_qty >= quantity, or when a ship date on or before today
stands with shipped_qty blank (the usual sheet that only records the date), or shipped_qty > 0 with quantity
blank — unless its stage says otherwise: a stage before shipping (待出货 …) makes a past ship date a plan that
slipped (the line is open and the reason says so), partially_shipped keeps it open, and shipped with neither
a date nor a quantity is shipped with no date. shipped_qty = 0 means nothing shipped, whatever the ship date
says, and a ship date after today with shipped_qty blank is a planned ETD, not a shipment.
0 < shipped_qty < quantity is a *partial* shipment: the line stays open and its reason says how much is left.

**Status codes**, first match wins:

1. `cancelled`: the stage is cancelled (取消, void …) or a 是否取消 / Cancelled column is filled with
   anything but no.
2. fully shipped: `shipped_on_time` when the ship date is on or before the due date, else `shipped_late`.
3. `unknown`: the line cannot be judged — no usable due date, fully shipped with no ship date, or (when not
   already overdue or inside the warning window) a model missing from the products sheet or with no lead
   times. The reason says which.
4. `overdue`: today is after the due date.
5. `at_risk`: past the customer due date (with `due="factory"`); a factory due date after the customer's;
   a planned milestone (with an actual-date column, so not packing) before today with its step not done;
   the remaining standard lead time exceeds the working days left; or the due date is within
   `warning_days` working days (0 = due today).
6. `on_track` otherwise.

**Figures.** `days_late` (calendar days; overdue and shipped_late lines, else None), `days_to_due`
(calendar days; open lines not past due, else None), `slack_workdays` = working days left − remaining
standard lead time (open lines with a plan, else None), where working days left = working days in
(today, D] and the remaining lead time is the sum of the steps not done (a started production counts only
the working days it still needs: its standard days minus the working days in [production_date, today]),
`next_milestone` (the first step not done) and its planned date, `open_qty` (what is left to ship of a line
neither shipped nor cancelled: quantity − shipped, else the 未出数量 column), and `milestones`: every step with
its planned date, its actual date and `done` / `late` (not done, planned before today) / `pending`. Reasons
write dates as MM-DD within today's year and YYYY-MM-DD otherwise.

**Result.** `StatusResult.to_dict(lang)` is the `--json` document: {"today", "orders": [{"order_no", "row",
"status", "stage", "days_late", "days_to_due", "slack_workdays", "next_milestone", "next_milestone_date",
"reason", "label", "next_milestone_label", "customer", "model", "merchandiser", "due_date", "due_basis",
"customer_due_date", "factory_due_date", "milestones": [{"milestone", "label", "planned", "actual",
"state"}]}], "counts", "issues"}.
"""
from __future__ import annotations

import datetime as _dt
from itertools import repeat
from operator import is_not
from typing import Any, Callable, Collection, Mapping, Sequence

import numpy as np

from gendan_xl.orders import Order
from gendan_xl.schema import DEFAULT_VOCABULARY, STAGES, Vocabulary, fold_key, is_cancel_flag
from gendan_xl.workdays import WorkCalendar, years_of

from gendan_xl.lead_times import LeadTimes, as_int as _int, products_from_rows  # noqa: F401
from gendan_xl.status_lines import (ACTUAL_FIELDS, DUE_BASES, DUE_LABELS, MILESTONE_LABELS,  # noqa: F401
                                    MILESTONE_STATES, MILESTONES, REASONS, STATUS_LABELS, STATUSES, Line,
                                    StatusResult, _CHECKED_MILESTONES, counts_text)
from gendan_xl.status_block import MAIN, PROBLEMS, StatusBlock, _Kernel, _masked, among, lines_of

_SANE_YEARS = (1900, 2199)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_NAT = int(np.datetime64("NaT").astype(np.int64))  # a due date outside these is a typo, not a plan


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


STATUS_FIELDS = ("order_no", "customer", "model", "merchandiser", "factory_due_date", "customer_due_date",
                 "ship_date", "quantity", "shipped_qty", "open_qty", "status", "cancelled", "material_date",
                 "production_date", "finish_date", "inspection_date", "customer_po")

# What a stage proves done, as bits over MILESTONES (material 1, production start 2, production finish 4,
# inspection 8): a stage is evidence of progress, as a later actual date is.
_STAGE_DONE: dict[str | None, int] = {"in_production": 0b0011, "inspection": 0b0111, "ready_to_ship": 0b1111,
                                      "partially_shipped": 0b1111, "shipped": 0b1111}
# Stages that say the goods have not left: a past ship date under one of them was a plan that slipped.
_BEFORE_SHIPPING = frozenset(STAGES) - {"partially_shipped", "shipped", "cancelled"}


def compute_status(
    orders: Sequence[Order],
    products: Mapping[str, LeadTimes | Mapping[str, Any] | None],
    calendar: WorkCalendar,
    today: _dt.date,
    warning_days: int = 3,
    *,
    due: str = "customer",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> StatusResult:
    """The status of every order line: `Order`s, or a pandas DataFrame of order fields (gendan-xl[pandas]).

    `products` maps model → LeadTimes, or a product row's values dict; a model that is missing or maps
    to None has no plan. See `status_from_columns`, which this calls with the orders' values by field.
    """
    if hasattr(orders, "itertuples"):  # a pandas DataFrame of order fields
        from gendan_xl.frames import orders_from_frame

        orders = orders_from_frame(orders)
    orders = list(orders)
    columns = {f: [getattr(o, f) for o in orders] for f in STATUS_FIELDS}
    used = due_fields(due)
    bad_due: dict[int, Any] = {}
    for i, o in enumerate(orders):
        f = next((f for f in used if f in o.unreadable), None) if o.unreadable else None
        if f is not None:
            bad_due[i] = o.unreadable[f]
    return status_from_columns(columns, [o.row or 0 for o in orders], products, calendar, today, warning_days,
                               due=due, vocabulary=vocabulary, bad_due=bad_due)


def due_fields(due: str) -> tuple[str, str]:
    """The due-date fields in the order the rule takes them: the basis first, the other as the fallback."""
    if due not in DUE_BASES:
        raise ValueError(f"due must be one of {', '.join(DUE_BASES)}, not {due!r}")
    return ("customer_due_date", "factory_due_date") if due == "customer" else ("factory_due_date",
                                                                               "customer_due_date")


def status_from_columns(
    columns: Mapping[str, Sequence[Any]],
    row_numbers: Sequence[int],
    products: Mapping[str, LeadTimes | Mapping[str, Any] | None],
    calendar: WorkCalendar,
    today: _dt.date,
    warning_days: int = 3,
    *,
    due: str = "customer",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    bad_due: Mapping[int, Any] | None = None,
) -> StatusResult:
    """The status of every order line, from its typed values by field (`STATUS_FIELDS`; a missing field
    counts as blank) and its Excel row number. `due` picks the due date (see the module docstring);
    `vocabulary` maps status words to stages. `bad_due` maps a line's index to the raw value of a due date
    that could not be read, so its reason can show it.

    The rules are applied column-wise with numpy (a million lines is one pass per column, not a million
    calendar look-ups); only building the `Line` objects is per row (`status_rows` makes only those asked for).
    """
    k = _kernel(columns, row_numbers, products, calendar, today, warning_days, due=due, vocabulary=vocabulary,
                bad_due=bad_due)
    return StatusResult(today=today, lines=lines_of(k, range(k.n)), calendar=calendar, years=k.years)


def status_rows(
    columns: Mapping[str, Sequence[Any]],
    row_numbers: Sequence[int],
    products: Mapping[str, LeadTimes | Mapping[str, Any] | None],
    calendar: WorkCalendar,
    today: _dt.date,
    warning_days: int = 3,
    *,
    due: str = "customer",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    bad_due: Mapping[int, Any] | None = None,
    keep: Callable[[Line], bool] | Collection[str] = STATUSES,
    most: int | None = None,
) -> tuple[StatusBlock, StatusResult]:
    """`status_from_columns` for many lines at once, when most are alike and few are needed as Lines: the
    `StatusBlock` of the lines — each line's status, figures and reason without a Line per line, or, as a
    sequence, a Line shared by every line whose status is the same in every respect but who the line is —
    and the StatusResult of the lines `keep` keeps, each its own: those whose status is in `keep`, or, when
    it is a test of a Line, those whose shared Line passes it (which makes every shared Line); `most` keeps
    at most that many of them, the most urgent (`status_lines.urgency`). A refresh writes the block's
    figures into each row; a million lines have far fewer urgent ones."""
    k = _kernel(columns, row_numbers, products, calendar, today, warning_days, due=due, vocabulary=vocabulary,
                bad_due=bad_due)
    block = StatusBlock(k)
    if callable(keep):
        kept = [i for i, line in enumerate(block) if keep(line)]
    else:
        kept = np.flatnonzero(among(block.status_ids, [STATUSES.index(s) for s in keep])).tolist()
    if most is not None and len(kept) > most:
        kept = block.most_urgent(kept, most)
    result = StatusResult(today=today, lines=block.lines(kept), calendar=calendar, years=k.years,
                          totals=block.counts(), total=k.n)
    return block, result


def _each(fn: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """`fn` of each value, worked out once per distinct value: a column of 100k lines holds a few hundred
    dates, a few thousand quantities. By type too where the column mixes types (1, 1.0 and True are equal
    keys but not the same cell); None equals no other value."""
    if not any(map(is_not, values, repeat(None))):  # a column not in the sheet, or left blank
        return [fn(None)] * len(values)
    kinds = set(map(type, values))
    kinds.discard(type(None))
    try:
        if len(kinds) <= 1:
            memo = {v: fn(v) for v in set(values)}
            return list(map(memo.__getitem__, values))
        keys = list(zip(map(type, values), values))
        memo = {key: fn(key[1]) for key in set(keys)}
        return list(map(memo.__getitem__, keys))
    except TypeError:  # an unhashable value, which no workbook gives (the API takes anything): one by one
        return [fn(v) for v in values]


def _kernel(
    columns: Mapping[str, Sequence[Any]],
    row_numbers: Sequence[int],
    products: Mapping[str, LeadTimes | Mapping[str, Any] | None],
    calendar: WorkCalendar,
    today: _dt.date,
    warning_days: int = 3,
    *,
    due: str = "customer",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    bad_due: Mapping[int, Any] | None = None,
) -> "_Kernel":
    """The column-wise rules of `status_from_columns`, before any Line is made."""
    due_fields(due)
    index: dict[str, LeadTimes | None] = {}
    for model, lead in products.items():
        if lead is not None and not isinstance(lead, LeadTimes):
            lead = LeadTimes.from_values(lead)
        index.setdefault(fold_key(model), lead)

    n = len(row_numbers)
    blank = [None] * n
    by_field = {f: columns.get(f, blank) for f in STATUS_FIELDS}
    bad_due = bad_due or {}
    day = np.datetime64(today, "D")

    # Each column is worked out per distinct value (`_each`): a few hundred dates among 100k lines.
    def dates(f: str) -> np.ndarray:
        return np.array(_each(_day_number, by_field[f]), dtype=np.int64).reshape(n).view("datetime64[D]")

    def ints(f: str) -> tuple[list[int | None], np.ndarray, np.ndarray]:
        raw = _each(_int, by_field[f])
        as_float = np.array(raw, dtype=np.float64).reshape(n)  # None is NaN; ±10^15 (as_int's bound) is exact
        has = ~np.isnan(as_float)
        return raw, has, np.where(has, as_float, 0).astype(np.int64)

    def flags(values: Sequence[Any], test: Any) -> np.ndarray:
        return np.fromiter(_each(test, values), dtype=bool, count=n)

    # -- the stage of each line, from its status word -------------------------------------------------------
    stages = _each(lambda w: None if w is None else vocabulary.stage_of(w), by_field["status"])
    kinds = list(dict.fromkeys(stages))  # the stages named (a dozen at most), as numbered in `ids`
    ids = np.fromiter(map({s: i for i, s in enumerate(kinds)}.__getitem__, stages), dtype=np.intp, count=n)

    def per_stage(fn: Callable[[str | None], Any], dtype: Any = bool) -> np.ndarray:
        return np.array([fn(s) for s in kinds], dtype=dtype).reshape(len(kinds))[ids]

    stage_done = per_stage(lambda x: _STAGE_DONE.get(x, 0), np.int64)
    before_shipping = per_stage(_BEFORE_SHIPPING.__contains__)
    stage_partial = per_stage(lambda x: x == "partially_shipped")
    stage_shipped = per_stage(lambda x: x == "shipped")
    cancelled = per_stage(lambda x: x == "cancelled")
    on_hold = per_stage(lambda x: x == "on_hold")
    if any(map(is_not, by_field["cancelled"], repeat(None))):
        cancelled |= flags(by_field["cancelled"], is_cancel_flag)

    # -- the due date: one rule for open and shipped lines ---------------------------------------------------
    factory, customer = dates("factory_due_date"), dates("customer_due_date")
    if due == "customer":
        by_customer = ~np.isnat(customer)
    else:
        by_customer = np.isnat(factory) & ~np.isnat(customer)
    due_d = np.where(by_customer, customer, factory)
    other = np.where(by_customer, factory, customer)  # shown beside the date used when it differs

    # -- shipped, partly shipped, or open ----------------------------------------------------------------------
    ship = dates("ship_date")
    quantity_l, q_has, q = ints("quantity")
    shipped_l, s_has, s = ints("shipped_qty")
    _, o_has, o = ints("open_qty")
    derived = ~s_has & o_has & q_has  # a sheet that records what is left: shipped = quantity − open
    if derived.any():
        s = np.where(derived, np.maximum(q - o, 0), s)
        s_has = s_has | derived
        shipped_l = [v if h else None for v, h in zip(s.tolist(), s_has.tolist())]
    ship_has = ~np.isnat(ship)
    future = ship_has & (ship > day) & ~s_has  # a planned ETD, not a shipment
    dated = ship_has & ~s_has & (ship <= day)
    stage_open = dated & before_shipping  # the status says not shipped: the date was a plan that slipped
    by_date = dated & ~before_shipping & ~stage_partial
    fully = np.where(s_has, (s > 0) & (~q_has | (s >= q)), by_date | (stage_shipped & ~ship_has))
    partial = s_has & (s > 0) & q_has & (s < q)
    partial_unknown = stage_partial & ~s_has
    # what is left to ship of a line not closed: quantity − shipped, else the 未出数量 column itself
    left_has = ~cancelled & ~fully & (q_has | o_has)
    open_l = _masked(np.where(q_has, np.maximum(q - s, 0), np.maximum(o, 0)), left_has)
    due_year = due_d.astype("datetime64[Y]").astype(np.int64) + 1970
    due_ok = ~np.isnat(due_d) & (due_year >= _SANE_YEARS[0]) & (due_year <= _SANE_YEARS[1])
    open_ = ~cancelled & ~fully & due_ok
    judged_by_factory = open_ & ~by_customer & ~np.isnat(customer)
    past_customer = judged_by_factory & (customer < day)
    factory_after = judged_by_factory & ~np.isnat(factory) & (factory > customer)

    # -- lead times by model -------------------------------------------------------------------------------
    distinct: dict[LeadTimes, int] = {}

    def look_up(model: Any) -> int:  # the lead time's number, or minus the problem's (as PROBLEMS numbers it)
        if model is None or model == "":
            return -PROBLEMS.index("no_model")
        key = fold_key(model)
        if key not in index:
            return -PROBLEMS.index("unknown_model")
        if (lead := index[key]) is None:
            return -PROBLEMS.index("no_lead")
        return distinct.setdefault(lead, len(distinct) + 1)

    found = np.array(_each(look_up, by_field["model"]), dtype=np.int64).reshape(n)  # a few hundred models
    problem, lead_id = np.maximum(-found, 0), np.maximum(found, 0)
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
        left[sel] = calendar.workdays_between_array(day, due_d[sel])
        years |= years_of(due_d[sel])
    plan = {m: np.full(n, np.datetime64("NaT"), dtype="datetime64[D]") for m in MILESTONES}
    sel = np.flatnonzero(planned)
    if sel.size:
        add = calendar.add_workdays_array
        p_ship = add(due_d[sel], -l_ship[sel])
        p_insp = add(p_ship, -l_pack[sel])
        p_fin = add(p_insp, -l_insp[sel])
        p_mat = add(p_fin, -l_prod[sel])
        p_start = np.where(l_prod[sel] > 0, add(p_mat, 1), p_fin)
        for m, col in (("material", p_mat), ("production_start", p_start), ("production_finish", p_fin),
                       ("inspection", p_insp), ("packing", p_ship), ("ship", p_ship)):
            plan[m][sel] = col
        years |= years_of(p_mat)  # the earliest planned dates

    # -- what is done: a later actual date, anything shipped, or the stage proves the earlier steps ----------
    production, material = dates("production_date"), dates("material_date")
    finish, inspection = dates("finish_date"), dates("inspection_date")
    shipped_any = (s_has & (s > 0)) | by_date | stage_partial
    insp_done = shipped_any | ~np.isnat(inspection) | (stage_done & 8 > 0)
    fin_done = insp_done | ~np.isnat(finish) | (stage_done & 4 > 0)
    start_done = fin_done | ~np.isnat(production) | (stage_done & 2 > 0)
    mat_done = start_done | ~np.isnat(material) | (stage_done & 1 > 0)
    never = np.zeros(n, dtype=bool)  # packing and ship: an open line has not finished shipping
    done = (mat_done, start_done, fin_done, insp_done, never, never)
    done_mask = mat_done * 1 + start_done * 2 + fin_done * 4 + insp_done * 8

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

    # -- the status and the main part of the reason, first match wins (the module docstring's rules) --------
    bad_quantity = ~cancelled & ~fully & q_has & (q <= 0)  # nothing to make: validation reports it
    notes = ~cancelled & ~fully & ~bad_quantity  # the reason goes on with what the stage or the ship date says
    judged = notes & open_
    overdue = judged & (due_d < day)
    no_due = np.isnat(due_d)
    main = np.select([cancelled, fully & np.isnat(ship), fully & no_due, fully & (ship > due_d), fully,
                      bad_quantity, notes & no_due, ~judged,
                      overdue & (partial | partial_unknown), overdue, past_customer, factory_after, any_missed,
                      planned & (remaining > left), left <= warning_days, ~planned],
                     [_MAIN[x] for x in ("cancelled", "shipped_no_date", "no_due", "shipped_late", "shipped_on_time",
                                         "bad_quantity", "no_due", "bad_due_date", "overdue_partial", "overdue",
                                         "past_customer", "factory_late", "missed", "short", "window", "due")],
                     _MAIN["next"]).astype(np.int8)
    for i, raw in bad_due.items():  # a due date that could not be read: its value is shown, if it has one
        if main[i] == _MAIN["no_due"]:
            main[i] = _MAIN["bad_due"] if raw is not None else _MAIN["due_no_value"]

    ship_actual = np.where(s_has & (s > 0), ship, np.datetime64("NaT"))  # a partial shipment's date
    return _Kernel(
        n=n, today=today, years=frozenset(years), row_numbers=row_numbers,
        order_nos=by_field["order_no"], customers=by_field["customer"], models=by_field["model"],
        merchandisers=by_field["merchandiser"], customer_pos=by_field["customer_po"], words=by_field["status"],
        stages=stages, bad_due=bad_due, quantity=quantity_l, shipped=shipped_l, open_qty=open_l, main=main,
        problem=problem, due=due_d, other=other, by_customer=by_customer, customer=customer, factory=factory,
        ship=ship, notes=notes, judged=judged, planned=planned & judged, future=future, stage_open=stage_open,
        partial=partial, partial_unknown=partial_unknown, on_hold=on_hold, left=left, remaining=remaining, nxt=nxt,
        first_missed=first_missed, plan=np.stack([plan[m] for m in MILESTONES], axis=1),
        actual=np.stack([material, production, finish, inspection, np.full(n, np.datetime64("NaT"),
                         dtype="datetime64[D]"), ship_actual], axis=1),
        done_mask=done_mask)


_MAIN = {code: i for i, code in enumerate(MAIN)}
