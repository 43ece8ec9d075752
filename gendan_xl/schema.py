"""Columns of every sheet we read: field names, types and the header aliases people actually type.

This module is the one table of header aliases (Chinese and English). Headers are matched after
`normalize_header`: trimmed, full-width → half-width (NFKC), case-folded, inner spaces, line breaks and
decoration (`.`, `:`, `*`) removed, and, when that does not match, with a trailing bracketed unit
removed ("单价(USD)" → "单价").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TEXT = "text"
INT = "int"
NUMBER = "number"
DATE = "date"


@dataclass(frozen=True)
class Column:
    field: str
    type: str
    zh: str  # the header we write, and the name used in Chinese messages
    en: str  # ... and in English messages
    aliases: tuple[str, ...] = ()
    required: bool = False

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class SheetSchema:
    kind: str
    zh: str  # default sheet name (Chinese)
    en: str
    sheet_aliases: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, field: str) -> Column:
        for col in self.columns:
            if col.field == field:
                return col
        raise KeyError(field)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns if c.required)


def column(field: str, type_: str, zh: str, en: str, *aliases: str, required: bool = False) -> Column:
    """A column of a sheet we read: its Chinese and English headers are aliases too. Every schema's one helper."""
    return Column(field, type_, zh, en, (zh, en, *aliases), required)


_c = column  # the short name the tables below are written with


ORDERS = SheetSchema(
    "orders", "订单", "Orders",
    ("订单", "订单跟踪", "订单跟踪表", "订单明细", "orders", "order tracking", "order list"),
    (
        _c("order_no", TEXT, "订单号", "Order No.", "订单编号", "单号", "PO号", "销售订单号", "SO号",
           "Order No", "Order Number", "SO No.", "Order #", "Order", required=True),
        _c("customer", TEXT, "客户", "Customer", "客户名称", "客户代码", "客户编号", "客户简称",
           "Customer Code", "Customer Name", "Client", required=True),
        _c("customer_po", TEXT, "客户PO", "Customer PO", "客户PO号", "客户订单号", "PO No.", "PO",
           "Cust PO", "Customer PO No."),
        _c("model", TEXT, "型号", "Model", "机型", "料号", "产品型号", "规格型号", "物料编码", "P/N",
           "PN", "Part No.", "Part Number", "Item", "Item No.", required=True),
        _c("product_name", TEXT, "品名", "Description", "产品名称", "名称", "品名规格", "Product",
           "Product Name", "Item Description"),
        _c("quantity", INT, "数量", "Qty", "订单数量", "订货数量", "Quantity", "Order Qty", required=True),
        _c("unit_price", NUMBER, "单价", "Unit Price", "价格", "Price", "U/P"),
        _c("currency", TEXT, "币种", "Currency", "币别", "货币", "Curr", "CCY"),
        _c("amount", NUMBER, "金额", "Amount", "总金额", "总价", "Total", "Total Amount", "Value"),
        _c("order_date", DATE, "下单日期", "Order Date", "订单日期", "接单日期", "下单日", "PO Date",
           "Date", required=True),
        _c("customer_due_date", DATE, "客户交期", "Due Date", "交期", "交货期", "要求交期", "交货日期",
           "客户要求交期", "Delivery Date", "Required Date", "Customer Due Date", "Request Date",
           required=True),
        _c("factory_due_date", DATE, "工厂交期", "Factory Due Date", "回复交期", "确认交期", "厂交期",
           "工厂回复交期", "Confirmed Date", "Promised Date", "Factory Date"),
        _c("material_date", DATE, "到料日期", "Material Date", "物料到齐", "齐料日期", "来料日期",
           "Material Ready", "Material Arrival"),
        _c("production_date", DATE, "上线日期", "Production Start", "上线", "投产日期", "开工日期",
           "Start Date"),
        _c("finish_date", DATE, "完工日期", "Finish Date", "完成日期", "下线日期", "Production Finish",
           "Completion Date"),
        _c("inspection_date", DATE, "验货日期", "Inspection Date", "验货", "QC日期", "检验日期",
           "QC Date"),
        _c("ship_date", DATE, "出货日期", "Ship Date", "出货日", "发货日期", "出运日期", "Shipped Date",
           "Shipment Date", "ETD"),
        _c("shipped_qty", INT, "已出货数量", "Shipped Qty", "出货数量", "已出数量", "已发货数量",
           "Shipped Quantity", "Qty Shipped"),
        _c("status", TEXT, "状态", "Status", "订单状态", "Order Status"),
        _c("merchandiser", TEXT, "跟单员", "Merchandiser", "跟单", "业务跟单", "负责人", "Follower",
           "Owner"),
        _c("remark", TEXT, "备注", "Remark", "说明", "Remarks", "Notes", "Note", "Comment"),
    ),
)

