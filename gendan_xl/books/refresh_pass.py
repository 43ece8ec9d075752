"""The refresh in one pass over the orders sheet (issue 13): each chunk of rows is read, its lines' status
computed, and the rows written back with our cells, before the next chunk is read.

    inflate → rows → the fields the status needs → status → our cells in the rows → deflate

The cells are the ones `refresh.plan_refresh` would plan from the whole sheet, chunk by chunk: our columns
are placed from the header before any data row is read; each line gets its status; a row between lines
that is no line gets ours cleared; under the last line, rows are cleared down to the last one that still
shows an old status (an order deleted since). Two things a header cannot tell are checked as the rows go
by: where new columns go depends on the sheet's width, guessed from its first rows and verified on every
row (when the guess is wrong — a value further right than any in the first rows — the pass is made again,
knowing the width); and the <dimension> the rows end up spanning, written last (patch.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from gendan_xl import defaults
from gendan_xl.books.refresh import COLUMN_KINDS, STAMP, column_widths, place_columns, status_colours
from gendan_xl.books.refresh_pipe import writer_for
from gendan_xl.books.streamed import OrdersRun
from gendan_xl.errors import Issue
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary
from gendan_xl.sheet_data import SheetLayout
from gendan_xl.status import StatusResult
from gendan_xl.status_lines import STATUSES
from gendan_xl.xlsx.atomic import AtomicFile
from gendan_xl.xlsx.cells import Values, group
from gendan_xl.xlsx.condformat import CFRule
from gendan_xl.xlsx.lines import OrdersStream
from gendan_xl.xlsx.look import ColumnLook, HeadRows
from gendan_xl.xlsx.patch import SheetRewrite, damaged, gc_paused
from gendan_xl.xlsx.result import PatchResult
from gendan_xl.xlsx.source import WorkbookFile


@dataclass
class Pass:
    """A pass made: the new package, checked and not yet in place, and what went into it."""

    new: AtomicFile
    patch: PatchResult
    status: StatusResult
    orders: SheetLayout
    issues: list[Issue]
    lang: str
    columns: dict[str, int]  # where our columns went
    colours: list[CFRule]


@gc_paused
def refresh_pass(wf: WorkbookFile, out: Path, *, today: dt.date, now: dt.datetime, sheet: str | None = None,
                 lang: str | None = None, warning_days: int = defaults.WARNING_DAYS, weekly: str = defaults.WEEKLY,
                 due: str = defaults.DUE, vocabulary: Vocabulary = DEFAULT_VOCABULARY,
                 keep_lines: bool = False, most: int | None = None,
                 progress: Callable[[str, int, int | None], None] | None = None,
                 processes: int | None = None) -> Pass:
    """The refreshed package of `wf`, to go to `out` (the workbook or its sidecar), checked; not committed.
    `processes`: 2 writes the rows in a second process while this one reads (refresh_pipe.py), 1 in this
    one; None chooses 2 where a fork is safe and the sheet big enough for it to pay."""
    width = None
    while True:
        run = OrdersRun(wf, today=today, sheet=sheet, lang=lang, warning_days=warning_days, weekly=weekly,
                        due=due, vocabulary=vocabulary, keep=STATUSES if keep_lines else None,
                        most=None if keep_lines else most, progress=progress)
        try:
            done, true_width = _one_pass(run, out, now=now, lang=lang, width=width, processes=processes)
        except Exception as exc:
            raise damaged(wf.name, exc) from exc
        if true_width is None:
            return done
        done.new.discard()
        width = true_width  # the guess was wrong: again, knowing it


def _one_pass(run: OrdersRun, out: Path, *, now: dt.datetime, lang: str | None, width: int | None,
              processes: int | None) -> tuple[Pass, int | None]:
    """One pass; returns it with None, or with the sheet's true width when new columns were placed at a
    width guessed too small (the pass is then to be made again): a column in use further right than the
    first rows showed, or a range merged over the table's rows where ours went (a remark merged over the
    columns right of it: our cells would be hidden under it)."""
    orders = run.orders
    lang = lang or orders.lang
    hdr = orders.header_row
    guess = max(orders.width, len(orders.headers)) if width is None else width
    placed, own, new_cols = place_columns(orders, orders.headers, guess)
    orders.watch(placed.values(), width_from=guess if new_cols and width is None else None)
    orders.hold = True
    when = now.strftime("%Y-%m-%d %H:%M")

    patch = PatchResult(path=out, sheet=orders.sheet, part=orders.part)
    pfx, date1904 = orders.xml.pfx, run.book.date1904
    values = Values(pfx, date1904, patch)
    stamp = {(hdr - 1, placed["status"]): STAMP[lang].format(when=when)} if hdr > 1 else {}
    cols = [(placed[key], key) for key, _ in own]
    rows = group(stamp, {placed[key]: (hdr, [header]) for key, header in own}, pfx, date1904, patch, values)
    colours = status_colours(placed["status"], hdr, lang)
    rewrite = SheetRewrite(run.wf, orders.sheet, orders.xml, rows, values, patch, cf_rules=colours,
                           table_over=orders.block)  # (an Excel table beside the orders table is not grown)
    rewrite.patcher.look = _look(rewrite, orders, placed, own, lang, new_cols)
    with writer_for(rewrite, cols, lang, when, processes=processes) as writer:
        done_to = hdr  # our columns hold their values down to this row
        for chunk, shared, _ in run:
            end = chunk.lines[-1] if chunk.lines else done_to
            if chunk.marked:  # rows under the lines that still show an old status are cleared down to the last
                end = max(end, chunk.marked[-1])
            # a row that is no line has ours cleared
            writer.rows(chunk.xml, shared.on_rows(done_to + 1, end) if end > done_to else None)
            done_to = max(done_to, end)
        new, patch = writer.finish(orders.xml.tail)
    done = Pass(new, patch, run.result(), orders, run.issues(), lang, placed, colours)
    if new_cols:
        wider = max(orders.width if width is None else guess,
                    orders.past_merges([placed[key] for key in new_cols], hdr, done_to))
        if wider > guess:
            return done, wider
    return done, None



_TWO_LINES = 24.0  # points: a header row at least this tall shows two lines of a 9-11 pt font


def _look(rewrite: SheetRewrite, orders: OrdersStream, placed: dict[str, int], own: Sequence[tuple[str, str]],
          lang: str, anew: Sequence[str]) -> ColumnLook:
    """Our columns made to look like the table's last one: its header's format, the first line's font and
    borders; widths that show header and values whole (two header lines when the header row is that tall);
    the columns placed `anew` shown, even where the user had hidden every column right of the table."""
    hdr = orders.header_row
    head = HeadRows(orders.head_rows, orders.xml.pfx)
    lines = 2 if (head.heights.get(hdr) or 0) >= _TWO_LINES else 1
    widths = column_widths(own, lang, lines)
    ours = set(placed.values())
    like = max((c for c in orders.block if c not in ours), default=max(orders.columns.values()))
    return ColumnLook.of(rewrite.styles, head, hdr, like,
                         {placed[key]: COLUMN_KINDS[key] for key, _ in own},
                         {placed[key]: widths[key] for key, _ in own}, anew={placed[key] for key in anew})

