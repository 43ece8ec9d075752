"""Validation of the master order workbook: every problem, at its cell, as data.

Each rule is a function `(row, ctx) -> Iterator[Issue]` listed in RULES; rules never raise on bad data.
A new rule costs one function here, one entry in messages.MESSAGES, one row in a fixture and one test.
A rule may also have a screen (SCREENS): the lines of a chunk it may find something in, picked over whole
columns (numpy), so that a million clean lines are not made a million Rows (`check_lines`, what validate
--json runs; `check_orders`, plain validate's, over a table's columns); a rule runs only on the lines its
screen picks, and a rule without one on every line. A screen may pick too many lines, never too few.

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
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, repeat
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, cast

import numpy as np

from gendan_xl.errors import ERROR, WARNING, Issue, Report
from gendan_xl.messages import make_issue
from gendan_xl.schema import CURRENCIES, STAGES, Vocabulary, fold_key, fold_keys, normalize_currency, status_key
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


_CENTS_UP_TO = 24  # the exponent under which a product is rounded to the cent


def rule_amount(row: Row, ctx: Context) -> Iterator[Issue]:
    qty, price, amount = (row.values.get(f) for f in ("quantity", "unit_price", "amount"))
    if qty is None or price is None or amount is None:
        return
    product = Decimal(qty) * Decimal(price)
    if not product.is_finite():  # (an infinity given through the API: nothing to compare)
        return
    # A cell holds 15 significant digits: beyond 10^13 an amount has no cents to compare (Excel's own product
    # differs from the exact one there), and rounding it to the cent would pass Decimal's 28 digits.
    expected = product.quantize(CENT) if product.adjusted() < _CENTS_UP_TO else product
    if abs(Decimal(amount) - expected) > max(CENT, abs(product).scaleb(-15)):
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


class Lines:
    """A run of order lines column by column, as the screens read it: each field's typed `values` (one per line,
    None when blank) and, when given, its `raw` cell values; and — worked out once per run, in C loops — which
    are filled in, the numbers as floats and the dates as day numbers."""

    def __init__(self, values: Mapping[str, Sequence[Any]], rows: Sequence[int],
                 raw: Mapping[str, Sequence[Any]] | None = None):
        self.values, self.rows, self.raw, self.n = values, rows, raw or {}, len(rows)
        self._filled: dict[str, np.ndarray] = {}
        self._floats: dict[str, np.ndarray | None] = {}
        self._days: dict[str, np.ndarray] = {}

    def filled(self, f: str) -> np.ndarray:
        """Which lines have a value for `f` (none when the run has no such field)."""
        out = self._filled.get(f)
        if out is None:
            col = self.values.get(f)
            out = self._filled[f] = (np.zeros(self.n, bool) if col is None
                                     else np.fromiter(map(operator.is_not, col, repeat(None)), bool, self.n))
        return out

    def floats(self, f: str) -> np.ndarray | None:
        """`f`'s numbers as floats, NaN where blank (the reader types no number NaN); None when one is too big
        for a float (its screen then picks every line that has it)."""
        if f not in self._floats:
            raw = self.raw.get(f)
            try:
                if raw is not None and set(map(type, raw)) <= _FLOAT_CELLS:
                    # a number cell's typed value is its float's Decimal or int (values.type_value): the float
                    # itself, sooner than from the Decimal
                    x = np.array(raw, dtype=float)
                    x[~self.filled(f)] = np.nan
                else:
                    x = np.array(self.values[f], dtype=float)  # (None → NaN)
            except OverflowError:
                x = None
            self._floats[f] = x
        return self._floats[f]

    def days(self, f: str) -> np.ndarray:
        """`f`'s dates as day numbers (`date.toordinal`, from 1), 0 where blank: each distinct date once."""
        out = self._days.get(f)
        if out is None:
            col = self.values[f]
            ordinal = {d: d.toordinal() for d in set(col) if d is not None}
            out = self._days[f] = np.zeros(self.n, np.int64)
            if ordinal:
                ordinal[None] = 0
                out[:] = np.fromiter(map(ordinal.__getitem__, col), np.int64, self.n)
        return out


_FLOAT_CELLS = {float, type(None)}
Screen = Callable[[Lines, "Context"], "np.ndarray | None"]  # which lines to check (None: not one)
_CLOSE, _EXACT_BELOW = 0.004, 1e12  # rule_amount's screen: see _screen_amount


def _screen_missing(lines: Lines, ctx: "Context") -> np.ndarray:
    # a blank cell is typed None (so is a bad one: the rule looks at the raw value and the errors)
    cols = ctx.table.columns
    out = np.zeros(lines.n, bool)
    for f in MUST_FILL:
        if f in cols:
            out |= ~lines.filled(f)
    dues = [~lines.filled(f) for f in DUE_FIELDS if f in cols]
    return out | np.logical_and.reduce(dues) if dues else out


