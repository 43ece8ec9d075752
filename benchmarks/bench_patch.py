"""Time patch_sheet on a generated orders workbook against a python-calamine read of the same file.

    .venv/bin/python benchmarks/bench_patch.py [ROWS ...]      (default: 10000 100000)

Writes five status columns (text, a number, a date, text, text) for every order line plus their headers:
a first refresh with verification (re-read with python-calamine), then a re-refresh without and with it
(the columns exist by then, the usual case). Prints wall and CPU time and the peak RSS of the process so
far (the machine may be shared: CPU time is the steadier figure). A figure printer, not a test.
"""
from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import python_calamine
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gendan_xl.patch import CFRule, patch_sheet  # noqa: E402


def build(path: Path, rows: int) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("订单")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    headers = ["订单号", "客户", "客户PO", "型号", "品名", "数量", "单价", "币种", "金额", "下单日期", "客户交期",
               "工厂交期", "物料日期", "生产日期", "完工日期", "验货日期", "出货日期", "已出货数量", "状态", "跟单员", "备注"]
    ws.write_row(0, 0, headers)
    base = dt.datetime(2026, 1, 5)
    for i in range(1, rows + 1):
        ws.write_string(i, 0, f"SO-{i:07d}")
        ws.write_string(i, 1, f"客户{i % 300}")
        ws.write_string(i, 2, f"PO{i * 7 % 100000}")
        ws.write_string(i, 3, f"M-{i % 500}")
        ws.write_string(i, 4, "不锈钢保温杯 500ml")
        ws.write_number(i, 5, 100 + i % 900)
        ws.write_number(i, 6, 3.25 + i % 7)
        ws.write_string(i, 7, "USD")
        ws.write_formula(i, 8, f"=F{i + 1}*G{i + 1}", None, (100 + i % 900) * (3.25 + i % 7))
        for j in range(9, 17):
            ws.write_datetime(i, j, base + dt.timedelta(days=(i + j * 9) % 300), date_fmt)
        ws.write_number(i, 17, i % 50)
        ws.write_string(i, 18, "生产中")
        ws.write_string(i, 19, "王小明")
        ws.write_string(i, 20, "")
    wb.close()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(sizes: list[int]) -> None:
    print("wall (cpu) seconds; 5 status columns for every line; peak RSS of the whole process")
    print(f"{'rows':>9} {'calamine read':>14} {'1st patch+verify':>18} {'re-patch':>16} {'re-patch+verify':>17}"
          f" {'peak RSS':>9}")
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "orders.xlsx"
            build(path, rows)
            t = time.perf_counter()
            with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
                n = sum(1 for _ in wb.get_sheet_by_name("订单").iter_rows())
            read_s = time.perf_counter() - t
            assert n == rows + 1
            headers = {(1, 22): "状态 status", (1, 23): "晚/剩天数", (1, 24): "下一节点", (1, 25): "原因",
                       (1, 26): "更新时间"}
            statuses = ["on_track", "at_risk", "overdue"]
            n = range(2, rows + 2)
            columns = {
                22: (2, [statuses[r % 3] for r in n]),
                23: (2, [r % 40 - 20 for r in n]),
                24: (2, [dt.date(2026, 11, 1) + dt.timedelta(days=r % 60) for r in n]),
                25: (2, ["验货计划 11-20，尚未验货"] * rows),
                26: (2, ["2026-11-26 09:30"] * rows),
            }
            rules = [CFRule(f"V2:V{rows + 1}", text="overdue")]
            timings = []
            for verify in (True, False, True):  # first refresh, re-refresh without and with verification
                t = time.perf_counter()
                c = time.process_time()
                patch_sheet(path, "订单", headers, columns=columns, conditional_formats=rules, verify=verify,
                            backups=1)
                timings.append((time.perf_counter() - t, time.process_time() - c))
            cols = " ".join(f"{w:>8.2f} ({c:.2f})" for w, c in timings)
            print(f"{rows:>9} {read_s:>13.2f}s {cols} {peak_mb():>7.0f}MB", flush=True)

if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
