"""Drop-down lists (list data validations) of a worksheet: the words its users pick from.

Excel keeps them in two places, and a reader must merge both (research in the README):

- the plain `<dataValidations>` after `<sheetData>`: inline lists (`"新单,待料,生产中"`), ranges on the same
  sheet, defined names; Excel 2013+ may add `mc:AlternateContent` with an `x12ac:list` whose items are
  quoted one by one (items with commas), beside a lossy `<formula1>` fallback;
- the Excel 2010 form inside the worksheet's `<extLst>` (`x14:dataValidation`, `<xm:f>`, `<xm:sqref>`),
  which Excel uses when the list refers to another sheet directly. LibreOffice and WPS write the plain form.

A list's source is resolved to words where it can be: inline items, a range (on any sheet), a defined name
(scoped to the sheet first) or a table column through a name. INDIRECT, OFFSET, formulas, `#REF!` and other
workbooks cannot be read without Excel: they are reported as such, never guessed. openpyxl drops the x14
form and python-calamine exposes none of this, so we parse the XML ourselves.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import Iterable, Iterator
from xml.etree import ElementTree as ET

from gendan_xl.xlsx.package import local_name, relationships

X14_DV_URI = "{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}"
MAX_TAIL = 32 << 20  # what follows <sheetData> is small; a larger tail is not read for drop-downs
MAX_HEAD = 1 << 20  # the root start tag comes first; a part without one in its first megabyte has no drop-downs

# kinds of source
INLINE, RANGE, DYNAMIC, BROKEN, EXTERNAL = "inline", "range", "dynamic", "broken", "external"


@dataclass(frozen=True)
class Area:
    """A rectangle of cells: 1-based rows, 0-based columns (as the rest of the xlsx layer)."""

    row1: int
    col1: int
    row2: int
    col2: int

    def __contains__(self, cell: tuple[int, int]) -> bool:
        row, col = cell
        return self.row1 <= row <= self.row2 and self.col1 <= col <= self.col2

    def columns(self) -> range:
        return range(self.col1, self.col2 + 1)


@dataclass(frozen=True)
class ListSource:
    """Where a drop-down's words come from: `items` (inline), a `sheet` + `area` (a range), or a `kind` that
    cannot be read (dynamic, broken, external), with the formula as written."""

    kind: str
    formula: str
    items: tuple[str, ...] = ()
    sheet: str | None = None
    area: Area | None = None


@dataclass(frozen=True)
class ListValidation:
    """One list validation: the cells it covers and its source."""

    areas: tuple[Area, ...]
    source: ListSource

    def covers_column(self, col: int, below_row: int) -> bool:
        """Whether it applies to cells of column `col` under row `below_row` (the data under a header)."""
        return any(a.col1 <= col <= a.col2 and a.row2 > below_row for a in self.areas)


_SHEETDATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>")
_ROOT = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")


def sheet_tail(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bytes | None]]:
    """Pass the sheet's inflated chunks through (for other scans of the same pass) while keeping the root
    start tag and everything after `<sheetData>`; the last item yields (b"", root + tail)."""
    root: bytes | None = None
    head = b""  # the start of the part until the root tag is whole in it (namespaces make it long)
    window = b""
    tail: list[bytes] | None = None
    size = 0
    for chunk in chunks:
        yield chunk, None
        if root is None and len(head) < MAX_HEAD:
            head += chunk
            m = _ROOT.search(head)
            if m:
                root, head = m.group(0), b""
        if tail is None:
            data = window + chunk
            m = _SHEETDATA_END.search(data)
            if m:
                tail = [data[m.end():]]
                size = len(tail[0])
            else:
                window = data[-24:]
            continue
        size += len(chunk)
        if size <= MAX_TAIL:
            tail.append(chunk)
    yield b"", (root + b"".join(tail)) if root is not None and tail is not None and size <= MAX_TAIL else None


def parse_validations(doc: bytes | None) -> list[tuple[str, str | None, tuple[str, ...] | None]]:
    """(sqref, formula1, quoted items or None) of every *list* validation in `root start tag + tail`."""
    if not doc:
        return []
    try:
        root = ET.fromstring(doc)
    except ET.ParseError:
        return []  # a tail we cannot parse has no drop-downs we can use; the sheet itself was read already
    out = []
    for dv in root.iter():
        if local_name(dv.tag) != "dataValidation" or dv.get("type") != "list":
            continue
        sqref = dv.get("sqref")
        formula, quoted = None, None
        for child in dv.iter():
            name = local_name(child.tag)
            if name == "sqref" and child.text:  # the x14 form keeps it in an element
                sqref = child.text
            elif name == "list" and child.text is not None:  # x12ac: items quoted one by one
                quoted = tuple(_split_quoted(child.text))
            elif name == "formula1" and formula is None:
                f = next((c for c in child if local_name(c.tag) == "f"), None)  # the x14 form: <xm:f>
                text = f.text if f is not None else child.text
                formula = text.strip() if text else None
        if sqref:
            out.append((sqref, formula, quoted))
    return out


def _split_quoted(text: str) -> Iterator[str]:
    """x12ac:list items: `1,"2,3",4` → 1 | 2,3 | 4."""
    for m in re.finditer(r'\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,|$)', text):
        if m.end() == m.start():
            break
        item = m.group(1).replace('""', '"') if m.group(1) is not None else (m.group(2) or "")
        if item.strip():
            yield item.strip()


def parse_sqref(sqref: str) -> tuple[Area, ...]:
    """`L2:L100 N2:N5` → areas (whole columns and rows included)."""
    areas = []
    for ref in sqref.split():
        area = _area(ref)
        if area is not None:
            areas.append(area)
    return tuple(areas)


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})?\$?(\d+)?$")


def _area(ref: str) -> Area | None:
    a, _, b = ref.partition(":")
    p, q = _cell(a), _cell(b or a)
    if p is None or q is None:
        return None
    (r1, c1), (r2, c2) = p, q
    return Area(min(r1, r2) if r1 and r2 else r1 or 1, min(c1, c2) if c1 >= 0 and c2 >= 0 else 0,
                max(r1, r2) if r1 and r2 else 1048576, max(c1, c2) if c1 >= 0 and c2 >= 0 else 16383)


def _cell(ref: str) -> tuple[int, int] | None:
    m = _CELL.match(ref.strip())
    if not m or not (m.group(1) or m.group(2)):
        return None
    col = -1
    if m.group(1):
        col = 0
        for ch in m.group(1).upper():
            col = col * 26 + ord(ch) - 64
        col -= 1
    return (int(m.group(2)) if m.group(2) else 0), col


def split_inline(formula: str) -> tuple[str, ...]:
    """`"新单,待料,生产中"` → the words. A doubled quote is one quote; LibreOffice writes them single, so
    stray quotes are tolerated."""
    body = formula.strip()
    if body.startswith('"') and body.endswith('"') and len(body) >= 2:
        body = body[1:-1]
    body = body.replace('""', '"')
    return tuple(w.strip() for w in body.split(",") if w.strip())


_SHEET_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$")
_DYNAMIC = re.compile(r"\b(INDIRECT|OFFSET|INDEX|IF|CHOOSE|FILTER|UNIQUE|SORT)\s*\(|[#]$", re.IGNORECASE)


def classify(formula: str | None, quoted: tuple[str, ...] | None, sheet: str, names: dict[tuple[str, str | None], str],
             tables: dict[str, tuple[str, Area, dict[str, int]]], depth: int = 0) -> ListSource:
    """What a list's formula points at. `names`: (name casefolded, scope sheet or None) → formula;
    `tables`: table name casefolded → (sheet, area, {column name casefolded: 0-based column})."""
    if quoted is not None:
        return ListSource(INLINE, formula or "", items=quoted)
    text = (formula or "").strip().lstrip("=")
    if not text:
        return ListSource(BROKEN, formula or "")
    if text.startswith('"'):
        return ListSource(INLINE, text, items=split_inline(text))
    if "#REF!" in text.upper():
        return ListSource(BROKEN, text)
    if text.startswith("[") and "]" in text.split("!")[0]:
        return ListSource(EXTERNAL, text)
    if _DYNAMIC.search(text):
        return ListSource(DYNAMIC, text)
    m = _SHEET_REF.match(text)
    target_sheet, ref = (((m.group(1) or "").replace("''", "'") or m.group(2)), m.group(3)) if m else (sheet, text)
    # "A1", "A1:B9", "A:A", "1:1" are ranges; a bare "DYN" is a defined name, not column DYN
    cell = _CELL.match(ref)
    area = _area(ref) if ":" in ref or (cell and cell.group(1) and cell.group(2)) else None
    if area is not None:
        return ListSource(RANGE, text, sheet=target_sheet, area=area)
    # a defined name (the sheet's own scope first), possibly naming a table column
    key = ref.casefold()
    target = names.get((key, sheet)) or names.get((key, None))
    if target is not None and depth < 5:
        inner = classify(target, None, sheet, names, tables, depth + 1)
        return ListSource(inner.kind, text, inner.items, inner.sheet, inner.area)
    tm = re.match(r"^([^\[\]]+)\[(?:#Data\],\[)?\[?([^\]]+)\]?\]$", ref)
    if tm and tm.group(1).casefold() in tables:
        tsheet, tarea, tcols = tables[tm.group(1).casefold()]
        col = tcols.get(tm.group(2).strip("[]").casefold())
        if col is not None:
            return ListSource(RANGE, text, sheet=tsheet, area=Area(tarea.row1 + 1, col, tarea.row2, col))
    return ListSource(DYNAMIC, text)


def workbook_names(zf: zipfile.ZipFile, names: dict[str, str], workbook_part: str,
                   sheets: list[str]) -> dict[tuple[str, str | None], str]:
    """Defined names of the workbook: (name casefolded, scope sheet or None) → formula."""
    out: dict[tuple[str, str | None], str] = {}
    root = ET.fromstring(zf.read(names[workbook_part.casefold()]))
    for el in root.iter():
        if local_name(el.tag) != "definedName" or not el.text:
            continue
        scope = el.get("localSheetId")
        sheet = sheets[int(scope)] if scope is not None and scope.isdigit() and int(scope) < len(sheets) else None
        out[(el.get("name", "").casefold(), sheet)] = el.text
    return out


def workbook_tables(zf: zipfile.ZipFile, names: dict[str, str],
                    sheet_parts: list[tuple[str, str]]) -> dict[str, tuple[str, Area, dict[str, int]]]:
    """Excel tables: name casefolded → (sheet, area, {column name casefolded: 0-based column})."""
    out: dict[str, tuple[str, Area, dict[str, int]]] = {}
    for sheet, part in sheet_parts:
        for _, kind, target in relationships(zf, names, part):
            actual = names.get(target.casefold())
            if kind != "table" or actual is None:
                continue
            try:
                root = ET.fromstring(zf.read(actual))
            except ET.ParseError:
                continue
            area = _area(root.get("ref", ""))
            if area is None:
                continue
            cols = {}
            for k, col in enumerate(el for el in root.iter() if local_name(el.tag) == "tableColumn"):
                cols[(col.get("name") or "").casefold()] = area.col1 + k
            for n in {root.get("name"), root.get("displayName")} - {None}:
                out[n.casefold()] = (sheet, area, cols)
    return out