def _screen_duplicate(lines: Lines, ctx: "Context") -> np.ndarray | None:
    # every line with an order number is noted here, in row order; the rule then finds it noted
    order_nos = lines.values.get("order_no")
    if order_nos is None:
        return None
    n, rows = lines.n, lines.rows
    models = lines.values.get("model") or [None] * n
    numbered = np.fromiter(map(bool, order_nos), bool, n)
    at: Any = slice(None)
    if not numbered.all():
        at = np.flatnonzero(numbered)
        order_nos, models, rows = ([col[i] for i in at.tolist()] for col in (order_nos, models, rows))
    firsts = np.fromiter(map(ctx.seen.setdefault, _line_keys(order_nos, models), rows), np.int64, len(rows))
    out = np.zeros(n, bool)
    out[at] = firsts != np.asarray(rows, np.int64)
    return out


def _line_keys(order_nos: Sequence[Any], models: Sequence[Any]) -> list[str]:
    """`_line_key` of each line's order number and model, folded a column at a time (`fold_keys`)."""
    return list(map(_line_key, fold_keys(list(order_nos)), fold_keys(list(map({None: ""}.get, models, models)))))


def _at_most_zero(lines: Lines, f: str) -> np.ndarray | None:
    # (a float is 0 or below whenever its number is: a number too small for a float reads 0 and is picked)
    if f not in lines.values:
        return None
    x = lines.floats(f)
    return lines.filled(f) if x is None else x <= 0


def _screen_quantity(lines: Lines, ctx: "Context") -> np.ndarray | None:
    return _at_most_zero(lines, "quantity")


def _screen_price(lines: Lines, ctx: "Context") -> np.ndarray | None:
    return _at_most_zero(lines, "unit_price")


def _screen_amount(lines: Lines, ctx: "Context") -> np.ndarray | None:
    # In floats: within _CLOSE of quantity × price (rounding error below 0.0005 under _EXACT_BELOW), an amount is
    # within half a cent of the product, so within a cent of it rounded to the cent: no mismatch. Any other
    # line (infinity, a number too big for a float) the rule judges in Decimal.
    fields = ("quantity", "unit_price", "amount")
    if any(f not in lines.values for f in fields):
        return None
    q, p, a = map(lines.floats, fields)
    if q is None or p is None or a is None:
        return lines.filled("quantity") & lines.filled("unit_price") & lines.filled("amount")
    with np.errstate(invalid="ignore", over="ignore"):
        close = (np.abs(a - q * p) <= _CLOSE) & (np.abs(a) < _EXACT_BELOW)
    return ~(close | np.isnan(q) | np.isnan(p) | np.isnan(a))


def _screen_dates(lines: Lines, ctx: "Context") -> np.ndarray | None:
    # a milestone before its order date, or more than MILESTONE_AFTER days after it
    if "order_date" not in lines.values:
        return None
    o = lines.days("order_date")
    out = np.zeros(lines.n, bool)
    for f in MILESTONE_FIELDS:
        if f in lines.values:
            d = lines.days(f)
            out |= (d > 0) & ((d < o) | (d > o + MILESTONE_AFTER))
    return out & (o > 0)


def _screen_order_date(lines: Lines, ctx: "Context") -> np.ndarray | None:
    median = ctx.median_order_date
    if not median or "order_date" not in lines.values:
        return None
    o = lines.days("order_date")
    return (o > 0) & (np.abs(o - median.toordinal()) > ORDER_DATE_SPREAD)


def _screen_shipped(lines: Lines, ctx: "Context") -> np.ndarray | None:
    if "quantity" not in lines.values or "shipped_qty" not in lines.values:
        return None
    q, s = lines.floats("quantity"), lines.floats("shipped_qty")
    if q is None or s is None:
        return lines.filled("quantity") & lines.filled("shipped_qty")
    out = s > q
    # equal as floats (every line shipped in full) need not be equal as numbers (big or long ones): asked exactly
    qty, shipped = lines.values["quantity"], lines.values["shipped_qty"]
    out[[i for i in np.flatnonzero(s == q).tolist() if shipped[i] > qty[i]]] = True
    return out


def _unknown(lines: Lines, f: str, known: Callable[[Any], bool]) -> np.ndarray | None:
    """The lines whose value of `f` is filled in and not `known`, each distinct value looked up once."""
    values = lines.values.get(f)
    if not values:
        return None
    unknown = {v for v in set(values) if v and not known(v)}
    return np.fromiter(map(unknown.__contains__, values), bool, lines.n) if unknown else None


