"""Validation of the master order workbook: every problem, at its cell, as data.

Each rule is a function `(row, ctx) -> Iterator[Issue]` listed in RULES; rules never raise on bad data.
A new rule costs one function here, one entry in messages.MESSAGES, one row in a fixture and one test.

Decisions a merchandiser would expect:
- An order may have several lines (one per model), so a *duplicate* is the same order number with the same
  model twice; the second line is reported and names the first.
- "Absurdly far" dates (typo years): a milestone date more than 400 days before or 3 years after its order
  date; an order date more than two years from the median order date of the sheet.
- Amounts are compared with quantity × unit price to the cent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median_low
from typing import Any, Callable, Iterable, Iterator

from gendan_xl.errors import ERROR, WARNING, Issue, Report
from gendan_xl.messages import make_issue
from gendan_xl.schema import CURRENCIES, STAGES, Vocabulary, fold_key, normalize_currency
from gendan_xl.sheet_data import Row, Table

CENT = Decimal("0.01")
MILESTONE_FIELDS = ("customer_due_date", "factory_due_date", "material_date", "production_date", "finish_date",
                    "inspection_date", "ship_date")


@dataclass
class Context:
    """What a rule needs besides its row: the sheet, the language and the master data."""

    table: Table
    lang: str
    customers: set[str] | None = None  # normalized customer codes and names; None when there is no 客户 sheet
    customer_sheet: str = "客户"
    models: set[str] | None = None
    product_sheet: str = "产品"
    currencies: tuple[str, ...] = CURRENCIES
    median_order_date: dt.date | None = None
    seen: dict[tuple[str, str], str] = field(default_factory=dict)  # (order_no, model) → first cell

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
    key = (fold_key(order_no), fold_key(model))
    first = ctx.seen.get(key)
    if first is None:
        ctx.seen[key] = f"{ctx.table.sheet}!{row.ref('order_no')}"
    else:
        yield ctx.issue("duplicate-order", row, "order_no", model=model or "", other=first)


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
    if None in (qty, price, amount):
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
        if d is not None and not (-400 <= (d - order_date).days <= 3 * 366):
            yield ctx.issue("date-out-of-range", row, f, order_date=order_date)
    if ctx.median_order_date and abs((order_date - ctx.median_order_date).days) > 2 * 366:
        yield ctx.issue("order-date-out-of-range", row, "order_date")


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
                           rule_dates, rule_shipped, rule_master_data, rule_currency)


def check_orders(orders: Table, *, customers: Table | None = None, products: Table | None = None,
                 lang: str | None = None, currencies: tuple[str, ...] = CURRENCIES,
                 progress: Callable[[str, int, int | None], None] | None = None) -> Report:
    """Every issue of the orders table, in row order (and rule order within a row). `progress(stage, done,
    total)` hears how far the check is, every few thousand rows."""
    lang = lang or orders.lang
    order_dates = sorted(r.values["order_date"] for r in orders.rows if r.values.get("order_date"))
    ctx = Context(
        table=orders, lang=lang, currencies=currencies,
        median_order_date=median_low(order_dates) if order_dates else None,
    )
    if customers is not None:
        ctx.customer_sheet = customers.sheet
        ctx.customers = {fold_key(r.values.get(f)) for r in customers.rows for f in ("code", "name")
                         if r.values.get(f)}
    if products is not None:
        ctx.product_sheet = products.sheet
        ctx.models = {fold_key(r.values.get("model")) for r in products.rows if r.values.get("model")}
    report = Report(rows=len(orders.rows), lang=lang)
    total = len(orders.rows)
    for i, row in enumerate(orders.rows):
        for rule in RULES:
            report.extend(rule(row, ctx))
        if progress is not None and i % 5000 == 0:
            progress("check", i, total)
    if progress is not None:
        progress("check", total, total)
    return report


def check_status_words(words: Iterable[tuple[str, Any, int]], vocabulary: Vocabulary, *, sheet: str, lang: str,
                       header_cell: str = "", dropdown: Iterable[Any] = ()) -> list[Issue]:
    """One warning per distinct status word that maps to no stage — never an error per row: the lines are
    still judged by their dates and quantities. `words` are (first cell, word, rows) of each word of the status
    column (see `status_word_counts`); `dropdown` the words of its drop-down list (the user's own vocabulary,
    reported even before anyone picks them). Each warning points at the word's first cell (the header for a
    drop-down word no line uses yet), counts its rows and gives the gendan.toml line that fixes it."""
    found: dict[str, list[Any]] = {}
    for cell, word, rows in words:
        if vocabulary.stage_of(word) is None:
            entry = found.setdefault(fold_key(word), [cell, word, 0])  # spellings that fold alike are one word
            entry[2] += rows
    for word in dropdown:
        if vocabulary.stage_of(word) is None:
            found.setdefault(fold_key(word), [header_cell, word, 0])
    stages = ", ".join(STAGES)
    return [make_issue("unknown-status", WARNING, sheet, cell, word, lang, rows=rows, stages=stages)
            for cell, word, rows in found.values()]


def status_word_counts(words: Iterable[Any]) -> list[tuple[int, Any, int]]:
    """(index of the first line, word, lines) of each distinct non-blank word, in order of first use: one
    cheap pass over a million lines, so only the few distinct words are looked up and located."""
    first: dict[Any, list[int]] = {}
    for i, word in enumerate(words):
        if word is None:
            continue
        entry = first.get(word)
        if entry is None:
            if isinstance(word, str) and not word.strip():
                continue
            first[word] = [i, 1]
        else:
            entry[1] += 1
    return [(i, word, n) for word, (i, n) in first.items()]
