"""xlsx/package: the one reader of a workbook's date system, used by the reader and the patcher."""
from __future__ import annotations

import pytest

from gendan_xl.xlsx.package import workbook_date1904

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
X15 = 'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"'


@pytest.mark.parametrize("xml, is_1904", [
    (f'<workbook {MAIN}><workbookPr date1904="1"/><sheets/></workbook>', True),
    (f'<workbook {MAIN}><workbookPr defaultThemeVersion="1" date1904="true"/></workbook>', True),
    (f"<workbook {MAIN}><workbookPr date1904='1'/></workbook>", True),
    ('<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
     '<x:workbookPr date1904="1"/></x:workbook>', True),
    (f'<workbook {MAIN}><workbookPr date1904="0"/></workbook>', False),
    (f'<workbook {MAIN}><workbookPr date1904="false"/></workbook>', False),
    (f'<workbook {MAIN}><workbookPr/><sheets/></workbook>', False),
    (f'<workbook {MAIN}><sheets/></workbook>', False),
    # only the workbook's own <workbookPr> counts, not one of an extension inside extLst
    (f'<workbook {MAIN} {X15}><workbookPr/><extLst><ext><x15:workbookPr date1904="1"/></ext></extLst></workbook>',
     False),
])
def test_date1904(xml: str, is_1904: bool) -> None:
    assert workbook_date1904(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml.encode()) is is_1904
