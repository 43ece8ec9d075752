"""New workbooks we write for people to read (never the user's own workbook): the Issues report."""
from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter

from gendan_xl.errors import ERROR, WARNING, GendanError, Report, WorkbookOpenError
from gendan_xl.xlsx.atomic import is_open, write_atomic

ISSUE_HEADERS = {  # one table of the report's column titles
    "zh": ("位置", "严重程度", "代码", "原值", "说明"),
    "en": ("Cell", "Severity", "Code", "Value", "Message"),
}
SEVERITY_LABELS = {"error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info")}


def write_issues_xlsx(report: Report, out: str | Path, *, workbook: str | Path, lang: str = "zh") -> Path:
    """An Issues sheet whose 位置 cells link to the cell in the checked workbook (relative link when possible)."""
    out = Path(out)
    target = Path(workbook).resolve()
    try:
        link_base = os.path.relpath(target, out.resolve().parent)
    except ValueError:  # another drive on Windows
        link_base = str(target)
    wb = xlsxwriter.Workbook(str(out))
    ws = wb.add_worksheet("Issues")
    bold = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    link = wb.add_format({"font_color": "#0563C1", "underline": 1})
    colours = {ERROR: wb.add_format({"bg_color": "#FFC7CE"}), WARNING: wb.add_format({"bg_color": "#FFEB9C"})}
    for c, title in enumerate(ISSUE_HEADERS[lang]):
        ws.write_string(0, c, title, bold)
    for r, issue in enumerate(report.issues, start=1):
        if issue.cell:
            ws.write_url(r, 0, f"external:{link_base}#'{issue.sheet}'!{issue.cell}", link, string=issue.location)
        else:
            ws.write_string(r, 0, issue.location)
        label = SEVERITY_LABELS.get(issue.severity, (issue.severity, issue.severity))
        ws.write_string(r, 1, label[0] if lang == "zh" else label[1], colours.get(issue.severity))
        ws.write_string(r, 2, issue.code)
        ws.write_string(r, 3, "" if issue.value is None else str(issue.value))
        ws.write_string(r, 4, issue.message)
    ws.autofilter(0, 0, max(len(report.issues), 1), 4)
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 2, 12)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 4, 70)
    wb.close()
    return out


def xlsx_cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        ws.write_number(r, c, float(value), fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def write_new_workbook(data: bytes, target: Path, *, inputs: Iterable[Path] = ()) -> Path:
    """Write a workbook we generated: a temporary file beside `target`, then an atomic rename.

    Refuses to write over one of the `inputs` (the master a review or allocation was read from), and
    while `target` is open in Excel or LibreOffice (its owner file exists)."""
    for src in inputs:
        if target.exists() and src.exists() and target.resolve() == src.resolve():
            raise GendanError(f"{target.name} is an input; write the result to another file")
    lock = is_open(target)
    if lock is not None:
        raise WorkbookOpenError(f"{target.name} is open ({lock.name}); close it in Excel and run again")
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, data)
