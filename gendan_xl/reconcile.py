"""Reconciliation (对账): match our statement with the customer's books, or with a bank receipts export.

`reconcile(ours, theirs, ...)` is pure. Both sides are lists of `Entry`, amounts signed the way our books
see them: + raises what the customer owes us (a delivery / invoice), − lowers it (a payment, a credit note).
Reading the customer's file into such entries is `books.reconciliation.read_theirs`; `orient` works out
which way round their debit and credit are (their payables ledger is our receivables mirrored).

Matching, in this order, each entry used once:
1. opening balance with opening balance;
2. by document number: one of our numbers (delivery note, invoice, order / PO, credit note) appears in
   their document number, 摘要 or PO column, with the same sign;
3. by amount within `amount_tolerance` and date within `date_tolerance_days` (nearest date first) — and,
   for payments, a short receipt within `bank_charge_limit` (bank charges taken from the transfer);
4. what is left: our credit notes they do not have (`unbooked_credit_note`), either side's entries in the
   last `transit_days` days of the period (`timing`: goods or money in transit), else `only_ours` /
   `only_theirs`.
A matched pair whose amounts differ is `bank_charges` (a payment short by no more than the limit, on the
receiving side) or `amount_differs`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from gendan_xl.i18n import say
from gendan_xl.i18n.documents import RECONCILE, RECONCILE_CATEGORY, RECONCILE_SIDE
from gendan_xl.errors import Issue
from gendan_xl.jsondoc import money as money_text
from gendan_xl.schema import fold_key
from gendan_xl.statement import (
    CREDIT_NOTE, INVOICE, OPENING, PAYMENT, Statement, doc_key, money,
)
from gendan_xl.plaintext import text_table

OTHER = "other"

MATCHED = "matched"
ONLY_OURS = "only_ours"
ONLY_THEIRS = "only_theirs"
AMOUNT_DIFFERS = "amount_differs"
UNBOOKED_CREDIT_NOTE = "unbooked_credit_note"
BANK_CHARGES = "bank_charges"
TIMING = "timing"
CATEGORIES = (MATCHED, AMOUNT_DIFFERS, BANK_CHARGES, UNBOOKED_CREDIT_NOTE, TIMING, ONLY_OURS, ONLY_THEIRS)

STATEMENT = "statement"  # their file is their ledger / their copy of our statement
BANK = "bank"  # their file is a bank receipts export: what actually arrived


def explain(category: str, lang: str = "zh", **kw: Any) -> str:
    return say(RECONCILE, category, lang, **kw)


@dataclass(frozen=True)
class Entry:
    """One line of one side's books, signed as our receivables see it (+ charge, − payment or credit)."""

    kind: str  # invoice / credit_note / payment / opening / other
    doc_no: str
    date: dt.date | None
    amount: Decimal
    refs: tuple[str, ...] = ()  # other numbers naming it (invoice, order, PO) — ours; for theirs: 摘要 text
    description: str = ""
    sheet: str = ""
    row: int = 0

    @property
    def keys(self) -> set[str]:
        return {k for k in (doc_key(self.doc_no), *(doc_key(r) for r in self.refs)) if len(k) >= 4}

    @property
    def text(self) -> str:
        """Everything written on the line, for finding our numbers in it."""
        return doc_key(" ".join((self.doc_no, self.description, *self.refs)))

    @property
    def label(self) -> str:
        return self.doc_no or self.description or (self.date.isoformat() if self.date else "?")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "doc_no": self.doc_no, "date": self.date.isoformat() if self.date else None,
                "amount": money_text(self.amount), "description": self.description,
                "sheet": self.sheet, "row": self.row}


