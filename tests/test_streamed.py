"""status --json and validate --json stream (books/streamed.py): the same documents as the library's
whole-sheet results (`status_of(...).to_dict()`, `validate_workbook(...).to_dict()`), in bounded memory."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path


from conftest import WORKBOOKS, good_row
from gendan_xl.books.master import load_master, status_of, validate_workbook
from gendan_xl.books.streamed import OrdersRun, write_status_json, write_validation_issues
from gendan_xl.doors.cli import main
from test_refresh_pass import _openpyxl_book, generated

TODAY = dt.date(2026, 11, 26)


def as_json(doc) -> object:
    return json.loads(json.dumps(doc, ensure_ascii=False, default=str))


def books(tmp_path: Path) -> list[Path]:
    out = [WORKBOOKS / "orders.xlsx", WORKBOOKS / "orders_messy.xlsx", generated(tmp_path / "gen.xlsx", 2500)]
    out.append(_openpyxl_book(tmp_path / "excel.xlsx", title_rows=[["订单跟踪表"]], table=True))
    return out


def test_status_json_is_status_of(tmp_path: Path) -> None:
    for path in books(tmp_path):
        buf = io.StringIO()
        run = OrdersRun(path, today=TODAY, keep=lambda line: False)
        write_status_json(run, buf)
        want = as_json(status_of(load_master(path, lean=True), today=TODAY).to_dict())
        assert as_json([i.to_dict() for i in run.issues()]) == want.pop("issues")  # the findings, after the lines
        assert json.loads(buf.getvalue()) == want, path


def test_validate_json_is_validate_workbook(tmp_path: Path, book) -> None:
    messy = book([good_row(数量=-5, 客户="NOPE"), good_row(订单号="SO2", 下单日期="2026-13-01", 出货日期="bad"),
                  good_row(), good_row(状态="奇怪"), good_row(订单号="SO9", 下单日期=dt.date(2019, 1, 1)),
                  # a far order date (known at the end) between its row's other issues: date-out-of-range before
                  # it, over-shipped and unknown-customer after
                  good_row(订单号="SO8", 下单日期=dt.date(2019, 1, 1), 客户="NOPE", 已出货数量=5000)])
    for path in [*books(tmp_path), messy]:
        got: list[str] = []
        summary = write_validation_issues(path, got.append)
        report = validate_workbook(path)
        assert [json.loads(text) for text in got] == [dict(i, path=str(path)) for i in as_json(report.to_dict())["issues"]]
        assert summary == {"path": str(path), "ok": report.ok, "rows": report.rows, "errors": report.count("error"),
                           "warnings": report.count("warning")}, path


def test_the_commands_print_one_document(tmp_path: Path, capsys) -> None:
    path = generated(tmp_path / "gen.xlsx", 500)
    assert main(["validate", str(path), str(WORKBOOKS / "orders.xlsx"), "--json"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    assert [d["rows"] for d in doc["result"]["files"]] == [validate_workbook(path).rows, 204]
    assert main(["status", str(path), "--today", "2026-11-26", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["result"]["orders"]) == 500


def test_refresh_and_status_say_how_far_they_are(tmp_path: Path) -> None:
    """The command line draws its bar from these calls: one per chunk, the lines so far, the last all of them."""
    from gendan_xl.books.refresh import refresh_workbook

    path = generated(tmp_path / "gen.xlsx", 2500)
    heard: list[tuple[str, int, object]] = []
    refresh_workbook(path, today=TODAY, now=dt.datetime(2026, 11, 26, 9), progress=lambda *a: heard.append(a))
    assert heard and {stage for stage, _, _ in heard} == {"status"} and heard[-1][1] == 2500
    assert [n for _, n, _ in heard] == sorted(n for _, n, _ in heard)
    run = OrdersRun(path, today=TODAY, progress=lambda *a: heard.append(a)).run()
    assert heard[-1] == ("status", run.total, None)


def test_status_json_says_each_lines_customer_po_and_what_is_left_to_ship(capsys) -> None:
    """What the daily report shows of a line, `status --json` says too: the customer's PO, the quantity open."""
    from gendan_xl.xlsx.read import open_book, read_table
    from gendan_xl import schema

    rows = {r.row: r.values for r in read_table(open_book(WORKBOOKS / "orders.xlsx"), schema.ORDERS).rows}
    assert main(["status", str(WORKBOOKS / "orders.xlsx"), "--today", "2026-11-26", "--json"]) == 0
    lines = json.loads(capsys.readouterr().out)["result"]["orders"]
    assert sum(bool(o["customer_po"]) for o in lines) > 100
    for o in lines:
        v = rows[o["row"]]
        assert (o["customer_po"] or None) == (v.get("customer_po") or None), o["row"]
        if o["status"] in ("overdue", "at_risk", "on_track") and v.get("quantity") is not None:
            assert o["open_qty"] == v["quantity"] - (v.get("shipped_qty") or 0), o["row"]


def test_status_json_writes_each_line_as_json_dumps_writes_its_dict(tmp_path: Path) -> None:
    """The lines are written member by member, not through json.dumps: byte for byte what json.dumps writes for
    `Line.to_dict` (key order, spacing, escapes), in both languages."""
    for path in books(tmp_path):
        for lang in ("zh", "en"):
            buf = io.StringIO()
            write_status_json(OrdersRun(path, today=TODAY, lang=lang, keep=lambda line: False), buf)
            lines = status_of(load_master(path, lean=True), today=TODAY, lang=lang).result.lines
            text = buf.getvalue()
            body = text[text.index("[\n") + 2:text.rindex("\n]")]
            assert body.split(",\n") == [json.dumps(x.to_dict(lang), ensure_ascii=False, default=str)
                                         for x in lines], (path, lang)
