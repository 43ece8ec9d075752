"""Rebuild the sample workbooks in this folder: `python workbooks/build_samples.py [OUT_DIR]`.

The builder lives in the package (gendan_xl/builder.py) because `gendan-xl init-workbook` uses it too.
"""
import sys
from pathlib import Path

from gendan_xl.builder import SAMPLES, build_samples

if __name__ == "__main__":
    for path in build_samples(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES):
        print(f"wrote {path}")
