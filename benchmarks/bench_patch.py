"""Time patch_sheet on a generated orders workbook against a python-calamine read of the same file.

    .venv/bin/python benchmarks/bench_patch.py [ROWS ...]      (default: 10000 100000)

Writes the columns a refresh writes right of a 21-column orders sheet, for every order line: a status
label, two day counts (often empty), a milestone label, a date, a reason text that differs on every
line, plus a header row. Times a first patch with its check (the re-read with python-calamine), then a
re-patch without and with it (the columns exist by then, the usual case). Each measurement runs in its
own process, so its peak RSS is its own: the calamine read of the input, the calamine read of the
patched file (the floor of the check), and the patches. Prints wall and CPU seconds (the machine may be
shared: CPU time is the steadier figure). A figure printer, not a test.
"""
from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import python_calamine
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gendan_xl.xlsx.condformat import CFRule  # noqa: E402
from gendan_xl.xlsx.patch import patch_sheet  # noqa: E402

SHEET = "订单"


def build(path: Path, rows: int) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet(SHEET)
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


def refresh_columns(rows: int, day: int) -> tuple[dict, dict]:
    """(header cells, {col: (first row, values)}) like a refresh's; `day` shifts the values a little."""
    labels = ["逾期", "有风险", "正常", "准时出货", "延迟出货", "已取消"]
    milestones = ["到料", "上线", "完工", "验货", "出货"]
    late, due, step, when, reason = [], [], [], [], []
    for r in range(2, rows + 2):
        k = (r * 7 + day) % 61 - 20
        late.append(k if k > 0 else None)
        due.append(-k if k < 0 else None)
        step.append(milestones[r % 5] if r % 4 else None)
        when.append(dt.date(2026, 9, 1) + dt.timedelta(days=(r + day) % 120) if r % 4 else None)
        reason.append(f"{milestones[r % 5]}计划 {(r % 12) + 1:02d}-{(r % 28) + 1:02d}，已过 {abs(k)} 天 (SO-{r - 1:07d})")
    headers = {(1, 21): "交期状态", (1, 22): "逾期天数", (1, 23): "距交期天数", (1, 24): "下一节点",
               (1, 25): "节点计划日", (1, 26): "说明"}  # V1:AA1 (columns count from 0)
    columns = {21: (2, [labels[(r + day) % 6] for r in range(rows)]), 22: (2, late), 23: (2, due),
               24: (2, step), 25: (2, when), 26: (2, reason)}
    return headers, columns


def timed(fn) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def read_all(path: Path) -> None:
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        for _ in wb.get_sheet_by_name(SHEET).iter_rows():
            pass


def child(what: str, path: Path, rows: int) -> dict:
    """One measurement in this process: {name: (wall, cpu)} and the peak RSS in MB."""
    out: dict = {}
    if what == "read":
        out["read"] = timed(lambda: read_all(path))
    else:
        rules = [CFRule(f"V2:V{rows + 1}", kind="equal", text="逾期")]
        for name, day, verify in (("first", 0, True), ("again", 1, False), ("again+check", 0, True)):
            headers, columns = refresh_columns(rows, day)  # one set alive at a time, as in a refresh
            out[name] = timed(lambda: patch_sheet(path, SHEET, headers, columns=columns, conditional_formats=rules,
                                                  verify=verify, backups=0))
            del columns
    out["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_child(what: str, path: Path, rows: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", what, str(path), str(rows)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def main(sizes: list[int]) -> None:
    print("wall (cpu) seconds; peak RSS of each process; the check is a calamine re-read of the written file")
    print(f"{'rows':>9} {'calamine read':>15} {'read patched':>15} {'1st patch+check':>16} {'re-patch':>15} "
          f"{'re-patch+check':>16} {'ratio':>6} {'RSS read':>9} {'RSS patch':>9}")
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "orders.xlsx"
            build(path, rows)
            read = run_child("read", path, rows)
            patch = run_child("patch", path, rows)
            patched = run_child("read", path, rows)
        f = lambda t: f"{t[0]:>7.2f} ({t[1]:5.2f})"  # noqa: E731
        ratio = patch["again+check"][1] / read["read"][1]
        print(f"{rows:>9} {f(read['read'])} {f(patched['read'])} {f(patch['first']):>16} {f(patch['again'])} "
              f"{f(patch['again+check']):>16} {ratio:>5.1f}x {read['rss']:>7.0f}MB {patch['rss']:>7.0f}MB",
              flush=True)
    print("ratio: CPU of re-patch+check over the calamine read of the input")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
