"""The vocabulary of the workbooks we read: fields, the header spellings people type, and status words.

This module is the one table of header aliases and status words (Chinese and English). Users extend it in
gendan.toml (`[columns]`: field = [their headers]; `[statuses]`: their word = a stage) through `Vocabulary`,
and their spellings win over ours.

**One key folding.** Headers, status words, customer codes and model numbers are all compared after
`fold_key`: trimmed, full-width → half-width (NFKC), case-folded, spaces, line breaks, hyphens and
decoration (`.` `:` `*` `#` `_`) removed — so "PB 10K", "pb-10k" and "ＰＢ１０Ｋ" are one model everywhere.
A header that does not match is tried again without a trailing bracketed unit ("单价(USD)" → "单价").

**Strong and weak aliases.** Some headers are ambiguous: a bare 交期 is usually the customer's date but
may be the factory's; ETD and 船期 are plans, not shipments. Such spellings are *weak*: they name a field
only when no strong spelling in the same table claims it. A weak header that loses is reported, never
silently dropped.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
import functools
from functools import cached_property
from typing import Any, Mapping

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
    weak: tuple[str, ...] = ()  # ambiguous spellings: this field only when no strong spelling claims it
    hints: tuple[str, ...] = ()  # folded fragments of headers that probably mean this field (see `looks_like`)

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class SheetSchema:
    kind: str
    zh: str  # default sheet name (Chinese)
    en: str
    sheet_aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    # The fields of which at least one must be present (the orders sheet needs some due date), and whether
    # two headers claiming one field is an error (the orders sheet: the wrong one would change a result).
    one_of: tuple[tuple[str, ...], ...] = ()
    strict: bool = False
    user: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the user's spellings: field → headers
    # A data row is a line of this table only when it fills one of these (default: any field). A row that
    # holds only a remark or a status word is a note, or what a cleared order left behind.
    line_fields: tuple[str, ...] = ()

    def column(self, field: str) -> Column:
        for col in self.columns:
            if col.field == field:
                return col
        raise KeyError(field)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns if c.required)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)

    def with_aliases(self, extra: Mapping[str, tuple[str, ...]]) -> "SheetSchema":
        """This schema with the user's header spellings (gendan.toml `[columns]`), which rank above ours."""
        if not extra:
            return self
        unknown = set(extra) - set(self.fields)
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        return dataclasses.replace(self, user=tuple((f, tuple(v)) for f, v in extra.items()))


def column(field: str, type_: str, zh: str, en: str, *aliases: str, required: bool = False,
           weak: tuple[str, ...] = (), hints: tuple[str, ...] = ()) -> Column:
    """A column of a sheet we read: its Chinese and English headers are aliases too. Every schema's one helper."""
    return Column(field, type_, zh, en, (zh, en, *aliases), required, weak, hints)


