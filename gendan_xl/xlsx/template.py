"""Fill OUR templates (quote, statement) with data: jinja2 placeholders in cells, repeated item rows.

Only our own templates (templates/*.xlsx, built by templates/build_templates.py) go through this module,
so openpyxl load + save is allowed here; a user's workbook never does.

Template language
-----------------
* A cell whose text holds `{{ expr }}` is rendered with jinja2 (sandboxed, strict: a misspelt name is a
  `TemplateError` naming the template cell, not an empty cell).
* A cell whose WHOLE text is one `{{ expr }}` gets the typed value: numbers stay numbers, dates stay dates
  (the template cell's number format is kept), `Decimal` becomes `float` (Excel stores doubles anyway; a
  Decimal with at most 15 significant digits comes back with the same digits), `None` leaves the cell empty.
  Mixed text (`Attn: {{ customer.attn }}`) renders to text; `None` renders as "".
* Item rows: a cell whose text starts with `{% row for NAME in EXPR %}` marks its row as the item row.
  The marker is removed and the rest of that cell is its template. The row is repeated once per item,
  with `NAME` and `loop` (`loop.index` 1-based, `loop.index0`, `loop.first`, `loop.last`, `loop.length`)
  bound. Each copy keeps the template row's styles, height and in-row merged cells; a template row with
  no height of its own gives each copy the height its wrapped cells need. Formulas in the
  item row are translated to each copy like Excel's fill-down (`=E14*G14` → `=E15*G15`). Several item
  rows in one sheet work (they are expanded bottom-up).
* Rows below an item row move down like an Excel row insert: their cells, styles, merged cells and row
  heights move, and every formula in the workbook is adjusted: a reference below the item row moves
  down, and a range that ends on (or spans) the item row grows to cover every copy — so a total written
  as `=SUM(H14:H14)` under a one-row template becomes `=SUM(H14:H20)` for seven items. The print area,
  print titles and defined names follow the same rule.
* With no items, the item row stays, with its styles, and is emptied (a SUM over it gives 0).
* A number format holding `{{ expr }}` is rendered with the document's context, so a setting can choose
  the decimals (`#,##0.{{ quote.price_zeros }}`) while the template keeps the look.
* Images: `fill_template(..., images={"logo": path})` puts a PNG or JPEG into the template's defined name
  `logo` (a range, the box), scaled to fit inside it with its proportions, right-aligned. A name given no
  image leaves the box empty: the template holds no placeholder text or frame for it.
* Formula injection: a rendered value is never a formula. Text that starts with `=`, `+`, `-` or `@` is
  written as a text cell with Excel's quote prefix (what typing a leading apostrophe does), so neither
  Excel nor LibreOffice turns it into a formula, even when someone edits the cell later.
* Filters on top of jinja2's: `date` (`{{ d | date }}` → 2026-11-27, or `date('%d %b %Y')`) and
  `number(places)` (`{{ x | number(2) }}` → 1,234.50).

Not handled (not used by our templates): conditional formats, data validations, images and comments
below an item row are not moved (so an image box sits above the first item row); formulas on other sheets are adjusted only where they name the sheet.

Why not xltpl
-------------
xltpl 0.21 (PyPI) was tried on a small quote template first (2026-11-27). Its row loop is a jinja `for`
spread over cells: written in one row it repeated the item cells sideways (A4..O4), and `{%tr%}`-style row
tags do not exist; formulas in the repeated row were copied verbatim (`=C4*D4` on every row), a total
`=SUM(E4:E4)` was not widened, user text `=HYPERLINK(...)` came out as a live formula, it prints its
compiled template to stdout (which would corrupt `--json`), and it pulls in xlrd and xlwt. Each of those
is something we need, so a small engine over openpyxl (this module) is the better fit.

PDF
---
`to_pdf` converts with LibreOffice (`soffice --headless --convert-to pdf`), each run with its own
throw-away profile directory so parallel runs do not fight over ~/.config/libreoffice.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import struct
import shutil
import signal
import subprocess
import tempfile
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from openpyxl import load_workbook
from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.utils.cell import range_boundaries
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import get_column_letter

from gendan_xl.errors import PdfError, TemplateError
from gendan_xl.xlsx.atomic import write_atomic
from gendan_xl.xlsx.writer import wrapped_lines

__all__ = ["TemplateError", "PdfError", "ItemBlock", "fill_template", "fill_workbook", "place_image", "to_pdf"]




@dataclass(frozen=True)
class ItemBlock:
    """Where one item row ended up: rows first..last (1-based) hold `count` items (count 0: row emptied)."""

    sheet: str
    template_row: int
    first_row: int
    last_row: int
    count: int


_ROW_MARKER = re.compile(r"^\s*\{%-?\s*row\s+for\s+(?P<target>[A-Za-z_]\w*)\s+in\s+(?P<expr>.+?)\s*-?%\}",
                         re.S)
_ONE_PLACEHOLDER = re.compile(r"^\s*\{\{(?P<expr>.*?)\}\}\s*$", re.S)
_FORMULA_START = ("=", "+", "-", "@")
# One A1 reference inside a formula operand, optionally sheet-qualified, optionally a range.
_REF = re.compile(
    r"^(?P<sheet>(?:'(?:[^']|'')+'|[^'!:]+)!)?"
    r"(?P<c1>\$?[A-Z]{1,3})?(?P<r1>\$?\d+)?"
    r"(?::(?P<c2>\$?[A-Z]{1,3})?(?P<r2>\$?\d+)?)?$"
)


# ---------------------------------------------------------------------------------------------- jinja


def _date_filter(value: Any, fmt: str = "%Y-%m-%d") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.strftime(fmt)
    return str(value)


def _number_filter(value: Any, places: int = 2) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.{places}f}"


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        finalize=lambda v: "" if v is None else v,
    )
    env.filters["date"] = _date_filter
    env.filters["number"] = _number_filter
    return env


class _Renderer:
    def __init__(self, template_name: str):
        self.env = _environment()
        self.name = template_name
        self._cache: dict[str, Any] = {}

    def _fail(self, where: str, exc: Exception) -> TemplateError:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return TemplateError(f"template {self.name}!{where}: {msg}; fix the placeholder in the template")

    def evaluate(self, expr: str, ctx: Mapping[str, Any], where: str) -> Any:
        try:
            fn = self._cache.get("e:" + expr)
            if fn is None:
                fn = self._cache["e:" + expr] = self.env.compile_expression(expr, undefined_to_none=False)
            value = fn(**ctx)
            if isinstance(value, jinja2.Undefined):
                str(value)  # StrictUndefined raises here, naming what is missing
            return value
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError) as exc:
            raise self._fail(where, exc) from exc

    def render(self, text: str, ctx: Mapping[str, Any], where: str) -> Any:
        """The value for a template cell: typed for a lone placeholder, else rendered text."""
        m = _ONE_PLACEHOLDER.match(text)
        if m and "{{" not in m.group("expr") and "{%" not in text:
            return self.evaluate(m.group("expr").strip(), ctx, where)
        try:
            tpl = self._cache.get("t:" + text)
            if tpl is None:
                tpl = self._cache["t:" + text] = self.env.from_string(text)
            return tpl.render(**ctx)
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError) as exc:
            raise self._fail(where, exc) from exc


def _has_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _put(cell, value: Any) -> None:
    """Write a rendered value: typed, and never a formula."""
    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, (jinja2.Undefined,)):
        value = None
    elif value is not None and not isinstance(value, (int, float, bool, str, _dt.date, _dt.datetime,
                                                      _dt.time, _dt.timedelta)):
        value = str(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.value = value
        cell.data_type = "s"  # openpyxl made it a formula because of the leading "="; undo that
        cell.quotePrefix = True
        return
    cell.value = value


# ------------------------------------------------------------------------------- reference shifting


def _shift_row(text: str | None, at: int, delta: int, is_end: bool) -> str | None:
    if not text:
        return text
    absolute = text.startswith("$")
    row = int(text.lstrip("$"))
    if row > at or (is_end and row == at):
        row += delta
    return ("$" if absolute else "") + str(row)


def _shift_ref(ref: str, at: int, delta: int) -> str:
    """Move one reference like an Excel row insert below row `at` (a range ending on `at` grows)."""
    m = _REF.match(ref)
    if not m or (m.group("r1") is None and m.group("r2") is None):
        return ref  # a name, a whole column (A:A), an error, ...
    sheet = m.group("sheet") or ""
    c1, r1, c2, r2 = m.group("c1") or "", m.group("r1"), m.group("c2") or "", m.group("r2")
    is_range = ":" in ref[len(sheet):]
    if not is_range:
        return f"{sheet}{c1}{_shift_row(r1, at, delta, False)}"
    return f"{sheet}{c1}{_shift_row(r1, at, delta, False) or ''}:{c2}{_shift_row(r2, at, delta, True) or ''}"


def _sheet_of(ref: str) -> str | None:
    m = _REF.match(ref)
    if not m or not m.group("sheet"):
        return None
    name = m.group("sheet")[:-1]
    if name.startswith("'"):
        name = name[1:-1].replace("''", "'")
    return name


def _shift_formula(formula: str, sheet: str, home: str | None, at: int, delta: int) -> str:
    """Adjust references to `sheet` in a formula that lives on sheet `home` (None: a defined name)."""
    bare = not formula.startswith("=")  # a defined name's text has no "="; the tokenizer needs one
    try:
        tok = Tokenizer("=" + formula if bare else formula)
    except Exception:  # openpyxl's tokenizer raises a bare TokenizerError; leave odd formulas alone
        return formula
    changed = False
    for t in tok.items:
        if t.type == Token.OPERAND and t.subtype == Token.RANGE:
            target = _sheet_of(t.value) or home
            if target == sheet:
                new = _shift_ref(t.value, at, delta)
                if new != t.value:
                    t.value = new
                    changed = True
    if not changed:
        return formula
    text = "".join(t.value for t in tok.items)
    return text if bare else "=" + text


def _shift_range_text(text: str, at: int, delta: int) -> str:
    """'A1:H30' or '$A$1:$H$30' (no sheet) → shifted like a formula reference."""
    return ",".join(_shift_ref(part.strip(), at, delta) for part in text.split(","))


# ------------------------------------------------------------------------------------- item rows


def _find_markers(ws) -> list[tuple[int, int, str, str]]:
    """(row, column, target, expr) for each item-row marker, top to bottom."""
    found: dict[int, tuple[int, int, str, str]] = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "{%" in cell.value:
                m = _ROW_MARKER.match(cell.value)
                if not m:
                    continue
                if cell.row in found:
                    raise TemplateError(f"template sheet {ws.title} row {cell.row} has two item-row markers; "
                                        "keep one `{% row for ... %}` per row")
                found[cell.row] = (cell.row, cell.column, m.group("target"), m.group("expr"))
    return [found[r] for r in sorted(found)]


def _insert_below(wb, ws, at: int, delta: int) -> None:
    """Open `delta` empty rows under row `at`, moving everything below like Excel's Insert Row."""
    if ws.max_row > at:
        ws.insert_rows(at + 1, delta)  # moves cells (values and styles), nothing else
    # merged cells below move; merged cells spanning the row are refused earlier
    for mr in list(ws.merged_cells.ranges):
        if mr.min_row > at:
            mr.shift(0, delta)
    # row heights and other row settings below move
    dims = ws.row_dimensions
    for idx in sorted((i for i in list(dims.keys()) if i > at), reverse=True):
        dim = dims.pop(idx)
        dim.index = idx + delta
        dims[idx + delta] = dim
    # every formula in the workbook that points at this sheet
    for other in wb.worksheets:
        for row in other.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    cell.value = _shift_formula(cell.value, ws.title, other.title, at, delta)
    if ws.print_area:
        area = ",".join(p.split("!")[-1] for p in ws.print_area.split(","))
        ws.print_area = _shift_range_text(area, at, delta)
    if ws.print_title_rows:
        first, last = (int(x.split("!")[-1].strip("$")) for x in ws.print_title_rows.split(":"))
        first, last = (first + delta if first > at else first), (last + delta if last > at else last)
        ws.print_title_rows = f"{first}:{last}"
    for names in (wb.defined_names, ws.defined_names):
        for dn in names.values():
            if dn.attr_text:
                dn.attr_text = _shift_formula(dn.attr_text, ws.title, ws.title if names is ws.defined_names
                                              else None, at, delta)


