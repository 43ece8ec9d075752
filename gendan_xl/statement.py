"""Statements of account (对账单): opening balance, the period's documents, closing balance, open items, ageing.

Pure: documents, dates and payment terms come in as arguments to `build_statement`; nothing here reads a
file, the clock or config. Reading the ledger sheets and filling the statement template are
`books.accounts`.

Words used throughout:

- *period*: the calendar span the statement covers (`Period.parse("2026-06")` is 2026-06-01…2026-06-30).
  Documents dated before it roll into the opening balance; documents after it belong to the next statement.
- *as_of*: the day the ageing is measured on; by default the period's last day. When `as_of` falls inside
  the period the statement stops there (a mid-month statement); when it falls after the period the lines
  still stop at the period end and only the ageing days are counted to `as_of`.
- *open item*: a charge (delivery note / invoice / opening item) not yet fully settled, or a credit
  (payment, credit note) not applied to any charge ("on account", shown as a negative open item). The
  open items always add up to the closing balance, and so do the ageing buckets.

How credits are applied (`_apply_credits`): first every payment to the invoices it names and every credit
note to the document it references, in date order; then whatever is left of each credit, in date order,
to the oldest open charge first. A name that matches nothing is reported as an Issue, never guessed at.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Sequence

from gendan_xl.errors import INFO, WARNING, Issue, UsageError
from gendan_xl.jsondoc import money as money_text
from gendan_xl.messages import message
from gendan_xl.schema import normalize_currency
from gendan_xl.plaintext import text_table
from gendan_xl.i18n import both, say
from gendan_xl.i18n.documents import STATEMENT

OPENING = "opening"
INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PAYMENT = "payment"
KINDS = (OPENING, INVOICE, CREDIT_NOTE, PAYMENT)
# A charge raises what the customer owes; a credit lowers it. A negative amount flips the side.
_DEBIT_KINDS = (OPENING, INVOICE)

BY_INVOICE = "invoice"  # age each open item from its document date
BY_DUE = "due"  # ... from its due date by the payment terms
BASES = (BY_INVOICE, BY_DUE)

BUCKETS = ("0-30", "31-60", "61-90", "90+")

CENT = Decimal("0.01")
ZERO = Decimal(0)

def text(key: str, lang: str = "zh") -> str:
    return say(STATEMENT, key, lang)


def bilingual(key: str) -> str:
    return both(STATEMENT, key)


# --------------------------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Document:
    """One document of a customer's account, as the sheets record it.

    `amount` is as written (normally positive); `kind` says on which side it goes. `reference` is, for a
    credit note, the document it credits; `invoices` are, for a payment, the documents it settles (delivery
    note, invoice or order numbers all match). `sheet`/`row`/`cell` trace it back to the workbook.
    """

    kind: str
    doc_no: str
    date: dt.date
    amount: Decimal
    reference: str = ""
    invoices: tuple[str, ...] = ()
    cancelled: bool = False
    currency: str = ""
    customer: str = ""
    invoice_no: str = ""
    order_no: str = ""
    description: str = ""
    customer_po: str = ""  # the customer's own order number: what they reconcile a delivery against
    sheet: str = ""
    row: int = 0
    cell: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Document kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(str(self.amount)))
        if isinstance(self.invoices, str):
            object.__setattr__(self, "invoices", split_refs(self.invoices))

    @property
    def signed(self) -> Decimal:
        """+ raises the balance (a charge), − lowers it (a credit)."""
        return self.amount if self.kind in _DEBIT_KINDS else -self.amount

    @property
    def keys(self) -> set[str]:
        """Every number the customer may use to name this document."""
        return {k for k in (doc_key(self.doc_no), doc_key(self.invoice_no), doc_key(self.order_no)) if k}

    @property
    def label(self) -> str:
        return self.doc_no or self.reference or f"{self.kind} {self.date.isoformat()}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "doc_no": self.doc_no, "date": self.date.isoformat(),
                "amount": money_text(self.amount), "reference": self.reference,
                "invoices": list(self.invoices), "sheet": self.sheet, "row": self.row}


_REF_SPLIT = re.compile(r"[,，;；、\s&+]+")


def split_refs(text: object) -> tuple[str, ...]:
    """"S2605-007, S2605-008" / "S2605-007、S2605-008" → ("S2605-007", "S2605-008")."""
    if not text:
        return ()
    return tuple(p for p in _REF_SPLIT.split(unicodedata.normalize("NFKC", str(text)).strip()) if p)


def doc_key(text: object) -> str:
    """Document numbers compare full-width-blind, case-blind and space-blind ("ｓ2606 - 003" = "S2606-003")."""
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).upper()


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


@dataclass(frozen=True)
class Period:
    """A statement period: `Period.parse("2026-06")`, `"2026年6月"`, `"2026-Q2"` or `"2026-04-01..2026-06-30"`."""

    start: dt.date
    end: dt.date
    label: str

    @classmethod
    def parse(cls, text: str | "Period") -> "Period":
        if isinstance(text, Period):
            return text
        s = unicodedata.normalize("NFKC", str(text)).strip()
        m = re.fullmatch(r"(\d{4})\s*(?:-|/|年)\s*(\d{1,2})\s*月?", s)
        if m:
            y, mo = int(m[1]), int(m[2])
            if 1 <= mo <= 12:
                return cls(dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1]), f"{y}-{mo:02d}")
        m = re.fullmatch(r"(\d{4})\s*-?\s*[Qq]([1-4])", s)
        if m:
            y, q = int(m[1]), int(m[2])
            last = q * 3
            return cls(dt.date(y, last - 2, 1), dt.date(y, last, calendar.monthrange(y, last)[1]), f"{y}-Q{q}")
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|~|至|to)\s*(\d{4}-\d{2}-\d{2})", s)
        if m:
            start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            if start <= end:
                return cls(start, end, f"{start.isoformat()}..{end.isoformat()}")
        raise UsageError.said("period-unknown", text=text)


def month_before(day: dt.date) -> str:
    """The month before the one `day` falls in, as a period: 2026-11-26 → "2026-10", 2027-01-04 → "2026-12".
    What the statements sent in a month cover."""
    last = day.replace(day=1) - dt.timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


@dataclass(frozen=True)
class PaymentTerms:
    """Days of credit, counted from the document date or, for 月结 (monthly settlement), from its month end.

    "月结60天" means the month's deliveries are due 60 days after that month ends: 2026-04-15 → 2026-06-29.
    """

    days: int
    month_end: bool = False
    text: str = ""

    def due_date(self, date: dt.date) -> dt.date:
        start = date
        if self.month_end:
            start = date.replace(day=calendar.monthrange(date.year, date.month)[1])
        return start + dt.timedelta(days=self.days)


_PREPAID = ("款到发货", "预付", "现款", "货到付款", "现结", "出货前", "cod", "cia", "cashinadvance", "inadvance",
            "prepaid", "prepayment", "advance", "cashondelivery", "dueonreceipt", "beforeshipment", "deposit")


def parse_terms(terms: object) -> PaymentTerms | None:
    """Payment terms as people write them, or None when they cannot be read.

    "月结60天" / "月结 60" / "60天月结" / "Net 30 EOM" → 60 or 30 days after the month end;
    "Net 30" / "OA 60" / "O/A 60 days" / "T/T 30 days" / "L/C 60" / "30天" / 45 → days after the document date;
    "款到发货" / "货到付款" / "COD" / "T/T in advance" / "T/T 100% before shipment" → due on the document date.
    """
    if terms is None or terms == "":
        return None
    if isinstance(terms, PaymentTerms):
        return terms
    if isinstance(terms, (int, Decimal)) and not isinstance(terms, bool):
        return PaymentTerms(int(terms), False, str(terms))
    s = unicodedata.normalize("NFKC", str(terms)).strip()
    low = s.casefold()
    month_end = "月结" in s or "eom" in low or "end of month" in low or "monthly" in low
    # "T/T 100% before shipment": a percentage is not a number of days.
    m = re.search(r"(\d{1,3})\s*(?:天|日|days?|d\b)?", re.sub(r"\d+(\.\d+)?\s*%", "", low))
    if m:
        return PaymentTerms(int(m[1]), month_end, s)
    if month_end:  # "月结" alone: paid at the end of the following month, by common usage ~30 days
        return PaymentTerms(30, True, s)
    squeezed = re.sub(r"[\s/]+", "", low)
    if any(p in squeezed for p in _PREPAID):
        return PaymentTerms(0, False, s)
    return None


# --------------------------------------------------------------------------------------------- result

@dataclass
class StatementLine:
    """One row of the statement: a document of the period with its running balance."""

    doc: Document
    debit: Decimal
    credit: Decimal
    balance: Decimal

    def to_dict(self) -> dict[str, Any]:
        d = self.doc
        return {"date": d.date.isoformat(), "kind": d.kind, "doc_no": d.doc_no, "reference": d.reference,
                "invoices": list(d.invoices), "customer_po": d.customer_po, "description": d.description,
                "debit": money_text(self.debit), "credit": money_text(self.credit),
                "balance": money_text(self.balance), "sheet": d.sheet, "row": d.row}


@dataclass
class OpenItem:
    """What is left of a charge (positive) or of an unapplied credit (negative) at the statement's end."""

    doc: Document
    original: Decimal
    outstanding: Decimal
    due_date: dt.date | None
    days: int  # age on `as_of` by the statement's basis; negative = not yet due
    bucket: str
    applied: list[tuple[str, Decimal]] = field(default_factory=list)  # (credit label, amount)

    def to_dict(self) -> dict[str, Any]:
        d = self.doc
        return {"kind": d.kind, "doc_no": d.doc_no, "date": d.date.isoformat(),
                "due_date": self.due_date.isoformat() if self.due_date else None,
                "original": money_text(self.original), "outstanding": money_text(self.outstanding),
                "days": self.days, "bucket": self.bucket,
                "applied": [{"by": by, "amount": money_text(a)} for by, a in self.applied]}


