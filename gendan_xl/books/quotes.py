"""Quotations (报价单): export prices with the VAT rebate, quantity tiers, and the filled quote workbook.

Three layers, top to bottom:

1. `export_price(...)` — pure Decimal maths for one unit price, every intermediate figure kept.
2. `price_lines(request, today=...)` — pure: applies the rebate-rate table and the tier rules to a read
   request and returns priced lines plus findings (`Issue`s).
3. `read_quote_request(path)` and `make_quote(path, ...)` — the I/O: read the request workbook, number
   the quote (SQLite, never repeats), fill templates/quote.xlsx, log each quoted line, optional PDF.

The price formula (margin on the selling price, the usual way Chinese exporters quote)::

    ex-VAT cost  = purchase_price / (1 + vat_rate)
    rebate       = ex-VAT cost × rebate_rate                      (出口退税)
    real cost    = purchase_price − rebate
    cost         = real cost + domestic costs (+ export costs unless EXW) (+ freight for CFR/CIF)
    divisor      = 1 − profit_margin − bank_fee_rate (− 110% × insurance_rate for CIF)
    price        = cost / divisor / exchange_rate                 (exchange_rate: CNY per unit of currency)

With `markup_on_cost` instead of `profit_margin` the profit is a share of the cost, not of the price:
`price = cost × (1 + markup_on_cost) / (1 − bank_fee_rate [− 110% × insurance_rate]) / exchange_rate`.
Rounding happens once, at the end, half up (四舍五入), to `places` (4 for a foreign-currency unit price).

Rebate rates change by product and date (batteries: 13% → 9% from 2024-12-01), so they always come from
the request's 退税率 / Rebate rates sheet: a row per HS code (a prefix such as 9405 covers 9405xxxxxx)
or product family, with a valid-from date. A line takes the row with the longest matching HS code, else
its family, whose valid-from is the latest on or before the expected export date. No row → an error
finding naming the line; the quote is not written.

Quantity tiers: the 报价明细 sheet has one row per model and tier quantity (1,000 / 5,000 / 10,000 pcs).
A blank cost or margin cell takes the value from the row above of the same model, then the request's
default (利润率, 增值税率 in the 报价申请 block), so a tier row only needs what differs.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Iterable, Mapping

from gendan_xl.errors import ERROR, WARNING, GendanError, Issue, MissingSheetError, QuoteInputError, json_value
from gendan_xl.xlsx.template import PdfError, fill_template, to_pdf
from gendan_xl.messages import MESSAGES, message, show_value
from gendan_xl.xlsx.read import open_book, parse_number, read_table, type_cell
from gendan_xl.xlsx.refs import cell_ref
from gendan_xl.schema import DATE, INT, NUMBER, TEXT, Column, SheetSchema, normalize_currency, normalize_header

__all__ = [
    "INCOTERMS", "QuoteInputError", "ExportPrice", "export_price", "RebateRate", "find_rebate_rate",
    "QuoteRequest", "RequestLine", "QuotedLine", "QuoteResult", "price_lines", "read_quote_request",
    "make_quote", "quote_context", "REQUEST", "LINES", "RATES", "DEFAULT_TEMPLATE",
]

INCOTERMS = ("EXW", "FOB", "CFR", "CIF")
# Cargo is insured for 110% of the CIF value (Incoterms 2020 A5, and PICC practice).
INSURED_SHARE = Decimal("1.1")
UNIT_PLACES = 4  # a unit price in a foreign currency
AMOUNT_PLACES = 2
DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "quote.xlsx"




# ---------------------------------------------------------------------------------------- the maths


@dataclass(frozen=True)
class ExportPrice:
    """One unit price and how it was reached. CNY figures are per unit and exact (unrounded)."""

    incoterm: str
    pricing: str  # "margin" (profit as a share of the price) or "markup" (profit as a share of the cost)
    purchase_price: Decimal  # incl. VAT, CNY
    vat_rate: Decimal
    rebate_rate: Decimal
    ex_vat_cost: Decimal
    rebate: Decimal
    real_cost: Decimal
    domestic_costs: Decimal
    export_costs: Decimal  # left out (0) for EXW
    freight: Decimal  # 0 unless CFR/CIF
    cost: Decimal  # the numerator: real cost + the costs the incoterm includes
    profit_margin: Decimal | None
    markup_on_cost: Decimal | None
    bank_fee_rate: Decimal
    insurance_rate: Decimal  # 0 unless CIF
    divisor: Decimal
    price_cny: Decimal
    bank_fee: Decimal
    insurance: Decimal
    profit: Decimal
    exchange_rate: Decimal
    price_exact: Decimal  # in the quote currency, unrounded
    price: Decimal  # rounded half up to `places`
    places: int

    def to_dict(self) -> dict[str, Any]:
        """Every figure as exact decimal text ("8.340546069714375639310724683295303")."""
        # format(v, "f"): plain digits, never "5E+1" for fifty
        return {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def _dec(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise QuoteInputError("negative-input" if value is not None else "no-pricing", name=name, value=value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise QuoteInputError("negative-input", name=name, value=value) from None
    if not number.is_finite() or number < 0:
        raise QuoteInputError("negative-input", name=name, value=value)
    return number


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def export_price(*, purchase_price: Any, vat_rate: Any, rebate_rate: Any, domestic_costs: Any = 0,
                 export_costs: Any = 0, profit_margin: Any = None, markup_on_cost: Any = None,
                 bank_fee_rate: Any = 0, exchange_rate: Any = 1, incoterm: str = "FOB", freight: Any = 0,
                 insurance_rate: Any = 0, places: int = UNIT_PLACES) -> ExportPrice:
    """The export unit price for one product, with every intermediate figure.

    All money is per unit in CNY except the result price, which is in the quote currency
    (`exchange_rate` = CNY per unit of that currency; 1 for a CNY quote). Rates are fractions
    (0.13 for 13%). `domestic_costs` are factory-side costs (processing, packaging); `export_costs` are
    the export-side ones (inland freight, customs and port charges) that an EXW price leaves out.
    `freight` counts only for CFR/CIF and `insurance_rate` only for CIF; for other incoterms they are
    ignored, so a request can carry them for every line. Give exactly one of `profit_margin` (margin on
    the selling price) or `markup_on_cost`. Numbers may be Decimal, int or str (floats go through str).

    Raises QuoteInputError for a negative input, a rate of 100% or more, margins that add up to 100% or
    more, a rebate above the VAT rate, a zero exchange rate, or an unknown incoterm.
    """
    term = str(incoterm or "").strip().upper()
    if term not in INCOTERMS:
        raise QuoteInputError("unknown-incoterm", value=incoterm)
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 10:
        raise QuoteInputError("bad-places", value=places)
    if profit_margin is not None and markup_on_cost is not None:
        raise QuoteInputError("pricing-mode")
    if profit_margin is None and markup_on_cost is None:
        raise QuoteInputError("no-pricing")
    with localcontext() as ctx:  # our own precision, whatever the caller set globally
        ctx.prec = 34
        purchase = _dec("purchase_price", purchase_price)
        vat = _dec("vat_rate", vat_rate)
        rebate_r = _dec("rebate_rate", rebate_rate)
        domestic = _dec("domestic_costs", domestic_costs)
        export = _dec("export_costs", export_costs) if term != "EXW" else Decimal(0)
        fre = _dec("freight", freight) if term in ("CFR", "CIF") else Decimal(0)
        ins = _dec("insurance_rate", insurance_rate) if term == "CIF" else Decimal(0)
        bank = _dec("bank_fee_rate", bank_fee_rate)
        rate = _dec("exchange_rate", exchange_rate)
        margin = _dec("profit_margin", profit_margin) if profit_margin is not None else None
        markup = _dec("markup_on_cost", markup_on_cost) if markup_on_cost is not None else None
        if rate == 0:
            raise QuoteInputError("bad-exchange-rate", value=exchange_rate)
        for name, value in (("vat_rate", vat), ("rebate_rate", rebate_r), ("bank_fee_rate", bank),
                            ("insurance_rate", ins), ("profit_margin", margin)):
            if value is not None and value >= 1:
                raise QuoteInputError("rate-too-high", name=name, value=value)
        if rebate_r > vat:
            raise QuoteInputError("rebate-above-vat", value=rebate_r, vat_rate=vat)

        ex_vat = purchase / (1 + vat)
        rebate = ex_vat * rebate_r
        real_cost = purchase - rebate
        cost = real_cost + domestic + export + fre
        taken = bank + INSURED_SHARE * ins + (margin if margin is not None else 0)
        if taken >= 1:
            raise QuoteInputError("margin-too-high", value=f"{taken * 100:.4g}%")
        divisor = 1 - taken
        price_cny = (cost if markup is None else cost * (1 + markup)) / divisor
        exact = price_cny / rate
        bank_fee = price_cny * bank
        insurance = price_cny * INSURED_SHARE * ins
        return ExportPrice(
            incoterm=term, pricing="margin" if markup is None else "markup", purchase_price=purchase,
            vat_rate=vat, rebate_rate=rebate_r, ex_vat_cost=ex_vat, rebate=rebate, real_cost=real_cost,
            domestic_costs=domestic, export_costs=export, freight=fre, cost=cost, profit_margin=margin,
            markup_on_cost=markup, bank_fee_rate=bank, insurance_rate=ins, divisor=divisor,
            price_cny=price_cny, bank_fee=bank_fee, insurance=insurance,
            profit=price_cny - cost - bank_fee - insurance, exchange_rate=rate, price_exact=exact,
            price=_round(exact, places), places=places)


# ------------------------------------------------------------------------------------- rebate rates


@dataclass(frozen=True)
class RebateRate:
    """One row of the rate table: an HS code (or prefix) or a product family, a rate, a valid-from date."""

    rate: Decimal
    valid_from: dt.date
    hs_code: str = ""  # digits only
    family: str = ""
    note: str = ""
    row: int = 0  # where it came from (Excel row), for messages


def _digits(text: Any) -> str:
    return re.sub(r"\D", "", str(text or ""))


def find_rebate_rate(rates: Iterable[RebateRate], *, on: dt.date, hs_code: str | None = None,
                     family: str | None = None) -> RebateRate | None:
    """The rate for a product exported on `on`: longest matching HS code first, then the family.

    Among rows for the same key, the one with the latest valid-from on or before `on` wins, so a rate
    cut (batteries 13% → 9% on 2024-12-01) is one more row, never an edit of the old one.
    """
    rates = [r for r in rates if r.valid_from <= on]
    code = _digits(hs_code)
    if code:
        by_hs = [r for r in rates if r.hs_code and code.startswith(r.hs_code)]
        if by_hs:
            return max(by_hs, key=lambda r: (len(r.hs_code), r.valid_from))
    fam = normalize_header(family)
    if fam:
        by_family = [r for r in rates if not r.hs_code and normalize_header(r.family) == fam]
        if by_family:
            return max(by_family, key=lambda r: r.valid_from)
    return None


# ---------------------------------------------------------------------------------- request, lines


def _col(field_: str, type_: str, zh: str, en: str, *aliases: str, required: bool = False) -> Column:
    # also accept the bilingual label we print ourselves: "客户代码 Customer Code" → "客户代码customercode"
    return Column(field_, type_, zh, en, (zh, en, zh + en, *aliases), required)


# The 报价申请 sheet: a block of label / value cells (label, then the value in the next filled cell right).
REQUEST = SheetSchema(
    "quote_request", "报价申请", "Quote Request", ("报价申请", "报价", "询价", "quote request", "request", "quote"),
    (
        _col("company_name", TEXT, "公司名称", "Company", "我司名称", "卖方", "Seller"),
        _col("company_name_en", TEXT, "公司英文名", "Company (English)", "英文名称", "Company Name"),
        _col("company_address", TEXT, "公司地址", "Company Address", "地址"),
        _col("company_tel", TEXT, "电话", "Tel", "联系电话", "Phone"),
        _col("company_email", TEXT, "邮箱", "Email", "E-mail"),
        _col("customer", TEXT, "客户代码", "Customer Code", "客户", "Customer", required=True),
        _col("customer_name", TEXT, "客户名称", "Customer Name", "Buyer"),
        _col("attn", TEXT, "联系人", "Attn", "收件人", "Contact"),
        _col("customer_address", TEXT, "客户地址", "Customer Address"),
        _col("customer_email", TEXT, "客户邮箱", "Customer Email"),
        _col("incoterm", TEXT, "贸易条款", "Incoterm", "价格条款", "Price Term", "Terms", required=True),
        _col("port_of_loading", TEXT, "起运港", "Port of Loading", "装运港", "POL"),
        _col("port_of_destination", TEXT, "目的港", "Port of Destination", "POD", "Destination"),
        _col("currency", TEXT, "币种", "Currency", "报价币种", required=True),
        _col("exchange_rate", NUMBER, "汇率", "Exchange Rate", "汇率(人民币/外币)", "CNY per unit"),
        _col("payment_terms", TEXT, "付款条件", "Payment Terms", "付款方式", "Payment"),
        _col("validity_days", INT, "有效期(天)", "Validity (days)", "有效期", "Validity", "报价有效期",
             required=True),
        _col("export_date", DATE, "预计出口日期", "Expected Export Date", "出口日期", "Export Date"),
        _col("vat_rate", NUMBER, "增值税率", "VAT Rate", "税率"),
        _col("bank_fee_rate", NUMBER, "银行费率", "Bank Fee Rate", "银行费用率"),
        _col("insurance_rate", NUMBER, "保险费率", "Insurance Rate"),
        _col("profit_margin", NUMBER, "利润率", "Profit Margin", "毛利率"),
        _col("markup_on_cost", NUMBER, "成本加成率", "Markup on Cost", "加成率"),
        _col("lead_time", TEXT, "交货期", "Lead Time", "交期"),
        _col("sales_rep", TEXT, "业务员", "Sales Rep", "报价人", "Prepared by"),
        _col("remark", TEXT, "备注", "Remarks", "Remark", "说明"),
    ),
)

LINES = SheetSchema(
    "quote_lines", "报价明细", "Quote Lines", ("报价明细", "明细", "产品明细", "quote lines", "lines", "items"),
    (
        _col("model", TEXT, "型号", "Model", "料号", "产品型号", "Item No.", "P/N", required=True),
        _col("description", TEXT, "品名描述", "Description", "品名", "描述", "产品名称", "Product"),
        _col("family", TEXT, "产品系列", "Family", "系列", "类别", "Category"),
        _col("hs_code", TEXT, "HS编码", "HS Code", "海关编码", "HS"),
        _col("unit", TEXT, "单位", "Unit", "UOM"),
        _col("moq", INT, "最小起订量", "MOQ", "起订量"),
        _col("quantity", INT, "数量档位", "Tier Qty", "数量", "阶梯数量", "Qty", "Quantity", "Tier"),
        _col("purchase_price", NUMBER, "采购价(含税)", "Purchase Price", "采购单价", "含税采购价", "采购价",
             "进价", "Cost incl. VAT", required=True),
        _col("vat_rate", NUMBER, "增值税率", "VAT Rate", "税率"),
        _col("processing", NUMBER, "加工费", "Processing"),
        _col("packaging", NUMBER, "包装费", "Packaging", "包材费"),
        _col("inland_freight", NUMBER, "内陆运费", "Inland Freight", "拖车费"),
        _col("port_charges", NUMBER, "报关港杂费", "Customs & Port", "港杂费", "报关费", "Port Charges"),
        _col("freight", NUMBER, "海运费", "Freight", "运费", "Ocean Freight"),
        _col("profit_margin", NUMBER, "利润率", "Profit Margin", "毛利率", "Margin"),
        _col("markup_on_cost", NUMBER, "成本加成率", "Markup on Cost", "加成率", "Markup"),
        _col("remark", TEXT, "备注", "Remark", "Remarks", "说明"),
    ),
)

RATES = SheetSchema(
    "rebate_rates", "退税率", "Rebate Rates", ("退税率", "退税率表", "出口退税率", "rebate rates", "rebates"),
    (
        _col("hs_code", TEXT, "HS编码", "HS Code", "海关编码", "HS"),
        _col("family", TEXT, "产品系列", "Family", "系列", "类别"),
        _col("rate", NUMBER, "退税率", "Rebate Rate", "出口退税率", "Rate", required=True),
        _col("valid_from", DATE, "生效日期", "Valid From", "执行日期", "起始日期", required=True),
        _col("note", TEXT, "说明", "Note", "依据", "备注"),
    ),
)

_RATE_FIELDS = {"vat_rate", "bank_fee_rate", "insurance_rate", "profit_margin", "markup_on_cost", "rate"}
# Inherited from the row above of the same model when blank (see the module docstring).
_INHERITED = ("description", "family", "hs_code", "unit", "moq", "purchase_price", "vat_rate", "processing",
              "packaging", "inland_freight", "port_charges", "freight", "profit_margin", "markup_on_cost")


@dataclass
class RequestLine:
    """One row of 报价明细 (one model at one tier quantity), values typed, cells for messages."""

    row: int
    values: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)  # field → "H7"
    errors: dict[str, str] = field(default_factory=dict)  # field → "bad-number" | ...


@dataclass
class QuoteRequest:
    """What the merchandiser filled in, as read (pure `price_lines` works on this)."""

    name: str  # file name, for messages
    header: dict[str, Any]  # field → typed value (None when blank)
    header_refs: dict[str, str]  # field → "B5" where its value is (or should be)
    header_sheet: str
    lines: list[RequestLine]
    lines_sheet: str
    rates: list[RebateRate]
    rates_sheet: str
    lang: str = "zh"
    issues: list[Issue] = field(default_factory=list)  # found while reading


@dataclass(frozen=True)
class QuotedLine:
    """One priced tier: what goes on the quote and into the log."""

    row: int  # the request's Excel row
    item_no: int  # 1-based per model, in request order
    first_tier: bool
    model: str
    description: str
    unit: str
    moq: int | None
    quantity: int
    price: Decimal
    rebate: RebateRate
    breakdown: ExportPrice
    remark: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "item_no": self.item_no, "model": self.model,
                "description": self.description, "unit": self.unit, "moq": self.moq,
                "tier_qty": self.quantity, "price": json_value(self.price),
                "rebate_rate": json_value(self.rebate.rate), "rebate_valid_from": self.rebate.valid_from.isoformat(),
                "breakdown": self.breakdown.to_dict()}


def _rate_value(value: Any) -> Any:
    """Rates typed as 13 mean 13%: a number of 1 or more in a rate cell is read as percent points."""
    if isinstance(value, Decimal) and value >= 1:
        return value / 100
    return value


def price_lines(request: QuoteRequest, *, today: dt.date,
                unit_places: int | None = None) -> tuple[list[QuotedLine], list[Issue]]:
    """Price every tier of the request (pure). With any error finding no line is returned.

    `unit_places`: decimals of a unit price; by default 4 in a foreign currency, 2 in CNY.
    """
    lang = request.lang
    hdr = request.header
    issues: list[Issue] = list(request.issues)

    def header_issue(code: str, fld: str, **params: Any) -> None:
        column = REQUEST.column(fld).label(lang)
        issues.append(Issue(code, ERROR, request.header_sheet, request.header_refs.get(fld, ""),
                            hdr.get(fld), message(code, lang, column=column, value=hdr.get(fld), **params)))

    for fld in REQUEST.required:
        if hdr.get(fld) in (None, ""):
            header_issue("missing-value", fld)
    currency = normalize_currency(hdr.get("currency")) if hdr.get("currency") else ""
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        header_issue("unknown-currency", "currency")
    rate = hdr.get("exchange_rate")
    if currency == "CNY" and rate is None:
        rate = Decimal(1)
    elif currency and rate is None:
        header_issue("missing-value", "exchange_rate")
    incoterm = str(hdr.get("incoterm") or "").strip().upper()
    if incoterm and incoterm not in INCOTERMS:
        header_issue("unknown-incoterm", "incoterm")
    export_date = hdr.get("export_date") or today
    if unit_places is None:
        unit_places = AMOUNT_PLACES if currency == "CNY" else UNIT_PLACES
    if not request.lines:
        issues.append(Issue("no-lines", ERROR, request.lines_sheet, "", None, message("no-lines", lang)))
    header_bad = any(i.severity == ERROR for i in issues)

    quoted: list[QuotedLine] = []
    previous: dict[str, dict[str, Any]] = {}  # model → the last row's values (for blank cells)
    seen_tiers: dict[tuple[str, int], int] = {}
    item_numbers: dict[str, int] = {}
    for line in request.lines:
        def line_issue(code: str, fld: str, severity: str = ERROR, **params: Any) -> None:
            column = LINES.column(fld).label(lang)
            value = params.pop("value", line.values.get(fld))
            issues.append(Issue(code, severity, request.lines_sheet, line.refs.get(fld, ""), value,
                                message(code, lang, column=column, value=value, **params)))

        model = line.values.get("model")
        if not model:
            line_issue("missing-value", "model")
            continue
        values = dict(line.values)
        for fld, err in line.errors.items():
            line_issue(err if err in MESSAGES else "bad-number", fld, value=line.values.get(fld))
        if line.errors:
            continue
        before = previous.get(model, {})
        for fld in _INHERITED:
            if values.get(fld) is None:
                values[fld] = before.get(fld)
        previous[model] = values
        values["vat_rate"] = _rate_value(values["vat_rate"] if values.get("vat_rate") is not None
                                         else hdr.get("vat_rate"))
        if values.get("profit_margin") is None and values.get("markup_on_cost") is None:
            values["profit_margin"], values["markup_on_cost"] = hdr.get("profit_margin"), hdr.get("markup_on_cost")
        values["profit_margin"] = _rate_value(values.get("profit_margin"))
        values["markup_on_cost"] = _rate_value(values.get("markup_on_cost"))
        if values.get("purchase_price") is None:
            line_issue("missing-value", "purchase_price")
            continue
        if values.get("vat_rate") is None:
            line_issue("missing-value", "vat_rate")
            continue
        qty, moq = values.get("quantity"), values.get("moq")
        if qty is None:
            if moq is None:
                line_issue("missing-value", "quantity")
                continue
            qty = moq  # no tier given: quote at the MOQ
        if moq is not None and qty < moq:
            line_issue("tier-below-moq", "quantity", WARNING, value=qty, model=model, moq=moq)
        if (model, qty) in seen_tiers:
            line_issue("duplicate-tier", "quantity", WARNING, value=qty, model=model,
                       other=seen_tiers[(model, qty)])
        seen_tiers.setdefault((model, qty), line.row)
        found = find_rebate_rate(request.rates, on=export_date, hs_code=values.get("hs_code"),
                                 family=values.get("family"))
        if found is None:
            line_issue("no-rebate-rate", "hs_code" if "hs_code" in line.refs else "model", model=model,
                       date=export_date.isoformat(), hs_code=values.get("hs_code") or "-",
                       family=values.get("family") or "-")
            continue
        if header_bad:
            continue
        try:
            price = export_price(
                purchase_price=values["purchase_price"], vat_rate=values["vat_rate"], rebate_rate=found.rate,
                domestic_costs=sum((values.get(f) or Decimal(0) for f in ("processing", "packaging")),
                                   Decimal(0)),
                export_costs=sum((values.get(f) or Decimal(0) for f in ("inland_freight", "port_charges")),
                                 Decimal(0)),
                profit_margin=values.get("profit_margin"), markup_on_cost=values.get("markup_on_cost"),
                bank_fee_rate=_rate_value(hdr.get("bank_fee_rate")) or 0, exchange_rate=rate,
                incoterm=incoterm, freight=values.get("freight") or 0,
                insurance_rate=_rate_value(hdr.get("insurance_rate")) or 0, places=unit_places)
        except QuoteInputError as exc:
            where = {"profit_margin": "profit_margin", "markup_on_cost": "markup_on_cost"}.get(
                exc.params.get("name", ""), "purchase_price")
            issues.append(Issue(exc.code, ERROR, request.lines_sheet, line.refs.get(where, ""),
                                exc.params.get("value"), f"{model}: {exc.message(lang)}"))
            continue
        first = model not in item_numbers
        item_numbers.setdefault(model, len(item_numbers) + 1)
        quoted.append(QuotedLine(
            row=line.row, item_no=item_numbers[model], first_tier=first, model=model,
            description=values.get("description") or "", unit=values.get("unit") or "",
            moq=values.get("moq"), quantity=qty, price=price.price, rebate=found, breakdown=price,
            remark=line.values.get("remark") or ""))
    if any(i.severity == ERROR for i in issues):
        return [], issues
    return quoted, issues


# ------------------------------------------------------------------------------------------ reading
# Everything below does I/O; everything above is pure.


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


def _read_header(book: Any, sheet: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Label/value pairs anywhere on the sheet: the value is the cell right of the label."""
    lookup: dict[str, str] = {}
    for col in REQUEST.columns:
        for alias in col.aliases:
            lookup.setdefault(normalize_header(alias), col.field)
    values: dict[str, Any] = {}
    refs: dict[str, str] = {}
    errors: dict[str, str] = {}
    for r, cells in enumerate(book.values(sheet)):
        c = 0
        while c < len(cells):
            label = cells[c]
            fld = lookup.get(normalize_header(label)) if isinstance(label, str) else None
            if fld is None or fld in refs:
                c += 1
                continue
            value_col = c + 1  # the value sits in the cell right of its label (a hint may follow)
            raw = cells[value_col] if value_col < len(cells) else None
            if isinstance(raw, str) and lookup.get(normalize_header(raw)):
                raw = None  # the next cell is the next label: this value is blank
            refs[fld] = cell_ref(r + 1, value_col)
            values[fld], err = _typed(raw, REQUEST.column(fld).type, book.date1904)
            if err:
                errors[fld] = err
                values[fld] = raw
            c = value_col + (0 if raw is None else 1)
    for col in REQUEST.columns:
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
    for fld, err in errors.items():
        values[fld] = row.raw.get(fld)
    refs = {fld: cell_ref(row.row, c) for fld, c in row.cols.items()}
    return RequestLine(row=row.row, values=values, refs=refs, errors=errors)


