"""status --json and validate --json stream (books/streamed.py): the same documents as the library's
whole-sheet results (`status_of(...).to_dict()`, `validate_workbook(...).to_dict()`), in bounded memory."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path


from conftest import WORKBOOKS, good_row
from gendan_xl.books.master import load_master, status_of, validate_workbook
from gendan_xl.books.streamed import OrdersRun, write_status_json, write_validation_json
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
        write_status_json(OrdersRun(path, today=TODAY, keep=lambda line: False), buf)
        assert json.loads(buf.getvalue()) == as_json(status_of(load_master(path, lean=True), today=TODAY).to_dict()), path


def test_validate_json_is_validate_workbook(tmp_path: Path, book) -> None:
    messy = book([good_row(数量=-5, 客户="NOPE"), good_row(订单号="SO2", 下单日期="2026-13-01", 出货日期="bad"),
                  good_row(), good_row(状态="奇怪"), good_row(订单号="SO9", 下单日期=dt.date(2019, 1, 1))])
    for path in [*books(tmp_path), messy]:
        buf = io.StringIO()
        ok = write_validation_json(path, buf)
        want = as_json(validate_workbook(path).to_dict())
        assert json.loads(buf.getvalue()) == want, path
        assert ok == want["ok"]


def test_the_commands_print_one_document(tmp_path: Path, capsys) -> None:
    path = generated(tmp_path / "gen.xlsx", 500)
    assert main(["validate", str(path), str(WORKBOOKS / "orders.xlsx"), "--json"]) in (0, 1)
    docs = json.loads(capsys.readouterr().out)
    assert [d["rows"] for d in docs] == [validate_workbook(path).rows, 204]
    assert main(["status", str(path), "--today", "2026-11-26", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["orders"]) == 500
