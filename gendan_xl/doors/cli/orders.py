"""Commands on the master order workbook: inspect, validate, status, refresh, init-workbook."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from gendan_xl.i18n import say
from gendan_xl.i18n.terminal import CLI
from gendan_xl.doors.cli.base import (EXIT_ISSUES, EXIT_OK, add_lang, calendar_options, chosen_lang, command, error_doc, non_negative, note,
                                      output_file, parse_day, print_issues, print_result, print_table, progress_for, settings_for,
                                      run_lang, said, split_result, warn)
from gendan_xl.errors import GendanError, Report, UsageError
from gendan_xl.jsondoc import JsonStream


ISSUE_COLUMNS = ("cell", "severity", "code", "message")
STATUS_COLUMNS = ("row", "order", "customer", "model", "due", "status", "days_late", "slack", "next", "reason")

def print_report(report: Report, name: str, lang: str) -> None:
    from gendan_xl.books.issues_report import summary_line

    if report.issues:
        print_table([say(CLI, f"issues.{k}", lang) for k in ISSUE_COLUMNS], [(i.location, i.severity, i.code, i.message) for i in report.issues],
                    max_width=90)
        print()
    print(summary_line(report, name, lang))


# -------------------------------------------------------------------------------------------- commands


def _inspect_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path)
    p.add_argument("--sheet")
    p.add_argument("--today", type=parse_day)
    add_lang(p)


@command("inspect",
         "gendan-xl inspect 订单跟踪表.xlsx", _inspect_setup, wraps="inspect_workbook")
def cmd_inspect(args: argparse.Namespace) -> int:
    from gendan_xl.books.inspection import inspect_workbook

    settings = settings_for(args, args.path)
    lang = run_lang(args, settings)
    result = inspect_workbook(args.path, sheet=args.sheet, vocabulary=settings.vocabulary,
                              today=args.today or dt.date.today(), weekly=settings.weekly, due=settings.due,
                              lang=lang)
    if args.json:
        doc, ok, _, issues = split_result(result.to_dict())
        doc.pop("path", None)  # the input: in "paths"
        print_result(args, doc, ok=ok, issues=issues)
    else:
        print(result.to_text(lang))
    return EXIT_OK if result.ok else EXIT_ISSUES


def _validate_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="+", type=Path)
    p.add_argument("--sheet")
    add_lang(p)
    p.add_argument("--report", type=Path, metavar="OUT.xlsx")


@command("validate",
         "gendan-xl validate workbooks/orders_messy.xlsx --lang en", _validate_setup, wraps="validate_workbook")
def cmd_validate(args: argparse.Namespace) -> int:
    from gendan_xl.books.issues_report import write_issues_xlsx
    from gendan_xl.books.master import validate_workbook

    if args.json and not args.report:  # streamed: a million lines' issues are written, never all held
        return _validate_json(args)
    worst = EXIT_OK
    docs, written = [], []
    for path in args.path:
        try:
            settings = settings_for(args, path)
            with progress_for(args) as progress:
                report = validate_workbook(path, sheet=args.sheet, lang=chosen_lang(args, settings),
                                           vocabulary=settings.vocabulary, progress=progress)
        except GendanError as exc:
            if len(args.path) == 1:
                raise
            note(f"gendan-xl: {exc.message(run_lang(args))}")  # one unusable workbook of several: its line; the others are checked
            worst = max(worst, exc.exit_code)
            continue
        lang = report.lang
        if args.report:
            out = args.report if len(args.path) == 1 else args.report.with_name(f"{path.stem}.{args.report.name}")
            if out.suffix.lower() != ".xlsx":
                raise UsageError.said("report-not-xlsx", path=out)
            output_file(out, *args.path)
            write_issues_xlsx(report, out, workbook=path, lang=lang, today=dt.date.today())
            written.append(out)
            if not args.json:
                note(said("note.wrote", lang, path=out))  # the run speaks its report's language
        if args.json:
            docs.append((path, report))
        else:
            print_report(report, path.name, lang)
        if not report.ok:
            worst = max(worst, EXIT_ISSUES)
    if args.json:
        print_result(args, {"files": [_file_summary(path, report.ok, report.rows, report.issues)
                                      for path, report in docs]},
                     ok=worst == EXIT_OK, written=written,
                     issues=[dict(i.to_dict(), path=str(path)) for path, report in docs for i in report.issues])
    return worst


def _file_summary(path: Path, ok: bool, rows: int, issues) -> dict:
    return {"path": str(path), "ok": ok, "rows": rows, "errors": sum(i.severity == "error" for i in issues),
            "warnings": sum(i.severity == "warning" for i in issues)}


def _validate_json(args: argparse.Namespace) -> int:
    """validate --json, streamed: every file's issues (each with its "path") in one "issues" list, then each
    file's counts under "result". The document starts with the first issue, so a lone unusable workbook is
    only its error document (the door's); one of several is its line, and the others are still checked."""
    from gendan_xl.books.streamed import write_validation_issues

    stream = JsonStream(sys.stdout)
    files: list[dict] = []
    started = False

    def start() -> None:
        nonlocal started
        if not started:
            stream.member("command", args.command)
            stream.member("paths", [str(p) for p in args.path])
            stream.begin_list("issues")
            started = True

    def emit(text: str) -> None:
        start()
        stream.item(text)

    worst = EXIT_OK
    for path in args.path:
        try:
            settings = settings_for(args, path)
            files.append(write_validation_issues(path, emit, sheet=args.sheet, lang=chosen_lang(args, settings),
                                                 vocabulary=settings.vocabulary, limits=settings.limits))
        except GendanError as exc:
            if len(args.path) == 1:
                raise  # nothing is written yet
            lang = run_lang(args)
            note(f"gendan-xl: {exc.message(lang)}")
            files.append({"path": str(path), "ok": False, "error": error_doc(exc, lang)})
            worst = max(worst, exc.exit_code)
        else:
            worst = max(worst, EXIT_OK if files[-1]["ok"] else EXIT_ISSUES)
    start()
    stream.end_list()
    stream.member("result", {"files": files})
    stream.member("written", [])
    stream.member("ok", worst == EXIT_OK)
    stream.close()
    return worst


def _status_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, nargs="?")
    p.add_argument("--today", type=parse_day)
    p.add_argument("--sheet")
    p.add_argument("--warning-days", type=non_negative)
    p.add_argument("--weekly", choices=("mon-fri", "mon-sat"))
    p.add_argument("--due", choices=("customer", "factory"))
    add_lang(p)