def _find_sheet(book: Any, schema: SheetSchema) -> str:
    try:
        return book.find_sheet(schema)
    except MissingSheetError:
        raise MissingSheetError(
            f'{book.path.name} has no sheet "{schema.zh}" / "{schema.en}" (found: {", ".join(book.sheet_names)}); '
            "a quote request needs 报价申请, 报价明细 and 退税率 (see workbooks/quote_request.xlsx)") from None


def read_quote_request(path: Path | str) -> QuoteRequest:
    """Read a quote request workbook (sheets 报价申请, 报价明细, 退税率) without changing it.

    Raises UnusableWorkbookError / MissingSheetError / MissingColumnsError (one line) when it cannot be
    used; problems in the data come back as `QuoteRequest.issues` and in `price_lines`.
    """
    path = Path(path)
    book = open_book(path)
    header_sheet, lines_sheet, rates_sheet = (_find_sheet(book, s) for s in (REQUEST, LINES, RATES))
    header, refs, errors = _read_header(book, header_sheet)
    lines = read_table(book, LINES, lines_sheet, year_anchor=None)
    rates_table = read_table(book, RATES, rates_sheet, year_anchor=None)
    lang = lines.lang
    issues = [Issue(err, ERROR, header_sheet, refs.get(fld, ""), header.get(fld),
                    message(err, lang, column=REQUEST.column(fld).label(lang), value=header.get(fld)))
              for fld, err in errors.items()]
    for fld in ("vat_rate", "bank_fee_rate", "insurance_rate", "profit_margin", "markup_on_cost"):
        if fld not in errors:
            header[fld] = _rate_value(header.get(fld))
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
            rates.append(RebateRate(rate=_rate_value(v["rate"]), valid_from=v["valid_from"],
                                    hs_code=_digits(v.get("hs_code")), family=v.get("family") or "",
                                    note=v.get("note") or "", row=row.row))
    return QuoteRequest(name=path.name, header=header, header_refs=refs, header_sheet=header_sheet,
                        lines=[_line_from_row(r) for r in lines.rows], lines_sheet=lines.sheet,
                        rates=rates, rates_sheet=rates_table.sheet, lang=lang, issues=issues)


