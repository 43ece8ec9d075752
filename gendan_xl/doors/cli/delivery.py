"""Commands that deliver: the overdue report, the scheduled jobs, the demo."""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from pathlib import Path

from gendan_xl.doors.cli.base import (EXIT_ISSUES, EXIT_OK, EXIT_UNUSABLE, add_send_options, command,
                                      note, parse_day, print_outcomes, print_result, print_table, run_lang, said, send_mails,
                                      settings_for, warn)
from gendan_xl.doors.cli.orders import print_status
from gendan_xl.errors import GendanError, UsageError

def _report_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=("overdue",))
    p.add_argument("workbook", type=Path, nargs="?")
    p.add_argument("--today", type=parse_day)
    add_send_options(p)


@command("report",
         "gendan-xl report overdue workbooks/orders.xlsx --today 2026-11-26 --send", _report_setup, wraps="overdue_mails")
def cmd_report(args: argparse.Namespace) -> int:
    from gendan_xl.doors.wiring import overdue_plan, require_workbook
    from gendan_xl.delivery.report import status_workbook
    from gendan_xl.xlsx.writer import write_new_workbook

    settings = settings_for(args, args.workbook)
    today = args.today or dt.date.today()
    if args.workbook is None and settings.workbook_paths:
        return team_report_command(args, settings, today)
    plan, status = overdue_plan(settings, require_workbook(args.workbook, settings), today=today)
    lang = run_lang(args, settings)
    for name in plan.no_email:
        warn("note.no_email_merchandiser", lang, name=name)
    if not settings.team_lead:
        warn("note.no_team_lead", lang)
    if args.json and not (args.send or args.dry_run):
        print_result(args, plan.to_dict(), ok=not plan.no_email, paths=[args.workbook or settings.workbook],
                     issues=status.issues)
        return EXIT_OK
    if args.send or args.dry_run:
        code = send_mails(settings, plan.mails, job="overdue-report", period=plan.period, args=args, as_json=args.json)
        return max(code, EXIT_ISSUES if plan.no_email else EXIT_OK)  # someone's orders went to nobody
    workbook = args.workbook or settings.workbook
    print_status(status.result, workbook.name, lang)
    out = write_new_workbook(status_workbook(status.result.lines, today, settings.lang, source=workbook.name),
                             settings.out_dir / f"交期日报-{today.isoformat()}.xlsx")
    note(said("note.planned", lang, path=out, n=len(plan.mails)))
    return EXIT_OK


def team_report_command(args: argparse.Namespace, settings, today: dt.date) -> int:
    """`report overdue` over the team's workbooks ([workbook] paths): one team run, the lead's mail with a
    section per merchandiser, each merchandiser's own; an unreadable workbook is a warning and exit 1."""
    from gendan_xl.doors.cli.team import print_team_status, print_unreadable
    from gendan_xl.doors.wiring import team_report

    plan, run = team_report(settings, today=today, now=dt.datetime.now())
    lang = run_lang(args, settings)
    print_unreadable(run, lang)
    for name in plan.no_email:
        warn("note.no_email_merchandiser", lang, name=name)
    if not settings.team_lead:
        warn("note.no_team_lead", lang)
    trouble = EXIT_ISSUES if plan.no_email or run.status.unreadable else EXIT_OK
    if args.json and not (args.send or args.dry_run):
        print_result(args, plan.to_dict() | {"unreadable": [wb.error for wb in run.status.unreadable]},
                     ok=trouble == EXIT_OK, paths=run.files)
        return trouble
    if args.send or args.dry_run:
        code = send_mails(settings, plan.mails, job="overdue-report", period=plan.period, args=args, as_json=args.json)
        return max(code, trouble)
    print_team_status(run, lang)
    note(said("note.mails_planned", lang, n=len(plan.mails)))
    return trouble


