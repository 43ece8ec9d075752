"""A benchmark workbook's orders sheet with the row tags Excel writes, to measure what a refresh costs on a
workbook Excel saved (XlsxWriter's constant-memory mode, which bench_refresh.generate uses, writes bare
`<row r="N">`; Excel writes `spans="1:21" x14ac:dyDescent="0.25"` on every row and leaves empty rows out).

    .venv/bin/python benchmarks/excel_rows.py /tmp/bcache/o100k.xlsx /tmp/bcache/o100k-spans.xlsx
    .venv/bin/python benchmarks/excel_rows.py /tmp/bcache/o100k.xlsx /tmp/bcache/o100k-gaps.xlsx --drop-every 100

then `benchmarks/where_refresh_time_goes.py` on the result. `--drop-every N` leaves out each row whose number
is N // 2 more than a multiple of N (a line missing every N rows: a gap in the sheet; N = 100 drops rows 50, 150, …).
"""
from __future__ import annotations

import argparse
import re
import zipfile
from pathlib import Path

X14AC = b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--sheet", default="xl/worksheets/sheet1.xml")
    ap.add_argument("--drop-every", type=int, default=0)
    args = ap.parse_args()
    every = args.drop_every
    with zipfile.ZipFile(args.src) as z, zipfile.ZipFile(args.dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == args.sheet:
                data = re.sub(rb'<row r="(\d+)">', rb'<row r="\1" spans="1:21" x14ac:dyDescent="0.25">', data)
                if X14AC not in data:
                    data = data.replace(b"<worksheet ", b"<worksheet " + X14AC + b" ", 1)
                if every:
                    data = re.sub(rb'<row r="(\d+)"[^>]*>.*?</row>',
                                  lambda m: b"" if int(m.group(1)) % every == every // 2 else m.group(0), data, flags=re.S)
            out.writestr(info, data)


if __name__ == "__main__":
    main()