@dataclass
class Item:
    """A matched pair, or an entry of one side with no partner, with its category and explanation."""

    category: str
    ours: Entry | None
    theirs: Entry | None
    explanation: str
    matched_by: str = ""  # "opening" | "doc_no" | "amount_date" | ""

    @property
    def difference(self) -> Decimal:
        """Their amount minus ours: what this item contributes to the difference of the balances."""
        return (self.theirs.amount if self.theirs else Decimal(0)) - (self.ours.amount if self.ours else Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        main = self.ours or self.theirs
        return {"category": self.category, "doc_no": main.doc_no if main else "",
                "matched_by": self.matched_by,
                "ours": self.ours.to_dict() if self.ours else None,
                "theirs": self.theirs.to_dict() if self.theirs else None,
                "difference": money_text(self.difference), "explanation": self.explanation}


@dataclass
class Reconciliation:
    currency: str
    our_balance: Decimal
    their_balance: Decimal
    items: list[Item]
    mode: str = STATEMENT
    issues: list[Issue] = field(default_factory=list)
    customer: str = ""
    period: str = ""

    @property
    def difference(self) -> Decimal:
        return self.their_balance - self.our_balance

    @property
    def explained(self) -> Decimal:
        return sum((i.difference for i in self.items if i.category != MATCHED), Decimal(0))

    @property
    def unexplained(self) -> Decimal:
        return self.difference - self.explained

    def by_category(self, category: str) -> list[Item]:
        return [i for i in self.items if i.category == category]

    def flat(self) -> list[tuple[str, str]]:
        """(category, doc_no) pairs: what tests compare."""
        return [(i.category, (i.ours or i.theirs).doc_no) for i in self.items]

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "period": self.period,
            "mode": self.mode,
            "currency": self.currency,
            "our_balance": money_text(self.our_balance),
            "their_balance": money_text(self.their_balance),
            "difference": money_text(self.difference),
            "explained": money_text(self.explained),
            "unexplained": money_text(self.unexplained),
            "counts": {c: len(self.by_category(c)) for c in CATEGORIES},
            "items": [i.to_dict() for i in self.items],
            "issues": [i.to_dict() for i in self.issues],
        }

    def to_text(self, *, differences_only: bool = True) -> str:
        """The differences as a table, then one summary line: what the CLI prints without --json."""
        rows = [("类别 Category", "单号 Doc No.", "我方 Ours", "对方 Theirs", "差额 Diff", "说明 Explanation")]
        for it in self.items:
            if differences_only and it.category == MATCHED:
                continue
            rows.append(("/".join(RECONCILE_CATEGORY[it.category]), (it.ours or it.theirs).label,
                         _fmt(it.ours.amount) if it.ours else "", _fmt(it.theirs.amount) if it.theirs else "",
                         _fmt(it.difference), it.explanation))
        out = text_table(rows, right=(2, 3, 4))
        matched = len(self.by_category(MATCHED))
        out.append(f"{self.customer} {self.period} {self.currency}: 我方余额 ours {_fmt(self.our_balance)} · "
                   f"对方余额 theirs {_fmt(self.their_balance)} · 差额 difference {_fmt(self.difference)} · "
                   f"未解释 unexplained {_fmt(self.unexplained)} · {matched} 一致 matched, "
                   f"{len(self.items) - matched} 差异 differences".strip())
        return "\n".join(out)


# ---------------------------------------------------------------------------------------------- core

def entries_from_statement(statement: Statement) -> list[Entry]:
    """Our side: the opening balance as one entry, then every line of the period."""
    out = [Entry(OPENING, "", statement.period.start, statement.opening_balance,
                 description="期初余额 Opening balance")]
    for line in statement.lines:
        d = line.doc
        refs = tuple(r for r in (d.invoice_no, d.order_no, d.reference, *d.invoices) if r)
        out.append(Entry(d.kind, d.doc_no, d.date, line.debit - line.credit, refs, d.description, d.sheet, d.row))
    return out


