"""Write cells into one worksheet of an existing workbook and leave everything else byte for byte.

openpyxl load + save rewrites or drops what it does not model (shapes, form controls, threaded comments,
x14 extensions, cached formula values, calcChain, printer settings: see MEASURED.md), so we never save a
user's workbook with it. Instead `patch_sheet` streams the one worksheet part through a byte-level row
scanner, rewrites only the cells we own, and copies every other zip member's *compressed* bytes unchanged
(same names, same order). The only other parts it may change, and only when it must:

- `xl/styles.xml`: one `yyyy-mm-dd` number format + cell format when a date is written (reused on later
  runs), and one `<dxf>` per conditional-format colour (reused when an identical one exists);
- the table part (`xl/tables/tableN.xml`) of a table whose header row we extend to the right;
- `xl/workbook.xml`: only the hidden `_xlnm._FilterDatabase` name of a sheet-level autofilter we extend.

Safety: `patch_sheet` refuses to write a workbook that is open in Excel or LibreOffice (`is_open`),
writes a temp file in the same folder, re-reads it with python-calamine to check that every written
value landed, keeps the previous version in `.gendan-backup/`, then `os.replace`s (`atomic.AtomicFile`).
On any failure the original is untouched and the temp file removed.

Deliberate surprises:
- text is always written as an inline string (`t="inlineStr"`), so sharedStrings.xml stays untouched;
  text starting with `=` is text, never a formula;
- a cell holding a formula (or inside an array formula's range) is never written: it is reported in
  `PatchResult.skipped`, and the caller turns that into an Issue (`PatchResult.issues()`);
- formulas that depend on the cells we write keep their old cached values until Excel recalculates.

The parts, one module each: `cells` (values and the cells to write), `styles` (styles.xml), `tables`
(table parts, autofilters), `condformat` (conditional formats), `rows` with `row_cells`, `row_batch` and
`row_merge` (the worksheet scanner), `check` (the read-back check), `atomic` (owner files, backups).
"""
from __future__ import annotations

import datetime as _dt
import functools
import gc
import os
import re
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any, Iterable, Mapping
from xml.etree import ElementTree as ET

from gendan_xl.errors import GendanError, PatchError, UnusableWorkbookError, WorkbookOpenError
from gendan_xl.xlsx.atomic import AtomicFile, is_open, sidecar_path
from gendan_xl.xlsx.cells import DATE, DATETIME, group
from gendan_xl.xlsx.check import read_back
from gendan_xl.xlsx.condformat import CFRule, check_rule
from gendan_xl.xlsx.package import (SHEET_LEVEL, ZipWriter, deflate, fast_zlib, find_sheet, inflate_member,
                                    open_package, relationships)
from gendan_xl.xlsx.result import PatchResult
from gendan_xl.xlsx.rows import SheetPatcher
from gendan_xl.xlsx.styles import DATE_FORMAT, DATETIME_FORMAT, Styles
from gendan_xl.xlsx.tables import TablePart, load_table, plan_tables, update_filter_name


def _gc_paused(fn: Any) -> Any:
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


