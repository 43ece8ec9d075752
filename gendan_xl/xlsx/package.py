"""The .xlsx package as a zip: find the parts (workbook.xml, relationships, worksheets), copy members
raw, write a changed member anew.

Shared by the reader (which formula cells lack a cached value) and the patcher (which rewrites one
worksheet and copies every other member's compressed bytes unchanged: same names, same order, same CRCs).
"""
from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable
from xml.etree import ElementTree as ET

from gendan_xl.errors import GendanError, MissingSheetError, UnusableWorkbookError

# `fast_zlib`: zlib's API for the big worksheet part, and SHEET_LEVEL its deflate level there.
try:  # ISA-L deflate is ~5x faster than zlib at the same ratio (MEASURED.md); zlib is the fallback.
    from isal import isal_zlib

    fast_zlib: ModuleType = isal_zlib
    SHEET_LEVEL = 2
except ImportError:  # pragma: no cover - isal is a dependency, but the module must not die without it
    fast_zlib = zlib
    SHEET_LEVEL = 1


# ---------------------------------------------------------------------------------------------------
# The package: workbook.xml, relationships, sheets


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def relationships(zf: zipfile.ZipFile, names: dict[str, str], part: str) -> list[tuple[str, str, str]]:
    """(Id, type suffix, resolved target part) of `part`'s relationships; external targets dropped."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    actual = names.get(rels_name.casefold())
    if actual is None:
        return []
    root = ET.fromstring(zf.read(actual))
    out = []
    for rel in root:
        if local_name(rel.tag) != "Relationship" or rel.get("TargetMode", "").lower() == "external":
            continue
        target = rel.get("Target", "").replace("\\", "/")
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out.append((rel.get("Id", ""), rel.get("Type", "").rsplit("/", 1)[-1], resolved))
    return out


@dataclass
class Package:
    zf: zipfile.ZipFile
    names: dict[str, str]  # casefolded part name → name in the zip
    workbook: str
    sheets: list[tuple[str, str, str]]  # (name, kind, part); kind = worksheet|chartsheet|...
    date1904: bool

    def part(self, name: str) -> str | None:
        return self.names.get(name.casefold())


def open_package(source: Any) -> Package:
    """The package of a workbook file: a path, or a `source.WorkbookFile` (the bytes read once)."""
    path = Path(source.path if hasattr(source, "open_zip") else source)
    try:
        zf = source.open_zip() if hasattr(source, "open_zip") else zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnusableWorkbookError.said("not-a-package", name=path.name) from exc
    try:
        names = {zi.filename.casefold(): zi.filename for zi in zf.infolist()}
        workbook = None
        for _, kind, target in relationships(zf, names, ""):
            if kind == "officeDocument" and target.casefold() in names:
                workbook = names[target.casefold()]
        workbook = workbook or names.get("xl/workbook.xml")
        if workbook is None:
            raise UnusableWorkbookError.said("no-workbook-in-package", name=path.name)
        data = zf.read(workbook)
        root = ET.fromstring(data)
        rels = {rid: (kind, target) for rid, kind, target in relationships(zf, names, workbook)}
        sheets = []
        for el in (s for c in root if local_name(c.tag) == "sheets" for s in c):
            if local_name(el.tag) == "sheet":
                rid = next((v for k, v in el.attrib.items() if local_name(k) == "id" and k.startswith("{")), "")
                kind, target = rels.get(rid, ("", ""))
                sheets.append((el.get("name", ""), kind, names.get(target.casefold(), target)))
        return Package(zf, names, workbook, sheets, workbook_date1904(data))
    except GendanError:
        zf.close()
        raise
    except (ET.ParseError, KeyError, zipfile.BadZipFile, zlib.error, ValueError) as exc:
        zf.close()
        raise UnusableWorkbookError.said("damaged-package", name=path.name, why=exc) from exc


_WORKBOOK_ROOT = re.compile(rb"<(\w+:)?workbook\b")
_DATE1904 = re.compile(rb"""\sdate1904\s*=\s*["'](?:1|true)["']""", re.I)


def workbook_date1904(workbook_xml: bytes) -> bool:
    """Whether a workbook counts its dates from 1904 (old Mac Excel) instead of 1900, from the bytes of its
    workbook.xml: the date1904 attribute of the workbook's own <workbookPr>.

    Its own: the one with the root element's prefix, so an x15:workbookPr inside extLst is never read.
    Matched on the bytes, not parsed: `read.open_book` asks before python-calamine has vetted the file
    (a hostile DTD), and the element sits near the top."""
    root = _WORKBOOK_ROOT.search(workbook_xml)
    pfx = (root.group(1) or b"") if root else b""
    m = re.search(rb"<" + re.escape(pfx) + rb"workbookPr\b([^>]*)>", workbook_xml)
    return m is not None and _DATE1904.search(m.group(1)) is not None


def list_worksheets(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """(sheet name, part name) of every worksheet, in tab order; chart and macro sheets left out."""
    pkg = open_package(Path(path))
    with pkg.zf:
        return [(name, part) for name, kind, part in pkg.sheets if kind == "worksheet" and pkg.part(part)]


def find_sheet(pkg: Package, path: Path, sheet_name: str) -> tuple[int, str]:
    matches = [i for i, s in enumerate(pkg.sheets) if s[0] == sheet_name]
    if not matches:
        matches = [i for i, s in enumerate(pkg.sheets) if s[0].casefold() == sheet_name.casefold()]
    if not matches:
        found = ", ".join(s[0] for s in pkg.sheets)
        raise MissingSheetError.said("no-sheet", name=path.name, sheet=sheet_name, found=found)
    i = matches[0]
    name, kind, part = pkg.sheets[i]
    if kind != "worksheet":
        raise MissingSheetError.said("not-a-worksheet", name=path.name, sheet=name, kind=kind or "broken")
    actual = pkg.part(part)
    if actual is None:
        raise UnusableWorkbookError.said("missing-sheet-part", name=path.name, sheet=name, part=part)
    return i, actual


def sheet_part(path: str | os.PathLike[str], sheet_name: str) -> str:
    """The zip member holding worksheet `sheet_name`, e.g. "xl/worksheets/sheet1.xml".

    Follows _rels/.rels → workbook → its rels, so renamed parts, absolute or relative targets and
    Strict OOXML namespaces all work. Raises MissingSheetError when there is no such worksheet.
    """
    p = Path(path)
    pkg = open_package(p)
    with pkg.zf:
        return find_sheet(pkg, p, sheet_name)[1]


# ---------------------------------------------------------------------------------------------------
# Zip writing: raw copies of untouched members, fresh deflate for the few we change

_LOCAL_SIG = b"PK\x03\x04"


def _dos_time(dt: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d


def _strip_zip64(extra: bytes) -> bytes:
    out, i = b"", 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i:i + 4])
        if tag != 1:
            out += extra[i:i + 4 + size]
        i += 4 + size
    return out


def _name_bytes(zi: zipfile.ZipInfo) -> bytes:
    return zi.orig_filename.encode("utf-8" if zi.flag_bits & 0x800 else "cp437")


class ZipWriter:
    def __init__(self, fp: Any):
        self.fp = fp
        self.central: list[tuple[zipfile.ZipInfo, int]] = []

    def copy_raw(self, src: Any, zi: zipfile.ZipInfo) -> None:
        """Copy a member's local header and compressed bytes unchanged (a data descriptor's values
        move into the header, since we know them from the central directory)."""
        offset = self.fp.tell()
        src.seek(zi.header_offset)
        header = src.read(30)
        if header[:4] != _LOCAL_SIG:
            raise zipfile.BadZipFile(f"bad local header for {zi.filename}")
        nlen, elen = struct.unpack("<HH", header[26:30])
        name_extra = src.read(nlen + elen)
        flags = zi.flag_bits
        if flags & 0x08:
            flags &= ~0x08
            extra = name_extra[nlen:]
            zip64 = zi.compress_size >= 0xFFFFFFFF or zi.file_size >= 0xFFFFFFFF
            if zip64:
                extra = _strip_zip64(extra) + struct.pack("<HHQQ", 1, 16, zi.file_size, zi.compress_size)
            header = header[:6] + struct.pack("<H", flags) + header[8:14] + struct.pack(
                "<III", zi.CRC, 0xFFFFFFFF if zip64 else zi.compress_size, 0xFFFFFFFF if zip64 else zi.file_size
            ) + struct.pack("<HH", nlen, len(extra))
            name_extra = name_extra[:nlen] + extra
        self.fp.write(header + name_extra)
        left = zi.compress_size
        while left:
            chunk = src.read(min(left, 1 << 20))
            if not chunk:
                raise zipfile.BadZipFile(f"{zi.filename} is truncated")
            self.fp.write(chunk)
            left -= len(chunk)
        new = copy_info(zi)
        new.flag_bits = flags
        self.central.append((new, offset))

    def write_new(self, zi: zipfile.ZipInfo, crc: int, usize: int, csize: int, chunks: Iterable[bytes]) -> None:
        """Write a member we rebuilt: same name, time and attributes, deflated data from `chunks`."""
        offset = self.fp.tell()
        flags = zi.flag_bits & 0x800
        zip64 = usize >= 0xFFFFFFFF or csize >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, usize, csize) if zip64 else b""
        name = _name_bytes(zi)
        t, d = _dos_time(zi.date_time)
        self.fp.write(_LOCAL_SIG + struct.pack(
            "<HHHHHIIIHH", 45 if zip64 else 20, flags, zipfile.ZIP_DEFLATED, t, d, crc,
            0xFFFFFFFF if zip64 else csize, 0xFFFFFFFF if zip64 else usize, len(name), len(extra)) + name + extra)
        for chunk in chunks:
            self.fp.write(chunk)
        new = copy_info(zi)
        new.flag_bits, new.compress_type, new.CRC = flags, zipfile.ZIP_DEFLATED, crc
        new.file_size, new.compress_size = usize, csize
        new.extract_version = max(zi.extract_version, 20)
        self.central.append((new, offset))

    def close(self, comment: bytes) -> None:
        start = self.fp.tell()
        for zi, offset in self.central:
            extra = _strip_zip64(zi.extra)
            z64 = []
            usize, csize, off = zi.file_size, zi.compress_size, offset
            if usize >= 0xFFFFFFFF:
                z64.append(usize)
                usize = 0xFFFFFFFF
            if csize >= 0xFFFFFFFF:
                z64.append(csize)
                csize = 0xFFFFFFFF
            if off >= 0xFFFFFFFF:
                z64.append(off)
                off = 0xFFFFFFFF
            version = zi.extract_version
            if z64:
                extra = struct.pack("<HH", 1, 8 * len(z64)) + struct.pack("<%dQ" % len(z64), *z64) + extra
                version = max(version, 45)
            name = _name_bytes(zi)
            t, d = _dos_time(zi.date_time)
            self.fp.write(b"PK\x01\x02" + struct.pack(
                "<BBBBHHHHIIIHHHHHII", zi.create_version, zi.create_system, version, zi.reserved, zi.flag_bits,
                zi.compress_type, t, d, zi.CRC, csize, usize, len(name), len(extra), len(zi.comment), 0,
                zi.internal_attr, zi.external_attr, off) + name + extra + zi.comment)
        end = self.fp.tell()
        count, size = len(self.central), end - start
        if count >= 0xFFFF or start >= 0xFFFFFFFF or size >= 0xFFFFFFFF:
            self.fp.write(b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, count, count, size, start))
            self.fp.write(b"PK\x06\x07" + struct.pack("<IQI", 0, end, 1))
        self.fp.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                                  min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF), len(comment))
                      + comment)


