"""The team through the command line: status, refresh, changes and kpi with no workbook named work on every
team workbook ([workbook] paths), each line with its file and cell; an unreadable workbook is a warning and
exit 1, never a stop for the others."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import openpyxl
import pytest
from conftest import HEADERS, good_row, write_book

from gendan_xl.books.team import Cached, file_id, fingerprint
from gendan_xl.delivery.store import Store
from gendan_xl.doors.cli import main
from gendan_xl.doors.settings import load_settings
from gendan_xl.doors.wiring import watch_options

D = dt.date
TEAM_HEADERS = HEADERS + ["跟单员"]


def rows(merchandiser, due=D(2026, 4, 2)):
    return [good_row(订单号="SO1", 客户交期=due, 跟单员=merchandiser),
            good_row(订单号="SO2", 客户交期=D(2026, 3, 20), 跟单员=merchandiser)]


def setup(tmp_path):
    folder = tmp_path / "跟单 共享"
    folder.mkdir()
    write_book(folder / "张丽.xlsx", rows("张丽"), headers=TEAM_HEADERS)
    write_book(folder / "王芳.xlsx", rows("王芳"), headers=TEAM_HEADERS)
    (folder / "坏.xlsx").write_bytes(b"not a workbook")
    cfg = tmp_path / "gendan.toml"
    cfg.write_text('[workbook]\npaths = ["跟单 共享/*.xlsx"]\n[paths]\ndata_dir = "data"\n', encoding="utf-8")
    return folder, cfg


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_refresh_changes_and_kpi_over_the_team(tmp_path, capsys):
    folder, cfg = setup(tmp_path)
    code, out, err = run(capsys, "--config", str(cfg), "status", "--today", "2026-04-01")
    assert code == 1 and "坏.xlsx" in err and "无法读取" in err
    assert "张丽.xlsx  订单!A3" in out and "王芳.xlsx  订单!A3" in out and "团队 2 个工作簿" in out
    code, out, _ = run(capsys, "--config", str(cfg), "status", "--today", "2026-04-01", "--json")
    doc = json.loads(out)["result"]
    assert [wb["ok"] for wb in doc["workbooks"]] == [False, True, True]
    assert doc["workbooks"][1]["lines"][0]["cell"] == "订单!A2"

    code, out, err = run(capsys, "--config", str(cfg), "refresh", "--today", "2026-04-01")
    assert code == 1 and out.count("写入") + out.count("wrote") == 2 and "坏.xlsx" in err
    ws = openpyxl.load_workbook(folder / "张丽.xlsx", read_only=True)["订单"]
    assert any("交期状态" in str(c.value) for c in next(ws.iter_rows(max_row=1)))
    with Store(tmp_path / "data") as store:  # the refresh stored its snapshot, as status does
        assert (store.last_run() or {}).get("kind") == "refresh"
        (blob, _), = store.workbook_records([file_id(folder / "张丽.xlsx")]).values()
        record = Cached.decode(blob)  # read after its write: the record is of the file as the refresh left it
        assert record is not None and record.fingerprint.digest == fingerprint(folder / "张丽.xlsx").digest

    # the first run of the day before; then 王芳 moves SO1 from Thu 04-02 to Wed 04-08: Fri 04-03, Tue 04-07
    # and Wed 04-08 (Sat 04-04 to Mon 04-06 are 清明) → 3 working days later
    run(capsys, "--config", str(cfg), "changes", "--today", "2026-03-31")
    write_book(tmp_path / "edited.xlsx", rows("王芳", due=D(2026, 4, 8)), headers=TEAM_HEADERS)
    shutil.copy(tmp_path / "edited.xlsx", folder / "王芳.xlsx")
    code, out, _ = run(capsys, "--config", str(cfg), "changes", "--today", "2026-04-01", "--since", "2026-04-01",
                       "--json")
    moved = [c for c in json.loads(out)["result"]["changes"] if c["kind"] == "due_moved"]
    assert [(c["order_no"], c["old"], c["new"], c["workdays"], c["cell"]) for c in moved] == [
        ("SO1", "2026-04-02", "2026-04-08", 3, "订单!A2")]

    code, out, _ = run(capsys, "--config", str(cfg), "kpi", "--period", "2026-03", "--today", "2026-04-01", "--json")
    # March: the two SO2 lines, due 03-20 and not shipped by 04-01 → both open past due, rate 0
    total = json.loads(out)["result"]["total"]
    assert (total["lines"], total["open_late"], total["rate"]) == (2, 2, 0.0)


def test_the_watchers_refresh_is_the_refresh_command(tmp_path):
    folder, cfg = setup(tmp_path)
    options = watch_options(load_settings(cfg, env={}), today=D(2026, 4, 1))
    assert [p.name for p in options["find"]()] == ["坏.xlsx", "张丽.xlsx", "王芳.xlsx"]
    assert [f.name for f, _ in options["folders"]] == ["跟单 共享"]
    result = options["refresh"](folder / "张丽.xlsx")
    assert result.written == folder / "张丽.xlsx" and result.status.counts["overdue"] == 1


@pytest.mark.parametrize("lang, why", [("zh", "坏.xlsx：不是工作簿"), ("en", "坏.xlsx: not a workbook")])
def test_an_unreadable_team_workbook_is_said_in_the_runs_language(tmp_path, capsys, lang, why):
    # status and the report said why a workbook could not be read in English whatever the run's language
    # ("无法读取，未计入：坏.xlsx: not a workbook …"): WorkbookStatus.error is the GendanError's str()
    folder, cfg = setup(tmp_path)
    code, _, err = run(capsys, "--config", str(cfg), "--lang", lang, "status", "--today", "2026-04-01")
    line = next(x for x in err.splitlines() if "坏.xlsx" in x)
    assert code == 1 and why in line, line
    code, out, _ = run(capsys, "--config", str(cfg), "--lang", lang, "status", "--today", "2026-04-01", "--json")
    assert why in json.loads(out)["result"]["workbooks"][0]["error"]
