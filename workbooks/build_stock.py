"""Build workbooks/stock.xlsx: the finished-goods stock a warehouse sends on the day of an allocation.

    .venv/bin/python workbooks/build_stock.py [OUT.xlsx]

As warehouses send it: a title row above the header, one row per model and warehouse (the rows of a model
add up), a 合计 row under the data, and a sheet named after the count date rather than "库存", so the
reader has to find the sheet by its columns. Against workbooks/orders.xlsx (today = 2026-11-26) it makes a
useful demo of `gendan-xl allocate`: some models are short (CB-C2C, CH-65W, SW-W2, TWS-P3), one is exactly
covered (TWS-A1), one has zero stock (WL-15), one is missing from the file (HUB-7), one is in stock but not
ordered (CB-L2C), and the rest are covered with stock to spare.

Tests call `build_stock(path, rows=..., headers=..., sheet=...)` to make variants.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

import xlsxwriter

from gendan_xl.books.new_master import PRODUCTS

HERE = Path(__file__).resolve().parent
TITLE = "成品库存 2026-11-26 / Finished goods stock"
HEADERS = ["型号", "品名", "仓库", "可用库存"]
_NAMES = {p[0]: p[1] for p in PRODUCTS}  # the sample products' names, as in workbooks/orders.xlsx
ROWS: list[list[Any]] = [[model, _NAMES[model], warehouse, qty] for model, warehouse, qty in [
    ("CB-C2C", "A仓", 15000), ("CB-C2C", "B仓", 10000), ("TWS-A1", "A仓", 27000), ("CH-65W", "A仓", 8000),
    ("PB-10K", "B仓", 30000), ("WL-15", "A仓", 0), ("SW-W2", "A仓", 6000), ("CH-20W", "B仓", 11000),
    ("SP-M3", "A仓", 10500), ("TWS-P3", "A仓", 2000), ("TWS-P3", "B仓", 1000), ("PB-20K", "B仓", 2000),
    ("CB-L2C", "B仓", 5000),
]]


def build_stock(path: Path | str, *, rows: Sequence[Sequence[Any]] = ROWS, headers: Sequence[str] = HEADERS,
                sheet: str = "11-26盘点", title: str | None = TITLE, total: bool = True) -> Path:
    """Write a stock workbook: optional title row, header, rows, optional 合计 row of the last column."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    cell = wb.add_format({"border": 1})
    r = 0
    if title:
        ws.write(r, 0, title, wb.add_format({"bold": True, "font_size": 14}))
        r += 2
    ws.write_row(r, 0, list(headers), bold)
    first = r + 1
    for values in rows:
        r += 1
        for c, v in enumerate(values):
            ws.write(r, c, v, cell)
    if total and rows:
        r += 1
        last = len(headers) - 1
        col = xlsxwriter.utility.xl_col_to_name(last)
        ws.write(r, 0, "合计", bold)
        ws.write_formula(r, last, f"=SUM({col}{first + 1}:{col}{r})", bold,
                         sum(v[last] for v in rows if isinstance(v[last], (int, float))))
    ws.set_column(0, len(headers) - 1, 14)
    wb.close()
    return Path(path)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "stock.xlsx"
    print(build_stock(out))
