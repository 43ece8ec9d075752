"""The command line: exit codes, the exact error line, JSON equal to the library's report, help texts."""
from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest

from conftest import WORKBOOKS, good_row
from gendan_xl.doors.cli import COMMANDS, build_parser, main
from gendan_xl.books.master import validate_workbook


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("lang, example", [("en", "example:"), ("zh", "示例：")])
def test_every_command_has_help_with_an_example_in_the_run_language(lang, example):
    parser = build_parser(lang)
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in COMMANDS:
        text = sub.choices[name].format_help()
        assert example in text and f"gendan-xl {name.split()[0]}" in text, name
        missing = [a.dest for a in sub.choices[name]._actions if not a.help]
        assert not missing, f"{name}: no help for {missing} in i18n/help.py"
    zh = parser.format_help()
    assert zh.startswith("用法：") == (lang == "zh") and ("显示本帮助并退出" in zh) == (lang == "zh")


def test_help_follows_lang_else_the_locale(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert run(capsys, "validate", "--help")[1].startswith("usage: ")
    assert run(capsys, "--lang", "zh", "validate", "--help")[1].startswith("用法：")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert run(capsys, "validate", "--help")[1].startswith("用法：")


def test_one_language_per_run_errors_tables_and_notes(capsys, monkeypatch, tmp_path):
    code, _, err = run(capsys, "status", str(tmp_path / "nope.xlsx"))
    assert code == 3 and err.strip() == f"gendan-xl: {tmp_path / 'nope.xlsx'}：文件不存在"  # C locale: Chinese
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # an English system, a Chinese workbook with no gendan.toml beside it
    (tmp_path / "messy.xlsx").write_bytes((WORKBOOKS / "orders_messy.xlsx").read_bytes())
    code, out, err = run(capsys, "validate", str(tmp_path / "messy.xlsx"))
    assert "200 rows, 14 errors" in out and "订单!R33" in out and "over-shipped" in out
    (tmp_path / "orders.xlsx").write_bytes((WORKBOOKS / "orders.xlsx").read_bytes())
    code, out, err = run(capsys, "status", str(tmp_path / "orders.xlsx"), "--today", "2026-11-26")
    assert "Overdue" in out and err.startswith("warning: ")
    (tmp_path / "gendan.toml").write_text('[workbook]\nlang = "zh"\n', encoding="utf-8")  # the file beats the locale
    code, out, err = run(capsys, "--config", str(tmp_path / "gendan.toml"), "status", str(tmp_path / "orders.xlsx"),
                         "--today", "2026-11-26")
    assert "逾期" in out and err.startswith("警告：")
    code, _, err = run(capsys, "--config", str(tmp_path / "gendan.toml"), "status", "nope.xlsx", "--lang", "en")
    assert err.strip() == "gendan-xl: nope.xlsx: no such file"  # and --lang beats the file


def test_validate_clean_exits_0(capsys):
    code, out, _ = run(capsys, "validate", str(WORKBOOKS / "orders.xlsx"))
    assert code == 0
    assert out.strip().endswith("orders.xlsx: 204 行，0 个错误，0 个警告")


def test_validate_messy_exits_1_with_a_table(capsys):
    code, out, _ = run(capsys, "validate", str(WORKBOOKS / "orders_messy.xlsx"), "--lang", "en")
    assert code == 1
    assert "订单!R33" in out and "over-shipped" in out
    assert out.strip().endswith("200 rows, 14 errors, 1 warnings")


def test_json_is_the_library_report(capsys):
    path = WORKBOOKS / "orders_messy.xlsx"
    code, out, _ = run(capsys, "validate", str(path), "--json")
    assert code == 1
    doc = json.loads(out)
    report = validate_workbook(path)
    assert doc["issues"] == [dict(i, path=str(path)) for i in json.loads(json.dumps(report.to_dict()))["issues"]]
    assert doc["result"] == {"files": [{"path": str(path), "ok": False, "rows": report.rows,
                                        "errors": report.count("error"), "warnings": report.count("warning")}]}
    assert doc["ok"] is False and doc["paths"] == [str(path)] and doc["command"] == "validate"
    assert set(doc["issues"][0]) == {"code", "severity", "sheet", "cell", "value", "message", "path"}


def test_report_xlsx_links_to_the_cells(capsys, book, tmp_path):
    path = book([good_row(客户=None)])
    out = tmp_path / "issues.xlsx"
    code, _, err = run(capsys, "validate", str(path), "--report", str(out))
    assert code == 1 and err.startswith("已写入")
    with zipfile.ZipFile(out) as zf:
        rels = zf.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert f'Target="{path.name}"' in rels and "location=\"'订单'!B2\"" in sheet
    import python_calamine as pc
    rows = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Issues").to_python()
    # a title naming the workbook, the day and what was found; then the table, its code column last
    assert rows[0][0] == "校验结果" and rows[1][0] == f"{path.name}: 1 行，1 个错误，0 个警告 · {dt.date.today()}"
    assert rows[3] == ["位置", "严重程度", "原值", "说明", "代码"]
    assert rows[4] == ["订单!B2", "错误", "", "客户为空，请填写", "missing-value"]


def test_issues_report_prints_and_shows_plain_values(tmp_path):
    from openpyxl import load_workbook

    from conftest import print_setup
    from gendan_xl.books.issues_report import write_issues_xlsx

    messy = WORKBOOKS / "orders_messy.xlsx"
    out = write_issues_xlsx(validate_workbook(messy), tmp_path / "issues.xlsx", workbook=messy,
                            today=dt.date(2026, 11, 26))
    ws = load_workbook(out).active
    assert ws["B2"].value is None and ws["A2"].value.endswith("200 行，14 个错误，1 个警告 · 2026-11-26")
    assert print_setup(ws) == {"orientation": "landscape", "paper": 9, "fit": True,
                               "title_rows": "$4:$4", "page_numbers": True}
    values = [ws.cell(r, 3).value for r in range(5, ws.max_row + 1)]
    assert "99999" in values and "0" in values and not any(str(v).endswith(".0") for v in values)
    assert ws["D5"].alignment.wrap_text and ws.column_dimensions["E"].width < ws.column_dimensions["D"].width
    # the long message (unknown status, its fix) gets the lines it needs; a one-line row keeps the default
    long_row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 5).value == "unknown-status")
    assert ws.row_dimensions[long_row].height >= 3 * 13 and ws.row_dimensions[5].height is None


