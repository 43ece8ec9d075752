"""The proof a rewritten package is sound before it replaces the workbook (xlsx/soundness.py): each distinct
cell we write parsed and read back once, the rewritten member re-inflated to its CRC, every other member the
original's, the directory read back. Each check is made to fail on a package damaged on purpose."""
from __future__ import annotations

import datetime as dt
import re
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


_TEXTS = ["逾期", "下一步：完工 2027-01-14，富余 33 个工作日", "a b", "x" * 32767, "中\u3000文", "tab\tinside", "50%"]


_TRICKY = ["", " ", "a ", " a", "a\tb", "\ta", "a\nb", "a\rb", "a&b", "a<b", "a>b", "a_b", "_x0041_", "\x01",
           "\ufffe", "\ud800", "中\u3000文", "\u3000中", "中\u3000", "x" * 32768, "50% <", "a<<b", "a< b", "ok"]


@pytest.mark.parametrize("texts", [[t] for t in _TRICKY] + [["ok", t, "中文"] for t in _TRICKY]
                         + [_TRICKY, _TEXTS, _TEXTS + [""], [" "] + _TEXTS])
def test_plain_texts_are_those_written_as_they_stand(texts: list[str]) -> None:
    """All at once or one by one, a text is plain only when `inline_string` writes it as it stands."""
    from gendan_xl.xlsx.cells import inline_string, plain_texts
    plain = plain_texts(texts)
    assert plain == [plain_texts([t])[0] for t in texts]
    for t, p in zip(texts, plain):
        assert not p or (t != "" and "\n" not in t and inline_string(t) == f"<is><t>{t}</t></is>"), t
    assert plain_texts(["ok", "a b", "中文"]) == [True] * 3


@pytest.mark.parametrize("pfx", [b"", b"x:"])
def test_text_cells_checked_together_read_back(pfx: bytes) -> None:
    p = pfx.decode()
    cells = [f'<{p}c r="A1" s="3" t="inlineStr"><{p}is><{p}t>{t}</{p}t></{p}is></{p}c>'.encode() for t in _TEXTS]
    checks = Templates(pfx, False, "book.xlsx")
    checks.check_texts(b"\n".join(cells), _TEXTS)
    assert (checks.checked, checks._batch) == (len(_TEXTS), [])  # proven at once, no cell left to check alone


@pytest.mark.parametrize("xml, text, why", [
    (b"a &amp; b", "a &amp; b", "would read back as 'a & b'"),  # a text not escaped: an entity in it
    (b"a &lt; b", "a < b", ""),  # escaped as it should be, but then not plain: proven cell by cell
    (b"a < b", "a < b", "not well-formed"),
    (b"a <b/>b", "a b", "would read back as 'a <b/>b'"),  # markup where its text was: found cell by cell
    (b"ab", "a b", "would read back as 'ab'"),
    (b" ab", " ab", "would read back as 'ab'"),  # trimmed: no xml:space="preserve"
    (b"_x0041_", "_x0041_", "would read back as 'A'"),
    (b"a\rb", "a\rb", "would read back as 'a\\nb'"),
])
def test_text_cells_checked_together_are_held_to_the_decoder(xml: bytes, text: str, why: str) -> None:
    """A text that is not as it stands in its cell fails the joint check; the cells are then each checked
    alone, by the decoder, which refuses any that reads back otherwise (and lets pass one that is fine)."""
    cells = [b'<c r="A1" t="inlineStr"><is><t>' + x + b"</t></is></c>" for x in (b"fine", xml, b"also fine")]
    checks = Templates(b"", False, "book.xlsx")
    if not why:
        checks.check_texts(b"\n".join(cells), ["fine", text, "also fine"])
        assert checks.checked == 3
        return
    with pytest.raises(PatchVerifyError, match=re.escape(why)):
        checks.check_texts(b"\n".join(cells), ["fine", text, "also fine"])


def test_a_cell_missing_from_a_joint_check_is_refused() -> None:
    cells = b'<c r="A1" t="inlineStr"><is><t>one</t></is></c>'
    with pytest.raises(PatchVerifyError, match="not well-formed"):
        Templates(b"", False, "book.xlsx").check_texts(cells, ["one", "two"])


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