def copy_info(zi: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(zi.orig_filename, zi.date_time)
    for attr in ("orig_filename", "create_version", "create_system", "extract_version", "reserved", "flag_bits",
                 "compress_type", "CRC", "compress_size", "file_size", "extra", "comment", "internal_attr",
                 "external_attr"):
        setattr(new, attr, getattr(zi, attr))
    return new


def deflate(data: bytes) -> tuple[int, int, int, bytes]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush()
    return zlib.crc32(data), len(data), len(out), out


def inflate_member(src: Any, zi: zipfile.ZipInfo) -> Iterable[bytes]:
    """The decompressed bytes of a member, in chunks, straight from its raw data."""
    src.seek(zi.header_offset)
    header = src.read(30)
    if header[:4] != _LOCAL_SIG:
        raise zipfile.BadZipFile(f"bad local header for {zi.filename}")
    nlen, elen = struct.unpack("<HH", header[26:30])
    src.seek(zi.header_offset + 30 + nlen + elen)
    left = zi.compress_size
    if zi.compress_type == zipfile.ZIP_STORED:
        while left:
            chunk = src.read(min(left, 1 << 22))
            left -= len(chunk)
            yield chunk
        return
    if zi.compress_type != zipfile.ZIP_DEFLATED:
        raise zipfile.BadZipFile(f"{zi.filename} uses compression method {zi.compress_type}")
    d = fast_zlib.decompressobj(-15)
    crc = 0
    while left:
        chunk = src.read(min(left, 1 << 20))
        if not chunk:
            raise zipfile.BadZipFile(f"{zi.filename} is truncated")
        left -= len(chunk)
        out = d.decompress(chunk)
        crc = zlib.crc32(out, crc)
        yield out
    out = d.flush()
    crc = zlib.crc32(out, crc)
    if out:
        yield out
    if crc != zi.CRC:
        raise zipfile.BadZipFile(f"{zi.filename} fails its CRC check")
