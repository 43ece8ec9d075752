"""The books of account as a master workbook keeps them, and the filled statement (对账单) workbook.

`read_accounts(path)` reads 出货 / 退货 / 收款 / 期初 / 客户 into `Accounts` (every customer's documents);
`Accounts.statements(period)` runs the pure `statement.build_statement` over them;
`write_statement(statement, out_dir)` fills templates/statement.xlsx (and, when asked, its PDF).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping, Sequence

from gendan_xl.resources import shipped
from gendan_xl import schema
from gendan_xl.books.company import company_block
from gendan_xl.customers import Customer
from gendan_xl.errors import GendanError, Issue, MissingColumnsError, MissingSheetError
from gendan_xl.messages import make_issue
from gendan_xl.schema import normalize_currency, fold_key
from gendan_xl.statement import (CENT, CREDIT_NOTE, INVOICE, BY_INVOICE, KINDS, OPENING, PAYMENT, Document,
                                 Period, Statement, bilingual, build_statement, money, split_refs)
from gendan_xl.xlsx.read import open_book, read_columns, read_table

__all__ = ["CANCELLED_WORDS", "is_cancelled", "Accounts", "read_accounts", "statements_from_workbook",
           "DEFAULT_TEMPLATE", "statement_context", "statement_filename", "write_statement"]

# What people type into 状态 / Status to say a document does not count.
CANCELLED_WORDS = ("取消", "已取消", "作废", "已作废", "撤销", "红冲", "cancelled", "canceled", "void", "voided")


def is_cancelled(status: object) -> bool:
    norm = fold_key(status)
    if not norm:
        return False
    return any(fold_key(w) in norm for w in CANCELLED_WORDS)


@dataclass
class Accounts:
    """Every customer's documents as read from a master workbook, and what was wrong with the rows."""

    path: Path
    customers: dict[str, Customer]
    documents: dict[str, list[Document]]  # customer code → documents of every kind
    cutover: dict[str, dt.date]  # customer code → the 期初 sheet's as-of date
    issues: list[Issue] = field(default_factory=list)
    issues_by_customer: dict[str, list[Issue]] = field(default_factory=dict)

    def statement(self, customer: str, period: Period | str, *, as_of: dt.date | None = None,
                  basis: str = BY_INVOICE, lang: str = "zh") -> Statement:
        code = self.resolve(customer)
        info = self.customers.get(code, Customer(code))
        docs = self.documents.get(code, [])
        currency = info.currency or _main_currency(docs)  # Customer.currency is normalized
        by_kind = {k: [d for d in docs if d.kind == k] for k in KINDS}
        st = build_statement(
            code, period, as_of=as_of, opening=by_kind[OPENING], shipments=by_kind[INVOICE],
            credit_notes=by_kind[CREDIT_NOTE], payments=by_kind[PAYMENT], basis=basis,
            payment_terms=info.payment_terms or None, currency=currency, customer_name=info.name,
            cutover=self.cutover.get(code), lang=lang)
        st.issues[:0] = self.issues_by_customer.get(code, [])
        return st

    def resolve(self, customer: str) -> str:
        """A customer code from a code or a name as typed in any sheet."""
        key = _cust_key(customer)
        for code, info in self.customers.items():
            if key in (_cust_key(code), _cust_key(info.name)):
                return code
        for code in self.documents:
            if key == _cust_key(code):
                return code
        return customer

    def statements(self, period: Period | str, *, customer: str | None = None, as_of: dt.date | None = None,
                   basis: str = BY_INVOICE, lang: str = "zh") -> list[Statement]:
        """One customer's statement, or every customer's with documents in the period or an open balance."""
        if customer is not None:
            code = self.resolve(customer)
            if code not in self.customers and code not in self.documents:
                known = ", ".join(sorted(set(self.customers) | set(self.documents))) or "none"
                raise GendanError.said("no-customer", name=self.path.name, customer=customer, known=known)
            return [self.statement(code, period, as_of=as_of, basis=basis, lang=lang)]
        out = []
        for code in sorted(set(self.customers) | set(self.documents)):
            st = self.statement(code, period, as_of=as_of, basis=basis, lang=lang)
            if st.lines or st.open_items:
                out.append(st)
        return out


