"""xlsx/refs: one convention for cell references, XlsxWriter's for columns (A = 0), Excel's for rows."""
from __future__ import annotations

import pytest
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_range, xl_rowcol_to_cell

from gendan_xl.cellrefs import (MAX_COL, MAX_ROW, cell_ref, col_bytes, col_index, col_letter, parse_range,
                                 parse_ref, range_ref)

COLUMNS = [*range(0, 800), 701, 702, 703, 18277, MAX_COL]  # A … ADT, ZZ/AAA, the last three-letter, XFD


def test_columns_agree_with_xlsxwriter() -> None:
    for col in COLUMNS:
        letters = xl_col_to_name(col)
        assert col_letter(col) == letters and col_bytes(col) == letters.encode()
        assert col_index(letters) == col_index(letters.lower()) == col_index(letters.encode()) == col
    assert col_letter(MAX_COL) == "XFD"


@pytest.mark.parametrize("row, col", [(1, 0), (12, 10), (MAX_ROW, MAX_COL), (100, 26)])
def test_cells_agree_with_xlsxwriter(row: int, col: int) -> None:
    # XlsxWriter counts rows from 0; a row here is Excel's row number
    ref = xl_rowcol_to_cell(row - 1, col)
    assert cell_ref(row, col) == ref and parse_ref(ref) == (row, col)
    assert parse_ref(xl_rowcol_to_cell(row - 1, col, True, True)) == (row, col)  # $K$12
    assert xl_cell_to_rowcol(cell_ref(row, col)) == (row - 1, col)


def test_ranges() -> None:
    assert parse_range("C9:A1") == (1, 0, 9, 2) and parse_range("B2") == (2, 1, 2, 1)
    assert range_ref(1, 0, 9, 2) == "A1:C9" == xl_range(0, 0, 8, 2)
    assert range_ref(2, 1, 2, 1) == "B2"


@pytest.mark.parametrize("text", ["", "K", "12", "K12:", "ABCD1", "A1B2", "Sheet1!A1"])
def test_not_a_reference_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ref(text)
