"""Input that would eat the machine or that is not what its name says is refused with one line (issue 14:
bombs, a 1 GB string, .xls renamed .xlsx, an unreadable file), before any parser holds it."""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gendan_xl.doors.cli import main
from gendan_xl.errors import UnusableWorkbookError
from gendan_xl.xlsx.read import open_book
from gendan_xl.xlsx.source import Limits, WorkbookFile
from conftest import WORKBOOKS
from rawbook import deflated_stream, raw_workbook, workbook_members, zip_with

ROW = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>SO1</t></is></c><c r="B%d"><v>1</v></c></row>'


def rows_segment(n: int = 4096) -> bytes:
    return b"".join(ROW % (1, 1, 1) for _ in range(n))  # the same row again and again: deflates to nothing


def sheet_bomb(path: Path, copies: int, *, lie: int | None = None) -> Path:
    """A workbook whose sheet inflates to `copies` × ~0.4 MB of rows (honestly declared, or declared `lie`)."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    sheet = ("xl/worksheets/sheet1.xml", *deflated_stream(head, rows_segment(), copies, b"</sheetData></worksheet>"))
    members = [sheet if m[0] == sheet[0] else m for m in workbook_members("")]
    return zip_with(path, members, declared={sheet[0]: lie} if lie else None)


def string_bomb(path: Path, megabytes: int) -> Path:
    """A workbook whose one shared string is `megabytes` MB of "a"."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
    sst = ("xl/sharedStrings.xml", *deflated_stream(head, b"a" * (1 << 20), megabytes, b"</t></si></sst>"))
    members = [sst if m[0] == sst[0] else m for m in workbook_members('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')]
    return zip_with(path, members)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("command", ["validate", "status", "refresh"])
def test_a_sheet_inflating_to_4_gib_is_refused_before_it_is_inflated(tmp_path: Path, command: str, capsys) -> None:
    path = sheet_bomb(tmp_path / "bomb.xlsx", 12_300)  # ~4.3 GB of rows, a few MB on disk
    assert path.stat().st_size < 20 << 20
    before = peak_mb()
    code = main([command, str(path)])
    err = capsys.readouterr().err
    assert code == 3 and "zip bomb" in err and len(err.strip().splitlines()) == 1
    # refused from the sizes the zip's directory declares (the check before any byte is inflated), not after
    # inflating 4 GB: the line names the limit the declared size or ratio broke
    assert "[limits] max_part_mb" in err or "[limits] max_ratio" in err
    assert peak_mb() - before < 200


def test_a_part_that_lies_about_its_size_is_caught_while_inflating(tmp_path: Path) -> None:
    path = sheet_bomb(tmp_path / "liar.xlsx", 400, lie=1 << 20)  # says 1 MB, inflates to ~400 MB
    wf = WorkbookFile.read(path)  # the directory alone looks harmless
    before = peak_mb()
    with pytest.raises(UnusableWorkbookError, match="beyond the size the zip declares"):
        for _ in wf.inflate("xl/worksheets/sheet1.xml"):
            pass
    with pytest.raises(UnusableWorkbookError, match="beyond the size the zip declares"):
        open_book(path)  # before python-calamine is handed it
    assert peak_mb() - before < 100


@pytest.mark.parametrize("chunk", [1 << 10, 1 << 12, 1 << 20])
def test_every_part_inflates_to_what_zipfile_reads_whatever_the_piece_size(chunk: int) -> None:
    # ISA-L, capped by max_length, may take all of a part's input and still hold inflated bytes back (stdlib
    # zlib leaves such input unconsumed instead): stopping when the input ran out refused a valid
    # 20,000-line workbook as damaged. Small pieces make that happen on the samples' parts.
    for path in sorted(WORKBOOKS.glob("*.xlsx")):
        wf = WorkbookFile.read(path)
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                assert b"".join(wf.inflate(name, chunk=chunk)) == zf.read(name), (path.name, name)


