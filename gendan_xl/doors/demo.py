"""The main job on the bundled sample workbooks: what `gendan-xl demo` runs (the README's first command).

The samples are built around 2026-11-26, so that is the demo's default day (`--today` changes it): the
review of the new orders then finds the quote the demo makes the same day.

It works on copies in `build/demo/` so the committed samples stay as they are, runs each step through
the same CLI a user types (so the demo shows exactly what the commands print), and "sends" the mails
through the transport of gendan.toml — by default `.eml` files in `outbox/`. Run it twice: the second
run sends nothing new, because the sent log remembers.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Callable

from gendan_xl.statement import month_before

SAMPLES = Path(__file__).resolve().parents[2] / "workbooks"


def prepare(out_dir: Path, samples: Path = SAMPLES) -> dict[str, Path]:
    """Fresh copies of the sample workbooks in out_dir (with the .xlsm's button module)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = {}
    for src in sorted(samples.glob("*.xls[xm]")) + sorted(samples.glob("orders.py")):
        dst = out_dir / src.name
        shutil.copyfile(src, dst)
        copies[src.name] = dst
    return copies


def steps(copies: dict[str, Path], out_dir: Path, today: dt.date) -> list[tuple[str, list[str]]]:
    day = today.isoformat()
    orders, messy = str(copies["orders.xlsx"]), str(copies["orders_messy.xlsx"])
    return [
        ("读懂工作簿 / inspect (run it first on a workbook of your own)", ["inspect", messy, "--today", day]),
        ("校验 / validate", ["validate", orders, messy]),
        ("交期状态 / status", ["status", orders, "--today", day]),
        ("写回工作簿 / refresh", ["refresh", orders, "--today", day]),
        ("写回 .xlsm / refresh the macro twin", ["refresh", str(copies["orders.xlsm"]), "--today", day]),
        ("报价单 / quote", ["quote", str(copies["quote_request.xlsx"]), "--out", str(out_dir / "quotes"),
                            "--today", day, "--pdf"]),
        ("订单评审 / review the new orders", ["review", orders, "--today", day]),
        ("缺货分配 / allocate short stock", ["allocate", orders, "--stock", str(copies["stock.xlsx"])]),
        ("对账单 / statements", ["statement", orders, "--period", month_before(today), "--out",
                                 str(out_dir / "statements"), "--send"]),
        ("交期日报 / overdue report", ["report", "overdue", orders, "--today", day, "--send"]),
    ]


def run_demo(out_dir: Path, *, today: dt.date, step: Callable[[list[str]], int],
             say: Callable[[str], None] = print) -> int:
    """Run each step through `step(argv)` (the CLI passes its own main). Returns the worst exit code
    other than 1: issues found is the point of the messy sample."""
    copies = prepare(out_dir)
    worst = 0
    for title, argv in steps(copies, out_dir, today):
        say(f"\n=== {title}: gendan-xl {' '.join(argv)}")
        code = step(argv)
        if code not in (0, 1):
            worst = max(worst, code)
    say(f"\n(demo files in {out_dir}; today = {today.isoformat()})")
    return worst
