"""`gendan-xl`: the command line, a thin door onto the library.

Exit codes: 0 done and clean; 1 done, error-level issues found; 2 usage error; 3 unusable input
(a GendanError, one line); 4 a bug (one line; --debug shows the traceback).
stdout carries results (a table and a summary line, or one JSON document with --json); notes go to stderr.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence

from gendan_xl.errors import GendanError, Report, UsageError
from gendan_xl.plaintext import display_width, pad

EXIT_OK, EXIT_ISSUES, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3, 4

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler]] = {}


def command(name: str, help_: str, example: str, setup: Callable[[argparse.ArgumentParser], None]):
    """Register a subcommand: `setup(parser)` adds its options; the decorated function runs it."""

    def full_setup(p: argparse.ArgumentParser) -> None:
        p.description = help_
        p.epilog = f"example:\n  {example}"
        p.formatter_class = argparse.RawDescriptionHelpFormatter
        setup(p)

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = (full_setup, handler)
        _HELP[name] = help_
        return handler

    return register


_HELP: dict[str, str] = {}


# --------------------------------------------------------------------------------------------- output

def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, out=None, max_width: int = 60) -> None:
    out = out or sys.stdout
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    cells = [[v if display_width(v) <= max_width else v[: max_width // 2] + "…" for v in row] for row in cells]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print("  ".join(pad(h, w) for h, w in zip(headers, widths)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in cells:
        print("  ".join(pad(v, w) for v, w in zip(row, widths)).rstrip(), file=out)


def print_json(doc: Any) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))


def note(text: str) -> None:
    print(text, file=sys.stderr)



def output_file(out: Path | None, *inputs: Path | None) -> Path | None:
    """A file we are asked to write: never one of the inputs, never a folder (our outputs are new files)."""
    if out is None:
        return None
    if out.is_dir():
        raise UsageError(f"{out} is a folder; give a file name for the output")
    for src in inputs:
        if src is not None and out.exists() and src.exists() and out.resolve() == src.resolve():
            raise UsageError(f"{out} is an input of this command; write the output to another file")
    return out


def output_dir(out: Path | None, *inputs: Path | None) -> Path | None:
    """A folder we write new files into: not an existing file, and so never one of the inputs."""
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; --out takes a folder")
    return out


def non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-26") from None


ISSUE_TABLE = {"zh": ("位置", "级别", "代码", "说明"), "en": ("Cell", "Severity", "Code", "Message")}
SUMMARY = {
    "zh": "{name}: {rows} 行，{errors} 个错误，{warnings} 个警告",
    "en": "{name}: {rows} rows, {errors} errors, {warnings} warnings",
}


def print_report(report: Report, name: str, lang: str) -> None:
    if report.issues:
        print_table(ISSUE_TABLE[lang], [(i.location, i.severity, i.code, i.message) for i in report.issues],
                    max_width=90)
        print()
    print(SUMMARY[lang].format(name=name, rows=report.rows, errors=report.count("error"),
                               warnings=report.count("warning")))


# -------------------------------------------------------------------------------------------- commands

def _validate_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="+", type=Path, help="master order workbook(s) (.xlsx/.xlsm)")
    p.add_argument("--sheet", help="the orders sheet (default: found by name: 订单 / Orders ...)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--lang", choices=("zh", "en"), help="message language (default: that of the headers)")
    p.add_argument("--report", type=Path, metavar="OUT.xlsx", help="also write an Issues sheet linking to the cells")


@command("validate", "Check a master order workbook and list every problem at its cell.",
         "gendan-xl validate workbooks/orders_messy.xlsx --lang en", _validate_setup)
def cmd_validate(args: argparse.Namespace) -> int:
    from gendan_xl.books.issues_report import write_issues_xlsx
    from gendan_xl.books.master import validate_workbook

    worst = EXIT_OK
    docs = []
    for path in args.path:
        report = validate_workbook(path, sheet=args.sheet, lang=args.lang)
        lang = report.lang
        if args.report:
            out = args.report if len(args.path) == 1 else args.report.with_name(f"{path.stem}.{args.report.name}")
            if out.suffix.lower() != ".xlsx":
                raise UsageError(f"{out}: the Issues report is an Excel file; name it .xlsx")
            output_file(out, *args.path)
            write_issues_xlsx(report, out, workbook=path, lang=lang)
            note(f"wrote {out}")
        if args.json:
            docs.append(report.to_dict())
        else:
            print_report(report, path.name, lang)
        if not report.ok:
            worst = EXIT_ISSUES
    if args.json:
        print_json(docs[0] if len(docs) == 1 else docs)
    return worst


def _status_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="master order workbook")
    p.add_argument("--today", type=parse_day, help="the day to judge on (default: today)")
    p.add_argument("--sheet", help="the orders sheet (default: found by name)")
    p.add_argument("--warning-days", type=non_negative, help="working days before due that count as at risk "
                   "(default: [workbook] warning_days in gendan.toml, else 3)")
    p.add_argument("--weekly", choices=("mon-fri", "mon-sat"),
                   help="the factory's working week (default: [workbook] weekly in gendan.toml, else mon-fri)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of labels and reasons (default: the headers')")
    p.add_argument("--json", action="store_true", help="print every order's status as JSON")


STATUS_TABLE = {
    "zh": ("行", "订单号", "客户", "型号", "交期", "状态", "逾期天数", "富余工作日", "下一节点", "说明"),
    "en": ("Row", "Order", "Customer", "Model", "Due", "Status", "Days late", "Slack", "Next", "Reason"),
}
STATUS_SUMMARY = {"zh": "{name}（{today}）：", "en": "{name} ({today}): "}
NO_LINES = {"zh": "没有订单行", "en": "no order lines"}
MORE_LINES = {"zh": "…另有 {n} 行逾期或有风险（--json 列出全部）", "en": "…and {n} more overdue or at risk (--json lists all)"}
URGENT_SHOWN = 100  # a terminal is not the place for 30,000 late lines: the JSON and the mail have them all


def print_status(status, name: str, lang: str) -> None:
    from gendan_xl.status import STATUS_LABELS

    result = status.result
    urgent = result.urgent
    if urgent:
        print_table(STATUS_TABLE[lang], [
            (x.row, x.order_no, x.customer, x.model, x.due_date, x.label(lang), x.days_late, x.slack_workdays,
             x.next_milestone_label(lang), x.reason(lang)) for x in urgent[:URGENT_SHOWN]], max_width=70)
        if len(urgent) > URGENT_SHOWN:
            print(MORE_LINES[lang].format(n=len(urgent) - URGENT_SHOWN))
        print()
    counts = "，".join if lang == "zh" else ", ".join
    parts = [f"{STATUS_LABELS[k][0 if lang == 'zh' else 1]} {v}" for k, v in result.counts.items() if v]
    print(STATUS_SUMMARY[lang].format(name=name, today=result.today) + (counts(parts) or NO_LINES[lang]))


def _print_issues_to_stderr(issues) -> None:
    for issue in issues:
        note(f"{issue.severity}: {issue}")


@command("status", "Lead-time status of every order in working days: overdue and at-risk orders first.",
         "gendan-xl status workbooks/orders.xlsx --today 2026-11-26", _status_setup)
def cmd_status(args: argparse.Namespace) -> int:
    from gendan_xl.books.master import load_master, status_of

    settings = _settings(args)
    master = load_master(args.path, sheet=args.sheet, lang=args.lang, lean=True)
    lang = args.lang or master.orders.lang
    status = status_of(master, today=args.today or dt.date.today(), lang=lang, **_calendar_options(args, settings))
    if args.json:
        print_json(status.to_dict(lang))
    else:
        print_status(status, args.path.name, lang)
        _print_issues_to_stderr(status.issues)
    return EXIT_OK


def _refresh_setup(p: argparse.ArgumentParser) -> None:
    _status_setup(p)
    p.add_argument("--backups", type=non_negative,
                   help="how many previous versions to keep (default: [workbook] backups in gendan.toml, else 3)")


REFRESH_DONE = {
    "zh": "已写入 {path}：{n} 行的交期状态",
    "en": "wrote the lead-time status of {n} lines into {path}",
}
SIDECAR_NOTE = {
    "zh": "{name} 正在被打开（发现 {lock}），未修改原文件；结果写入 {out}",
    "en": "{name} is open (found {lock}); the workbook was not changed; the result is in {out}",
}


@command("refresh", "Write the status, days late/to due, next milestone and reason into the orders sheet.",
         "gendan-xl refresh workbooks/orders.xlsx --today 2026-11-26", _refresh_setup)
def cmd_refresh(args: argparse.Namespace) -> int:
    from gendan_xl.books.refresh import refresh_workbook

    settings = _settings(args)
    result = refresh_workbook(args.path, today=args.today or dt.date.today(), now=dt.datetime.now(),
                              sheet=args.sheet, lang=args.lang, **_calendar_options(args, settings),
                              backups=settings.backups if args.backups is None else args.backups)
    lang = result.plan.lang
    if result.sidecar:
        note("warning: " + SIDECAR_NOTE[lang].format(name=args.path.name, lock=result.lock.name, out=result.written))
    if args.json:
        print_json(result.to_dict(lang))
    else:
        print_status(result.status, args.path.name, lang)
        print(REFRESH_DONE[lang].format(path=result.written, n=len(result.status.result.lines)))
        _print_issues_to_stderr(result.issues)
    return EXIT_OK


def _init_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="the new workbook: .xlsx, or .xlsm with --xlsm")
    p.add_argument("--xlsm", action="store_true",
                   help="macro-enabled twin with the 刷新状态 / 校验 buttons; also writes <name>.py beside it")


@command("init-workbook", "Create a new, empty master order workbook with the sample's structure.",
         "gendan-xl init-workbook --xlsm 订单跟踪表.xlsm", _init_setup)
def cmd_init_workbook(args: argparse.Namespace) -> int:
    from gendan_xl.books.new_master import build_master

    if args.path.exists():
        raise GendanError(f"{args.path} already exists; choose another name (we never overwrite a workbook)")
    if args.xlsm or args.path.suffix.lower() == ".xlsm":
        from gendan_xl.doors.xlsm import build_master_xlsm

        build_master_xlsm(args.path, [], examples=False)
        print(args.path)
        print(args.path.with_suffix(".py"))
    else:
        build_master(args.path, [], examples=False)
        print(args.path)
    return EXIT_OK


def _statement_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, help="master workbook with 出货 / 退货 / 收款 / 期初 / 客户 sheets")
    p.add_argument("--customer", help="customer code or name (default: every customer with activity or a balance)")
    p.add_argument("--period", required=True, help="2026-06, 2026年6月, 2026-Q2 or 2026-04-01..2026-06-30")
    p.add_argument("--as-of", type=parse_day, help="the day balances and ageing are counted to (default: period end)")
    p.add_argument("--basis", choices=("invoice", "due"), default="invoice",
                   help="age by invoice date or by due date from the payment terms (invoice)")
    p.add_argument("--out", type=Path, help="write one filled statement .xlsx per customer into this folder")
    p.add_argument("--pdf", action="store_true", help="also a PDF of each (needs LibreOffice)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the text output (zh)")
    p.add_argument("--json", action="store_true", help="print the statement(s) as JSON")
    _send_options(p)


@command("statement", "Statements of account (对账单): balances, documents, open items and ageing.",
         "gendan-xl statement workbooks/orders.xlsx --period 2026-06 --out build/statements --pdf", _statement_setup)
def cmd_statement(args: argparse.Namespace) -> int:
    from gendan_xl.statement import statements_from_workbook, write_statement

    settings = _settings(args)
    output_dir(args.out, args.workbook)
    basis = {"invoice": "invoice_date", "due": "due_date"}[args.basis]
    statements = statements_from_workbook(args.workbook, args.period, customer=args.customer, as_of=args.as_of,
                                          ageing_basis=basis, lang=args.lang)
    if args.send or args.dry_run:
        from gendan_xl.doors.wiring import statement_mails

        mails, no_email = statement_mails(settings, args.workbook, args.period, today=dt.date.today(),
                                          out_dir=args.out or settings.out_dir / "statements" / args.period,
                                          pdf=args.pdf, statements=statements)
        for code in no_email:
            note(f"warning: no e-mail for customer {code} in the 客户 sheet; statement not sent")
        return _send(settings, mails, job="statements", period=args.period, args=args, as_json=args.json)
    if args.out:
        for st in statements:
            note(f"wrote {write_statement(st, args.out, company=dict(settings.company), pdf=args.pdf)}")
    if args.json:
        print_json(statements[0].to_dict() if args.customer and len(statements) == 1
                   else {"statements": [st.to_dict() for st in statements]})
    else:
        print("\n\n".join(st.to_text() for st in statements))
    errors = any(i.severity == "error" for st in statements for i in st.issues)
    return EXIT_ISSUES if errors else EXIT_OK


def _reconcile_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ours", type=Path, required=True, help="our master workbook, or a statement .xlsx we wrote")
    p.add_argument("--theirs", type=Path, required=True, help="the customer's statement or a bank export (xlsx, csv)")
    p.add_argument("--customer", help="which customer, when our workbook holds several")
    p.add_argument("--period", help="the period (default: the month of their last date)")
    p.add_argument("--as-of", type=parse_day, help="count to this day (default: period end)")
    p.add_argument("--sheet", help="the sheet of their file to read")
    p.add_argument("--bank", action="store_true", help="their file is a bank receipts export")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the explanations (zh)")
    p.add_argument("--json", action="store_true", help="print the reconciliation as JSON")


@command("reconcile", "Match the customer's statement (or a bank export) to ours and explain each difference.",
         "gendan-xl reconcile --ours workbooks/orders.xlsx --customer ANK --theirs their-statement.xlsx",
         _reconcile_setup)
def cmd_reconcile(args: argparse.Namespace) -> int:
    from gendan_xl.reconcile import reconcile_files

    rec = reconcile_files(args.ours, args.theirs, customer=args.customer, period=args.period, as_of=args.as_of,
                          theirs_sheet=args.sheet, mode="bank" if args.bank else None, lang=args.lang)
    print_json(rec.to_dict()) if args.json else print(rec.to_text())
    # 0 only when the two sides agree item for item; explained differences still need someone to act
    return EXIT_OK if all(item.category == "matched" for item in rec.items) else EXIT_ISSUES


def _quote_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("request", type=Path, help="the quote request workbook (报价申请)")
    p.add_argument("--out", type=Path, help="folder for Q{yyyy}{seq}-{customer}.xlsx (default: [paths] out_dir)")
    p.add_argument("--pdf", action="store_true", help="also a PDF (needs LibreOffice)")
    p.add_argument("--today", type=parse_day, help="the quote date (default: today)")
    p.add_argument("--json", action="store_true", help="print the prices as JSON")


@command("quote", "Price a quote request (VAT rebate, incoterms, tiers) and fill the bilingual quotation.",
         "gendan-xl quote workbooks/quote_request.xlsx --pdf", _quote_setup)
def cmd_quote(args: argparse.Namespace) -> int:
    from gendan_xl.books.quotes import make_quote

    settings = _settings(args)
    output_dir(args.out, args.request)
    result = make_quote(args.request, out_dir=args.out or settings.out_dir / "quotes", data_dir=settings.data_dir,
                        today=args.today or dt.date.today(), pdf=args.pdf)
    print_json(result.to_dict()) if args.json else print(result.to_text())
    return EXIT_OK if result.ok else EXIT_ISSUES


def _send_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--send", action="store_true", help="send (to the outbox folder or SMTP, per gendan.toml)")
    p.add_argument("--dry-run", action="store_true", help="print who would get what; send nothing")
    p.add_argument("--force", action="store_true", help="send again what was already sent for this period")


def _send(settings, mails, *, job: str, period: str, args: argparse.Namespace, as_json: bool = False) -> int:
    """Send through the sent log; prints one line per mail and a summary (or the outcomes as JSON).
    Exit 1 when any mail is not through."""
    from gendan_xl.delivery.mail import open_mailer

    mailer = open_mailer(settings.mail, settings.data_dir)
    result = mailer.send(mails, job=job, period=period, force=args.force, dry_run=args.dry_run)
    if as_json:
        print_json(result.to_dict())
    else:
        for outcome in result.outcomes:
            print(outcome)
        print(result.summary())
    return EXIT_OK if result.ok else EXIT_ISSUES


def _report_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=("overdue",), help="which report: overdue (交期日报)")
    p.add_argument("workbook", type=Path, nargs="?",
                   help="master workbook (default: the path under [workbook] in gendan.toml)")
    p.add_argument("--today", type=parse_day, help="the report day (default: today)")
    p.add_argument("--json", action="store_true", help="print the planned mails (or, sending, the outcomes) as JSON")
    _send_options(p)


@command("report", "The daily overdue report: one mail per merchandiser and a summary to the team lead.",
         "gendan-xl report overdue workbooks/orders.xlsx --today 2026-11-26 --send", _report_setup)
def cmd_report(args: argparse.Namespace) -> int:
    from gendan_xl.doors.wiring import overdue_plan, require_workbook
    from gendan_xl.delivery.report import status_workbook
    from gendan_xl.xlsx.atomic import write_atomic

    settings = _settings(args)
    today = args.today or dt.date.today()
    plan, status = overdue_plan(settings, require_workbook(args.workbook, settings), today=today)
    for name in plan.no_email:
        note(f"warning: no e-mail for 跟单员 {name}: add it under [mail.merchandisers] in gendan.toml")
    if not settings.team_lead:
        note("warning: no team lead address: set [report] team_lead in gendan.toml for the summary mail")
    if args.json and not (args.send or args.dry_run):
        print_json(plan.to_dict())
        return EXIT_OK
    if args.send or args.dry_run:
        code = _send(settings, plan.mails, job="overdue-report", period=plan.period, args=args, as_json=args.json)
        return max(code, EXIT_ISSUES if plan.no_email else EXIT_OK)  # someone's orders went to nobody
    print_status(status, (args.workbook or settings.workbook).name, settings.lang)
    out = settings.out_dir / f"交期日报-{today.isoformat()}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, status_workbook(status.result.to_dict(settings.lang)["orders"], today, settings.lang))
    note(f"wrote {out}; {len(plan.mails)} mails planned (use --send or --dry-run)")
    return EXIT_OK


def _jobs_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("list", "run", "schedule"), help="list the jobs, run one now, or schedule")
    p.add_argument("name", nargs="?", help="the job to run (with run)")
    p.add_argument("--today", type=parse_day, help="run as if on this day (with run)")
    p.add_argument("--once", action="store_true", help="(with schedule) run what is due now and exit: for cron")
    p.add_argument("--log", type=Path, help="(with schedule) log file (default: <data_dir>/jobs.log)")
    p.add_argument("--force", action="store_true", help="(with run) run even if already done this period")
    p.add_argument("--dry-run", action="store_true", help="(with run) print who would get what; send nothing")


@command("jobs", "Scheduled jobs from jobs/jobs.toml: the 08:30 overdue report, monthly statements, hourly checks.",
         "gendan-xl jobs run overdue-report --today 2026-11-26", _jobs_setup)
def cmd_jobs(args: argparse.Namespace) -> int:
    from gendan_xl.doors.wiring import job_context
    from gendan_xl.delivery.jobs import JobState, job_table, run_due, run_job, schedule_loop

    settings = _settings(args)
    ctx = job_context(settings)
    if args.action == "list":
        rows = job_table(ctx, JobState(settings.data_dir).load(), settings.lang)
        keys = ("name", "when", "recipients", "last_period", "last_result")
        print_table(keys, [[", ".join(v) if isinstance(v, list) else v for v in (r.get(k) for k in keys)]
                           for r in rows], max_width=50)
        return EXIT_OK
    if args.action == "schedule":
        if args.once:
            results = run_due(ctx, dt.datetime.now())
            for r in results:
                print(f"{r.job} {r.period}: {r.summary or r.error}")
            return EXIT_OK if all(r.ok for r in results) else EXIT_ISSUES
        return schedule_loop(ctx, log_file=args.log or settings.data_dir / "jobs.log")
    if not args.name:
        print("gendan-xl: jobs run needs the job's name (see gendan-xl jobs list)", file=sys.stderr)
        return EXIT_USAGE
    if args.name not in ctx.specs:
        raise GendanError(f"no job {args.name!r} in jobs/jobs.toml (jobs: {', '.join(ctx.specs)})")
    now = dt.datetime.combine(args.today, dt.datetime.now().time()) if args.today else dt.datetime.now()
    result = run_job(args.name, ctx, now, force=args.force, dry_run=args.dry_run)
    for outcome in result.sent.outcomes:
        print(outcome)
    print(f"{result.job} {result.period}: {result.summary or result.error}")
    return EXIT_UNUSABLE if result.error else (EXIT_OK if result.sent.ok else EXIT_ISSUES)


def _review_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, help="master workbook; lines whose 状态 is 新单 / 待评审 / new are reviewed")
    p.add_argument("--orders", type=Path, help="review every line of this separate new-orders workbook instead")
    p.add_argument("--today", type=parse_day, help="the review day (default: today)")
    p.add_argument("--data-dir", type=Path, help="where the quote log is (default: [paths] data_dir)")
    p.add_argument("--out", type=Path, help="the review workbook (default: <name>.review.xlsx beside it)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of reasons (default: gendan.toml)")
    p.add_argument("--json", action="store_true", help="print every verdict and reason as JSON")
    _send_options(p)


@command("review", "Order review (订单评审): delivery, price vs quote, credit, terms and MOQ for each new order.",
         "gendan-xl review workbooks/orders.xlsx --today 2026-11-26", _review_setup)
def cmd_review(args: argparse.Namespace) -> int:
    from gendan_xl.review import review_mails, review_workbook

    settings = _settings(args)
    lang = args.lang or settings.lang
    today = args.today or dt.date.today()
    result = review_workbook(args.workbook, today=today, data_dir=args.data_dir or settings.data_dir,
                             new_orders=args.orders, out=output_file(args.out, args.workbook, args.orders), weekly=settings.weekly, lang=lang)
    if args.send or args.dry_run:
        mails, no_email = review_mails(result, emails=settings.merchandisers, lang=lang)
        for name in no_email:
            note(f"warning: no e-mail for {name} in gendan.toml [mail.merchandisers]")
        return _send(settings, mails, job="review", period=today.isoformat(), args=args, as_json=args.json)
    print_json(result.to_dict(lang)) if args.json else print(result.to_text(lang))
    return EXIT_OK if result.ok else EXIT_ISSUES


def _allocate_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, help="master workbook with the open order lines")
    p.add_argument("--stock", type=Path, required=True, help="stock workbook: model and available quantity")
    p.add_argument("--skip", default="", help="statuses not to supply, comma separated (e.g. on_hold,new)")
    p.add_argument("--out", type=Path, help="the allocation workbook (default: <name>.allocation.xlsx)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the text (default: gendan.toml)")
    p.add_argument("--json", action="store_true", help="print the allocation as JSON")


@command("allocate", "Allocate short stock to open orders: grade A before B before C, then due date, order date.",
         "gendan-xl allocate workbooks/orders.xlsx --stock workbooks/stock.xlsx", _allocate_setup)
def cmd_allocate(args: argparse.Namespace) -> int:
    from gendan_xl.allocate import allocate_workbook

    lang = args.lang or _settings(args).lang
    skip = tuple(s.strip() for s in args.skip.split(",") if s.strip())
    out = output_file(args.out, args.workbook, args.stock)
    result = allocate_workbook(args.workbook, args.stock, out=out, skip_statuses=("cancelled", *skip), lang=lang)
    print_json(result.to_dict()) if args.json else print(result.to_text(lang))
    return EXIT_OK if result.ok else EXIT_ISSUES


def _calendar_options(args: argparse.Namespace, settings) -> dict:
    """--warning-days and --weekly, else what gendan.toml says."""
    return {"warning_days": settings.warning_days if args.warning_days is None else args.warning_days,
            "weekly": args.weekly or settings.weekly}


def _settings(args: argparse.Namespace):
    from gendan_xl.doors.settings import load_settings

    return load_settings(getattr(args, "config", None))


def _demo_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("build/demo"), help="where the demo copies go (build/demo)")
    p.add_argument("--today", type=parse_day, help="the day to compute for (default: 2026-11-26, the samples' day)")


@command("demo", "Run the main job on the bundled sample workbooks (copies in build/demo).",
         "gendan-xl demo --today 2026-11-26", _demo_setup)
def cmd_demo(args: argparse.Namespace) -> int:
    from gendan_xl.books.new_master import TODAY
    from gendan_xl.doors.demo import run_demo

    prefix = ["--config", str(args.config)] if args.config else []
    return run_demo(args.out, today=args.today or TODAY, step=lambda argv: main([*prefix, *argv]))


# ------------------------------------------------------------------------------------------------ main

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gendan-xl",
        description="Excel-first tools for order merchandisers: validate, status, refresh, quotes, statements.",
        epilog="example:\n  gendan-xl validate workbooks/orders.xlsx",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    parser.add_argument("--config", type=Path, help="settings file (default: $GENDAN_CONFIG, else ./gendan.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (setup, _) in COMMANDS.items():
        setup(sub.add_parser(name, help=_HELP[name]))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    handler = COMMANDS[args.command][1]
    try:
        return handler(args)
    except GendanError as exc:  # UsageError (2) and the unusable-input kinds (3) carry their exit code
        print(f"gendan-xl: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gendan-xl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `gendan-xl status --json | head`: the reader left, nothing is wrong
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except Exception as exc:  # the door: one line, not a traceback (unless --debug)
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"gendan-xl: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)",
              file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