URGENT_SHOWN = 100  # a terminal is not the place for 30,000 late lines: the JSON and the mail have them all


def print_status(result, name: str, lang: str) -> None:
    """The urgent lines (at most URGENT_SHOWN) and the counts of a `status.StatusResult`."""
    from gendan_xl.status import counts_text

    urgent = result.urgent
    total = result.counts["overdue"] + result.counts["at_risk"]  # the result may keep only the most urgent
    if urgent:
        print_table([say(CLI, f"status.{k}", lang) for k in STATUS_COLUMNS], [
            (x.row, x.order_no, x.customer, x.model, x.due_date, x.label(lang), x.days_late, x.slack_workdays,
             x.next_milestone_label(lang), x.reason(lang)) for x in urgent[:URGENT_SHOWN]], max_width=70)
        if total > URGENT_SHOWN:
            print(say(CLI, "status.more", lang, n=total - URGENT_SHOWN))
        print()
    print(say(CLI, "status.summary", lang, name=name, today=result.today)
          + (counts_text(result.counts, lang) or say(CLI, "status.none", lang)))


@command("status",
         "gendan-xl status workbooks/orders.xlsx --today 2026-11-26", _status_setup, wraps="OrdersRun")
def cmd_status(args: argparse.Namespace) -> int:
    from gendan_xl.doors.cli.team import team_status_command

    settings = settings_for(args, args.path)
    if args.path is None:
        return team_status_command(args, settings)
    # the orders stream by: with --json no line is kept (each is written as it comes), else the urgent ones
    with progress_for(args) as bar:
        return _status(args, settings, bar)


