"""The macro-enabled master workbook (.xlsm): the same workbook as builder.py, plus two buttons on 订单.

    build_master_xlsm("workbooks/orders.xlsm")      # the sample, with the sample orders
    gendan-xl init-workbook --xlsm 订单跟踪表.xlsm    # a new, empty one for a user

How a click reaches Python. The VBA is not ours: it is the `vbaProject.bin` of the standalone quickstart
workbook bundled in the *installed* xlwings package (`xlwings quickstart NAME --standalone` copies the same
file), taken at build time, so the VBA's xlwings version always equals the Python package's — a copied
binary in the repo would drift. Writing our own VBA would need Excel to compile it, so both buttons are
bound to the one argument-less macro that VBA project has, `SampleCall` (Module1):

    mymodule = Left(ThisWorkbook.Name, InStrRev(ThisWorkbook.Name, ".") - 1)
    RunPython "import " & mymodule & ";" & mymodule & ".main()"

that is, it imports the Python module named like the workbook from the workbook's folder (xlwings puts that
folder first on sys.path) and calls its `main()`. So we write that module next to the workbook — a
three-line `orders.py` beside `orders.xlsm` re-exporting `gendan_xl.doors.xl.main` — and `main` tells the two
buttons apart by the clicked button's caption (`Application.Caller`, see xl.py).

The trade-off, said plainly: renaming the workbook breaks the buttons (`ModuleNotFoundError: No module
named 'orders_v2'`) until the .py file is renamed to match, and a workbook name must be a valid Python
module name (no spaces or hyphens; Chinese is fine). We refuse such names here, and refuse names that would
import something else (`email.xlsm` would import the standard library's email). Alternatives weighed:
an `OnAction` with arguments (`'RunPython "import gendan_xl.doors.xl; ..."'`) is undocumented in the file format
and cannot be checked without Excel; the xlwings add-in's ribbon or Reports are either per-machine or PRO.

The VBA project knows the document modules ThisWorkbook, Sheet1 and Sheet2; XlsxWriter gives our sheets the
code names Sheet1…Sheet8, so Excel adds empty modules for the others when it first saves the workbook.
Harmless: our macro lives in a standard module (Module1), not in a sheet's event handlers.
"""
from __future__ import annotations

import io
import keyword
import sys
import zipfile
from pathlib import Path

from gendan_xl.books.new_master import SAMPLES, build_master, make_orders
from gendan_xl.errors import GendanError, XlsmNameError
from gendan_xl.doors.xl import BUTTONS, VERSION_NAME

XLWINGS_SOURCE = "quickstart_standalone.xlsm"  # the file `xlwings quickstart --standalone` copies
MACRO = "SampleCall"  # Module1 of that VBA project: imports the workbook-named module, calls main()
VBA_PART = "xl/vbaProject.bin"
MODULE_MARK = "Written by gendan-xl"
MODULE_TEXT = '''"""The buttons of {workbook} call this file. {mark}; do not edit.

Excel's RunPython (xlwings) imports the Python module named like the workbook, {stem}.py, from the
workbook's folder and calls its main(). Keep both files in one folder with the same name: if you rename
the workbook, rename this file to match.
"""
from gendan_xl.doors.xl import main

__all__ = ["main"]
'''
# Where the buttons sit: row 2, above the frozen header (so they stay visible while scrolling down).
BUTTON_ROW = 1
BUTTON_ROW_HEIGHT = 26  # points
BUTTON_PLACES = {"refresh": (3, 170), "validate": (5, 120)}  # action → (0-based column, width in pixels)



def xlwings_vba_project() -> tuple[bytes, str]:
    """(vbaProject.bin, xlwings version) from the installed xlwings package's standalone quickstart."""
    import xlwings

    source = Path(xlwings.__file__).parent / XLWINGS_SOURCE
    try:
        with zipfile.ZipFile(source) as zf:
            return zf.read(VBA_PART), xlwings.__version__
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise GendanError.said("xlwings-broken", path=source, version=xlwings.__version__, part=XLWINGS_SOURCE,
                               why=exc) from exc