def _expand_block(wb, ws, renderer: _Renderer, ctx: Mapping[str, Any], marker) -> ItemBlock:
    at, mcol, target, expr = marker
    items_value = renderer.evaluate(expr, ctx, f"{ws.title}!{get_column_letter(mcol)}{at}")
    if items_value is None:
        items: list[Any] = []
    else:
        try:
            items = list(items_value)
        except TypeError as exc:
            raise TemplateError(f"template {renderer.name}!{ws.title}!{get_column_letter(mcol)}{at}: "
                                f"`{expr}` is not a list of items") from exc
    for mr in ws.merged_cells.ranges:
        if mr.min_row <= at <= mr.max_row and mr.min_row != mr.max_row:
            raise TemplateError(f"template {renderer.name}!{ws.title}: merged cells {mr.coord} span the "
                                f"item row {at}; merge only within the row")
    n = len(items)
    if n > 1:  # first, so the template row's own formulas are adjusted like every other
        _insert_below(wb, ws, at, n - 1)
    # snapshot the template row
    row_merges = [(mr.min_col, mr.max_col) for mr in ws.merged_cells.ranges if mr.min_row == mr.max_row == at]
    merged_tail = {c for lo, hi in row_merges for c in range(lo + 1, hi + 1)}
    template: list[tuple[int, Any, str, Any]] = []
    for col in range(1, ws.max_column + 1):
        if col in merged_tail:
            continue
        cell = ws.cell(row=at, column=col)
        value = cell.value
        if col == mcol:
            value = _ROW_MARKER.sub("", value, count=1)
        template.append((col, value, cell.data_type, copy(cell._style)))
    height = ws.row_dimensions[at].height if at in ws.row_dimensions else None

    for k in range(max(n, 1)):
        r = at + k
        loop = {"index": k + 1, "index0": k, "first": k == 0, "last": k == n - 1, "length": n}
        local = {**ctx, target: items[k], "loop": loop} if n else None
        for col, value, data_type, style in template:
            cell = ws.cell(row=r, column=col)
            cell._style = copy(style)
            where = f"{ws.title}!{get_column_letter(col)}{at}"
            if local is None:
                cell.value = None
            elif data_type == "f" and isinstance(value, str) and value.startswith("="):
                origin = f"{get_column_letter(col)}{at}"
                cell.value = Translator(value, origin=origin).translate_formula(f"{get_column_letter(col)}{r}") \
                    if k else value
            elif _has_template(value):
                _put(cell, renderer.render(value, local, where))
            else:
                cell.value = value
        if k:
            for lo, hi in row_merges:
                ws.merge_cells(start_row=r, start_column=lo, end_row=r, end_column=hi)
            if height is not None:
                ws.row_dimensions[r].height = height
        if height is None and local is not None:
            _fit_height(ws, r, dict(row_merges))
    return ItemBlock(ws.title, at, at, at + max(n, 1) - 1, n)