def reconcile(
    ours: Statement | Sequence[Entry],
    theirs: Sequence[Entry],
    *,
    their_balance: Decimal | None = None,
    period_end: dt.date | None = None,
    currency: str = "",
    mode: str = STATEMENT,
    amount_tolerance: Decimal = Decimal("0.01"),
    date_tolerance_days: int = 5,
    bank_charge_limit: Decimal = Decimal("200"),
    transit_days: int = 5,
    lang: str = "zh",
) -> Reconciliation:
    """Match `theirs` to `ours` (see the module docstring for the order) and explain every difference.

    `mode=BANK` compares our payments only with a bank receipts export (every bank line is money in).
    `their_balance` is the balance their file states; when None it is the sum of their entries.
    """
    customer = period = ""
    if isinstance(ours, Statement):
        customer, period = ours.customer, ours.period.label
        period_end = period_end or ours.last_date
        currency = currency or ours.currency
        our_balance = ours.closing_balance
        ours = entries_from_statement(ours)
    else:
        ours = list(ours)
        our_balance = sum((e.amount for e in ours), Decimal(0))
    theirs = list(theirs)
    if mode == BANK:
        ours = [e for e in ours if e.kind == PAYMENT]
        our_balance = sum((e.amount for e in ours), Decimal(0))
    if their_balance is None:
        their_balance = sum((e.amount for e in theirs), Decimal(0))
    if period_end is None:
        dates = [e.date for e in (*ours, *theirs) if e.date]
        period_end = max(dates) if dates else dt.date.min
    tol = amount_tolerance
    items: list[Item] = []
    free_ours = list(range(len(ours)))
    free_theirs = list(range(len(theirs)))

    def take(i: int, j: int, by: str) -> None:
        free_ours.remove(i)
        free_theirs.remove(j)
        items.append(_pair(ours[i], theirs[j], by, mode, tol, bank_charge_limit, lang))

    # 1. Opening balances.
    oi = [i for i in free_ours if ours[i].kind == OPENING]
    tj = [j for j in free_theirs if theirs[j].kind == OPENING]
    if oi and tj:
        take(oi[0], tj[0], "opening")
    # 2. Document numbers.
    for i in list(free_ours):
        o = ours[i]
        keys = o.keys
        if not keys or o.kind == OPENING:
            continue
        for j in free_theirs:
            t = theirs[j]
            if _same_sign(o, t) and any(k in t.text for k in keys):
                take(i, j, "doc_no")
                break
    # 3. Amount and date. Exact amounts first, then short payments (bank charges), nearest date first.
    for allow_short in (False, True):
        for i in list(free_ours):
            o = ours[i]
            best = None
            for j in free_theirs:
                t = theirs[j]
                if not _same_sign(o, t) or o.kind == OPENING or t.kind == OPENING:
                    continue
                days = abs((o.date - t.date).days) if o.date and t.date else 0
                if days > date_tolerance_days:
                    continue
                ok = abs(t.amount - o.amount) <= tol
                if not ok and allow_short and o.kind == PAYMENT:
                    ok = 0 < _short(o, t, mode) <= bank_charge_limit
                if ok and (best is None or days < best[0]):
                    best = (days, j)
            if best is not None:
                take(i, best[1], "amount_date")
    # 4. What is left.
    for i in free_ours:
        items.append(_single(ours[i], None, period_end, transit_days, lang))
    for j in free_theirs:
        items.append(_single(None, theirs[j], period_end, transit_days, lang))
    items.sort(key=lambda it: (_date_of(it), CATEGORIES.index(it.category)))
    return Reconciliation(currency=currency, our_balance=our_balance, their_balance=their_balance, items=items,
                          mode=mode, customer=customer, period=period)


def _date_of(item: Item) -> dt.date:
    e = item.ours or item.theirs
    return e.date or dt.date.min


def _same_sign(a: Entry, b: Entry) -> bool:
    return (a.amount > 0) == (b.amount > 0)


def _short(o: Entry, t: Entry, mode: str) -> Decimal:
    """How much less arrived than was paid. In a statement, they (the payer) book what they sent and we
    what arrived; in a bank export, the bank shows what arrived and our books what the customer paid."""
    paid, received = (abs(t.amount), abs(o.amount)) if mode == STATEMENT else (abs(o.amount), abs(t.amount))
    return paid - received


def _fmt(amount: Decimal) -> str:
    return f"{money(amount):,}"