@dataclass
class Statement:
    customer: str
    customer_name: str
    period: Period
    as_of: dt.date
    currency: str
    basis: str
    payment_terms: str
    opening_balance: Decimal
    lines: list[StatementLine]
    closing_balance: Decimal
    open_items: list[OpenItem]
    ageing: dict[str, Decimal]
    cancelled: list[Document]
    issues: list[Issue] = field(default_factory=list)

    @property
    def total_debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), ZERO)

    @property
    def last_date(self) -> dt.date:
        """The last day whose documents are on the statement."""
        return min(self.period.end, self.as_of)

    def to_frame(self) -> Any:
        """The lines with their running balance as a pandas DataFrame (gendan-xl[pandas])."""
        from gendan_xl.frames import statement_frame

        return statement_frame(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "customer_name": self.customer_name,
            "period": self.period.label,
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "basis": self.basis,
            "payment_terms": self.payment_terms,
            "opening_balance": money_text(self.opening_balance),
            "total_debit": money_text(self.total_debit),
            "total_credit": money_text(self.total_credit),
            "closing_balance": money_text(self.closing_balance),
            "ageing": {b: money_text(v) for b, v in self.ageing.items()},
            "lines": [ln.to_dict() for ln in self.lines],
            "open_items": [oi.to_dict() for oi in self.open_items],
            "cancelled": [d.to_dict() for d in self.cancelled],
            "issues": [i.to_dict() for i in self.issues],
        }

    def to_text(self) -> str:
        """The statement as a terminal table and summary lines: what the CLI prints without --json."""
        out = [f"{self.customer} {self.customer_name} · {self.period.label} · {self.currency} · "
               f"{bilingual(f'basis.{self.basis}')}".replace("  ", " ")]
        rows = [("日期 Date", "类型 Type", "单号 Doc No.", "借方 Debit", "贷方 Credit", "余额 Balance"),
                ("", bilingual("opening_balance"), "", "", "", _fmt(self.opening_balance))]
        for ln in self.lines:
            rows.append((ln.doc.date.isoformat(), bilingual(f"kind.{ln.doc.kind}"), ln.doc.doc_no,
                         _fmt(ln.debit) if ln.debit else "", _fmt(ln.credit) if ln.credit else "",
                         _fmt(ln.balance)))
        rows.append(("", bilingual("closing_balance"), "", _fmt(self.total_debit), _fmt(self.total_credit),
                     _fmt(self.closing_balance)))
        out += text_table(rows, right=(3, 4, 5))
        out.append("账龄 Ageing: " + " · ".join(f"{b} {_fmt(v)}" for b, v in self.ageing.items())
                   + f" · {len(self.open_items)} 未结 open items")
        if self.cancelled:
            out.append(f"{bilingual('cancelled')}: " + ", ".join(d.label for d in self.cancelled))
        return "\n".join(out)


