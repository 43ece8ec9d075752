"""Running one job: what each kind of job does (`RUNNERS`: the overdue report, the statements, the on-time
rate, validation), and `run_job`, which runs one now, records it and never raises — a failure is mailed to
the admin (`mail_admin`). Every heavy step comes in through `JobContext`, so this is testable without them.
"""
from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from gendan_xl.errors import ERROR, ConfigError, GendanError, Issue
from gendan_xl.statement import month_before
from gendan_xl.status import Line
from gendan_xl.delivery.job_specs import MAX_ATTEMPTS, RETRY_AFTER, RUNS, JobRecord, JobSpec, JobState, text
from gendan_xl.delivery.mail import FAILED, INVALID, REJECTED, Mail, Mailer, SendResult, render_mail
from gendan_xl.delivery.report import TeamFacts, overdue_mails

log = logging.getLogger("gendan_xl.delivery.jobs")  # one logger for the scheduler's lines, whichever module


@dataclass
class JobContext:
    """Everything a job needs, passed in: the door (CLI) builds it from gendan.toml and the environment.

    - `load_status(today)` → the status of every order line (`StatusResult.lines`);
    - `make_statements(today, period, dry_run)` → the statement mails of `period` ("2026-10", the month before
      the run); with `dry_run` they need only name their files (a dry run sends nothing);
    - `check(today)` → the validation issues of the orders workbook;
    - `load_team(today)` → over the team's workbooks ([workbook] paths): the open lines and what the report
      adds (`report.TeamFacts`); when given, the overdue report uses it instead of `load_status`;
    - `make_kpi(today, month, to)` → the on-time rate mails of `month` to the addresses `to`.
    """

    mailer: Mailer
    is_workday: Callable[[_dt.date], bool]
    specs: Mapping[str, JobSpec]
    merchandiser_emails: Mapping[str, str] = field(default_factory=dict)
    lead: Sequence[str] = ()
    admin: Sequence[str] = ()
    langs: Mapping[str, str] = field(default_factory=dict)
    default_lang: str = "zh"
    nothing_overdue: str = "good-news"
    load_status: Callable[[_dt.date], Sequence[Line]] | None = None
    make_statements: Callable[[_dt.date, str, bool], Iterable[Mail]] | None = None
    check: Callable[[_dt.date], Iterable[Issue]] | None = None
    templates_dir: Path | str | None = None
    load_team: Callable[[_dt.date], tuple[Sequence[Line], TeamFacts]] | None = None
    make_kpi: Callable[[_dt.date, str, Sequence[str]], Iterable[Mail]] | None = None
    workbook_name: str = ""  # the orders workbook's file name, which the report's attachment names

    @property
    def data_dir(self) -> Path:
        return self.mailer.data_dir

    def lang_of(self, addr: str) -> str:
        return self.langs.get(addr, self.langs.get(addr.lower(), self.default_lang))

    def resolve(self, recipients: Iterable[str]) -> list[str]:
        """jobs.toml recipients → addresses: merchandisers, lead, admin, or a literal address."""
        out: list[str] = []
        for r in recipients:
            if r == "merchandisers":
                out += [a for a in self.merchandiser_emails.values() if a]
            elif r == "lead":
                out += list(self.lead)
            elif r == "admin":
                out += list(self.admin)
            elif "@" in r:
                out.append(r)
        return list(dict.fromkeys(out))


@dataclass
class JobResult:
    job: str
    period: str
    ok: bool = True
    summary: str = ""
    sent: SendResult = field(default_factory=SendResult)
    error: str = ""
    skipped: bool = False
    data: dict[str, Any] | None = None   # job memory to keep (validate: the errors seen)
    told: tuple[str, dict[str, Any]] | None = None  # the summary's JOBS key and fields, to say in any language

    def __post_init__(self) -> None:
        if self.told and not self.summary:
            self.summary = self.said("en")  # jobs.log and the job state keep English

    def said(self, lang: str) -> str:
        """The summary in `lang` (the error line when the job failed)."""
        if self.told is None:
            return self.summary or self.error
        key, fields = self.told
        fields = dict(fields)
        names, mailed = fields.pop("no_email", None), fields.pop("mailed", True)
        mails = self.sent.summary(lang) if mailed else text("summary_no_mail", lang)
        return text(key, lang, mails=mails, **fields) + (text("summary_no_email", lang, names=", ".join(names))
                                                          if names else "")

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.job, "period": self.period, "ok": self.ok, "summary": self.summary,
                "error": self.error, "mail": self.sent.to_dict()["outcomes"]}