@pytest.mark.parametrize("argv, code, line", [
    (["validate", "nope.xlsx"], 3, "gendan-xl: nope.xlsx: no such file"),
    (["validate", "{wb}", "--sheet", "Sheet9"], 3,
     'gendan-xl: orders.xlsx has no sheet "Sheet9" (found: 订单, 客户, 产品, 假期, 出货, 退货, 收款, 期初); pass --sheet'),
])
def test_unusable_input_is_one_line_exit_3(capsys, argv, code, line, english, tmp_path):
    # a copy without the samples' gendan.toml beside it (which says lang = "zh"): the English system speaks
    (tmp_path / "orders.xlsx").write_bytes((WORKBOOKS / "orders.xlsx").read_bytes())
    argv = [a.replace("{wb}", str(tmp_path / "orders.xlsx")) for a in argv]
    got, out, err = run(capsys, *argv)
    assert got == code and out == "" and err.strip() == line


def test_usage_error_exits_2(capsys):
    assert run(capsys, "validate")[0] == 2
    assert run(capsys)[0] == 2
    assert run(capsys, "no-such-command")[0] == 2


def test_not_a_workbook(capsys, tmp_path, english):
    p = tmp_path / "notes.xlsx"
    p.write_text("hello")
    code, _, err = run(capsys, "validate", str(p))
    assert code == 3 and err.strip() == "gendan-xl: notes.xlsx: not a workbook (not an .xlsx/.xlsm zip file)"


# ------------------------------------------------------------------------------ statement and reconcile

