"""Benchmark: the one-pass `gendan-xl refresh` (and `status --json`, `validate --json`) against reading the same
sheet with python-calamine, and against the naive openpyxl load + save, on orders workbooks of 10k, 100k and
1,048,575 lines (issue 13).

    .venv/bin/python benchmarks/bench_refresh.py --sizes 10000,100000,1048575 --rounds 3 --big-rounds 1 --readme

Each figure is one whole process (start-up included), wall seconds, CPU seconds and peak memory (the larger of
the biggest process's peak RSS and the highest PSS summed over the process and the ones it starts), with the
modules' bytecode cached as an installed package has it,
the median of `--rounds` rounds; within a round the commands run one after the other, so every command
sees the same machine (the load average is printed with each round: on a shared machine the ratios, measured
in the same round, are what counts). "start-up" is the interpreter importing every module a refresh imports.
"refresh" is the first refresh of a fresh copy (our columns added), "again" the next day's refresh of the
refreshed file (our columns rewritten), held to a read of that refreshed sheet ("calamine read, refreshed":
the same sheet, with our eight columns in it). openpyxl (load, write two columns, save) runs up to
`--openpyxl-max` lines; beyond, its figures are extrapolated linearly from the largest size run (marked ~).
With `--readme` the table replaces the one in benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GENDAN = str(Path(PY).with_name("gendan-xl"))

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


# The children run as an installed gendan-xl does: with the modules' bytecode cached (pip compiles it at
# install). This machine sets PYTHONDONTWRITEBYTECODE=1, which would make every child compile from source the
# modules it imports (about 0.3 s more for a refresh than for the start-up below, at any size).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, the child's and those of the processes it waited for) and peak
    MB of one child process (its output thrown away). Peak MB is the larger of the biggest process's peak RSS
    and the highest sum of the PSS of the child and its descendants seen while it ran (polled every 20 ms): a
    refresh that forks a writer is charged for both processes, the pages they share counted once."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execve(argv[0], argv, ENV)
    tree_mb = 0.0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        tree_mb = max(tree_mb, tree_pss_mb(pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # validate exits 1 when it finds errors
        raise RuntimeError(f"{' '.join(argv)} failed ({status})")
    return elapsed, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss / 1024, tree_mb)


def tree_pss_mb(pid: int, skip: frozenset[int] = frozenset()) -> float:
    """The PSS of a process and its descendants but `skip`, in MB (0 for what has gone meanwhile)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        if p in skip:
            continue
        try:
            with open(f"/proc/{p}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children", "rb") as fh:
                todo += map(int, fh.read().split())
        except (OSError, ValueError):
            continue
    return total / 1024


# "start-up" imports every module a refresh has imported by its end (found by refreshing a small workbook in a
# child, `startup_imports`): the interpreter and our imports, the cost a refresh pays at any size.
LIST_IMPORTS = """
import sys, importlib
from gendan_xl.doors.cli import main
try:
    main(['--quiet', 'refresh', sys.argv[1], '--today', '2026-11-26', '--backups', '0'])
except SystemExit:
    pass
names = []
for name in sorted(sys.modules):
    if name.startswith('_') or name == '__main__':
        continue
    try:
        importlib.import_module(name)
    except Exception:
        continue
    names.append(name)
print(','.join(names))
"""


def startup_imports(folder: Path) -> str:
    import subprocess

    small = folder / "orders-startup.xlsx"
    generate(small, 200)
    names = subprocess.run([PY, "-c", LIST_IMPORTS, str(small)], check=True, capture_output=True, text=True,
                           env=ENV).stdout.strip().splitlines()[-1]
    return "import " + names


CALAMINE = "import sys, python_calamine as pc; pc.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name('订单').to_python()"
NAIVE = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])      # the naive write-back: load, write two columns, save
ws = wb['订单']
for r in range(3, ws.max_row + 1):
    ws.cell(r, 22, '逾期')
    ws.cell(r, 23, 3)