Runner = Callable[[JobContext, JobSpec, _dt.datetime, str, JobRecord | None, bool, bool], JobResult]


def run_overdue_report(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
                       force: bool, dry_run: bool) -> JobResult:
    if ctx.load_status is None and ctx.load_team is None:
        raise ConfigError.said("job-needs-workbook", job="overdue-report")
    today = now.date()
    if ctx.load_team is not None:
        lines, team = ctx.load_team(today)
    else:
        assert ctx.load_status is not None  # one of the two, checked above
        lines, team = ctx.load_status(today), None
    plan = overdue_mails(lines, today, team=team,
                         emails=ctx.merchandiser_emails if "merchandisers" in spec.recipients else {},
                         lead=ctx.resolve(r for r in spec.recipients if r != "merchandisers"),
                         langs=ctx.langs, default_lang=ctx.default_lang, nothing_overdue=ctx.nothing_overdue,
                         templates_dir=ctx.templates_dir, source=ctx.workbook_name)
    sent = ctx.mailer.send(plan.mails, job=spec.runs, period=plan.period, force=force, dry_run=dry_run)
    return JobResult(spec.name, period, sent=sent,
                     told=("summary_overdue", {"n": len(plan.mails), "no_email": list(plan.no_email)}))


def run_statements(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
                   force: bool, dry_run: bool) -> JobResult:
    if ctx.make_statements is None:
        raise ConfigError.said("job-needs-workbook", job="statements")
    month = month_before(now.date())   # the statements sent in November are October's, keyed so by the CLI too
    mails = list(ctx.make_statements(now.date(), month, dry_run))
    sent = ctx.mailer.send(mails, job=spec.runs, period=month, force=force, dry_run=dry_run)
    return JobResult(spec.name, period, sent=sent, told=("summary_statements", {"n": len(mails), "month": month}))


def run_kpi(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
            force: bool, dry_run: bool) -> JobResult:
    """The month before's on-time delivery rate, with its 12-month workbook, to the job's recipients."""
    if ctx.make_kpi is None:
        raise ConfigError.said("job-needs-workbooks", job="kpi")
    month = month_before(now.date())
    mails = list(ctx.make_kpi(now.date(), month, ctx.resolve(spec.recipients)))
    sent = ctx.mailer.send(mails, job=spec.runs, period=month, force=force, dry_run=dry_run)
    return JobResult(spec.name, period, sent=sent, told=("summary_kpi", {"month": month}))


def issue_key(issue: Issue) -> str:
    """What makes an error "the same one" between two runs: place, code and value."""
    return f"{issue.sheet}!{issue.cell}|{issue.code}|{issue.value}"


def run_validate(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
                 force: bool, dry_run: bool) -> JobResult:
    """Mail only the error-level issues not present at the previous run (the job's memory)."""
    if ctx.check is None:
        raise ConfigError.said("job-needs-workbook", job="validate")
    errors = [i for i in ctx.check(now.date()) if i.severity == ERROR]
    seen = set((last.data if last else {}).get("seen", []))
    new = [i for i in errors if issue_key(i) not in seen]
    keep = {"seen": sorted({issue_key(i) for i in errors})}
    mails = []
    if new:
        for addr in ctx.resolve(spec.recipients):
            lang = ctx.lang_of(addr)
            mails.append(render_mail("notice", {
                "greeting": text("greeting", lang), "intro": text("issues_intro", lang),
                "items": [str(i) for i in new], "footer": text("footer", lang)},
                to=addr, lang=lang, subject=text("issues_subject", lang, day=now.date().isoformat(), n=len(new)),
                templates_dir=ctx.templates_dir))
    sent = ctx.mailer.send(mails, job=spec.runs, period=period, force=force, dry_run=dry_run)
    return JobResult(spec.name, period, sent=sent, data=keep,
                     told=("summary_validate", {"errors": len(errors), "new": len(new), "mailed": bool(mails)}))