def test_statement_json_is_the_worked_example(capsys, tmp_path):
    from test_statement import write_master

    master = write_master(tmp_path / "master.xlsx")
    code, out, _ = run(capsys, "statement", str(master), "--customer", "ACME", "--period", "2026-06", "--json")
    doc = json.loads(out)
    assert code == 0
    [statement] = doc["result"]["statements"]  # a list for one customer too
    assert (statement["closing_balance"], statement["ageing"]) == ("120200.00", {
        "0-30": "50200.00", "31-60": "22000.00", "61-90": "48000.00", "90+": "0.00"})


def test_statement_writes_one_file_per_customer(capsys, tmp_path, english):
    # the samples' gendan.toml says lang = "zh": on an English system too, the run is Chinese
    code, out, err = run(capsys, "statement", str(WORKBOOKS / "orders.xlsx"), "--period", "2026-06",
                         "--out", str(tmp_path))
    assert code == 0  # the sample's findings for June are warnings (a payment naming a voided note)
    files = sorted(p.name for p in tmp_path.glob("statement-*.xlsx"))
    assert len(files) >= 10 and len(files) == err.count("已写入 ")


def test_statement_bad_period_is_a_usage_error(capsys):
    code, out, err = run(capsys, "statement", str(WORKBOOKS / "orders.xlsx"), "--period", "June")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_reconcile_explains_the_unbooked_credit_note(capsys, tmp_path):
    from conftest import ROOT
    from test_statement import write_master

    master = write_master(tmp_path / "master.xlsx")
    theirs = ROOT / "tests" / "data" / "their-statement-credit-note-unbooked.xlsx"
    code, out, _ = run(capsys, "reconcile", "--ours", str(master), "--theirs", str(theirs), "--customer", "ACME",
                       "--period", "2026-06", "--json")
    doc = json.loads(out)
    assert code == 1  # explained, but still a difference someone must act on
    assert doc["result"]["difference"] == "1800.00" and doc["result"]["unexplained"] == "0.00"
    assert any(i["category"] == "unbooked_credit_note" and "CN-2606-01" in json.dumps(i, ensure_ascii=False)
               for i in doc["result"]["items"])


# ------------------------------------------------------------------------- quote, review, allocate, jobs