def _fit_height(ws, r: int, merges: Mapping[int, int]) -> None:
    """An item row without a height of its own: the height its wrapped cells need (Excel and LibreOffice
    show one line of a wrapped cell until someone edits the row)."""
    default = ws.sheet_format.defaultColWidth or 8.43
    best = 0.0
    for cell in ws[r]:
        if not (cell.alignment.wrap_text and isinstance(cell.value, str)):
            continue
        width = sum(ws.column_dimensions[get_column_letter(c)].width or default
                    for c in range(cell.column, merges.get(cell.column, cell.column) + 1))
        lines = wrapped_lines(cell.value, width)
        if lines > 1:
            best = max(best, lines * (cell.font.sz or 11) * 1.3 + 4)
    if best:
        ws.row_dimensions[r].height = round(best, 1)


# ----------------------------------------------------------------------------------------- public


def fill_workbook(wb, context: Mapping[str, Any], *, template_name: str = "template") -> list[ItemBlock]:
    """Fill an openpyxl workbook (one of OUR templates) in place; returns where the item rows went.
    Number formats holding a placeholder are rendered last, once the rows are where they end up."""
    renderer = _Renderer(template_name)
    ctx = dict(context)
    blocks: list[ItemBlock] = []
    for ws in wb.worksheets:
        markers = _find_markers(ws)
        item_rows = {m[0] for m in markers}
        # plain cells first: rendered user text must never be rendered a second time
        for row in ws.iter_rows():
            for cell in row:
                if cell.row in item_rows or cell.data_type == "f" or not _has_template(cell.value):
                    continue
                _put(cell, renderer.render(cell.value, ctx, f"{ws.title}!{cell.coordinate}"))
        # item rows bottom-up, so expanding one never moves a marker still to do
        sheet_blocks = [_expand_block(wb, ws, renderer, ctx, m) for m in reversed(markers)]
        # a lower block moved down by the blocks expanded after it
        fixed: list[ItemBlock] = []
        for blk in sheet_blocks:
            shift = sum(max(o.count, 1) - 1 for o in sheet_blocks if o.template_row < blk.template_row)
            fixed.append(ItemBlock(blk.sheet, blk.template_row, blk.first_row + shift, blk.last_row + shift,
                                   blk.count))
        blocks.extend(sorted(fixed, key=lambda b: b.template_row))
        for row in ws.iter_rows():
            for cell in row:
                if "{{" in cell.number_format:
                    cell.number_format = str(renderer.render(cell.number_format, ctx,
                                                             f"{ws.title}!{cell.coordinate} (number format)"))
    return blocks