RUNNERS: dict[str, Runner] = {
    "overdue-report": run_overdue_report,
    "statements": run_statements,
    "validate": run_validate,
    "kpi": run_kpi,
}
assert tuple(RUNNERS) == RUNS, "job_specs.RUNS names what jobs.toml may ask for: the runners here"


def run_job(name: str, ctx: JobContext, now: _dt.datetime, *, force: bool = False, dry_run: bool = False,
            state: JobState | None = None) -> JobResult:
    """Run one job now, whatever the schedule says, record it in `job_state`, and never raise.

    A failure is logged (traceback in the log file), recorded, and mailed to `ctx.admin`; the result's
    `error` holds one line. A dry run records nothing and sends nothing.
    """
    if name not in ctx.specs:
        raise ConfigError.said("no-such-job", name=name, jobs=", ".join(ctx.specs))
    spec = ctx.specs[name]
    period = spec.period(now)
    own = state is None
    st = state or JobState(ctx.data_dir)
    try:
        last = st.load().get(name)
        log.info("running %s for %s", name, period)
        try:
            result = RUNNERS[spec.runs](ctx, spec, now, period, last, force, dry_run)
        except Exception as exc:  # a door: one job's failure must not stop the others
            line = str(exc) if isinstance(exc, GendanError) else f"{type(exc).__name__}: {exc}"
            # A GendanError is a one-line user problem; anything else is a bug: keep its traceback in the log.
            log.error("%s (%s) failed: %s", name, period, line, exc_info=not isinstance(exc, GendanError))
            result = JobResult(name, period, ok=False, error=line)
            if not dry_run:
                st.save(name, period, "failed", now, now, line)
                mail_admin(ctx, "failure", [line], job=name, period=period,
                            minutes=int(RETRY_AFTER.total_seconds() // 60), attempts=MAX_ATTEMPTS)
            return result
        if not dry_run:
            st.save(name, period, "ok", now, now, result.summary, result.data)
            problems = [str(o) for o in result.sent.outcomes if o.state in (INVALID, REJECTED, FAILED)]
            if problems:   # the run went on without them: the admin learns which, and why
                mail_admin(ctx, "problems", problems, job=name, period=period, n=len(problems))
        log.info("%s (%s): %s", name, period, result.summary)
        return result
    finally:
        if own:
            st.close()


def mail_admin(ctx: JobContext, kind: str, items: Sequence[str], *, job: str, period: str, **fields: Any) -> None:
    """One notice to the admin about `job` in `period`: its failure, the mails it could not send, or its
    missed month (`kind`: the i18n.mail JOBS keys `<kind>_subject`, `<kind>_intro`, `<kind>_next`). Sent once per
    kind, job and period."""
    mails = []
    for addr in ctx.admin:
        lang = ctx.lang_of(addr)
        words = dict(fields, job=job, period=period)
        mails.append(render_mail("notice", {
            "greeting": text("greeting", lang), "intro": text(f"{kind}_intro", lang, **words),
            "items": list(items), "footer": text(f"{kind}_next", lang, **words)},
            to=addr, lang=lang, subject=text(f"{kind}_subject", lang, **words), templates_dir=ctx.templates_dir,
            ref=kind))
    try:
        ctx.mailer.send(mails, job="job-failure", period=f"{job}/{period}")
    except Exception as exc:   # the admin mail failing must not hide the job failure
        log.error("could not mail the %s of %s to the admin: %s", kind, job, exc)


__all__ = ["RUNNERS", "JobContext", "JobResult", "Runner", "issue_key", "mail_admin", "run_job", "run_kpi",
           "run_overdue_report", "run_statements", "run_validate"]
