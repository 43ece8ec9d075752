"""Benchmark: the team run on 50 workbooks × 20,000 lines (issue 18), full and incremental.

    .venv/bin/python benchmarks/bench_team.py [--files 50] [--lines 20000] [--changed 2] [--dir DIR] [--team-only]

The workbooks are built once into DIR (default: a folder under the system's temp folder, kept for the next
run; building 50 takes about ten minutes) with the sample builder's orders (books/new_master.make_orders:
milestones, partial shipments, cancellations through 2026), one merchandiser per workbook, and a gendan.toml
naming them by a glob. Then, each as one whole process (start-up included) with its peak memory:

- **full**: an empty store; the whole team run of the daily report — every workbook read, its status, its
  snapshot stored, the changes since the last report, the report's mails (a section per merchandiser in the
  lead's) rendered and put in the outbox folder. What the first `gendan-xl report overdue --send` costs.
- **same day, nothing changed**: the same again on the same store.
- **incremental**: `--changed` workbooks edited (ten due dates moved in each, saved again), then the same
  run: the changed workbooks read, the others judged from their records, the changes found.
- **the changed files alone**: the same run over only the edited workbooks, on an empty store: what reading
  them costs, for comparison with the incremental run.
- **next day**: the same store, the day after: every open line judged again (from the records), statuses
  that turned recorded.

`--team-only` times the team runs alone (read, status, snapshot, changes; no mails): the full run, then the
same store the same day, with the edited workbooks, the next day — and the next day again with every open line
compared with its stored version (the naive way: the store not knowing each line's last status) — and the
edited workbooks alone.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_refresh import timed  # one child process timed, with its peak memory

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TODAY = dt.date(2026, 11, 26)
NAMES = "张丽 王芳 李强 陈静 刘洋 赵敏 孙磊 周婷 吴刚 郑爽".split()


def merchandiser(k: int) -> str:
    return f"{NAMES[k % len(NAMES)]}{k // len(NAMES) + 1}"


def build(path: Path, k: int, lines: int, moved: int = 0) -> None:
    """Workbook k: `lines` orders of one merchandiser, with the samples' 产品 and 假期 sheets; `moved` of its
    open lines have their due date a week later. Written in XlsxWriter's constant-memory mode (rows in order)."""
    import xlsxwriter

    from gendan_xl.books.new_master import CALENDAR, ORDER_HEADERS, PRODUCTS, make_orders, write_simple_sheet

    orders = make_orders(1000 + k, lines)
    open_lines = [o for o in orders if o.ship_date is None and o.customer_due_date is not None]
    for o in open_lines[:moved]:
        o.customer_due_date += dt.timedelta(days=7)
    tmp = path.with_name(f"{path.stem}.building.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("订单")
    ws.write_row(0, 0, ORDER_HEADERS)
    fields = ["order_no", "customer", "customer_po", "model", "product_name", "quantity", "unit_price", "currency",
              "amount", "order_date", "customer_due_date", "factory_due_date", "material_date", "production_date",
              "finish_date", "inspection_date", "ship_date", "shipped_qty", "status", "merchandiser", "remark"]
    for r, o in enumerate(orders, start=1):
        o.order_no, o.merchandiser = f"{k:02d}-{o.order_no}", merchandiser(k)
        for c, f in enumerate(fields):
            v = getattr(o, f) if f != "amount" else round(o.quantity * o.unit_price, 2)
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date)
            elif v not in (None, ""):
                ws.write(r, c, v)
    fmt = {kind: wb.add_format({"num_format": "yyyy-mm-dd"} if kind == "date" else {})
           for kind in ("header", "text", "int", "date")}
    write_simple_sheet(wb, fmt, "产品", ["型号", "品名", "产品系列", "单位", "备料天数", "生产天数", "验货天数", "包装天数",
                                       "出运天数"], [list(p[:9]) for p in PRODUCTS], ["text"] * 4 + ["int"] * 5)
    write_simple_sheet(wb, fmt, "假期", ["日期", "类型", "说明"], [list(c) for c in CALENDAR], ["date", "text", "text"])
    wb.close()
    os.replace(tmp, path)


def settings_text(files: int) -> str:
    people = "\n".join(f'"{merchandiser(k)}" = "m{k:02d}@team.example"' for k in range(files))
    return ('[workbook]\npaths = ["订单/*.xlsx"]\n[paths]\ndata_dir = "data"\nout_dir = "out"\n'
            '[report]\nteam_lead = "lead@team.example"\n[mail]\ntransport = "outbox"\noutbox = "outbox"\n'
            f'from = "gendan@team.example"\n[mail.merchandisers]\n{people}\n')


