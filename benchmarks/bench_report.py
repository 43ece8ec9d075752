"""Benchmark: the daily report's attachments on the team's 141k open lines (issue 18 item 5), before and after.

    .venv/bin/python benchmarks/bench_report.py            # --files 50 --lines 20000 --before 4d73758

The lines are those of bench_team.py's fifty workbooks (books/new_master.make_orders, seeds 1000…1049, one
merchandiser per workbook) judged on 2026-11-26: about 141k of the million are open. Their orders are made
once and handed to each child process, which judges them (compute_status) and then builds, timed:

- **lead's attachment**: `status_workbook` of every open line, the lead's xlsx (the biggest of the report);
- **daily report**: `overdue_mails` to fifty merchandisers and the lead, each mail with its xlsx (not sent).

Each is run with the code as it is and with the code of `--before` (a `git archive` of that commit in a temp
folder: the attachment written cell by cell through `GeneratedBook.cell`, in memory, a row height worked out
per row). Figures: the step's wall seconds, the child's peak RSS (ru_maxrss: the judged lines included) and
its RSS before the step, the lead's xlsx size. `before` writes two columns fewer (no 客户PO, no 未出数量).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 26)
OPEN = ("overdue", "at_risk", "on_track", "unknown")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(x.split()[1]) for x in fh if x.startswith("VmRSS:")) / 1024


def make_orders_file(path: Path, files: int, lines: int) -> int:
    """The open orders of `files` workbooks × `lines` (bench_team's), pickled: what every child judges."""
    sys.path.insert(0, str(ROOT))
    from bench_team import merchandiser

    from gendan_xl.books.new_master import PRODUCTS, make_orders
    from gendan_xl.status import LeadTimes, compute_status
    from gendan_xl.workdays import WorkCalendar

    products = {p[0]: LeadTimes(*p[4:9]) for p in PRODUCTS}
    kept = []
    for k in range(files):
        orders = make_orders(1000 + k, lines)
        for o in orders:
            o.merchandiser = merchandiser(k)
        status = compute_status(orders, products, WorkCalendar(), TODAY)
        kept += [o for o, line in zip(orders, status.lines) if line.status in OPEN]
    path.write_bytes(pickle.dumps((products, kept)))
    return len(kept)


def child(what: str, code: Path, orders_file: Path) -> None:
    sys.path.insert(0, str(code))
    from gendan_xl.delivery.report import overdue_mails, status_workbook
    from gendan_xl.status import compute_status
    from gendan_xl.workdays import WorkCalendar

    assert Path(sys.modules["gendan_xl"].__file__).is_relative_to(code)
    products, orders = pickle.loads(orders_file.read_bytes())
    lines = compute_status(orders, products, WorkCalendar(), TODAY).lines
    del orders
    before = rss_mb()
    t = time.perf_counter()
    if what == "attachment":
        size = len(status_workbook(lines, TODAY, "zh"))
    else:
        names = sorted({str(x.merchandiser) for x in lines})
        plan = overdue_mails(lines, TODAY, emails={n: f"m{i}@example.com" for i, n in enumerate(names)},
                             lead="lead@example.com")
        size = len(plan.mails[-1].attachments[0].data)
    seconds = time.perf_counter() - t
    print(json.dumps({"lines": len(lines), "seconds": seconds, "rss_before": before,
                      "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "lead_xlsx": size}))


def checkout(rev: str, into: Path) -> Path:
    """The package and mail templates of commit `rev`, extracted under `into`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "gendan_xl", "templates"], check=True,
                             capture_output=True).stdout
    target = into / rev
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=50)
    p.add_argument("--lines", type=int, default=20000)
    p.add_argument("--before", default="4d73758", help="the commit to compare with")
    p.add_argument("--now", type=Path, default=ROOT, help="the code to measure (default: this checkout)")
    p.add_argument("--child", nargs=3, metavar=("WHAT", "CODE", "ORDERS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    with tempfile.TemporaryDirectory(prefix="bench_report.") as tmp:
        orders_file = Path(tmp) / "orders.pickle"
        n = make_orders_file(orders_file, args.files, args.lines)
        codes = {f"before ({args.before})": checkout(args.before, Path(tmp)), "now": args.now}
        print(f"{args.files} workbooks × {args.lines:,} lines: {n:,} open lines, judged on {TODAY}\n")
        print("| what | code | time | peak RSS | RSS before the step | lead's xlsx |")
        print("|---|---|---:|---:|---:|---:|")
        for what, label in (("attachment", "lead's attachment"), ("report", "daily report (51 mails)")):
            for name, code in codes.items():
                out = subprocess.run([sys.executable, __file__, "--child", what, str(code), str(orders_file)],
                                     check=True, capture_output=True, text=True, env={**os.environ}).stdout
                r = json.loads(out)
                print(f"| {label} | {name} | {r['seconds']:.1f} s | {r['peak']:,.0f} MB | {r['rss_before']:,.0f} MB "
                      f"| {r['lead_xlsx'] / 1e6:.1f} MB |", flush=True)


if __name__ == "__main__":
    main()
