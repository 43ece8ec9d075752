"""The one JSON contract: every command's --json is one object with ok, command, paths, result, written and
issues — on success and on failure — and money in it is text of fixed decimals."""
from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT, WORKBOOKS
from gendan_xl.doors.cli import COMMANDS, main
from gendan_xl.jsondoc import KEYS, money, unit_money

AMOUNT = re.compile(r"-?\d+\.\d{2}")
UNIT = re.compile(r"-?\d+\.\d{4}")


def test_money_is_fixed_decimal_text():
    assert money(Decimal("1234.5")) == "1234.50" and money(120200) == "120200.00" and money(None) is None
    assert money(Decimal("0.125")) == "0.13" and money(Decimal("-0.125")) == "-0.13"  # half up, away from zero
    assert money(Decimal("5E+1")) == "50.00" and money(0.1 + 0.2) == "0.30"
    assert unit_money(Decimal("8.891336847903")) == "8.8913" and money(Decimal("63.125"), 2) == "63.13"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The samples and their settings in a folder of their own (every output and the state inside it)."""
    for name in ("orders.xlsx", "orders_messy.xlsx", "quote_request.xlsx", "stock.xlsx", "gendan.toml"):
        shutil.copy(WORKBOOKS / name, tmp_path / name)
    return tmp_path


def contract_cases(d: Path) -> dict[str, tuple[list[str], list[str]]]:
    """command → (argv, the inputs it names)."""
    orders, cfg = str(d / "orders.xlsx"), ["--config", str(d / "gendan.toml")]
    theirs = str(ROOT / "tests" / "data" / "their-statement-credit-note-unbooked.xlsx")
    return {
        "inspect": ([*cfg, "inspect", orders, "--today", "2026-11-26"], [orders]),
        "validate": ([*cfg, "validate", orders, str(d / "orders_messy.xlsx")], [orders, str(d / "orders_messy.xlsx")]),
        "status": ([*cfg, "status", orders, "--today", "2026-11-26"], [orders]),
        "refresh": ([*cfg, "refresh", orders, "--today", "2026-11-26"], [orders]),
        "init-workbook": ([*cfg, "init-workbook", str(d / "new.xlsx")], []),
        "quote": ([*cfg, "quote", str(d / "quote_request.xlsx"), "--today", "2026-11-26"],
                  [str(d / "quote_request.xlsx")]),
        "statement": ([*cfg, "statement", orders, "--period", "2026-11", "--customer", "ANK", "--out",
                       str(d / "st")], [orders]),
        "reconcile": ([*cfg, "reconcile", "--ours", orders, "--theirs", theirs, "--customer", "ANK"],
                      [orders, theirs]),
        "review": ([*cfg, "review", orders, "--today", "2026-11-26"], [orders]),
        "allocate": ([*cfg, "allocate", orders, "--stock", str(d / "stock.xlsx")], [orders, str(d / "stock.xlsx")]),
        "report": ([*cfg, "report", "overdue", orders, "--today", "2026-11-26"], [orders]),
        "jobs": ([*cfg, "jobs", "list"], []),
        "config": ([*cfg, "config"], []),
        "init": ([*cfg, "init", str(d / "starter")], []),
    }


def test_every_command_is_held_to_the_contract():
    # demo runs every command above (tests/test_demo.py holds its --json)
    assert set(COMMANDS) == set(contract_cases(Path("."))) | {"demo"}


@pytest.mark.parametrize("command", sorted(contract_cases(Path("."))))
def test_the_command_prints_one_document(command, folder, capsys):
    argv, inputs = contract_cases(folder)[command]
    (folder / "starter").mkdir()
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert set(KEYS) <= set(doc) and doc["command"] == command, out[:300]
    assert doc["ok"] is (code == 0) or command in ("reconcile",)  # an explained difference: exit 1, ok false
    assert doc["paths"] == inputs
    assert all(Path(p).exists() for p in doc["written"]) and doc["result"] is not None
    assert all(set(i) >= {"code", "severity", "sheet", "cell", "value", "message"} for i in doc["issues"])
    assert "error" not in doc and "Traceback" not in err


def test_money_in_the_documents_is_text(folder, capsys):
    cases = contract_cases(folder)
    main([*cases["statement"][0], "--json"])
    [st] = json.loads(capsys.readouterr().out)["result"]["statements"]
    amounts = [st["opening_balance"], st["closing_balance"], *st["ageing"].values()]
    amounts += [ln[k] for ln in st["lines"] for k in ("debit", "credit", "balance")]
    assert amounts and all(AMOUNT.fullmatch(a) for a in amounts), amounts
    main([*cases["quote"][0], "--json"])
    line = json.loads(capsys.readouterr().out)["result"]["lines"][0]
    assert UNIT.fullmatch(line["price"]) and UNIT.fullmatch(line["breakdown"]["price_cny"])
    assert line["breakdown"]["vat_rate"] == "0.13"  # a rate is its exact text
    main([*cases["review"][0], "--json"])
    review = json.loads(capsys.readouterr().out)["result"]["lines"][0]
    assert UNIT.fullmatch(review["unit_price"]) and AMOUNT.fullmatch(review["amount"])


@pytest.mark.parametrize("argv, kind, code", [
    (["status", "nothere.xlsx"], "unusable-workbook", 3),
    (["validate", "{folder}/gendan.toml"], "unusable-workbook", 3),
    (["status", "--bogus"], "usage", 2),
    (["quote"], "usage", 2),
])
def test_an_error_under_json_is_a_document_too(argv, kind, code, folder, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    argv = [a.format(folder=folder) for a in argv]
    assert main([*argv, "--json"]) == code
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["ok"] is False and doc["result"] is None and doc["written"] == [] and doc["command"] == argv[0]
    assert doc["error"]["exit_code"] == code and doc["error"]["kind"] == kind, doc
    assert doc["error"]["message"] in err  # the same one line on stderr


def test_one_unusable_workbook_of_several_is_its_line_and_the_others_are_checked(folder, capsys):
    bad = folder / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    code = main(["validate", str(folder / "orders.xlsx"), str(bad), "--json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert code == 3 and doc["ok"] is False and len(err.strip().splitlines()) == 1
    good, broken = doc["result"]["files"]
    assert good["ok"] and good["rows"] == 204 and broken["error"]["exit_code"] == 3
