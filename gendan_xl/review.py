"""Order review (订单评审 / 验签订单): check each new order line before it is signed.

`review_orders(lines, today=…, calendar=…, products=…, customers=…, quotes=…, open_balances=…)` is pure: it
reads no file, clock or config. Reading the master workbook and writing the review sheet is
`books.order_review.review_workbook`; mailing each merchandiser their lines is `delivery.notices`.

Every line gets one reason per check, even when the check passes, so the sheet shows what was checked:

=========  =====================================================================================================
check      what and how
=========  =====================================================================================================
customer   the line names a customer of the 客户 sheet (by code or name) and has a model and a quantity.
delivery   the earliest feasible date, planned *forward* from today through the working-day calendar with the
           product's standard lead times: material, production, inspection and packing give the earliest
           ex-factory (ship) date; shipping days on top give the earliest due date, which is what 客户交期 is
           compared with — the same convention `status` uses when it plans backwards from a due date, so a
           line accepted here is not "short" in `status` on the same day. Today itself is never counted
           (`add_workdays`). When the requested date is earlier, the earliest due date is the date to promise.
price      against the latest valid quote in the quote log for that customer, model and quantity tier. *Valid*
           means made on or before the order date and valid until at least the order date (the customer
           ordered while the quote stood; today when the order date is blank). *Latest* is the valid quote
           with the latest date (then the highest number); a newer quote replaces an older one entirely, and
           its tier is the largest tier quantity not above the ordered quantity (1,000 / 5,000 / 10,000:
           7,000 pcs take the 5,000 price).
credit     the customer's open balance (statement closing balance on today, from 期初/出货/退货/收款) plus the
           orders already reviewed in this run and not rejected (row order) plus this order, against the
           credit limit in 客户. Amounts are compared in the customer's currency only.
terms      the order's currency against the customer's (blank = the customer's), and the order's payment terms
           against the customer's when the orders sheet has a 付款条件 / Payment Terms column.
quantity   the quantity against the product's MOQ (最小起订量).
=========  =====================================================================================================

**Which reasons reject and which add a condition.** A *reject* is something the merchandiser cannot sign
away: an unknown customer or model, a line without quantity, a price below the valid quote, or exceeding
the credit limit (finance must release it). A *condition* is something that can be agreed: a later
delivery date (promise the earliest due date), no valid quote (re-quote or sales confirms the price), a
quantity below the smallest quoted tier or below MOQ (surcharge or more quantity), another currency or other
payment terms than the customer master, no credit limit on file, no lead times for the model. The verdict
is `reject` when any reason rejects, else `accept_with_conditions` when any adds a condition, else `accept`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from gendan_xl import defaults
from gendan_xl.customers import Customer
from gendan_xl.errors import Issue
from gendan_xl.jsondoc import money, unit_money
from gendan_xl.i18n import say
from gendan_xl.i18n.documents import REVIEW, REVIEW_REASONS
from gendan_xl.orders import Order
from gendan_xl.plaintext import text_table
from gendan_xl.pricing import Quote
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary, fold_key, normalize_currency
from gendan_xl.statement import parse_terms
from gendan_xl.status import LeadTimes
from gendan_xl.workdays import WorkCalendar

__all__ = [
    "VERDICTS", "CHECKS", "REASON_KINDS", "Product", "Reason", "LineReview", "Review",
    "products_from_rows", "find_quote", "review_orders", "is_new",
]

ACCEPT, CONDITIONS, REJECT = "accept", "accept_with_conditions", "reject"
VERDICTS = (ACCEPT, CONDITIONS, REJECT)
CHECKS = ("customer", "delivery", "price", "credit", "terms", "quantity")
# Reason levels, mildest first: "ok" and "note" leave the verdict alone.
OK, NOTE, CONDITION, REJECTS = "ok", "note", "condition", "reject"


REASON_KINDS: dict[str, tuple[str, str]] = {  # code → (check, level); the words: i18n REVIEW_REASONS
    'customer-ok': ('customer', 'ok'),
    'unknown-customer': ('customer', 'reject'),
    'incomplete-line': ('customer', 'reject'),
    'no-customer-master': ('customer', 'condition'),
    'delivery-ok': ('delivery', 'ok'),
    'delivery-late': ('delivery', 'condition'),
    'delivery-no-due': ('delivery', 'condition'),
    'unknown-model': ('delivery', 'reject'),
    'no-lead-times': ('delivery', 'condition'),
    'no-product-master': ('delivery', 'condition'),
    'price-match': ('price', 'ok'),
    'price-above-quote': ('price', 'note'),
    'price-below-quote': ('price', 'reject'),
    'price-no-quote': ('price', 'condition'),
    'price-quote-expired': ('price', 'condition'),
    'price-below-tier': ('price', 'condition'),
    'price-other-currency': ('price', 'condition'),
    'price-missing': ('price', 'condition'),
    'credit-ok': ('credit', 'ok'),
    'credit-over-limit': ('credit', 'reject'),
    'credit-no-limit': ('credit', 'condition'),
    'credit-other-currency': ('credit', 'condition'),
    'credit-no-amount': ('credit', 'condition'),
    'terms-ok': ('terms', 'ok'),
    'currency-mismatch': ('terms', 'condition'),
    'terms-mismatch': ('terms', 'condition'),
    'moq-ok': ('quantity', 'ok'),
    'no-moq': ('quantity', 'ok'),
    'below-moq': ('quantity', 'condition'),
}

_LEVEL_RANK = {OK: 0, NOTE: 1, CONDITION: 2, REJECTS: 3}
_SEP = {"zh": "；", "en": "; "}
ZERO = Decimal(0)
# How a payment-terms column is titled in an orders sheet (not in schema.ORDERS: few sheets have one).
_TERMS_HEADERS = {fold_key(h) for h in ("付款条件", "付款方式", "账期", "Payment Terms", "Terms")}


def text(key: str, lang: str = "zh", **fields: Any) -> str:
    return say(REVIEW, key, lang, **fields)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _price(value: Decimal) -> str:
    """12.5 → 12.50, 8.3406 → 8.3406: as a price list writes it."""
    q = value.normalize()
    return f"{value:.2f}" if q.as_tuple().exponent >= -2 else f"{q:f}"


def _qty(value: int) -> str:
    return f"{value:,}"


_MONEY_PARAMS = {"limit", "balance", "amount", "exposure", "headroom", "over"}
_PRICE_PARAMS = {"price", "quote", "diff"}
_QTY_PARAMS = {"quantity", "tier", "moq"}


def _show(name: str, value: Any, lang: str) -> Any:
    """A reason's parameter as its message writes it: params stay typed values, so tests compare them."""
    if name == "earlier":  # the orders of this run already counted against the credit limit
        return text("earlier", lang, pending=_money(value)) if value else ""
    if name == "fields":
        return ("、" if lang == "zh" else ", ").join(text(f"fields.{f}", lang) for f in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if name in _MONEY_PARAMS and isinstance(value, Decimal):
        return _money(value)
    if name in _PRICE_PARAMS and isinstance(value, Decimal):
        return _price(value)
    if name in _QTY_PARAMS and isinstance(value, int):
        return _qty(value)
    return value


# -------------------------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Product:
    model: str
    lead_times: LeadTimes | None = None
    moq: int | None = None


def products_from_rows(rows: Iterable[Any]) -> dict[str, Product]:
    """{model: Product} from the 产品 sheet's rows (the first row of a model wins)."""
    out: dict[str, Product] = {}
    for row in rows:
        v = row.values
        model = v.get("model")
        if model in (None, "") or fold_key(model) in out:
            continue
        moq = v.get("moq")
        out[fold_key(model)] = Product(str(model), LeadTimes.from_values(v), int(moq) if moq else None)
    return out


def _customer_index(customers: Mapping[str, Customer]) -> dict[str, Customer]:
    index: dict[str, Customer] = {}
    for c in customers.values():
        for k in (fold_key(c.code), fold_key(c.name)):
            if k:
                index.setdefault(k, c)
    return index


def find_quote(quotes: Iterable[Quote], *, customer: Customer | str, model: str, quantity: int,
               on: dt.date) -> tuple[str, Quote | None]:
    """The quote that prices `quantity` of `model` for `customer` on `on`, and how it was found.

    Returns ("found", tier), ("below_tier", the smallest tier of the latest valid quote), ("expired", the
    last quote that ran out) or ("none", None). The customer matches the log by code or name.
    """
    names = {fold_key(customer.code), fold_key(customer.name)} - {""} if isinstance(customer, Customer) else {fold_key(customer)}
    mine = [q for q in quotes if fold_key(q.customer) in names and fold_key(q.model) == fold_key(model) and q.date <= on]
    if not mine:
        return "none", None
    valid = [q for q in mine if q.valid_until >= on]
    if not valid:
        return "expired", max(mine, key=lambda q: (q.valid_until, q.date, q.quote_no))
    latest = max((q.date, q.quote_no) for q in valid)
    tiers = sorted((q for q in valid if (q.date, q.quote_no) == latest), key=lambda q: q.tier_qty)
    fit = [q for q in tiers if q.tier_qty <= quantity]
    return ("found", fit[-1]) if fit else ("below_tier", tiers[0])


def is_new(order: Order, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> bool:
    """Whether an order line waits for review: its 状态 is a word of the `new` stage (新单 / 待评审 / new …, or one
    the user mapped there in [statuses])."""
    return vocabulary.stage_of(order.status) == "new"


# -------------------------------------------------------------------------------------------- result

@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def check(self) -> str:
        return REASON_KINDS[self.code][0]

    @property
    def level(self) -> str:
        return REASON_KINDS[self.code][1]

    def message(self, lang: str = "zh") -> str:
        return say(REVIEW_REASONS, self.code, lang, **{k: _show(k, v, lang) for k, v in self.params.items()})

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"check": self.check, "code": self.code, "level": self.level, "message": self.message(lang)}


@dataclass
class LineReview:
    """The review of one order line: its verdict and every reason, in CHECKS order."""

    row: int
    order_no: Any
    customer: Any
    model: Any
    quantity: int | None
    unit_price: Decimal | None
    currency: str
    amount: Decimal | None
    order_date: dt.date | None
    due_date: dt.date | None
    merchandiser: Any
    reasons: list[Reason] = field(default_factory=list)
    earliest_ship_date: dt.date | None = None  # ex-factory
    earliest_due_date: dt.date | None = None  # comparable with 客户交期
    quote: Quote | None = None

    @property
    def verdict(self) -> str:
        worst = max((_LEVEL_RANK[r.level] for r in self.reasons), default=0)
        return REJECT if worst == 3 else CONDITIONS if worst == 2 else ACCEPT

    @property
    def promise_date(self) -> dt.date | None:
        """The date to promise: the requested one when feasible, else the earliest due date."""
        if self.earliest_due_date is None:
            return None
        if self.due_date is not None and self.due_date >= self.earliest_due_date:
            return self.due_date
        return self.earliest_due_date

    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def label(self, lang: str = "zh") -> str:
        return text(f"verdict.{self.verdict}", lang)

    def explain(self, lang: str = "zh", levels: Sequence[str] = (CONDITION, REJECTS)) -> str:
        """The reasons of the given levels in one line (what the summary table shows)."""
        return _SEP.get(lang, "; ").join(r.message(lang) for r in self.reasons if r.level in levels)

    def check_summary(self, check: str, lang: str = "zh") -> tuple[str, str]:
        """One check's reasons: the worst level and their messages in one line (a cell of the review sheet)."""
        mine = [r for r in self.reasons if r.check == check]
        worst = max((r.level for r in mine), key=_LEVEL_RANK.__getitem__, default=OK)
        return worst, _SEP.get(lang, "; ").join(r.message(lang) for r in mine)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "row": self.row, "order_no": self.order_no, "customer": self.customer, "model": self.model,
            "quantity": self.quantity, "unit_price": unit_money(self.unit_price), "currency": self.currency,
            "amount": money(self.amount), "order_date": _iso(self.order_date), "due_date": _iso(self.due_date),
            "merchandiser": self.merchandiser, "verdict": self.verdict, "verdict_label": self.label(lang),
            "earliest_ship_date": _iso(self.earliest_ship_date), "earliest_due_date": _iso(self.earliest_due_date),
            "promise_date": _iso(self.promise_date),
            "quote_no": self.quote.quote_no if self.quote else None,
            "quote_price": unit_money(self.quote.price) if self.quote else None,
            "reasons": [r.to_dict(lang) for r in self.reasons],
        }


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass
class Review:
    today: dt.date
    lines: list[LineReview]
    issues: list[Issue] = field(default_factory=list)
    years: frozenset[int] = frozenset()  # calendar years the delivery plans touched
    path: Path | None = None  # the sidecar workbook, once written
    source: str = ""  # the workbook(s) reviewed, as the review form's title names them
    sign_off: tuple[str, ...] = defaults.REVIEW_SIGN_OFF  # the departments that sign the review form

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(VERDICTS, 0)
        for line in self.lines:
            out[line.verdict] += 1
        return out

    @property
    def ok(self) -> bool:
        """No line rejected (the CLI exits 1 otherwise)."""
        return not any(line.verdict == REJECT for line in self.lines)

    def summary(self, lang: str = "zh") -> str:
        if not self.lines:
            return text("nothing", lang)
        c = self.counts
        return text("summary", lang, n=len(self.lines), accept=c[ACCEPT], conditions=c[CONDITIONS], reject=c[REJECT])

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"today": self.today.isoformat(), "ok": self.ok, "counts": self.counts,
                "lines": [line.to_dict(lang) for line in self.lines],
                "issues": [i.to_dict() for i in self.issues], "path": str(self.path) if self.path else None}

    def to_text(self, lang: str = "zh") -> str:
        """A table of the lines (verdict, promise date and the reasons that matter), then a summary."""
        out = []
        if self.lines:
            rows = [tuple(text(f"col.{k}", lang) for k in ("row", "order_no", "customer", "model", "quantity",
                                                            "verdict", "promise", "message"))]
            for line in self.lines:
                rows.append((str(line.row), str(line.order_no or ""), str(line.customer or ""), str(line.model or ""),
                             _qty(line.quantity) if line.quantity is not None else "", line.label(lang),
                             _iso(line.promise_date) or "", line.explain(lang)))
            out += text_table(rows, right=(0, 4))
        out += [str(i) for i in self.issues]
        out.append(self.summary(lang))
        if self.path:
            out.append(text("written", lang, path=self.path))
        return "\n".join(out)


