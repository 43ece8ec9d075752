"""Drop-down lists as Excel, LibreOffice and WPS store them (the XML forms are from the ECMA-376 / MS-XLSX specs
and real files; see xlsx/validations.py)."""
from __future__ import annotations

from gendan_xl.xlsx.validations import (BROKEN, DYNAMIC, RANGE, Area, classify, parse_sqref,
                                        parse_validations, sheet_tail, split_inline)

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ROOT = (f'<worksheet {MAIN} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">')


def tail(body: str) -> bytes:
    return (ROOT + "<sheetData/>" + body + "</worksheet>").encode()


def test_the_plain_form_with_an_inline_list_and_two_ranges():
    doc = tail('<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="L2:L100 N2:N5">'
               '<formula1>"新单,待料,生产中,已出货"</formula1></dataValidation>'
               '<dataValidation type="whole" sqref="D2"><formula1>0</formula1></dataValidation></dataValidations>')
    (sqref, formula, quoted), = parse_validations(doc)  # the whole-number rule is no list
    assert parse_sqref(sqref) == (Area(2, 11, 100, 11), Area(2, 13, 5, 13))
    assert classify(formula, quoted, "订单", {}, {}).items == ("新单", "待料", "生产中", "已出货")


def test_the_excel_2010_form_for_another_sheet_in_the_extension_list():
    doc = tail('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
               'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
               '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
               '<x14:dataValidation type="list" allowBlank="1" xr:uid="{1}"><x14:formula1>'
               "<xm:f>'Status Lists'!$A$2:$A$9</xm:f></x14:formula1><xm:sqref>G2:G1048576</xm:sqref>"
               '</x14:dataValidation></x14:dataValidations></ext></extLst>')
    (sqref, formula, quoted), = parse_validations(doc)
    source = classify(formula, quoted, "订单", {}, {})
    assert (sqref, source.kind, source.sheet, source.area) == ("G2:G1048576", RANGE, "Status Lists", Area(2, 0, 9, 0))


def test_items_with_commas_come_from_the_x12ac_list_not_the_lossy_fallback():
    doc = tail('<dataValidations count="1"><dataValidation type="list" sqref="C10:C12">'
               '<mc:AlternateContent xmlns:x12ac="http://schemas.microsoft.com/office/spreadsheetml/2011/1/ac">'
               '<mc:Choice Requires="x12ac"><x12ac:list>"Yes, ship it",No,"say ""hold"""</x12ac:list></mc:Choice>'
               '<mc:Fallback><formula1>"Yes, ship it,No,say hold"</formula1></mc:Fallback></mc:AlternateContent>'
               '</dataValidation></dataValidations>')
    (_, formula, quoted), = parse_validations(doc)
    assert classify(formula, quoted, "订单", {}, {}).items == ("Yes, ship it", "No", 'say "hold"')


def test_names_tables_and_what_cannot_be_read():
    names = {("states", None): "Lists!$A$2:$A$9", ("local", "订单"): '"甲,乙"', ("dyn", None): "OFFSET($Z$1,1,0)"}
    tables = {"stock": ("库存", Area(1, 2, 40, 5), {"status": 4})}
    assert classify("states", None, "订单", names, tables).area == Area(2, 0, 9, 0)
    assert classify("local", None, "订单", names, tables).items == ("甲", "乙")  # the sheet's own scope
    assert classify("local", None, "其他", names, tables).kind == DYNAMIC  # not in scope elsewhere
    t = classify("stock[Status]", None, "订单", names, tables)
    assert (t.kind, t.sheet, t.area) == (RANGE, "库存", Area(2, 4, 40, 4))  # the data below the table's header
    assert classify("dyn", None, "订单", names, tables).kind == DYNAMIC
    assert classify("INDIRECT($A$1)", None, "订单", names, tables).kind == DYNAMIC
    assert classify("Model!#REF!", None, "订单", names, tables).kind == BROKEN
    assert classify("[1]Sheet1!$A$1:$A$5", None, "订单", names, tables).kind == "external"


def test_quotes_doubled_or_not_and_a_tail_split_across_chunks():
    assert split_inline('"a,b,""c"""') == ("a", "b", '"c"')
    assert split_inline('"a,b,"c""') == ("a", "b", '"c"')  # LibreOffice writes them back undoubled
    data = tail('<dataValidations><dataValidation type="list" sqref="A2"><formula1>"x,y"</formula1>'
                '</dataValidation></dataValidations>')
    chunks = [data[i:i + 7] for i in range(0, len(data), 7)]  # </sheetData> and the root cut at any point
    passed, doc = [], None
    for chunk, doc in sheet_tail(chunks):
        passed.append(chunk)
    assert b"".join(passed) == data and parse_validations(doc)[0][0] == "A2"
