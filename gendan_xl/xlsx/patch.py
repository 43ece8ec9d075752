"""Write cells into one worksheet of an existing workbook and leave everything else byte for byte.

openpyxl load + save rewrites or drops what it does not model (shapes, form controls, threaded comments,
x14 extensions, cached formula values, calcChain, printer settings: see MEASURED.md), so we never save a
user's workbook with it. Instead the one worksheet part streams through a byte-level row scanner
(`SheetRewrite`), only the cells we own are rewritten, and every other zip member's *compressed* bytes are
copied unchanged (same names, same order). The only other parts it may change, and only when it must:

- `xl/styles.xml`: one `yyyy-mm-dd` number format + cell format when a date is written (reused on later
  runs), the cell formats of a look (`look.ColumnLook`: our columns like the table's, each added once), and
  one `<dxf>` per conditional-format colour (reused when an identical one exists);
- the table part (`xl/tables/tableN.xml`) of a table whose header row we extend to the right;
- `xl/workbook.xml`: only the hidden `_xlnm._FilterDatabase` name of a sheet-level autofilter we extend.

The rows stream: `SheetRewrite.feed` takes whole rows as they come (a refresh computes each chunk's cells
while it reads the sheet: books/refresh.py), so no sheet is held whole. The worksheet's head, whose
<dimension> depends on every row, is deflated last and put in front of the rows (two deflate streams, the
first ended by a full flush, are one valid stream; their CRCs are combined).

Safety: the new package is written to a temp file beside the workbook and proven sound (soundness.py:
structural checks while streaming, each distinct cell parsed once, the member re-inflated to its CRC,
every other member the original's, the zip directory read back); the previous version is kept in
`.gendan-backup/`; then one `os.replace` (atomic.AtomicFile). On any failure the workbook is untouched.

Deliberate surprises:
- text is always written as an inline string (`t="inlineStr"`), so sharedStrings.xml stays untouched;
  text starting with `=` is text, never a formula;
- a cell holding a formula (or inside an array formula's range) is never written: it is reported in
  `PatchResult.skipped`, and the caller turns that into an Issue (`PatchResult.issues()`);
- formulas that depend on the cells we write keep their old cached values until Excel recalculates.

The parts, one module each: `cells` (values and the cells to write), `styles` (styles.xml), `look` (the
formats and widths of the columns a refresh writes), `tables` (table parts, autofilters), `condformat`
(conditional formats), `rows` with `row_cells`, `row_batch` and `row_merge` (the worksheet scanner),
`soundness` (the checks), `atomic` (owner files, backups, the write).
"""
from __future__ import annotations

import datetime as _dt
import functools
import gc
import itertools
import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterable, Mapping
from xml.etree import ElementTree as ET

from gendan_xl.errors import GendanError, PatchError, UnusableWorkbookError, WorkbookOpenError
from gendan_xl.xlsx.atomic import AtomicFile, is_open, sidecar_path
from gendan_xl.xlsx.cells import DATE, DATETIME, Rows, Values, group
from gendan_xl.xlsx.condformat import CFRule, check_rule
from gendan_xl.xlsx.package import SHEET_LEVEL, ZipWriter, deflate, fast_zlib, find_sheet, open_package, relationships
from gendan_xl.xlsx.result import PatchResult
from gendan_xl.xlsx.rows import SheetPatcher
from gendan_xl.xlsx.soundness import Templates, check_package
from gendan_xl.xlsx.source import WorkbookFile
from gendan_xl.xlsx.stream import SheetXml
from gendan_xl.xlsx.styles import DATE_FORMAT, DATETIME_FORMAT, DateFormats, Styles
from gendan_xl.xlsx.tables import TablePart, load_table, plan_tables, update_filter_name


