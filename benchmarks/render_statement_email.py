"""Render the sample statement mails (one Chinese customer, one English) so a person can look at them.

    .venv/bin/python benchmarks/render_statement_email.py [--today 2026-11-03] [--out benchmarks/out]

Composes last month's statement mails of the bundled sample workbook with the samples' gendan.toml, as
`statement --send` would, and writes for each of the two customers `statement_email_<lang>.html`, `.txt`,
`.eml` (with the real From / Reply-To / Date headers) and, when headless Chromium is installed, a
phone-sized screenshot `statement_email_<lang>.png` (420×900, render_overdue_email.screenshot).
"""
from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from render_overdue_email import screenshot  # noqa: E402
from gendan_xl.delivery.mail import build_message  # noqa: E402
from gendan_xl.doors.settings import load_settings  # noqa: E402
from gendan_xl.doors.wiring import statement_mails  # noqa: E402
from gendan_xl.statement import month_before  # noqa: E402

CUSTOMERS = {"zh": "BLK", "en": "ANK"}   # 北京蓝科 writes Chinese, Anker English (the 客户 sheet's 语言)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 3))
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    settings = load_settings(ROOT / "workbooks" / "gendan.toml", env={})
    from gendan_xl.books.accounts import statements_from_workbook

    period = month_before(args.today)
    wanted = [st for st in statements_from_workbook(settings.workbook, period)
              if st.customer in CUSTOMERS.values()]
    mails, _ = statement_mails(settings, settings.workbook, period, today=args.today,
                               out_dir=args.out / "statements", statements=wanted)
    for mail in mails:
        lang = next(k for k, v in CUSTOMERS.items() if v == mail.ref)
        html = args.out / f"statement_email_{lang}.html"
        html.write_text(mail.html or "", encoding="utf-8")
        (args.out / f"statement_email_{lang}.txt").write_text(mail.text, encoding="utf-8")
        msg = build_message(mail, settings.mail.letterhead(), date=dt.datetime.combine(args.today, dt.time(9)))
        (args.out / f"statement_email_{lang}.eml").write_bytes(msg.as_bytes())
        print(f"{lang}  {msg['From']} → {msg['To']}  Reply-To {msg['Reply-To']}  Date {msg['Date']}")
        print(f"    {mail.subject}  [{', '.join(a.filename for a in mail.attachments)}]")
        png = args.out / f"statement_email_{lang}.png"
        try:
            exe = screenshot(html, png)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            print(f"    screenshot failed: {exc}")
            return 1
        print(f"    screenshot {'skipped: no headless Chromium installed' if exe is None else png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
