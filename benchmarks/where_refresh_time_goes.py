"""Where a refresh's time goes, stage by stage, in CPU seconds (measured in this process; a python-calamine
read of the same sheet, in a child process, alongside for scale).

    .venv/bin/python benchmarks/where_refresh_time_goes.py workbook.xlsx [--rounds 2]

Stages: reading and picking the cells of the fields (`stream.Picker.pick`), typing them (`OrdersStream._chunk`),
telling order lines from other rows (`_kinds`), the status (`status.status_rows`), wording our columns
(`refresh.columns_values`), writing the rows back and deflating (`SheetRewrite.feed`), checking each distinct
cell (`Templates.flush`), finishing the package and proving it sound (`SheetRewrite.finish`). CPU time is
less disturbed than wall time by other work on a shared machine, not free of it.

Where the refresh writes its rows in a second process (books/refresh_pipe.py: `--processes 2`, or the
default on a big enough sheet), that child's CPU (RUSAGE_CHILDREN) is added to the total, and the stages it
ran are timed in it and marked "child"; the wall time of the refresh is printed beside the CPU.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gendan_xl.books.refresh as refresh
import gendan_xl.books.refresh_pass as refresh_pass
import gendan_xl.books.refresh_pipe as refresh_pipe
import gendan_xl.books.streamed as streamed
import gendan_xl.status as status
import gendan_xl.xlsx.lines as lines
import gendan_xl.xlsx.patch as patch
import gendan_xl.xlsx.soundness as soundness
import gendan_xl.xlsx.stream as stream

SPENT: dict[str, float] = {}


def _timed(owner: Any, name: str, label: str, *also: Any) -> None:
    fn = getattr(owner, name)

    def run(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[label] = SPENT.get(label, 0.0) + time.process_time() - t

    for where in (owner, *also):
        setattr(where, name, run)


_timed(stream.Picker, "pick", "pick the fields' cells")
_timed(lines.OrdersStream, "_chunk", "type the values")
_timed(lines.OrdersStream, "_kinds", "tell lines from other rows")
_timed(status, "status_rows", "status", streamed)
_timed(refresh, "columns_values", "word our columns", refresh_pass, refresh_pipe)
_timed(patch.SheetRewrite, "feed", "write rows back + deflate")
_timed(soundness.Templates, "flush", "check each distinct cell")
_timed(patch.SheetRewrite, "finish", "finish + prove sound")


CHILD_SPENT = Path(tempfile.gettempdir()) / f"where-refresh-child-{os.getpid()}.json"
_serve = refresh_pipe.ForkedWriter._serve


def _serve_timed(self: Any, down: Any, up: Any) -> int:
    """The child's work, its stages' CPU written to CHILD_SPENT as it ends (it ends with os._exit)."""
    at_fork = dict(SPENT)
    try:
        return _serve(self, down, up)
    finally:
        spent = {k: v - at_fork.get(k, 0.0) for k, v in SPENT.items()}
        CHILD_SPENT.write_text(json.dumps({"spent": spent, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


refresh_pipe.ForkedWriter._serve = _serve_timed  # type: ignore[method-assign]


# Samples, in a process of its own (this one may not start a thread: the refresh forks only without
# them), the proportional set size of this process and its children, summed: shared pages counted once.
_PSS_SAMPLER = """
import os, sys, time
sys.path.insert(0, sys.argv[3])
from bench_refresh import tree_pss_mb
me, peak = int(sys.argv[1]), 0.0
while not os.path.exists(sys.argv[2]):
    peak = max(peak, tree_pss_mb(me, skip=frozenset({os.getpid()})))
    time.sleep(0.05)
print(round(peak))
"""


def pss_sampler(stop: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _PSS_SAMPLER, str(os.getpid()), str(stop),
                             str(Path(__file__).resolve().parent)], stdout=subprocess.PIPE, text=True)


def cpu_of_children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def calamine_cpu(path: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "import sys, python_calamine as pc; pc.CalamineWorkbook.from_path("
                    "sys.argv[1]).get_sheet_by_name('订单').to_python()", str(path)], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--processes", type=int, default=None, help="1 or 2; by default the refresh chooses")
    ap.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 26),
                    help="the refresh's day (a workbook refreshed on 2026-11-26 refreshed the next day: a daily run)")
    ap.add_argument("--pss", action="store_true", help="also the peak of this process's and the child's PSS, summed")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work.xlsx"
        for _ in range(args.rounds):
            read = calamine_cpu(args.path)
            shutil.copyfile(args.path, work)
            SPENT.clear()
            CHILD_SPENT.unlink(missing_ok=True)
            stop = Path(tmp) / "stop"
            stop.unlink(missing_ok=True)
            sampler = pss_sampler(stop) if args.pss else None
            t, c, w = time.process_time(), cpu_of_children(), time.perf_counter()
            try:
                refresh.refresh_workbook(work, today=args.today, now=dt.datetime.combine(args.today, dt.time(8, 30)),
                                         backups=0, processes=args.processes)
            finally:  # (the sampler stops whatever became of the refresh)
                wall, own, child = time.perf_counter() - w, time.process_time() - t, cpu_of_children() - c
                stop.touch()
            if sampler is not None:  # (its CPU is not the refresh's: taken out)
                assert sampler.stdout is not None
                peak_pss = int(sampler.stdout.read())
                _, _, used = os.wait4(sampler.pid, 0)
                sampler.returncode = 0
                child = cpu_of_children() - c - used.ru_utime - used.ru_stime
            said: dict[str, Any] = json.loads(CHILD_SPENT.read_text()) if CHILD_SPENT.exists() else {"spent": {}, "rss": 0}
            CHILD_SPENT.unlink(missing_ok=True)
            in_child = said["spent"]
            total = own + child
            split = f" = this process {own:.2f} + the writing child {child:.2f}" if in_child else ""
            print(f"python-calamine read {read:.2f} s CPU; refresh {total:.2f} s CPU ({total / read:.1f}×){split}, "
                  f"{wall:.2f} s wall; load {os.getloadavg()[0]:.1f}")
            stages = [(label, spent, "") for label, spent in SPENT.items()]
            stages += [(label, spent, "child") for label, spent in in_child.items() if spent > 0]
            for label, spent, where in sorted(stages, key=lambda s: -s[1]):
                print(f"  {label:30s} {spent:6.2f} s  {spent / read:4.2f}× the read  {where}")
            if in_child:
                print(f"  {'the rest, this process':30s} {own - sum(SPENT.values()):6.2f} s")
                print(f"  {'the rest, the child':30s} {child - sum(in_child.values()):6.2f} s  child")
            else:
                print(f"  {'the rest':30s} {total - sum(SPENT.values()):6.2f} s")
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
            print(f"  peak RSS: this process {rss} MB (so far)" +
                  (f", the writing child {said['rss'] >> 10} MB (pages shared with this process counted)"
                   if in_child else "") +
                  (f"; peak PSS of both, summed (shared pages once): {peak_pss} MB" if sampler is not None else ""))


if __name__ == "__main__":
    main()