def gc_paused(fn: Any) -> Any:
    """Run `fn` with Python's cycle collector off. A million-row patch keeps millions of new objects alive
    (values, cell formats, row pieces), none of them cyclic garbage, and the collector would walk them all
    again and again as they pile up (~15% of a 300k-row patch). Restored even when `fn` raises."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return run


def damaged(name: str, exc: BaseException) -> GendanError:
    """The one line for a failure while rewriting: input we cannot use, or a write that failed."""
    if isinstance(exc, GendanError):
        return exc
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, struct.error, ET.ParseError, EOFError)):
        return UnusableWorkbookError(f"{name} is damaged ({exc}); open and save it in Excel first")
    if isinstance(exc, OSError):
        return PatchError(f"{name} could not be written ({exc.strerror or exc}); check the folder is writable "
                          "and has space")
    return PatchError(f"{name}: {exc}; the workbook is unchanged")


_KEEP = 50_000  # distinct values (and their cell templates) kept between runs of rows: labels, days, dates


class SheetRewrite:
    """A new version of the workbook in `wf` (`source.WorkbookFile`) with worksheet `sheet_name` rewritten
    as its rows stream through (`feed`): the cells of `rows` (cells.Rows, which may grow as rows come:
    `Rows.extend`) written over them. `finish` writes the package beside `dest` and proves it sound;
    the caller then commits it (`AtomicFile.commit`) or throws it away."""

    def __init__(self, wf: WorkbookFile, sheet_name: str, xml: SheetXml, rows: Rows, values: Values,
                 result: PatchResult, *, cf_rules: Iterable[CFRule] = (), extend_tables: bool = True,
                 table_over: range | None = None):
        self.wf, self.xml, self.rows, self.values, self.result = wf, xml, rows, values, result
        pkg = open_package(wf)
        self._pkg = pkg
        self.index, self.part = find_sheet(pkg, wf.path, sheet_name)
        styles_part = next((t for _, k, t in relationships(pkg.zf, pkg.names, pkg.workbook) if k == "styles"), None)
        self._styles_part = pkg.part(styles_part) if styles_part else None
        self.styles = Styles(pkg.zf.read(self._styles_part) if self._styles_part else None)
        date_xfs = DateFormats(self.styles, {DATE: DATE_FORMAT, DATETIME: DATETIME_FORMAT})
        self.tables: list[TablePart] = []
        if extend_tables:
            for _, kind, target in relationships(pkg.zf, pkg.names, self.part):
                actual = pkg.part(target)
                if kind == "table" and actual:
                    t = load_table(actual, pkg.zf.read(actual))
                    if t:
                        self.tables.append(t)
            plan_tables(self.tables, rows, xml.pfx, result, over=table_over)
        self.templates = Templates(xml.pfx, pkg.date1904, wf.name)
        self.patcher = SheetPatcher(rows, self.styles, self.tables, list(cf_rules), result, date_xfs, extend_tables,
                                    self.templates)
        self._spool = tempfile.TemporaryFile(dir=result.path.parent)
        self._comp = fast_zlib.compressobj(SHEET_LEVEL, zlib.DEFLATED, -15)
        self._crc = self._usize = self._csize = 0
        self._put(self.patcher.feed(xml.head))

    def _put(self, piece: bytes) -> None:
        if piece:
            self._crc, self._usize = fast_zlib.crc32(piece, self._crc), self._usize + len(piece)
            z = self._comp.compress(piece)
            self._csize += len(z)
            self._spool.write(z)

    def feed(self, rows_xml: bytes, *, forget: bool = False) -> None:
        """The next whole rows of the sheet; `rows` must hold their cells by now. With `forget`, what was
        made for them (their values, cell templates) is let go once they are written: a refresh's reasons
        are nearly all different, and a million of them would otherwise pile up."""
        self._put(self.patcher.feed_rows(rows_xml))
        if forget:
            self.rows.release(self.patcher.last_row + 1)
            if len(self.values.memo) > _KEEP or self.patcher.cached() > _KEEP:
                self.values.memo.clear()
                self.patcher.forget()

    def finish(self, new: AtomicFile | None = None) -> AtomicFile:
        """The rest of the sheet (its tail), then the new package in a temp file beside the destination
        (`new`, when the caller made it: a refresh's writing process writes into its parent's), proven
        sound. Returns it uncommitted."""
        patcher, result, pkg = self.patcher, self.result, self._pkg
        self._put(patcher.feed(self.xml.tail or b""))
        self._put(patcher.finish())
        self.templates.flush()
        z = self._comp.flush()
        self._csize += len(z)
        self._spool.write(z)
        # the head last: its <dimension> covers every row written
        head = patcher.final_head()
        hz = zlib.compressobj(6, zlib.DEFLATED, -15)
        head_z = hz.compress(head) + hz.flush(zlib.Z_FULL_FLUSH)
        crc = fast_zlib.crc32_combine(zlib.crc32(head), self._crc, self._usize) if hasattr(
            fast_zlib, "crc32_combine") else _crc_combine(zlib.crc32(head), self._crc, self._usize)
        usize, csize = len(head) + self._usize, len(head_z) + self._csize

        replaced: dict[str, bytes] = {}
        if self.styles.changed and self._styles_part and self.styles.data is not None:
            replaced[self._styles_part] = self.styles.data
        for t in self.tables:
            if t.changed:
                replaced[t.part] = t.data
        if patcher.autofilter_ref:
            wb = update_filter_name(pkg.zf.read(pkg.workbook), self.index, patcher.autofilter_ref)
            if wb is not None:
                replaced[pkg.workbook] = wb

        new = new if new is not None else AtomicFile(result.path)
        try:
            writer = ZipWriter(new.file)
            data = self.wf.data
            for zi in pkg.zf.infolist():
                if zi.filename == self.part:
                    self._spool.seek(0)
                    # a piece at a time: the whole deflated sheet (70 MB at a million lines) is never held
                    writer.write_new(zi, crc & 0xFFFFFFFF, usize, csize,
                                     itertools.chain((head_z,), iter(lambda: self._spool.read(1 << 20), b"")))
                elif zi.filename in replaced:
                    c, u, s, z = deflate(replaced[zi.filename])
                    writer.write_new(zi, c, u, s, [z])
                else:
                    writer.copy_raw(_Bytes(data), zi)
            writer.close(pkg.zf.comment)
            self._spool.close()
            pkg.zf.close()
            result.changed_parts = [self.part] + sorted(replaced)
            new.seal()
            assert new.tmp is not None  # sealed, not yet committed nor discarded
            check_package(new.tmp, data, {self.part: (crc, usize)}, replaced, result.path.name)
            result.verified = True
            return new
        except BaseException:
            new.discard()
            raise


class _Bytes:
    """The source package's bytes as the file ZipWriter.copy_raw reads members from."""

    def __init__(self, data: bytes):
        self._view, self._pos = memoryview(data), 0

    def seek(self, pos: int) -> None:
        self._pos = pos

    def read(self, n: int) -> bytes:
        out = self._view[self._pos:self._pos + n]
        self._pos += len(out)
        return bytes(out)