CUSTOMERS = SheetSchema(
    "customers", "客户", "Customers", ("客户", "客户资料", "客户清单", "customers", "customer list"),
    (
        _c("code", TEXT, "客户代码", "Customer Code", "代码", "客户编号", "客户", "Code", "Customer",
           required=True),
        _c("name", TEXT, "客户名称", "Customer Name", "名称", "全称", "Name"),
        _c("grade", TEXT, "等级", "Grade", "客户等级", "级别", "Priority"),
        _c("currency", TEXT, "币种", "Currency", "币别", "Curr"),
        _c("payment_terms", TEXT, "付款条件", "Payment Terms", "付款方式", "账期", "Terms"),
        _c("credit_limit", NUMBER, "信用额度", "Credit Limit", "额度"),
        _c("email", TEXT, "邮箱", "Email", "电子邮件", "E-mail", "邮件"),
        _c("language", TEXT, "语言", "Language", "Lang"),
    ),
)

PRODUCTS = SheetSchema(
    "products", "产品", "Products", ("产品", "产品资料", "物料", "products", "items"),
    (
        _c("model", TEXT, "型号", "Model", "机型", "料号", "产品型号", "P/N", "Part No.", required=True),
        _c("family", TEXT, "产品系列", "Family", "系列", "类别", "Category", "Product Family"),
        _c("unit", TEXT, "单位", "Unit", "UOM"),
        _c("material_days", INT, "备料天数", "Material Days", "备料", "物料周期", "Material LT"),
        _c("production_days", INT, "生产天数", "Production Days", "生产", "生产周期", "Production LT"),
        _c("inspection_days", INT, "验货天数", "Inspection Days", "验货", "QC Days"),
        _c("packing_days", INT, "包装天数", "Packing Days", "包装", "Packing LT"),
        _c("shipping_days", INT, "出运天数", "Shipping Days", "出运", "报关天数", "Shipping LT"),
        _c("moq", INT, "最小起订量", "MOQ", "起订量"),
        _c("hs_code", TEXT, "HS编码", "HS Code", "海关编码", "HS"),
    ),
)

CALENDAR = SheetSchema(
    "calendar", "假期", "Calendar", ("假期", "日历", "工厂日历", "calendar", "holidays"),
    (
        _c("date", DATE, "日期", "Date", required=True),
        _c("kind", TEXT, "类型", "Type", "类别", "Kind", required=True),
        _c("note", TEXT, "说明", "Note", "备注", "Remark"),
    ),
)

