"""Where a refresh's time goes, stage by stage, in CPU seconds (measured in this process; a python-calamine
read of the same sheet, in a child process, alongside for scale).

    .venv/bin/python benchmarks/where_refresh_time_goes.py workbook.xlsx [--rounds 2]

Stages: reading and picking the cells of the fields (`stream.Picker.pick`), typing them (`OrdersStream._chunk`),
telling order lines from other rows (`_kinds`), the status (`status.status_rows`), wording our columns
(`refresh.columns_values`), writing the rows back and deflating (`SheetRewrite.feed`), checking each distinct
cell (`Templates.flush`), finishing the package and proving it sound (`SheetRewrite.finish`). CPU time is
less disturbed than wall time by other work on a shared machine, not free of it.
"""
from __future__ import annotations

import argparse
import datetime as dt
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
_timed(refresh, "columns_values", "word our columns", refresh_pass)
_timed(patch.SheetRewrite, "feed", "write rows back + deflate")
_timed(soundness.Templates, "flush", "check each distinct cell")
_timed(patch.SheetRewrite, "finish", "finish + prove sound")


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
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work.xlsx"
        for _ in range(args.rounds):
            read = calamine_cpu(args.path)
            shutil.copyfile(args.path, work)
            SPENT.clear()
            t = time.process_time()
            refresh.refresh_workbook(work, today=dt.date(2026, 11, 26), now=dt.datetime(2026, 11, 26, 8, 30), backups=0)
            total = time.process_time() - t
            print(f"python-calamine read {read:.2f} s CPU; refresh {total:.2f} s CPU ({total / read:.1f}×); "
                  f"load {os.getloadavg()[0]:.1f}")
            for label, spent in sorted(SPENT.items(), key=lambda kv: -kv[1]):
                print(f"  {label:30s} {spent:6.2f} s  {spent / read:4.2f}× the read")
            print(f"  {'the rest':30s} {total - sum(SPENT.values()):6.2f} s")


if __name__ == "__main__":
    main()
