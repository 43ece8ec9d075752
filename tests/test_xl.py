"""The Excel button on Linux: the .xlsm's parts, the macro chain down to gendan_xl.doors.xl, and the in-memory
refresh (what Excel's used range gives) against the file refresh, cell for cell."""
from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import python_calamine as pc
import xlwings
from oletools.olevba import VBA_Parser

from conftest import WORKBOOKS
from gendan_xl.doors import xl as xl
from gendan_xl.books.master import validate_workbook
from gendan_xl.books.refresh import OUTPUT_COLUMNS, refresh_workbook
from gendan_xl.xlsx.condformat import CFRule
from gendan_xl.xlsx.read import MemoryBook
from gendan_xl.doors.xlsm import (MACRO, VERSION_NAME, XlsmNameError, build_master_xlsm, module_name,
                            write_button_module, xlwings_vba_project)

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)
SAMPLE = WORKBOOKS / "orders.xlsm"
CAPTIONS = dict(xl.BUTTONS)
# parts a refresh may change; everything else in the package must come out byte for byte
REFRESHED = {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/tables/table1.xml"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A fresh .xlsm from the installed xlwings, with the sample orders (and its orders.py beside it)."""
    return build_master_xlsm(tmp_path_factory.mktemp("xlsm") / "orders.xlsm")


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def vba_modules(path: Path) -> dict[str, str]:
    """VBA module name → source, as olevba reads them from the workbook."""
    parser = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def subs_without_arguments(modules: dict[str, str]) -> dict[str, str]:
    """Sub name → body, for the Subs a button can call (public, no parameters)."""
    out = {}
    for code in modules.values():
        for m in re.finditer(r"^(?:Public\s+)?Sub\s+(\w+)\s*\(\s*\)\s*$(.*?)^End Sub", code, re.M | re.S | re.I):
            out[m.group(1)] = m.group(2)
    return out


def buttons(path: Path) -> list[tuple[str, str]]:
    """(caption, macro) of every Form Control button in the workbook's VML drawings."""
    ns = {"v": "urn:schemas-microsoft-com:vml", "x": "urn:schemas-microsoft-com:office:excel"}
    out = []
    for name, data in members(path).items():
        if not re.fullmatch(r"xl/drawings/vmlDrawing\d+\.vml", name):
            continue
        root = ET.fromstring(data)
        for shape in root.iter(f"{{{ns['v']}}}shape"):
            client = shape.find("x:ClientData", ns)
            if client is None or client.get("ObjectType") != "Button":
                continue
            caption = "".join(shape.find("v:textbox", ns).itertext()).strip()
            out.append((caption, client.findtext("x:FmlaMacro", namespaces=ns)))
    return out


def memory_book(path: Path) -> MemoryBook:
    """Every sheet of a workbook file as Excel's used range would hand it to xlwings."""
    wb = pc.CalamineWorkbook.from_path(str(path))
    sheets = {n: xl.used_range_values(wb.get_sheet_by_name(n).to_python(skip_empty_area=False))
              for n in wb.sheet_names}
    return MemoryBook(sheets=sheets, name=path.name)


def import_file(path: Path):
    spec = importlib.util.spec_from_file_location(f"_button_module_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------ the .xlsm

def test_import_needs_no_excel_nor_xlwings():
    code = "import sys, gendan_xl.doors.xl, gendan_xl.doors.xlsm; assert 'xlwings' not in sys.modules, 'imported eagerly'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("which", ["built", "sample"])
def test_vba_project_is_the_installed_xlwings_one(which, built):
    path = built if which == "built" else SAMPLE
    vba, version = xlwings_vba_project()
    assert version == xlwings.__version__
    assert members(path)["xl/vbaProject.bin"] == vba, (
        "the VBA comes from another xlwings than the installed one: run python workbooks/build_samples.py")
    source = vba_modules(path)["xlwings"]
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in source
    workbook_xml = members(path)["xl/workbook.xml"].decode()
    assert f'<definedName name="{VERSION_NAME}">"{xlwings.__version__}"</definedName>' in workbook_xml


@pytest.mark.parametrize("which", ["built", "sample"])
def test_buttons_call_a_macro_of_the_vba_project(which, built):
    path = built if which == "built" else SAMPLE
    found = buttons(path)
    assert sorted(c for c, _ in found) == sorted(CAPTIONS.values())
    subs = subs_without_arguments(vba_modules(path))
    for caption, macro in found:
        assert macro == f"[0]!{MACRO}"
        assert MACRO in subs, f"{caption}: macro {MACRO} is not in the VBA project (found {sorted(subs)})"
    # and the buttons sit on the orders sheet
    rels = members(path)["xl/worksheets/_rels/sheet1.xml.rels"].decode()
    assert "vmlDrawing1.vml" in rels
    assert "订单" in members(path)["xl/workbook.xml"].decode().split("<sheet ")[1]


def test_the_macro_imports_the_workbook_named_module_which_reaches_refresh_and_validate(built):
    body = subs_without_arguments(vba_modules(built))[MACRO]
    # SampleCall: mymodule = the workbook name without extension; RunPython "import mymodule; mymodule.main()"
    assert re.search(r"mymodule\s*=\s*Left\(ThisWorkbook\.Name", body)
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in body
    module = built.with_name(module_name(built) + ".py")
    assert module.exists() and module.parent == built.parent  # xlwings puts the workbook's folder on sys.path
    mod = import_file(module)
    assert mod.main is xl.main
    # clicking each button: the caption picks the action, through the very module RunPython imports
    book = memory_book(built)
    done = mod.main(xl.MemorySession(book, caption=CAPTIONS[xl.REFRESH]))
    assert done.action == xl.REFRESH and done.status is not None and done.report is None
    assert OUTPUT_COLUMNS[0][1] in book.sheets["订单"][2]
    done = mod.main(xl.MemorySession(book, caption=CAPTIONS[xl.VALIDATE]))
    assert done.action == xl.VALIDATE and done.report is not None and done.status is None
    assert book.sheets[xl.ISSUES_SHEET][0][0] == "位置"


def test_committed_sample_module_matches_its_workbook():
    module = WORKBOOKS / (module_name(SAMPLE) + ".py")
    assert import_file(module).main is xl.main


@pytest.mark.parametrize("name,ok", [
    ("orders.xlsm", True),
    ("订单跟踪表.xlsm", True),  # Chinese is a valid Python identifier
    ("orders_2026.xlsm", True),
    ("orders 2026.xlsm", False),
    ("orders-2026.xlsm", False),
    ("2026orders.xlsm", False),
    ("class.xlsm", False),  # a keyword
    ("email.xlsm", False),  # the standard library would be imported instead
    ("xlwings.xlsm", False),
    ("orders.xlsx", False),  # no macros in .xlsx
])
def test_workbook_names_the_buttons_can_import(name, ok):
    if ok:
        assert module_name(name) == Path(name).stem
    else:
        with pytest.raises(XlsmNameError) as exc:
            module_name(name)
        assert "\n" not in str(exc.value) and name in str(exc.value)


def test_a_foreign_python_file_is_never_overwritten(tmp_path):
    (tmp_path / "mine.py").write_text("print('my own script')\n")
    with pytest.raises(XlsmNameError, match="not ours"):
        write_button_module(tmp_path / "mine.xlsm")
    assert (tmp_path / "mine.py").read_text() == "print('my own script')\n"
    ours = write_button_module(tmp_path / "mine2.xlsm")
    assert write_button_module(tmp_path / "mine2.xlsm") == ours  # our own file is rewritten


def test_a_bad_name_writes_nothing(tmp_path):
    with pytest.raises(XlsmNameError):
        build_master_xlsm(tmp_path / "my orders.xlsm")
    (tmp_path / "mine.py").write_text("print('my own script')\n")
    with pytest.raises(XlsmNameError, match="not ours"):
        build_master_xlsm(tmp_path / "mine.xlsm")
    assert [p.name for p in tmp_path.iterdir()] == ["mine.py"]


def test_new_empty_xlsm_has_buttons_and_no_orders(tmp_path):
    path = build_master_xlsm(tmp_path / "订单跟踪表.xlsm", [], examples=False)
    assert len(buttons(path)) == 2 and (tmp_path / "订单跟踪表.py").exists()
    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()
    assert rows[2][0] == "订单号" and len(rows) <= 4


def test_sample_is_reproducible(tmp_path):
    assert build_master_xlsm(tmp_path / "orders.xlsm").read_bytes() == SAMPLE.read_bytes(), (
        "workbooks/orders.xlsm is stale: run python workbooks/build_samples.py")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_xlsm_and_shows_the_orders(built, tmp_path):
    profile = tmp_path / "lo-profile"
    out = tmp_path / "csv"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         'csv:Text - txt - csv (StarCalc):44,34,76,1', "--outdir", str(out), str(built)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    with (out / "orders.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[2][:3] == ["订单号", "客户", "客户PO"]
    assert rows[3][0] == "SO260001" and rows[202][0] == "SO260200"
    # a second reader of the buttons: LibreOffice binds both to the VBA project's Module1.SampleCall
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "ods",
         "--outdir", str(out), str(built)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    content = zipfile.ZipFile(out / "orders.ods").read("content.xml").decode()
    labels = re.findall(r'<form:button [^>]*form:label="([^"]*)"', content)
    assert sorted(labels) == sorted(CAPTIONS.values())
    assert content.count(f"vnd.sun.star.script:VBAProject.Module1.{MACRO}?") == 2


# ------------------------------------------------------------------------ the refresh, in memory and file

@pytest.mark.parametrize("name", ["orders.xlsx", "orders.xlsm"])
def test_in_memory_refresh_equals_the_file_refresh_cell_for_cell(name, tmp_path):
    book = memory_book(WORKBOOKS / name)
    done = xl.refresh_status(book, today=TODAY, now=NOW)
    copy = tmp_path / name
    shutil.copyfile(WORKBOOKS / name, copy)
    by_file = refresh_workbook(copy, today=TODAY, now=NOW)
    in_memory = xl.used_range_values(book.sheets["订单"])
    from_file = memory_book(copy).sheets["订单"]
    assert len(in_memory) == len(from_file) and len(in_memory[0]) == len(from_file[0])
    for r, (mine, theirs) in enumerate(zip(in_memory, from_file), start=1):
        assert mine == theirs, f"row {r}"
    assert {key: cw.col for (key, _), cw in zip(OUTPUT_COLUMNS, done.plan.columns)} == \
        {key: col for key, col in by_file.columns.items() if key != "stamp"}
    assert done.plan.colours == by_file.colours
    assert [i.to_dict() for i in done.status.issues] == [i.to_dict() for i in by_file.issues]


def test_xlsm_twin_refreshes_with_its_vba_and_buttons_untouched(tmp_path):
    copy = tmp_path / "orders.xlsm"
    shutil.copyfile(SAMPLE, copy)
    before = members(copy)
    refresh_workbook(copy, today=TODAY, now=NOW)
    after = members(copy)
    assert list(after) == list(before)
    changed = {n for n in before if before[n] != after[n]}
    assert changed <= REFRESHED
    for part in ("xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml", "xl/worksheets/_rels/sheet1.xml.rels",
                 "[Content_Types].xml", "xl/workbook.xml"):
        assert part not in changed
    assert b"<legacyDrawing " in after["xl/worksheets/sheet1.xml"]
    assert buttons(copy) == buttons(SAMPLE)
    # the colour rule the file door wrote is the one the Excel door looks for before adding its own
    sheet = after["xl/worksheets/sheet1.xml"].decode()
    assert '<formula>"逾期"</formula>' in sheet.replace("&quot;", '"')
    assert CFRule("G2", kind="equal", text="逾期").cell_formula() == '"逾期"'  # Formula1 '="逾期"' in Excel


def test_a_refresh_reads_only_the_sheets_it_needs():
    wb = pc.CalamineWorkbook.from_path(str(SAMPLE))
    sheets = xl.LazySheets(wb.sheet_names, lambda n: xl.used_range_values(
        wb.get_sheet_by_name(n).to_python(skip_empty_area=False)))
    xl.refresh_status(MemoryBook(sheets=sheets, name=SAMPLE.name), today=TODAY, now=NOW)
    assert "订单" in sheets.loaded and "出货" not in sheets.loaded and "收款" not in sheets.loaded


def test_validate_writes_the_cli_report_as_linked_issues():
    messy = WORKBOOKS / "orders_messy.xlsx"
    book = memory_book(messy)
    done = xl.validate(book)
    assert done.report.flat() == validate_workbook(messy).flat()
    rows = book.sheets[xl.ISSUES_SHEET]
    assert rows[0] == ["位置", "严重程度", "原值", "说明", "代码"]  # Chinese first; the code last
    assert [r[4] for r in rows[1:]] == [i.code for i in done.report.issues]
    first = done.report.issues[0]
    assert rows[1][0] == f'=HYPERLINK("#\'{first.sheet}\'!{first.cell}","{first.sheet}!{first.cell}")'
    assert "14 个错误，1 个警告" in done.message and "Issues" in done.message


def test_a_click_that_cannot_be_told_does_both():
    book = memory_book(WORKBOOKS / "orders.xlsx")
    done = xl.main(xl.MemorySession(book, caption=None))
    assert done.action == xl.BOTH and done.status is not None and done.report is not None
    assert book.sheets[xl.ISSUES_SHEET] == [["位置", "严重程度", "原值", "说明", "代码"]]


def test_an_unusable_workbook_says_so_in_one_message_box():
    session = xl.MemorySession(MemoryBook(sheets={"Sheet1": [["hello"]]}, name="Book1.xlsm"))
    done = xl.refresh_status(session, today=TODAY, now=NOW)
    assert done.status is None and len(session.told) == 1
    assert session.told[0].startswith("无法处理本工作簿") and "Book1.xlsm" in session.told[0]


def test_an_other_xlwings_version_is_named_with_the_fix():
    session = xl.MemorySession(memory_book(WORKBOOKS / "orders.xlsx"), xlwings_version="0.30.0")
    done = xl.refresh_status(session, today=TODAY, now=NOW)
    assert "xlwings 0.30.0" in done.message and "pip install xlwings==0.30.0" in done.message
    assert xl.version_note(xlwings.__version__, xlwings.__version__, "en") is None


def test_english_workbook_gets_english_text(tmp_path):
    book = memory_book(WORKBOOKS / "orders.xlsx")
    done = xl.refresh_status(book, today=TODAY, now=NOW, lang="en")
    lines = len(done.status.result.lines)
    assert lines == len(book.sheets["订单"]) - 3  # every order line below the title, stamp and header rows
    assert done.message.startswith(f"Lead-time status of {lines} lines refreshed: Overdue ")


# ------------------------------------------------------------------------------------------ pure parts

@pytest.mark.parametrize("values,row,col,expected", [
    ([[1.0, 2.0], [3.0, None]], 1, 1, [[1.0, 2.0], [3.0, None]]),
    ([[1.0, 2.0]], 3, 2, [[], [], [None, 1.0, 2.0]]),
    ("x", 2, 3, [[], [None, None, "x"]]),  # a one-cell used range comes back as a bare value
    ([1.0, 2.0], 1, 1, [[1.0, 2.0]]),  # and a one-row one, without ndim=2, as a flat list
])
def test_pad_to_a1(values, row, col, expected):
    assert xl.pad_to_a1(values, row, col) == expected


def test_used_range_values_behave_like_excel():
    got = xl.used_range_values([["a", 1, 2.5, dt.date(2026, 1, 2), "", True], ["b"]])
    assert got == [["a", 1.0, 2.5, dt.datetime(2026, 1, 2), None, True], ["b", None, None, None, None, None]]
    assert type(got[0][1]) is float


@pytest.mark.parametrize("caption,action", [
    ("刷新状态 / Refresh status", xl.REFRESH),
    ("校验 / Validate", xl.VALIDATE),
    ("Refresh", xl.REFRESH),
    ("Button 1", xl.BOTH),
    (None, xl.BOTH),
    ("刷新并校验 / Refresh and validate", xl.BOTH),
])
def test_action_for_caption(caption, action):
    assert xl.action_for(caption) == action


@pytest.mark.parametrize("value,expected", [
    ("=SUM(A1)", "'=SUM(A1)"), ("-5 days", "'-5 days"), ("@x", "'@x"), ("+1", "'+1"), ("ok", "ok"), (3, 3),
    (None, None),
])
def test_text_never_becomes_a_formula(value, expected):
    assert xl.as_text(value) == expected


def test_link_formula_quotes_sheet_names_and_labels():
    assert xl.link_formula("Bob's 订单", "A1", 'say "hi"') == '=HYPERLINK("#\'Bob\'\'s 订单\'!A1","say ""hi""")'


def test_the_button_reads_the_workbooks_gendan_toml_as_the_command_line_does(tmp_path, monkeypatch):
    """A Mon–Sat factory with a 5-day warning window, judging by the factory date: gendan.toml sits beside
    the workbook, the command runs from elsewhere, and the button and `gendan-xl refresh` agree cell for cell
    — and differ from the defaults, so neither can be ignoring the file."""
    from gendan_xl.doors.cli import main

    share = tmp_path / "share"
    share.mkdir()
    copy = share / "orders.xlsx"
    shutil.copyfile(WORKBOOKS / "orders.xlsx", copy)
    (share / "gendan.toml").write_text('[workbook]\nweekly = "mon-sat"\nwarning_days = 5\n[status]\ndue = "factory"\n',
                                       encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("GENDAN_CONFIG", raising=False)

    clicked = xl.refresh_status(xl.MemorySession(memory_book(WORKBOOKS / "orders.xlsx"), path=copy),
                                today=TODAY, now=NOW)
    assert main(["refresh", str(copy), "--today", TODAY.isoformat()]) == 0
    by_cli = memory_book(copy).sheets["订单"]
    compared = 0
    for (r, c), value in clicked.plan.cells().items():
        if r < clicked.plan.header_row:
            continue  # the stamp above the header carries the clock
        got = by_cli[r - 1][c] if c < len(by_cli[r - 1]) else None  # plan cells: 0-based columns
        if isinstance(got, dt.datetime):  # a date cell reads back as a datetime at midnight
            got = got.date()
        assert got == value or {got, value} <= {None, ""}, (r, c, got, value)
        compared += 1
    assert compared > 200 * len(OUTPUT_COLUMNS)

    defaults = xl.refresh_status(memory_book(WORKBOOKS / "orders.xlsx"), today=TODAY, now=NOW,
                                 settings=xl.load_settings(cwd=elsewhere, env={}))
    statuses = [(x.status, x.slack_workdays) for x in clicked.status.result.lines]
    assert statuses != [(x.status, x.slack_workdays) for x in defaults.status.result.lines]
    assert {x.due_basis for x in clicked.status.result.lines if x.factory_due_date and x.due_date} == {"factory"}
