"""The main job on the bundled sample workbooks: what `gendan-xl demo` runs (the README's first command).

The samples are built around 2026-11-26, so that is the demo's default day (`--today` changes it): the
review of the new orders then finds the quote the demo makes the same day.

It works on copies in its own folder (`--out`, default `<state home>/demo`) so the shipped samples stay as
they are, together with a copy of the samples' gendan.toml, whose relative paths keep the sent log, the
outputs and the outbox inside that folder — so a wheel or pipx install runs it anywhere. It runs each step
through the same CLI a user types (so the demo shows exactly what the commands print), and "sends" the mails
through the transport of the settings — by default `.eml` files in `outbox/`. Run it twice: the second run
sends nothing new, because the sent log remembers. Without LibreOffice the quote is made without its PDF.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Callable

from gendan_xl.resources import shipped
from gendan_xl.statement import month_before
from gendan_xl.xlsx.atomic import write_atomic

SAMPLES = shipped("workbooks")


def prepare(out_dir: Path, samples: Path = SAMPLES) -> dict[str, Path]:
    """Fresh copies of the sample workbooks in out_dir (with the .xlsm's button module), each put in place whole
    (a demo running beside another in the same home never reads a half-copied workbook)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = {}
    for src in sorted(samples.glob("*.xls[xm]")) + [samples / "orders.py", samples / "gendan.toml"]:
        dst = out_dir / src.name
        write_atomic(dst, src.read_bytes())
        copies[src.name] = dst
    return copies


def steps(copies: dict[str, Path], out_dir: Path, today: dt.date, *, pdf: bool) -> list[tuple[str, list[str]]]:
    day = today.isoformat()
    orders, messy = str(copies["orders.xlsx"]), str(copies["orders_messy.xlsx"])
    return [
        ("读懂工作簿 / inspect (run it first on a workbook of your own)", ["inspect", messy, "--today", day]),
        ("校验 / validate", ["validate", orders, messy]),
        ("交期状态 / status", ["status", orders, "--today", day]),
        ("写回工作簿 / refresh", ["refresh", orders, "--today", day]),
        ("写回 .xlsm / refresh the macro twin", ["refresh", str(copies["orders.xlsm"]), "--today", day]),
        ("报价单 / quote", ["quote", str(copies["quote_request.xlsx"]), "--out", str(out_dir / "quotes"),
                            "--today", day, *(["--pdf"] if pdf else [])]),
        ("订单评审 / review the new orders", ["review", orders, "--today", day]),
        ("缺货分配 / allocate short stock", ["allocate", orders, "--stock", str(copies["stock.xlsx"])]),
        ("对账单 / statements", ["statement", orders, "--period", month_before(today), "--out",
                                 str(out_dir / "statements"), "--send"]),
        ("交期日报 / overdue report", ["report", "overdue", orders, "--today", day, "--send"]),
    ]


def run_demo(out_dir: Path, *, today: dt.date, step: Callable[[list[str]], int],
             say: Callable[[str], None] = print, pdf: bool | None = None) -> int:
    """Run each step through `step(argv)` (the CLI passes its own main, with `--config` pointing at the copied
    settings unless the user gave their own). Returns the worst exit code other than 1: issues found is the
    point of the messy sample. `pdf`: make the quote's PDF (default: when LibreOffice is installed)."""
    copies = prepare(out_dir)
    if pdf is None:
        pdf = shutil.which("soffice") is not None
        if not pdf:
            say("(LibreOffice is not installed: the quote is made without its PDF / 未安装 LibreOffice，报价单不生成 PDF)")
    worst = 0
    for title, argv in steps(copies, out_dir, today, pdf=pdf):
        say(f"\n=== {title}: gendan-xl {' '.join(argv)}")
        code = step(argv)
        if code not in (0, 1):
            worst = max(worst, code)
    say(f"\n(demo files in {out_dir}; today = {today.isoformat()})")
    return worst
