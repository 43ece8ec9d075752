"""The Issues report: a workbook we generate about a user's data, one row per finding of `validate`, each
location a link to its cell in the checked workbook. Its labels are user-facing text: this is their table
(the Excel button's Issues sheet uses the same)."""
from __future__ import annotations

import os
from pathlib import Path

from gendan_xl.errors import ERROR, WARNING, Report
from gendan_xl.xlsx.atomic import write_atomic
from gendan_xl.xlsx.writer import GeneratedBook

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
    book = GeneratedBook()
    ws = book.add_worksheet("Issues")
    bold = book.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    link = book.add_format({"font_color": "#0563C1", "underline": 1})
    colours = {ERROR: book.add_format({"bg_color": "#FFC7CE"}), WARNING: book.add_format({"bg_color": "#FFEB9C"})}
    for c, title in enumerate(ISSUE_HEADERS[lang]):
        ws.write_string(0, c, title, bold)
    for r, issue in enumerate(report.issues, start=1):
        if issue.cell:
            ws.write_url(r, 0, f"external:{link_base}#'{issue.sheet}'!{issue.cell}", link, string=issue.location)
        else:
            book.cell(ws, r, 0, issue.location)
        label = SEVERITY_LABELS.get(issue.severity, (issue.severity, issue.severity))
        ws.write_string(r, 1, label[0] if lang == "zh" else label[1], colours.get(issue.severity))
        ws.write_string(r, 2, issue.code)
        # the raw value as the user typed it, as text: a date stays the text that could not be read
        book.cell(ws, r, 3, "" if issue.value is None else str(issue.value))
        book.cell(ws, r, 4, issue.message)
    ws.autofilter(0, 0, max(len(report.issues), 1), 4)
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 2, 12)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 4, 70)
    return write_atomic(out, book.close())
