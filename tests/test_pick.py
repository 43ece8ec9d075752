"""The orders stream's fast paths read what the slower ways read. Cells are picked out of a run of rows three
ways (xlsx/stream.py): located with numpy on plain runs, by a regular expression on other regular runs, cell by
cell on the rest; the rows plainly lines and the typing are decided a whole column at a time."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import CORPUS, WORKBOOKS

from gendan_xl.errors import GendanError
from gendan_xl.xlsx.decode import DATETIME, CellReader
from gendan_xl.xlsx.stream import Picker, StreamBook

READER = CellReader(["客户A", "  ", "合计"], [0, DATETIME], False)
COLS = (0, 1, 3, 27)  # A B D AB


def _row(r: int, cells: str, attrs: str = "") -> str:
    return f'<row r="{r}"{attrs}>{cells}</row>'


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


PLAIN = "".join(_row(r, _text(f"A{r}", f" SO{r:05d}") + f'<c r="B{r}" t="s"><v>0</v></c><c r="C{r}"><v>1</v></c>'
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
    # cells told alike by their bytes in numpy (`locate.Cells.alike`): a byte apart at each place in a word, past a
    # word's end, past the bytes compared; the same bytes in two columns
    "cells a byte apart": ("".join(_row(r, _text(f"A{r}", "abcdefghijklmnopq"[:r % 17] + "xy"[r % 2])
                                         + _text(f"B{r}", "客户" * (r % 3)) + f'<c r="D{r}"><v>{r % 11}</v></c>')
                                   for r in range(2, 200)), True),
    "long cells": ("".join(_row(r, _text(f"A{r}", "长" * 30 + str(r % 3)) + _text(f"B{r}", "x" * (60 + r % 9))
                                + _text(f"D{r}", "y" * 70 + "z" * (r % 2)))
                           for r in range(2, 90)), True),
    "the same cell in two columns": ("".join(_row(r, f'<c r="A{r}" s="1"><v>{r % 2}</v></c>'
                                                  f'<c r="B{r}" s="1"><v>{r % 2}</v></c>'
                                                  f'<c r="D{r}" s="1"><v>{r % 2}</v></c>') for r in range(2, 9)), True),
    # formulas differing per row before values that repeat: told alike by their values (`Cells.without_formulas`),
    # but where the formula is not the first child or the value not the last
    "formulas differing per row, values alike": ("".join(_row(r, (f'<c r="A{r}"><f>F{r}*G{r}</f><v>{r % 3}</v></c>'
                                                                 if r % 13 else f'<c r="A{r}"><v>{r % 3}</v><f>x</f></c>')
                                                                + f'<c r="B{r}"><f t="shared" si="0"/><v>{r % 2}</v></c>'
                                                                + (f'<c r="D{r}" t="str"><f a="/>">T{r}</f><v>t{r % 2}'
                                                                   '</v></c>' if r % 7 else
                                                                   f'<c r="D{r}" s="1"> <f>x</f><v>{r % 2}</v></c>'
                                                                   if r % 2 else f'<c r="D{r}"><f>x{r}</f><v></v></c>'))
                                                         for r in range(2, 120)), True),
    "formulas with no value, repeated": ("".join(_row(r, f'<c r="A{r}"><f>1+{r % 2}</f></c><c r="B{r}"><v>{r}</v></c>')
                                                 for r in range(2, 80)), True),
}


def _seen(picked) -> tuple:
    values = {c: [picked.value(c, i) for i in range(len(picked.rows))] for c in COLS}
    # repr: 1, 1.0 and True are equal but not the same cell (two cells wrongly told alike would pass ==)
    return picked.rows, repr(values), {c: rows for c, rows in picked.formula.items() if rows}


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
    for c, types in picked.types.items():  # (the typing trusts them: they hold at least the values' types)
        assert set(map(type, picked.values[c])) <= types, c
    for c, (distinct, which) in picked.shared.items():  # (and types the distinct values for the rows')
        assert [None if k < 0 else distinct[k] for k in which.tolist()] == picked.values[c], c
    if name == "plain" or "reference" in name:  # (plain: its texts decoded all at once, where the others decode
        assert _seen(picked) == _seen(picker._slow(xml))  # each cell as _slow does; a2 is A2, as python-calamine reads it)


@pytest.mark.parametrize("before", ["plain", "formulas differing per row, values alike"])
@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_picker_reads_a_run_alike_after_another(name: str, before: str) -> None:
    """A picker tries first as plain texts the columns that were mostly different plain texts in the run
    before (order numbers), and cuts the formulas out first of those it had to (amounts): what follows reads
    the same, whether they still are or not."""
    picker = Picker(b"", COLS, READER, lazy={27})
    picker.pick(RUNS[before][0].encode())  # (plain's column A: 88 different order numbers)
    xml = RUNS[name][0].encode()
    assert _seen(picker.pick(xml)) == _seen(Picker(b"", COLS, READER, lazy={27})._findall(xml))


def _worksheets() -> list[Path]:
    found = sorted(CORPUS.glob("*.xls[xm]")) if CORPUS.is_dir() else []
    return found + sorted(WORKBOOKS.glob("*.xls[xm]"))


@pytest.mark.parametrize("path", _worksheets(), ids=lambda p: p.name[:50])
def test_every_worksheet_at_hand_is_picked_alike_both_ways(path: Path) -> None:
    """The corpus's real sheets (as Excel, LibreOffice and libraries wrote them), cut in runs of rows: numpy
    finds what the regular expression finds, or leaves the run to it."""
    try:
        book = StreamBook.open(path)
        reader = book.reader
    except GendanError as exc:  # the unusable ones (encrypted, damaged): test_corpus holds what they say
        pytest.skip(f"unusable: {exc}")
    located = 0
    for name in book.sheet_names:
        part = book.worksheet_part(name)
        if part is None:
            continue
        xml = book.wf.read_part(part)
        start = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
        if start is None or start.group(2):
            continue
        pfx = start.group(1) or b""
        body = xml[start.end():xml.find(b"</" + pfx + b"sheetData>", start.end())]
        for cols in (range(12), (0, 3, 27, 700)):
            picker = Picker(pfx, cols, reader, lazy={3})
            pos = 0
            while pos < len(body):
                cut = body.find(b"<" + pfx + b"row", pos + 100_000)
                run, pos = body[pos:len(body) if cut < 0 else cut], len(body) if cut < 0 else cut
                assert _outcome(picker.pick, run, cols) == _outcome(picker._findall, run, cols), (name, cols)
                located += picker._locate(run) is not None
    if path.name == "orders.xlsx":  # (the sample's sheets are plain: numpy located runs, not only the expression)
        assert located


def _outcome(pick, run: bytes, cols) -> tuple:
    try:
        picked = pick(run)
    except Exception as exc:  # a cell that cannot be read is refused alike
        return ("refused", str(exc))
    return picked.rows, repr({c: [picked.value(c, i) for i in range(len(picked.rows))] for c in cols}), \
        {c: rows for c, rows in picked.formula.items() if rows}


def test_the_values_are_the_cells() -> None:
    picked = Picker(b"", COLS, READER).pick(RUNS["plain"][0].encode())
    assert picked.rows[:2] == [2, 3]
    assert [picked.value(c, 0) for c in (0, 1, 3)] == ["SO00002", "客户A", dt.date(2025, 12, 11)]


# Whole columns at a time, the same as cell by cell: the end-of-table rules and the typing.

HEAD = ["订单号", "客户", "型号", "数量", "客户交期"]
ROWS = [["SO1", "甲", "M1", 5.0, dt.date(2026, 3, 1)],
        ["SO1", "甲", "M1", 5.0, None],
        [" 订单号 ", "客户", "型号", "数量", "客户交期"],  # the header again
        ["订单号", "乙", "M1", 5.0, None],  # only half of it
        ["合计", None, None, 15.0, None],
        [None, "甲", "M2", 1.0, None],  # no order number: the rules look further
        ["\u3000", None, None, None, None],  # blank
        ["SO2", "甲", "M2", 1.0, None],  # after a blank
        ["Total:", None, None, 1.0, None],
        ["note", None, None, None, None],
        ["SO3", None, None, None, None]]


def test_the_rows_plainly_lines_are_lines_to_the_rules_too() -> None:
    from gendan_xl.schema import ORDERS
    from gendan_xl.xlsx.table import DATA, DataEnd, locate_table

    ends = DataEnd(ORDERS, locate_table([HEAD], ORDERS, "t.xlsx", "订单"))
    columns = {c: [row[c] for row in ROWS] for c in range(len(HEAD))}
    plain = ends.plain_rows(columns, len(ROWS)).tolist()
    assert plain == [True, True, False, True, False, False, False, True, False, True, True]
    for row, is_plain in zip(ROWS, plain):
        if is_plain:
            ends.after_blank = False
            assert ends.kind_after(row[0], row.__getitem__) is DATA and not ends.after_blank
    assert not ends.plain_rows({c: v for c, v in columns.items() if c != 1}, len(ROWS)).any()


@pytest.mark.parametrize("kind, column", [
    ("date", [dt.date(2026, 1, 2), None, dt.date(2026, 1, 3)]),
    ("date", [dt.date(2026, 1, 2), dt.datetime(2026, 1, 3, 8), "2026/1/4", "1月5日", "x", 46000.0, ""]),
    ("text", ["  a ", "a", "b"]),
    ("text", ["a ", None, " ", "", "\u3000b"]),
    ("text", ["a", 2026001.0, dt.date(2026, 1, 2), True]),
    ("int", [1.0, None, 3.0, 0.0, -0.0]),
    ("int", [1.0, 2.5, "3", None, float("nan"), float("inf")]),
    ("number", [1.5, -0.0, 0.0, "1,200", None]),
])
def test_a_column_is_typed_as_each_of_its_cells(kind: str, column: list) -> None:
    from gendan_xl.values import type_cell
    from gendan_xl.xlsx.read import type_column

    anchors = [dt.date(2026, 1, 1)] * len(column)
    values, bad = type_column(column, kind, False, anchors)
    each = [type_cell(v, kind, anchor=a) for v, a in zip(column, anchors)]
    assert repr(values) == repr([v for v, _ in each])
    assert bad == {i: (code, column[i]) for i, (_, code) in enumerate(each) if code}
    # told the types of its values, or more (a column's, of which these are the lines'): the same
    for types in (set(map(type, column)), set(map(type, column)) | {type(None), str}):
        assert repr(type_column(column, kind, False, anchors, types)) == repr((values, bad))


@pytest.mark.parametrize("column", [
    ["SO1", "SO2", " ", "\u3000", "", "x"],  # all texts, none a total: at once
    ["SO1", "合计", " 小计：", "a"],
    ["SUM1", "Total:", " total ", "subtotalling", "Grand Total"],
    ["Straße", "SUMME", "ſum"],  # (casefold: ſ is s)
    ["SO1", None, 3.0, "合计"],
])
def test_a_column_is_told_filled_and_no_total_as_each_of_its_cells(column: list) -> None:
    from gendan_xl.xlsx.table import _filled_no_total, _filled_no_totals

    assert _filled_no_totals(column, len(column)).tolist() == list(map(_filled_no_total, column))


@pytest.mark.parametrize("kind, column", [
    ("number", [1.0, "x", None, "1,200", "x", 1.0, 2.5]),
    ("int", [1.0, 2.5, None, 3.0, 2.5, "3"]),
    ("date", [dt.date(2026, 1, 2), "2026/1/4", None, "x", 46000.0, "x"]),
    ("text", [" a", "a", None, " a", "\u3000", "b"]),
])
@pytest.mark.parametrize("lines", ["all", "some"])
def test_a_column_of_shared_values_is_typed_as_each_of_its_cells(kind: str, column: list, lines: str) -> None:
    """The picker's distinct values of a column, each typed once (`lines._type_shared`), type the lines as
    `type_column` types their cells: the same values and bad values, at the lines' own places."""
    import numpy as np

    from gendan_xl.xlsx.lines import _type_shared
    from gendan_xl.xlsx.read import type_column

    distinct = list(dict.fromkeys(v for v in column if v is not None)) + ["tail"]
    which = np.array([-1 if v is None else distinct.index(v) for v in column + ["tail"]])  # (a row past the lines)
    idx = list(range(len(column))) if lines == "all" else [1, 3, 4, 5]
    got = _type_shared(distinct, which, idx, len(column), kind, False)
    assert repr(got) == repr(type_column([column[i] for i in idx], kind, False, None))