# The orders sheet. Spellings come from real trackers, ERP exports (金蝶, 用友, ERPNext, Odoo) and import
# tables in public code; the research notes behind them are summarised in the README. Carton counts
# (件数, 箱数, CTNS) are deliberately NOT quantities. An open quantity (未出数, Balance Qty) is read so that
# a sheet recording what is *left* rather than what shipped is still judged right.
ORDERS = SheetSchema(
    "orders", "订单", "Orders",
    ("订单", "订单跟踪", "订单跟踪表", "订单明细", "订单进度", "跟单表", "orders", "order tracking", "order list",
     "order tracker", "po tracking"),
    (
        column("order_no", TEXT, "订单号", "Order No.", "订单编号", "单号", "销售订单号", "销售单号", "SO号", "合同号",
           "合同编号", "销售合同号", "内部单号", "我司单号", "工厂单号", "生产单号", "制单号", "Order No", "Order Number",
           "SO No.", "SO", "S/O", "Sales Order", "Sales Order No.", "Order #", "Contract No.", "Job No.",
           required=True, weak=("Order", "PO号", "单据编号"), hints=("订单号", "单号", "orderno", "合同号")),
        column("customer", TEXT, "客户", "Customer", "客户名称", "客户代码", "客户编号", "客户简称", "客户名", "客户号",
           "买家", "客人", "Customer Code", "Customer Name", "Client", "Buyer", "Cust.",
           hints=("客户", "customer", "buyer", "client")),
        column("customer_po", TEXT, "客户PO", "Customer PO", "客户PO号", "客户订单号", "客户单号", "客户采购单号",
           "采购单号", "PO No.", "PO", "PO#", "P.O. No.", "PO Number", "Cust PO", "Customer PO No.", "Buyer PO",
           "Customer Ref", "Your Ref", hints=("po",)),
        column("model", TEXT, "型号", "Model", "机型", "料号", "产品型号", "规格型号", "物料编码", "物料号", "品号", "货号",
           "款号", "产品编号", "成品编码", "本厂编号", "存货编码", "Model No.", "P/N", "PN", "Part No.", "Part Number",
           "Item No.", "Item Code", "Style No.", "SKU", "Art. No.", required=True,
           weak=("Item", "Item #", "Style", "编号", "客户料号", "客户型号"),
           hints=("型号", "料号", "品号", "货号", "款号", "model", "partno", "sku")),
        column("product_name", TEXT, "品名", "Description", "产品名称", "名称", "品名规格", "商品名称", "物料名称",
           "存货名称", "货品名称", "产品描述", "中文品名", "Product", "Product Name", "Item Description", "Goods"),
        column("quantity", INT, "数量", "Qty", "订单数量", "订单数", "订货数量", "订购数量", "下单数量", "销售数量",
           "合同数量", "总数量", "Quantity", "Order Qty", "PO Qty", "Ordered Qty", "Total Qty", required=True,
           hints=("数量", "订单数", "qty", "quantity")),
        column("unit_price", NUMBER, "单价", "Unit Price", "价格", "销售单价", "含税单价", "订单单价", "FOB单价",
           "Price", "U/P", "U/Price", "FOB Price", "Price/pc", hints=("单价", "price")),
        column("currency", TEXT, "币种", "Currency", "币别", "货币", "结算币种", "币制", "Curr", "CCY"),
        column("amount", NUMBER, "金额", "Amount", "总金额", "总价", "货值", "订单金额", "销售金额", "价税合计", "含税金额",
           "Total Amount", "Order Value", "Line Total", weak=("Total", "Value"), hints=("金额", "amount")),
        column("order_date", DATE, "下单日期", "Order Date", "订单日期", "接单日期", "下单日", "签订日期", "合同日期",
           "PO日期", "PO Date", "PO Received", weak=("Date", "日期", "单据日期", "制单日期"),
           hints=("下单", "接单", "orderdate", "podate")),
        column("customer_due_date", DATE, "客户交期", "Customer Due Date", "要求交期", "客户要求交期", "客户要求日期",
           "客人交期", "合同交期", "PO交期", "要货日期", "Request Date", "Requested Date", "Req. Date",
           "Customer Request Date", "Required Date", "Need Date", "Requested Ship Date", "PO Ship Date",
           weak=("交期", "交货期", "交货日期", "Due Date", "Delivery Date", "CRD", "Cargo Ready Date"),
           hints=("交期", "交货", "要货", "duedate", "delivery", "requ", "crd", "needdate")),
        column("factory_due_date", DATE, "工厂交期", "Factory Due Date", "回复交期", "确认交期", "厂交期", "工厂回复交期",
           "供应商回复交期", "PMC回复交期", "承诺交期", "交期确认", "生产交期", "Confirmed Date", "Confirmed Delivery",
           "Promised Date", "Promise Date", "Committed Date", "Commitment Date", "Factory Date", "Ex-Factory Date",
           "Ex-fty", "XF Date", weak=("预计交期", "计划交期", "预计出货日", "计划出货日期", "预计出货日期", "ETD", "船期",
                                      "Planned Ship Date", "Estimated Ship Date"),
           hints=("回复", "确认", "承诺", "exfactory", "exfty", "promise", "confirm", "commit", "计划出货", "预计")),
        column("material_date", DATE, "到料日期", "Material Date", "物料到齐", "齐料日期", "来料日期", "物料到货日期",
           "物料齐套日期", "备料完成", "Material Ready", "Material Arrival", "Material In-house",
           weak=("齐料", "物料交期"), hints=("齐料", "到料", "来料", "物料", "material", "fabric")),
        column("production_date", DATE, "上线日期", "Production Start", "上线", "投产日期", "开工日期", "开产日期",
           "生产开始", "Production Start Date", "PSD", "In-line Date", weak=("Start Date", "排产日期"),
           hints=("上线", "投产", "开工", "开产", "productionstart", "inline")),
        column("finish_date", DATE, "完工日期", "Finish Date", "完成日期", "下线日期", "生产完成", "Production Finish",
           "Completion Date", "Finished Date", weak=("入库日期", "入仓日期", "成品入库日期"),
           hints=("完工", "下线", "finish", "complet")),
        column("inspection_date", DATE, "验货日期", "Inspection Date", "验货", "QC日期", "检验日期", "尾查日期", "终检日期",
           "客验日期", "验货时间", "QC Date", "Final Inspection", "FRI Date", "Insp. Date",
           hints=("验货", "检验", "尾查", "qc", "inspect")),
        column("ship_date", DATE, "出货日期", "Ship Date", "出货日", "发货日期", "出运日期", "实际出货日期", "实际出货",
           "实出日期", "实际走货日期", "实际发货日期", "走货日期", "装柜日期", "装船日期", "开船日期", "离厂日期",
           "Shipped Date", "Shipment Date", "Actual Ship Date", "ATD", "On-board Date", "B/L Date",
           "Loading Date", "Actual Ex-factory", "Delivered Date",
           hints=("出货", "走货", "发货", "出运", "装柜", "shipdate", "shipped", "atd", "loading")),
        column("shipped_qty", INT, "已出货数量", "Shipped Qty", "出货数量", "已出数量", "已出数", "已出货数", "出货数",
           "实出数量", "实出数", "走货数量", "累计出货", "累计出货数量", "累计发货数量", "已发货数量", "发货数量",
           "累计出库数量", "已交数量", "Ship Qty", "Qty Shipped", "Shipped Quantity", "Quantity Shipped",
           "Delivered Qty", "Qty Delivered", "Shipped",
           hints=("已出", "出货数", "实出", "已发", "发货数", "已交", "已交货", "交货数", "累计出", "shipped", "shipqty",
                  "delivered")),
        column("open_qty", INT, "未出数量", "Open Qty", "未出数", "未出货数量", "欠数", "欠货数", "欠交数", "剩余数量",
           "剩余未出数量", "未出库数量", "未发运数量", "未交数量", "待出数量", "尚欠", "Balance Qty", "Bal Qty",
           "Outstanding Qty", "Remaining Qty", "Qty Remaining", "Backorder Qty", "Pending Qty",
           weak=("Balance", "余数"), hints=("未出", "欠", "剩余", "未交", "balance", "outstanding", "remain")),
        column("status", TEXT, "状态", "Status", "订单状态", "生产状态", "生产进度", "进度", "完成状态", "跟进状态",
           "当前状态", "Order Status", "Progress", "Stage", "WIP Status", hints=("状态", "进度", "status", "stage")),
        column("cancelled", TEXT, "是否取消", "Cancelled", "取消", "已取消", "作废", "是否作废", "取消标记", "Canceled",
           "Cancel", "Cancel (Y/N)", "Cancelled (Y/N)", "Void", hints=("取消", "作废", "cancel", "void")),
        column("merchandiser", TEXT, "跟单员", "Merchandiser", "跟单", "跟单人", "业务跟单", "Merch", "MD",
           weak=("负责人", "业务", "业务员", "经手人", "PIC", "Owner", "Follower", "Sales", "Salesperson"),
           hints=("跟单", "merchandiser")),
        column("remark", TEXT, "备注", "Remark", "说明", "Remarks", "备注说明", "跟进备注", "Notes", "Note", "Comment",
           "Comments", "Memo"),
    ),
    one_of=(("customer_due_date", "factory_due_date"),),
    strict=True,
    line_fields=("order_no", "customer_po", "model", "quantity", "customer_due_date", "factory_due_date", "ship_date",
                 "shipped_qty", "open_qty"),
)