def _pair(o: Entry, t: Entry, by: str, mode: str, tol: Decimal, limit: Decimal, lang: str) -> Item:
    diff = t.amount - o.amount
    if abs(diff) <= tol:
        return Item(MATCHED, o, t, explain(MATCHED, lang), by)
    label = o.label if by != "opening" else ("期初余额" if lang == "zh" else "Opening balance")
    if o.kind == PAYMENT and 0 < _short(o, t, mode) <= limit:
        paid, received = (t, o) if mode == STATEMENT else (o, t)
        return Item(BANK_CHARGES, o, t, explain(BANK_CHARGES, lang, doc=label, paid=_fmt(abs(paid.amount)),
                                                received=_fmt(abs(received.amount)),
                                                diff=_fmt(_short(o, t, mode))), by)
    return Item(AMOUNT_DIFFERS, o, t, explain(AMOUNT_DIFFERS, lang, doc=label, ours=_fmt(o.amount),
                                              theirs=_fmt(t.amount), diff=_fmt(diff)), by)


def _single(o: Entry | None, t: Entry | None, period_end: dt.date, transit_days: int, lang: str) -> Item:
    e = o or t
    side = "ours" if o else "theirs"
    date = e.date.isoformat() if e.date else "?"
    kw = dict(doc=e.label, date=date, amount=_fmt(abs(e.amount)))
    if o is not None and o.kind == CREDIT_NOTE:
        return Item(UNBOOKED_CREDIT_NOTE, o, None, explain(UNBOOKED_CREDIT_NOTE, lang, **kw))
    if e.date and e.kind != OPENING and 0 <= (period_end - e.date).days < transit_days:
        return Item(TIMING, o, t, explain(TIMING, lang, side=say(RECONCILE_SIDE, side, lang), **kw))
    category = ONLY_OURS if o else ONLY_THEIRS
    return Item(category, o, t, explain(category, lang, **kw))


def orient(theirs: Sequence[Entry], ours: Sequence[Entry]) -> tuple[list[Entry], bool]:
    """Their entries the right way round, and whether they had to be flipped.

    A customer's payables ledger credits what it owes us: its signs are ours mirrored. We keep the
    orientation under which more of their lines name one of our documents with the same sign; on a tie,
    the one that leaves them owing us (a positive balance).
    """
    theirs = list(theirs)
    flipped = [_negate(e) for e in theirs]

    def score(side: list[Entry]) -> int:
        n = 0
        for o in ours:
            if o.kind != OPENING and o.keys and any(_same_sign(o, t) and any(k in t.text for k in o.keys)
                                                    for t in side):
                n += 1
        return n

    a, b = score(theirs), score(flipped)
    if b > a or (a == b and sum((e.amount for e in theirs), Decimal(0)) < 0):
        return flipped, True
    return theirs, False


def _negate(e: Entry) -> Entry:
    kind = e.kind
    if kind in (INVOICE, PAYMENT, CREDIT_NOTE, OTHER):
        kind = kind_for(-e.amount, e.description)
    return Entry(kind, e.doc_no, e.date, -e.amount, e.refs, e.description, e.sheet, e.row)


# What their 摘要 / type says about a line that lowers the balance: a credit note, not a payment.
_CREDIT_WORDS = ("退货", "红字", "折让", "扣款", "credit", "return", "rebate", "cn")


def kind_for(amount: Decimal, text: str) -> str:
    """The kind of one of their lines, signed as our books see it: a charge, or a credit note or payment."""
    if amount > 0:
        return INVOICE
    return CREDIT_NOTE if is_credit(text) else PAYMENT


def is_credit(text: str) -> bool:
    """退货 / 红字 / credit note / a CN-numbered document."""
    return has_word(text, _CREDIT_WORDS) or re.search(r"(?<![A-Za-z])CN(?![A-Za-z])", text, re.I) is not None


def has_word(text: str, words: Sequence[str]) -> bool:
    """Whether `text` is one of `words`, or contains one longer than two letters (headers' normalization)."""
    norm = fold_key(text).replace("/", "")
    return any(fold_key(w).replace("/", "") == norm or
               (len(fold_key(w)) > 2 and fold_key(w).replace("/", "") in norm) for w in words)