# ------------------------------------------------------------------------------------------ images


class _Picture(Image):
    """openpyxl's Image without Pillow (not a dependency of ours): the bytes and the size we read ourselves."""

    def __init__(self, data: bytes, fmt: str, width: int, height: int):  # no super().__init__: it needs Pillow
        self.ref, self._bytes, self.format, self.width, self.height = None, data, fmt, width, height

    def _data(self) -> bytes:
        return self._bytes


def _image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width px, height px) of a PNG or JPEG, read from its header; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            # SOF0..SOF15 carry the frame size; C4 (huffman), C8 (reserved) and CC (arithmetic) do not
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return "jpeg", width, height
            i += 2 + length
    return None


def _box_pixels(ws, ref: str) -> tuple[int, int, int, int]:
    """(first column, first row, width px, height px) of a range, from its column widths and row heights."""
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    default_width = ws.sheet_format.defaultColWidth or 8.43
    default_height = ws.sheet_format.defaultRowHeight or 15
    width = sum(int((ws.column_dimensions[get_column_letter(c)].width or default_width) * 7 + 5)
                for c in range(min_col, max_col + 1))
    height = sum(int((ws.row_dimensions[r].height or default_height) * 96 / 72) for r in range(min_row, max_row + 1))
    return min_col, min_row, width, height