CUSTOMERS = SheetSchema(
    "customers", "客户", "Customers", ("客户", "客户资料", "客户清单", "customers", "customer list"),
    (
        column("code", TEXT, "客户代码", "Customer Code", "代码", "客户编号", "客户", "Code", "Customer",
           required=True),
        column("name", TEXT, "客户名称", "Customer Name", "名称", "全称", "Name"),
        column("grade", TEXT, "等级", "Grade", "客户等级", "级别", "Priority"),
        column("currency", TEXT, "币种", "Currency", "币别", "Curr"),
        column("payment_terms", TEXT, "付款条件", "Payment Terms", "付款方式", "账期", "Terms"),
        column("credit_limit", NUMBER, "信用额度", "Credit Limit", "额度"),
        column("email", TEXT, "邮箱", "Email", "电子邮件", "E-mail", "邮件"),
        column("language", TEXT, "语言", "Language", "Lang"),
        # who looks after the customer: their statements answer to this merchandiser ([mail.merchandisers])
        column("merchandiser", TEXT, "跟单员", "Merchandiser", "跟单", "跟单人", "业务跟单",
               weak=("负责人", "业务员", "Sales", "Owner")),
    ),
)

PRODUCTS = SheetSchema(
    "products", "产品", "Products", ("产品", "产品资料", "物料", "products", "items"),
    (
        column("model", TEXT, "型号", "Model", "机型", "料号", "产品型号", "P/N", "Part No.", required=True),
        column("family", TEXT, "产品系列", "Family", "系列", "类别", "Category", "Product Family"),
        column("unit", TEXT, "单位", "Unit", "UOM"),
        column("material_days", INT, "备料天数", "Material Days", "备料", "物料周期", "Material LT"),
        column("production_days", INT, "生产天数", "Production Days", "生产", "生产周期", "Production LT"),
        column("inspection_days", INT, "验货天数", "Inspection Days", "验货", "QC Days"),
        column("packing_days", INT, "包装天数", "Packing Days", "包装", "Packing LT"),
        column("shipping_days", INT, "出运天数", "Shipping Days", "出运", "报关天数", "Shipping LT"),
        column("moq", INT, "最小起订量", "MOQ", "起订量"),
        column("hs_code", TEXT, "HS编码", "HS Code", "海关编码", "HS"),
    ),
)

