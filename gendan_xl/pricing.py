"""Export pricing (报价): the unit price with the VAT rebate, rebate-rate lookup, quantity tiers. Pure.

`export_price(...)` is the Decimal maths for one unit price, every intermediate figure kept;
`price_lines(request, today=...)` applies the rebate-rate table and the tier rules to a read request and
returns priced lines plus findings (`Issue`s). Nothing here reads a file, the clock or a database: reading
the request workbook, numbering the quote and filling the template are `books.quotes`.

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

Rebate rates change by product and date (batteries: 13% → 9% from 2024-12-01, → 6% from 2026-04-01), so
they always come from the request's 退税率 / Rebate rates sheet: a row per HS code (a prefix such as 9405
covers 9405xxxxxx) or product family, with a valid-from date. A line takes the row with the longest matching
HS code, else its family, whose valid-from is the latest on or before the expected export date. No row → an
error finding naming the line; the quote is not written. The sheet says when it was last checked against
the notices (核对日期 / Checked On); a table older than `rates_max_age_days`, or undated, is a warning.

Quantity tiers: the 报价明细 sheet has one row per model and tier quantity (1,000 / 5,000 / 10,000 pcs).
A blank cost or margin cell takes the value from the row above of the same model, then the request's
default (利润率, 增值税率 in the 报价申请 block), so a tier row only needs what differs.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, Iterable

from gendan_xl.errors import ERROR, WARNING, Issue, QuoteInputError
# AMOUNT_PLACES, UNIT_PLACES: decimals of an amount, of a unit price in a foreign currency
from gendan_xl.jsondoc import AMOUNT_PLACES, UNIT_PLACES, exact, money, round_half_up, unit_money
from gendan_xl.messages import MESSAGES, message
from gendan_xl.schema import DATE, INT, NUMBER, TEXT, SheetSchema, column, normalize_currency, fold_key

INCOTERMS = ("EXW", "FOB", "CFR", "CIF")
# Cargo is insured for 110% of the CIF value (Incoterms 2020 A5, and PICC practice).
INSURED_SHARE = Decimal("1.1")

__all__ = [
    "INCOTERMS", "ExportPrice", "export_price", "round_half_up", "RebateRate", "find_rebate_rate", "digits_only",
    "REQUEST", "LINES", "RATES", "RATES_CHECKED", "RequestLine", "QuoteRequest", "QuotedLine", "Quote", "percent_rate", "price_lines",
    "rates_age_issue",
]


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
        """Each figure as JSON text of fixed decimals (jsondoc): the per-unit money with 4, the price with the
        places it is quoted in, rates and factors exact."""
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            if k == "price":
                out[k] = money(v, self.places)
            elif k in _RATES or not isinstance(v, Decimal):
                out[k] = exact(v) if isinstance(v, Decimal) else v
            else:
                out[k] = unit_money(v)
        return out


_RATES = {"vat_rate", "rebate_rate", "profit_margin", "markup_on_cost", "bank_fee_rate", "insurance_rate", "divisor",
          "exchange_rate"}


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
            price=round_half_up(exact, places), places=places)


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


def digits_only(text: Any) -> str:
    return re.sub(r"\D", "", str(text or ""))


def find_rebate_rate(rates: Iterable[RebateRate], *, on: dt.date, hs_code: str | None = None,
                     family: str | None = None) -> RebateRate | None:
    """The rate for a product exported on `on`: longest matching HS code first, then the family.

    Among rows for the same key, the one with the latest valid-from on or before `on` wins, so a rate
    cut (batteries 13% → 9% on 2024-12-01) is one more row, never an edit of the old one.
    """
    rates = [r for r in rates if r.valid_from <= on]
    code = digits_only(hs_code)
    if code:
        by_hs = [r for r in rates if r.hs_code and code.startswith(r.hs_code)]
        if by_hs:
            return max(by_hs, key=lambda r: (len(r.hs_code), r.valid_from))
    fam = fold_key(family)
    if fam:
        by_family = [r for r in rates if not r.hs_code and fold_key(r.family) == fam]
        if by_family:
            return max(by_family, key=lambda r: r.valid_from)
    return None


# ---------------------------------------------------------------------------------- request, lines


def _with_printed_labels(sheet: SheetSchema) -> SheetSchema:
    """Also accept the bilingual label we print ourselves: "客户代码 Customer Code" → "客户代码customercode"."""
    return replace(sheet, columns=tuple(replace(c, aliases=(*c.aliases, c.zh + c.en)) for c in sheet.columns))


# The 报价申请 sheet: a block of label / value cells (label, then the value in the next filled cell right).
REQUEST = _with_printed_labels(SheetSchema(
    "quote_request", "报价申请", "Quote Request", ("报价申请", "报价", "询价", "quote request", "request", "quote"),
    (
        column("company_name", TEXT, "公司名称", "Company", "我司名称", "卖方", "Seller"),
        column("company_name_en", TEXT, "公司英文名", "Company (English)", "英文名称", "Company Name"),
        column("company_address", TEXT, "公司地址", "Company Address", "地址"),
        column("company_tel", TEXT, "电话", "Tel", "联系电话", "Phone"),
        column("company_email", TEXT, "邮箱", "Email", "E-mail"),
        column("customer", TEXT, "客户代码", "Customer Code", "客户", "Customer", required=True),
        column("customer_name", TEXT, "客户名称", "Customer Name", "Buyer"),
        column("attn", TEXT, "联系人", "Attn", "收件人", "Contact"),
        column("customer_address", TEXT, "客户地址", "Customer Address"),
        column("customer_email", TEXT, "客户邮箱", "Customer Email"),
        column("incoterm", TEXT, "贸易条款", "Incoterm", "价格条款", "Price Term", "Terms", required=True),
        column("port_of_loading", TEXT, "起运港", "Port of Loading", "装运港", "POL"),
        column("port_of_destination", TEXT, "目的港", "Port of Destination", "POD", "Destination"),
        column("currency", TEXT, "币种", "Currency", "报价币种", required=True),
        column("exchange_rate", NUMBER, "汇率", "Exchange Rate", "汇率(人民币/外币)", "CNY per unit"),
        column("payment_terms", TEXT, "付款条件", "Payment Terms", "付款方式", "Payment"),
        column("validity_days", INT, "有效期(天)", "Validity (days)", "有效期", "Validity", "报价有效期",
               required=True),
        column("export_date", DATE, "预计出口日期", "Expected Export Date", "出口日期", "Export Date"),
        column("vat_rate", NUMBER, "增值税率", "VAT Rate", "税率"),
        column("bank_fee_rate", NUMBER, "银行费率", "Bank Fee Rate", "银行费用率"),
        column("insurance_rate", NUMBER, "保险费率", "Insurance Rate"),
        column("profit_margin", NUMBER, "利润率", "Profit Margin", "毛利率"),
        column("markup_on_cost", NUMBER, "成本加成率", "Markup on Cost", "加成率"),
        column("lead_time", TEXT, "交货期", "Lead Time", "交期"),
        column("sales_rep", TEXT, "业务员", "Sales Rep", "报价人", "Prepared by"),
        column("remark", TEXT, "备注", "Remarks", "Remark", "说明"),
    ),
))

LINES = _with_printed_labels(SheetSchema(
    "quote_lines", "报价明细", "Quote Lines", ("报价明细", "明细", "产品明细", "quote lines", "lines", "items"),
    (
        column("model", TEXT, "型号", "Model", "料号", "产品型号", "Item No.", "P/N", required=True),
        column("description", TEXT, "品名描述", "Description", "品名", "描述", "产品名称", "Product"),
        column("family", TEXT, "产品系列", "Family", "系列", "类别", "Category"),
        column("hs_code", TEXT, "HS编码", "HS Code", "海关编码", "HS"),
        column("unit", TEXT, "单位", "Unit", "UOM"),
        column("moq", INT, "最小起订量", "MOQ", "起订量"),
        column("quantity", INT, "数量档位", "Tier Qty", "数量", "阶梯数量", "Qty", "Quantity", "Tier"),
        column("purchase_price", NUMBER, "采购价(含税)", "Purchase Price", "采购单价", "含税采购价", "采购价",
               "进价", "Cost incl. VAT", required=True),
        column("vat_rate", NUMBER, "增值税率", "VAT Rate", "税率"),
        column("processing", NUMBER, "加工费", "Processing"),
        column("packaging", NUMBER, "包装费", "Packaging", "包材费"),
        column("inland_freight", NUMBER, "内陆运费", "Inland Freight", "拖车费"),
        column("port_charges", NUMBER, "报关港杂费", "Customs & Port", "港杂费", "报关费", "Port Charges"),
        column("freight", NUMBER, "海运费", "Freight", "运费", "Ocean Freight"),
        column("profit_margin", NUMBER, "利润率", "Profit Margin", "毛利率", "Margin"),
        column("markup_on_cost", NUMBER, "成本加成率", "Markup on Cost", "加成率", "Markup"),
        column("remark", TEXT, "备注", "Remark", "Remarks", "说明"),
    ),
))

RATES = _with_printed_labels(SheetSchema(
    "rebate_rates", "退税率", "Rebate Rates", ("退税率", "退税率表", "出口退税率", "rebate rates", "rebates"),
    (
        column("hs_code", TEXT, "HS编码", "HS Code", "海关编码", "HS"),
        column("family", TEXT, "产品系列", "Family", "系列", "类别"),
        column("rate", NUMBER, "退税率", "Rebate Rate", "出口退税率", "Rate", required=True),
        column("valid_from", DATE, "生效日期", "Valid From", "执行日期", "起始日期", required=True),
        column("note", TEXT, "说明", "Note", "依据", "备注"),
    ),
))

# When someone last checked the rate table against the tax office's notices: a label anywhere on the
# 退税率 sheet with the date right of it. Rates change by notice (batteries 9% → 6% from 2026-04-01), so a
# table nobody has looked at for months prices with yesterday's rates.
RATES_CHECKED = _with_printed_labels(SheetSchema(
    "rebate_rates_checked", "退税率", "Rebate Rates", (),
    (column("checked_on", DATE, "核对日期", "Checked On", "更新日期", "Updated", "截至日期", "As Of", "税率日期"),),
))

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
    rates_checked: dt.date | None = None  # the rate table's 核对日期, when it has one
    rates_checked_ref: str = ""  # where that date is (or "")


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
                "tier_qty": self.quantity, "price": money(self.price, self.breakdown.places),
                "rebate_rate": exact(self.rebate.rate), "rebate_valid_from": self.rebate.valid_from.isoformat(),
                "breakdown": self.breakdown.to_dict()}


@dataclass(frozen=True)
class Quote:
    """One price we quoted: one tier of one model of one quote, as the quote log keeps it (review reads it back)."""

    quote_no: str
    date: dt.date
    customer: str
    model: str
    tier_qty: int
    price: Decimal
    currency: str
    valid_until: dt.date
    incoterm: str = ""


def percent_rate(value: Any) -> Any:
    """Rates typed as 13 mean 13%: a number of 1 or more in a rate cell is read as percent points."""
    if isinstance(value, Decimal) and value >= 1:
        return value / 100
    return value


def rates_age_issue(request: QuoteRequest, *, today: dt.date, max_age_days: int) -> Issue | None:
    """A warning when the rate table was checked more than `max_age_days` before `today`, or says not when."""
    checked = request.rates_checked
    if checked is None:
        return Issue("rates-undated", WARNING, request.rates_sheet, "", None,
                     message("rates-undated", request.lang, max_days=max_age_days))
    age = (today - checked).days
    if age <= max_age_days:
        return None
    return Issue("rates-outdated", WARNING, request.rates_sheet, request.rates_checked_ref, checked,
                 message("rates-outdated", request.lang, value=checked.isoformat(), days=age, max_days=max_age_days))


def price_lines(request: QuoteRequest, *, today: dt.date, unit_places: int | None = None,
                rates_max_age_days: int | None = None) -> tuple[list[QuotedLine], list[Issue]]:
    """Price every tier of the request (pure). With any error finding no line is returned.

    `unit_places`: decimals of a unit price; by default 4 in a foreign currency, 2 in CNY.
    `rates_max_age_days`: warn when the rate table was checked longer ago than that (None: no check).
    """
    lang = request.lang
    hdr = request.header
    issues: list[Issue] = list(request.issues)
    if rates_max_age_days is not None:
        stale = rates_age_issue(request, today=today, max_age_days=rates_max_age_days)
        if stale is not None:
            issues.append(stale)

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
        values["vat_rate"] = percent_rate(values["vat_rate"] if values.get("vat_rate") is not None
                                         else hdr.get("vat_rate"))
        if values.get("profit_margin") is None and values.get("markup_on_cost") is None:
            values["profit_margin"], values["markup_on_cost"] = hdr.get("profit_margin"), hdr.get("markup_on_cost")
        values["profit_margin"] = percent_rate(values.get("profit_margin"))
        values["markup_on_cost"] = percent_rate(values.get("markup_on_cost"))
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
                bank_fee_rate=percent_rate(hdr.get("bank_fee_rate")) or 0, exchange_rate=rate,
                incoterm=incoterm, freight=values.get("freight") or 0,
                insurance_rate=percent_rate(hdr.get("insurance_rate")) or 0, places=unit_places)
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