def _crc_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A + B from crc(A), crc(B) and len(B): zlib's crc32_combine, for a zlib without it (ISA-L,
    our dependency, has it). crc(A) is carried through len(B) zero bytes by squaring the CRC's matrix."""
    def times(mat: list[int], vec: int) -> int:
        out, i = 0, 0
        while vec:
            if vec & 1:
                out ^= mat[i]
            vec >>= 1
            i += 1
        return out

    mat = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    for _ in range(3):  # one zero byte: 8 bits = three squarings
        mat = [times(mat, mat[n]) for n in range(32)]
    while len2:
        if len2 & 1:
            crc1 = times(mat, crc1)
        len2 >>= 1
        mat = [times(mat, mat[n]) for n in range(32)]
    return crc1 ^ crc2


@gc_paused
def patch_sheet(
    path: str | os.PathLike[str],
    sheet_name: str,
    cells: Mapping[tuple[int, int], Any] | None = None,
    *,
    columns: Mapping[int, tuple[int, Iterable[Any]]] | None = None,
    out_path: str | os.PathLike[str] | None = None,
    backups: int = 3,
    extend_tables: bool = True,
    conditional_formats: Iterable[CFRule] = (),
    now: _dt.datetime | None = None,
) -> PatchResult:
    """Write `cells` ({(row, col): value}) into worksheet `sheet_name` of `path`. A row is Excel's row
    number, a column a 0-based index (`cellrefs`: {(12, 10): v} writes K12).

    `columns` ({col: (first_row, values)}) is the same for whole columns: values[i] goes to row
    first_row + i. Prefer it for status columns of many rows: it costs one shared object per distinct
    value instead of a dict entry per cell. Where both name a cell, `cells` wins.

    Values: str (inline string; "=x" stays text), int/float/Decimal, bool, date/datetime (a serial number
    with a yyyy-mm-dd [hh:mm] format unless the cell already has a date format), None (clear the value,
    keep the style). A cell's existing style is kept. Formula cells are never written (see
    `PatchResult.skipped`). With `extend_tables`, a table or sheet autofilter whose header row gets new
    text cells right of its last column grows to cover them. `conditional_formats` are added once.

    Writes `out_path` when given (the sidecar for an open workbook; `path` is then only read), else
    replaces `path` atomically after keeping `backups` previous versions in `.gendan-backup/`.
    Raises WorkbookOpenError when `path` is open and no `out_path` is given, UnusableWorkbookError /
    MissingSheetError for input we cannot use, PatchError / PatchVerifyError when writing fails; in all
    cases the workbook is unchanged.
    """
    wf = WorkbookFile.read(path)
    dest = Path(out_path) if out_path is not None else wf.path
    if out_path is None:
        refuse_open(wf.path)
    cf_rules = list(conditional_formats)
    for rule in cf_rules:
        check_rule(rule)
    try:
        pkg = open_package(wf)
        with pkg.zf:
            index, part = find_sheet(pkg, wf.path, sheet_name)
            date1904 = pkg.date1904
        xml = SheetXml(wf.inflate(part), wf.name, part)
        result = PatchResult(path=dest, sheet=pkg.sheets[index][0], part=part)
        values = Values(xml.pfx, date1904, result)
        rows = group(cells or {}, columns or {}, xml.pfx, date1904, result, values)
        rewrite = SheetRewrite(wf, sheet_name, xml, rows, values, result, cf_rules=cf_rules,
                               extend_tables=extend_tables)
        for piece in xml.rows():
            rewrite.feed(piece)
        new = rewrite.finish()
    except Exception as exc:
        raise damaged(wf.name, exc) from exc
    commit(new, wf, result, backups=backups if out_path is None else 0, now=now)
    return result


def refuse_open(path: Path) -> None:
    lock = is_open(path)
    if lock is not None:
        raise WorkbookOpenError.said("is-open", name=path.name, lock=lock.name, sidecar=sidecar_path(path).name)


def commit(new: AtomicFile, wf: WorkbookFile, result: PatchResult, *, backups: int,
           now: _dt.datetime | None) -> None:
    """Put the checked package in place of `result.path`, keeping `backups` versions of what it replaces."""
    dest = result.path
    busy = WorkbookOpenError(f"{dest.name} cannot be replaced (open in another program?); close it and "
                             f"run again, or write {sidecar_path(dest).name} instead")  # Windows: Excel holds it
    try:
        result.backup = new.commit(backups=backups, now=now, like=wf.path, busy_error=busy)
    except Exception as exc:
        raise damaged(wf.name, exc) from exc
    finally:
        new.discard()