def child(folder: Path, today: dt.date, only: list[str], report: bool = True) -> None:
    """One team run of the daily report, as `gendan-xl report overdue --send` does it (see wiring); without
    `report`, the team run alone: read, status, snapshot, changes."""
    from gendan_xl.doors.settings import load_settings
    from gendan_xl.doors.wiring import team_report, team_report_input

    settings = load_settings(folder / "gendan.toml", env={"GENDAN_HOME": str(folder / "home")})
    paths = [p for p in settings.team_workbooks() if not only or p.name in only]
    now = dt.datetime.combine(today, dt.time(8, 30))
    if not report:
        run, facts = team_report_input(settings, paths, today=today, now=now)
        print(len(run.status.workbooks), len(facts.changes))
        return
    plan, run = team_report(settings, paths, today=today, now=now)
    from gendan_xl.delivery.mail import open_mailer

    open_mailer(settings.mail, settings.data_dir).send(plan.mails, job="overdue-report", period=plan.period,
                                                         force=True)
    print(len(run.status.workbooks), sum(len(wb.lines) for wb in run.status.workbooks), len(plan.mails))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--changed", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "gendan-bench-team")
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--today", default=TODAY.isoformat(), help=argparse.SUPPRESS)
    ap.add_argument("--no-report", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--team-only", action="store_true", help="time the team runs alone, without the mails")
    args = ap.parse_args()
    if args.child is not None:
        child(args.dir, dt.date.fromisoformat(args.today), args.child, report=not args.no_report)
        return
    folder = args.dir / f"{args.files}x{args.lines}"
    books = folder / "订单"
    books.mkdir(parents=True, exist_ok=True)
    (folder / "gendan.toml").write_text(settings_text(args.files), encoding="utf-8")
    t = time.perf_counter()
    for k in range(args.files):
        path = books / f"{merchandiser(k)} 订单.xlsx"
        if not path.exists():
            build(path, k, args.lines)
    print(f"workbooks ready in {folder} ({time.perf_counter() - t:.0f} s to build)", file=sys.stderr)
    changed = [f"{merchandiser(k)} 订单.xlsx" for k in range(args.changed)]

    def run(*only: str, today: dt.date = TODAY, report: bool = True) -> tuple[float, float]:
        argv = [PY, __file__, "--dir", str(folder), "--today", today.isoformat()] + ([] if report else ["--no-report"])
        return timed(argv + ["--child", *only])

    def fresh() -> None:
        shutil.rmtree(folder / "data", ignore_errors=True)
        shutil.rmtree(folder / "outbox", ignore_errors=True)

    def trial(*only: str, report: bool = False, today: dt.date = TODAY, naive: bool = False) -> tuple[float, float]:
        """A run whose store is put back afterwards: the next run sees the store as it was. `naive`: the store
        forgets the statuses it keeps beside each record, so every open line is compared with its stored version
        (the way before they were kept; what a store of an older version does once)."""
        (folder / "data").mkdir(exist_ok=True)
        shutil.copytree(folder / "data", folder / "data.kept", dirs_exist_ok=True)
        if naive:
            with sqlite3.connect(folder / "data" / "gendan.sqlite") as db:
                db.execute("UPDATE workbook_record SET statuses = ''")
        try:
            return run(*only, report=report, today=today)
        finally:
            shutil.rmtree(folder / "data")
            os.replace(folder / "data.kept", folder / "data")

    team, daily = "team run (read, status, snapshot, changes)", "daily report (team run + mails)"
    def edit() -> None:  # ten due dates a week later in each changed workbook, saved again
        for k in range(args.changed):
            build(books / changed[k], k, args.lines, moved=10)

    rows = []
    fresh()
    incremental, alone = f"incremental ({args.changed} changed)", f"the {args.changed} changed files alone, empty store"
    if args.team_only:
        rows.append(("full (empty store)", team, *run(report=False)))
        rows.append(("same day, nothing changed", team, *trial()))
        edit()
        rows.append((incremental, team, *run(report=False)))
        rows.append(("next day", team, *trial(today=TODAY + dt.timedelta(days=1))))
        rows.append(("next day, every open line compared (naive)", team,
                     *trial(today=TODAY + dt.timedelta(days=1), naive=True)))
        fresh()
        rows.append((alone, team, *trial(*changed)))
    else:
        rows.append(("full (empty store)", daily, *run()))
        rows.append(("same day, nothing changed", team, *trial()))
        rows.append(("same day, nothing changed", daily, *run()))
        edit()
        rows.append((incremental, team, *trial()))
        rows.append((incremental, daily, *run()))
        rows.append(("next day", daily, *run(today=TODAY + dt.timedelta(days=1))))
        fresh()
        rows.append((alone, team, *trial(*changed)))
        rows.append((alone, daily, *run(*changed)))
    for k in range(args.changed):  # put them back for the next run of the benchmark
        build(books / changed[k], k, args.lines)
    load = os.getloadavg()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    print(f"\n{args.files} workbooks × {args.lines:,} lines at {commit}; load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f} on {os.cpu_count()} cores\n")
    print("| run | what | time | peak memory |\n|---|---|---:|---:|")
    for name, what, seconds, mb in rows:
        print(f"| {name} | {what} | {seconds:.1f} s | {mb:,.0f} MB |")


if __name__ == "__main__":
    main()
