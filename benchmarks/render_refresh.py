"""Render the refreshed 订单 sheet of the sample workbook (LibreOffice → PDF → PNG), so a person can look at
what `gendan-xl refresh` leaves in a merchandiser's sheet: our columns' widths, header and cell formats.

    .venv/bin/python benchmarks/render_refresh.py [--today 2026-11-26] [--out benchmarks/out/refresh]
    .venv/bin/python benchmarks/render_refresh.py --readme     # also write docs/refresh.png (README)

The sample is refreshed as a user's copy would be (`refresh_workbook`). Then, for the picture only, a copy
of the result is cut down so one page shows what matters: the order number and customer, the 状态 and
跟单员 columns and every column of ours, the first rows. That copy's sheet XML is edited in place (columns
C–R hidden, a print area, one page wide); the refreshed workbook itself is left as the refresh wrote it.
Needs soffice and pdftoppm (poppler-utils); fonts-noto-cjk for the Chinese text.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gendan_xl.books.refresh import refresh_workbook  # noqa: E402
from gendan_xl.cellrefs import col_letter  # noqa: E402
from gendan_xl.xlsx.template import to_pdf  # noqa: E402
from render_documents import arguments, missing_tools, page_picture  # noqa: E402  (beside this script)

SAMPLE = ROOT / "workbooks" / "orders.xlsx"
README_PNG = ROOT / "docs" / "refresh.png"
HIDDEN = range(3, 19)  # columns C–R (1-based): quantities, prices and dates, left out of the picture
ROWS = (166, 186)  # lines shown under the title and header: open ones, every status (the first are all shipped)


def picture_copy(refreshed: Path, out: Path, last_col: int) -> Path:
    """A copy of `refreshed` whose first sheet prints as one landscape page: columns C–R hidden, the title
    and header rows, then the ROWS. For the picture only (the zip is rewritten; never do that to a user's
    workbook)."""
    names = (f'<definedName name="_xlnm.Print_Area" localSheetId="0">订单!$A${ROWS[0]}:${col_letter(last_col)}'
             f'${ROWS[1]}</definedName><definedName name="_xlnm.Print_Titles" localSheetId="0">订单!$1:$3'
             '</definedName>').encode()
    with zipfile.ZipFile(refreshed) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                def hide(m: re.Match[bytes]) -> bytes:
                    lo, hi = int(m.group(1)), int(m.group(2))
                    return m.group(0)[:-2] + b' hidden="1"/>' if lo in HIDDEN and hi in HIDDEN else m.group(0)
                data = re.sub(rb'<col min="(\d+)" max="(\d+)"[^>]*/>', hide, data)
                data = re.sub(rb"<pageSetup\b[^>]*/>", b'<pageSetup paperSize="9" orientation="landscape" '
                              b'fitToWidth="1" fitToHeight="1"/>', data)
            elif info.filename == "xl/workbook.xml":
                data = data.replace(b"</definedNames>", names + b"</definedNames>")
            dst.writestr(info, data)
    return out


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, "refresh", README_PNG).parse_args(argv)
    if missing_tools():
        print(missing_tools(), file=sys.stderr)
        return 3
    args.out.mkdir(parents=True, exist_ok=True)
    work = shutil.copyfile(SAMPLE, args.out / "orders-refreshed.xlsx")
    t0 = time.perf_counter()
    result = refresh_workbook(work, today=args.today, now=dt.datetime.combine(args.today, dt.time(9)), backups=0)
    print(f"refresh: {time.perf_counter() - t0:.2f} s, columns {result.columns}")
    shown = picture_copy(work, args.out / "orders-picture.xlsx", max(result.columns.values()) + 1)
    t1 = time.perf_counter()
    pdf = to_pdf(shown, args.out)
    png = page_picture(pdf, args.out / "orders-picture.png", 110)
    print(f"render: {time.perf_counter() - t1:.1f} s  {png}")
    if args.readme:
        README_PNG.parent.mkdir(parents=True, exist_ok=True)
        # the printed part of the page (the rest of the A4 page is white), at 120 dpi: about 120 kB
        page_picture(pdf, README_PNG, 120, (80, 92, 1200, 292))
        print(f"README picture: {README_PNG} ({README_PNG.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
