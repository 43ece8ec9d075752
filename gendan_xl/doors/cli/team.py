"""Commands on the team's workbooks: changes, kpi, watch (status, refresh and report take the team too)."""
from __future__ import annotations

import argparse
import datetime as dt
import signal
import threading
from pathlib import Path
from typing import Any

from gendan_xl.doors.cli.base import (EXIT_ISSUES, EXIT_OK, add_lang, calendar_options, chosen_lang, command, note,
                                      output_file, parse_day, print_result, print_table, run_lang, said, settings_for,
                                      split_result, warn)
from gendan_xl.i18n import say
from gendan_xl.i18n.terminal import CLI

CHANGE_COLUMNS = ("kind", "file", "cell", "order", "model", "customer", "merchandiser", "what")


def where(run: Any, file: str, row: int) -> tuple[str, str]:
    """(file name, cell) of a line of a team run's workbook, by its row."""
    wb = next((w for w in run.status.workbooks if w.file == file), None)
    return (Path(file).name, wb.cell_at(row) if wb is not None else str(row))


def print_unreadable(run: Any, lang: str) -> None:
    for wb in run.status.unreadable:
        warn("team.unreadable", lang, error=wb.error_in(lang))


TEAM_STATUS_COLUMNS = ("file", "cell", "merchandiser", "order", "customer", "model", "due", "status", "days_late",
                       "reason")


def print_team_status(run: Any, lang: str) -> None:
    """The team's overdue and at-risk lines (at most URGENT_SHOWN), each with its file and cell, then the counts."""
    from gendan_xl.delivery.report import urgent
    from gendan_xl.doors.cli.orders import URGENT_SHOWN
    from gendan_xl.status import counts_text

    of = run.status.workbook_of()
    lines = urgent(run.status.lines)
    if lines:
        print_table([say(CLI, f"status.{k}", lang) for k in TEAM_STATUS_COLUMNS], [
            (of[id(x)].path.name, of[id(x)].cell(x), x.merchandiser, x.order_no, x.customer, x.model, x.due_date,
             x.label(lang), x.days_late, x.reason(lang)) for x in lines[:URGENT_SHOWN]], max_width=60)
        if len(lines) > URGENT_SHOWN:
            print(say(CLI, "status.more", lang, n=len(lines) - URGENT_SHOWN))
        print()
    name = say(CLI, "team.files", lang, n=len(run.status.workbooks) - len(run.status.unreadable))
    print(say(CLI, "status.summary", lang, name=name, today=run.status.today)
          + (counts_text(run.status.counts, lang) or say(CLI, "status.none", lang)))


def team_status_command(args: argparse.Namespace, settings: Any) -> int:
    """`status` with no workbook: every team workbook (read only when changed), its snapshot kept."""
    from gendan_xl.doors.wiring import stored_team_run

    lang = run_lang(args, settings)
    settings = _with_options(args, settings)
    run = stored_team_run(settings, today=args.today or dt.date.today(), kind="status")
    print_unreadable(run, lang)
    if args.json:
        doc, _, _, issues = split_result(run.status.to_dict(lang))
        print_result(args, doc, ok=not run.status.unreadable, paths=run.files, issues=issues)
    else:
        print_team_status(run, lang)
    return EXIT_ISSUES if run.status.unreadable else EXIT_OK


def team_refresh_command(args: argparse.Namespace, settings: Any) -> int:
    """`refresh` with no workbook: each team workbook in turn; one that cannot be refreshed is a warning and
    the others go on. Then the team's snapshot is stored, as `status` stores it (a run of kind "refresh")."""
    from gendan_xl.books.refresh import refresh_workbook
    from gendan_xl.doors.wiring import stored_team_run, team_paths
    from gendan_xl.errors import GendanError

    lang = run_lang(args, settings)
    settings = _with_options(args, settings)
    worst, done = EXIT_OK, []
    today = args.today or dt.date.today()
    for path in team_paths(settings):
        try:
            result = refresh_workbook(path, today=today, now=dt.datetime.now(),
                                      sheet=args.sheet, lang=chosen_lang(args, settings),
                                      warning_days=settings.warning_days,
                                      weekly=settings.weekly, due=settings.due, vocabulary=settings.vocabulary,
                                      limits=settings.limits, force=args.force, most_urgent=0,
                                      backups=settings.backups if args.backups is None else args.backups)
        except (GendanError, OSError) as exc:
            warn("team.unreadable", lang, error=exc.message(lang) if isinstance(exc, GendanError) else str(exc))
            worst = EXIT_ISSUES
            continue
        if result.sidecar:
            warn("refresh.changed" if result.changed else "refresh.sidecar", lang,
                 name=path.name, lock=result.lock.name if result.lock else "", out=result.written)
            worst = EXIT_ISSUES if result.changed else worst
        done.append({"file": str(path), "written": str(result.written), "lines": result.status.line_count,
                     "counts": result.status.counts})
        if not args.json:
            print(say(CLI, "refresh.done", lang, path=result.written, n=result.status.line_count))
    stored_team_run(settings, today=today, kind="refresh")  # read again after the writes: records match the files
    if args.json:
        print_result(args, {"refreshed": done}, ok=worst == EXIT_OK, paths=team_paths(settings),
                     written=[d["written"] for d in done])
    return worst


def _with_options(args: argparse.Namespace, settings: Any) -> Any:
    """The settings with the command line's --warning-days, --weekly and --due in force."""
    import dataclasses

    return dataclasses.replace(settings, **calendar_options(args, settings))