def _status(args: argparse.Namespace, settings, bar) -> int:
    from gendan_xl.books.streamed import OrdersRun, write_status_json

    run = OrdersRun(args.path, today=args.today or dt.date.today(), sheet=args.sheet, lang=chosen_lang(args, settings),
                    vocabulary=settings.vocabulary, limits=settings.limits, **calendar_options(args, settings),
                    keep=() if args.json else None, most=URGENT_SHOWN, progress=bar)
    if args.json:
        stream = JsonStream(sys.stdout)
        stream.member("ok", True)
        stream.member("command", args.command)
        stream.member("paths", [str(args.path)])
        stream.raw_member("result", "")
        write_status_json(run, sys.stdout)
        stream.member("written", [])
        stream.member("issues", [i.to_dict() for i in run.issues()])
        stream.close()
    else:
        result = run.run().result()
        bar.close()  # the bar is gone before the table
        print_status(result, args.path.name, run.lang)
        print_issues(run.issues(), run.lang)
    return EXIT_OK


def _refresh_setup(p: argparse.ArgumentParser) -> None:
    _status_setup(p)
    p.add_argument("--backups", type=non_negative)
    p.add_argument("--force", action="store_true")


@command("refresh",
         "gendan-xl refresh workbooks/orders.xlsx --today 2026-11-26", _refresh_setup, wraps="refresh_workbook")
def cmd_refresh(args: argparse.Namespace) -> int:
    from gendan_xl.books.refresh import refresh_workbook
    from gendan_xl.doors.cli.team import team_refresh_command

    settings = settings_for(args, args.path)
    if args.path is None:
        return team_refresh_command(args, settings)
    with progress_for(args) as bar:
        result = refresh_workbook(args.path, today=args.today or dt.date.today(), now=dt.datetime.now(),
                                  sheet=args.sheet, lang=chosen_lang(args, settings), **calendar_options(args, settings),
                                  vocabulary=settings.vocabulary, limits=settings.limits, force=args.force,
                                  backups=settings.backups if args.backups is None else args.backups,
                                  keep_lines=args.json, most_urgent=None if args.json else URGENT_SHOWN,
                                  progress=bar)
    lang = result.lang
    if result.changed:
        warn("refresh.changed", lang, name=args.path.name, out=result.written)
    elif result.lock is not None:  # (not changed: the sidecar is written because the workbook is open)
        warn("refresh.sidecar", lang, name=args.path.name, lock=result.lock.name, out=result.written)
    if args.json:
        doc, _, _, issues = split_result(result.to_dict(lang), "written")
        print_result(args, doc, ok=not result.changed, written=[result.written, result.backup], issues=issues)
    else:
        print_status(result.status, args.path.name, lang)
        print(say(CLI, "refresh.done", lang, path=result.written, n=result.status.line_count))
        print_issues(result.issues, lang)
    return EXIT_ISSUES if result.changed else EXIT_OK


def _init_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path)
    p.add_argument("--xlsm", action="store_true")


@command("init-workbook",
         "gendan-xl init-workbook --xlsm 订单跟踪表.xlsm", _init_setup, wraps="init_workbook")
def cmd_init_workbook(args: argparse.Namespace) -> int:
    from gendan_xl.doors.xlsm import init_workbook

    written = init_workbook(args.path, xlsm=args.xlsm)
    if args.json:
        print_result(args, {"created": [str(p) for p in written]}, written=written, paths=[])
    else:
        for path in written:
            print(path)
    return EXIT_OK
