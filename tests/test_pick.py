"""The orders stream picks the cells of a few columns out of a run of rows three ways (xlsx/stream.py): located
with numpy on plain runs, by a regular expression on other regular runs, cell by cell on the rest. Each run
of rows here is read all three ways, and the values, the formula cells and the rows must be the same."""
from __future__ import annotations

import datetime as dt

import pytest

from gendan_xl.xlsx.decode import DATETIME, CellReader
from gendan_xl.xlsx.stream import Picker

READER = CellReader(["客户A", "  ", "合计"], [0, DATETIME], False)
COLS = (0, 1, 3, 27)  # A B D AB


def _row(r: int, cells: str, attrs: str = "") -> str:
    return f'<row r="{r}"{attrs}>{cells}</row>'


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


PLAIN = "".join(_row(r, _text(f"A{r}", f"SO{r:05d}") + f'<c r="B{r}" t="s"><v>0</v></c><c r="C{r}"><v>1</v></c>'
                     f'<c r="D{r}" s="1"><v>{46000 + r % 7}</v></c>', ' spans="1:4"') for r in range(2, 90))
# each one a way a run of rows can be: (run, whether numpy may locate it)
RUNS = {
    "plain": (PLAIN, True),
    "blank cells left out": (_row(5, _text("B5", "x")) + _row(6, _text("A6", "y") + '<c r="D6"><v>3</v></c>'), True),
    "self-closing and empty cells": (_row(2, '<c r="A2" s="1"/><c r="B2"></c><c r="D2" s="1"><v/></c>'), True),
    "a slash in an attribute": (_row(2, '<c r="A2" s="1" x="a/b"><v>7</v></c><c r="B2" x="/"/>'), True),
    "formula with and without a value": (_row(2, '<c r="A2"><f>1+1</f></c><c r="B2"><f>1+1</f><v>2</v></c>'
                                                 '<c r="D2" t="str"><f>"a"</f><v>a</v></c>'), True),
    "two and three letters": (_row(2, '<c r="AB2"><v>1</v></c><c r="ABC2"><v>2</v></c>'
                                       '<c r="A2" t="b"><v>1</v></c>'), True),
    "rich text, entities, spaces": (_row(2, '<c r="A2" t="inlineStr"><is><r><t>a&amp;</t></r><r><t xml:space='
                                            '"preserve"> b </t></r></is></c><c r="B2" t="s"><v>1</v></c>'), True),
    "total and blank shared strings": (_row(2, '<c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>1</v></c>'), True),
    "cell naming another row": (_row(2, '<c r="A3"><v>1</v></c>') + _row(3, '<c r="B3"><v>2</v></c>'), True),
    "cell naming a row not there": (_row(2, '<c r="A9"><v>1</v></c>'), False),
    "row numbers going back": (_row(3, '<c r="A3"><v>1</v></c>') + _row(2, '<c r="A2"><v>2</v></c>'), False),
    "a cell twice": (_row(2, '<c r="A2"><v>1</v></c><c r="A2"><v>2</v></c>'), True),
    "lower-case reference": (_row(2, '<c r="a2"><v>1</v></c><c r="B2"><v>2</v></c>'), False),
    "absolute reference": (_row(2, '<c r="$A$2"><v>1</v></c><c r="B2"><v>2</v></c>'), False),
    "a leading zero": (_row(2, '<c r="A02"><v>1</v></c>'), False),
    "a comment": (_row(2, '<c r="A2"><v>1</v><!-- <c r="B2"><v>9</v></c> --></c>'), False),
    "CDATA": (_row(2, '<c r="A2" t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c>'), False),
    "a cell without r": (_row(2, '<c><v>1</v></c><c r="B2"><v>2</v></c>'), False),
    "a row without r": ('<row><c r="A2"><v>1</v></c></row>', False),
    "a cell left open": (_row(2, '<c r="A2"><v>1</v>') + _row(3, '<c r="B3"><v>2</v></c>'), False),
}


def _seen(picked) -> tuple:
    values = {c: [picked.value(c, i) for i in range(len(picked.rows))] for c in COLS}
    return picked.rows, values, {c: rows for c, rows in picked.formula.items() if rows}


@pytest.mark.parametrize("pfx", ["", "x:"])
@pytest.mark.parametrize("name", sorted(RUNS))
def test_each_way_of_picking_reads_the_same(name: str, pfx: str) -> None:
    run, locatable = RUNS[name]
    if pfx:
        run = run.replace("<", "<x:").replace("<x:/", "</x:").replace("<x:!", "<!")
    xml = run.encode()
    picker = Picker(pfx.encode(), COLS, READER, lazy={27})
    assert (picker._locate(xml) is not None) == locatable  # else a case above tests one way less than it says
    picked = picker.pick(xml)
    # what a run of rows read before numpy located cells: by the regular expression when it is regular
    assert _seen(picked) == _seen(picker._findall(xml))


def test_the_values_are_the_cells() -> None:
    picked = Picker(b"", COLS, READER).pick(RUNS["plain"][0].encode())
    assert picked.rows[:2] == [2, 3]
    assert [picked.value(c, 0) for c in (0, 1, 3)] == ["SO00002", "客户A", dt.date(2025, 12, 11)]
