"""One version of a workbook file: its bytes read once, checked before anything parses them, and a way to
tell whether the file on disk is still that version.

Everything that reads or rewrites a workbook starts here (`WorkbookFile.read`), so every reader gets the same
one-line refusals for what it cannot use — no such file, a folder, unreadable, a legacy .xls (renamed or
not), a password-protected workbook, not a zip, a damaged zip — and the same limits against input that
would eat the machine (`Limits`): no part may inflate beyond `max_part_mb`, nor more than `max_ratio` times
its compressed size once it is past a few megabytes, and no text beyond Excel's 32,767 characters. The
declared sizes in the zip's directory are checked at once, and inflating stops at them, so a part that lies
about its size is caught with bounded memory too.

A refresh is a transaction on the version it read: `unchanged()` tells, before the new file replaces the
old, whether the file on disk is still byte for byte what was read (a colleague's save in between would
otherwise get statuses computed for other rows).
"""
from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from gendan_xl.errors import UnusableWorkbookError
from gendan_xl.cellrefs import MAX_CELL_CHARS
from gendan_xl.xlsx.decode import unescape
from gendan_xl.xlsx.package import fast_zlib

MB = 1 << 20
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: legacy .xls, or an encrypted .xlsx
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted OOXML package keeps itself in
_SIGNATURES = "_xmlsignatures/"


