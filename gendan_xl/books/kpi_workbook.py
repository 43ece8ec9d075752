"""The on-time delivery workbook the monthly mail attaches: the rate per customer over 12 months, a native
chart for each customer, and the last month's figures in full.

Sheets: "准时率" (a row for all lines and one per customer, a column per month, rates as percentages; a month
with nothing judged is blank), "图表" (one line chart per row of that sheet, drawn by Excel from it — not a
picture) and the last month's table (`Kpi.table`). Customers come in order of lines due over the twelve
months, most first. Each sheet says what it is and prints (`titled_sheet`). Deterministic: the same figures
on the same day give the same bytes (the sent log hashes attachments).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from gendan_xl.i18n import say
from gendan_xl.i18n.documents import KPI
from gendan_xl.kpi import Kpi
from gendan_xl.xlsx.writer import FONT, HEADER_ROW, GeneratedBook, titled_sheet

CHART_WIDTH, CHART_HEIGHT = 480, 260  # pixels: two charts side by side fit a laptop screen
CHART_ROWS = 14  # sheet rows a chart takes, with a gap


def kpi_workbook(months: Sequence[Kpi], lang: str = "zh", *, created: dt.date) -> bytes:
    """The workbook of `months` (monthly KPIs grouped by customer, oldest first, as `monthly_rates` gives)."""
    if not months:
        raise ValueError("kpi_workbook needs at least one month")
    book = GeneratedBook()
    wb = book.wb
    last = months[-1]
    title = say(KPI, "title", lang, period=f"{months[0].period} … {last.period}")
    wb.set_properties({"title": title, "created": dt.datetime.combine(created, dt.time())})
    base = {"font_name": FONT, "font_size": 10}
    head = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                          "align": "center", "valign": "vcenter", "text_wrap": True})
    plain = book.add_format({**base, "border": 1})
    rate_fmt = book.add_format({**base, "border": 1, "num_format": "0.0%"})
    facts = " · ".join((last.summary(lang), say(KPI, "as_of", lang, day=last.as_of.isoformat())))

    volume: dict[str, int] = {}
    for kpi in months:
        for g in kpi.groups:
            volume[g.key] = volume.get(g.key, 0) + g.lines
    customers = sorted(volume, key=lambda k: (-volume[k], k))

    # -- the rates, a row for all and one per customer -------------------------------------------------------
    rates_name = say(KPI, "sheet_rates", lang)
    ws = titled_sheet(wb, rates_name, title=title, facts=facts)
    top = HEADER_ROW
    ws.write_row(top, 0, [say(KPI, "col_key_customer", lang)] + [k.period for k in months], head)
    ws.set_column(0, 0, 20)
    ws.set_column(1, len(months), 9)
    ws.freeze_panes(top + 1, 1)
    rows: list[tuple[str, list[Any]]] = [(say(KPI, "all", lang), [k.total for k in months])]
    rows += [(c or say(KPI, "none", lang), [next((g for g in k.groups if g.key == c), None) for k in months])
             for c in customers]
    for r, (name, groups) in enumerate(rows, start=top + 1):
        book.cell(ws, r, 0, name, plain)
        for c, g in enumerate(groups, start=1):
            book.cell(ws, r, c, None if g is None else g.rate, rate_fmt)

    # -- a chart per row, drawn by Excel from those cells -------------------------------------------------------
    charts = titled_sheet(wb, say(KPI, "sheet_charts", lang), title=title, facts=facts)
    for i, (name, _) in enumerate(rows):
        r = top + 1 + i
        chart = wb.add_chart({"type": "line"})
        chart.add_series({"name": [rates_name, r, 0], "categories": [rates_name, top, 1, top, len(months)],
                          "values": [rates_name, r, 1, r, len(months)], "marker": {"type": "circle"},
                          "data_labels": {"value": True, "num_format": "0%", "position": "above"}})
        chart.set_title({"name": name, "name_font": {"size": 11}})
        chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        chart.show_blanks_as("gap")  # a month with nothing judged is no 0 %
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        charts.insert_chart(top + (i // 2) * CHART_ROWS, (i % 2) * 8, chart)

    # -- the last month in full --------------------------------------------------------------------------------------
    detail = titled_sheet(wb, last.period, title=say(KPI, "title", lang, period=last.period), facts=facts)
    table = last.table(lang)
    detail.write_row(top, 0, table[0], head)
    detail.set_column(0, 0, 20)
    detail.set_column(1, len(table[0]), 11)
    for r, row in enumerate(table[1:], start=top + 1):
        for c, value in enumerate(row):
            book.cell(detail, r, c, value, plain)
    return book.close()


__all__ = ["kpi_workbook"]