def test_a_part_cut_short_is_damaged(tmp_path: Path) -> None:
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    data, crc, size = deflated_stream(head, rows_segment(), 8, b"</sheetData></worksheet>")
    sheet = ("xl/worksheets/sheet1.xml", data[:len(data) // 2], crc, size)  # honest directory, half the bytes
    path = zip_with(tmp_path / "cut.xlsx", [sheet if m[0] == sheet[0] else m for m in workbook_members("")])
    wf = WorkbookFile.read(path)
    with pytest.raises(UnusableWorkbookError, match="damaged"):
        for _ in wf.inflate("xl/worksheets/sheet1.xml", chunk=1 << 10):
            pass


def test_a_1_gb_shared_string_is_refused_before_it_is_inflated(tmp_path: Path, capsys) -> None:
    path = string_bomb(tmp_path / "string.xlsx", 1024)
    before = peak_mb()
    assert main(["validate", str(path)]) == 3
    err = capsys.readouterr().err
    assert "zip bomb" in err and "xl/sharedStrings.xml" in err
    assert "[limits] max_part_mb" in err or "[limits] max_ratio" in err  # from the directory, before inflating
    assert peak_mb() - before < 200


def test_a_text_longer_than_a_cell_can_hold_is_refused(tmp_path: Path) -> None:
    long = "长" * 40_000  # not a bomb: it compresses like any text, but Excel cannot hold it
    path = raw_workbook(tmp_path / "long.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings=[long])
    with pytest.raises(UnusableWorkbookError, match="40,000 characters, more than the 32,767"):
        open_book(path)


def test_limits_are_configurable(tmp_path: Path) -> None:
    path = sheet_bomb(tmp_path / "big.xlsx", 40)  # 40 × 4096 rows, ~4 MB of XML compressed to almost nothing
    with pytest.raises(UnusableWorkbookError, match="max_ratio"):
        WorkbookFile.read(path, Limits(max_ratio=50, ratio_from_mb=1))
    with pytest.raises(UnusableWorkbookError, match="max_part_mb"):
        WorkbookFile.read(path, Limits(max_part_mb=1))
    WorkbookFile.read(path)  # within the defaults


def test_xls_renamed_xlsx_is_named_as_such(tmp_path: Path, capsys, english) -> None:
    # an OLE container holding a "Workbook" stream is a legacy .xls; an encrypted .xlsx holds "EncryptedPackage"
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "Workbook".encode("utf-16-le") + b"\0" * 500
    path = tmp_path / "orders.xlsx"
    path.write_bytes(fake)
    assert main(["validate", str(path)]) == 3
    assert "orders.xlsx: a legacy .xls workbook renamed .xlsx; open it in Excel and save it as .xlsx" in \
        capsys.readouterr().err
    (tmp_path / "old.xls").write_bytes(fake)
    with pytest.raises(UnusableWorkbookError, match=r"old.xls: a legacy .xls workbook; open it"):
        WorkbookFile.read(tmp_path / "old.xls")


def test_an_unreadable_workbook_is_exit_3_with_one_line(tmp_path: Path, english) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    path = raw_workbook(folder / "orders.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    path.chmod(0)
    argv = [sys.executable, "-m", "gendan_xl", "validate", str(path)]
    if os.geteuid() == 0:  # root reads anything: drop the capability that lets it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        argv = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] + argv
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3
    assert proc.stderr.strip() == ("gendan-xl: orders.xlsx: permission denied; ask for read access to the file or "
                                   "copy it somewhere you can read it")


@pytest.mark.parametrize(("lang", "words"), [("zh", "疑为压缩炸弹"), ("en", "refused as a possible zip bomb")])
def test_the_refusal_is_in_the_language_of_the_run(tmp_path: Path, capsys, lang: str, words: str) -> None:
    path = sheet_bomb(tmp_path / "炸弹.xlsx", 12_300)
    assert main(["--lang", lang, "validate", str(path)]) == 3
    err = capsys.readouterr().err.strip()
    assert words in err and err.startswith("gendan-xl: 炸弹.xlsx") and len(err.splitlines()) == 1
