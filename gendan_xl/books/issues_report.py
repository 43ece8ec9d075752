"""The Issues report: a workbook we generate about a user's data, one row per finding of `validate`, each
location a link to its cell in the checked workbook. Its labels are user-facing text: this is their table
(the Excel button's Issues sheet and the command line's summary use the same)."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from gendan_xl.errors import ERROR, WARNING, Issue, Report
from gendan_xl.i18n import say
from gendan_xl.i18n.documents import ISSUES_REPORT, SEVERITY
from gendan_xl.messages import show_value
from gendan_xl.xlsx.atomic import write_atomic
from gendan_xl.xlsx.writer import FONT, HEADER_ROW, GeneratedBook, fit_row, titled_sheet

COLUMNS = 5  # 位置 Cell, 严重程度 Severity, 原值 Value, 说明 Message, 代码 Code (the code last, for whoever searches)
WIDTHS = (14, 9, 16, 70, 16)


def headers(lang: str) -> list[str]:
    return [say(ISSUES_REPORT, f"col.{i}", lang) for i in range(COLUMNS)]


def summary_line(report: Report, name: str, lang: str) -> str:
    return say(ISSUES_REPORT, "summary", lang, name=name, rows=report.rows, errors=report.count("error"),
               warnings=report.count("warning"))


def issue_values(issue: Issue, lang: str) -> list[Any]:
    """One finding as the report's columns say it (headers() order): the raw value as a person reads it
    (99999, not 99999.0)."""
    label = say(SEVERITY, issue.severity, lang) if issue.severity in SEVERITY else issue.severity
    return [issue.location, label, show_value(issue.value), issue.message, issue.code]


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
    book = GeneratedBook()
    facts = summary_line(report, target.name, lang) + (f" · {today.isoformat()}" if today else "")
    ws = titled_sheet(book, "Issues", title=say(ISSUES_REPORT, "title", lang), facts=facts)
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
    head = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    plain = book.add_format(base)
    wrap = book.add_format({**base, "text_wrap": True})
    value_fmt = book.add_format({**base, "text_wrap": True})
    small = book.add_format({**base, "font_size": 8, "font_color": "#7F7F7F"})
    link = book.add_format({**base, "font_color": "#0563C1", "underline": 1})
    colours = {ERROR: book.add_format({**base, "bg_color": "#FFC7CE"}),
               WARNING: book.add_format({**base, "bg_color": "#FFEB9C"})}
    top = HEADER_ROW
    ws.write_row(top, 0, headers(lang), head)
    for r, issue in enumerate(report.issues, start=top + 1):
        where, severity, value, message, code = issue_values(issue, lang)
        if issue.cell:
            ws.write_url(r, 0, f"external:{link_base}#'{issue.sheet}'!{issue.cell}", link, string=where)
        else:
            book.cell(ws, r, 0, where, plain)
        ws.write_string(r, 1, severity, colours.get(issue.severity, plain))
        book.cell(ws, r, 2, value, value_fmt)  # the raw value as typed, text: a bad date stays its text
        book.cell(ws, r, 3, message, wrap)  # the key fact: wrapped, never cut
        ws.write_string(r, 4, code, small)
        fit_row(ws, r, [(message, WIDTHS[3]), (value, WIDTHS[2])])
    ws.autofilter(top, 0, top + max(len(report.issues), 1), 4)
    ws.freeze_panes(top + 1, 0)
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    return write_atomic(out, book.close())