def _screen_master_data(lines: Lines, ctx: "Context") -> np.ndarray | None:
    out = None
    for f, known in (("customer", ctx.customers), ("model", ctx.models)):
        if known is not None:
            found = _unknown(lines, f, lambda v: fold_key(v) in known)
            out = found if out is None else out if found is None else out | found
    return out


def _screen_currency(lines: Lines, ctx: "Context") -> np.ndarray | None:
    return _unknown(lines, "currency", lambda v: normalize_currency(v) in ctx.currencies)


# A rule without a screen is run on every line.
SCREENS: dict[Rule, Screen] = {
    rule_missing: _screen_missing, rule_duplicate: _screen_duplicate, rule_quantity: _screen_quantity,
    rule_price: _screen_price, rule_amount: _screen_amount, rule_dates: _screen_dates,
    rule_order_date: _screen_order_date, rule_shipped: _screen_shipped, rule_master_data: _screen_master_data,
    rule_currency: _screen_currency}


def suspect_lines(lines: Lines, errors: Iterable[int],
                  ctx: Context) -> Iterator[tuple[int, tuple[tuple[int, Rule], ...]]]:
    """Which of a run of order lines, given column by column (`lines`) with the lines that have an error
    (`errors`), some rule may find something in, and which rules (with their places in RULES): those whose
    screens (SCREENS) pick the line over whole columns, and a rule without one on every line. Notes the lines
    as seen (duplicates), so each run is asked once, in row order."""
    picked = np.zeros(lines.n, np.int64)  # bit k: RULES[k] may find something
    for k, rule in enumerate(RULES):
        found: np.ndarray | None
        if rule is rule_parse_errors:
            found = np.zeros(lines.n, bool)
            found[list(errors)] = True
        elif rule in SCREENS:
            found = SCREENS[rule](lines, ctx)
        else:
            found = np.ones(lines.n, bool)
        if found is not None:
            picked |= found.astype(np.int64) << k
    at = np.flatnonzero(picked)
    rules: dict[int, tuple[tuple[int, Rule], ...]] = {}
    for i, bits in zip(at.tolist(), picked[at].tolist()):
        which = rules.get(bits)
        if which is None:
            which = rules[bits] = tuple((k, rule) for k, rule in enumerate(RULES) if bits >> k & 1)
        yield i, which


def check_lines(rows: Sequence[int], values: Mapping[str, Sequence[Any]], raw: Mapping[str, Sequence[Any]],
                errors: Mapping[int, Mapping[str, str]], ctx: Context) -> Iterator[tuple[int, int, Issue]]:
    """Every issue of a run of order lines given column by column — Excel rows `rows`, typed `values` and `raw`
    cell values by field, one per line, and each line's {field: error code} — as `check_row` finds them in
    each line's Row, in the same order, with the line's row and the position in RULES of the rule that found
    it. Only the lines `suspect_lines` picks are made Rows, and checked by the rules that picked them. Lines
    are noted as seen (duplicates) in every run given."""
    fields, cols = list(values), ctx.table.columns
    typed, cells = [values[f] for f in fields], [raw[f] for f in fields]
    for i, rules in suspect_lines(Lines(values, rows, raw), errors, ctx):
        at = operator.itemgetter(i)  # (a flagged line's Row: its values taken in C loops)
        row = Row(row=rows[i], values=dict(zip(fields, map(at, typed))),
                  raw={f: v for f, v in zip(fields, map(at, cells)) if v is not None and not is_blank(v)},
                  errors=errors.get(i, NOTHING), cols=cols)
        for k, rule in rules:
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
        return _median(np.asarray(self.days, np.int64))

    def issues(self, ctx: Context) -> Iterator[tuple[int, int, Issue]]:
        """rule_order_date's issues, in row order, as `check_lines` gives them: `ctx` has the median."""
        median, k, cols = ctx.median_order_date, RULES.index(rule_order_date), ctx.table.columns
        if not median:
            return
        far = np.abs(np.asarray(self.days, np.int64) - median.toordinal()) > ORDER_DATE_SPREAD
        for i in np.flatnonzero(far).tolist():
            r, raw = self.rows[i], self.raw[i]
            row = Row(row=r, values={"order_date": dt.date.fromordinal(self.days[i])}, raw={"order_date": raw},
                      cols=cols)
            for issue in rule_order_date(row, ctx):
                yield r, k, issue


