"""The proof that a rewritten package is sound before it replaces the user's workbook — without a second
full parse of the sheet (issue 13's decision: a re-read costs as much as the read itself).

What is checked, and where:

- while streaming (rows.SheetPatcher): row numbers strictly increasing, our cells after the row's own cells
  in column order, every text we write escaped by the one escaping function (cells.text_inner), or written
  as it stands where that function would write it so (cells.plain_texts);
- `Templates`: each *distinct* cell we write (one value in one column and style: tens of thousands, not
  millions) is parsed once by expat and read back by our decoder (decode.py), which must give the value;
  texts written as they stand, many at once (`check_texts`): one expat parse whose character data must be
  those texts, their cells' tags read back by the decoder on one of them;
- `check_package`: the rewritten member re-inflated from the temp file to the CRC and size recorded while
  writing; every other member's compressed bytes and CRC the original's; the parts we replaced well-formed;
  the zip's central directory read back, member for member.

Any failure raises PatchVerifyError and the workbook is left as it was.
"""
from __future__ import annotations

import io
import math
import struct
import zipfile
from pathlib import Path
from typing import Any, Mapping
from xml.parsers import expat

from gendan_xl.cellrefs import MAX_CELL_CHARS
from gendan_xl.errors import PatchVerifyError
from gendan_xl.xlsx.cells import BOOL, CLEAR, DATE, DATETIME, NUM, STR, Value, expected_text, serial
from gendan_xl.xlsx.decode import CellReader
from gendan_xl.xlsx.package import fast_zlib

_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_WS_ENDS = ("", " ", "\t", "\r", "\n")  # what the decoder trims from a text without xml:space="preserve"
_WS_INSIDE = (" \n", "\t\n", "\r\n", "\n ", "\n\t", "\n\r")  # such a character at a text's end or start


class Templates:
    """Checks each distinct cell XML we write once: well-formed, and reading back as its value. Cells are
    checked a batch at a time (one expat parse for many) and all before the package is written (`flush`);
    plain texts' cells a column's batch at once (`check_texts`)."""

    BATCH = 1024

    def __init__(self, pfx: bytes, date1904: bool, name: str):
        self.pfx, self.date1904, self.name = pfx, date1904, name
        self.reader = CellReader([], [], date1904)
        self.checked = 0
        self._batch: list[tuple[bytes, Value]] = []

    def _doc(self, cells: bytes) -> bytes:
        """`cells` in an element that declares the worksheet's namespace (and its prefix, if any)."""
        ns = _NS if not self.pfx else b"xmlns:" + self.pfx[:-1] + _NS[5:]
        return b"<" + self.pfx + b"x " + ns + b">" + cells + b"</" + self.pfx + b"x>"

    def check(self, xml: bytes, value: Value) -> None:
        """`xml`: one <c> element (any row number); PatchVerifyError (now or at `flush`) unless it is sound."""
        self._batch.append((xml, value))
        if len(self._batch) >= self.BATCH:
            self.flush()

    def check_texts(self, cells: bytes, texts: list[str]) -> None:
        """Many text cells of one format at once: `cells` their XML, `<c …><is><t>text</t></is></c>` each, one
        a line, in the order of `texts`, each made as `format % text` with the text as it stands
        (`cells.plain_texts`). Parsed by expat in one go, the character data of them all must be the texts,
        one a line; with no markup nor entity in any (six "<" a cell, no "&"), the cells' tags are the same
        for all, and read back as a text cell (the decoder reads one of them whole: `check`). That reads each
        back as its text when, as here checked, no text holds a line break (the lines are the cells) nor `_x`
        (read as an escape), none is too long, none starts or ends with white space (trimmed: there is no
        xml:space="preserve"). Anything else: each cell checked alone (`check`, `flush`)."""
        joined = "\n".join(texts)
        proven = False
        if (cells.count(b"<") == 6 * len(texts) and b"&" not in cells
                and joined.count("\n") == len(texts) - 1 and "_x" not in joined and joined[:1] not in _WS_ENDS
                and joined[-1:] not in _WS_ENDS and not any(w in joined for w in _WS_INSIDE)
                and max(map(len, texts)) <= MAX_CELL_CHARS):
            got: list[str] = []
            parser = expat.ParserCreate()
            parser.buffer_text, parser.buffer_size = True, 1 << 16
            parser.CharacterDataHandler = got.append
            try:
                parser.Parse(self._doc(cells), True)
                proven = "".join(got) == joined
            except expat.ExpatError:
                pass
        if proven:
            self.checked += len(texts)
        else:
            self._one_by_one(cells, texts)  # (counted as they are checked)

    def _one_by_one(self, cells: bytes, texts: list[str]) -> None:
        """What `check_texts` could not prove, cell by cell: PatchVerifyError for the first that is unsound."""
        parts = cells.split(b"\n")
        if len(parts) != len(texts):
            raise PatchVerifyError.said("verify-bad-xml", name=self.name, why=f"{len(parts)} ≠ {len(texts)}",
                                        bad=cells[:80])
        self._batch += [(xml, Value(STR, text, None)) for xml, text in zip(parts, texts)]
        self.flush()

    def flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        try:
            expat.ParserCreate().Parse(self._doc(b"".join(xml for xml, _ in batch)), True)
        except expat.ExpatError as exc:
            bad = next((xml for xml, _ in batch if not _parses(self._doc(xml))), b"")
            raise PatchVerifyError.said("verify-bad-xml", name=self.name, why=exc, bad=bad[:80]) from exc
        for xml, value in batch:
            start = xml.index(b">") + 1 if not xml.endswith(b"/>") else len(xml)
            attrs = xml[xml.index(b" "):start - 1] if start < len(xml) else xml[xml.index(b" "):-2]
            inner = xml[start:xml.rindex(b"</")] if start < len(xml) else None
            got = self.reader.value(attrs, inner)
            if not _reads_as(value, got, self.date1904):
                raise PatchVerifyError.said("verify-reads-back", name=self.name, value=value.value, got=got)
        self.checked += len(batch)


