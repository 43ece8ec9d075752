"""The proof a rewritten package is sound before it replaces the workbook (xlsx/soundness.py): each distinct
cell we write parsed and read back once, the rewritten member re-inflated to its CRC, every other member the
original's, the directory read back. Each check is made to fail on a package damaged on purpose."""
from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import WORKBOOKS
from gendan_xl.errors import PatchVerifyError
from gendan_xl.xlsx.cells import BOOL, DATE, NUM, STR, Value, make_value
from gendan_xl.xlsx.patch import patch_sheet
from gendan_xl.xlsx.soundness import Templates, check_package

NOW = dt.datetime(2026, 11, 26, 9, 0)


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    path = tmp_path / "orders.xlsx"
    shutil.copy(WORKBOOKS / "orders.xlsx", path)
    return path


@pytest.mark.parametrize("value", ["逾期", " a & <b> ", "_x0041_ and \r\n", "x" * 40_000, 12, 1.5, True,
                                   dt.date(2026, 11, 26)])
def test_each_kind_of_cell_we_write_reads_back(value) -> None:
    v = make_value(value, b"", False)
    from gendan_xl.xlsx.cells import text_inner
    inner = text_inner(value, b"") if v.kind == STR else v.inner
    t = {STR: b' t="inlineStr"', BOOL: b' t="b"'}.get(v.kind, b"")
    checks = Templates(b"", False, "book.xlsx")
    checks.check(b'<c r="A1"%s>%s</c>' % (t, inner), v)
    checks.flush()
    assert checks.checked == 1


def test_a_cell_that_would_read_back_otherwise_is_refused() -> None:
    def check(xml: bytes, value: Value) -> None:
        checks = Templates(b"", False, "book.xlsx")
        checks.check(b'<c r="A1" t="inlineStr"><is><t>fine</t></is></c>', Value(STR, "fine", None))
        checks.check(xml, value)
        checks.flush()

    with pytest.raises(PatchVerifyError, match="not well-formed"):
        check(b'<c r="A1" t="inlineStr"><is><t>a < b</t></is></c>', Value(STR, "a < b", None))
    with pytest.raises(PatchVerifyError, match="would read back as 'ab'"):
        check(b'<c r="A1" t="inlineStr"><is><t>ab</t></is></c>', Value(STR, "a b", None))
    with pytest.raises(PatchVerifyError, match="read back as True"):
        check(b'<c r="A1" t="b"><v>1</v></c>', Value(NUM, 1, b"<v>1</v>"))
    with pytest.raises(PatchVerifyError):
        check(b'<c r="A1"><v>46351</v></c>', Value(DATE, dt.date(2026, 11, 26), b""))


def _rewrite(path: Path, out: Path):
    """Patch a copy (the sidecar way: `path` is only read) and return what the check is given."""
    patch_sheet(path, "订单", {(1, 25): "状态", (2, 25): "逾期"}, out_path=out, now=NOW)
    with zipfile.ZipFile(out) as zf:
        part = "xl/worksheets/sheet1.xml"
        zi = zf.getinfo(part)
        return {part: (zi.CRC, zi.file_size)}


def test_the_checked_package_passes(orders: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    written = _rewrite(orders, out)
    check_package(out, orders.read_bytes(), written, {}, out.name)


def _flip(path: Path, member: str) -> None:
    """Flip a byte inside a member's compressed data, leaving the zip's directory as it is."""
    with zipfile.ZipFile(path) as zf:
        zi = zf.getinfo(member)
    data = bytearray(path.read_bytes())
    nlen, elen = int.from_bytes(data[zi.header_offset + 26:zi.header_offset + 28], "little"), \
        int.from_bytes(data[zi.header_offset + 28:zi.header_offset + 30], "little")
    at = zi.header_offset + 30 + nlen + elen + zi.compress_size // 2
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("member, why", [("xl/worksheets/sheet1.xml", "CRC and size|not sound|read back"),
                                         ("xl/theme/theme1.xml", "changed")])
def test_a_damaged_member_is_caught(orders: Path, tmp_path: Path, member: str, why: str) -> None:
    out = tmp_path / "out.xlsx"
    written = _rewrite(orders, out)
    _flip(out, member)
    with pytest.raises(PatchVerifyError, match=why):
        check_package(out, orders.read_bytes(), written, {}, out.name)


def test_a_missing_member_is_caught(orders: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    written = _rewrite(orders, out)
    short = tmp_path / "short.xlsx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(short, "w") as dst:
        for zi in src.infolist():
            if zi.filename != "docProps/app.xml":
                dst.writestr(zi, src.read(zi))
    with pytest.raises(PatchVerifyError, match="members differ"):
        check_package(short, orders.read_bytes(), written, {}, short.name)
