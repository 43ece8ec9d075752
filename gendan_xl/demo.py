"""The main job on the bundled sample workbooks: what `gendan-xl demo` runs (the README's first command).

It works on copies in `build/demo/` so the committed samples stay as they are, and prints each step's
report. Each step is the same library call the matching command makes.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Callable

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks"


def prepare(out_dir: Path, samples: Path = SAMPLES) -> dict[str, Path]:
    """Fresh copies of the sample workbooks in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = {}
    for src in sorted(samples.glob("*.xls[xm]")):
        dst = out_dir / src.name
        shutil.copyfile(src, dst)
        copies[src.stem] = dst
    return copies


def run_demo(out_dir: Path, *, today: dt.date, say: Callable[[str], None] = print,
             step: Callable[[str, list[str]], int]) -> int:
    """Run each step through `step(title, argv)` (the CLI passes its own main) and return the worst exit code
    other than 1 (issues found is the point of the messy sample)."""
    copies = prepare(out_dir)
    day = today.isoformat()
    steps = [
        ("校验 / validate", ["validate", str(copies["orders"]), str(copies["orders_messy"])]),
    ]
    worst = 0
    for title, argv in steps:
        say(f"\n=== {title}: gendan-xl {' '.join(argv)}")
        code = step(title, argv)
        if code not in (0, 1):
            worst = max(worst, code)
    say(f"\n(demo files in {out_dir}; today = {day})")
    return worst