# ------------------------------------------------------------------------------ numbering and the log

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS quote_seq (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quote_log (
    id INTEGER PRIMARY KEY,
    quote_no TEXT NOT NULL,
    date TEXT NOT NULL,          -- ISO date the quote was made
    customer TEXT NOT NULL,
    model TEXT NOT NULL,
    tier_qty INTEGER NOT NULL,
    price TEXT NOT NULL,         -- exact decimal text in `currency`, as quoted ("8.3406")
    currency TEXT NOT NULL,
    incoterm TEXT NOT NULL,
    valid_until TEXT NOT NULL    -- ISO date
);
CREATE INDEX IF NOT EXISTS quote_log_customer_model ON quote_log (customer, model);
"""


def _connect(data_dir: Path) -> sqlite3.Connection:
    data_dir.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so two runs cannot take the same number
    conn = sqlite3.connect(data_dir / "gendan.sqlite", timeout=30, isolation_level=None)
    conn.executescript(_SCHEMA_SQL)
    return conn


def _next_number(conn: sqlite3.Connection, year: int) -> str:
    row = conn.execute("SELECT last FROM quote_seq WHERE year = ?", (year,)).fetchone()
    seq = (row[0] if row else 0) + 1
    conn.execute("INSERT INTO quote_seq (year, last) VALUES (?, ?) "
                 "ON CONFLICT(year) DO UPDATE SET last = excluded.last", (year, seq))
    return f"Q{year}{seq:04d}"


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

    def to_text(self) -> str:
        """The prices as a plain table (what the CLI prints), then one summary line."""
        out = [f"{'model':<16} {'tier qty':>9} {'price':>12}  {'cost CNY':>9} {'rebate':>6}"]
        for line in self.lines:
            b = line.breakdown
            out.append(f"{line.model:<16} {line.quantity:>9,} {line.price:>8} {self.currency:<3} "
                       f"{_round(b.cost, 2):>9} {show_value(b.rebate_rate * 100):>5}%")
        out.extend(str(i) for i in self.issues)
        if self.quote_no:
            out.append(f"{self.quote_no}: {len(self.lines)} prices, {self.incoterm} {self.currency}, valid until "
                       f"{self.valid_until} -> {self.path}" + (f" + {self.pdf.name}" if self.pdf else ""))
        else:
            out.append(f"no quote written: {sum(i.severity == ERROR for i in self.issues)} error(s) in "
                       f"{self.request}")
        return "\n".join(out)


def _safe_name(text: str) -> str:
    """A customer name fit for a file name on Windows too."""
    cleaned = re.sub(r'[\\/:*?"<>|\s]+', "_", text.strip()).strip("._")
    return cleaned[:40] or "customer"


def quote_context(request: QuoteRequest, lines: list[QuotedLine], *, quote_no: str, today: dt.date,
                  valid_until: dt.date, company: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What templates/quote.xlsx sees: company, customer, quote, lines (see the template's cells).

    `company` (gendan.toml's [company]: name, name_en, address, tel, email) fills what the request's
    company cells leave blank; the request wins.
    """
    h = request.header
    fallback = company or {}
    incoterm = str(h.get("incoterm") or "").strip().upper()
    place = h.get("port_of_destination") if incoterm in ("CFR", "CIF") else h.get("port_of_loading")
    currency = normalize_currency(h.get("currency"))
    return {
        "company": {key: h.get(f"company_{key}") or fallback.get(key, "")
                    for key in ("name", "name_en", "address", "tel", "email")},
        "customer": {"code": h.get("customer") or "", "name": h.get("customer_name") or h.get("customer") or "",
                     "attn": h.get("attn") or "", "address": h.get("customer_address") or "",
                     "email": h.get("customer_email") or ""},
        "quote": {"number": quote_no, "date": today, "valid_until": valid_until,
                  "validity_days": h.get("validity_days"), "currency": currency, "incoterm": incoterm,
                  "place": place or "", "terms": f"{incoterm} {place}".strip() if place else incoterm,
                  "payment_terms": h.get("payment_terms") or "", "lead_time": h.get("lead_time") or "",
                  "sales_rep": h.get("sales_rep") or "", "remark": h.get("remark") or "",
                  "export_date": h.get("export_date")},
        "lines": [{"item_no": line.item_no, "first_tier": line.first_tier, "model": line.model,
                   "description": line.description, "unit": line.unit, "moq": line.moq, "qty": line.quantity,
                   "price": line.price, "currency": currency, "remark": line.remark} for line in lines],
    }


def make_quote(request_path: Path | str, *, out_dir: Path | str, data_dir: Path | str, today: dt.date,
               pdf: bool = False, soffice: str = "soffice", template: Path | str | None = None,
               unit_places: int | None = None, company: Mapping[str, str] | None = None) -> QuoteResult:
    """Price a request and write `Q{yyyy}{seq}-{customer}.xlsx` (and its PDF) into `out_dir`.

    The quote number comes from `<data_dir>/gendan.sqlite` (table quote_seq) in the same transaction
    that appends each quoted tier to quote_log, so numbers never repeat, even across runs; the file is
    written inside that transaction, so a failed write uses up no number and logs nothing. With error
    findings nothing is written and the result carries the issues. `pdf=True` needs LibreOffice: without
    it a PdfError is raised before anything is numbered or written. `company` (gendan.toml's
    [company]) fills company cells the request leaves blank.
    """
    request_path, out_dir, data_dir = Path(request_path), Path(out_dir), Path(data_dir)
    if pdf and shutil.which(soffice) is None:
        raise PdfError(f"cannot make a PDF of the quote for {request_path.name}: LibreOffice ({soffice}) is "
                       "not installed; install libreoffice-calc (and fonts-noto-cjk) or leave out --pdf")
    request = read_quote_request(request_path)
    lines, issues = price_lines(request, today=today, unit_places=unit_places)
    h = request.header
    customer = str(h.get("customer") or "")
    validity = h.get("validity_days")
    valid_until = today + dt.timedelta(days=validity) if isinstance(validity, int) else None
    result = QuoteResult(request=request_path.name, quote_no=None, date=today, valid_until=valid_until,
                         customer=customer, currency=normalize_currency(h.get("currency")),
                         incoterm=str(h.get("incoterm") or "").strip().upper(), lines=lines, issues=issues)
    if not result.ok or not lines:
        return result
    conn = _connect(data_dir)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            quote_no = _next_number(conn, today.year)
            target = out_dir / f"{quote_no}-{_safe_name(customer)}.xlsx"
            fill_template(template or DEFAULT_TEMPLATE,
                          quote_context(request, lines, quote_no=quote_no, today=today, valid_until=valid_until,
                                        company=company),
                          target)
            conn.executemany(
                "INSERT INTO quote_log (quote_no, date, customer, model, tier_qty, price, currency, incoterm, "
                "valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(quote_no, today.isoformat(), customer, line.model, line.quantity, str(line.price),
                  result.currency, result.incoterm, valid_until.isoformat()) for line in lines])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    result.quote_no, result.path = quote_no, target
    if pdf:
        result.pdf = to_pdf(target, out_dir, soffice=soffice)
    return result

