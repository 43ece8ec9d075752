"""Render the sample overdue e-mail so a person can look at it, and time how long building it takes.

    .venv/bin/python benchmarks/render_overdue_email.py [--today 2026-11-26] [--out benchmarks/out]

Writes the team lead's summary mail of the bundled sample workbook as `overdue_email.html`, `.txt`, `.eml` and
its xlsx attachment, then, when headless Chromium is installed, a phone-sized screenshot `overdue_email.png`
(420×900). Without Chromium it says it skipped the picture. Prints the figures on stdout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gendan_xl import schema  # noqa: E402
from gendan_xl.delivery.mail import build_message  # noqa: E402
from gendan_xl.delivery.report import overdue_mails  # noqa: E402
from gendan_xl.orders import orders_from_rows  # noqa: E402
from gendan_xl.status import compute_status, products_from_rows  # noqa: E402
from gendan_xl.xlsx.read import read_sheet  # noqa: E402
from gendan_xl.workdays import WorkCalendar  # noqa: E402

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def screenshot(html: Path, png: Path) -> str | None:
    """PNG of `html` at phone width with headless Chromium; None when no Chromium is installed."""
    exe = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="gendan-chromium-") as profile:
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", f"--user-data-dir={profile}", f"--screenshot={png}",
                        "--window-size=420,900", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
    return exe


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 26))
    p.add_argument("--workbook", type=Path, default=ROOT / "workbooks" / "orders.xlsx")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    orders = read_sheet(args.workbook, schema.ORDERS)
    products = products_from_rows(read_sheet(args.workbook, schema.PRODUCTS).rows)
    result = compute_status(orders_from_rows(orders.rows), products, WorkCalendar(), args.today)
    t1 = time.perf_counter()
    names = sorted({str(line.merchandiser) for line in result.lines if line.merchandiser})
    emails = {n: f"merchandiser{i}@example.com" for i, n in enumerate(names, 1)}
    plan = overdue_mails(result.lines, args.today, emails=emails, lead="lead@example.com", source=args.workbook.name)
    t2 = time.perf_counter()

    lead = plan.mails[-1]
    html = args.out / "overdue_email.html"
    html.write_text(lead.html or "", encoding="utf-8")
    (args.out / "overdue_email.txt").write_text(lead.text, encoding="utf-8")
    msg = build_message(lead, "gendan-xl@example.com", date=dt.datetime.combine(args.today, dt.time(8, 30)))
    eml = args.out / "overdue_email.eml"
    eml.write_bytes(msg.as_bytes())
    for a in lead.attachments:
        (args.out / a.filename).write_bytes(a.data)

    print(f"workbook          {args.workbook.name}: {len(result.lines)} lines, {result.counts}")
    print(f"read + status     {(t1 - t0) * 1000:.0f} ms")
    print(f"compose {len(plan.mails)} mails   {(t2 - t1) * 1000:.0f} ms (templates + one xlsx per mail)")
    print(f"lead summary      {lead.subject}")
    print(f"  html            {len((lead.html or '').encode()):,} bytes -> {html}")
    print(f"  eml             {eml.stat().st_size:,} bytes -> {eml}")
    for a in lead.attachments:
        print(f"  attachment      {a.filename}: {len(a.data):,} bytes")
    png = args.out / "overdue_email.png"
    t3 = time.perf_counter()
    try:
        exe = screenshot(html, png)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"screenshot        failed: {exc}")
        return 1
    if exe is None:
        print("screenshot        skipped: no headless Chromium installed (chromium / google-chrome)")
    else:
        print(f"screenshot        {(time.perf_counter() - t3):.1f} s with {exe} -> {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
