"""Reconciliation (对账): match our statement with the customer's books, or with a bank receipts export.

`reconcile(ours, theirs, ...)` is pure. Both sides are lists of `Entry`, amounts signed the way our books
see them: + raises what the customer owes us (a delivery / invoice), − lowers it (a payment, a credit note).
The reader `read_theirs(path)` turns the customer's file (xlsx or csv, in whatever reasonable layout: a
header row somewhere in the first 20 rows, Chinese or English titles, debit/credit columns or one signed
amount, a 摘要 that mentions our document numbers) into such entries; it works out which way round their
debit and credit are (their payables ledger is our receivables mirrored).

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

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

from gendan_xl import schema
from gendan_xl.errors import GendanError, Issue, MissingColumnsError, UnusableWorkbookError, json_value
from gendan_xl.messages import make_issue
from gendan_xl.schema import DATE, NUMBER, TEXT, Column, SheetSchema, match_headers, normalize_header
from gendan_xl.statement import (
    CREDIT_NOTE, INVOICE, OPENING, PAYMENT, Period, Statement, doc_key, money, read_accounts,
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

# The one table of reconciliation text: category → (中文, English) explanation, with {placeholders}.
EXPLAIN: dict[str, tuple[str, str]] = {
    MATCHED: ("双方一致", "Both sides agree"),
    AMOUNT_DIFFERS: ("{doc} 金额不一致：我方 {ours}，对方 {theirs}，相差 {diff}；请核对单价或数量",
                     "{doc}: amounts differ, ours {ours}, theirs {theirs}, difference {diff}; check price or "
                     "quantity"),
    BANK_CHARGES: ("{doc} 付款 {paid}，实收 {received}，短少 {diff}，可能是银行手续费",
                   "{doc}: {paid} paid, {received} received, {diff} short — probably bank charges deducted "
                   "from the transfer"),
    UNBOOKED_CREDIT_NOTE: ("{doc} 是我方开出的退货/红字单 {amount}，对方尚未入账",
                           "{doc} is our credit note for {amount}, not yet booked by them"),
    TIMING: ("{doc}（{date}）在期末前后，可能在途：{side}尚未入账，下期应会出现",
             "{doc} ({date}) is at the period end, probably in transit: not yet booked {side_en}; it should "
             "appear next period"),
    ONLY_OURS: ("{doc}（{date}，{amount}）只在我方账上，请对方核对是否漏记",
                "{doc} ({date}, {amount}) is on our books only; ask them whether they missed it"),
    ONLY_THEIRS: ("{doc}（{date}，{amount}）只在对方账上，请核对我方是否漏记或对方记错",
                  "{doc} ({date}, {amount}) is on their books only; check whether we missed it or they "
                  "booked it wrongly"),
}
_SIDE = {"ours": ("对方", "by them"), "theirs": ("我方", "by us")}
CATEGORY_TEXT: dict[str, tuple[str, str]] = {
    MATCHED: ("一致", "matched"), AMOUNT_DIFFERS: ("金额不符", "amount differs"),
    BANK_CHARGES: ("银行手续费", "bank charges"), UNBOOKED_CREDIT_NOTE: ("对方未入账退货", "unbooked credit note"),
    TIMING: ("在途", "timing"), ONLY_OURS: ("仅我方", "only ours"), ONLY_THEIRS: ("仅对方", "only theirs"),
}


def explain(category: str, lang: str = "zh", **kw: Any) -> str:
    zh, en = EXPLAIN[category]
    return (zh if lang == "zh" else en).format(**kw)


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
                "amount": json_value(money(self.amount)), "description": self.description,
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
                "difference": json_value(money(self.difference)), "explanation": self.explanation}


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
            "our_balance": json_value(money(self.our_balance)),
            "their_balance": json_value(money(self.their_balance)),
            "difference": json_value(money(self.difference)),
            "explained": json_value(money(self.explained)),
            "unexplained": json_value(money(self.unexplained)),
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
            rows.append(("/".join(CATEGORY_TEXT[it.category]), (it.ours or it.theirs).label,
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
        zh, en = _SIDE[side]
        return Item(TIMING, o, t, explain(TIMING, lang, side=zh, side_en=en, **kw))
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
        kind = _kind_for(-e.amount, e.description)
    return Entry(kind, e.doc_no, e.date, -e.amount, e.refs, e.description, e.sheet, e.row)


# ============================================================================================ file reader
# Everything below reads files. The matching above never does.

def _col(field_: str, type_: str, zh: str, en: str, *aliases: str) -> Column:
    return Column(field_, type_, zh, en, (zh, en, *aliases))


# Their file, whatever it is: a statement they sent back, their ledger export, a bank export.
THEIRS = SheetSchema(
    "theirs", "对账单", "Statement", ("对账单", "对帐单", "往来明细", "明细账", "statement", "ledger", "sheet1"),
    (
        _col("doc_no", TEXT, "单号", "Doc No.", "单据号", "单据编号", "凭证号", "凭证字号", "发票号", "发票号码",
             "送货单号", "出货单号", "编号", "Document No.", "Doc No", "Invoice No.", "Invoice", "Inv No.",
             "Reference", "Ref", "Ref No.", "Voucher No.", "交易流水号", "流水号", "Transaction Ref", "DN No."),
        _col("date", DATE, "日期", "Date", "单据日期", "交易日期", "记账日期", "入账日期", "凭证日期", "出货日期",
             "Posting Date", "Transaction Date", "Value Date", "Doc Date", "Invoice Date", "交易时间"),
        _col("summary", TEXT, "摘要", "Description", "说明", "备注", "Remark", "Remarks", "Memo", "Narrative",
             "用途", "附言", "Details", "Particulars", "内容", "交易摘要"),
        _col("po", TEXT, "订单号", "PO No.", "PO", "采购单号", "采购订单号", "Order No.", "Your Ref", "关联单号",
             "原单号", "对应单号", "Related Doc"),
        _col("debit", NUMBER, "借方", "Debit", "借方金额", "借方发生额", "借", "Dr", "支出", "支出金额",
             "Withdrawal", "应收金额", "出货金额"),
        _col("credit", NUMBER, "贷方", "Credit", "贷方金额", "贷方发生额", "贷", "Cr", "收入", "收入金额",
             "Deposit", "存入", "收款金额", "已收金额"),
        _col("amount", NUMBER, "金额", "Amount", "发生额", "交易金额", "Transaction Amount", "Value", "本币金额"),
        _col("balance", NUMBER, "余额", "Balance", "账户余额", "Running Balance", "结余", "累计余额"),
        _col("counterparty", TEXT, "对方户名", "Counterparty", "付款人", "对方账户名", "对方名称", "付款方",
             "Payer", "Remitter", "Payer Name"),
        _col("kind", TEXT, "类型", "Type", "单据类型", "Doc Type", "业务类型", "Transaction Type"),
    ),
)

_OPENING_WORDS = ("期初", "上期结余", "上月结余", "上期余额", "承前页", "期初余额", "openingbalance", "opening",
                  "broughtforward", "balancebf", "b/f", "bf")
_CLOSING_WORDS = ("期末余额", "本期合计", "合计", "总计", "本月合计", "closingbalance", "total", "balancecf", "c/f")
_PAYMENT_WORDS = ("付款", "收款", "回款", "货款已付", "转账", "汇款", "电汇", "payment", "paid", "remittance",
                  "transfer", "receipt", "tt")
_CREDIT_WORDS = ("退货", "红字", "折让", "扣款", "credit", "return", "rebate", "cn")
_BANK_SHEETS = ("银行", "流水", "bank", "receipts", "回单")


@dataclass
class TheirBooks:
    """Their file as entries (signed as written: debit − credit, or the amount column)."""

    path: Path
    sheet: str
    header_row: int
    entries: list[Entry]
    balance: Decimal | None  # the last balance they state, signed like `entries`, when they state one
    mode: str  # STATEMENT or BANK
    issues: list[Issue] = field(default_factory=list)


def _kind_for(amount: Decimal, text: str) -> str:
    if amount > 0:
        return INVOICE
    return CREDIT_NOTE if _is_credit(text) else PAYMENT


def _is_credit(text: str) -> bool:
    """退货 / 红字 / credit note / a CN-numbered document."""
    return _has_word(text, _CREDIT_WORDS) or re.search(r"(?<![A-Za-z])CN(?![A-Za-z])", text, re.I) is not None


def _has_word(text: str, words: Sequence[str]) -> bool:
    norm = normalize_header(text).replace("/", "")
    return any(normalize_header(w).replace("/", "") == norm or
               (len(normalize_header(w)) > 2 and normalize_header(w).replace("/", "") in norm) for w in words)


def read_grid(path: str | Path, sheet: str | None = None) -> tuple[str, list[list[Any]], bool]:
    """(sheet name, rows of cell values, date1904) of an xlsx/xlsm sheet or a csv file (UTF-8 or GBK)."""
    from gendan_xl.xlsx.read import open_book

    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt"):
        if not path.is_file():
            raise UnusableWorkbookError(f"{path}: no such file")
        data = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # gb18030 decodes any byte string; kept for clarity
            raise UnusableWorkbookError(f"{path.name}: not UTF-8 or GBK text; save it as CSV UTF-8")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        return path.stem, [row for row in csv.reader(io.StringIO(text), dialect)], False
    book = open_book(path)
    if sheet is not None:
        if sheet not in book.sheet_names:
            raise UnusableWorkbookError(f'{path.name} has no sheet "{sheet}" (found: '
                                        f'{", ".join(book.sheet_names)}); pass the sheet name')
        return sheet, book.values(sheet), book.date1904
    # The sheet whose header row names the most of our columns.
    best = None
    for name in book.sheet_names:
        grid = book.values(name)
        idx, mapping = _find_header(grid)
        if idx is not None and (best is None or len(mapping) > best[0]):
            best = (len(mapping), name, grid)
    if best is None:
        return book.sheet_names[0], book.values(book.sheet_names[0]), book.date1904
    return best[1], best[2], book.date1904


def _find_header(grid: list[list[Any]]) -> tuple[int | None, dict[int, str]]:
    best: tuple[int, int | None, dict[int, str]] = (0, None, {})
    for i, row in enumerate(grid[:20]):
        mapping = _match_row(row)
        fields = set(mapping.values())
        money_ = fields & {"debit", "credit", "amount", "balance"}
        if money_ and len(mapping) >= 2 and len(mapping) > best[0]:
            best = (len(mapping), i, mapping)
    return best[1], best[2]


def _match_row(row: list[Any]) -> dict[int, str]:
    """Like schema.match_headers, but a two-line title ("借方 Debit\n(CNY)", "日期\nDate", our own
    statement's) also matches by either of its lines or words."""
    found: dict[int, str] = {}
    taken: set[str] = set()
    for i, header in enumerate(row):
        if header is None or not str(header).strip():
            continue
        text = str(header)
        variants = [text, *text.splitlines(), *text.split()]
        for variant in variants:
            field_ = match_headers(THEIRS, [variant]).get(0)
            if field_ and field_ not in taken:
                found[i] = field_
                taken.add(field_)
                break
    return found


def read_theirs(path: str | Path, *, sheet: str | None = None, mode: str | None = None) -> TheirBooks:
    """The customer's statement / ledger, or a bank receipts export, as entries (see `orient`).

    `mode` is STATEMENT or BANK; by default a file with a payer column (对方户名 / Payer), or named like
    a bank export (银行, 流水, bank), is a bank export.
    """
    from gendan_xl.xlsx.read import is_blank, parse_date, parse_number  # here: the pure matching imports no reader
    from gendan_xl.xlsx.refs import cell_ref

    path = Path(path)
    name, grid, date1904 = read_grid(path, sheet)
    idx, mapping = _find_header(grid)
    if idx is None:
        raise MissingColumnsError(f"{path.name}: no header row with a date and an amount (借方/贷方/金额/余额, "
                                  "Debit/Credit/Amount/Balance) in the first 20 rows; check the column titles")
    cols = {f: c for c, f in mapping.items()}
    if mode is None:
        named_bank = any(w in normalize_header(path.stem + name) for w in _BANK_SHEETS)
        mode = BANK if "counterparty" in cols or named_bank else STATEMENT
    entries: list[Entry] = []
    issues: list[Issue] = []
    balance: Decimal | None = None
    balance_stale = False
    # Which way their 余额 runs: +1 when it grows with debit − credit, −1 when with credit − debit (a
    # payables ledger). Told by the rows themselves; an opening balance taken from 余额 follows it.
    votes = 0
    prev_bal: Decimal | None = None
    from_balance: list[int] = []  # indexes of opening entries whose amount came from the 余额 column

    def cell(row: list[Any], f: str) -> Any:
        c = cols.get(f)
        if c is None or c >= len(row):
            return None
        v = row[c]
        return None if is_blank(v) else v

    after_blank = False
    for r in range(idx + 1, len(grid)):
        row = grid[r]
        if all(map(is_blank, row)):
            after_blank = True
            continue
        excel_row = r + 1
        raw_date = cell(row, "date")
        date = parse_date(raw_date, date1904=date1904) if raw_date is not None else None
        # After a blank row the table goes on only with another dated line: what follows a gap (an
        # ageing table, notes, signatures) is not a ledger line.
        if after_blank and date is None:
            break
        after_blank = False
        words = " ".join(str(cell(row, f) or "") for f in ("doc_no", "summary", "kind"))
        first_text = next((str(v) for v in row if isinstance(v, str) and v.strip()), "")
        bal = parse_number(cell(row, "balance")) if cell(row, "balance") is not None else None
        if bal is not None:
            balance, balance_stale = bal, False
        if _has_word(first_text, _CLOSING_WORDS) or _has_word(words, _CLOSING_WORDS):
            continue
        step, prev_bal = (None if bal is None or prev_bal is None else bal - prev_bal), (bal if bal is not None
                                                                                          else prev_bal)
        debit = parse_number(cell(row, "debit")) if cell(row, "debit") is not None else None
        credit = parse_number(cell(row, "credit")) if cell(row, "credit") is not None else None
        amount = parse_number(cell(row, "amount")) if cell(row, "amount") is not None else None
        for f, raw, val in (("debit", cell(row, "debit"), debit), ("credit", cell(row, "credit"), credit),
                            ("amount", cell(row, "amount"), amount)):
            if raw is not None and val is None:
                issues.append(make_issue("bad-number", "error", name, cell_ref(excel_row, cols[f]), raw, "zh",
                                         column=THEIRS.column(f).zh))
        if raw_date is not None and date is None and debit is None and credit is None and amount is None:
            continue  # a note between the lines ("已取消单据…"), not a ledger line
        if raw_date is not None and date is None:
            issues.append(make_issue("bad-date", "error", name, cell_ref(excel_row, cols["date"]), raw_date, "zh",
                                     column=THEIRS.column("date").zh))
        doc_no = str(cell(row, "doc_no") or "").strip()
        summary = str(cell(row, "summary") or "").strip()
        refs = tuple(str(x).strip() for x in (cell(row, "po"), cell(row, "counterparty")) if x is not None)
        if _has_word(words or first_text, _OPENING_WORDS):
            value = (debit or 0) - (credit or 0) if (debit or credit) else amount
            if value is None and bal is not None:
                value = bal
                from_balance.append(len(entries))
            if value is not None:
                entries.append(Entry(OPENING, "", date, Decimal(value), (), summary or doc_no, name, excel_row))
            continue
        if mode == BANK:
            # A bank export: money in is a credit to our account (收入 / 贷方 / a positive amount).
            got = credit if credit is not None else amount
            if got is None or got <= 0:
                continue  # money out, not a receipt
            entries.append(Entry(PAYMENT, doc_no, date, -got, refs, summary, name, excel_row))
            continue
        if debit is not None or credit is not None:
            value = (debit or Decimal(0)) - (credit or Decimal(0))
        elif amount is not None:
            value = amount
            # One unsigned amount column: the 摘要 / type says which way it goes.
            if value > 0 and (_has_word(words, _PAYMENT_WORDS) or _is_credit(words)):
                value = -value
        else:
            continue
        if value == 0:
            continue
        if step is not None and step:
            votes += 1 if step == value else -1 if step == -value else 0
        entries.append(Entry(_kind_for(value, words), doc_no, date, value, refs, summary, name, excel_row))
        if bal is None:
            balance_stale = True  # a line after the last stated balance: that balance is not their closing one
    if balance_stale:
        balance = None  # the closing balance is then the sum of their lines (see `reconcile`)
    if votes < 0 and mode == STATEMENT:
        for i in from_balance:
            entries[i] = Entry(OPENING, "", entries[i].date, -entries[i].amount, (), entries[i].description,
                               entries[i].sheet, entries[i].row)
        balance = -balance if balance is not None else None
    return TheirBooks(path, name, idx + 1, entries, balance, mode, issues)


def reconcile_files(ours: str | Path, theirs: str | Path, *, customer: str | None = None,
                    period: str | None = None, as_of: dt.date | None = None, theirs_sheet: str | None = None,
                    mode: str | None = None, lang: str = "zh", **tolerances: Any) -> Reconciliation:
    """What `gendan-xl reconcile --ours ... --theirs ...` prints.

    `ours` is the master workbook (with 出货 / 期初 sheets: `customer` picks the customer when it holds more
    than one, `period` defaults to the month of their file's last date) or a statement file we produced.
    """
    their_books = read_theirs(theirs, sheet=theirs_sheet, mode=mode)
    our_side: Statement | list[Entry]
    our_path = Path(ours)
    statement = None
    if _is_master(our_path):
        acc = read_accounts(our_path, lang=lang)
        if period is None:
            dates = [e.date for e in their_books.entries if e.date]
            if not dates:
                raise GendanError(f"{Path(theirs).name}: no dates to tell the period from; pass --period 2026-06")
            last = max(dates)
            period = f"{last.year}-{last.month:02d}"
        statements = acc.statements(Period.parse(period), customer=customer, as_of=as_of, lang=lang)
        if customer is None:
            if len(statements) != 1:
                names = ", ".join(s.customer for s in statements)
                raise GendanError(f"{our_path.name} has statements for several customers ({names}); "
                                  "pass --customer CODE")
        statement = statements[0]
        our_side = statement
        our_entries = entries_from_statement(statement)
    else:
        mine = read_theirs(our_path, mode=STATEMENT)
        our_side = our_entries = mine.entries
    their_entries = their_books.entries
    flipped = False
    if their_books.mode == STATEMENT:
        their_entries, flipped = orient(their_entries, our_entries)
    their_balance = their_books.balance if their_books.mode == STATEMENT else None
    if their_balance is not None and flipped:
        their_balance = -their_balance
    rec = reconcile(our_side, their_entries, their_balance=their_balance, mode=their_books.mode, lang=lang,
                    **tolerances)
    rec.issues.extend(their_books.issues)
    return rec


def _is_master(path: Path) -> bool:
    """A master workbook has our ledger sheets; anything else is a statement file."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    from gendan_xl.xlsx.read import open_book

    names = {normalize_header(n) for n in open_book(path).sheet_names}
    wanted = {normalize_header(a) for s in (schema.SHIPMENTS, schema.OPENING) for a in (s.zh, s.en, *s.sheet_aliases)}
    return bool(names & wanted)