SHIPMENTS = SheetSchema(
    "shipments", "出货", "Shipments", ("出货", "出货记录", "送货", "shipments", "deliveries"),
    (
        _c("doc_no", TEXT, "送货单号", "Delivery Note", "出货单号", "单号", "Delivery Note No.", "DN No.",
           "DN", required=True),
        _c("date", DATE, "出货日期", "Date", "日期", "送货日期", "Ship Date", required=True),
        _c("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        _c("order_no", TEXT, "订单号", "Order No.", "订单编号"),
        _c("model", TEXT, "型号", "Model", "料号"),
        _c("quantity", INT, "数量", "Qty", "Quantity"),
        _c("unit_price", NUMBER, "单价", "Unit Price", "Price"),
        _c("amount", NUMBER, "金额", "Amount", "Total"),
        _c("currency", TEXT, "币种", "Currency"),
        _c("invoice_no", TEXT, "发票号", "Invoice No.", "发票号码", "Invoice"),
        _c("status", TEXT, "状态", "Status"),
    ),
)

CREDIT_NOTES = SheetSchema(
    "credit_notes", "退货", "Credit Notes", ("退货", "退货单", "红字", "credit notes", "returns"),
    (
        _c("doc_no", TEXT, "退货单号", "Credit Note No.", "单号", "CN No.", "Credit Note", required=True),
        _c("date", DATE, "日期", "Date", "退货日期", required=True),
        _c("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        _c("reference", TEXT, "原单号", "Reference", "关联单号", "Ref"),
        _c("amount", NUMBER, "金额", "Amount", required=True),
        _c("currency", TEXT, "币种", "Currency"),
        _c("status", TEXT, "状态", "Status"),
    ),
)

PAYMENTS = SheetSchema(
    "payments", "收款", "Payments", ("收款", "收款记录", "回款", "payments", "receipts"),
    (
        _c("date", DATE, "收款日期", "Date", "日期", "到账日期", required=True),
        _c("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        _c("amount", NUMBER, "金额", "Amount", "收款金额", required=True),
        _c("currency", TEXT, "币种", "Currency"),
        _c("bank_ref", TEXT, "银行流水号", "Bank Reference", "流水号", "Bank Ref", "Reference"),
        _c("invoices", TEXT, "核销单号", "Invoices", "对应发票", "Settles"),
        _c("status", TEXT, "状态", "Status"),
    ),
)

OPENING = SheetSchema(
    "opening", "期初", "Opening Balances", ("期初", "期初余额", "opening", "opening balances"),
    (
        _c("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        _c("as_of", DATE, "截止日期", "As Of", "期初日期"),
        _c("invoice_no", TEXT, "单号", "Invoice No.", "发票号", "送货单号", required=True),
        _c("date", DATE, "日期", "Date", "单据日期", required=True),
        _c("amount", NUMBER, "金额", "Amount", required=True),
        _c("currency", TEXT, "币种", "Currency"),
    ),
)

SCHEMAS = {s.kind: s for s in (ORDERS, CUSTOMERS, PRODUCTS, CALENDAR, SHIPMENTS, CREDIT_NOTES, PAYMENTS,
                                OPENING)}

# Values people type into 状态 / Status, mapped to one code. Stable codes, bilingual input.
ORDER_STATUSES = {
    "new": ("新单", "待评审", "new", "pending review"),
    "confirmed": ("已确认", "确认", "confirmed"),
    "in_production": ("生产中", "在产", "in production", "production"),
    "shipped": ("已出货", "出货", "shipped"),
    "partially_shipped": ("部分出货", "partial", "partially shipped"),
    "cancelled": ("取消", "已取消", "cancelled", "canceled"),
    "on_hold": ("暂停", "hold", "on hold"),
}

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
# How people write a currency; normalized by `normalize_currency`.
CURRENCY_ALIASES = {"RMB": "CNY", "人民币": "CNY", "¥": "CNY", "美元": "USD", "US$": "USD", "$": "USD",
                    "欧元": "EUR", "€": "EUR", "港币": "HKD", "日元": "JPY", "英镑": "GBP"}

# 假期 sheet: what the 类型 column may say.
CALENDAR_KINDS = {
    "holiday": ("放假", "假期", "休息", "holiday", "off"),
    "workday": ("上班", "补班", "工作日", "workday", "work", "working day"),
}

_DECOR = re.compile(r"[\s.:：*#_\-]+")
_BRACKETED = re.compile(r"[(\[（【].*?[)\]）】]$")


def normalize_header(text: object) -> str:
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return _DECOR.sub("", s)


def _strip_unit(norm: str) -> str:
    return _BRACKETED.sub("", norm)


def match_headers(schema: SheetSchema, headers: list[object]) -> dict[int, str]:
    """Map column index → field for the headers that name a known column (first match wins)."""
    lookup: dict[str, str] = {}
    for col in schema.columns:
        for alias in col.aliases:
            lookup.setdefault(normalize_header(alias), col.field)
    found: dict[int, str] = {}
    taken: set[str] = set()
    for i, header in enumerate(headers):
        norm = normalize_header(header)
        if not norm:
            continue
        field = lookup.get(norm) or lookup.get(_strip_unit(norm))
        if field and field not in taken:
            found[i] = field
            taken.add(field)
    return found


_CODE_INDEX: dict[int, tuple[dict, dict[str, str]]] = {}


def lookup_code(table: dict[str, tuple[str, ...]], text: object) -> str | None:
    """The code whose spellings include `text` (after header normalization), else None.

    Runs once per order line, so each table's spellings are indexed once and each text looked up once."""
    cached = _CODE_INDEX.get(id(table))
    if cached is None or cached[0] is not table:
        index = {}
        for code, spellings in table.items():
            for spelling in (code, *spellings):
                index.setdefault(normalize_header(spelling), code)
        cached = _CODE_INDEX[id(table)] = (table, {})
        cached[1].update(index)
    index = cached[1]
    if isinstance(text, str) and text in index:
        return index[text]
    norm = normalize_header(text)
    code = index.get(norm) if norm else None
    if isinstance(text, str) and len(index) < 10000:
        index[text] = code  # remember the raw spelling too: the next line says the same
    return code


def normalize_currency(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).strip().upper()
    return CURRENCY_ALIASES.get(s, s)


def header_language(headers: list[object]) -> str:
    """'zh' when the headers are mostly Chinese, else 'en': the default language of messages."""
    cjk = sum(1 for h in headers if h and any("\u4e00" <= ch <= "\u9fff" for ch in str(h)))
    latin = sum(1 for h in headers if h and not any("\u4e00" <= ch <= "\u9fff" for ch in str(h)))
    return "zh" if cjk >= latin else "en"