def _fmt(amount: Decimal) -> str:
    return f"{money(amount):,}"


# --------------------------------------------------------------------------------------------- core

_RANK = {OPENING: 0, INVOICE: 1, CREDIT_NOTE: 2, PAYMENT: 3}


def bucket_for(days: int) -> str:
    """Ageing bucket of an item `days` old. Not-yet-due items (negative days) count as 0–30."""
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def build_statement(
    customer: str,
    period: Period | str,
    *,
    as_of: dt.date | None = None,
    opening: Sequence[Document] = (),
    shipments: Sequence[Document] = (),
    credit_notes: Sequence[Document] = (),
    payments: Sequence[Document] = (),
    basis: str = BY_INVOICE,
    payment_terms: PaymentTerms | str | int | None = None,
    currency: str = "CNY",
    customer_name: str = "",
    cutover: dt.date | None = None,
    lang: str = "zh",
) -> Statement:
    """The statement of one customer for one period.

    `opening` are the items carried in from the 期初 sheet (each an open charge, or a negative credit);
    `shipments`, `credit_notes` and `payments` may hold documents of any date — those before the period go
    into the opening balance, those after the period's last day (or after `as_of`) are left out. Documents
    dated on or before `cutover` (the opening sheet's as-of date) are already in `opening` and are skipped.
    Cancelled documents, and documents in another currency, are listed apart and count nowhere.
    """
    period = Period.parse(period)
    if basis not in BASES:
        raise ValueError(f"ageing basis must be {' or '.join(BASES)}, not {basis!r}")
    as_of = as_of or period.end
    if as_of < period.start:
        raise UsageError.said("as-of-before-period", as_of=as_of.isoformat(), period=period.label,
                              start=period.start.isoformat())
    last = min(period.end, as_of)
    issues: list[Issue] = []
    sheet_hint = next((d.sheet for d in (*opening, *shipments) if d.sheet), "")

    terms = parse_terms(payment_terms)
    if basis == BY_DUE and terms is None:
        issues.append(_issue("unknown-payment-terms", WARNING, "", "", payment_terms, lang,
                             terms=payment_terms or ""))
        basis = BY_INVOICE
    if cutover and period.end <= cutover:
        # the workbook starts at its opening balances: before them there is nothing to state, and the
        # opening items would be shown as owed in a period they did not exist in
        raise UsageError.said("period-before-opening", period=period.label, cutover=cutover.isoformat())
    if cutover and period.start <= cutover:
        issues.append(_issue("period-before-opening", INFO, sheet_hint, "", cutover.isoformat(), lang,
                             cutover=cutover.isoformat()))

    cancelled: list[Document] = []
    live: list[Document] = []
    opening_docs = [d if d.kind == OPENING else replace(d, kind=OPENING) for d in opening]
    for seq_doc in (*opening_docs, *shipments, *credit_notes, *payments):
        if seq_doc.cancelled:
            if seq_doc.date <= last:
                cancelled.append(seq_doc)
            continue
        if seq_doc.currency and currency and normalize_currency(seq_doc.currency) != normalize_currency(currency):
            issues.append(_issue("currency-mismatch", WARNING, seq_doc.sheet, seq_doc.cell, seq_doc.currency,
                                 lang, doc=seq_doc.label, currency=seq_doc.currency, expected=currency))
            continue
        if seq_doc.kind != OPENING and cutover and seq_doc.date <= cutover:
            continue
        if seq_doc.kind != OPENING and seq_doc.date > last:
            continue
        live.append(seq_doc)

    order = {id(d): i for i, d in enumerate(live)}

    def sort_key(d: Document) -> tuple:
        return (d.date, _RANK[d.kind], order[id(d)])

    live.sort(key=sort_key)
    before = [d for d in live if d.kind == OPENING or d.date < period.start]
    during = [d for d in live if d.kind != OPENING and d.date >= period.start]

    opening_balance = sum((d.signed for d in before), ZERO)
    balance = opening_balance
    lines: list[StatementLine] = []
    for d in during:
        balance += d.signed
        lines.append(StatementLine(d, max(d.signed, ZERO), max(-d.signed, ZERO), balance))

    cancelled_keys = {k for d in cancelled for k in d.keys}
    open_items = _apply_credits(live, as_of, basis, terms, cancelled_keys, issues, lang)
    ageing = {b: ZERO for b in BUCKETS}
    for item in open_items:
        ageing[item.bucket] += item.outstanding
    cancelled.sort(key=lambda d: (d.date, _RANK[d.kind]))
    return Statement(
        customer=customer, customer_name=customer_name, period=period, as_of=as_of, currency=currency,
        basis=basis, payment_terms=terms.text if terms else str(payment_terms or ""),
        opening_balance=opening_balance, lines=lines, closing_balance=balance, open_items=open_items,
        ageing=ageing, cancelled=cancelled, issues=issues,
    )