def place_image(wb, name: str, path: Path | str) -> None:
    """Put the PNG / JPEG `path` into the box of the defined name `name`: fit, proportions kept, against the
    box's right edge (where a letterhead's logo sits) and centred top to bottom."""
    path = Path(path)
    dn = wb.defined_names.get(name)
    if dn is None:
        raise TemplateError(f"template has no defined name {name!r} for an image; rebuild the templates")
    (sheet, ref), = list(dn.destinations)
    ws = wb[sheet]
    data = path.read_bytes()
    found = _image_size(data)
    if found is None or not all(found[1:]):
        raise TemplateError.said("logo-not-image", path=path)
    fmt, width, height = found
    col, row, box_w, box_h = _box_pixels(ws, ref)
    scale = min(box_w / width, box_h / height)
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    emu = 9525  # EMU per pixel at 96 dpi
    picture = _Picture(data, fmt, w, h)
    picture.anchor = OneCellAnchor(
        _from=AnchorMarker(col=col - 1, colOff=(box_w - w) * emu, row=row - 1, rowOff=(box_h - h) // 2 * emu),
        ext=XDRPositiveSize2D(w * emu, h * emu))
    ws.add_image(picture)


def fill_template(template: Path | str, context: Mapping[str, Any], out: Path | str, *,
                  images: Mapping[str, Path | str | None] | None = None) -> list[ItemBlock]:
    """Fill `template` (.xlsx, ours) with `context` and save the result to `out` (replaced atomically).
    `images`: defined name of a box in the template → the image to put in it (None: the box stays empty)."""
    template, out = Path(template), Path(out)
    try:
        wb = load_workbook(template)
    except FileNotFoundError as exc:
        raise TemplateError(f"template {template} not found; rebuild it with "
                            "`python templates/build_templates.py`") from exc
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
        raise TemplateError(f"template {template} cannot be read ({type(exc).__name__}); rebuild it with "
                            "`python templates/build_templates.py`") from exc
    blocks = fill_workbook(wb, context, template_name=template.name)
    for name, image in (images or {}).items():
        if image:
            place_image(wb, name, image)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, wb.save)
    return blocks


