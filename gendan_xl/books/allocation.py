"""Allocation on whole workbooks: read the stock workbook and the master, allocate, write the sidecar sheet.

`allocate_workbook(path, stock)` reads the master workbook's 订单 and 客户 sheets and a stock workbook
(型号 / 可用库存), runs the pure `allocate.allocate`, and writes the result as a sidecar workbook
`name.allocation.xlsx` beside the master (XlsxWriter; the master is only read).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Sequence

from gendan_xl import schema
from gendan_xl.allocate import DEFAULT_SKIP, Allocation, allocate, grades_from_rows, text, whole_number
from gendan_xl.books.master import load_master
from gendan_xl.orders import orders_from_rows
from gendan_xl.errors import WARNING, Issue, MissingColumnsError, MissingSheetError
from gendan_xl.schema import DEFAULT_VOCABULARY, SheetSchema, Vocabulary, column, fold_key
from gendan_xl.xlsx.read import open_book, read_table
from gendan_xl.xlsx.writer import FONT, HEADER_ROW, fit_row, titled_sheet, write_new_workbook, GeneratedBook

__all__ = ["STOCK", "read_stock", "allocate_workbook", "allocation_path", "allocation_xlsx_bytes",
           "write_allocation_xlsx"]


# The stock workbook: one row per model (and warehouse). Header aliases as people write them.
STOCK = SheetSchema(
    "stock", "库存", "Stock", ("库存", "库存表", "可用库存", "成品库存", "stock", "inventory", "stock list"),
    (
        column("model", schema.TEXT, "型号", "Model", "机型", "料号", "产品型号", "规格型号", "物料编码", "P/N", "PN",
               "Part No.", "Part Number", "Item", "Item No.", required=True),
        column("available", schema.INT, "可用库存", "Available", "库存", "可用数量", "库存数量", "现有库存", "数量",
               "Qty", "Quantity", "Available Qty", "On Hand", "Stock", "Stock Qty", required=True),
        column("warehouse", schema.TEXT, "仓库", "Warehouse", "库位", "仓位", "Location", "WH"),
    ),
)


def read_stock(path: str | Path, *, sheet: str | None = None, lang: str = "zh") -> tuple[dict[str, int], list[Issue]]:
    """{model: available qty} from a stock workbook, and what was wrong with its rows.

    The sheet is the one named, else one called 库存 / Stock / Inventory …, else the first sheet whose
    header row (within the first 20 rows) names a model and an available-quantity column. Rows of the same
    model add up (one row per warehouse); an unreadable or negative quantity counts as 0 and is reported.
    """
    book = open_book(path)
    try:
        table = read_table(book, STOCK, sheet, year_anchor=None)
    except MissingSheetError:
        if sheet is not None:
            raise
        table = None
        for name in book.sheet_names:
            try:
                table = read_table(book, STOCK, name, year_anchor=None)
                break
            except MissingColumnsError:
                continue
        if table is None:
            raise MissingColumnsError(f'{book.name}: no sheet has the columns 型号 / Model and 可用库存 / Available '
                                      f'(sheets: {", ".join(book.sheet_names)}); check the column titles') from None
    if "available" not in table.columns or "model" not in table.columns:
        missing = "型号 / Model" if "model" not in table.columns else "可用库存 / Available"
        raise MissingColumnsError(f'{book.name}: sheet "{table.sheet}" has no column {missing}; check the column '
                                  'titles')
    stock: dict[str, int] = {}
    first: dict[str, str] = {}
    issues: list[Issue] = []
    for r in table.rows:
        model = r.values.get("model")
        if model in (None, ""):
            continue
        qty = whole_number(r.values.get("available"))
        raw = r.raw.get("available")
        if "available" in r.errors or (qty is None and raw not in (None, "")):
            issues.append(Issue("bad-stock", WARNING, table.sheet, r.ref("available"), raw,
                                text("bad-stock", lang, value=raw)))
            qty = 0
        elif qty is not None and qty < 0:
            issues.append(Issue("negative-stock", WARNING, table.sheet, r.ref("available"), raw,
                                text("negative-stock", lang, value=qty)))
            qty = 0
        k = fold_key(model)
        name = first.setdefault(k, str(model).strip())
        stock[name] = stock.get(name, 0) + (qty or 0)
    return stock, issues


def allocation_path(path: str | Path) -> Path:
    """Where the allocation of `orders.xlsx` goes: `orders.allocation.xlsx` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.allocation.xlsx")