wb.save(sys.argv[1])
"""
TODAY = ["--today", "2026-11-26"]


def measure(src: Path, work: Path, n: int, openpyxl_max: int, startup: str) -> dict[str, tuple[float, float, float]]:
    """One round: every command once, one after the other."""
    out: dict[str, tuple[float, float, float]] = {}
    out["start-up"] = timed([PY, "-c", startup])
    out["calamine read"] = timed([PY, "-c", CALAMINE, str(src)])
    shutil.copyfile(src, work)
    out["refresh"] = timed([GENDAN, "refresh", str(work), *TODAY, "--backups", "0"])
    out["calamine read, refreshed"] = timed([PY, "-c", CALAMINE, str(work)])  # the sheet "again" rewrites
    out["refresh again"] = timed([GENDAN, "refresh", str(work), "--today", "2026-11-27", "--backups", "0"])
    out["status --json"] = timed([GENDAN, "status", str(src), *TODAY, "--json"])
    out["validate --json"] = timed([GENDAN, "validate", str(src), "--json"])
    if n <= openpyxl_max:
        shutil.copyfile(src, work)
        out["openpyxl load+save"] = timed([PY, "-c", NAIVE, str(work)])
    return out


COLUMNS = ["start-up", "calamine read", "refresh", "calamine read, refreshed", "refresh again", "status --json",
           "validate --json", "openpyxl load+save"]


def table(results: dict[int, dict[str, tuple[float, float, float, bool]]]) -> list[str]:
    """Each command's wall seconds, CPU seconds and peak MB; the ratios to the calamine read in wall time (the
    issue's measure) and in CPU; the refresh's cost over the start-up (the 10k target)."""
    head = ("| lines | " + " | ".join(COLUMNS) + " | refresh ÷ read | again ÷ read | status ÷ read | validate ÷ read "
            "| refresh − start-up |")
    lines = [head, "|" + "---:|" * (len(COLUMNS) + 6)]
    for n, r in results.items():
        cells = []
        for c in COLUMNS:
            if c not in r:
                cells.append("—")
                continue
            s, cpu, mb, est = r[c]
            cells.append(f"~{s:.2f} s, {mb:,.0f} MB" if est else f"{s:.2f} s ({cpu:.2f} CPU), {mb:,.0f} MB")
        # each command against a read of the sheet it reads: "again" reads the refreshed one (our columns in it)
        ratios = [f"{r[c][0] / r[read][0]:.2f} ({r[c][1] / r[read][1]:.2f})"
                  for c, read in (("refresh", "calamine read"), ("refresh again", "calamine read, refreshed"),
                                  ("status --json", "calamine read"), ("validate --json", "calamine read"))]
        over = (f"{r['refresh'][0] - r['start-up'][0]:.2f} s ({r['refresh'][1] - r['start-up'][1]:.2f} CPU)")
        lines.append(f"| {n:,} | " + " | ".join(cells) + " | " + " | ".join(ratios) + f" | {over} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big-rounds", type=int, default=1, help="rounds for sizes over 200,000 lines")
    ap.add_argument("--openpyxl-max", type=int, default=100000)
    ap.add_argument("--cache", type=Path, help="keep the generated workbooks in this folder, and reuse them")
    ap.add_argument("--readme", action="store_true", help="write the table into benchmarks/README.md")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, tuple[float, float, float, bool]]] = {}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.cache or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        startup = startup_imports(Path(tmp))  # (and the bytecode of every module cached, before any round)
        measure(Path(tmp) / "orders-startup.xlsx", Path(tmp) / "warm.xlsx", 200, 200, startup)
        for n in sizes:
            src = folder / f"orders-{n}.xlsx"
            if not src.exists():
                generate(src, n)
            work = Path(tmp) / "work.xlsx"
            rounds = []
            for k in range(args.rounds if n <= 200_000 else args.big_rounds):
                rounds.append(measure(src, work, n, args.openpyxl_max, startup))
                loads.append(os.getloadavg()[0])
                print(f"{n:>9} round {k + 1}: " + ", ".join(f"{c} {s:.2f}s/{cpu:.2f}cpu/{mb:.0f}MB"
                                                             for c, (s, cpu, mb) in rounds[-1].items())
                      + f"  (load {loads[-1]:.2f})", flush=True)
            results[n] = {c: (*(statistics.median(r[c][i] for r in rounds) for i in range(3)), False)  # type: ignore[misc]
                          for c in rounds[0]}
    ran = [n for n in sizes if "openpyxl load+save" in results[n]]
    for n in sizes:
        if "openpyxl load+save" not in results[n] and ran:
            base = max(ran)
            s, cpu, mb, _ = results[base]["openpyxl load+save"]
            results[n]["openpyxl load+save"] = (s * n / base, cpu * n / base, mb * n / base, True)  # linear
    lines = table(results)
    note = (f"Measured {dt.date.today().isoformat()}, {args.rounds} rounds ({args.big_rounds} over 200,000 lines), "
            f"medians; load average (1 min) "
            f"{min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores while it ran.")
    print("\n".join(lines))
    print(note)
    if args.readme:
        readme = ROOT / "benchmarks" / "README.md"
        text = readme.read_text(encoding="utf-8")
        block = "<!-- bench_refresh -->\n" + note + "\n\n" + "\n".join(lines) + "\n<!-- /bench_refresh -->"
        if "<!-- bench_refresh -->" in text:
            text = re.sub(r"<!-- bench_refresh -->.*?<!-- /bench_refresh -->", lambda m: block, text, flags=re.S)
        else:
            text += "\n" + block + "\n"
        readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
