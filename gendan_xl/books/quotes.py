"""Quotations (报价单): read a quote request workbook, number the quote, fill the quote workbook, log it.

The pricing itself is pure and lives in `gendan_xl.pricing`; this module does the I/O around it:
`read_quote_request(path)` reads the request workbook (报价申请, 报价明细, 退税率) and `make_quote(path, ...)`
numbers the quote through a `QuoteLog` (the store's SQLite, numbers never repeat), fills
templates/quote.xlsx, logs each quoted line and, when asked, makes the PDF.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol

from gendan_xl import defaults
from gendan_xl.books.company import company_block
from gendan_xl.errors import ERROR, WARNING, Issue, MissingSheetError
from gendan_xl.resources import shipped
from gendan_xl.messages import message, show_value
from gendan_xl.i18n import say
from gendan_xl.i18n.terminal import CLI
from gendan_xl.plaintext import text_table
from gendan_xl.pricing import (AMOUNT_PLACES, LINES, RATES, RATES_CHECKED, REQUEST, Quote, QuotedLine, QuoteRequest,
                               RebateRate, RequestLine, digits_only, percent_rate, price_lines, round_half_up)
from gendan_xl.schema import INT, NUMBER, SheetSchema, normalize_currency, fold_key
from gendan_xl.values import parse_number, type_cell
from gendan_xl.xlsx.read import open_book, read_table
from gendan_xl.cellrefs import cell_ref
from gendan_xl.xlsx.template import PdfError, fill_template, to_pdf

__all__ = ["DEFAULT_TEMPLATE", "read_quote_request", "QuoteLog", "QuoteResult", "company_for", "quote_context",
           "make_quote"]

DEFAULT_TEMPLATE = shipped("templates") / "quote.xlsx"


# ------------------------------------------------------------------------------------------ reading


def _parse_rate_text(raw: Any) -> Decimal | None:
    """'13%' / '１３％' → 0.13 (read_table leaves percent text as a bad number)."""
    if not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text.endswith("%"):
        return None
    number = parse_number(text[:-1])
    return None if number is None else number / 100


def _typed(raw: Any, kind: str, date1904: bool) -> tuple[Any, str | None]:
    """A header value typed like read_table types a column, with "13%" read as 0.13: (value, error code)."""
    rate = _parse_rate_text(raw) if kind in (NUMBER, INT) else None
    return type_cell(raw if rate is None else rate, kind, date1904=date1904)


def _read_labels(book: Any, sheet: str, schema: SheetSchema = REQUEST
                 ) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Label/value pairs anywhere on the sheet: the value is the cell right of the label."""
    lookup: dict[str, str] = {}
    for col in schema.columns:
        for alias in col.aliases:
            lookup.setdefault(fold_key(alias), col.field)
    values: dict[str, Any] = {}
    refs: dict[str, str] = {}
    errors: dict[str, str] = {}
    for r, cells in enumerate(book.values(sheet)):
        c = 0
        while c < len(cells):
            label = cells[c]
            fld = lookup.get(fold_key(label)) if isinstance(label, str) else None
            if fld is None or fld in refs:
                c += 1
                continue
            value_col = c + 1  # the value sits in the cell right of its label (a hint may follow)
            raw = cells[value_col] if value_col < len(cells) else None
            if isinstance(raw, str) and lookup.get(fold_key(raw)):
                raw = None  # the next cell is the next label: this value is blank
            refs[fld] = cell_ref(r + 1, value_col)
            values[fld], err = _typed(raw, schema.column(fld).type, book.date1904)
            if err:
                errors[fld] = err
                values[fld] = raw
            c = value_col + (0 if raw is None else 1)
    for col in schema.columns:
        values.setdefault(col.field, None)
    return values, refs, errors


def _line_from_row(row: Any) -> RequestLine:
    values = dict(row.values)
    errors = dict(row.errors)
    for fld, err in list(errors.items()):
        if err == "bad-number" and LINES.column(fld).type == NUMBER:
            rate = _parse_rate_text(row.raw.get(fld))
            if rate is not None:
                values[fld] = rate
                del errors[fld]
    for fld in errors:
        values[fld] = row.raw.get(fld)
    refs = {fld: cell_ref(row.row, c) for fld, c in row.cols.items()}
    return RequestLine(row=row.row, values=values, refs=refs, errors=errors)