def allocate_workbook(path: str | Path, stock: str | Path, *, out: str | Path | None = None,
                      skip: Iterable[str] = DEFAULT_SKIP, lang: str | None = None, write: bool = True,
                      vocabulary: Vocabulary = DEFAULT_VOCABULARY, today: dt.date | None = None) -> Allocation:
    """Allocate the stock workbook `stock` to the open lines of the master workbook `path` and write
    `name.allocation.xlsx` beside it (or `out`). The master and the stock workbook are only read. `today`,
    the day of the allocation, goes into the sheets' titles."""
    master = load_master(path, vocabulary=vocabulary)
    lang = lang or master.orders.lang
    available, stock_issues = read_stock(stock, lang=lang)
    grades = grades_from_rows(master.customers.rows) if master.customers is not None else {}
    names = {}
    if master.customers is not None:  # orders may name the customer instead of giving its code
        for r in master.customers.rows:
            if r.values.get("name") and r.values.get("code"):
                names.setdefault(str(r.values["name"]), grades.get(str(r.values["code"]), ""))
    result = allocate(available, orders_from_rows(master.orders.rows), {**names, **grades}, skip=skip, lang=lang,
                      sheet=master.orders.sheet, vocabulary=vocabulary)
    result.issues[:0] = [*master.notes, *stock_issues]
    result.source, result.today = f"{Path(path).name} + {Path(stock).name}", today
    if write:
        result.path = write_allocation_xlsx(result, Path(out) if out else allocation_path(path), lang=lang,
                                            inputs=[Path(path), Path(stock)])
    return result


def allocation_xlsx_bytes(result: Allocation, lang: str = "zh") -> bytes:
    """Three sheets: every line in allocation order, each customer's shortfall, each model's stock. Each says
    which workbooks, which day and what came of it, and prints one page wide with its header on every page."""
    book = GeneratedBook()
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "border": 1}
    head = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True})
    plain = book.add_format(base)
    wrap = book.add_format({**base, "text_wrap": True})
    date = book.add_format({**base, "num_format": "yyyy-mm-dd"})
    num = book.add_format({**base, "num_format": "#,##0"})
    short = book.add_format({**base, "num_format": "#,##0", "bg_color": "#FFC7CE", "bold": True})
    facts = " · ".join(x for x in (result.source, result.today.isoformat() if result.today else "",
                                   result.summary(lang)) if x)
    top = HEADER_ROW

    def sheet(name: str, keys: Sequence[str], rows: Iterable[Sequence[Any]], formats: Sequence[Any],
              widths: Sequence[float], landscape: bool = True) -> None:
        ws = titled_sheet(book, text(name, lang), title=f"{text('title', lang)} — {text(name, lang)}", facts=facts,
                          landscape=landscape)
        ws.write_row(top, 0, [text(f"col.{k}", lang) for k in keys], head)
        ws.set_row(top, 30)
        n = top
        for n, values in enumerate(rows, start=top + 1):
            for c, (value, fmt) in enumerate(zip(values, formats)):
                if fmt is short and not value:
                    fmt = num
                book.cell(ws, n, c, value, fmt)
            fit_row(ws, n, [(v, w) for v, fmt, w in zip(values, formats, widths) if fmt is wrap])
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(top + 1, 0)
        ws.autofilter(top, 0, max(n, top + 1), len(keys) - 1)

    sheet("sheet.lines", ("model", "rank", "order_no", "customer", "grade", "due_date", "order_date",
                          "open_qty", "allocated", "short", "merchandiser", "row"),
          ([x.model, x.rank, x.order_no, x.customer, x.grade, x.due_date, x.order_date, x.open_qty,
            x.allocated, x.short, x.merchandiser, x.row] for x in result.lines),
          (plain, num, plain, plain, plain, date, date, num, num, short, plain, num),
          (11, 6, 12, 11, 6, 11, 11, 10, 10, 10, 8, 6))
    sheet("sheet.customers", ("customer", "grade", "short", "lines_short", "orders"),
          ([c.customer, c.grade, c.short, len(c.lines),
            ", ".join(f"{x.order_no} {x.model} {x.short:,}" for x in c.lines)] for c in result.shortages),
          (plain, plain, short, num, wrap), (12, 6, 11, 9, 60), landscape=False)
    sheet("sheet.models", ("model", "stock", "demand", "allocated", "short", "left", "listed"),
          ([m.model, m.stock, m.demand, m.allocated, m.short, m.left, text("yes" if m.listed else "no", lang)]
           for m in result.models), (plain, num, num, num, short, num, plain), (12, 10, 10, 10, 10, 10, 12),
          landscape=False)
    return book.close()


def write_allocation_xlsx(result: Allocation, target: str | Path, *, lang: str = "zh",
                          inputs: Iterable[Path] = ()) -> Path:
    """Write the allocation workbook to `target` (temporary file, then atomic rename); refuses while open,
    and refuses to write over one of the `inputs`."""
    return write_new_workbook(allocation_xlsx_bytes(result, lang), Path(target), inputs=inputs)
