"""Validation of the master order workbook: every problem, at its cell, as data.

Each rule is a function `(row, ctx) -> Iterator[Issue]` listed in RULES; rules never raise on bad data.
A new rule costs one function here, one entry in messages.MESSAGES, one row in a fixture and one test.
A rule may also have a screen (SCREENS): the lines of a chunk it may find something in, picked over whole
columns, so that a million clean lines are not made a million Rows (`check_lines`, what validate --json
runs); a rule without one is run on every line. A screen may pick too many lines, never too few.

Decisions a merchandiser would expect:
- An order may have several lines (one per model), so a *duplicate* is the same order number with the same
  model twice; the second line is reported and names the first.
- "Absurdly far" dates (typo years): a milestone date more than 400 days before or 3 years after its order
  date; an order date more than two years from the median order date of the sheet.
- Amounts are compared with quantity × unit price to the cent.
"""
from __future__ import annotations

import datetime as dt
import operator
from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, repeat
from statistics import median_low
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, cast

from gendan_xl.errors import ERROR, WARNING, Issue, Report
from gendan_xl.messages import make_issue
from gendan_xl.schema import CURRENCIES, STAGES, Vocabulary, fold_key, normalize_currency
from gendan_xl.cellrefs import cell_ref
from gendan_xl.sheet_data import NOTHING, Row, SheetLayout, Table
from gendan_xl.values import is_blank

CENT = Decimal("0.01")
MILESTONE_FIELDS = ("customer_due_date", "factory_due_date", "material_date", "production_date", "finish_date",
                    "inspection_date", "ship_date")
MILESTONE_BEFORE, MILESTONE_AFTER = 400, 3 * 366  # days a milestone may lie before / after its order date
ORDER_DATE_SPREAD = 2 * 366  # days an order date may lie from the sheet's median one


@dataclass
class Context:
    """What a rule needs besides its row: the sheet, the language and the master data."""

    table: SheetLayout
    lang: str
    customers: set[str] | None = None  # normalized customer codes and names; None when there is no 客户 sheet
    customer_sheet: str = "客户"
    models: set[str] | None = None
    product_sheet: str = "产品"
    currencies: tuple[str, ...] = CURRENCIES
    median_order_date: dt.date | None = None
    seen: dict[str, int] = field(default_factory=dict)  # order_no and model (folded) → the first line's row

    def issue(self, code: str, row: Row, field_: str, severity: str = ERROR, **params) -> Issue:
        col = self.table.schema.column(field_)
        return make_issue(code, severity, self.table.sheet, row.ref(field_), row.raw.get(field_), self.lang,
                          column=col.label(self.lang), **params)


Rule = Callable[[Row, Context], Iterator[Issue]]


def rule_parse_errors(row: Row, ctx: Context) -> Iterator[Issue]:
    for f, kind in row.errors.items():
        yield ctx.issue(kind, row, f, WARNING if kind == "no-cached-value" else ERROR)


# What every order line must fill in (when its sheet has the column), and the due dates of which one must be.
MUST_FILL = ("order_no", "customer", "model", "quantity", "order_date")
DUE_FIELDS = ("customer_due_date", "factory_due_date")


def rule_missing(row: Row, ctx: Context) -> Iterator[Issue]:
    for f in MUST_FILL:
        if f in row.cols and row.raw.get(f) is None and f not in row.errors:
            yield ctx.issue("missing-value", row, f)
    dues = [f for f in DUE_FIELDS if f in row.cols]
    if dues and all(row.raw.get(f) is None and f not in row.errors for f in dues):
        yield ctx.issue("missing-value", row, dues[0])


def rule_duplicate(row: Row, ctx: Context) -> Iterator[Issue]:
    order_no, model = row.values.get("order_no"), row.values.get("model")
    if not order_no:
        return
    first = ctx.seen.setdefault(_line_key(fold_key(order_no), fold_key(model)), row.row)
    if first != row.row:  # (a row checked twice is still its own first: `check_lines` notes every line first)
        other = f"{ctx.table.sheet}!{cell_ref(first, row.cols['order_no'])}"
        yield ctx.issue("duplicate-order", row, "order_no", model=model or "", other=other)


