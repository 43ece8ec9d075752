"""Workbooks written byte by byte, for the quirks no library writes on purpose: cells without r="", odd
number formats, phonetic runs, zip bombs, signatures. `raw_workbook(path, rows_xml)` makes a minimal valid
package around the given <sheetData> content."""
from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                 '<Override PartName="/xl/styles.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                 '<Override PartName="/xl/sharedStrings.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                 '</Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'worksheet" Target="worksheets/sheet1.xml"/>'
           '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'styles" Target="styles.xml"/>'
           '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook_xml(sheet: str = "Sheet1", date1904: bool = False) -> str:
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {NS} '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{pr}<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def styles_xml(num_fmts: dict[int, str] | None = None, xf_fmts: list[int] | None = None) -> str:
    """A styles part whose cell format k shows number format xf_fmts[k] (custom ones in num_fmts)."""
    num_fmts = num_fmts or {}
    xf_fmts = xf_fmts or [0]
    fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{c}"/>' for i, c in num_fmts.items())
    apply = ' applyNumberFormat="1"'
    xfs = "".join(f'<xf numFmtId="{f}" fontId="0" fillId="0" borderId="0" xfId="0"{apply if f else ""}/>'
                  for f in xf_fmts)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {NS}>'
            + (f'<numFmts count="{len(num_fmts)}">{fmts}</numFmts>' if num_fmts else "")
            + '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
            '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xf_fmts)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/></styleSheet>')


def sheet_xml(rows: str, *, head: str = "", tail: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS} '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{head}'
            f"<sheetData>{rows}</sheetData>{tail}</worksheet>")


def raw_workbook(path: Path, rows: str, *, strings: list[str] | str = (), styles: str | None = None,
                 date1904: bool = False, sheet: str = "Sheet1", head: str = "", tail: str = "",
                 extra: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A one-sheet workbook whose <sheetData> holds `rows` (XML text). `strings` are the shared strings (a
    list of plain texts, or the <si> elements as XML text)."""
    if isinstance(strings, str):
        sst_body, count = strings, strings.count("<si")
    else:
        sst_body, count = "".join(f"<si><t>{s}</t></si>" for s in strings), len(strings)
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS} count="{count}" '
           f'uniqueCount="{count}">{sst_body}</sst>')
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook_xml(sheet, date1904),
        "xl/_rels/workbook.xml.rels": WB_RELS,
        "xl/worksheets/sheet1.xml": sheet_xml(rows, head=head, tail=tail),
        "xl/styles.xml": styles or styles_xml(),
        "xl/sharedStrings.xml": sst,
    }
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8") if isinstance(text, str) else text)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


# ---------------------------------------------------------------------------------------------------
# Zips assembled from pre-deflated members: bombs without spending minutes deflating gigabytes


def deflated_stream(head: bytes, segment: bytes, copies: int, tail: bytes) -> tuple[bytes, int, int]:
    """A deflate stream inflating to head + segment × copies + tail, made by deflating `segment` once:
    (compressed bytes, CRC, inflated size). Each piece ends with a full flush, so it stands alone and its
    copies can simply follow one another."""
    def alone(data: bytes, final: bool = False) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + (c.flush() if final else c.flush(zlib.Z_FULL_FLUSH))

    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(segment, crc)
    crc = zlib.crc32(tail, crc)
    data = alone(head) + alone(segment) * copies + alone(tail, final=True)
    return data, crc, len(head) + len(segment) * copies + len(tail)


def zip_with(path: Path, members: list[tuple[str, bytes, int, int]], *, declared: dict[str, int] | None = None) -> Path:
    """A zip of deflated members given as (name, compressed bytes, CRC, inflated size); `declared` may
    claim other inflated sizes than the true ones (a zip that lies)."""
    declared = declared or {}
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        size = declared.get(name, size)
        n = name.encode()
        z64 = size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if z64 else b""
        offset = len(out)
        out += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 45 if z64 else 20, 0, 8, 0, 0x21, crc,
                                           0xFFFFFFFF if z64 else len(data), 0xFFFFFFFF if z64 else size,
                                           len(n), len(extra)) + n + extra + data
        central += b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 45, 45 if z64 else 20, 0, 8, 0, 0x21, crc,
                                               0xFFFFFFFF if z64 else len(data), 0xFFFFFFFF if z64 else size,
                                               len(n), len(extra), 0, 0, 0, 0, offset) + n + extra
    start = len(out)
    out += central
    out += b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), start, 0)
    path.write_bytes(bytes(out))
    return path


def workbook_members(rows: str, *, strings: str = "") -> list[tuple[str, bytes, int, int]]:
    """The parts of `raw_workbook`, deflated, for `zip_with` (replace one to make a bomb)."""
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS}>{strings}</sst>')
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": workbook_xml(),
             "xl/_rels/workbook.xml.rels": WB_RELS, "xl/worksheets/sheet1.xml": sheet_xml(rows),
             "xl/styles.xml": styles_xml(), "xl/sharedStrings.xml": sst}
    out = []
    for name, text in parts.items():
        data = text.encode()
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        out.append((name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)))
    return out
