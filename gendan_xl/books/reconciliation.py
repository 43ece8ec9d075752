"""Reading the other side of a reconciliation: the customer's statement or ledger, or a bank receipts export.

`read_theirs(path)` turns the customer's file (xlsx or csv, in whatever reasonable layout: a header row
somewhere in the first 20 rows, Chinese or English titles, debit/credit columns or one signed amount, a
摘要 that mentions our document numbers) into `reconcile.Entry`s; `reconcile_files(ours, theirs)` reads
both sides and runs the pure `reconcile.reconcile` over them.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from gendan_xl import schema
from gendan_xl.books.accounts import read_accounts
from gendan_xl.errors import GendanError, Issue, MissingColumnsError, UnusableWorkbookError
from gendan_xl.messages import make_issue
from gendan_xl.reconcile import (BANK, OPENING, PAYMENT, STATEMENT, Entry, Reconciliation, entries_from_statement,
                                 has_word, is_credit, kind_for, orient, reconcile)
from gendan_xl.schema import DATE, NUMBER, TEXT, SheetSchema, column, match_headers, fold_key
from gendan_xl.statement import Period, Statement
from gendan_xl.cellrefs import cell_ref
from gendan_xl.values import is_blank, parse_date, parse_number
from gendan_xl.xlsx.read import open_book

__all__ = ["THEIRS", "TheirBooks", "read_grid", "read_theirs", "reconcile_files"]


# Their file, whatever it is: a statement they sent back, their ledger export, a bank export.
THEIRS = SheetSchema(
    "theirs", "对账单", "Statement", ("对账单", "对帐单", "往来明细", "明细账", "statement", "ledger", "sheet1"),
    (
        column("doc_no", TEXT, "单号", "Doc No.", "单据号", "单据编号", "凭证号", "凭证字号", "发票号", "发票号码",
               "送货单号", "出货单号", "编号", "Document No.", "Doc No", "Invoice No.", "Invoice", "Inv No.",
               "Reference", "Ref", "Ref No.", "Voucher No.", "交易流水号", "流水号", "Transaction Ref", "DN No."),
        column("date", DATE, "日期", "Date", "单据日期", "交易日期", "记账日期", "入账日期", "凭证日期", "出货日期",
               "Posting Date", "Transaction Date", "Value Date", "Doc Date", "Invoice Date", "交易时间"),
        column("summary", TEXT, "摘要", "Description", "说明", "备注", "Remark", "Remarks", "Memo", "Narrative",
               "用途", "附言", "Details", "Particulars", "内容", "交易摘要"),
        column("po", TEXT, "订单号", "PO No.", "PO", "采购单号", "采购订单号", "Order No.", "Your Ref", "关联单号",
               "原单号", "对应单号", "Related Doc"),
        column("debit", NUMBER, "借方", "Debit", "借方金额", "借方发生额", "借", "Dr", "支出", "支出金额",
               "Withdrawal", "应收金额", "出货金额"),
        column("credit", NUMBER, "贷方", "Credit", "贷方金额", "贷方发生额", "贷", "Cr", "收入", "收入金额",
               "Deposit", "存入", "收款金额", "已收金额"),
        column("amount", NUMBER, "金额", "Amount", "发生额", "交易金额", "Transaction Amount", "Value", "本币金额"),
        column("balance", NUMBER, "余额", "Balance", "账户余额", "Running Balance", "结余", "累计余额"),
        column("counterparty", TEXT, "对方户名", "Counterparty", "付款人", "对方账户名", "对方名称", "付款方",
               "Payer", "Remitter", "Payer Name"),
        column("kind", TEXT, "类型", "Type", "单据类型", "Doc Type", "业务类型", "Transaction Type"),
    ),
)

_OPENING_WORDS = ("期初", "上期结余", "上月结余", "上期余额", "承前页", "期初余额", "openingbalance", "opening",
                  "broughtforward", "balancebf", "b/f", "bf")
_CLOSING_WORDS = ("期末余额", "本期合计", "合计", "总计", "本月合计", "closingbalance", "total", "balancecf", "c/f")
_PAYMENT_WORDS = ("付款", "收款", "回款", "货款已付", "转账", "汇款", "电汇", "payment", "paid", "remittance",
                  "transfer", "receipt", "tt")
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


def read_grid(path: str | Path, sheet: str | None = None) -> tuple[str, list[list[Any]], bool]:
    """(sheet name, rows of cell values, date1904) of an xlsx/xlsm sheet or a csv file (UTF-8 or GBK)."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt"):
        if not path.is_file():
            raise UnusableWorkbookError.said("no-such-file", name=path)
        data = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # gb18030 decodes any byte string; kept for clarity
            raise UnusableWorkbookError.said("not-utf8-gbk", name=path.name)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        return path.stem, [row for row in csv.reader(io.StringIO(text), dialect)], False
    book = open_book(path)
    if sheet is not None:
        if sheet not in book.sheet_names:
            raise UnusableWorkbookError.said("no-sheet", name=path.name, sheet=sheet,
                                             found=", ".join(book.sheet_names))
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
    path = Path(path)
    name, grid, date1904 = read_grid(path, sheet)
    idx, mapping = _find_header(grid)
    if idx is None:
        raise MissingColumnsError.said("no-ledger-header", name=path.name)
    cols = {f: c for c, f in mapping.items()}
    if mode is None:
        named_bank = any(w in fold_key(path.stem + name) for w in _BANK_SHEETS)
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
        if has_word(first_text, _CLOSING_WORDS) or has_word(words, _CLOSING_WORDS):
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
        if has_word(words or first_text, _OPENING_WORDS):
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
            if value > 0 and (has_word(words, _PAYMENT_WORDS) or is_credit(words)):
                value = -value
        else:
            continue
        if value == 0:
            continue
        if step is not None and step:
            votes += 1 if step == value else -1 if step == -value else 0
        entries.append(Entry(kind_for(value, words), doc_no, date, value, refs, summary, name, excel_row))
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
                    period: str | None = None, as_of: dt.date | None = None, sheet: str | None = None,
                    bank: bool = False, lang: str = "zh", **tolerances: Any) -> Reconciliation:
    """What `gendan-xl reconcile --ours ... --theirs ...` prints. `sheet` is the sheet of their file to read;
    `bank` says their file is a bank receipts export (otherwise a sheet or file named like one says so).

    `ours` is the master workbook (with 出货 / 期初 sheets: `customer` picks the customer when it holds more
    than one, `period` defaults to the month of their file's last date) or a statement file we produced.
    """
    their_books = read_theirs(theirs, sheet=sheet, mode=BANK if bank else None)
    our_side: Statement | list[Entry]
    our_path = Path(ours)
    statement = None
    if _is_master(our_path):
        acc = read_accounts(our_path, lang=lang)
        if period is None:
            dates = [e.date for e in their_books.entries if e.date]
            if not dates:
                raise GendanError.said("no-dates-for-period", name=Path(theirs).name)
            last = max(dates)
            period = f"{last.year}-{last.month:02d}"
        statements = acc.statements(Period.parse(period), customer=customer, as_of=as_of, lang=lang)
        if customer is None:
            if len(statements) != 1:
                names = ", ".join(s.customer for s in statements)
                raise GendanError.said("several-customers", name=our_path.name, names=names)
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
    names = {fold_key(n) for n in open_book(path).sheet_names}
    wanted = {fold_key(a) for s in (schema.SHIPMENTS, schema.OPENING) for a in (s.zh, s.en, *s.sheet_aliases)}
    return bool(names & wanted)