@_gc_paused
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
    verify: bool = True,
    now: _dt.datetime | None = None,
) -> PatchResult:
    """Write `cells` ({(row, col): value}) into worksheet `sheet_name` of `path`. A row is Excel's row
    number, a column a 0-based index (`refs`: {(12, 10): v} writes K12).

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
    src_path = Path(path)
    dest = Path(out_path) if out_path is not None else src_path
    if out_path is None:
        lock = is_open(src_path)
        if lock is not None:
            raise WorkbookOpenError(
                f"{src_path.name} is open in Excel or LibreOffice ({lock.name} exists); close it and run "
                f"again, or write {sidecar_path(src_path).name} instead")
    if not src_path.is_file():
        raise UnusableWorkbookError(f"{src_path} does not exist; check the path")
    cf_rules = list(conditional_formats)
    for rule in cf_rules:
        check_rule(rule)

    pkg = open_package(src_path)
    new: AtomicFile | None = None
    try:
        with pkg.zf, open(src_path, "rb") as src:
            index, part = find_sheet(pkg, src_path, sheet_name)
            result = PatchResult(path=dest, sheet=pkg.sheets[index][0], part=part)
            info = {zi.filename: zi for zi in pkg.zf.infolist()}
            head = re.search(rb"<(\w+:)?worksheet\b", b"".join(_first(inflate_member(src, info[part]), 1 << 16)))
            pfx = (head.group(1) or b"") if head else b""
            by_row = group(cells or {}, columns or {}, pfx, pkg.date1904, result)

            styles_part = next((t for _, k, t in relationships(pkg.zf, pkg.names, pkg.workbook) if k == "styles"), None)
            styles_part = pkg.part(styles_part) if styles_part else None
            styles = Styles(pkg.zf.read(styles_part) if styles_part else None)
            kinds = by_row.kinds
            date_xfs = {k: styles.date_xf(code) for k, code in ((DATE, DATE_FORMAT), (DATETIME, DATETIME_FORMAT))
                        if k in kinds}

            tables: list[TablePart] = []
            if extend_tables:
                for _, kind, target in relationships(pkg.zf, pkg.names, part):
                    actual = pkg.part(target)
                    if kind == "table" and actual:
                        t = load_table(actual, pkg.zf.read(actual))
                        if t:
                            tables.append(t)
                plan_tables(tables, by_row, pfx, result)
            patcher = SheetPatcher(by_row, styles, tables, cf_rules, result, date_xfs, extend_tables)

            new = AtomicFile(dest)
            with tempfile.TemporaryFile(dir=dest.parent) as spool:
                # 1. the sheet, deflated into a spool: its tail decides what styles.xml gains
                crc, usize, csize = _deflate_sheet(patcher, inflate_member(src, info[part]), spool)

                replaced: dict[str, bytes] = {}
                if styles.changed and styles_part and styles.data is not None:
                    replaced[styles_part] = styles.data
                for t in tables:
                    if t.changed:
                        replaced[t.part] = t.data
                af_ref = patcher.autofilter_ref
                if af_ref:
                    wb = update_filter_name(pkg.zf.read(pkg.workbook), index, af_ref)
                    if wb is not None:
                        replaced[pkg.workbook] = wb

                # 2. the package, in the original member order
                writer = ZipWriter(new.file)
                for zi in pkg.zf.infolist():
                    if zi.filename == part:
                        spool.seek(0)
                        writer.write_new(zi, crc & 0xFFFFFFFF, usize, csize, iter(lambda: spool.read(1 << 20), b""))
                    elif zi.filename in replaced:
                        c, u, s, data = deflate(replaced[zi.filename])
                        writer.write_new(zi, c, u, s, [data])
                    else:
                        writer.copy_raw(src, zi)
                writer.close(pkg.zf.comment)
            result.changed_parts = [part] + sorted(replaced)

        skipped = patcher.skipped_rc
        del patcher  # and with it the cell templates: the check needs the memory more

        def check(tmp: Path) -> None:
            read_back(tmp, result, by_row, skipped, dest.name)
            result.verified = True

        busy = WorkbookOpenError(f"{dest.name} cannot be replaced (open in another program?); close it and "
                                 f"run again, or write {sidecar_path(dest).name} instead")  # Windows: Excel holds it
        result.backup = new.commit(check=check if verify else None, backups=backups if out_path is None else 0,
                                   now=now, mode_of=src_path, busy_error=busy)
        return result
    except (zipfile.BadZipFile, zlib.error, struct.error, ET.ParseError, EOFError) as exc:
        raise UnusableWorkbookError(f"{src_path.name} is damaged ({exc}); open and save it in Excel first") from exc
    except ValueError as exc:
        if isinstance(exc, GendanError):
            raise
        raise PatchError(f"{src_path.name}: {exc}; the workbook is unchanged") from exc
    except OSError as exc:
        raise PatchError(f"{dest.name} could not be written ({exc.strerror or exc}); "
                         "check the folder is writable and has space") from exc
    finally:
        if new is not None:
            new.discard()


def _deflate_sheet(patcher: SheetPatcher, chunks: Iterable[bytes], spool: IO[bytes]) -> tuple[int, int, int]:
    """Stream the worksheet through `patcher`, deflated into `spool`: (crc, size, compressed size). A function
    of its own so that its chunks (megabytes each) are freed when it returns, before the check."""
    comp = fast_zlib.compressobj(SHEET_LEVEL, zlib.DEFLATED, -15)
    crc = usize = csize = 0
    for chunk in chunks:
        piece = patcher.feed(chunk)
        if piece:
            crc, usize = fast_zlib.crc32(piece, crc), usize + len(piece)
            z = comp.compress(piece)
            csize += len(z)
            spool.write(z)
    piece = patcher.finish()
    crc, usize = fast_zlib.crc32(piece, crc), usize + len(piece)
    z = comp.compress(piece) + comp.flush()
    csize += len(z)
    spool.write(z)
    return crc, usize, csize


def _first(chunks: Iterable[bytes], limit: int) -> Iterable[bytes]:
    got = 0
    for chunk in chunks:
        yield chunk
        got += len(chunk)
        if got >= limit:
            return
