"""Render every workbook gendan-xl generates for people (LibreOffice → PDF → PNG), so a person can look at
each printed page, and time each step.

    .venv/bin/python benchmarks/render_documents.py [--today 2026-11-26] [--out benchmarks/out/documents]
    .venv/bin/python benchmarks/render_documents.py --readme     # also refresh docs/quote.png (README)

Made from the bundled samples and gendan.toml, as the demo makes them: the quote, October's statement of
one customer, the Issues report of the messy workbook, the order review, the allocation and the 交期日报
workbook (the team lead's attachment). Each becomes `NAME.xlsx`, `NAME.pdf` and `NAME-N.png` (every page,
72 dpi). Needs soffice and pdftoppm (poppler-utils); fonts-noto-cjk for the Chinese text.
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

from gendan_xl.books.accounts import statements_from_workbook, write_statement  # noqa: E402
from gendan_xl.books.allocation import allocate_workbook  # noqa: E402
from gendan_xl.books.issues_report import write_issues_xlsx  # noqa: E402
from gendan_xl.books.master import validate_workbook  # noqa: E402
from gendan_xl.books.order_review import review_workbook  # noqa: E402
from gendan_xl.books.quotes import make_quote  # noqa: E402
from gendan_xl.delivery.report import status_workbook  # noqa: E402
from gendan_xl.delivery.store import Store  # noqa: E402
from gendan_xl.doors.settings import load_settings  # noqa: E402
from gendan_xl.doors.wiring import overdue_plan  # noqa: E402
from gendan_xl.xlsx.template import to_pdf  # noqa: E402

SAMPLES = ROOT / "workbooks"
README_PNG = ROOT / "docs" / "quote.png"


def documents(out: Path, today: dt.date) -> dict[str, Path]:
    """Every generated workbook of the samples, under stable names in `out`."""
    settings = load_settings(SAMPLES / "gendan.toml", env={})
    made: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="gendan-render-") as tmp:
        tmp = Path(tmp)
        with Store(tmp / "data") as store:
            result = make_quote(SAMPLES / "quote_request.xlsx", out=tmp, quote_log=store, today=today,
                                company=settings.company, unit_places=settings.unit_places,
                                amount_places=settings.amount_places,
                                rates_max_age_days=settings.rates_max_age_days)
            made["quote"] = shutil.copyfile(result.path, out / "quote.xlsx")
            quotes = store.quotes()
        period = f"{today.year}-{today.month - 1:02d}" if today.month > 1 else f"{today.year - 1}-12"
        st = statements_from_workbook(SAMPLES / "orders.xlsx", period, customer="ANK")[0]
        made["statement"] = shutil.copyfile(
            write_statement(st, tmp, company=settings.company, issued=today), out / "statement.xlsx")
        report = validate_workbook(SAMPLES / "orders_messy.xlsx")
        made["issues"] = write_issues_xlsx(report, out / "issues.xlsx", workbook=SAMPLES / "orders_messy.xlsx",
                                           lang=report.lang, today=today)
        made["review"] = review_workbook(SAMPLES / "orders.xlsx", today=today, quotes=quotes, out=out / "review.xlsx",
                                         sign_off=settings.review_sign_off).path
        made["allocation"] = allocate_workbook(SAMPLES / "orders.xlsx", SAMPLES / "stock.xlsx",
                                               out=out / "allocation.xlsx", today=today).path
        _, status = overdue_plan(settings, SAMPLES / "orders.xlsx", today=today)
        report_xlsx = out / "overdue.xlsx"
        report_xlsx.write_bytes(status_workbook(status.result.lines, today, settings.lang, source="orders.xlsx"))
        made["overdue"] = report_xlsx
    return made


def render(xlsx: Path, dpi: int = 72) -> tuple[Path, list[Path]]:
    """The PDF of `xlsx` (every sheet) and a PNG of each of its pages."""
    pdf = to_pdf(xlsx, xlsx.parent)
    for old in xlsx.parent.glob(f"{xlsx.stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(xlsx.parent / xlsx.stem)], check=True)
    return pdf, sorted(xlsx.parent.glob(f"{xlsx.stem}-*.png"))


def missing_tools() -> str | None:
    """What to install when soffice or pdftoppm is missing; None when both are there."""
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            return f"{tool} not found: install libreoffice-calc-nogui and poppler-utils"
    return None


def page_picture(pdf: Path, png: Path, dpi: int, box: tuple[int, int, int, int] | None = None) -> Path:
    """Page 1 of `pdf` as `png`, at `dpi`; only `box` of it (x, y, width, height in pixels) when given."""
    crop = [] if box is None else ["-x", str(box[0]), "-y", str(box[1]), "-W", str(box[2]), "-H", str(box[3])]
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", *crop, str(pdf),
                    str(png.with_suffix(""))], check=True)
    return png


def arguments(doc: str, out: str, readme: Path) -> argparse.ArgumentParser:
    """The options every render script takes: --today, --out (benchmarks/out/`out`), --readme."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 26))
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / out)
    p.add_argument("--readme", action="store_true", help=f"also write {readme.relative_to(ROOT)}")
    return p


def main(argv: list[str] | None = None) -> int:
    p = arguments(__doc__, "documents", README_PNG)
    p.add_argument("--only", nargs="+", metavar="NAME", help="render only these (quote statement issues review "
                   "allocation overdue)")
    args = p.parse_args(argv)
    if missing_tools():
        print(missing_tools(), file=sys.stderr)
        return 3
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    made = documents(args.out, args.today)
    print(f"make {len(made)} workbooks: {time.perf_counter() - t0:.2f} s")
    for name, xlsx in made.items():
        if args.only and name not in args.only:
            continue
        t1 = time.perf_counter()
        pdf, pngs = render(xlsx)
        print(f"{name:<11} {time.perf_counter() - t1:5.1f} s  {len(pngs)} page(s)  {pdf}")
        for png in pngs:
            print(f"            {png}")
    if args.readme:
        README_PNG.parent.mkdir(parents=True, exist_ok=True)
        pdf = args.out / "quote.pdf"
        # page 1 at 72 dpi, down to the signatures (the rest of the A4 page is white): under 100 kB
        page_picture(pdf, README_PNG, 72, (0, 0, 595, 640))
        print(f"README picture: {README_PNG} ({README_PNG.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