def _line_key(order_no: str, model: str) -> str:
    """What makes a line a duplicate, its order number and model folded: one string and the row per line seen,
    a million lines' keys fit in a few hundred megabytes."""
    return f"{order_no}\x1f{model}"


def rule_quantity(row: Row, ctx: Context) -> Iterator[Issue]:
    qty = row.values.get("quantity")
    if qty is not None and qty <= 0:
        yield ctx.issue("bad-quantity", row, "quantity")


def rule_price(row: Row, ctx: Context) -> Iterator[Issue]:
    price = row.values.get("unit_price")
    if price is not None and price < 0:
        yield ctx.issue("negative-price", row, "unit_price")


def rule_amount(row: Row, ctx: Context) -> Iterator[Issue]:
    qty, price, amount = (row.values.get(f) for f in ("quantity", "unit_price", "amount"))
    if qty is None or price is None or amount is None:
        return
    expected = (Decimal(qty) * Decimal(price)).quantize(CENT)
    if abs(Decimal(amount) - expected) > CENT:
        yield ctx.issue("amount-mismatch", row, "amount", expected=f"{expected:,.2f}")


def rule_dates(row: Row, ctx: Context) -> Iterator[Issue]:
    order_date = row.values.get("order_date")
    if order_date is None:
        return
    ship = row.values.get("ship_date")
    if ship is not None and ship < order_date:
        yield ctx.issue("ship-before-order", row, "ship_date", order_date=order_date)
    for f in ("customer_due_date", "factory_due_date"):
        due = row.values.get(f)
        if due is not None and due < order_date:
            yield ctx.issue("due-before-order", row, f, order_date=order_date)
    for f in MILESTONE_FIELDS:
        d = row.values.get(f)
        if d is not None and not (-MILESTONE_BEFORE <= (d - order_date).days <= MILESTONE_AFTER):
            yield ctx.issue("date-out-of-range", row, f, order_date=order_date)


def rule_order_date(row: Row, ctx: Context) -> Iterator[Issue]:
    order_date = row.values.get("order_date")
    if order_date is not None and ctx.median_order_date and _far(order_date, ctx.median_order_date):
        yield ctx.issue("order-date-out-of-range", row, "order_date")


def _far(order_date: dt.date, median: dt.date) -> bool:
    return abs((order_date - median).days) > ORDER_DATE_SPREAD


def rule_shipped(row: Row, ctx: Context) -> Iterator[Issue]:
    qty, shipped = row.values.get("quantity"), row.values.get("shipped_qty")
    if qty is not None and shipped is not None and shipped > qty:
        yield ctx.issue("over-shipped", row, "shipped_qty", quantity=qty)


def rule_master_data(row: Row, ctx: Context) -> Iterator[Issue]:
    customer = row.values.get("customer")
    if ctx.customers is not None and customer and fold_key(customer) not in ctx.customers:
        yield ctx.issue("unknown-customer", row, "customer", master=ctx.customer_sheet)
    model = row.values.get("model")
    if ctx.models is not None and model and fold_key(model) not in ctx.models:
        yield ctx.issue("unknown-model", row, "model", master=ctx.product_sheet)


def rule_currency(row: Row, ctx: Context) -> Iterator[Issue]:
    currency = row.values.get("currency")
    if currency and normalize_currency(currency) not in ctx.currencies:
        yield ctx.issue("unknown-currency", row, "currency", allowed="/".join(ctx.currencies))


RULES: tuple[Rule, ...] = (rule_parse_errors, rule_missing, rule_duplicate, rule_quantity, rule_price, rule_amount,
                           rule_dates, rule_order_date, rule_shipped, rule_master_data, rule_currency)


# -- many lines at once: each rule's screen picks, column by column, the lines it may find something in

Screen = Callable[[Mapping[str, Sequence[Any]], Sequence[int], "Context"], Iterable[int]]
_CLOSE, _EXACT_BELOW = 0.004, 1e12  # rule_amount's screen: see _screen_amount


