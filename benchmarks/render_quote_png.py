"""Make the sample quote, convert it to PDF with LibreOffice and save page 1 as benchmarks/out/quote.png.

    .venv/bin/python benchmarks/render_quote_png.py

Prints the figures (seconds for pricing + filling, for the PDF, for the PNG) and the paths, so a person
can look at the PNG. Needs soffice and pdftoppm (poppler-utils); fonts-noto-cjk for the Chinese text.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gendan_xl.xlsx.template import to_pdf  # noqa: E402
from gendan_xl.books.quotes import make_quote  # noqa: E402
from gendan_xl.delivery.store import Store  # noqa: E402


def main() -> int:
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: install poppler-utils", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="gendan-quote-") as data, Store(data) as store:
        t0 = time.perf_counter()
        result = make_quote(ROOT / "workbooks" / "quote_request.xlsx", out=out, quote_log=store,
                            today=dt.date(2026, 11, 27))
        t1 = time.perf_counter()
    quote = out / "quote.xlsx"
    shutil.move(result.path, quote)  # a stable name for people to open
    result.path = quote
    pdf = to_pdf(quote, out)
    t2 = time.perf_counter()
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(out / "quote")], check=True)
    t3 = time.perf_counter()
    print(result.to_text())
    print(f"price + fill: {t1 - t0:.2f} s   pdf: {t2 - t1:.2f} s   png: {t3 - t2:.2f} s")
    print(f"{quote}\n{pdf}\n{out / 'quote.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