# ---------------------------------------------------------------------------------------------- core

def _order_terms(order: Order) -> str | None:
    for header, raw in order.extra.items():
        if fold_key(header) in _TERMS_HEADERS and raw not in (None, ""):
            return str(raw).strip()
    return None


def _same_terms(a: str, b: str) -> bool:
    pa, pb = parse_terms(a), parse_terms(b)
    if pa is not None and pb is not None:
        return (pa.days, pa.month_end) == (pb.days, pb.month_end)
    return fold_key(a) == fold_key(b)


def review_orders(
    lines: Sequence[Order],
    *,
    today: dt.date,
    calendar: WorkCalendar,
    products: Mapping[str, Product] | None,
    customers: Mapping[str, Customer] | None,
    quotes: Iterable[Quote] = (),
    open_balances: Mapping[str, Decimal] | None = None,
) -> Review:
    """Review each of the order `lines` in row order.

    `products` is keyed by model (any spelling `_key` folds), `customers` by code; None means the
    workbook has no such sheet (the checks that need it become conditions). `open_balances` maps a
    customer code to what it owes today, in its currency (missing = 0).
    """
    quotes = list(quotes)
    balances = open_balances or {}
    by_key = _customer_index(customers) if customers is not None else {}
    prods = {fold_key(k): v for k, v in products.items()} if products is not None else None
    pending: dict[str, Decimal] = {}  # customer code → amounts of earlier non-rejected lines
    years: set[int] = set()
    out = []
    for order in sorted(lines, key=lambda o: o.row or 0):
        qty = order.quantity
        qty = int(qty) if isinstance(qty, (int, Decimal)) and not isinstance(qty, bool) else None
        price = order.unit_price
        currency = normalize_currency(order.currency) if order.currency else ""
        amount = order.amount
        if amount is None and qty is not None and price is not None:
            amount = Decimal(qty) * price
        line = LineReview(row=order.row or 0, order_no=order.order_no, customer=order.customer, model=order.model,
                          quantity=qty, unit_price=price, currency=currency, amount=amount,
                          order_date=order.order_date, due_date=order.customer_due_date,
                          merchandiser=order.merchandiser)
        reasons = line.reasons

        def add(code: str, **params: Any) -> None:
            reasons.append(Reason(code, params))

        # customer and completeness
        missing = [f for f, val in (("customer", line.customer), ("model", line.model), ("quantity", qty))
                   if val in (None, "") or (f == "quantity" and val <= 0)]
        cust = by_key.get(fold_key(line.customer)) if line.customer not in (None, "") else None
        if missing:
            add("incomplete-line", fields=tuple(missing))
        elif customers is None:
            add("no-customer-master")
        elif cust is None:
            add("unknown-customer", customer=line.customer)
        else:
            add("customer-ok", customer=cust.code, grade=cust.grade or "-")
        if missing:
            out.append(line)
            continue
        if not currency and cust is not None:
            currency = line.currency = cust.currency

        # delivery
        product = prods.get(fold_key(line.model)) if prods is not None else None
        if prods is None:
            add("no-product-master")
        elif product is None:
            add("unknown-model", model=line.model)
        elif product.lead_times is None:
            add("no-lead-times", model=line.model)
        else:
            lt = product.lead_times
            ship = calendar.add_workdays(today, lt.total - lt.shipping)
            earliest = calendar.add_workdays(ship, lt.shipping)
            line.earliest_ship_date, line.earliest_due_date = ship, earliest
            years.update({today.year, earliest.year})
            due = line.due_date
            if due is None:
                add("delivery-no-due", earliest=earliest, ship=ship)
            elif due >= earliest:
                years.add(due.year)
                add("delivery-ok", lead=lt.total, earliest=earliest, ship=ship, due=due,
                    slack=calendar.workdays_between(earliest, due))
            else:
                years.add(due.year)
                add("delivery-late", lead=lt.total, earliest=earliest, ship=ship, due=due,
                    late=calendar.workdays_between(due, earliest))

        # price
        if price is None:
            add("price-missing")
        else:
            on = line.order_date or today
            how, q = find_quote(quotes, customer=cust or str(line.customer), model=str(line.model),
                                quantity=qty, on=on)
            line.quote = q if how == "found" else None
            who = cust.code if cust else line.customer
            if how == "none":
                add("price-no-quote", customer=who, model=line.model)
            elif how == "expired":
                add("price-quote-expired", model=line.model, quote_no=q.quote_no, valid_until=q.valid_until)
            elif how == "below_tier":
                add("price-below-tier", quantity=qty, quote_no=q.quote_no, tier=q.tier_qty)
            elif currency and normalize_currency(q.currency) != currency:
                add("price-other-currency", quote_no=q.quote_no, quote_currency=q.currency, currency=currency)
            else:
                common = dict(price=price, quote=q.price, quote_no=q.quote_no, tier=q.tier_qty)
                if price == q.price:
                    add("price-match", **common)
                elif price > q.price:
                    add("price-above-quote", diff=price - q.price, **common)
                else:
                    diff = q.price - price
                    add("price-below-quote", diff=diff, pct=f"{diff / q.price * 100:.1f}", **common)

        # credit
        if cust is not None:
            cur = cust.currency or currency
            balance = balances.get(cust.code, ZERO)
            earlier = pending.get(cust.code, ZERO)
            shown = dict(balance=balance, earlier=earlier)
            if amount is None:
                add("credit-no-amount")
            elif currency and cur and currency != cur:
                add("credit-other-currency", currency=currency, customer_currency=cur)
            elif cust.credit_limit is None:
                add("credit-no-limit", balance=balance)
            else:
                exposure = balance + earlier + amount
                if exposure <= cust.credit_limit:
                    add("credit-ok", limit=cust.credit_limit, amount=amount, exposure=exposure,
                        headroom=cust.credit_limit - exposure, **shown)
                else:
                    add("credit-over-limit", limit=cust.credit_limit, amount=amount, exposure=exposure,
                        over=exposure - cust.credit_limit, **shown)

            # terms
            terms = _order_terms(order)
            bad = False
            if currency and cust.currency and currency != cust.currency:
                add("currency-mismatch", currency=currency, expected=cust.currency)
                bad = True
            if terms and cust.payment_terms and not _same_terms(terms, cust.payment_terms):
                add("terms-mismatch", terms=terms, expected=cust.payment_terms)
                bad = True
            if not bad:
                add("terms-ok", currency=currency or "-", terms=terms or cust.payment_terms or "-")

        # quantity
        if product is not None:
            if product.moq and qty < product.moq:
                add("below-moq", quantity=qty, moq=product.moq)
            elif product.moq:
                add("moq-ok", quantity=qty, moq=product.moq)
            else:
                add("no-moq")

        reasons.sort(key=lambda r: CHECKS.index(r.check))
        if cust is not None and amount is not None and line.verdict != REJECT:
            pending[cust.code] = pending.get(cust.code, ZERO) + amount
        out.append(line)
    return Review(today=today, lines=out, years=frozenset(years))