CALENDAR = SheetSchema(
    "calendar", "假期", "Calendar", ("假期", "日历", "工厂日历", "calendar", "holidays"),
    (
        column("date", DATE, "日期", "Date", required=True),
        column("kind", TEXT, "类型", "Type", "类别", "Kind", required=True),
        column("note", TEXT, "说明", "Note", "备注", "Remark"),
    ),
)

SHIPMENTS = SheetSchema(
    "shipments", "出货", "Shipments", ("出货", "出货记录", "送货", "shipments", "deliveries"),
    (
        column("doc_no", TEXT, "送货单号", "Delivery Note", "出货单号", "单号", "Delivery Note No.", "DN No.",
           "DN", required=True),
        column("date", DATE, "出货日期", "Date", "日期", "送货日期", "Ship Date", required=True),
        column("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        column("order_no", TEXT, "订单号", "Order No.", "订单编号"),
        column("customer_po", TEXT, "客户PO", "Customer PO", "客户PO号", "客户订单号", "客户采购单号", "PO No.", "PO",
               "PO#", "Customer PO No.", "Your Ref"),
        column("model", TEXT, "型号", "Model", "料号"),
        column("product_name", TEXT, "品名", "Description", "产品名称", "品名规格", "Product", "Product Name"),
        column("quantity", INT, "数量", "Qty", "Quantity"),
        column("unit_price", NUMBER, "单价", "Unit Price", "Price"),
        column("amount", NUMBER, "金额", "Amount", "Total"),
        column("currency", TEXT, "币种", "Currency"),
        column("invoice_no", TEXT, "发票号", "Invoice No.", "发票号码", "Invoice"),
        column("status", TEXT, "状态", "Status"),
    ),
)

CREDIT_NOTES = SheetSchema(
    "credit_notes", "退货", "Credit Notes", ("退货", "退货单", "红字", "credit notes", "returns"),
    (
        column("doc_no", TEXT, "退货单号", "Credit Note No.", "单号", "CN No.", "Credit Note", required=True),
        column("date", DATE, "日期", "Date", "退货日期", required=True),
        column("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        column("reference", TEXT, "原单号", "Reference", "关联单号", "Ref"),
        column("amount", NUMBER, "金额", "Amount", required=True),
        column("currency", TEXT, "币种", "Currency"),
        column("status", TEXT, "状态", "Status"),
    ),
)

PAYMENTS = SheetSchema(
    "payments", "收款", "Payments", ("收款", "收款记录", "回款", "payments", "receipts"),
    (
        column("date", DATE, "收款日期", "Date", "日期", "到账日期", required=True),
        column("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        column("amount", NUMBER, "金额", "Amount", "收款金额", required=True),
        column("currency", TEXT, "币种", "Currency"),
        column("bank_ref", TEXT, "银行流水号", "Bank Reference", "流水号", "Bank Ref", "Reference"),
        column("invoices", TEXT, "核销单号", "Invoices", "对应发票", "Settles"),
        column("status", TEXT, "状态", "Status"),
    ),
)

OPENING = SheetSchema(
    "opening", "期初", "Opening Balances", ("期初", "期初余额", "opening", "opening balances"),
    (
        column("customer", TEXT, "客户", "Customer", "客户代码", required=True),
        column("as_of", DATE, "截止日期", "As Of", "期初日期"),
        column("invoice_no", TEXT, "单号", "Invoice No.", "发票号", "送货单号", required=True),
        column("date", DATE, "日期", "Date", "单据日期", required=True),
        column("amount", NUMBER, "金额", "Amount", required=True),
        column("currency", TEXT, "币种", "Currency"),
    ),
)

SCHEMAS = {s.kind: s for s in (ORDERS, CUSTOMERS, PRODUCTS, CALENDAR, SHIPMENTS, CREDIT_NOTES, PAYMENTS,
                                OPENING)}

# ------------------------------------------------------------------------------------------ status words

# The fixed lifecycle an order line goes through. A user's own status word maps onto one of these in
# gendan.toml `[statuses]` ("待料" = "waiting_material"); the stage then counts as evidence of progress
# (see status.py), never as the whole truth: dates and quantities still decide.
STAGES = ("new", "confirmed", "waiting_material", "in_production", "inspection", "ready_to_ship",
          "partially_shipped", "shipped", "cancelled", "on_hold")
STAGE_LABELS: dict[str, tuple[str, str]] = {
    "new": ("新单", "new"), "confirmed": ("已确认", "confirmed"), "waiting_material": ("待料", "waiting material"),
    "in_production": ("生产中", "in production"), "inspection": ("验货", "inspection"),
    "ready_to_ship": ("待出货", "ready to ship"), "partially_shipped": ("部分出货", "partially shipped"),
    "shipped": ("已出货", "shipped"), "cancelled": ("已取消", "cancelled"), "on_hold": ("暂停", "on hold"),
}
# Words real trackers use, by stage. Judgement calls, each overridable in [statuses]: 已完工 (production
# finished) waits for inspection; 已装柜 / loaded and 已结案 / closed count as shipped (the goods are gone;
# quantities still say when a line closed short); "Backorder" in ERP language means open, not partial.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "new": ("新单", "新订单", "新建", "草稿", "待下单", "待评审", "评审中", "待审核", "待确认", "待回复", "new",
            "draft", "pending review", "to confirm", "received"),
    "confirmed": ("已下单", "已确认", "确认", "已评审", "已审核", "已接单", "已排期", "待生产", "待排产", "排产中",
                  "已下达", "齐料", "物料已齐", "料齐", "confirmed", "approved", "accepted", "scheduled", "released",
                  "po confirmed", "material ready", "backorder"),
    "waiting_material": ("待料", "欠料", "缺料", "备料中", "备料", "采购中", "待采购", "物料未齐", "等料", "待面料",
                         "待辅料", "物料在途", "waiting material", "awaiting material", "pending material",
                         "material shortage", "sourcing", "purchasing"),
    "in_production": ("生产中", "在产", "在制", "投产", "已投产", "上线", "已上线", "生产", "包装中", "包装",
                      "组装中", "注塑中", "in production", "production", "producing", "wip", "in process",
                      "packing"),
    "inspection": ("待验货", "验货中", "约验货", "已约验", "中查", "尾查", "验货", "qc中", "客验", "第三方验货",
                   "已完工", "完工", "已下线", "生产完成", "验货不合格", "返工", "重验", "inspection",
                   "pending inspection", "under qc", "qc", "fri", "psi", "finished", "production done",
                   "inspection failed", "rework"),
    "ready_to_ship": ("已验货", "验货通过", "验货合格", "qc通过", "待出货", "待走货", "待发货", "待船期", "待订舱",
                      "已订舱", "待装柜", "备货完成", "可出货", "ready to ship", "ready", "inspection passed",
                      "passed", "awaiting shipment", "cargo ready", "booked", "released for shipment"),
    "partially_shipped": ("部分出货", "部分走货", "分批出货", "已出部分", "部分发货", "partially shipped",
                          "partial shipment", "shipped partially", "partial", "partly shipped", "partly delivered"),
    "shipped": ("已出货", "出货", "已走货", "已发货", "全部出货", "出货完毕", "已交货", "已装柜", "装柜", "已装车",
                "已报关", "已开船", "已出运", "已结案", "结案", "已完成", "已关闭", "shipped", "fully shipped",
                "delivered", "dispatched", "loaded", "sailed", "on board", "closed", "completed", "done"),
    "cancelled": ("取消", "已取消", "作废", "已作废", "撤单", "客户取消", "cancelled", "canceled", "void", "voided"),
    "on_hold": ("暂停", "暂缓", "挂起", "冻结", "待定", "客户暂停", "hold", "on hold", "paused", "suspended",
                "frozen"),
}
# What a 是否取消 / Cancelled (Y/N) cell says when it means "not cancelled"; anything else filled in means it is.
NOT_CANCELLED = ("n", "no", "否", "不", "0", "false", "×", "未取消", "正常", "-")

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
# How people write a currency; normalized by `normalize_currency`.
CURRENCY_ALIASES = {"RMB": "CNY", "人民币": "CNY", "¥": "CNY", "美元": "USD", "US$": "USD", "$": "USD",
                    "欧元": "EUR", "€": "EUR", "港币": "HKD", "日元": "JPY", "英镑": "GBP"}

# 假期 sheet: what the 类型 column may say.
CALENDAR_KINDS = {
    "holiday": ("放假", "假期", "休息", "holiday", "off"),
    "workday": ("上班", "补班", "工作日", "workday", "work", "working day"),
}

# Decoration: spaces, punctuation people put around a header, and the invisible characters that text pasted from a
# web page, a chat or an ERP export carries (zero-width space and joiners, direction marks, word joiner, BOM, soft
# hyphen): NFKC keeps those, so "订单号" with a zero-width space after it matched nothing and looked the same.
_DECOR = re.compile(r"[\s.:：*#_\-\u00ad\u200b-\u200f\u2060\ufeff]+")
_BRACKETED = re.compile(r"[(\[（【].*?[)\]）】]$")


def fold_key(text: object) -> str:
    """The one way two spellings are compared: headers, status words, customer codes, model numbers."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return _DECOR.sub("", s)


def status_key(word: object) -> str:
    """A status word's `fold_key`, a whole number taken as a cell shows it (1, not 1.0): the key of the line
    a warning about a column of numbers suggests for gendan.toml ([statuses] "1" = …), which is what the user
    writes; fold_key alone made 1.0 "10" (its point is decoration), which no such line matched."""
    if isinstance(word, float) and word.is_integer():
        word = int(word)
    return fold_key(word)


def fold_keys(texts: list[Any]) -> list[str]:
    """`fold_key` of each of many texts (a sheet's order numbers), in a few passes over them joined by NUL, which
    no cell holds: NFKC and casefold go a character at a time and NUL composes with nothing, so no text changes
    its neighbour, and _DECOR's whitespace takes what `strip` would. Anything but text, and text holding NUL,
    is folded one by one."""
    if not texts:
        return []
    joined = "\x00".join(texts) if set(map(type, texts)) == {str} else None
    if joined is None or joined.count("\x00") != len(texts) - 1:
        return list(map(fold_key, texts))
    if joined.isascii():  # (most keys) the same, ten times sooner: NFKC keeps ASCII, casefold is lower
        return joined.lower().translate(_ASCII_DECOR).split("\x00")
    return _DECOR.sub("", unicodedata.normalize("NFKC", joined).casefold()).split("\x00")


_ASCII_DECOR = {c: None for c in range(128) if _DECOR.fullmatch(chr(c))}  # what _DECOR takes out of ASCII


def _strip_unit(norm: str) -> str:
    return _BRACKETED.sub("", norm)


# How a header claims a field, best first: the user's own spelling, ours, ours without a bracketed unit,
# an ambiguous (weak) one, a weak one without its unit.
USER, STRONG, STRONG_UNIT, WEAK, WEAK_UNIT = range(5)


@functools.lru_cache(maxsize=32)
def _alias_index(schema: SheetSchema) -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for f, spellings in schema.user:
        for alias in spellings:
            index.setdefault(fold_key(alias), (f, USER))
    for col in schema.columns:
        for alias in col.aliases:
            index.setdefault(fold_key(alias), (col.field, STRONG))
    for col in schema.columns:
        for alias in col.weak:
            index.setdefault(fold_key(alias), (col.field, WEAK))
    return index


def claim(schema: SheetSchema, header: object) -> tuple[str, int] | None:
    """(field, rank) the header names (see USER … WEAK_UNIT), or None."""
    norm = fold_key(header)
    if not norm:
        return None
    index = _alias_index(schema)
    hit = index.get(norm)
    if hit is not None:
        return hit
    stripped = _strip_unit(norm)
    hit = index.get(stripped) if stripped and stripped != norm else None
    if hit is None:
        return None
    f, rank = hit
    return f, {USER: USER, STRONG: STRONG_UNIT, WEAK: WEAK_UNIT}[rank]


@dataclass(frozen=True)
class HeaderMatch:
    """How one header row maps onto a schema's fields.

    `columns`: field → 0-based column. `lost`: columns whose header claimed a field another header won with
    a better spelling (column → field). `duplicates`: fields two or more headers claim equally well (a strict
    schema refuses these: picking one would change a result). `lookalikes`: unmapped columns whose header
    looks like a field we do not have yet (column → field)."""

    columns: dict[str, int]
    lost: dict[int, str]
    duplicates: dict[str, tuple[int, ...]]
    lookalikes: dict[int, str]

    @property
    def score(self) -> int:
        return len(self.columns)


def match_header_row(schema: SheetSchema, headers: list[object], cols: range | None = None) -> HeaderMatch:
    """Map the headers of `cols` (default: all) onto the schema's fields, best spelling first.

    A field claimed by several headers goes to the best-ranked one; when two share the best rank, a strict
    schema reports a duplicate (and maps neither) while others keep the leftmost, as people expect of a
    customers or products sheet with a 客户 and a 客户代码 column. The remark is never strict: sheets often
    have several (备注, 说明)."""
    cols = range(len(headers)) if cols is None else cols
    claims: dict[str, list[tuple[int, int]]] = {}
    unmatched: list[int] = []
    for i in cols:
        if i >= len(headers):
            break
        hit = claim(schema, headers[i])
        if hit is None:
            if fold_key(headers[i]):
                unmatched.append(i)
            continue
        claims.setdefault(hit[0], []).append((hit[1], i))
    columns: dict[str, int] = {}
    lost: dict[int, str] = {}
    duplicates: dict[str, tuple[int, ...]] = {}
    for f, found in claims.items():
        best = min(rank for rank, _ in found)
        winners = [i for rank, i in found if rank == best]
        if len(winners) > 1 and schema.strict and f != "remark":
            duplicates[f] = tuple(winners)
        else:
            columns[f] = winners[0]
        keep = set(winners) if f in duplicates else {winners[0]}
        lost.update({i: f for _, i in found if i not in keep})
    lookalikes = {}
    for i in unmatched:
        guess = looks_like(schema, headers[i])
        if guess is not None and guess not in columns and guess not in duplicates and not _is_own(headers[i]):
            lookalikes[i] = guess
    return HeaderMatch(columns, lost, duplicates, lookalikes)


def match_headers(schema: SheetSchema, headers: list[object]) -> dict[int, str]:
    """Map column index → field for the headers that name a known column (see match_header_row)."""
    return {i: f for f, i in match_header_row(schema, headers).columns.items()}


@functools.cache
def _own_keys() -> frozenset[str]:
    from gendan_xl.i18n.status import own_headers

    return frozenset(map(fold_key, own_headers()))


def _is_own(header: object) -> bool:
    """Whether `header` heads a column a refresh writes ("交期状态 / Lead-time status"): our status is no input,
    and a sheet with no 状态 column of its own was told that header "looks like Status" on every refresh."""
    return fold_key(header) in _own_keys()


def looks_like(schema: SheetSchema, header: object) -> str | None:
    """The field an unrecognised header probably means (已交货数 → shipped_qty), from each column's `hints`;
    None when nothing fits. Short Latin hints must stand at the start or end ("qc", not "acquired")."""
    norm = fold_key(header)
    best: tuple[int, str] | None = None
    for col in schema.columns:
        for hint in col.hints:
            if hint in norm and (len(hint) > 3 or not hint.isascii() or norm.startswith(hint) or norm.endswith(hint)):
                if best is None or len(hint) > best[0]:  # the most specific hint wins: 已交货 over 交货
                    best = (len(hint), col.field)
    return best[1] if best else None


_CODE_INDEX: dict[int, tuple[dict, dict[str, str | None]]] = {}  # spelling → code, None: no code


def lookup_code(table: dict[str, tuple[str, ...]], text: object) -> str | None:
    """The code whose spellings include `text` (after header normalization), else None.

    Runs once per order line, so each table's spellings are indexed once and each text looked up once."""
    cached = _CODE_INDEX.get(id(table))
    if cached is None or cached[0] is not table:
        index: dict[str, str | None] = {}
        for code, spellings in table.items():
            for spelling in (code, *spellings):
                index.setdefault(fold_key(spelling), code)
        cached = _CODE_INDEX[id(table)] = (table, {})
        cached[1].update(index)
    index = cached[1]
    if isinstance(text, str) and text in index:
        return index[text]
    norm = fold_key(text)
    found = index.get(norm) if norm else None
    if isinstance(text, str) and len(index) < 10000:
        index[text] = found  # remember the raw spelling too: the next line says the same
    return found


def normalize_currency(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).strip().upper()
    return CURRENCY_ALIASES.get(s, s)


def header_language(headers: list[object]) -> str:
    """'zh' when the headers are mostly Chinese, else 'en': the default language of messages."""
    cjk = sum(1 for h in headers if h and any("\u4e00" <= ch <= "\u9fff" for ch in str(h)))
    latin = sum(1 for h in headers if h and not any("\u4e00" <= ch <= "\u9fff" for ch in str(h)))
    return "zh" if cjk >= latin else "en"


@dataclass(frozen=True)
class Vocabulary:
    """Our spellings plus the user's own — gendan.toml `[columns]` (field = [headers]) and `[statuses]`
    (word = stage) — which win over ours. Every door builds one from the settings and passes it down, so the
    command line, the jobs and the Excel button read a workbook the same way."""

    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    statuses: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, columns: Mapping[str, object] | None = None, statuses: Mapping[str, object] | None = None,
           *, source: str = "gendan.toml") -> "Vocabulary":
        """From settings-shaped mappings; a misspelt field or stage is a ConfigError naming the allowed ones."""
        from gendan_xl.errors import ConfigError

        cols: list[tuple[str, tuple[str, ...]]] = []
        for f, spellings in (columns or {}).items():
            if f not in ORDERS.fields:
                raise ConfigError.said("columns-no-field", source=source, field=f, fields=", ".join(ORDERS.fields))
            if isinstance(spellings, str):
                spellings = [spellings]
            if not isinstance(spellings, (list, tuple)) or not all(isinstance(x, str) for x in spellings):
                raise ConfigError.said("columns-not-list", source=source, field=f)
            cols.append((f, tuple(spellings)))
        words: list[tuple[str, str]] = []
        for word, stage in (statuses or {}).items():
            if stage not in STAGES:
                raise ConfigError.said("statuses-no-stage", source=source, word=word, stage=stage,
                                       stages=", ".join(STAGES))
            words.append((word, str(stage)))
        return cls(tuple(cols), tuple(words))

    @cached_property
    def orders(self) -> SheetSchema:
        """The orders sheet's schema with the user's header spellings."""
        return ORDERS.with_aliases(dict(self.columns))

    @cached_property
    def _stages(self) -> dict[object, str | None]:
        index: dict[object, str | None] = {}
        for word, stage in self.statuses:
            index.setdefault(fold_key(word), stage)
        for stage, spellings in STATUS_WORDS.items():
            for word in (stage, *spellings):
                index.setdefault(fold_key(word), stage)
        return index

    def stage_of(self, word: object) -> str | None:
        """The stage a status word names, or None (blank or not a word we know). Called once per order line,
        so each distinct spelling is folded once."""
        if word is None:
            return None
        index = self._stages
        try:
            return index[word]
        except KeyError:
            pass
        except TypeError:  # not hashable: not from a workbook
            return index.get(status_key(word))
        stage = index.get(status_key(word))
        if word.__class__ is str and len(index) < 100_000:  # texts only: 1, 1.0 and True are one key, not one word
            index[word] = stage
        return stage

    def user_stage(self, word: object) -> bool:
        """Whether the user mapped this word themselves (inspect shows where a stage came from)."""
        return any(fold_key(w) == fold_key(word) for w, _ in self.statuses)


DEFAULT_VOCABULARY = Vocabulary()


def is_cancel_flag(value: object) -> bool:
    """Whether a 是否取消 / Cancelled (Y/N) cell says the line is cancelled: anything filled in but no."""
    if value is None or (isinstance(value, str) and not value.strip()) or value is False or value == 0:
        return False
    return fold_key(value) not in _NOT_CANCELLED


_NOT_CANCELLED = frozenset(fold_key(w) for w in NOT_CANCELLED)