def _cust_key(text: object) -> str:
    return fold_key(text)


def _main_currency(docs: Sequence[Document]) -> str:
    counts: dict[str, int] = {}
    for d in docs:
        if d.currency:
            c = normalize_currency(d.currency)
            counts[c] = counts.get(c, 0) + 1
    return max(counts, key=lambda c: counts[c]) if counts else "CNY"


def read_accounts(path: str | Path, *, lang: str | None = None) -> Accounts:
    """Read 出货 / 退货 / 收款 / 期初 / 客户 from a master workbook (read only; the file is never written).

    A sheet that is absent counts as empty, but a workbook with none of 出货 / 期初 cannot make a
    statement and raises MissingSheetError. Rows with an unreadable date or amount are reported and left out.
    """
    book = open_book(path)
    tables = {}
    for s in (schema.SHIPMENTS, schema.CREDIT_NOTES, schema.PAYMENTS, schema.OPENING, schema.CUSTOMERS):
        try:
            tables[s.kind] = read_table(book, s, year_anchor=None)
        except MissingSheetError:
            continue
    if "shipments" not in tables and "opening" not in tables:
        raise MissingSheetError.said("no-statement-sheets", name=book.path.name, found=", ".join(book.sheet_names))

    acc = Accounts(path=book.path, customers={}, documents={}, cutover={})
    if "customers" in tables:
        for r in tables["customers"].rows:
            v = r.values
            if v.get("code"):
                acc.customers[v["code"]] = Customer.from_values(v)  # a repeated code: the last row wins

    def usable(table, r, needed: tuple[str, ...]) -> bool:
        lang_ = lang or table.lang
        ok = True
        found: list[Issue] = []
        for f in needed:
            if f not in r.cols:
                continue
            col = table.schema.column(f).label(lang_)
            if f in r.errors:
                found.append(make_issue(r.errors[f], "error", table.sheet, r.ref(f), r.raw.get(f), lang_,
                                        column=col))
                ok = False
            elif r.values.get(f) is None:
                found.append(make_issue("missing-value", "error", table.sheet, r.ref(f), None, lang_, column=col))
                ok = False
        acc.issues.extend(found)
        if found and r.values.get("customer"):
            acc.issues_by_customer.setdefault(acc.resolve(r.values["customer"]), []).extend(found)
        return ok

    def add(code: str, d: Document) -> None:
        acc.documents.setdefault(acc.resolve(code), []).append(d)

    if t := tables.get("shipments"):
        # the customer's PO and the product name, when 出货 has no column for them, come from the order line
        orders = {} if {"customer_po", "product_name"} <= set(t.columns) else _order_lines(book)
        for r in t.rows:
            v = r.values
            if not usable(t, r, ("doc_no", "date", "customer")):
                continue
            amount = v.get("amount")
            if amount is None and v.get("quantity") is not None and v.get("unit_price") is not None:
                amount = Decimal(v["quantity"]) * v["unit_price"]
            if amount is None:
                usable(t, r, ("amount",))
                continue
            po, product = _po_and_product(v, orders)
            desc = " ".join(str(x) for x in (product, v.get("model"), _qty_price(v)) if x)
            add(v["customer"], Document(INVOICE, v["doc_no"], v["date"], amount, cancelled=is_cancelled(
                v.get("status")), currency=v.get("currency") or "", customer=v["customer"],
                invoice_no=v.get("invoice_no") or "", order_no=v.get("order_no") or "", description=desc,
                customer_po=po, sheet=t.sheet, row=r.row, cell=r.ref("doc_no")))
    if t := tables.get("credit_notes"):
        for r in t.rows:
            v = r.values
            if not usable(t, r, ("doc_no", "date", "customer", "amount")):
                continue
            # Credit notes are typed as 1800 or as -1800 (红字); either way they lower the balance.
            add(v["customer"], Document(CREDIT_NOTE, v["doc_no"], v["date"], abs(v["amount"]),
                                        reference=v.get("reference") or "", cancelled=is_cancelled(v.get("status")),
                                        currency=v.get("currency") or "", customer=v["customer"],
                                        sheet=t.sheet, row=r.row, cell=r.ref("doc_no")))
    if t := tables.get("payments"):
        for r in t.rows:
            v = r.values
            if not usable(t, r, ("date", "customer", "amount")):
                continue
            cell = r.ref("bank_ref") if "bank_ref" in r.cols else r.ref("amount")
            add(v["customer"], Document(PAYMENT, v.get("bank_ref") or "", v["date"], v["amount"],
                                        invoices=split_refs(v.get("invoices")), cancelled=is_cancelled(
                                            v.get("status")), currency=v.get("currency") or "",
                                        customer=v["customer"], sheet=t.sheet, row=r.row, cell=cell))
    if t := tables.get("opening"):
        for r in t.rows:
            v = r.values
            if not usable(t, r, ("customer", "invoice_no", "date", "amount")):
                continue
            code = acc.resolve(v["customer"])
            if v.get("as_of"):
                acc.cutover[code] = max(acc.cutover.get(code, v["as_of"]), v["as_of"])
            add(code, Document(OPENING, v["invoice_no"], v["date"], v["amount"], currency=v.get("currency") or "",
                               customer=v["customer"], sheet=t.sheet, row=r.row, cell=r.ref("invoice_no")))
    return acc