@dataclass
class _Credit:
    """A credit note or payment being applied, and how much of it is still unapplied."""

    doc: Document
    left: Decimal


def _apply_credits(docs: list[Document], as_of: dt.date, basis: str, terms: PaymentTerms | None,
                   cancelled_keys: set[str], issues: list[Issue], lang: str) -> list[OpenItem]:
    """Settle charges with credits (named first, then oldest first); what is left are the open items."""
    charges = [OpenItem(d, d.signed, d.signed, None, 0, "") for d in docs if d.signed > 0]
    credits = [_Credit(d, -d.signed) for d in docs if d.signed < 0]
    by_key: dict[str, OpenItem] = {}
    for item in charges:
        for k in item.doc.keys:
            by_key.setdefault(k, item)

    def apply(credit: _Credit, item: OpenItem) -> None:
        amount = min(credit.left, item.outstanding)
        if amount > 0:
            item.outstanding -= amount
            item.applied.append((credit.doc.label, amount))
            credit.left -= amount

    # Pass 1: what the documents themselves name. A credit note names one document (its reference); a
    # payment names the invoices it settles. Cancelled or unknown names are reported, then pass 2 applies
    # the money oldest first rather than dropping it.
    for credit in credits:
        doc = credit.doc
        names = (doc.reference,) if doc.kind == CREDIT_NOTE and doc.reference else doc.invoices
        for name in names:
            named = by_key.get(doc_key(name))
            if named is None:
                code = "reference-to-cancelled" if doc_key(name) in cancelled_keys else "unknown-reference"
                issues.append(_issue(code, WARNING, doc.sheet, doc.cell, name, lang,
                                     doc=doc.label, ref=name))
                continue
            apply(credit, named)
    # Pass 2: the rest, oldest open charge first.
    for credit in credits:
        for item in charges:
            if credit.left <= 0:
                break
            apply(credit, item)

    items: list[OpenItem] = [c for c in charges if c.outstanding > 0]
    for credit in credits:
        doc, rest = credit.doc, credit.left
        if rest > 0:
            issues.append(_issue("unapplied-credit", INFO, doc.sheet, doc.cell, money_text(rest), lang,
                                 doc=doc.label, amount=money(rest)))
            items.append(OpenItem(doc, doc.signed, -rest, None, 0, ""))
    for item in items:
        start = item.doc.date
        if terms is not None and item.outstanding > 0:
            item.due_date = terms.due_date(item.doc.date)
        if basis == BY_DUE and item.due_date is not None:
            start = item.due_date
        item.days = (as_of - start).days
        item.bucket = bucket_for(item.days)
    items.sort(key=lambda i: (i.doc.date, _RANK[i.doc.kind]))
    return items


def _issue(code: str, severity: str, sheet: str, cell: str, value: Any, lang: str, **kw: Any) -> Issue:
    return Issue(code, severity, sheet, cell, value, message(code, lang, **kw))