def settings_file(tmp_path):
    """The sample settings with every folder inside tmp_path (relative paths follow the file)."""
    from conftest import ROOT

    cfg = tmp_path / "gendan.toml"
    cfg.write_text((ROOT / "workbooks" / "gendan.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return cfg


def test_quote_writes_a_numbered_quote_and_logs_it(capsys, tmp_path):
    cfg = settings_file(tmp_path)
    args = ["--config", str(cfg), "quote", str(WORKBOOKS / "quote_request.xlsx"), "--today", "2026-11-26", "--json"]
    code, out, _ = run(capsys, *args)
    first = json.loads(out)
    code2, out2, _ = run(capsys, *args)
    second = json.loads(out2)
    assert (code, code2) == (0, 0)
    assert first["result"]["quote_no"] != second["result"]["quote_no"]  # numbers never repeat across runs
    assert first["written"] == [str(p) for p in sorted((tmp_path / "out" / "quotes").glob("Q2026*.xlsx"))][:1]
    assert len(list((tmp_path / "out" / "quotes").glob("Q2026*.xlsx"))) == 2
    assert (tmp_path / "data" / "gendan.sqlite").exists()


def test_review_after_the_quote_gives_every_verdict(capsys, tmp_path):
    cfg = settings_file(tmp_path)
    run(capsys, "--config", str(cfg), "quote", str(WORKBOOKS / "quote_request.xlsx"), "--today", "2026-11-26")
    book = tmp_path / "orders.xlsx"
    book.write_bytes((WORKBOOKS / "orders.xlsx").read_bytes())
    code, out, _ = run(capsys, "--config", str(cfg), "review", str(book), "--today", "2026-11-26", "--json")
    doc = json.loads(out)
    verdicts = {line["order_no"]: line["verdict"] for line in doc["result"]["lines"]}
    assert code == 1  # a line is rejected
    assert verdicts["SO26R01"] == "accept" and verdicts["SO26R02"] == "reject"
    assert verdicts["SO26R03"] == "accept_with_conditions" and verdicts["SO26R04"] == "reject"
    assert (tmp_path / "orders.review.xlsx").exists()
    assert book.read_bytes() == (WORKBOOKS / "orders.xlsx").read_bytes()  # the master is only read


def test_allocate_prints_and_writes_the_sidecar(capsys, tmp_path):
    book = tmp_path / "orders.xlsx"
    book.write_bytes((WORKBOOKS / "orders.xlsx").read_bytes())
    code, out, _ = run(capsys, "allocate", str(book), "--stock", str(WORKBOOKS / "stock.xlsx"), "--json")
    doc = json.loads(out)
    assert code == 1  # the sample's stock is short
    assert doc["result"]["lines"] and doc["written"] == [str(tmp_path / "orders.allocation.xlsx")]
    assert (tmp_path / "orders.allocation.xlsx").exists() and doc["ok"] is False


def test_jobs_list_and_a_dry_run(capsys, tmp_path):
    cfg = settings_file(tmp_path)
    text = cfg.read_text(encoding="utf-8").replace('path = "orders.xlsx"',
                                                   f'path = "{(WORKBOOKS / "orders.xlsx").as_posix()}"')
    cfg.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(cfg), "jobs", "list")
    assert code == 0 and "overdue-report" in out and "statements" in out and "validate" in out
    code, out, _ = run(capsys, "--config", str(cfg), "jobs", "run", "overdue-report", "--today", "2026-11-26",
                       "--dry-run")
    assert code == 0 and "lead@hengda.example" in out and "封邮件：将发送 " in out.splitlines()[-1]
    code, out, _ = run(capsys, "--lang", "en", "--config", str(cfg), "jobs", "run", "overdue-report", "--today",
                       "2026-11-26", "--dry-run")
    assert code == 0 and " mails: would-send " in out.splitlines()[-1]  # the summary in the run's language
    assert not (tmp_path / "outbox").exists()  # a dry run sends nothing
    code, _, err = run(capsys, "--config", str(cfg), "jobs", "run", "nope")
    assert code == 3 and "没有任务 'nope'" in err
    code, out, err = run(capsys, "--config", str(cfg), "jobs", "run", "--json")  # no name: a usage error
    doc = json.loads(out)
    assert code == 2 and "jobs run 需要任务名称" in err
    assert doc["ok"] is False and doc["error"]["kind"] == "usage" and doc["error"]["exit_code"] == 2


def test_statement_send_one_customer_once(capsys, tmp_path):
    cfg = settings_file(tmp_path)
    argv = ["--config", str(cfg), "statement", str(WORKBOOKS / "orders.xlsx"), "--period", "2026-10",
            "--customer", "BLK", "--send"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.strip().endswith("已发送 1")  # the samples' gendan.toml: lang = "zh"
    emls = list((tmp_path / "outbox").glob("*.eml"))
    assert len(emls) == 1 and "caigou@lanke.example" in emls[0].name
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.strip().endswith("已跳过 1")
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def _issued(path):
    from openpyxl import load_workbook

    rows = [[c.value for c in row] for row in load_workbook(path).active.iter_rows()]
    row = next(r for r in rows if "制表日期 Issued" in r)
    return row[row.index("制表日期 Issued") + 1].date()


def test_statement_issue_date_is_the_same_written_or_sent(capsys, tmp_path):
    """制表日期 is the day the statement is made (--today), whether written with --out or sent."""
    cfg = settings_file(tmp_path)
    base = ["--config", str(cfg), "statement", str(WORKBOOKS / "orders.xlsx"), "--period", "2026-10",
            "--customer", "BLK", "--today", "2026-11-03"]
    code, _, _ = run(capsys, *base, "--out", str(tmp_path / "written"))
    assert code == 0 and _issued(tmp_path / "written" / "statement-BLK-2026-10.xlsx") == dt.date(2026, 11, 3)
    code, _, _ = run(capsys, *base, "--out", str(tmp_path / "sent"), "--send")
    assert code == 0 and _issued(tmp_path / "sent" / "statement-BLK-2026-10.xlsx") == dt.date(2026, 11, 3)


@pytest.mark.parametrize("argv", [
    ["statement", "orders.xlsx", "--period", "2026-10", "--customer", "BLK", "--out", "st"],
    ["statement", "orders.xlsx", "--period", "2026-10", "--customer", "BLK", "--send"],
    ["quote", "quote_request.xlsx", "--out", "q"],
])
def test_a_customer_document_without_a_company_is_refused(capsys, tmp_path, monkeypatch, argv, english):
    """Copies of the samples in a folder without gendan.toml (none beside them, none where the command runs):
    nothing blank goes to a customer; exit 3 names the setting."""
    import shutil

    shutil.copyfile(WORKBOOKS / argv[1], tmp_path / argv[1])
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 3 and "set [company] name" in err and "gendan.toml" in err and len(err.strip().splitlines()) == 1
    assert [p.name for p in tmp_path.rglob("*.xlsx")] == [argv[1]] and not list(tmp_path.rglob("*.eml"))


# ----------------------------------------------------------------------------------- status, init-workbook

def test_status_json_is_the_library_result(capsys):
    from gendan_xl.books.master import load_master, status_of

    code, out, _ = run(capsys, "status", str(WORKBOOKS / "orders.xlsx"), "--today", "2026-11-26", "--json")
    doc = json.loads(out)
    assert code == 0
    want = json.loads(json.dumps(status_of(load_master(WORKBOOKS / "orders.xlsx"),
                                           today=dt.date(2026, 11, 26)).to_dict("zh"), default=str))
    assert doc["issues"] == want.pop("issues") and doc["result"] == want
    doc = doc["result"]
    assert doc["today"] == "2026-11-26" and len(doc["orders"]) == 204
    assert set(doc["orders"][0]) >= {"order_no", "row", "status", "days_late", "days_to_due", "slack_workdays",
                                     "next_milestone", "next_milestone_date", "reason"}


def test_status_text_lists_overdue_then_at_risk_first(capsys):
    code, out, err = run(capsys, "status", str(WORKBOOKS / "orders.xlsx"), "--today", "2026-11-26", "--lang", "en")
    lines = out.splitlines()
    table = [row for row in lines[2:] if row.strip() and not row.startswith("orders.xlsx")]
    kinds = ["Overdue" if " Overdue " in row else "At risk" if " At risk " in row else "?" for row in table]
    assert code == 0
    assert kinds == sorted(kinds, key=lambda k: k != "Overdue") and "?" not in kinds
    assert kinds.count("Overdue") >= 1 and kinds.count("At risk") >= 1
    assert lines[-1].startswith("orders.xlsx (2026-11-26): Overdue ")
    # warnings go to stderr (the table's "Days late (calendar)" is a header, not a warning)
    assert "holiday data" not in out and "2027 has no official holiday data" in err


def test_init_workbook_creates_and_never_overwrites(capsys, tmp_path):
    import python_calamine as pc

    path = tmp_path / "订单跟踪表.xlsx"
    code, out, _ = run(capsys, "init-workbook", str(path))
    assert code == 0 and out.strip() == str(path)
    header = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()[2]
    assert header[:3] == ["订单号", "客户", "客户PO"]
    before = path.read_bytes()
    code, out, err = run(capsys, "init-workbook", str(path))
    assert code == 3 and "已存在" in err and path.read_bytes() == before


def test_init_workbook_xlsm_writes_the_button_module(capsys, tmp_path):
    path = tmp_path / "orders2026.xlsm"
    code, out, _ = run(capsys, "init-workbook", "--xlsm", str(path))
    assert code == 0 and path.exists() and (tmp_path / "orders2026.py").exists()
    assert "xl/vbaProject.bin" in zipfile.ZipFile(path).namelist()


@pytest.mark.parametrize("argv", [
    ["validate", "{book}", "--report", "{book}"],
    ["allocate", "{book}", "--stock", "{stock}", "--out", "{book}"],
    ["allocate", "{book}", "--stock", "{stock}", "--out", "{stock}"],
    ["review", "{book}", "--out", "{book}"],
    ["quote", "{request}", "--out", "{book}"],
    ["statement", "{book}", "--period", "2026-10", "--out", "{book}"],
    ["validate", "{book}", "--report", "{folder}"],
])
def test_an_output_never_overwrites_an_input(capsys, tmp_path, argv):
    book = tmp_path / "orders.xlsx"
    book.write_bytes((WORKBOOKS / "orders.xlsx").read_bytes())
    stock = tmp_path / "stock.xlsx"
    stock.write_bytes((WORKBOOKS / "stock.xlsx").read_bytes())
    before = book.read_bytes(), stock.read_bytes()
    names = {"{book}": str(book), "{stock}": str(stock), "{request}": str(WORKBOOKS / "quote_request.xlsx"),
             "{folder}": str(tmp_path)}
    code, out, err = run(capsys, *[names.get(a, a) for a in argv])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert (book.read_bytes(), stock.read_bytes()) == before


def test_reconcile_of_identical_books_is_clean(capsys, tmp_path):
    from test_statement import write_master

    master = write_master(tmp_path / "master.xlsx")
    cfg = settings_file(tmp_path)  # a statement needs the company it is from
    code, _, _ = run(capsys, "--config", str(cfg), "statement", str(master), "--customer", "ACME", "--period",
                     "2026-06", "--out", str(tmp_path / "st"))
    ours = next((tmp_path / "st").glob("*.xlsx"))
    code, out, _ = run(capsys, "reconcile", "--ours", str(master), "--theirs", str(ours), "--customer", "ACME",
                       "--period", "2026-06", "--json")
    assert code == 0, out
    assert json.loads(out)["result"]["difference"] == "0.00"


def test_report_dry_run_json_lists_who_would_get_what(capsys, tmp_path):
    cfg = settings_file(tmp_path)
    code, out, _ = run(capsys, "--config", str(cfg), "report", "overdue", str(WORKBOOKS / "orders.xlsx"),
                       "--today", "2026-11-26", "--dry-run", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"]
    assert {o["state"] for o in doc["result"]["outcomes"]} == {"would-send"}
    assert "lead@hengda.example" in {o["recipient"] for o in doc["result"]["outcomes"]}


def test_statement_before_the_opening_balances_is_refused(capsys):
    code, out, err = run(capsys, "statement", str(WORKBOOKS / "orders.xlsx"), "--period", "1999-01",
                         "--customer", "ANK")
    assert code == 2 and out == ""
    assert err.strip() == "gendan-xl: 期间 1999-01 在期初余额日 2025-12-31 当天或之前结束；请选 2025-12-31 之后的期间"
    code, out, err = run(capsys, "--lang", "en", "statement", str(WORKBOOKS / "orders.xlsx"), "--period", "1999-01",
                         "--customer", "ANK")
    assert code == 2 and err.strip() == ("gendan-xl: period 1999-01 ends on or before the opening balances of "
                                         "2025-12-31; choose a period after 2025-12-31")


def test_status_text_shows_the_first_hundred_urgent_lines_and_counts_the_rest(capsys, book):
    rows = [good_row(订单号=f"SO{i:03d}") for i in range(130)]  # all due 2026-04-20, none shipped: overdue
    code, out, _ = run(capsys, "status", str(book(rows)), "--today", "2026-11-26")
    lines = out.splitlines()
    assert code == 0
    assert sum(" 逾期 " in line for line in lines) == 100
    assert "…另有 30 行逾期或有风险（--json 列出全部）" in lines
    assert lines[-1].endswith("逾期 130")


def test_every_command_is_a_door_onto_one_exported_function():
    import inspect

    import gendan_xl
    from gendan_xl.doors.cli.base import WRAPS

    assert set(WRAPS) == set(COMMANDS)
    for name, function in WRAPS.items():
        assert function in gendan_xl.__all__, (name, function)
        assert callable(getattr(gendan_xl, function)), name
    # the options the issue found drifting from their parameters now share their names
    params = {f: set(inspect.signature(getattr(gendan_xl, f)).parameters) for f in WRAPS.values()}
    assert {"basis", "customer", "as_of"} <= params["statements_from_workbook"]
    assert {"sheet", "bank", "customer", "period", "as_of"} <= params["reconcile_files"]
    assert {"out", "skip"} <= params["allocate_workbook"] and {"orders", "out"} <= params["review_workbook"]
    assert {"out", "today", "pdf"} <= params["make_quote"] and {"xlsm"} <= params["init_workbook"]


@pytest.mark.parametrize("text, day", [("2026-11-26", dt.date(2026, 11, 26)), ("2026/11/26", dt.date(2026, 11, 26)),
                                       ("2026年11月26日", dt.date(2026, 11, 26)), ("20261126", dt.date(2026, 11, 26))])
def test_today_takes_the_spellings_the_workbook_reader_takes(text, day):
    from gendan_xl.doors.cli.base import parse_day

    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["46352", "26/11", "tomorrow", "2026-02-30"])
def test_today_refuses_what_is_no_day_with_an_example(capsys, text):
    code, _, err = run(capsys, "status", str(WORKBOOKS / "orders.xlsx"), "--today", text)
    assert code == 2 and f"参数 --today：'{text}' 不是日期；请写成 2026-11-26" in err  # the run's language
    code, _, err = run(capsys, "--lang", "en", "status", str(WORKBOOKS / "orders.xlsx"), "--today", text)
    assert code == 2 and f"argument --today: '{text}' is not a date; write it like 2026-11-26" in err


def test_version(capsys):
    from gendan_xl import __version__

    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"gendan-xl {__version__}"


def test_config_says_where_each_setting_came_from_and_where_state_lives(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GENDAN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GENDAN_SMTP_HOST", "mail.example")
    (tmp_path / "gendan.toml").write_text('[workbook]\nweekly = "mon-sat"\n', encoding="utf-8")
    code, out, _ = run(capsys, "config", "--workbook", str(tmp_path / "orders.xlsx"), "--json")
    doc = json.loads(out)["result"]
    rows = {r["key"]: (r["value"], r["from"]) for r in doc["settings"]}
    assert code == 0 and doc["source"] == str(tmp_path / "gendan.toml") and doc["home"] == str(tmp_path / "home")
    assert rows["workbook.weekly"] == ("mon-sat", "gendan.toml") and rows["mail.host"] == ("mail.example", "env")
    assert rows["workbook.warning_days"] == (3, "default")
    assert rows["paths.data_dir"] == (str(tmp_path / "home" / "data"), "default")
    assert rows["mail.password"][0] in ("(set)", "(not set)")


def test_config_table_speaks_the_run_language_where_the_json_keeps_its_placeholders(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GENDAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GENDAN_SMTP_PASSWORD", raising=False)
    code, out, _ = run(capsys, "--lang", "zh", "config", "--workbook", str(tmp_path / "orders.xlsx"))
    password = next(line for line in out.splitlines() if line.lstrip().startswith("mail.password"))
    assert code == 0 and "（未设置）" in password and "默认值" in password and "(not set)" not in out
    code, out, _ = run(capsys, "--lang", "en", "config", "--workbook", str(tmp_path / "orders.xlsx"))
    assert "(not set)" in out and "默认值" not in out


def test_init_writes_a_starter_that_loads_and_never_overwrites(capsys, tmp_path):
    from gendan_xl.doors.settings import load_settings

    code, out, _ = run(capsys, "init", str(tmp_path / "team"))
    written = tmp_path / "team" / "gendan.toml"
    assert code == 0 and out.strip() == str(written)
    assert load_settings(written, env={}).origins == {}  # every line commented: the defaults, nothing else
    assert "[columns]" in written.read_text(encoding="utf-8")
    code, _, err = run(capsys, "init", str(tmp_path / "team"))
    assert code == 2 and "gendan.toml 已存在" in err  # a command without a workbook speaks Chinese by default
    code, _, err = run(capsys, "--lang", "en", "init", str(tmp_path / "team"))
    assert code == 2 and "gendan.toml already exists" in err


def test_progress_is_reported_to_a_callback_and_silent_when_not_a_terminal(capsys):
    seen = []
    report = validate_workbook(WORKBOOKS / "orders.xlsx", progress=lambda stage, done, total: seen.append(
        (stage, done, total)))
    assert seen[0] == ("read", 0, None) and seen[-1] == ("check", report.rows, report.rows)
    code, _, err = run(capsys, "validate", str(WORKBOOKS / "orders.xlsx"))
    assert code == 0 and "rows/s" not in err and "\r" not in err  # stderr is captured here: no bar drawn


def test_watch_quiet_seconds_and_the_top_level_quiet_are_two_things():
    """`gendan-xl --quiet watch --quiet 3`: no progress bar, and 3 s of stillness before a refresh — neither
    taken for the other (they once shared a name in the parsed arguments)."""
    args = build_parser().parse_args(["--quiet", "watch", "--quiet", "3"])
    assert args.quiet is True and args.quiet_seconds == 3.0
    args = build_parser().parse_args(["--quiet", "watch"])
    assert args.quiet is True and args.quiet_seconds is None


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_statement_out_pdf_writes_a_pdf_beside_each_statement(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(WORKBOOKS)  # the samples' gendan.toml: the company the statements print
    code, out, _ = run(capsys, "statement", str(WORKBOOKS / "orders.xlsx"), "--period", "2026-10",
                       "--out", str(tmp_path), "--pdf", "--today", "2026-11-26", "--json")
    assert code in (0, 1)
    written = json.loads(out)["written"]
    books = sorted(p for p in written if p.endswith(".xlsx"))
    assert len(books) > 3 and sorted(p for p in written if p.endswith(".pdf")) == [b[:-5] + ".pdf" for b in books]
    for book in books:
        with open(book[:-5] + ".pdf", "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("argv", [
    ["statement", "{book}", "--period", "2026-10", "--today", "2026-11-03", "--dry-run"],
    ["jobs", "run", "statements", "--today", "2026-11-03", "--dry-run"],
])
def test_a_statement_dry_run_names_the_pdfs_without_starting_libreoffice(capsys, tmp_path, argv):
    """A dry run says who would get which files; making the PDFs (seconds of LibreOffice) is for the send."""
    cfg = settings_file(tmp_path)
    book = (WORKBOOKS / "orders.xlsx").as_posix()
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('path = "orders.xlsx"', f'path = "{book}"'),
                   encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(cfg), *(a.format(book=book) for a in argv))
    assert code == 0 and "caigou@lanke.example" in out and "[statement-BLK-2026-10.pdf]" in out
    assert list((tmp_path / "out").rglob("*.pdf")) == [] and not (tmp_path / "outbox").exists()


def test_a_failure_is_said_in_the_language_of_the_settings_beside_the_workbook(capsys, tmp_path, monkeypatch):
    """gendan.toml beside the workbook chooses the run's language; its failure line too, not only its tables."""
    import shutil

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    folder = tmp_path / "wb"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "orders.xlsx", folder / "orders.xlsx")
    (folder / "gendan.toml").write_text('[workbook]\nlang = "zh"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no gendan.toml here: only the one beside the workbook says zh
    code, _, err = run(capsys, "status", str(folder / "orders.xlsx"), "--sheet", "nosuch", "--today", "2026-11-26")
    assert code == 3 and "没有工作表“nosuch”" in err


def test_the_progress_bar_starts_no_thread():
    """tqdm's monitor thread would stay for the run, and a process with another thread forks no writer: a
    refresh on a terminal would lose its second process after its first bar."""
    import threading

    from gendan_xl.doors.cli.base import ProgressBar

    before = threading.active_count()
    with ProgressBar(True) as bar:  # (it draws nothing in its first two seconds)
        bar("status", 10, None)
        assert bar._bar is not None and threading.active_count() == before
