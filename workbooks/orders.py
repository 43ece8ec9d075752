"""The buttons of orders.xlsm call this file. Written by gendan-xl; do not edit.

Excel's RunPython (xlwings) imports the Python module named like the workbook, orders.py, from the
workbook's folder and calls its main(). Keep both files in one folder with the same name: if you rename
the workbook, rename this file to match.
"""
from gendan_xl.doors.xl import main

__all__ = ["main"]