def _median(days: np.ndarray) -> dt.date | None:
    """The median order date of a sheet (the lower middle one, as `statistics.median_low`), what "far from the
    other orders" means, of dates given as day numbers (0: none), in C."""
    known = days[days > 0]
    if not len(known):
        return None
    k = (len(known) - 1) // 2  # median_low's
    return dt.date.fromordinal(int(np.partition(known, k)[k]))


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
    total)` hears how far the check is."""
    rows = orders.rows
    # the rules' screens over the table's columns (see `suspect_lines`): the rules run on the lines they pick
    lines = Lines(_columns(rows, list(orders.columns)), [r.row for r in rows])
    median = _median(lines.days("order_date")) if "order_date" in lines.values else None
    ctx = make_context(orders, customers=customers, products=products, lang=lang, currencies=currencies,
                       median_order_date=median)
    report = Report(rows=len(rows), lang=ctx.lang)
    if progress is not None:
        progress("check", 0, len(rows))
    for i, rules in suspect_lines(lines, [i for i, r in enumerate(rows) if r.errors], ctx):
        report.extend(issue for _, rule in rules for issue in rule(rows[i], ctx))
    if progress is not None:
        progress("check", len(rows), len(rows))
    return report


def _columns(rows: Sequence[Row], fields: list[str]) -> dict[str, list[Any]]:
    """The typed values of `fields` in `rows`, a column each: in C loops from rows that hold every field (a
    table read from a sheet: blank is None), else one by one. (A tuple per row would cost more: the garbage
    collector walks the whole table as they are made.)"""
    values = [r.values for r in rows]
    try:
        return {f: list(map(operator.itemgetter(f), values)) for f in fields}
    except KeyError:
        return {f: [v.get(f) for v in values] for f in fields}


_UNSEEN: list[Any] = []  # StatusWords' marker for a word not looked up yet (its entry may be None)


class StatusWords:
    """The status words of a sheet that map to no stage, gathered as the rows go by (`add`), reported once
    each (`issues`) — never an error per row: the lines are still judged by their dates and quantities."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.found: dict[str, list[Any]] = {}  # folded word → [first cell, word, rows]
        self._known: dict[Any, list[Any] | None] = {}  # each word as typed → its entry (None: a stage's word)

    def add(self, cells: Iterable[tuple[str, Any]]) -> None:
        """(cell, word) of the status column: each distinct text looked up once (any other value each time)."""
        found, stage_of = self.found, self.vocabulary.stage_of
        folded: dict[str, str | None] = {}  # text → its folded key (None: blank or a stage's word)
        for cell, word in cells:
            if type(word) is str and word in folded:
                key = folded[word]
            else:
                key = None
                if not (word is None or (isinstance(word, str) and not word.strip()) or stage_of(word) is not None):
                    key = status_key(word)
                if type(word) is str:
                    folded[word] = key
            if key is not None:
                entry = found.setdefault(key, [cell, word, 0])
                entry[2] += 1

    def add_column(self, rows: Sequence[int], words: Sequence[Any], col: int) -> None:
        """The words of the status column `col` (0-based) in Excel rows `rows`: each distinct word is counted
        and looked up once, and a cell reference made only for a word seen first (a million lines have a dozen
        words). As cell by cell (`add`), a number and a TRUE are other words: 1, 1.0 and True are one dict key,
        so a word that is no text is counted by its type too (a TRUE was counted as the 1 before it)."""
        found, stage_of, known = self.found, self.vocabulary.stage_of, self._known
        keys: Sequence[Any] = words
        counts = Counter(words)  # (in the order each word first comes)
        if not all(w.__class__ is str or w is None for w in counts):
            keys = [w if w.__class__ is str or w is None else (w.__class__, w) for w in words]
            counts = Counter(keys)
        first: dict[Any, int] | None = None  # each word's first index, made once if a word is unknown
        for key, n in counts.items():
            entry = known.get(key, _UNSEEN)
            if entry is _UNSEEN:
                entry = None
                word = key[1] if key.__class__ is tuple else key
                if not (word is None or (isinstance(word, str) and not word.strip())) and stage_of(word) is None:
                    if first is None:  # (words.index per word: a column of free text took minutes)
                        first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))
                    entry = found.setdefault(status_key(word), [cell_ref(rows[first[key]], col), word, 0])
                known[key] = entry
            if entry is not None:
                entry[2] += n

    def issues(self, *, sheet: str, lang: str, header_cell: str = "", dropdown: Iterable[Any] = ()) -> list[Issue]:
        """One warning per word, at its first cell (the header for a drop-down word no line uses yet), with
        the number of its rows and the gendan.toml line that fixes it; `dropdown` are the words of the
        column's drop-down list (the user's own vocabulary, reported even before anyone picks them)."""
        found = dict(self.found)
        for word in dropdown:
            if self.vocabulary.stage_of(word) is None:
                found.setdefault(status_key(word), [header_cell, word, 0])
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