def _jobs_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("list", "run", "schedule"))
    p.add_argument("name", nargs="?")
    p.add_argument("--today", type=parse_day)
    p.add_argument("--once", action="store_true")
    p.add_argument("--watch", action="store_true")
    p.add_argument("--log", type=Path)
    p.add_argument("--force", action="store_true")
    p.add_argument("--dry-run", action="store_true")


@command("jobs",
         "gendan-xl jobs run overdue-report --today 2026-11-26", _jobs_setup, wraps="run_job")
def cmd_jobs(args: argparse.Namespace) -> int:
    from gendan_xl.doors.wiring import job_context
    from gendan_xl.delivery.jobs import JobState, job_table, run_due, run_job, schedule_loop

    settings = settings_for(args)
    ctx = job_context(settings)
    if args.action == "list":
        lang = run_lang(args, settings)
        rows = job_table(ctx, JobState(settings.data_dir).load(), lang)
        if args.json:
            print_result(args, {"jobs": rows}, paths=[])
            return EXIT_OK
        keys = ("name", "when", "recipients", "last_period", "last_result")
        print_table([said(f"jobs.{k}", lang) for k in keys], [[", ".join(v) if isinstance(v, list) else v for v in (r.get(k) for k in keys)]
                           for r in rows], max_width=50)
        return EXIT_OK
    if args.action == "schedule":
        if args.once:
            results = run_due(ctx, dt.datetime.now())
            ok = all(r.ok for r in results)
            if args.json:
                print_result(args, {"runs": [r.to_dict() for r in results]}, ok=ok, paths=[])
            lang = run_lang(args, settings)
            for r in results if not args.json else ():
                print(f"{r.job} {r.period}: {r.said(lang)}")
            return EXIT_OK if ok else EXIT_ISSUES
        watcher = None
        if args.watch or settings.watch_with_jobs:  # the watcher's threads run beside the scheduler's loop
            from gendan_xl.delivery.watch import Watcher
            from gendan_xl.doors.wiring import watch_options

            watcher = Watcher(**watch_options(settings))
        return schedule_loop(ctx, log_file=args.log or settings.data_dir / "jobs.log", watcher=watcher)
    if not args.name:  # a usage error like argparse's (exit 2), with its JSON document under --json
        raise UsageError.said("jobs-needs-name")
    if args.name not in ctx.specs:
        raise GendanError.said("no-such-job", name=args.name, jobs=", ".join(ctx.specs))
    now = dt.datetime.combine(args.today, dt.datetime.now().time()) if args.today else dt.datetime.now()
    result = run_job(args.name, ctx, now, force=args.force, dry_run=args.dry_run)
    if args.json:
        print_result(args, {"runs": [result.to_dict()]}, ok=result.ok, paths=[])
    else:
        lang = run_lang(args, settings)
        print_outcomes(result.sent.outcomes, lang)
        print(f"{result.job} {result.period}: {result.said(lang)}")
    return EXIT_UNUSABLE if result.error else (EXIT_OK if result.sent.ok else EXIT_ISSUES)


def _demo_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path)
    p.add_argument("--today", type=parse_day)


@command("demo",
         "gendan-xl demo --today 2026-11-26", _demo_setup, wraps="run_demo")
def cmd_demo(args: argparse.Namespace) -> int:
    from gendan_xl.books.new_master import TODAY
    from gendan_xl.doors.cli import main  # the demo types the same commands a user would
    from gendan_xl.doors.demo import run_demo

    out = args.out or settings_for(args).home / "demo"
    config = args.config or out / "gendan.toml"  # the samples' settings, copied with them
    if not args.json:
        return run_demo(out, today=args.today or TODAY, step=lambda argv: main(["--config", str(config), *argv]))
    with contextlib.redirect_stdout(sys.stderr):  # the steps' own output goes to stderr; stdout is the document
        code = run_demo(out, today=args.today or TODAY, step=lambda argv: main(["--config", str(config), *argv]))
    print_result(args, {"folder": str(out), "exit_code": code}, ok=code == EXIT_OK, written=[out], paths=[])
    return code



# ------------------------------------------------------------------------------------------------ main