def _parses(doc: bytes) -> bool:
    try:
        expat.ParserCreate().Parse(doc, True)
        return True
    except expat.ExpatError:
        return False


def _reads_as(value: Value, got: Any, date1904: bool) -> bool:
    kind, want = value.kind, value.value
    if kind == CLEAR:
        return got is None
    if kind == STR:
        return got == expected_text(want)
    if kind == BOOL:
        return got is bool(want)
    if kind in (DATE, DATETIME):
        return isinstance(got, float) and math.isclose(got, serial(want, date1904), rel_tol=0, abs_tol=1e-9)
    if kind == NUM:
        return isinstance(got, float) and math.isclose(got, float(want), rel_tol=1e-15, abs_tol=0)
    return False


def check_package(tmp: Path, source: bytes, written: Mapping[str, tuple[int, int]],
                  replaced: Mapping[str, bytes], name: str) -> None:
    """The package at `tmp` against the one it was made from (`source`, its bytes): `written` maps each
    member we deflated anew to the (CRC, size) recorded while writing it, `replaced` the small parts we
    changed to their new bytes; every other member must be the original's, byte for byte."""
    try:
        _check(tmp, source, written, replaced, name)
    except PatchVerifyError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, struct.error, KeyError) as exc:
        raise PatchVerifyError.said("verify-unreadable", name=name, why=exc) from exc


def _check(tmp: Path, source: bytes, written: Mapping[str, tuple[int, int]], replaced: Mapping[str, bytes],
           name: str) -> None:
    def fail(what: str) -> PatchVerifyError:
        return PatchVerifyError(f"{name}: the written file is not sound ({what}); the workbook is unchanged")

    with zipfile.ZipFile(io.BytesIO(source)) as old, open(tmp, "rb") as fh, zipfile.ZipFile(fh) as new:
        before, after = old.infolist(), new.infolist()
        if [zi.filename for zi in before] != [zi.filename for zi in after]:
            raise fail("its members differ from the workbook's")
        for a, b in zip(before, after):
            if b.filename in written:
                crc, size = written[b.filename]
                if (b.CRC, b.file_size) != (crc & 0xFFFFFFFF, size):
                    raise fail(f"{b.filename} is not what was written")
                _reinflate(fh, b, fail)
            elif b.filename in replaced:
                data = new.read(b.filename)  # zipfile checks the CRC
                if data != replaced[b.filename]:
                    raise fail(f"{b.filename} is not what was written")
                _well_formed(data, b.filename, fail)
            else:
                if (a.CRC, a.compress_size, a.file_size) != (b.CRC, b.compress_size, b.file_size):
                    raise fail(f"{b.filename} changed")
                if _raw(fh, b) != _raw_bytes(source, a):
                    raise fail(f"{b.filename} changed")


def _reinflate(fh: Any, zi: zipfile.ZipInfo, fail: Any) -> None:
    """Inflate a member from the file as it lies on disk and hold it to its recorded CRC and size."""
    fh.seek(zi.header_offset)
    header = fh.read(30)
    nlen, elen = struct.unpack("<HH", header[26:30])
    fh.seek(zi.header_offset + 30 + nlen + elen)
    d = fast_zlib.decompressobj(-15)
    left, crc, size = zi.compress_size, 0, 0
    while left:  # 256 KB deflated at a time: inflated, a sheet's few MB, never tens of MB at once
        chunk = fh.read(min(left, 1 << 18))
        if not chunk:
            raise fail(f"{zi.filename} is truncated")
        left -= len(chunk)
        out = d.decompress(chunk)
        crc, size = fast_zlib.crc32(out, crc), size + len(out)
    out = d.flush()
    crc, size = fast_zlib.crc32(out, crc), size + len(out)
    if not d.eof or (crc & 0xFFFFFFFF, size) != (zi.CRC, zi.file_size):
        raise fail(f"{zi.filename} does not inflate to its CRC and size")


def _well_formed(data: bytes, part: str, fail: Any) -> None:
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise fail(f"{part} is not well-formed XML: {exc}") from exc


def _raw(fh: Any, zi: zipfile.ZipInfo) -> bytes:
    fh.seek(zi.header_offset)
    header = fh.read(30)
    nlen, elen = struct.unpack("<HH", header[26:30])
    fh.seek(zi.header_offset + 30 + nlen + elen)
    return fh.read(zi.compress_size)


def _raw_bytes(data: bytes, zi: zipfile.ZipInfo) -> bytes:
    off = zi.header_offset
    nlen, elen = struct.unpack("<HH", data[off + 26:off + 30])
    start = off + 30 + nlen + elen
    return data[start:start + zi.compress_size]
