"""Just enough of styles.xml for `patch_sheet`: which cell formats show dates, one `yyyy-mm-dd` format
and cell format for the dates we write (appended once, reused on later runs), cell formats derived from
the sheet's own (`derived_xf`: a header's with wrapping, a row's font and borders; each appended once,
found again on later runs), and one `<dxf>` per conditional-format colour pair (reused when an identical
one exists)."""
from __future__ import annotations

import re
from typing import Any, Mapping

from gendan_xl.xlsx.cells import esc_attr, set_attr, tag_attrs, unesc

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# Built-in number formats that show dates (ECMA-376 18.8.30 plus the CJK ones Excel maps to dates).
_BUILTIN_DATE_FMTS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59)) \
    | set(range(71, 82))


def _is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)  # quoted text, escaped chars, padding
    code = re.sub(r"\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]", "", code, flags=re.I)  # colours, locales
    code = code.split(";")[0].lower().replace("general", "")
    return bool(re.search(r"[dy]|e(?![+-])", code)) or ("m" in code and "h" not in code and "s" not in code
                                                         and not re.search(r"[0#?]", code))


class Styles:
    """Just enough of styles.xml to find or append a date format and a dxf."""

    def __init__(self, data: bytes | None):
        self.data = data
        self.changed = False
        self.xf_numfmt: list[int] = []
        self.fmt_codes: dict[int, str] = {}
        self.date_memo: dict[int, bool] = {}
        # <cellXfs> parsed, and each format's key → its first index: made on first use and kept up to date by
        # _add_xf, so a styles.xml of tens of thousands of formats (style bloat) is parsed once, not per look
        self._xfs: list[bytes] | None = None
        self._xf_index: dict[Any, int] | None = None
        if data is None:
            return
        m = re.search(rb"<(\w+:)?styleSheet\b", data)
        self.pfx = (m.group(1) or b"") if m else b""
        self._scan()

    def _block(self, name: bytes) -> re.Match[bytes] | None:
        # the styleSheet's own prefix only: an <x14:dxfs> inside extLst is not the <dxfs> we want
        p = re.escape(self.pfx)
        return re.search(rb"<" + p + name + rb"\b([^>]*?)(?:/>|>(.*?)</" + p + name + rb">)", self.data or b"", re.S)

    def _scan(self) -> None:
        m = self._block(b"numFmts")
        if m and m.group(2):
            for t in re.finditer(rb"<(?:\w+:)?numFmt\b([^>]*)>", m.group(2)):
                a = tag_attrs(t.group(1))
                if b"numFmtId" in a:
                    code = a.get(b"formatCode", b"").decode("utf-8", "replace")
                    self.fmt_codes[int(a[b"numFmtId"])] = unesc(code)
        m = self._block(b"cellXfs")
        self.date_memo = {}
        self.xf_numfmt = []
        self._xfs = self._xf_index = None
        if m and m.group(2):
            for t in re.finditer(rb"<(?:\w+:)?xf\b([^>]*)>", m.group(2)):
                self.xf_numfmt.append(int(tag_attrs(t.group(1)).get(b"numFmtId", b"0") or 0))

    def is_date_xf(self, index: int) -> bool:
        try:
            return self.date_memo[index]
        except KeyError:
            pass
        fmt = self.xf_numfmt[index] if 0 <= index < len(self.xf_numfmt) else 0
        self.date_memo[index] = answer = fmt in _BUILTIN_DATE_FMTS or (
            fmt in self.fmt_codes and _is_date_code(self.fmt_codes[fmt]))
        return answer

    def date_xf(self, code: str) -> int | None:
        """Index of a plain cell format showing `code`; appended (once) when none exists."""
        if self.data is None:
            return None
        fmt_id = next((i for i, c in self.fmt_codes.items() if c == code), None)
        if fmt_id is not None:
            for i, f in enumerate(self.xf_numfmt):
                if f == fmt_id:
                    return i
        fmt_id = self.numfmt_id(code)
        xf = b'<%sxf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' % (
            self.pfx, fmt_id)
        return self._add_xf(xf)

    def numfmt_id(self, code: str) -> int:
        """The id of number format `code`: a custom one of the workbook, else appended (once)."""
        fmt_id = next((i for i, c in self.fmt_codes.items() if c == code), None)
        if fmt_id is None:
            fmt_id = max([163, *self.fmt_codes]) + 1
            entry = b'<%snumFmt numFmtId="%d" formatCode="%s"/>' % (self.pfx, fmt_id, esc_attr(code).encode())
            self._append(b"numFmts", b"numFmt", entry, before=(b"fonts", b"fills", b"borders", b"cellStyleXfs",
                                                                b"cellXfs"))
            self.fmt_codes[fmt_id] = code
        return fmt_id

    def _add_xf(self, xf: bytes) -> int:
        index = len(self.xf_numfmt)  # the formats of <cellXfs>, as _scan counted them
        self._append(b"cellXfs", b"xf", xf, before=(b"cellStyles", b"dxfs", b"tableStyles", b"colors", b"extLst"),
                     known=index)
        self.xf_numfmt.append(int(tag_attrs(start_tag(xf)).get(b"numFmtId", b"0") or 0))
        if self._xfs is not None:
            self._xfs.append(xf)
        if self._xf_index is not None:
            self._xf_index.setdefault(_xf_key(xf), index)
        return index

    def has_border(self, index: int) -> bool:
        """Whether cell format `index` has a border (a borderId other than the first, no border)."""
        xfs = self.xfs()
        return 0 <= index < len(xfs) and tag_attrs(start_tag(xfs[index])).get(b"borderId", b"0") not in (b"0", b"")

    def xfs(self) -> list[bytes]:
        """Every cell format of <cellXfs>, whole elements, in order (an index is a cell's s="")."""
        if self._xfs is None:
            m = self._block(b"cellXfs")
            self._xfs = elements(m.group(2) or b"", b"xf") if m else []
        return self._xfs

    def _equal_xf(self, xf: bytes) -> int | None:
        """The first existing cell format equal to `xf` (attributes in any order)."""
        if self._xf_index is None:
            self._xf_index = {}
            for i, x in enumerate(self.xfs()):
                self._xf_index.setdefault(_xf_key(x), i)
        return self._xf_index.get(_xf_key(xf))

    def derived_xf(self, base: int | None, *, number_format: str | None = None,
                   align: Mapping[str, str] | None = None, keep_fill: bool = True) -> int | None:
        """Index of a cell format like cell format `base` (0 when None) — its font, borders, alignment —
        with number format `number_format` when given ("General" or a format code), the <alignment>
        attributes `align` set ({"wrapText": "1"}), its fill dropped unless `keep_fill`. `base` itself when
        that changes nothing; else an equal existing one; else appended (once: a later run finds it)."""
        if self.data is None:
            return None
        xfs = self.xfs()
        if base is None or not 0 <= base < len(xfs):
            base = 0
        own = xfs[base] if xfs else b'<%sxf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' % self.pfx
        tag = start_tag(own)
        rest = own[len(tag):]
        selfclosed = tag.endswith(b"/>")
        if number_format is not None:
            fmt = 0 if number_format == "General" else self.numfmt_id(number_format)
            if int(tag_attrs(tag).get(b"numFmtId", b"0") or 0) != fmt:
                tag = set_attr(set_attr(tag, b"numFmtId", b"%d" % fmt), b"applyNumberFormat", b"1")
        if not keep_fill:
            tag = set_attr(tag, b"fillId", b"0")
        if align:
            tag = set_attr(tag, b"applyAlignment", b"1")
            p = self.pfx
            al = re.search(rb"<(?:\w+:)?alignment\b[^>]*?/?>", rest)
            element = al.group(0) if al is not None else b"<%salignment/>" % p
            for name, value in align.items():
                element = set_attr(element, name.encode(), value.encode())
            if al is not None:
                rest = rest[:al.start()] + element + rest[al.end():]
            elif selfclosed:
                tag, rest = tag[:-2].rstrip() + b">", element + b"</%sxf>" % p
            else:
                rest = element + rest
        xf = tag + rest
        if xf == own and xfs:
            return base
        found = self._equal_xf(xf)
        return found if found is not None else self._add_xf(xf)

    def dxf(self, fill: str | None, font: str | None) -> int | None:
        """Index of a dxf with these colours; appended (once) when no identical one exists."""
        if self.data is None:
            return None
        p = self.pfx
        parts = b""
        if font:
            parts += b'<%sfont><%scolor rgb="%s"/></%sfont>' % (p, p, argb(font), p)
        if fill:
            parts += b'<%sfill><%spatternFill><%sbgColor rgb="%s"/></%spatternFill></%sfill>' % (
                p, p, p, argb(fill), p, p)
        entry = b"<%sdxf>%s</%sdxf>" % (p, parts, p)
        m = self._block(b"dxfs")
        existing = re.findall(rb"<(?:\w+:)?dxf\s*/>|<(?:\w+:)?dxf\b.*?</(?:\w+:)?dxf>", m.group(2) or b"", re.S) \
            if m else []
        if entry in existing:
            return existing.index(entry)
        self._append(b"dxfs", b"dxf", entry, before=(b"tableStyles", b"colors", b"extLst"))
        return len(existing)

    def _append(self, name: bytes, child: bytes, entry: bytes, before: tuple[bytes, ...],
                known: int | None = None) -> None:
        """Append `entry` (a <child>) as the last child of <name> and set its count to the children it then
        has; create <name> when missing. (<cellXfs> holds <xf>s: the count is of the children, whatever
        the element's own name says.)"""
        data = self.data or b""
        p = self.pfx
        m = self._block(name)
        if m:
            kids = m.group(2) or b""
            count = (len(children(kids, child)) if known is None else known) + 1  # `known`: the children counted
            start_tag = set_attr(b"<%s%s%s>" % (p, name, m.group(1).rstrip(b"/")), b"count", b"%d" % count)
            new = start_tag + kids + entry + b"</%s%s>" % (p, name)
            self.data = data[:m.start()] + new + data[m.end():]
        else:
            new = b'<%s%s count="1">%s</%s%s>' % (p, name, entry, p, name)
            pos = None
            for b in before:
                t = re.search(rb"<(?:\w+:)?" + b + rb"\b", data)
                if t:
                    pos = t.start()
                    break
            if pos is None:
                pos = data.rfind(b"</")
            self.data = data[:pos] + new + data[pos:]
        self.changed = True


