"""`status --json` writes each chunk's lines a column at a time (books/streamed.py's `LinesJson`): byte for byte
the text json.dumps writes for each line's own `Line.to_dict`, on lines of every kind — every status and main
reason, due dates missing and unusable, plans with milestones done, late and pending, and none — and on who the
lines are, in values of every type (1, 1.0, True, 0.0 and -0.0 are equal keys but not the same text)."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import xlsxwriter

from gendan_xl import schema
from gendan_xl.books.streamed import LinesJson, OrdersRun, write_status_json
from gendan_xl.status import STATUS_FIELDS, STATUSES, status_from_columns, status_rows
from gendan_xl.status_block import MAIN
from test_status_block import CAL, PRODUCTS, TODAY, _columns

WHO = ["SO-1", 'a "quoted" \\ name\n', "订单／客户", 1, 1.0, True, False, 0.0, -0.0, 7, None, "", "\u2028 \x1f",
       dt.date(2026, 3, 4), 2.5, 10**20]


def _dumps(lines, lang: str) -> list[str]:
    """The Line path: what status --json wrote per line before the columns (json.dumps of `to_dict`)."""
    return [json.dumps(line.to_dict(lang), ensure_ascii=False, default=str) for line in lines]


@pytest.mark.parametrize("due", ["customer", "factory"])
@pytest.mark.parametrize("today", [TODAY, dt.date(2027, 1, 4)])
def test_each_block_line_is_its_lines_to_dict(due: str, today: dt.date) -> None:
    columns, bad_due = _columns(2000, seed=17, today=today)
    n = len(columns["order_no"])
    for k, f in enumerate(("order_no", "customer", "customer_po", "merchandiser")):  # who: every type, mixed
        columns[f] = [WHO[(i * (k + 3)) % len(WHO)] for i in range(n)]
    columns["customer"][:700] = [WHO[i % 3] for i in range(700)]  # a block of text and a block of one type
    columns["order_no"][700:1400] = [i if i % 7 else None for i in range(700)]
    columns["customer_po"][700:1400] = [(0.0, -0.0, 2.5, None)[i % 4] for i in range(700)]  # floats only
    columns["merchandiser"][:700] = [(1, True, 0, False, "1", None)[i % 6] for i in range(700)]  # no float
    for lang in ("zh", "en"):
        lines_json = LinesJson(lang)  # one per run: its plans' milestones are kept across the blocks
        for lo, hi in ((0, 700), (700, 1400), (1400, 2000), (0, 2000)):
            part = {f: v[lo:hi] for f, v in columns.items()}
            bad = {i - lo: raw for i, raw in bad_due.items() if lo <= i < hi}
            rows = list(range(lo + 2, hi + 2))
            block, _ = status_rows(part, rows, PRODUCTS, CAL, today, due=due, bad_due=bad, keep=())
            own = status_from_columns(part, rows, PRODUCTS, CAL, today, due=due, bad_due=bad).lines
            got, want = lines_json(block), _dumps(own, lang)
            assert len(got) == len(want)
            for i, (a, b) in enumerate(zip(got, want)):
                assert a == b, (lang, lo + i)
    kinds = {MAIN[code] for code in block.k.main.tolist()}
    assert kinds >= set(MAIN) - {"factory_late", "past_customer"} - ({"due_no_value"} if due == "factory" else set())
    assert block.k.planned.any() and (~block.k.planned).any()
    states = {m["state"] for line in own for m in line.milestones}
    assert states == {"done", "late", "pending"}


def test_an_empty_block_is_no_line() -> None:
    block, _ = status_rows({f: [] for f in STATUS_FIELDS}, [], PRODUCTS, CAL, TODAY, keep=())
    assert LinesJson("zh")(block) == []


def _workbook(path: Path, columns: dict[str, list], bad_due: dict[int, object]) -> Path:
    """The generated lines as an orders sheet (a due date that could not be read written as its text), with the
    products of their models."""
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("订单")
    fields = [f for f in STATUS_FIELDS if f != "open_qty"]  # open_qty is worked out from quantity and shipped
    for c, f in enumerate(fields):
        ws.write_string(0, c, schema.ORDERS.column(f).zh)
    for i in range(len(columns["order_no"])):
        for c, f in enumerate(fields):
            v = columns[f][i]
            if f == "customer_due_date" and v is None and isinstance(bad_due.get(i), str):
                v = bad_due[i]
            if isinstance(v, dt.date):
                ws.write_datetime(i + 1, c, dt.datetime(v.year, v.month, v.day), date)
            elif v is not None:
                ws.write(i + 1, c, v)
    ps = wb.add_worksheet("产品")
    for c, h in enumerate(["型号", "备料天数", "生产天数", "验货天数", "包装天数", "出运天数"]):
        ps.write_string(0, c, h)
    for r, (model, lead) in enumerate(PRODUCTS.items(), start=1):
        ps.write_string(r, 0, model)
        for c, v in enumerate(() if lead is None else
                              (lead.material, lead.production, lead.inspection, lead.packing, lead.shipping), 1):
            ps.write_number(r, c, v)
    wb.close()
    return path


def test_status_json_of_a_generated_sheet_is_each_lines_to_dict(tmp_path: Path) -> None:
    """Through the reader: a sheet of every kind of line, written as it streams, against the
    `to_dict` of each line's own Line of the same run, in both languages and on two days."""
    columns, bad_due = _columns(4000, seed=23)
    for k, f in enumerate(("customer", "customer_po", "merchandiser")):
        columns[f] = [WHO[(i * (k + 3)) % len(WHO)] for i in range(len(columns["order_no"]))]
    path = _workbook(tmp_path / "every.xlsx", columns, bad_due)
    for today in (TODAY, dt.date(2026, 11, 2)):
        for lang in ("zh", "en"):
            buf = io.StringIO()
            write_status_json(OrdersRun(path, today=today, lang=lang, keep=()), buf)
            text = buf.getvalue()
            got = text[text.index("[\n") + 2:text.rindex("\n]")].split(",\n")
            run = OrdersRun(path, today=today, lang=lang, keep=STATUSES).run()
            assert run.total == 4000 and len(run.kept) == run.total
            assert json.loads(text)["counts"] == run.counts
            want = _dumps(run.kept, lang)
            for i, (a, b) in enumerate(zip(got, want)):
                assert a == b, (today, lang, i)
            assert len(got) == len(want)
            statuses = {line.status for line in run.kept}
            assert statuses == set(STATUSES) and any(line.planned_dates for line in run.kept)
