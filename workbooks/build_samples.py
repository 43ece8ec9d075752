"""Rebuild the sample workbooks (and the .xlsm twin with its orders.py) in this folder: `python workbooks/build_samples.py [OUT_DIR]`.

The builder lives in the package (gendan_xl/builder.py) because `gendan-xl init-workbook` uses it too.
"""
import sys
from pathlib import Path

from gendan_xl.books.new_master import SAMPLES, build_samples
from gendan_xl.doors.xlsm import build_sample_xlsm

if __name__ == "__main__":
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES
    for path in build_samples(out_dir):
        print(f"wrote {path}")
    print(f"wrote {build_sample_xlsm(out_dir)}")
