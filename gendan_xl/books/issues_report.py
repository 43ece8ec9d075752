"""The Issues report: a workbook we generate about a user's data, one row per finding of `validate`, each
location a link to its cell in the checked workbook. Its labels are user-facing text: this is their table
(the Excel button's Issues sheet and the command line's summary use the same)."""
from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import xlsxwriter

from gendan_xl.errors import ERROR, WARNING, Issue, Report
from gendan_xl.messages import show_value
from gendan_xl.xlsx.atomic import write_atomic
from gendan_xl.xlsx.writer import FONT, HEADER_ROW, fit_row, titled_sheet

ISSUE_HEADERS = {  # one table of the report's column titles; the code, for whoever searches the docs, last
    "zh": ("位置", "严重程度", "原值", "说明", "代码"),
    "en": ("Cell", "Severity", "Value", "Message", "Code"),
}
SEVERITY_LABELS = {"error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info")}
TITLE = {"zh": "校验结果", "en": "Validation"}
WIDTHS = (14, 9, 16, 70, 16)
SUMMARY = {  # the one line saying what a validation found: the command line prints it, the report's title too
    "zh": "{name}: {rows} 行，{errors} 个错误，{warnings} 个警告",
    "en": "{name}: {rows} rows, {errors} errors, {warnings} warnings",
}


def summary_line(report: Report, name: str, lang: str) -> str:
    return SUMMARY[lang].format(name=name, rows=report.rows, errors=report.count("error"),
                                warnings=report.count("warning"))


def issue_values(issue: Issue, lang: str) -> list[Any]:
    """One finding as the report's columns say it (ISSUE_HEADERS order): the raw value as a person reads it
    (99999, not 99999.0)."""
    label = SEVERITY_LABELS.get(issue.severity, (issue.severity, issue.severity))
    return [issue.location, label[0] if lang == "zh" else label[1], show_value(issue.value), issue.message,
            issue.code]


def write_issues_xlsx(report: Report, out: str | Path, *, workbook: str | Path, lang: str = "zh",
                      today: dt.date | None = None) -> Path:
    """An Issues sheet whose 位置 cells link to the cell in the checked workbook (relative link when possible),
    under a title naming the workbook, `today` (the day it was checked) and what was found."""
    out = Path(out)
    target = Path(workbook).resolve()
    try:
        link_base = os.path.relpath(target, out.resolve().parent)
    except ValueError:  # another drive on Windows
        link_base = str(target)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    facts = summary_line(report, target.name, lang) + (f" · {today.isoformat()}" if today else "")
    ws = titled_sheet(wb, "Issues", title=TITLE[lang], facts=facts)
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
    head = wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    plain = wb.add_format(base)
    wrap = wb.add_format({**base, "text_wrap": True})
    value_fmt = wb.add_format({**base, "text_wrap": True})
    small = wb.add_format({**base, "font_size": 8, "font_color": "#7F7F7F"})
    link = wb.add_format({**base, "font_color": "#0563C1", "underline": 1})
    colours = {ERROR: wb.add_format({**base, "bg_color": "#FFC7CE"}),
               WARNING: wb.add_format({**base, "bg_color": "#FFEB9C"})}
    top = HEADER_ROW
    ws.write_row(top, 0, ISSUE_HEADERS[lang], head)
    for r, issue in enumerate(report.issues, start=top + 1):
        where, severity, value, message, code = issue_values(issue, lang)
        if issue.cell:
            ws.write_url(r, 0, f"external:{link_base}#'{issue.sheet}'!{issue.cell}", link, string=where)
        else:
            ws.write_string(r, 0, where, plain)
        ws.write_string(r, 1, severity, colours.get(issue.severity, plain))
        ws.write_string(r, 2, value, value_fmt)
        ws.write_string(r, 3, message, wrap)  # the key fact: wrapped, never cut
        ws.write_string(r, 4, code, small)
        fit_row(ws, r, [(message, WIDTHS[3]), (value, WIDTHS[2])])
    ws.autofilter(top, 0, top + max(len(report.issues), 1), 4)
    ws.freeze_panes(top + 1, 0)
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    wb.close()
    return write_atomic(out, buf.getvalue())
