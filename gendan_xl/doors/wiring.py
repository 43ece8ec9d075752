"""What the doors (cli, jobs, demo) share: settings turned into the pieces the library functions take.

Nothing here computes anything: it reads the settings and the workbooks once and hands them on, so the
CLI, the scheduler and the demo send the same mails from the same figures.
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path
from typing import Any, Mapping

from gendan_xl.doors.settings import Settings
from gendan_xl.errors import GendanError, Issue, UsageError
from gendan_xl.delivery.jobs import JobContext, load_jobs
from gendan_xl.delivery.mail import Attachment, Mail, document_digest, open_mailer, render_mail
from gendan_xl.books.master import load_master, status_of, validate_workbook
from gendan_xl.i18n import say
from gendan_xl.i18n.documents import STATEMENT as DOCUMENT_STATEMENT
from gendan_xl.i18n.mail import STATEMENT
from gendan_xl.delivery.report import OverduePlan, overdue_mails
from gendan_xl.schema import fold_key

log = logging.getLogger("gendan_xl.doors.wiring")


def customer_contacts(workbook: Path) -> dict[str, tuple[str, str, str]]:
    """Customer code and name (normalized) → (email, language, merchandiser), from the 客户 sheet alone (the
    orders sheet, which may hold a million lines, is not read for this)."""
    from gendan_xl.errors import MissingSheetError
    from gendan_xl.schema import CUSTOMERS
    from gendan_xl.xlsx.read import open_book, read_table

    try:
        rows = read_table(open_book(workbook), CUSTOMERS, year_anchor=None).rows
    except MissingSheetError:
        return {}
    out: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        lang = "en" if fold_key(row.values.get("language")) in ("en", "english", "英文", "英语") else "zh"
        for key in (row.values.get("code"), row.values.get("name")):
            if key:
                out[fold_key(key)] = (row.values.get("email") or "", lang,
                                      str(row.values.get("merchandiser") or "").strip())
    return out


def statement_mails(settings: Settings, workbook: Path, period: str, *, today: dt.date, out_dir: Path,
                    statements: list | None = None, dry_run: bool = False) -> tuple[list[Mail], list[str]]:
    """One mail per customer with an e-mail address and a statement for `period` (all customers with
    activity or a balance, or the `statements` given), in the customer's language (the 客户 sheet's 语言).
    Attached: what `[mail] statement_files` lists (default the PDF; "xlsx" for the editable workbook); the
    .xlsx when a PDF is asked for and LibreOffice is not installed, so the customer always gets the statement.
    Answers go to `[mail] customer_reply_to` when set (finance, say), else to the customer's merchandiser
    (the 客户 sheet's 跟单员, by [mail.merchandisers]), else to [company] email, the address the statement prints.
    With `dry_run` the PDF is named but not made: a dry run shows who would get which files, and one
    LibreOffice start costs seconds (the mails go to `Mailer.send(dry_run=True)` only; their PDFs are empty).
    Returns the mails and the customers left out for want of an address."""
    from gendan_xl.books.accounts import statements_from_workbook, write_statement
    from gendan_xl.xlsx.template import to_pdfs

    contacts = customer_contacts(workbook)
    mails, no_email = [], []
    company = dict(settings.company)
    pdf = "pdf" in settings.mail.statement_files and shutil.which("soffice") is not None
    if statements is None:
        statements = statements_from_workbook(workbook, period, lang=settings.lang)
    addressed = []
    for st in statements:
        email, lang, merchandiser = contacts.get(fold_key(st.customer), ("", settings.lang, ""))
        if email:
            reply_to = (settings.mail.customer_reply_to or settings.merchandisers.get(merchandiser)
                        or company.get("email", ""))
            addressed.append((st, email, lang, reply_to, write_statement(st, out_dir, company=company, issued=today)))
        else:
            no_email.append(st.customer)
    if pdf and addressed and not dry_run:
        to_pdfs([xlsx for *_, xlsx in addressed], out_dir)   # one LibreOffice start for the month's statements
    for st, email, lang, reply_to, xlsx in addressed:
        data = xlsx.read_bytes()
        attachments = []
        if pdf:
            # the PDF says what the workbook says; LibreOffice stamps it with the time, so it takes the
            # workbook's digest for the sent log
            made = b"" if dry_run else xlsx.with_suffix(".pdf").read_bytes()
            attachments.append(Attachment(xlsx.with_suffix(".pdf").name, made,
                                          digest=document_digest(xlsx.name, data) + ":pdf"))
        if "xlsx" in settings.mail.statement_files or not pdf:
            attachments.append(Attachment(xlsx.name, data))
        name = st.customer_name or st.customer
        words = {key: say(STATEMENT, key, lang) for key in ("closing", "ageing", "ask", "sign_off")}
        mails.append(render_mail(
            "statement",
            {"t": words, "greeting": say(STATEMENT, "greeting", lang, name=name),
             "intro": say(STATEMENT, "intro", lang, period=period,
                          basis=say(DOCUMENT_STATEMENT, f"basis.{st.basis}", lang)),
             "currency": st.currency, "closing": f"{st.closing_balance:,.2f}",
             "ageing": {k: f"{v:,.2f}" for k, v in st.ageing.items()},
             "company": _company_name(company, lang),
             "contact": " · ".join(v for v in (_contact(company, lang), company.get("tel"), company.get("email")) if v)},
            to=email, subject=say(STATEMENT, "subject", lang, period=period, name=name), lang=lang,
            attachments=attachments, ref=st.customer, reply_to=reply_to))
    return mails, no_email


def _company_name(company: Mapping[str, str], lang: str) -> str:
    """The company's name as a customer writing in `lang` knows it."""
    return company.get("name" if lang == "zh" else "name_en") or company.get("name", "")


def _contact(company: Mapping[str, str], lang: str) -> str:
    """Who signs: [company] contact, or contact_en in a mail to an English-speaking customer ("Zhang Li")."""
    return (company.get("contact_en") if lang == "en" else "") or company.get("contact", "")


def overdue_plan(settings: Settings, workbook: Path, *, today: dt.date) -> tuple[OverduePlan, Any]:
    """The overdue report's mails for `today` and the status they come from."""
    status = status_of(load_master(workbook, lean=True, vocabulary=settings.vocabulary), today=today,
                       warning_days=settings.warning_days, weekly=settings.weekly, due=settings.due)
    plan = overdue_mails(status.result.lines, today, **report_options(settings), source=workbook.name)
    return plan, status


def report_options(settings: Settings) -> dict[str, Any]:
    """Who gets the daily report and how, from the settings: the one set-up of `overdue_mails`' people for the
    report command, the team's and the job's."""
    return {"emails": dict(settings.merchandisers), "lead": [settings.team_lead] if settings.team_lead else [],
            "default_lang": settings.lang, "nothing_overdue": "good-news" if settings.good_news_mail else "skip"}


def job_context(settings: Settings, *, jobs_file: Path | None = None, **mailer_kw: Any) -> JobContext:
    """The scheduler's context from the settings: the calendar of the master workbook (else of the team's
    first) decides workdays; with [workbook] paths the overdue report is the team's."""
    workbook = settings.workbook  # None with only [workbook] paths: the jobs then work on the team's

    def the_workbook() -> Path:
        return require_workbook(None, settings)

    calendars: list = []

    def is_workday(day: dt.date) -> bool:
        # read the workbook's 假期 sheet when a job first asks, so `jobs list` works without the workbook
        if not calendars:
            master = load_master(workbook or team_paths(settings)[0], lean=True, vocabulary=settings.vocabulary)
            calendars.append(master.calendar_and_issues(weekly=settings.weekly, lang=settings.lang)[0])
        return calendars[0].is_workday(day)

    def load_status(today: dt.date):
        return status_of(load_master(the_workbook(), lean=True, vocabulary=settings.vocabulary), today=today,
                         warning_days=settings.warning_days, weekly=settings.weekly, due=settings.due).result.lines

    def make_statements(today: dt.date, period: str, dry_run: bool) -> list[Mail]:
        return statement_mails(settings, the_workbook(), period, today=today,
                               out_dir=settings.out_dir / "statements" / period, dry_run=dry_run)[0]

    def check(today: dt.date) -> list[Issue]:
        return validate_workbook(the_workbook(), vocabulary=settings.vocabulary).issues

    def load_team(today: dt.date) -> tuple[list, Any]:
        run, facts = team_report_input(settings, today=today)
        return run.status.lines, facts

    specs = load_jobs(jobs_file) if jobs_file else load_jobs()
    people = report_options(settings)
    return JobContext(
        mailer=open_mailer(settings.mail, settings.data_dir, **mailer_kw), is_workday=is_workday,
        specs=specs, merchandiser_emails=people["emails"], lead=people["lead"],
        admin=[settings.admin] if settings.admin else [],
        default_lang=people["default_lang"], nothing_overdue=people["nothing_overdue"],
        load_status=load_status, make_statements=make_statements, check=check,
        load_team=load_team if settings.workbook_paths else None, workbook_name=workbook.name if workbook else "",
        make_kpi=lambda today, month, to: kpi_mails_for(settings, month, to, today=today))


def require_workbook(path: Path | None, settings: Settings) -> Path:
    path = path or settings.workbook
    if path is None:  # neither given nor in gendan.toml (it was a TypeError, exit 4)
        raise UsageError.said("no-workbook-given")
    if not Path(path).exists():
        raise GendanError.said("no-such-workbook", path=path)
    return Path(path)


# ------------------------------------------------------------------------------------------- the team

def team_paths(settings: Settings, paths: Any = None) -> list[Path]:
    """The workbooks a team command works on: those given, else the team's ([workbook] path and paths)."""
    found = [Path(p) for p in paths] if paths else settings.team_workbooks()
    if not found:
        raise GendanError.said("no-team-workbooks")
    return found


def team_run(settings: Settings, store: Any, *, today: dt.date, now: dt.datetime, kind: str,
             paths: Any = None) -> Any:
    """A team run (delivery.team.run_team) with the settings' owners, week, warning window, due basis and words."""
    from gendan_xl.delivery.team import run_team

    return run_team(store, team_paths(settings, paths), today=today, now=now, kind=kind, owner_of=settings.owner_of,
                    warning_days=settings.warning_days, weekly=settings.weekly, due=settings.due,
                    vocabulary=settings.vocabulary)


def stored_team_run(settings: Settings, *, today: dt.date, kind: str, paths: Any = None) -> Any:
    """A team run whose snapshot is kept in the store under a run of `kind` — what `status` over the team
    does, and what a refresh (by `refresh` over the team, or by `watch`) leaves, so that `changes` sees what
    the refresh saw."""
    from gendan_xl.delivery.store import Store

    with Store(settings.data_dir) as store:
        return team_run(settings, store, today=today, now=dt.datetime.now(), kind=kind, paths=paths)


def watch_options(settings: Settings, *, paths: Any = None, today: dt.date | None = None) -> dict[str, Any]:
    """The arguments of delivery.watch.watch_workbooks from the settings: which workbooks, which folders, and
    the refresh each saved-and-closed workbook gets (the same as `gendan-xl refresh`), its snapshot then
    stored as a run of kind "watch"."""
    from gendan_xl.books.refresh import refresh_workbook
    from gendan_xl.delivery.watch import watch_folders

    patterns = [] if paths else settings.team_patterns

    def find() -> list[Path]:
        return [Path(p) for p in paths] if paths else settings.team_workbooks()

    def refresh(path: Path) -> Any:
        day = today or dt.date.today()
        result = refresh_workbook(path, today=day, now=dt.datetime.now(),
                                  warning_days=settings.warning_days, weekly=settings.weekly, due=settings.due,
                                  backups=settings.backups, vocabulary=settings.vocabulary, limits=settings.limits)
        try:  # read again after the write: its record then matches the file, and the next run need not read it
            stored_team_run(settings, today=day, kind="watch", paths=[path])
        except GendanError as exc:  # the refresh is done: failing it now would make the watcher refresh again
            log.warning("%s: refreshed, but its snapshot was not stored: %s", path.name, exc)
        return result

    return {"find": find, "folders": watch_folders(find(), patterns, settings.base), "refresh": refresh,
            "quiet": settings.watch_quiet, "polling": settings.watch_polling,
            "poll_seconds": settings.watch_poll_seconds}


def team_report_input(settings: Settings, paths: Any = None, *, today: dt.date,
                      now: dt.datetime | None = None) -> tuple[Any, Any]:
    """The daily report's input over the team's workbooks: one team run (kept as a run of kind "report") and
    what the report adds to its lines (TeamFacts), with the changes since the last report of an earlier day."""
    from gendan_xl.delivery.store import Store
    from gendan_xl.delivery.team import report_facts, team_changes

    with Store(settings.data_dir) as store:
        run = team_run(settings, store, today=today, now=now or dt.datetime.now(), kind="report", paths=paths)
        since = store.last_run(kind="report", before=run.run, today_before=today)
        changes = team_changes(store, run.files, since_run=since, until=run.run,
                               weekly=settings.weekly) if since is not None else None
    return run, report_facts(run, changes)


def team_report(settings: Settings, paths: Any = None, *, today: dt.date, now: dt.datetime) -> tuple[OverduePlan, Any]:
    """The daily report over the team's workbooks: the mails (delivery.report.overdue_mails) and the run."""
    run, facts = team_report_input(settings, paths, today=today, now=now)
    plan = overdue_mails(run.status.lines, today, **report_options(settings), team=facts)
    return plan, run


def kpi_mails_for(settings: Settings, month: str, to: Any, *, today: dt.date) -> list[Mail]:
    """The monthly on-time rate mails of `month` over the team's workbooks (delivery.team.kpi_mails)."""
    from gendan_xl.delivery.store import Store
    from gendan_xl.delivery.team import kpi_mails, team_kpi, team_kpi_months, unreadable

    with Store(settings.data_dir) as store:
        run = team_run(settings, store, today=today, now=dt.datetime.now(), kind="kpi")
        kpi = team_kpi(store, run.files, month, by="customer", as_of=today, basis=settings.kpi_basis, due=settings.due)
        months = team_kpi_months(store, run.files, month, as_of=today, basis=settings.kpi_basis, due=settings.due)
    return kpi_mails(kpi, months, list(to), today=today, lang=settings.lang,
                     unreadable=[unreadable(wb) for wb in run.status.unreadable])