def _find_sheet(book: Any, schema: SheetSchema) -> str:
    try:
        return book.find_sheet(schema)
    except MissingSheetError:
        raise MissingSheetError.said("no-quote-sheet", name=book.path.name, zh=schema.zh, en=schema.en,
                                     found=", ".join(book.sheet_names)) from None


def read_quote_request(path: Path | str) -> QuoteRequest:
    """Read a quote request workbook (sheets 报价申请, 报价明细, 退税率) without changing it.

    The 退税率 sheet may say when its rates were last checked: a 核对日期 / Checked On label anywhere on it
    with the date right of it (`QuoteRequest.rates_checked`).

    Raises UnusableWorkbookError / MissingSheetError / MissingColumnsError (one line) when it cannot be
    used; problems in the data come back as `QuoteRequest.issues` and in `price_lines`.
    """
    path = Path(path)
    book = open_book(path)
    header_sheet, lines_sheet, rates_sheet = (_find_sheet(book, s) for s in (REQUEST, LINES, RATES))
    header, refs, errors = _read_labels(book, header_sheet)
    lines = read_table(book, LINES, lines_sheet, year_anchor=None)
    rates_table = read_table(book, RATES, rates_sheet, year_anchor=None)
    lang = lines.lang
    issues = [Issue(err, ERROR, header_sheet, refs.get(fld, ""), header.get(fld),
                    message(err, lang, column=REQUEST.column(fld).label(lang), value=header.get(fld)))
              for fld, err in errors.items()]
    for fld in ("vat_rate", "bank_fee_rate", "insurance_rate", "profit_margin", "markup_on_cost"):
        if fld not in errors:
            header[fld] = percent_rate(header.get(fld))
    rates: list[RebateRate] = []
    for row in rates_table.rows:
        line = _line_from_row(row)
        v = line.values
        if not v.get("hs_code") and not v.get("family"):
            continue  # a note under the table
        bad = [(fld, line.errors.get(fld, "missing-value")) for fld in ("rate", "valid_from")
               if fld in line.errors or v.get(fld) is None]
        issues.extend(Issue(code, ERROR, rates_table.sheet, line.refs.get(fld, ""), v.get(fld),
                            message(code, lang, column=RATES.column(fld).label(lang), value=v.get(fld)))
                      for fld, code in bad)
        if not bad:
            rates.append(RebateRate(rate=percent_rate(v["rate"]), valid_from=v["valid_from"],
                                    hs_code=digits_only(v.get("hs_code")), family=v.get("family") or "",
                                    note=v.get("note") or "", row=row.row))
    checked, checked_refs, checked_errors = _read_labels(book, rates_table.sheet, RATES_CHECKED)
    issues.extend(Issue(err, ERROR, rates_table.sheet, checked_refs[fld], checked[fld],
                        message(err, lang, column=RATES_CHECKED.column(fld).label(lang), value=checked[fld]))
                  for fld, err in checked_errors.items())
    return QuoteRequest(name=path.name, header=header, header_refs=refs, header_sheet=header_sheet,
                        lines=[_line_from_row(r) for r in lines.rows], lines_sheet=lines.sheet,
                        rates=rates, rates_sheet=rates_table.sheet, lang=lang, issues=issues,
                        rates_checked=None if checked_errors else checked["checked_on"],
                        rates_checked_ref=checked_refs.get("checked_on", ""))


# ----------------------------------------------------------------------------------------- the log


class QuoteLog(Protocol):
    """Where quote numbers come from and quoted tiers go: `delivery.store.Store` (books/ cannot import it, so
    the door passes it in)."""

    def record_quote(self, year: int, write: Callable[[str], Iterable[Quote]]) -> str:
        """Take the next number of `year`, call `write(number)` (it writes the quote and returns its tiers)
        and log them, in one transaction: a `write` that raises uses up no number and logs nothing."""
        ...


# ---------------------------------------------------------------------------------------- make_quote