@dataclass(frozen=True)
class Limits:
    """How big a workbook part may get (gendan.toml [limits]). The defaults hold a full Excel sheet of
    orders: 1,048,576 rows of 21 columns inflate to about 700 MB of XML (benchmarks/README.md), so 2 GiB
    leaves room for twice as many columns; real sheets compress 8–15 times, a sheet of empty styled rows
    maybe 50 times, so 200 is far beyond any sheet Excel writes and far below a zip bomb's thousands."""

    max_part_mb: int = 2048
    max_ratio: int = 200
    ratio_from_mb: int = 16  # small parts may compress better than that: only bigger ones are held to it

    @property
    def max_part(self) -> int:
        return self.max_part_mb * MB


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Identity:
    """What tells one version of a file from another without reading it: inode, size, modification time."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> "Identity":
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class WorkbookFile:
    """A workbook's bytes, read once from `path` (links resolved), and its zip directory."""

    def __init__(self, path: Path, data: bytes, identity: Identity, limits: Limits, mode: int = 0o644):
        self.path, self.data, self.identity, self.limits = path, data, identity, limits
        self.mode = mode  # the file's permission bits when read
        self.name = path.name
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, struct.error) as exc:
            raise UnusableWorkbookError.said("corrupt-zip", name=self.name, why=exc) from exc
        self.members = {zi.filename: zi for zi in self.zip.infolist()}
        for zi in self.members.values():
            self._check_declared(zi)

    @classmethod
    def read(cls, path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> "WorkbookFile":
        """Read the workbook at `path` (a link is followed to its target, once) or raise UnusableWorkbookError
        with one line saying why."""
        given = Path(path)
        try:
            real = given.resolve(strict=True)
        except FileNotFoundError:
            raise UnusableWorkbookError.said("no-such-file", name=given) from None
        except OSError as exc:
            raise UnusableWorkbookError.said("cannot-open", name=given, why=exc.strerror or exc) from exc
        if real.is_dir():
            raise UnusableWorkbookError.said("is-folder", name=given)
        try:
            with open(real, "rb") as fh:
                st = os.fstat(fh.fileno())
                if not stat.S_ISREG(st.st_mode):
                    raise UnusableWorkbookError.said("not-regular", name=given)
                if st.st_size > limits.max_part:
                    raise UnusableWorkbookError.said("too-big", name=given.name, mb=st.st_size // MB,
                                                     limit=limits.max_part_mb)
                data = fh.read()
        except PermissionError:
            raise UnusableWorkbookError.said("permission", name=given.name) from None
        except OSError as exc:
            if isinstance(exc, UnusableWorkbookError):
                raise
            raise UnusableWorkbookError.said("cannot-read", name=given.name, why=exc.strerror or exc) from exc
        identify(data, given.name)
        return cls(real, data, Identity.of(st), limits, stat.S_IMODE(st.st_mode))

    # -- the version on disk

    def unchanged(self) -> bool:
        """Whether the file at `path` is still the version read: same inode, size, time and bytes."""
        try:
            with open(self.path, "rb") as fh:
                if Identity.of(os.fstat(fh.fileno())) != self.identity:
                    return False
                view = memoryview(self.data)
                pos = 0
                while True:
                    chunk = fh.read(1 << 22)
                    if not chunk:
                        return pos == len(view)
                    if view[pos:pos + len(chunk)] != chunk:
                        return False
                    pos += len(chunk)
        except OSError:
            return False

    def open_zip(self) -> zipfile.ZipFile:
        """A new reader of the zip (its own position, closed by whoever opened it), over the same bytes."""
        return zipfile.ZipFile(io.BytesIO(self.data))

    @property
    def signed(self) -> bool:
        """Whether the package carries a digital signature (`_xmlsignatures/` parts), which any change breaks."""
        return any(name.startswith(_SIGNATURES) for name in self.members)

    # -- parts, inflated within the limits

    def _check_declared(self, zi: zipfile.ZipInfo) -> None:
        lim = self.limits
        if zi.file_size > lim.max_part:
            raise UnusableWorkbookError.said("part-too-big", name=self.name, part=zi.filename,
                                             mb=zi.file_size // MB, limit=lim.max_part_mb)
        if zi.file_size > lim.ratio_from_mb * MB and zi.file_size > lim.max_ratio * max(zi.compress_size, 1):
            raise UnusableWorkbookError.said("part-ratio", name=self.name, part=zi.filename,
                                             ratio=zi.file_size // max(zi.compress_size, 1), limit=lim.max_ratio)

    def inflate(self, name: str, chunk: int = 1 << 20) -> Iterator[bytes]:
        """The part `name` inflated, a piece at a time, never more than its declared size (and so never
        beyond the limits); its CRC checked at the end."""
        zi = self.members[name]
        data = self.data
        off = zi.header_offset
        if data[off:off + 4] != b"PK\x03\x04":
            raise UnusableWorkbookError.said("bad-local-header", name=self.name, part=name)
        nlen, elen = struct.unpack("<HH", data[off + 26:off + 30])
        start = off + 30 + nlen + elen
        raw = memoryview(data)[start:start + zi.compress_size]
        left = zi.file_size
        crc = 0
        if zi.compress_type == zipfile.ZIP_STORED:
            for i in range(0, len(raw), chunk * 4):
                piece = bytes(raw[i:i + chunk * 4])
                crc = fast_zlib.crc32(piece, crc)
                yield piece
            left -= len(raw)
        elif zi.compress_type == zipfile.ZIP_DEFLATED:
            d = fast_zlib.decompressobj(-15)
            pos = 0
            src: bytes | memoryview
            while not d.eof:
                if d.unconsumed_tail:
                    src = d.unconsumed_tail
                elif pos < len(raw):
                    src, pos = raw[pos:pos + chunk], pos + chunk
                else:
                    # All input given, and no end of stream yet: ISA-L may still hold inflated bytes back that
                    # the cap below kept it from handing out (stdlib zlib leaves that input in unconsumed_tail
                    # instead), so ask once more with no input; nothing more means the part is cut short.
                    src = b""
                # at most what is still declared, plus one byte to notice a part that lies about its size
                out = d.decompress(src, min(left, chunk * 4) + 1)
                if not out and not src:
                    break
                if len(out) > left:
                    raise self._lying(name)
                left -= len(out)
                crc = fast_zlib.crc32(out, crc)
                if out:
                    yield out
        else:
            raise UnusableWorkbookError.said("odd-compression", name=self.name, part=name, method=zi.compress_type)
        if left or (crc & 0xFFFFFFFF) != zi.CRC:
            raise UnusableWorkbookError.said("damaged-part", name=self.name, part=name)

    def check_sizes(self) -> None:
        """Inflate every part to nowhere, within its declared size: a reader that trusts the declared sizes
        (python-calamine) is then handed no part that lies about them."""
        for name in self.members:
            for _ in self.inflate(name, chunk=1 << 22):
                pass

    def _lying(self, name: str) -> UnusableWorkbookError:
        return UnusableWorkbookError.said("part-lies", name=self.name, part=name)

    def read_part(self, name: str) -> bytes:
        return b"".join(self.inflate(name))


def check_text(text: str, where: str) -> str:
    """`text` when Excel could hold it in a cell, else UnusableWorkbookError naming `where`."""
    if len(text) > MAX_CELL_CHARS:
        raise UnusableWorkbookError.said("text-too-long", where=where, n=len(text), limit=MAX_CELL_CHARS)
    return text


def check_texts(wf: WorkbookFile) -> None:
    """Refuse a shared-strings part with a text longer than a cell can hold, before another reader (python-
    calamine) builds it in memory. A run of more than 32,767 bytes between two tags is the only place such a
    text can be; only those runs are decoded and counted."""
    for name in wf.members:
        if not name.casefold().endswith("sharedstrings.xml"):
            continue
        tail = b""
        for chunk in wf.inflate(name, chunk=1 << 22):
            pieces = (tail + chunk).split(b"<")
            tail = pieces.pop()
            for piece in pieces:
                if piece.startswith((b"!DOCTYPE", b"!ENTITY")):
                    raise entities_refused(wf.name, name)
                if len(piece) > MAX_CELL_CHARS:
                    check_text(unescape(piece.decode("utf-8", "replace").partition(">")[2]), f"{wf.name}: {name}")
            if len(tail) > 16 * MAX_CELL_CHARS:  # a character is at most 10 bytes (&#1114111;): over the limit
                check_text(tail.decode("utf-8", "replace"), f"{wf.name}: {name}")


def entities_refused(name: str, part: str) -> UnusableWorkbookError:
    """Excel never writes a DTD; one in a part is how an XML bomb starts (billion laughs)."""
    return UnusableWorkbookError(f"{name}: refused: the XML uses entity definitions (an XML bomb?) in {part}")


def identify(data: bytes, name: str) -> None:
    """Refuse, with one line saying what it is, a file (`data`, its bytes) that is not an .xlsx/.xlsm package."""
    if data[:8] == _CFB_MAGIC:
        # Office keeps a password-protected .xlsx inside an OLE container, as a legacy .xls is one; only the
        # first has an EncryptedPackage stream
        if _ENCRYPTED in data:
            raise UnusableWorkbookError.said("password", name=name)
        suffix = Path(name).suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            raise UnusableWorkbookError.said("legacy-xls-renamed", name=name, suffix=suffix)
        raise UnusableWorkbookError.said("legacy-xls", name=name)
    if not data.startswith(b"PK"):
        raise UnusableWorkbookError.said("not-workbook", name=name)
