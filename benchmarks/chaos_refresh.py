"""Chaos: kill `gendan-xl refresh` at random moments and check that the workbook is always whole (issue 14).

    .venv/bin/python benchmarks/chaos_refresh.py --kills 20 --lines 100000

Each round copies a generated orders workbook, starts a refresh, kills it (SIGKILL) after a random delay
within the time a refresh takes, then checks the workbook: it must be either byte for byte the original or a
complete refreshed workbook (every member's CRC right, the orders sheet reading back with our status column).
Temp files a killed run leaves are counted; they are removed by a later run once an hour old. Prints
"N kills, N intact, …". The mail half of the issue's chaos test (kills during sending) is the delivery
helpers'.
"""
from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import python_calamine as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_refresh import GENDAN, generate  # noqa: E402

STATUS = "交期状态 / Lead-time status"


def intact(path: Path, original: bytes) -> str:
    """"original", "refreshed" or what is wrong."""
    data = path.read_bytes()
    if data == original:
        return "original"
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                return f"bad CRC in {bad}"
        header = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python(nrows=3)[1]
    except Exception as exc:  # anything unreadable is a failure of the test, reported
        return f"unreadable: {exc}"
    return "refreshed" if STATUS in header else "changed, without our columns"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "source.xlsx"
        generate(src, args.lines)
        original = src.read_bytes()
        work = Path(tmp) / "run" / "orders.xlsx"
        work.parent.mkdir()
        argv = [GENDAN, "refresh", str(work), "--today", "2026-11-26", "--backups", "0"]
        shutil.copyfile(src, work)
        t = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        full = time.perf_counter() - t
        outcomes: dict[str, int] = {}
        for _ in range(args.kills):
            shutil.copyfile(src, work)
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.05, full))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            state = intact(work, original)
            outcomes[state] = outcomes.get(state, 0) + 1
        left = [p.name for p in work.parent.iterdir() if p.name.endswith(".gendan-tmp")]
        whole = outcomes.get("original", 0) + outcomes.get("refreshed", 0)
        print(f"{args.kills} kills, {whole} intact ({outcomes.get('original', 0)} untouched, "
              f"{outcomes.get('refreshed', 0)} refreshed), {args.kills - whole} damaged; "
              f"{len(left)} temp files left for a later run to remove; a refresh takes {full:.1f} s")
        for state, n in outcomes.items():
            if state not in ("original", "refreshed"):
                print(f"  {n} × {state}")
        sys.exit(0 if whole == args.kills else 1)


if __name__ == "__main__":
    main()