@dataclass
class QuoteResult:
    """What `make_quote` did. `quote_no` and `path` are None when errors stopped it."""

    request: str
    quote_no: str | None
    date: dt.date
    valid_until: dt.date | None
    customer: str
    currency: str
    incoterm: str
    lines: list[QuotedLine]
    issues: list[Issue]
    path: Path | None = None
    pdf: Path | None = None

    @property
    def ok(self) -> bool:
        return not any(i.severity == ERROR for i in self.issues)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "request": self.request, "quote_no": self.quote_no, "date": self.date.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "customer": self.customer, "currency": self.currency, "incoterm": self.incoterm,
            "path": str(self.path) if self.path else None, "pdf": str(self.pdf) if self.pdf else None,
            "lines": [line.to_dict() for line in self.lines],
            "issues": [i.to_dict() for i in self.issues],
        }

    def to_text(self, lang: str = "zh") -> str:
        """The prices as a plain table (what the CLI prints), then one summary line."""
        rows = [say(CLI, "quote.columns", lang).split("|")]
        for line in self.lines:
            b = line.breakdown
            rows.append([line.model, f"{line.quantity:,}", f"{line.price} {self.currency}",
                         str(round_half_up(b.cost, 2)), f"{show_value(b.rebate_rate * 100)}%"])
        out = text_table(rows, right=(1, 2, 3, 4))
        out.extend(str(i) for i in self.issues)
        if self.quote_no:
            out.append(say(CLI, "quote.done", lang, quote_no=self.quote_no, n=len(self.lines), incoterm=self.incoterm,
                           currency=self.currency, valid_until=self.valid_until, path=self.path)
                       + (f" + {self.pdf.name}" if self.pdf else ""))
        else:
            out.append(say(CLI, "quote.none", lang, errors=sum(i.severity == ERROR for i in self.issues),
                           request=self.request))
        return "\n".join(out)


def _safe_name(text: str) -> str:
    """A customer name fit for a file name on Windows too."""
    cleaned = re.sub(r'[\\/:*?"<>|\s]+', "_", text.strip()).strip("._")
    return cleaned[:40] or "customer"


_REQUEST_COMPANY = ("name", "name_en", "address", "tel", "email")  # the request's company_* cells


def company_for(request: QuoteRequest, company: Mapping[str, str] | None) -> tuple[dict[str, str], list[Issue]]:
    """Who the quote is from: gendan.toml's [company], key by key; the request's company cells only fill
    what it leaves blank, so a customer sees the same sender on quotes and statements. A request cell that
    says otherwise is a warning naming it (the quote prints gendan.toml's)."""
    h, lang = request.header, request.lang
    merged = dict(company or {})
    issues = []
    for key in _REQUEST_COMPANY:
        fld = f"company_{key}"
        mine, theirs = str(merged.get(key) or "").strip(), str(h.get(fld) or "").strip()
        if not mine:
            merged[key] = theirs
        elif theirs and fold_key(theirs) != fold_key(mine):
            issues.append(Issue("company-differs", WARNING, request.header_sheet, request.header_refs.get(fld, ""),
                                theirs, message("company-differs", lang, column=REQUEST.column(fld).label(lang),
                                                value=theirs, key=key, used=mine)))
    return merged, issues