def to_pdf(xlsx_path: Path | str, out_dir: Path | str, soffice: str = "soffice", *,
           timeout: float = 180) -> Path:
    """Convert a workbook to PDF with LibreOffice; returns the PDF's path (out_dir/<stem>.pdf)."""
    return to_pdfs([xlsx_path], out_dir, soffice, timeout=timeout)[0]


def to_pdfs(xlsx_paths: Sequence[Path | str], out_dir: Path | str, soffice: str = "soffice", *,
            timeout: float = 180) -> list[Path]:
    """Convert workbooks to PDF with one LibreOffice start (its start-up is most of a conversion's time: the
    month's statements in one call take seconds, not a second or more each); returns out_dir/<stem>.pdf of each."""
    paths, out_dir = [Path(p) for p in xlsx_paths], Path(out_dir)
    names = ", ".join(p.name for p in paths)
    limit = timeout + 60 * (len(paths) - 1)   # the start once, then about a minute at most for each other file
    exe = shutil.which(soffice)
    if exe is None:
        raise PdfError.said("no-libreoffice", names=names, soffice=soffice)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / (p.stem + ".pdf") for p in paths]
    with tempfile.TemporaryDirectory(prefix="gendan-soffice-") as profile:
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nologo", "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, paths)]
        # soffice is a launcher that starts soffice.bin: its own session lets a timeout kill both
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfError.said("pdf-timeout", names=names, limit=limit) from None
    missing = [p.name for p, t in zip(paths, targets) if not t.exists()]
    if proc.returncode != 0 or missing:
        detail = (err or b"").decode("utf-8", "replace").strip().splitlines()
        raise PdfError.said("pdf-failed", names=", ".join(missing) or names,
                            why=detail[-1] if detail else f"exit code {proc.returncode}")
    return targets