def _nones(values: Sequence[Any] | None, n: int) -> Iterable[int]:
    return range(n) if values is None else [i for i, v in enumerate(values) if v is None]


def _screen_missing(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    # a blank cell is typed None (so is a bad one: the rule looks at the raw value and the errors)
    cols, n = ctx.table.columns, len(rows)
    out = {i for f in MUST_FILL if f in cols for i in _nones(values.get(f), n)}
    dues = [set(_nones(values.get(f), n)) for f in DUE_FIELDS if f in cols]
    return out.union(set.intersection(*dues)) if dues else out


def _screen_duplicate(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    # every line is noted here, in row order, each distinct value folded once; the rule then finds it noted
    order_nos = values.get("order_no")
    if order_nos is None:
        return ()
    models = values.get("model") or [None] * len(rows)
    folded = {v: fold_key(v) for v in {*order_nos, *models}}
    seen, key = ctx.seen, _line_key
    return [i for i, (o, m, r) in enumerate(zip(order_nos, models, rows))
            if o and seen.setdefault(key(folded[o], folded[m]), r) != r]


def _screen_quantity(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    return [i for i, q in enumerate(values.get("quantity", ())) if q is not None and q <= 0]


def _screen_price(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    return [i for i, p in enumerate(values.get("unit_price", ())) if p is not None and p < 0]


def _screen_amount(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    # In floats: within _CLOSE of quantity × price (rounding error below 0.0005 under _EXACT_BELOW), an amount is
    # within half a cent of the product, so within a cent of it rounded to the cent: no mismatch. Any other
    # line (and NaN, infinity, a number too big for a float) the rule judges in Decimal.
    try:
        return [i for i, (q, p, a) in enumerate(zip(*(values.get(f, ()) for f in ("quantity", "unit_price", "amount"))))
                if q is not None and p is not None and a is not None
                and not (abs(float(a) - float(q) * float(p)) <= _CLOSE and abs(float(a)) < _EXACT_BELOW)]
    except OverflowError:
        return range(len(rows))


def _screen_dates(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    # a milestone before its order date, or more than MILESTONE_AFTER days after it
    order_dates = values.get("order_date")
    if order_dates is None:
        return ()
    latest = {o: _plus(o, MILESTONE_AFTER) for o in set(order_dates) if o is not None}
    return {i for f in MILESTONE_FIELDS if f in values
            for i, (o, d) in enumerate(zip(order_dates, values[f]))
            if d is not None and o is not None and (d < o or d > latest[o])}


def _plus(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def _screen_order_date(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    median = ctx.median_order_date
    if not median:
        return ()
    return [i for i, o in enumerate(values.get("order_date", ())) if o is not None and _far(o, median)]


def _screen_shipped(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    return [i for i, (q, s) in enumerate(zip(values.get("quantity", ()), values.get("shipped_qty", ())))
            if q is not None and s is not None and s > q]


def _unknown(values: Sequence[Any] | None, known: Callable[[Any], bool]) -> Iterable[int]:
    """The lines whose value is filled in and not `known`, each distinct value looked up once."""
    if not values:
        return ()
    unknown = {v for v in set(values) if v and not known(v)}
    return [i for i, v in enumerate(values) if v in unknown] if unknown else ()


def _screen_master_data(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    out: set[int] = set()
    for f, known in (("customer", ctx.customers), ("model", ctx.models)):
        if known is not None:
            out.update(_unknown(values.get(f), lambda v: fold_key(v) in known))
    return out


def _screen_currency(values: Mapping[str, Sequence[Any]], rows: Sequence[int], ctx: "Context") -> Iterable[int]:
    return _unknown(values.get("currency"), lambda v: normalize_currency(v) in ctx.currencies)


# A rule without a screen is run on every line.
SCREENS: dict[Rule, Screen] = {
    rule_missing: _screen_missing, rule_duplicate: _screen_duplicate, rule_quantity: _screen_quantity,
    rule_price: _screen_price, rule_amount: _screen_amount, rule_dates: _screen_dates,
    rule_order_date: _screen_order_date, rule_shipped: _screen_shipped, rule_master_data: _screen_master_data,
    rule_currency: _screen_currency}


def check_lines(rows: Sequence[int], values: Mapping[str, Sequence[Any]], raw: Mapping[str, Sequence[Any]],
                errors: Mapping[int, Mapping[str, str]], ctx: Context) -> Iterator[tuple[int, int, Issue]]:
    """Every issue of a run of order lines given column by column — Excel rows `rows`, typed `values` and `raw`
    cell values by field, one per line, and each line's {field: error code} — as `check_row` finds them in
    each line's Row, in the same order, with the line's row and the position in RULES of the rule that found
    it. The rules' screens (SCREENS) pick the lines each may find something in, over whole columns; only those
    lines are made Rows and checked. Lines are noted as seen (duplicates) in every run given."""
    n = len(rows)
    suspects: set[int] = set(errors)  # rule_parse_errors
    for rule in RULES:
        screen = SCREENS.get(rule)
        if screen is not None:
            suspects.update(screen(values, rows, ctx))
        elif rule is not rule_parse_errors:
            suspects.update(range(n))
    fields, cols = list(values), ctx.table.columns
    for i in sorted(suspects):
        row = Row(row=rows[i], values={f: values[f][i] for f in fields},
                  raw={f: v for f in fields if not is_blank(v := raw[f][i])}, errors=errors.get(i, NOTHING), cols=cols)
        for k, rule in enumerate(RULES):
            for issue in rule(row, ctx):
                yield row.row, k, issue


class OrderDates:
    """The order dates of a sheet that streams, gathered as its lines go by (`add`): their median, which
    rule_order_date holds every line to, is known only at the end, and so are that rule's issues (`issues`).
    Per line with an order date: its row, its day and its raw value (an issue shows it)."""

    def __init__(self) -> None:
        self.rows, self.days = array("l"), array("l")
        self.raw: list[Any] = []

    def add(self, rows: Sequence[int], dates: Sequence[dt.date | None], raw: Sequence[Any]) -> None:
        dated = list(map(operator.is_not, dates, repeat(None)))
        self.rows.extend(compress(rows, dated))
        self.days.extend(map(dt.date.toordinal, cast("Iterator[dt.date]", compress(dates, dated))))
        self.raw.extend(compress(raw, dated))

    def median(self) -> dt.date | None:
        return order_dates_median(map(dt.date.fromordinal, self.days))

    def issues(self, ctx: Context) -> Iterator[tuple[int, int, Issue]]:
        """rule_order_date's issues, in row order, as `check_lines` gives them: `ctx` has the median."""
        median, k, cols = ctx.median_order_date, RULES.index(rule_order_date), ctx.table.columns
        if not median:
            return
        m = median.toordinal()
        for r, day, raw in zip(self.rows, self.days, self.raw):
            if abs(day - m) > ORDER_DATE_SPREAD:
                row = Row(row=r, values={"order_date": dt.date.fromordinal(day)}, raw={"order_date": raw}, cols=cols)
                for issue in rule_order_date(row, ctx):
                    yield r, k, issue


def order_dates_median(dates: Iterable[dt.date | None]) -> dt.date | None:
    """The median order date of a sheet (the lower middle one), what "far from the other orders" means."""
    known = sorted(d for d in dates if d)
    return median_low(known) if known else None


def make_context(orders: SheetLayout, *, customers: Table | None = None, products: Table | None = None,
                 lang: str | None = None, currencies: tuple[str, ...] = CURRENCIES,
                 median_order_date: dt.date | None = None) -> Context:
    """What the rules need besides each row: the sheet, the language, the master data, the median order date."""
    ctx = Context(table=orders, lang=lang or orders.lang, currencies=currencies, median_order_date=median_order_date)
    if customers is not None:
        ctx.customer_sheet = customers.sheet
        ctx.customers = {fold_key(r.values.get(f)) for r in customers.rows for f in ("code", "name")
                         if r.values.get(f)}
    if products is not None:
        ctx.product_sheet = products.sheet
        ctx.models = {fold_key(r.values.get("model")) for r in products.rows if r.values.get("model")}
    return ctx


def check_row(row: Row, ctx: Context) -> Iterator[Issue]:
    """Every issue of one row, in rule order."""
    for rule in RULES:
        yield from rule(row, ctx)


def check_orders(orders: Table, *, customers: Table | None = None, products: Table | None = None,
                 lang: str | None = None, currencies: tuple[str, ...] = CURRENCIES,
                 progress: Callable[[str, int, int | None], None] | None = None) -> Report:
    """Every issue of the orders table, in row order (and rule order within a row). `progress(stage, done,
    total)` hears how far the check is, every few thousand rows."""
    ctx = make_context(orders, customers=customers, products=products, lang=lang, currencies=currencies,
                       median_order_date=order_dates_median(r.values.get("order_date") for r in orders.rows))
    report = Report(rows=len(orders.rows), lang=ctx.lang)
    total = len(orders.rows)
    for i, row in enumerate(orders.rows):
        report.extend(check_row(row, ctx))
        if progress is not None and i % 5000 == 0:
            progress("check", i, total)
    if progress is not None:
        progress("check", total, total)
    return report


_UNSEEN: list[Any] = []  # StatusWords' marker for a word not looked up yet (its entry may be None)


class StatusWords:
    """The status words of a sheet that map to no stage, gathered as the rows go by (`add`), reported once
    each (`issues`) — never an error per row: the lines are still judged by their dates and quantities."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.found: dict[str, list[Any]] = {}  # folded word → [first cell, word, rows]
        self._known: dict[Any, list[Any] | None] = {}  # each word as typed → its entry (None: a stage's word)

    def add(self, cells: Iterable[tuple[str, Any]]) -> None:
        """(cell, word) of the status column."""
        found, stage_of = self.found, self.vocabulary.stage_of
        for cell, word in cells:
            if word is None or (isinstance(word, str) and not word.strip()) or stage_of(word) is not None:
                continue
            entry = found.setdefault(fold_key(word), [cell, word, 0])
            entry[2] += 1

    def add_column(self, rows: Iterable[int], words: Iterable[Any], col: int) -> None:
        """The words of the status column `col` (0-based) in Excel rows `rows`: each distinct word is looked
        up once, and a cell reference made only for a word seen first (a million lines have a dozen words)."""
        found, stage_of, known = self.found, self.vocabulary.stage_of, self._known
        for row, word in zip(rows, words):
            entry = known.get(word, _UNSEEN)
            if entry is _UNSEEN:
                entry = None
                if not (word is None or (isinstance(word, str) and not word.strip())) and stage_of(word) is None:
                    entry = found.setdefault(fold_key(word), [cell_ref(row, col), word, 0])
                known[word] = entry
            if entry is not None:
                entry[2] += 1

    def issues(self, *, sheet: str, lang: str, header_cell: str = "", dropdown: Iterable[Any] = ()) -> list[Issue]:
        """One warning per word, at its first cell (the header for a drop-down word no line uses yet), with
        the number of its rows and the gendan.toml line that fixes it; `dropdown` are the words of the
        column's drop-down list (the user's own vocabulary, reported even before anyone picks them)."""
        found = dict(self.found)
        for word in dropdown:
            if self.vocabulary.stage_of(word) is None:
                found.setdefault(fold_key(word), [header_cell, word, 0])
        stages = ", ".join(STAGES)
        return [make_issue("unknown-status", WARNING, sheet, cell, word, lang, rows=rows, stages=stages)
                for cell, word, rows in found.values()]


def check_status_words(cells: Iterable[tuple[str, Any]], vocabulary: Vocabulary, *, sheet: str, lang: str,
                       header_cell: str = "", dropdown: Iterable[Any] = ()) -> list[Issue]:
    """One warning per distinct status word that maps to no stage (see `StatusWords`): `cells` are (cell,
    word) of the status column, `dropdown` the words of its drop-down list."""
    words = StatusWords(vocabulary)
    words.add(cells)
    return words.issues(sheet=sheet, lang=lang, header_cell=header_cell, dropdown=dropdown)