def _number_format(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def quote_context(request: QuoteRequest, lines: list[QuotedLine], *, quote_no: str, today: dt.date,
                  valid_until: dt.date, company: Mapping[str, str] | None = None,
                  amount_places: int = AMOUNT_PLACES) -> dict[str, Any]:
    """What templates/quote.xlsx sees: company, customer, quote, lines (see the template's cells).

    `company` is gendan.toml's [company] (see `company_for`; CompanyError without a name). Each line's
    amount is quantity × unit price rounded to `amount_places`, a value and not a formula; the number
    formats carry the unit price's and the amount's decimals.
    """
    h = request.header
    incoterm = str(h.get("incoterm") or "").strip().upper()
    place = h.get("port_of_destination") if incoterm in ("CFR", "CIF") else h.get("port_of_loading")
    currency = normalize_currency(h.get("currency"))
    block = company_block(company_for(request, company)[0], document=f"quote {quote_no}")
    unit_places = lines[0].breakdown.places if lines else AMOUNT_PLACES
    return {
        "company": block,
        "customer": {"code": h.get("customer") or "", "name": h.get("customer_name") or h.get("customer") or "",
                     "attn": h.get("attn") or "", "address": h.get("customer_address") or "",
                     "email": h.get("customer_email") or ""},
        "quote": {"number": quote_no, "date": today, "valid_until": valid_until,
                  "validity_days": h.get("validity_days"), "currency": currency, "incoterm": incoterm,
                  "place": place or "", "terms": f"{incoterm} {place}".strip() if place else incoterm,
                  "payment_terms": h.get("payment_terms") or "", "lead_time": h.get("lead_time") or "",
                  "sales_rep": h.get("sales_rep") or block["contact"], "remark": h.get("remark") or "",
                  "export_date": h.get("export_date"), "price_format": _number_format(unit_places),
                  "amount_format": _number_format(amount_places)},
        "lines": [{"item_no": line.item_no, "first_tier": line.first_tier, "model": line.model,
                   "description": line.description, "unit": line.unit, "moq": line.moq, "qty": line.quantity,
                   "price": line.price, "amount": round_half_up(line.price * line.quantity, amount_places),
                   "currency": currency, "remark": line.remark} for line in lines],
    }


def make_quote(request_path: Path | str, *, out: Path | str, quote_log: QuoteLog, today: dt.date,
               company: Mapping[str, str] | None, pdf: bool = False, soffice: str = "soffice",
               template: Path | str | None = None, unit_places: Mapping[str, int] | None = None,
               amount_places: int = AMOUNT_PLACES,
               rates_max_age_days: int | None = defaults.RATES_MAX_AGE_DAYS) -> QuoteResult:
    """Price a request and write `Q{yyyy}{seq}-{customer}.xlsx` (and its PDF) into `out`.

    The quote number comes from `quote_log` (the store's quote_seq) in the same transaction that appends
    each quoted tier to its log, so numbers never repeat, even across runs; the file is written inside that
    transaction, so a failed write uses up no number and logs nothing. With error findings nothing is
    written and the result carries the issues. `pdf=True` needs LibreOffice: without it a PdfError is
    raised before anything is numbered or written.

    `company` is gendan.toml's [company], the sender on every customer document (`company_for`): with no
    name in it or in the request, CompanyError (exit 3) before anything is numbered. `unit_places` maps a
    currency to the decimals of its unit prices (others: 4, CNY 2); `amount_places` are an amount's. A rate
    table checked more than `rates_max_age_days` ago (or not dated) is a warning (None: not checked).
    """
    request_path, out = Path(request_path), Path(out)
    if pdf and shutil.which(soffice) is None:
        raise PdfError.said("no-libreoffice", names=request_path.name, soffice=soffice)
    request = read_quote_request(request_path)
    h = request.header
    currency = normalize_currency(h.get("currency"))
    lines, issues = price_lines(request, today=today, unit_places=(unit_places or {}).get(currency),
                                rates_max_age_days=rates_max_age_days)
    sender, differs = company_for(request, company)
    issues.extend(differs)
    customer = str(h.get("customer") or "")
    validity = h.get("validity_days")
    valid_until = today + dt.timedelta(days=validity) if isinstance(validity, int) else None
    result = QuoteResult(request=request_path.name, quote_no=None, date=today, valid_until=valid_until,
                         customer=customer, currency=currency, incoterm=str(h.get("incoterm") or "").strip().upper(),
                         lines=lines, issues=issues)
    if not result.ok or not lines:
        return result
    company_block(sender, document=f"the quote for {request_path.name}")  # refuse before taking a number

    def target(quote_no: str) -> Path:
        return out / f"{quote_no}-{_safe_name(customer)}.xlsx"

    def write(quote_no: str) -> list[Quote]:
        assert valid_until is not None  # result.ok: the required whole-number validity_days was read
        context = quote_context(request, lines, quote_no=quote_no, today=today, valid_until=valid_until,
                                company=company, amount_places=amount_places)
        fill_template(template or DEFAULT_TEMPLATE, context, target(quote_no),
                      images={"logo": context["company"]["logo"] or None})
        return [Quote(quote_no, today, customer, line.model, line.quantity, line.price, result.currency,
                      valid_until, result.incoterm) for line in lines]

    result.quote_no = quote_log.record_quote(today.year, write)
    result.path = target(result.quote_no)
    if pdf:
        result.pdf = to_pdf(result.path, out, soffice=soffice)
    return result