# ------------------------------------------------------------------------------------------- changes

def _changes_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=parse_day)
    p.add_argument("--today", type=parse_day)
    add_lang(p)


@command("changes",
         "gendan-xl changes --since 2026-11-25", _changes_setup, wraps="team_changes")
def cmd_changes(args: argparse.Namespace) -> int:
    from gendan_xl.delivery.store import Store
    from gendan_xl.delivery.team import since_run, team_changes
    from gendan_xl.doors.wiring import team_run
    from gendan_xl.snapshots import kind_label

    settings = settings_for(args)
    lang = run_lang(args, settings)
    with Store(settings.data_dir) as store:
        run = team_run(settings, store, today=args.today or dt.date.today(), now=dt.datetime.now(), kind="changes")
        changes = team_changes(store, run.files, since_run=since_run(store, since=args.since, before=run.run),
                               until=run.run, weekly=settings.weekly)
    print_unreadable(run, lang)
    if args.json:
        doc = changes.to_dict(lang)
        for item, change in zip(doc["changes"], changes.changes):
            item["cell"] = where(run, change.file, change.row)[1]
        print_result(args, doc, ok=not run.status.unreadable, paths=run.files)
        return EXIT_ISSUES if run.status.unreadable else EXIT_OK
    rows = [(kind_label(c.kind, lang), *where(run, c.file, c.row), c.order_no, c.model, c.customer, c.merchandiser,
             c.describe(lang)) for c in changes.changes]
    if rows:
        print_table([say(CLI, f"changes.{k}", lang) for k in CHANGE_COLUMNS], rows, max_width=70)
        print()
    since = changes.since
    counts = "，" if lang == "zh" else ", "
    parts = counts.join(f"{kind_label(k, lang)} {n}" for k, n in changes.counts.items() if n)
    print(say(CLI, "changes.summary" if since else "changes.first", lang, today=since["today"] if since else "",
              kind=since["kind"] if since else "") + (parts or say(CLI, "changes.none", lang)))
    return EXIT_ISSUES if run.status.unreadable else EXIT_OK


# ----------------------------------------------------------------------------------------------- kpi

def _kpi_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", required=True)
    p.add_argument("--by", choices=("customer", "merchandiser", "model"))
    p.add_argument("--basis", choices=("line", "quantity"))
    p.add_argument("--today", type=parse_day)
    p.add_argument("--xlsx", type=Path, metavar="OUT.xlsx")
    add_lang(p)


@command("kpi",
         "gendan-xl kpi --period 2026-11 --by customer", _kpi_setup, wraps="on_time_rate")
def cmd_kpi(args: argparse.Namespace) -> int:
    from gendan_xl.books.kpi_workbook import kpi_workbook
    from gendan_xl.delivery.store import Store
    from gendan_xl.delivery.team import team_kpi, team_kpi_months
    from gendan_xl.doors.wiring import team_run
    from gendan_xl.xlsx.writer import write_new_workbook

    settings = settings_for(args)
    lang = run_lang(args, settings)
    today = args.today or dt.date.today()
    basis = args.basis or settings.kpi_basis
    out = output_file(args.xlsx)
    with Store(settings.data_dir) as store:
        run = team_run(settings, store, today=today, now=dt.datetime.now(), kind="kpi")
        kpi = team_kpi(store, run.files, args.period, as_of=today, basis=basis, by=args.by, due=settings.due)
        if out is not None:
            months = team_kpi_months(store, run.files, args.period, as_of=today, basis=basis, due=settings.due)
            written = write_new_workbook(kpi_workbook(months, lang, created=today), out)
            if not args.json:
                note(said("note.wrote", lang, path=written))
    print_unreadable(run, lang)
    if args.json:
        print_result(args, kpi.to_dict(), ok=not run.status.unreadable, paths=run.files,
                     written=[out] if out is not None else [])
    else:
        print_table(*(lambda t: (t[0], t[1:]))(kpi.table(lang)), max_width=40)
        print()
        print(kpi.summary(lang))
    return EXIT_ISSUES if run.status.unreadable else EXIT_OK


# --------------------------------------------------------------------------------------------- watch

def _watch_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.add_argument("--today", type=parse_day)
    # its own dest: the top-level --quiet (no progress bar) is a flag of the same name
    p.add_argument("--quiet", type=float, dest="quiet_seconds", metavar="SECONDS")
    p.add_argument("--polling", choices=("auto", "always", "never"))
    p.add_argument("--poll-seconds", type=float)
    p.add_argument("--initial", action="store_true")


@command("watch",
         "gendan-xl watch", _watch_setup, wraps="watch_workbooks")
def cmd_watch(args: argparse.Namespace) -> int:
    from gendan_xl.delivery.watch import watch_workbooks
    from gendan_xl.doors.wiring import watch_options

    settings = settings_for(args, args.paths[0] if args.paths else None)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    options = watch_options(settings, paths=args.paths or None, today=args.today)
    options.update({k: v for k, v in (("quiet", args.quiet_seconds), ("polling", args.polling),
                                      ("poll_seconds", args.poll_seconds)) if v is not None})
    code = watch_workbooks(**options, initial=args.initial, stop=stop)
    if args.json:  # what a watch says as it goes is on stderr; at the end, the one document
        print_result(args, {"exit_code": code}, ok=code == EXIT_OK, paths=options["find"]())
    return code