def _order_lines(book: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """Order number → (the customer's PO, {model: product name}) from the 订单 sheet; {} without one.
    Only these four columns are typed, row by row: the orders sheet may hold a million lines."""
    try:
        cols = read_columns(book, schema.ORDERS, ("order_no", "customer_po", "model", "product_name"),
                            year_anchor=None)
    except (MissingSheetError, MissingColumnsError):
        return {}
    values = cols.values
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for i in range(len(cols)):
        order = fold_key(values["order_no"][i]) if "order_no" in values else ""
        if not order:
            continue
        po = str(values.get("customer_po", [None] * len(cols))[i] or "")
        known_po, names = out.setdefault(order, (po, {}))
        if po and not known_po:
            out[order] = (po, names)
        model, name = (values.get(f, [None] * len(cols))[i] for f in ("model", "product_name"))
        if model and name:
            names.setdefault(fold_key(model), str(name))
    return out


def _po_and_product(v: dict, orders: dict[str, tuple[str, dict[str, str]]]) -> tuple[str, str]:
    """The PO and product name of a shipment row: its own cells, else its order line's."""
    po, names = orders.get(fold_key(v.get("order_no")), ("", {}))
    return (str(v.get("customer_po") or po or ""),
            str(v.get("product_name") or names.get(fold_key(v.get("model")), "")))


def _qty_price(v: dict) -> str:
    if v.get("quantity") is None:
        return ""
    if v.get("unit_price") is None:
        return f"{v['quantity']:,}"
    return f"{v['quantity']:,} × {_price(v['unit_price'])}"


def _price(p: Decimal) -> str:
    """12.5 → "12.50", 18.0 → "18", 0.1234 → "0.1234": how a price list writes them."""
    if p == p.to_integral_value():
        return f"{int(p):,}"
    if p == p.quantize(CENT):
        return f"{p:,.2f}"
    return f"{p.normalize():,f}"


def statements_from_workbook(path: str | Path, period: Period | str, *, customer: str | None = None,
                             as_of: dt.date | None = None, basis: str = BY_INVOICE,
                             lang: str = "zh") -> list[Statement]:
    """`read_accounts(path).statements(...)`: what `gendan-xl statement WORKBOOK` prints.

    Row problems found while reading (bad dates, missing amounts) are in each statement's `issues` when they
    belong to its customer, and in `read_accounts(path).issues` in any case.
    """
    acc = read_accounts(path, lang=lang)
    return acc.statements(period, customer=customer, as_of=as_of, basis=basis, lang=lang)


# ============================================================================================ the template

DEFAULT_TEMPLATE = shipped("templates") / "statement.xlsx"


def _line_ref(doc: Document) -> str:
    """The number a customer checks a statement line against: their PO for a delivery, the document a credit
    note credits, the documents a payment settles. Never our own order number."""
    return doc.customer_po or doc.reference or "、".join(doc.invoices)


def statement_context(statement: Statement, *, company: Mapping[str, Any] | None, issued: dt.date) -> dict[str, Any]:
    """What templates/statement.xlsx is filled with: plain values, amounts as Decimal, dates as dates.

    `company` is gendan.toml's [company] (CompanyError when it has no name); `issued` is the day the
    statement is made (制表日期), the same whether it is written with --out or sent. A zero debit or credit
    is left empty (None) so that a column shows only the documents on its side.
    """
    st = statement
    basis_text = bilingual(f"basis.{st.basis}")
    cancelled = ""
    if st.cancelled:
        cancelled = f"{bilingual('cancelled')}: " + "、".join(d.label for d in st.cancelled)

    def amount_or_none(v: Decimal) -> Decimal | None:
        return money(v) if v else None

    return {
        "company": company_block(company, document=statement_filename(st)),
        "customer": {"code": st.customer, "name": st.customer_name or st.customer},
        "statement": {
            "period": st.period.label,
            "period_text": f"{st.period.label}（{st.period.start.isoformat()} ~ {st.period.end.isoformat()}）",
            "period_start": st.period.start, "period_end": st.period.end, "as_of": st.as_of,
            "issued": issued,
            "currency": st.currency, "basis": st.basis, "basis_text": basis_text,
            "payment_terms": st.payment_terms,
            "opening_balance": money(st.opening_balance), "closing_balance": money(st.closing_balance),
            "total_debit": money(st.total_debit), "total_credit": money(st.total_credit),
            "cancelled_text": cancelled,
        },
        "ageing": {b: money(v) for b, v in st.ageing.items()},
        "lines": [{"date": ln.doc.date, "kind_text": bilingual(f"kind.{ln.doc.kind}"), "doc_no": ln.doc.doc_no,
                   "ref": _line_ref(ln.doc), "description": ln.doc.description, "debit": amount_or_none(ln.debit),
                   "credit": amount_or_none(ln.credit), "balance": money(ln.balance)} for ln in st.lines],
        "open_items": [{"date": oi.doc.date, "doc_no": oi.doc.doc_no, "po": oi.doc.customer_po,
                        "due_date": oi.due_date, "days": oi.days,
                        "bucket": oi.bucket, "original": money(oi.original), "outstanding": money(oi.outstanding),
                        "kind_text": bilingual(f"kind.{oi.doc.kind}") if oi.outstanding > 0
                        else bilingual("on_account")} for oi in st.open_items],
    }


def statement_filename(statement: Statement) -> str:
    """statement-ACME-2026-06.xlsx: ASCII, so it survives every mail client as an attachment."""
    safe = re.sub(r"[^\w.-]+", "_", statement.customer, flags=re.ASCII).strip("_") or "customer"
    period = re.sub(r"[^\w.-]+", "_", statement.period.label, flags=re.ASCII)
    return f"statement-{safe}-{period}.xlsx"


def write_statement(statement: Statement, out_dir: str | Path, *, company: Mapping[str, Any] | None,
                    issued: dt.date, template: str | Path = DEFAULT_TEMPLATE, pdf: bool = False,
                    soffice: str = "soffice") -> Path:
    """Fill the statement template into out_dir/statement-<customer>-<period>.xlsx and return its path.

    `company` is gendan.toml's [company]: without a name nothing is written (CompanyError, exit 3); its
    logo, when given, goes into the letterhead. `issued` is the 制表日期. With `pdf=True` the PDF is made
    next to it (same name, .pdf) through LibreOffice; `PdfError` (one line) when LibreOffice is missing or
    fails.
    """
    from gendan_xl.xlsx.template import fill_template, to_pdf  # openpyxl and jinja2 load only when a statement is written

    out_dir = Path(out_dir)
    out = out_dir / statement_filename(statement)
    context = statement_context(statement, company=company, issued=issued)
    fill_template(template, context, out, images={"logo": context["company"]["logo"] or None})
    if pdf:
        to_pdf(out, out_dir, soffice)
    return out
