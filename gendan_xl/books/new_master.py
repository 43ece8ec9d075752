"""Build master order workbooks (订单跟踪表): the samples in workbooks/, and new ones for users.

    python workbooks/build_samples.py            # rebuilds the samples
    gendan-xl init-workbook PATH                 # a new, empty master workbook with the same structure

`orders.xlsx` is clean: the validation report is empty. `orders_messy.xlsx` is the same data as people
really type it (text dates, numbers as text, other header spellings, a totals row, notes under the table)
plus the problems listed in PLANTED, which the tests expect to be reported exactly — and nothing else.

Built with XlsxWriter so that formulas carry their cached values, as in a file saved by Excel.
The data is deterministic (a seeded random generator) and lives around "today" = 2026-11-26.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import xlsxwriter

from gendan_xl.resources import shipped
from gendan_xl.orders import Order
from gendan_xl.cellrefs import col_letter

SAMPLES = shipped("workbooks")
TODAY = dt.date(2026, 11, 26)
TITLE = "2026年订单跟踪表 / Order Tracking 2026"
PROPERTIES = {"title": TITLE, "author": "gendan-xl", "created": dt.datetime(2026, 11, 26, 8, 0)}

ORDER_HEADERS = ["订单号", "客户", "客户PO", "型号", "品名", "数量", "单价", "币种", "金额", "下单日期", "客户交期",
                 "工厂交期", "到料日期", "上线日期", "完工日期", "验货日期", "出货日期", "已出货数量", "状态", "跟单员", "备注"]
# The messy copy spells some headers differently, as other people's workbooks do.
MESSY_HEADERS = {"订单号": "订单编号", "型号": "机型", "客户交期": "交货期", "数量": "订单数量", "单价": "单价(USD)"}
STATUSES = ["新单", "已确认", "生产中", "部分出货", "已出货", "取消", "暂停"]

CUSTOMERS = [  # code, name, grade, currency, payment terms, credit limit, email, language
    ("ANK", "Anker Innovations 安克创新", "A", "USD", "OA 60", 800000, "po@anker.example", "en"),
    ("BES", "Best Buy Sourcing HK", "A", "USD", "OA 45", 600000, "sourcing@bestbuy.example", "en"),
    ("BLK", "北京蓝科电子有限公司", "B", "CNY", "月结60天", 1500000, "caigou@lanke.example", "zh"),
    ("CNX", "Conrad Electronic SE", "B", "EUR", "Net 30", 300000, "buying@conrad.example", "en"),
    ("DGT", "东莞大广通讯科技", "C", "CNY", "月结30天", 500000, "dgt@dgt.example", "zh"),
    ("FLX", "Flextronics Trading", "B", "USD", "T/T 30", 400000, "mm@flex.example", "en"),
    ("GZH", "广州华星数码", "C", "CNY", "款到发货", 200000, "hx@huaxing.example", "zh"),
    ("HKE", "HK Eastern Electronics Ltd", "A", "USD", "OA 30", 700000, "order@hke.example", "en"),
    ("JPN", "Nippon Denki Shoji", "B", "USD", "L/C 60", 350000, "trade@nds.example", "en"),
    ("MTR", "Mediatronic GmbH", "C", "EUR", "Net 60", 150000, "einkauf@mediatronic.example", "en"),
    ("SZA", "深圳奥维视讯", "B", "CNY", "月结45天", 800000, "aw@aowei.example", "zh"),
    ("TGT", "Target Global Sourcing", "A", "USD", "OA 60", 900000, "tgs@target.example", "en"),
    ("UGR", "优越电器(上海)有限公司", "B", "CNY", "月结60天", 600000, "yy@youyue.example", "zh"),
    ("VTX", "Vertex Mobile Inc.", "C", "USD", "T/T 100% before shipment", 100000, "ops@vertex.example", "en"),
    ("ZHL", "珠海力源科技", "C", "CNY", "月结30天", 300000, "ly@liyuan.example", "zh"),
]

PRODUCTS = [  # model, name, family, unit, material, production, inspection, packing, shipping, moq, hs, price usd
    ("PB-10K", "10000mAh 移动电源", "battery", "PCS", 10, 6, 1, 2, 3, 1000, "8507600090", 8.34),
    ("PB-20K", "20000mAh 移动电源", "battery", "PCS", 12, 7, 1, 2, 3, 1000, "8507600090", 12.60),
    ("CH-20W", "20W PD 快充充电器", "charger", "PCS", 8, 5, 1, 1, 3, 2000, "8504401400", 3.15),
    ("CH-65W", "65W 氮化镓充电器", "charger", "PCS", 15, 6, 1, 2, 3, 1000, "8504401400", 9.80),
    ("CB-C2C", "USB-C 编织数据线 1m", "cable", "PCS", 6, 4, 1, 1, 3, 5000, "8544422900", 1.05),
    ("CB-L2C", "Lightning 数据线 1m", "cable", "PCS", 7, 4, 1, 1, 3, 5000, "8544422900", 1.45),
    ("TWS-A1", "TWS 蓝牙耳机 A1", "audio", "SET", 15, 8, 2, 2, 3, 1000, "8518300000", 11.20),
    ("TWS-P3", "降噪蓝牙耳机 P3", "audio", "SET", 20, 10, 2, 2, 3, 500, "8518300000", 19.90),
    ("SP-M3", "便携蓝牙音箱 M3", "audio", "PCS", 14, 8, 2, 2, 3, 500, "8518220000", 14.50),
    ("WL-15", "15W 无线充电板", "charger", "PCS", 10, 5, 1, 1, 3, 1000, "8504409999", 5.60),
    ("HUB-7", "7合1 USB-C 扩展坞", "accessory", "PCS", 18, 7, 1, 2, 3, 500, "8471800000", 16.80),
    ("SW-W2", "智能手表 W2", "wearable", "PCS", 25, 10, 2, 2, 3, 500, "8517629900", 23.40),
]

# The customer and products of the sample quote request (workbooks/quote_request.xlsx), so that the new
# orders below can be reviewed against the quote the demo makes. Kept out of CUSTOMERS / PRODUCTS, which
# drive the seeded generator: adding to those would reshuffle every sample order.
QUOTE_CUSTOMERS = [("NORDLICHT", "Nordlicht Handels GmbH", "A", "USD", "OA 30", 300000,
                    "a.becker@nordlicht.example.de", "en")]
QUOTE_PRODUCTS = [
    ("HD-PB10K", "10000mAh 移动电源", "battery", "PCS", 10, 6, 1, 2, 3, 1000, "8507600090", 8.34),
    ("HD-LED12", "LED 护眼台灯", "lighting", "PCS", 5, 4, 1, 1, 3, 500, "9405219000", 6.45),
]

MERCHANDISERS = ["张丽", "王芳", "李强", "陈静"]
RATES = {"USD": 1.0, "CNY": 7.1, "EUR": 0.92}

CALENDAR = [  # the factory's own days: they win over the official calendar
    (dt.date(2026, 11, 28), "上班", "赶货加班（周六）"),
    (dt.date(2026, 12, 5), "上班", "赶货加班（周六）"),
    (dt.date(2026, 12, 31), "放假", "工厂年终盘点"),
    (dt.date(2026, 8, 14), "放假", "厂区停电检修"),
]


def make_orders(seed: int = 2026, count: int = 200) -> list[Order]:
    rnd = random.Random(seed)
    orders = []
    start = dt.date(2026, 1, 5)
    span = (dt.date(2026, 11, 25) - start).days
    for i in range(count):
        cust = CUSTOMERS[rnd.randrange(len(CUSTOMERS))]
        prod = PRODUCTS[rnd.randrange(len(PRODUCTS))]
        order_date = start + dt.timedelta(days=int(span * i / count) + rnd.randrange(3))
        lead = sum(prod[4:9])
        due = order_date + dt.timedelta(days=int(lead * 1.45) + rnd.randrange(5, 30))
        factory_due = due - dt.timedelta(days=rnd.choice([0, 2, 3, 5])) if rnd.random() < 0.6 else None
        qty = rnd.choice([500, 1000, 2000, 3000, 5000, 10000, 20000])
        qty = max(qty, prod[9])
        price = round(prod[11] * RATES[cust[3]] * rnd.uniform(0.95, 1.08), 2)
        o = Order(
            order_no=f"SO26{i + 1:04d}", customer=cust[0], customer_po=f"PO-{cust[0]}-{rnd.randrange(10000, 99999)}",
            model=prod[0], product_name=prod[1], quantity=qty, unit_price=price, currency=cust[3], order_date=order_date,
            customer_due_date=due, factory_due_date=factory_due, status="已确认",
            merchandiser=MERCHANDISERS[rnd.randrange(len(MERCHANDISERS))], remark="")
        _progress(o, prod, rnd)
        orders.append(o)
    return orders


def _progress(o: Order, prod: tuple, rnd: random.Random) -> None:
    """Fill the actual milestone dates an order would have reached by TODAY (calendar days, roughly)."""
    material, production, inspection, packing, _ = prod[4:9]
    slip = rnd.choice([0, 0, 0, 1, 2, 4, 8])  # most orders run to plan, some slip
    steps = [("material_date", material * 1.4 + slip), ("production_date", 1),
             ("finish_date", production * 1.4 + slip / 2), ("inspection_date", inspection * 1.4 + 1),
             ("ship_date", packing * 1.4 + 2)]
    when = o.order_date
    for name, days in steps:
        when = when + dt.timedelta(days=round(days))
        if when > TODAY:
            break
        setattr(o, name, when)
    if o.ship_date:
        o.shipped_qty = o.quantity
        o.status = "已出货"
        if rnd.random() < 0.3 and (TODAY - o.ship_date).days < 30:  # a recent partial shipment: the rest follows
            o.shipped_qty = o.quantity // 2
            o.status = "部分出货"
            o.remark = "分批出货，余数待出"
    elif o.production_date:
        o.status = "生产中"
    if rnd.random() < 0.03:
        o.status, o.remark = "取消", "客户取消订单"
    elif (TODAY - o.order_date).days < 4 and rnd.random() < 0.5:
        o.status = "新单"


# --------------------------------------------------------------------------------------------- writing

def _formats(wb: xlsxwriter.Workbook) -> dict:
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"}),
        "header": wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                 "border": 1, "text_wrap": True, "align": "center"}),
        "text": wb.add_format({**base, "border": 1}),
        "int": wb.add_format({**base, "border": 1, "num_format": "#,##0"}),
        "money": wb.add_format({**base, "border": 1, "num_format": "#,##0.00"}),
        "date": wb.add_format({**base, "border": 1, "num_format": "yyyy-mm-dd"}),
        "late": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
        "soon": wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"}),
    }


def _write_cells(ws, fmt, r: int, values: list, kinds: list[str]) -> None:
    for c, (value, kind) in enumerate(zip(values, kinds)):
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt[kind])
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt["date"])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(r, c, value, fmt[kind])
        else:
            ws.write_string(r, c, str(value), fmt[kind])


ORDER_KINDS = ["text", "text", "text", "text", "text", "int", "money", "text", "money", "date", "date", "date",
               "date", "date", "date", "date", "date", "int", "text", "text", "text"]


def _order_values(o: Order) -> list:
    return [o.order_no, o.customer, o.customer_po, o.model, o.product_name, o.quantity, o.unit_price, o.currency, None, o.order_date, o.customer_due_date,
            o.factory_due_date, o.material_date, o.production_date, o.finish_date, o.inspection_date, o.ship_date, o.shipped_qty, o.status,
            o.merchandiser, o.remark]


def write_orders_sheet(wb, fmt, orders: list[Order], headers: list[str], *, cells: dict | None = None,
                       tail: list[list] | None = None):
    """The 订单 sheet: merged title, header on row 3, an Excel table, frozen header, dropdown, CF on 客户交期.

    `cells` overrides single cells {(order index, header): value} (the messy copy's problems);
    `tail` adds rows under the table (a totals row, notes).
    """
    ws = wb.add_worksheet("订单")
    last_col = len(headers) - 1
    ws.merge_range(0, 0, 0, last_col, TITLE, fmt["title"])
    ws.set_row(0, 30)
    ws.write_string(1, 0, f"制表日期：{TODAY.isoformat()}", fmt["text"])
    header_row = 2
    first, last = header_row + 1, header_row + len(orders)
    amount_col = ORDER_HEADERS.index("金额")
    qty_l = col_letter(ORDER_HEADERS.index("数量"))
    price_l = col_letter(ORDER_HEADERS.index("单价"))
    for i, o in enumerate(orders):
        r = first + i
        values = _order_values(o)
        for (idx, header), value in (cells or {}).items():
            if idx == i:
                values[ORDER_HEADERS.index(header)] = value
        _write_cells(ws, fmt, r, values, ORDER_KINDS)
        # the cached value Excel would show (from the true figures when a cell holds text Excel cannot multiply)
        qty, price = (v if isinstance(v, (int, float)) else t for v, t in ((values[5], o.quantity), (values[6], o.unit_price)))
        amount = round(qty * price, 2)
        amount_override = (cells or {}).get((i, "金额"))
        if amount_override is not None:
            ws.write(r, amount_col, amount_override, fmt["money"])
        else:
            ws.write_formula(r, amount_col, f"={qty_l}{r + 1}*{price_l}{r + 1}", fmt["money"], amount)
    ws.add_table(header_row, 0, max(last, first), last_col, {
        "name": "订单表", "style": "Table Style Light 9",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in headers],
    })
    ws.freeze_panes(header_row + 1, 2)
    ws.set_row(header_row, 32)
    widths = [10, 7, 16, 9, 22, 9, 9, 6, 12, 11, 11, 11, 11, 11, 11, 11, 11, 10, 9, 8, 20]
    for c, w in enumerate(widths[: len(headers)]):
        ws.set_column(c, c, w)
    status_col = ORDER_HEADERS.index("状态")
    ws.data_validation(first, status_col, last + 200, status_col,
                       {"validate": "list", "source": STATUSES, "error_title": "状态 / Status",
                        "error_message": "请从列表中选择 / pick from the list"})
    due = col_letter(ORDER_HEADERS.index("客户交期"))
    shipd = col_letter(ORDER_HEADERS.index("出货日期"))
    rng = f"{due}{first + 1}:{due}{last + 1}"
    ws.conditional_format(rng, {"type": "formula", "criteria": f"=AND({shipd}{first + 1}=\"\",{due}{first + 1}<TODAY())",
                                "format": fmt["late"]})
    ws.conditional_format(rng, {"type": "formula",
                                "criteria": f"=AND({shipd}{first + 1}=\"\",{due}{first + 1}-TODAY()<=7)",
                                "format": fmt["soon"]})
    for j, extra in enumerate(tail or []):
        for c, value in enumerate(extra):
            if value is not None:
                ws.write(last + 2 + j, c, value)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    return ws


def write_simple_sheet(wb, fmt, name: str, headers: list[str], rows: list[list], kinds: list[str]) -> None:
    ws = wb.add_worksheet(name)
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, fmt["header"])
    for r, values in enumerate(rows, start=1):
        _write_cells(ws, fmt, r, values, kinds)
    ws.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    ws.freeze_panes(1, 0)
    ws.set_column(0, len(headers) - 1, 14)


def write_master_sheets(wb, fmt, orders: list[Order], *, examples: bool = True) -> None:
    """客户, 产品, 假期 and the ledger sheets; `examples=False` leaves only their headers (a new workbook)."""
    write_simple_sheet(wb, fmt, "客户", ["客户代码", "客户名称", "等级", "币种", "付款条件", "信用额度", "邮箱", "语言"],
                       [list(c) for c in CUSTOMERS + QUOTE_CUSTOMERS] if examples else [],
                       ["text"] * 5 + ["money", "text", "text"])
    write_simple_sheet(wb, fmt, "产品", ["型号", "品名", "产品系列", "单位", "备料天数", "生产天数", "验货天数", "包装天数",
                                       "出运天数", "最小起订量", "HS编码"],
                       [list(p[:11]) for p in PRODUCTS + QUOTE_PRODUCTS] if examples else [],
                       ["text"] * 4 + ["int"] * 6 + ["text"])
    write_simple_sheet(wb, fmt, "假期", ["日期", "类型", "说明"], [list(c) for c in CALENDAR] if examples else [],
                       ["date", "text", "text"])
    shipments, credit_notes, payments, opening = ledger(orders) if examples else ([], [], [], [])
    write_simple_sheet(wb, fmt, "出货", ["送货单号", "出货日期", "客户", "订单号", "型号", "数量", "单价", "金额", "币种",
                                       "发票号", "状态"], shipments,
                       ["text", "date", "text", "text", "text", "int", "money", "money", "text", "text", "text"])
    write_simple_sheet(wb, fmt, "退货", ["退货单号", "日期", "客户", "原单号", "金额", "币种", "状态"], credit_notes,
                       ["text", "date", "text", "text", "money", "text", "text"])
    write_simple_sheet(wb, fmt, "收款", ["收款日期", "客户", "金额", "币种", "银行流水号", "核销单号", "状态"], payments,
                       ["date", "text", "money", "text", "text", "text", "text"])
    write_simple_sheet(wb, fmt, "期初", ["客户", "截止日期", "单号", "日期", "金额", "币种"], opening,
                       ["text", "date", "text", "date", "money", "text"])


def ledger(orders: list[Order]) -> tuple[list, list, list, list]:
    """Shipments, credit notes, payments and opening balances consistent with the orders."""
    rnd = random.Random(7)
    currency = {c[0]: c[3] for c in CUSTOMERS}
    shipments, credit_notes, payments = [], [], []
    seq: dict[str, int] = {}
    for o in sorted((o for o in orders if o.ship_date and o.status != "取消"), key=lambda o: o.ship_date):
        key = o.ship_date.strftime("%y%m")
        seq[key] = seq.get(key, 0) + 1
        dn = f"S{key}-{seq[key]:03d}"
        qty = o.shipped_qty or o.quantity
        shipments.append([dn, o.ship_date, o.customer, o.order_no, o.model, qty, o.unit_price, round(qty * o.unit_price, 2),
                          o.currency, f"INV{key}{seq[key]:03d}", ""])
    for i, s in enumerate(shipments):
        if rnd.random() < 0.05:
            credit_notes.append([f"CN-{s[1]:%y%m}-{i:02d}", s[1] + dt.timedelta(days=12), s[2], s[0],
                                 round(s[7] * 0.02, 2), s[8], ""])
        if s[1] < dt.date(2026, 10, 1) and rnd.random() < 0.85:
            payments.append([s[1] + dt.timedelta(days=rnd.choice([30, 45, 60])), s[2], s[7], s[8],
                             f"BR{s[1]:%m%d}{i:04d}", s[0], ""])
    if shipments:
        shipments[3][10] = "作废"  # a voided delivery note: excluded from statements and listed as such
    opening = [[c[0], dt.date(2025, 12, 31), f"S2512-{i + 1:03d}", dt.date(2025, 12, 10 + i % 15),
                round(rnd.uniform(5000, 60000), 2), currency[c[0]]] for i, c in enumerate(CUSTOMERS) if i % 3 == 0]
    return shipments, credit_notes, payments, opening


def build_master(path: Path, orders: list[Order], *, examples: bool = True, decorate=None) -> Path:
    """Write a master workbook with `orders` (may be empty; `examples=False`: empty master sheets too).
    `decorate(wb, orders_sheet)` runs before the file is closed: the .xlsm builder adds its VBA project
    and buttons there."""
    wb = xlsxwriter.Workbook(str(path))
    fmt = _formats(wb)
    ws = write_orders_sheet(wb, fmt, orders, ORDER_HEADERS)
    write_master_sheets(wb, fmt, orders, examples=examples)
    wb.set_properties(PROPERTIES)
    if decorate is not None:
        decorate(wb, ws)
    wb.close()
    return Path(path)


# The messy copy. Each entry: (order index, header, typed value). First the harmless habits, which must
# read correctly and produce NO issue; then the planted problems with the issue they must produce.
HABITS = [  # (order index, header, how the value is typed, given the true value)
    (1, "下单日期", lambda d: f"{d.year}/{d.month}/{d.day}"),
    (2, "下单日期", lambda d: f"{d.year}.{d.month}.{d.day}"),
    (3, "下单日期", lambda d: f"{d.year}年{d.month}月{d.day}日"),
    (4, "客户交期", lambda d: f"{d.month}月{d.day}日"),  # no year: taken from the order date
    (5, "数量", lambda q: f"{q:,}"),
    (6, "单价", lambda p: f"${p:.2f}"),
    (7, "数量", lambda q: str(q).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    (8, "单价", lambda p: f" {p} "),
    (9, "客户交期", lambda d: d.isoformat()),
    (10, "币种", lambda c: c.lower()),
    (11, "状态", lambda s: f" {s} "),
    (12, "客户交期", lambda d: (d - dt.date(1899, 12, 30)).days),  # a date typed as its Excel serial number
]
PLANTED = [  # (order index, header, value, issue code)
    (20, "客户", None, "missing-value"),
    (21, "下单日期", "2026/13/45", "bad-date"),
    (22, "数量", "abc", "bad-number"),
    (24, "数量", 0, "bad-quantity"),
    (25, "单价", -3.5, "negative-price"),
    (26, "金额", 99999.0, "amount-mismatch"),
    (27, "出货日期", dt.date(2026, 1, 2), "ship-before-order"),
    (28, "客户交期", dt.date(2026, 1, 3), "due-before-order"),
    (29, "已出货数量", 999999, "over-shipped"),
    (30, "客户", "XYZ", "unknown-customer"),
    (31, "型号", "PB-99K", "unknown-model"),
    (32, "币种", "RMBX", "unknown-currency"),
    (33, "状态", "进行中", "unknown-status"),
    (34, "客户交期", dt.date(2062, 6, 1), "date-out-of-range"),
]
DUPLICATE_OF = (40, 41)  # order 41 repeats order 40's number and model → duplicate-order on 41


def messy_orders(orders: list[Order]) -> tuple[list[Order], dict]:
    import copy
    rows = copy.deepcopy(orders)
    a, b = DUPLICATE_OF
    rows[b].order_no, rows[b].model, rows[b].product_name = rows[a].order_no, rows[a].model, rows[a].product_name
    # keep planted rows free of side effects: the over-shipped row has a quantity below 999999 anyway,
    # the due-before-order row must not also be shipped before its order date, etc.
    for idx in (27, 28):
        rows[idx].order_date = dt.date(2026, 1, 20)
        rows[idx].customer_due_date = dt.date(2026, 3, 10)
        rows[idx].ship_date = dt.date(2026, 3, 5) if rows[idx].ship_date else None
        for f in ("factory_due_date", "material_date", "production_date", "finish_date", "inspection_date"):
            if getattr(rows[idx], f):
                setattr(rows[idx], f, dt.date(2026, 2, 10))
    rows[24].ship_date, rows[24].shipped_qty = None, None  # the zero-quantity line has not shipped anything
    cells = {(i, h): typed(_order_values(rows[i])[ORDER_HEADERS.index(h)]) for i, h, typed in HABITS}
    cells.update({(i, h): v for i, h, v, _ in PLANTED})
    return rows, cells


def build_messy(path: Path, orders: list[Order]) -> None:
    rows, cells = messy_orders(orders)
    wb = xlsxwriter.Workbook(str(path))
    fmt = _formats(wb)
    headers = [MESSY_HEADERS.get(h, h) for h in ORDER_HEADERS]
    tail = [[], ["合计", None, None, None, None, sum(o.quantity for o in rows)], [],
            ["制表：张丽", None, None, "审核：王经理"]]
    write_orders_sheet(wb, fmt, rows, headers, cells=cells, tail=tail)
    write_master_sheets(wb, fmt, rows)
    wb.set_properties(PROPERTIES)  # a fixed creation time: rebuilding gives the same bytes
    wb.close()


def planted_issues(header_row: int = 3) -> list[tuple[str, str, str]]:
    """(sheet, cell, code) the messy copy must report, in row order."""
    out = [("订单", f"{col_letter(ORDER_HEADERS.index(h))}{header_row + 1 + i}", code) for i, h, _, code in PLANTED]
    out.append(("订单", f"A{header_row + 1 + DUPLICATE_OF[1]}", "duplicate-order"))
    return sorted(out, key=lambda t: int(t[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")))


def new_orders() -> list[Order]:
    """Orders received on the sample's "today", waiting for review (状态 新单): one to accept, one priced
    below the quote, one whose due date cannot be met, one from a customer over its credit limit."""
    def line(no, cust, cur, model, name, qty, price, due, who):
        return Order(order_no=no, customer=cust, customer_po=f"PO-{cust}-{no[-2:]}", model=model, product_name=name,
                     quantity=qty, unit_price=price, currency=cur, order_date=TODAY, customer_due_date=due,
                     status="新单", merchandiser=who, remark="")

    return [
        line("SO26R01", "NORDLICHT", "USD", "HD-PB10K", "10000mAh 移动电源", 6000, 8.4492, dt.date(2027, 1, 20), "张丽"),
        line("SO26R02", "NORDLICHT", "USD", "HD-LED12", "LED 护眼台灯", 3000, 6.10, dt.date(2027, 1, 20), "张丽"),
        line("SO26R03", "NORDLICHT", "USD", "HD-PB10K", "10000mAh 移动电源", 12000, 8.0403, dt.date(2026, 12, 15),
             "王芳"),
        line("SO26R04", "VTX", "USD", "SW-W2", "智能手表 W2", 5000, 23.40, dt.date(2027, 2, 26), "李强"),
    ]


def build_samples(out_dir: Path = SAMPLES) -> list[Path]:
    """The sample workbooks: orders.xlsx (clean, with new orders to review) and orders_messy.xlsx (planted
    problems)."""
    orders = make_orders()
    out = [build_master(out_dir / "orders.xlsx", orders + new_orders()), out_dir / "orders_messy.xlsx"]
    build_messy(out[1], orders)
    return out
