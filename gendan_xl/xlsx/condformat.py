"""Conditional formats: the one rule type both doors write (the file refresh through `patch_sheet`, the
Excel button through xlwings), and the worksheet XML of the rules `patch_sheet` adds once."""
from __future__ import annotations

import re
from dataclasses import dataclass

from gendan_xl.xlsx.cells import esc, esc_attr, set_attr, tag_attrs
from gendan_xl.cellrefs import parse_range
from gendan_xl.xlsx.decode import unescape
from gendan_xl.xlsx.result import PatchResult
from gendan_xl.xlsx.styles import Styles, argb


@dataclass(frozen=True)
class CFRule:
    """A conditional format, added once: by `patch_sheet` to a file, by the Excel button through xlwings.

    kind: "containsText" (cell text contains `text`), "equal" (cell text equals `text`) or "expression"
    (`formula`, written relative to the top-left cell of `sqref`, without the leading "=").
    Colours are "#RRGGBB"; None leaves that part unformatted.
    A second run finds the rule by (top-left cell, type, formula) and leaves it alone, only widening
    its sqref when that changed, so styles.xml and the sheet's rules stay as they are.
    """

    sqref: str
    kind: str = "containsText"
    text: str = ""
    formula: str = ""
    fill: str | None = "#FFC7CE"
    font: str | None = "#9C0006"

    def cell_formula(self) -> str:
        """The rule's formula as the file holds it, without the "=" (Excel's FormatConditions report it back
        as Formula1, with one): how either door recognises a rule it added before."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        if self.kind == "containsText":
            top_left = self.sqref.split()[0].split(":")[0].replace("$", "")
            return f"NOT(ISERROR(SEARCH({quoted},{top_left})))"
        if self.kind == "equal":
            return quoted
        if self.kind == "expression":
            return self.formula.lstrip("=")
        raise ValueError(f"conditional format kind {self.kind!r}: use containsText, equal or expression")


def _cf_parts(rule: CFRule) -> tuple[bytes, bytes, str]:
    """(type, extra attributes, formula) of a rule's <cfRule>."""
    formula = rule.cell_formula()
    if rule.kind == "containsText":
        return b"containsText", b' operator="containsText" text="%s"' % esc_attr(rule.text).encode(), formula
    if rule.kind == "equal":
        return b"cellIs", b' operator="equal"', formula
    return b"expression", b"", formula


def check_rule(rule: CFRule) -> None:
    """Raise ValueError for a rule that cannot be written (checked before anything is)."""
    _cf_parts(rule)
    parse_range(rule.sqref.split()[0])
    for colour in (rule.fill, rule.font):
        if colour:
            argb(colour)


_FORMULA = re.compile(rb"<(?:\w+:)?formula>(.*?)</(?:\w+:)?formula>", re.S)


def conditional_formats(rules: list[CFRule], body: bytes, elems: list[tuple[str, int, int, bytes]],
                        edits: list[tuple[int, int, bytes]], pfx: bytes, styles: Styles, result: PatchResult) -> bytes:
    """The <conditionalFormatting> elements to insert for the `rules` a sheet lacks. A rule already there
    (same top-left cell, type and formula) is left alone, only its sqref widened (an entry in `edits`);
    `body` is the worksheet after </sheetData>, `elems` its top-level elements."""
    if not rules:
        return b""
    p = pfx
    existing = [(s, e, body[s:e]) for n, s, e, _ in elems if n == "conditionalFormatting"
                and body[s:e].lstrip(b"<").startswith(p + b"conditionalFormatting")]
    # each one's formulas as text: LibreOffice writes the quotes of "逾期" as &quot;, Excel as they are
    formulas = [{unescape(f.decode("utf-8", "replace")) for f in _FORMULA.findall(xml)} for _s, _e, xml in existing]
    priorities = [int(x) for x in re.findall(rb'\spriority="(\d+)"', body)]
    next_priority = max(priorities, default=0) + 1
    new = []
    for rule in rules:
        rtype, extra, formula = _cf_parts(rule)
        key = b'type="%s"' % rtype
        fxml = b"<%sformula>%s</%sformula>" % (p, esc(formula).encode(), p)
        top_left = parse_range(rule.sqref.split()[0])[:2]
        match = None
        for (s, _e, xml), theirs in zip(existing, formulas):
            sq = tag_attrs(re.match(rb"<[^>]*>", xml).group(0)).get(b"sqref", b"").decode()  # type: ignore
            try:
                same_corner = parse_range(sq.split()[0])[:2] == top_left
            except (ValueError, IndexError):
                same_corner = False
            if same_corner and key in xml and formula in theirs:
                match = (s, xml, sq)
                break
        if match:
            s, xml, sq = match
            if sq != rule.sqref:
                tag = re.match(rb"<[^>]*>", xml).group(0)  # type: ignore[union-attr]
                edits.append((s, s + len(tag), set_attr(tag, b"sqref", esc_attr(rule.sqref).encode())))
                result.cf_updated += 1
            continue
        dxf = styles.dxf(rule.fill, rule.font)
        dxf_attr = b' dxfId="%d"' % dxf if dxf is not None else b""
        new.append(b'<%sconditionalFormatting sqref="%s"><%scfRule type="%s"%s priority="%d"%s>%s</%scfRule>'
                   b"</%sconditionalFormatting>" % (p, esc_attr(rule.sqref).encode(), p, rtype, dxf_attr,
                                                     next_priority, extra, fxml, p, p))
        next_priority += 1
        result.cf_added += 1
    return b"".join(new)