class DateFormats(dict):
    """The cell format of our dates (DATE, DATETIME kinds of cells.py → index in cellXfs), appended to
    styles.xml the first time a date is written, and only then: a refresh whose lines have no milestone
    date leaves styles.xml as it was."""

    def __init__(self, styles: Styles, codes: dict[int, str]):
        super().__init__()
        self.styles, self.codes = styles, codes

    def __missing__(self, kind: int) -> int | None:
        code = self.codes.get(kind)
        xf = self[kind] = self.styles.date_xf(code) if code is not None else None
        return xf


def children(xml: bytes, child: bytes) -> list[bytes]:
    """The start tags of the top-level <child> elements of `xml` (an element's content): nested ones (an
    <xf>'s <alignment>, a <dxf>'s <font>) not counted."""
    return [start_tag(e) for e in elements(xml, child)]


def start_tag(element: bytes) -> bytes:
    """The start tag of a whole element (`elements` gives only those, so there always is one)."""
    m = re.match(rb"<[^>]*>", element)
    assert m is not None, element[:40]
    return m.group(0)


_FALSE = (b"0", b"false")


def _xf_key(xf: bytes) -> tuple:
    """What a cell format is, whatever the order of its attributes and spaces and whatever attributes are
    written at their defaults (an apply* flag absent is on, as Excel and LibreOffice read a cell format;
    openpyxl drops some and writes pivotButton="0"): an existing one equal to what we would append is reused."""
    tag = start_tag(xf)
    attrs = {k: v for k, v in tag_attrs(tag).items()
             if not (k.startswith(b"apply") and v not in _FALSE) and not (k in (b"pivotButton", b"quotePrefix")
                                                                          and v in _FALSE)}
    attrs.setdefault(b"numFmtId", b"0")
    inner = re.sub(rb"\s+", b" ", xf[len(tag):])
    alignment = re.search(rb"<(?:\w+:)?alignment\b([^>]*)>", inner)
    return (tuple(sorted(attrs.items())), tuple(sorted(tag_attrs(alignment.group(1)).items())) if alignment else (),
            re.sub(rb"<(?:\w+:)?alignment\b[^>]*>", b"", inner))


def elements(xml: bytes, child: bytes) -> list[bytes]:
    """The top-level <child> elements of `xml` (an element's content), whole: start tag to end tag."""
    out, depth, start = [], 0, -1
    for m in re.finditer(rb"<(/?)(?:\w+:)?(\w+)\b[^>]*?(/?)>", xml):
        if m.group(1):
            depth -= 1
            if depth == 0 and start >= 0:
                out.append(xml[start:m.end()])
                start = -1
            continue
        if depth == 0 and m.group(2) == child:
            if m.group(3):
                out.append(m.group(0))
                continue
            start = m.start()
        if not m.group(3):
            depth += 1
    return out


def argb(colour: str) -> bytes:
    c = colour.lstrip("#").upper()
    if not re.fullmatch(r"[0-9A-F]{6}|[0-9A-F]{8}", c):
        raise ValueError(f"colour {colour!r} is not #RRGGBB")
    return ("FF" + c if len(c) == 6 else c).encode()
