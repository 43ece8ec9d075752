"""Benchmark: `gendan-xl refresh` against (a) reading the same file with python-calamine alone and
(b) the naive openpyxl load → compute → save, on master workbooks of 10k, 100k and 1,048,575 lines.

    .venv/bin/python benchmarks/bench_refresh.py [--sizes 10000,100000,1048575] [--openpyxl-max 100000]

Each figure is one whole process (start-up included), timed with its peak memory (ru_maxrss of the
child). openpyxl is skipped above --openpyxl-max (at 1M lines it needs ~430 s and 9–10 GB, MEASURED.md).
Targets (issue 3): refresh ≤ 1.5× the calamine-only read; 10k lines under 2 s; 1M lines within 2 GB.

The issue also asks the refresh to re-read the file it wrote with python-calamine before replacing the
workbook. The least that costs, calamine parsing the written sheet without making Python objects, is timed
too ("calamine parse, written file"): a refresh can be no faster than the two together, nor leaner than
the parse, so the "floor" column is their sum over the calamine read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

HEADERS = ["订单号", "客户", "客户PO", "型号", "品名", "数量", "单价", "币种", "金额", "下单日期", "客户交期", "工厂交期",
           "到料日期", "上线日期", "完工日期", "验货日期", "出货日期", "已出货数量", "状态", "跟单员", "备注"]


def generate(path: Path, lines: int) -> None:
    """A master workbook of `lines` order lines (title row, header, formula with cached value), built
    with XlsxWriter's constant-memory mode so a million lines fit."""
    from gendan_xl.books.new_master import CUSTOMERS, PRODUCTS

    rnd = random.Random(lines)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("订单")
    ws.write_string(0, 0, "订单跟踪表")
    for c, h in enumerate(HEADERS):
        ws.write_string(1, c, h)
    base = dt.datetime(2026, 1, 5)
    for i in range(lines):
        r = i + 2
        cust, prod = CUSTOMERS[i % len(CUSTOMERS)], PRODUCTS[rnd.randrange(len(PRODUCTS))]
        od = base + dt.timedelta(days=rnd.randrange(320))
        due = od + dt.timedelta(days=rnd.randrange(40, 90))
        shipped = od + dt.timedelta(days=rnd.randrange(30, 95))
        done = shipped < dt.datetime(2026, 11, 26)
        qty, price = rnd.choice([500, 1000, 5000]), prod[11]
        ws.write_string(r, 0, f"SO{i:07d}")
        ws.write_string(r, 1, cust[0])
        ws.write_string(r, 2, f"PO{i}")
        ws.write_string(r, 3, prod[0])
        ws.write_string(r, 4, prod[1])
        ws.write_number(r, 5, qty)
        ws.write_number(r, 6, price)
        ws.write_string(r, 7, cust[3])
        ws.write_formula(r, 8, f"=F{r + 1}*G{r + 1}", None, round(qty * price, 2))
        ws.write_datetime(r, 9, od, date)
        ws.write_datetime(r, 10, due, date)
        if done:
            ws.write_datetime(r, 16, shipped, date)
            ws.write_number(r, 17, qty)
        ws.write_string(r, 18, "已出货" if done else "生产中")
        ws.write_string(r, 19, "张丽")
    ps = wb.add_worksheet("产品")
    for c, h in enumerate(["型号", "品名", "产品系列", "单位", "备料天数", "生产天数", "验货天数", "包装天数", "出运天数"]):
        ps.write_string(0, c, h)
    for r, p in enumerate(PRODUCTS, start=1):
        for c, v in enumerate(p[:9]):
            ps.write(r, c, v)
    wb.close()


def timed(argv: list[str]) -> tuple[float, float]:
    """Seconds and peak MB of one child process."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - t
    if status != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({status})")
    return elapsed, usage.ru_maxrss / 1024


CALAMINE = "import sys, python_calamine as pc; pc.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name('订单').to_python()"
# The least a re-read with python-calamine costs: parsing the sheet, no Python objects made.
PARSE = "import sys, python_calamine as pc; pc.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name('订单').height"
NAIVE = """
import sys, datetime as dt, openpyxl
from gendan_xl.books.master import load_master, status_of
path = sys.argv[1]
status = status_of(load_master(path), today=dt.date(2026, 11, 26))   # the same compute
wb = openpyxl.load_workbook(path)                                     # then the naive write-back
ws = wb['订单']
for line in status.result.lines:
    ws.cell(line.row, 22, line.label('zh'))
    ws.cell(line.row, 23, line.days_late)
wb.save(path)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1048575")
    ap.add_argument("--openpyxl-max", type=int, default=100000)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    gendan = str(Path(PY).with_name("gendan-xl"))
    print(f"{'lines':>9}  {'calamine read':>16}  {'gendan refresh':>16}  {'ratio':>5}  "
          f"{'calamine parse, written file':>29}  {'floor':>5}  {'openpyxl naive':>16}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            src = Path(tmp) / f"orders-{n}.xlsx"
            generate(src, n)
            work = Path(tmp) / "work.xlsx"
            work.write_bytes(src.read_bytes())
            cal = timed([PY, "-c", CALAMINE, str(work)])
            ref = timed([gendan, "refresh", str(work), "--today", "2026-11-26", "--backups", "0"])
            again = timed([PY, "-c", PARSE, str(work)])  # the check the refresh itself must make
            if n <= args.openpyxl_max:
                work.write_bytes(src.read_bytes())
                naive = timed([PY, "-c", NAIVE, str(work)])
                naive_s = f"{naive[0]:6.1f} s {naive[1]:5.0f} MB"
            else:
                naive_s = "skipped"
            print(f"{n:>9}  {cal[0]:6.1f} s {cal[1]:5.0f} MB  {ref[0]:6.1f} s {ref[1]:5.0f} MB  "
                  f"{ref[0] / cal[0]:5.2f}  {again[0]:19.1f} s {again[1]:5.0f} MB  "
                  f"{(cal[0] + again[0]) / cal[0]:5.2f}  {naive_s:>16}", flush=True)


if __name__ == "__main__":
    main()