def module_name(path: str | Path) -> str:
    """The module a button of `path` imports (its stem), or XlsmNameError saying which name to use."""
    path = Path(path)
    stem = path.stem
    if path.suffix.lower() != ".xlsm":
        raise XlsmNameError.said("xlsm-suffix", name=path.name, stem=stem)
    if not stem.isidentifier() or keyword.iskeyword(stem):
        fixed = "".join(ch if (ch.isalnum() or ch == "_") else "_" for ch in stem)
        fixed = fixed if fixed.isidentifier() and not keyword.iskeyword(fixed) else "_" + fixed
        raise XlsmNameError.said("xlsm-identifier", name=path.name, stem=stem, fixed=fixed)
    if stem in sys.stdlib_module_names or stem in _installed_top_level():
        raise XlsmNameError.said("xlsm-shadowed", name=path.name, stem=stem)
    return stem


def _installed_top_level() -> set[str]:
    from importlib.metadata import packages_distributions

    return set(packages_distributions()) | {"gendan_xl", "xlwings"}


def _our_module_path(path: Path) -> Path:
    """`<stem>.py` beside `path`, or XlsmNameError when a file of that name exists and is not ours."""
    module = path.with_name(module_name(path) + ".py")
    if module.exists() and MODULE_MARK not in module.read_text(encoding="utf-8", errors="replace"):
        raise XlsmNameError.said("xlsm-module-taken", path=module)
    return module


def write_button_module(path: str | Path) -> Path:
    """Write `<stem>.py` beside the .xlsm `path`: the module its buttons import. Rewrites only our own file."""
    path = Path(path)
    module = _our_module_path(path)
    module.write_text(MODULE_TEXT.format(workbook=path.name, stem=path.stem, mark=MODULE_MARK), encoding="utf-8")
    return module


def build_master_xlsm(path: str | Path, orders: list | None = None, *, examples: bool = True) -> Path:
    """Write the master workbook as .xlsm with the Refresh and Validate buttons on 订单, and the module
    they import beside it (`orders.xlsm` → `orders.py`). `orders=None`: the sample orders when `examples`,
    else none. Returns the workbook's path."""
    path = Path(path)
    _our_module_path(path)  # refuse a name the buttons cannot import before writing anything
    vba, version = xlwings_vba_project()
    if orders is None:
        orders = make_orders() if examples else []

    def decorate(wb, orders_ws) -> None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
        # the xlwings version the VBA came from, for xl.py to compare with the one running
        wb.define_name(VERSION_NAME, f'="{version}"')
        orders_ws.set_row(BUTTON_ROW, BUTTON_ROW_HEIGHT)
        for action, caption in BUTTONS:
            col, width = BUTTON_PLACES[action]
            orders_ws.insert_button(BUTTON_ROW, col, {
                "macro": MACRO, "caption": caption, "width": width, "height": 30, "y_offset": 2,
                "description": caption})

    build_master(path, orders, examples=examples, decorate=decorate)
    write_button_module(path)
    return path


def build_sample_xlsm(out_dir: Path = SAMPLES) -> Path:
    """workbooks/orders.xlsm (+ orders.py): the sample orders with buttons."""
    return build_master_xlsm(Path(out_dir) / "orders.xlsm", make_orders())


def init_workbook(path: str | Path, *, xlsm: bool = False) -> list[Path]:
    """A new, empty master workbook at `path` (the `init-workbook` command): the sample's sheets and headers
    without its orders; with `xlsm` (or an .xlsm name) the macro twin with the 刷新状态 / 校验 buttons and the
    `<name>.py` its buttons import, beside it. Returns what was written; never overwrites anything."""
    path = Path(path)
    if path.exists():
        raise GendanError.said("new-exists", path=path)
    if xlsm or path.suffix.lower() == ".xlsm":
        build_master_xlsm(path, [], examples=False)
        return [path, path.with_suffix(".py")]
    build_master(path, [], examples=False)
    return [path]
