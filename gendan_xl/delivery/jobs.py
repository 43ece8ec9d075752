"""Scheduled jobs: the 08:30 overdue report, the monthly statements and on-time rate, the hourly validation.

Jobs are declared in `jobs/jobs.toml` (name, what it runs, when, recipients) and are plain functions:
`run_job(name, ctx, now)` runs one now, `due_jobs(now, state, specs, is_workday)` says which are due. The
scheduler loop (`schedule_loop`) only asks `due_jobs` once a minute and runs what it returns.

**Why not let `schedule` decide.** `schedule.every().day.at("08:30")` runs at 08:30 only while the process
is alive, does not run missed jobs, and knows nothing of 调休. So each job has a *period* (a day, a month, an
hour) and runs at most once per period, on a working day, at or after its time in that period; the last
finished period is kept in SQLite (`job_state` in `<data_dir>/gendan.sqlite`). Consequences:

- the machine was off at 08:30 → the report goes out when the scheduler starts later that working day;
- a restart at 10:00 after the 08:30 run → nothing (the day's period is done); a manual `jobs run` counts;
- a holiday → nothing, even when started after 08:30; a makeup Saturday (调休上班) → the report;
- statements are due from the first working day of the month at their time; if that day was missed they go
  on one of the next `catch_up_workdays` working days (3), never twice in a month, never mid-month; when
  that window closes without a run, the admin is told once (`missed_jobs`), never silence;
- a failed run is retried after `RETRY_AFTER`, at most `MAX_ATTEMPTS` times per period; the admin gets one
  mail per failure and period, and one naming the mails a run could not send (a line break in a customer's
  name, a refused address).

The mails of a job are keyed as the CLI keys them (`delivery.mail`): the kind is what the job runs, the
period is the mail's own (the statements sent in November are October's), so a statement sent by hand is
not sent again by the job, nor the other way round.

`is_workday` is passed in (`workdays.WorkCalendar(...).is_workday`), and so is every heavy step (reading the
workbook and computing status, building statements, validating), so this module is testable without them.
"""
from __future__ import annotations

import datetime as _dt
import logging
import signal
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import schedule

from gendan_xl.resources import shipped
from gendan_xl.errors import ERROR, ConfigError, GendanError, Issue
from gendan_xl.i18n import say
from gendan_xl.i18n.mail import JOBS
from gendan_xl.statement import month_before
from gendan_xl.status import Line
from gendan_xl.delivery.mail import FAILED, INVALID, REJECTED, Mail, Mailer, SendResult, render_mail
from gendan_xl.delivery.store import Store
from gendan_xl.delivery.report import TeamFacts, overdue_mails

log = logging.getLogger("gendan_xl.delivery.jobs")

JOBS_FILE = shipped("jobs") / "jobs.toml"
EVERY = ("workday", "month", "hour")
MAX_ATTEMPTS = 3
MISSED = "missed"   # the result recorded for a month job whose window closed without a run
RETRY_AFTER = _dt.timedelta(minutes=15)
FLUSH_EVERY = _dt.timedelta(minutes=10)

def text(key: str, lang: str, **fields: Any) -> str:
    return say(JOBS, key, lang, **fields)


# --- declarations --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobSpec:
    """One entry of jobs.toml."""

    name: str
    runs: str
    every: str
    at: _dt.time
    until: _dt.time | None = None            # "hour" jobs: the end of the working hours
    recipients: tuple[str, ...] = ()
    description: str = ""
    catch_up_workdays: int = 3               # "month" jobs: how many working days late they may still run

    def period(self, now: _dt.datetime) -> str:
        """The slot `now` falls in: 2026-11-26 (workday), 2026-11 (month), 2026-11-26T09 (hour)."""
        if self.every == "month":
            return f"{now.year:04d}-{now.month:02d}"
        if self.every == "hour":
            return now.strftime("%Y-%m-%dT%H")
        return now.date().isoformat()

    def when(self, lang: str = "en") -> str:
        until = self.until.strftime("%H:%M") if self.until else ""
        return text(f"every_{self.every}", lang, at=self.at.strftime("%H:%M"), until=until)

    def is_scheduled(self, now: _dt.datetime, is_workday: Callable[[_dt.date], bool]) -> bool:
        """Whether the job's time in the current period has come (ignoring whether it already ran)."""
        today = now.date()
        if not is_workday(today):
            return False
        if self.every == "workday":
            return now.time() >= self.at
        if self.every == "hour":
            return self.at <= now.time() < (self.until or _dt.time(23, 59, 59))
        # A month job missed on its day still runs on the next few working days, but not later: a
        # scheduler installed on the 26th must not mail customers a surprise statement.
        late = self._late(now, is_workday)
        return late is not None and late <= self.catch_up_workdays

    def window_closed(self, now: _dt.datetime, is_workday: Callable[[_dt.date], bool]) -> bool:
        """A month job whose catch-up window in the current month is over (whether or not it ran)."""
        if self.every != "month":
            return False
        late = self._late(now, is_workday)
        return late is not None and late > self.catch_up_workdays

    def _late(self, now: _dt.datetime, is_workday: Callable[[_dt.date], bool]) -> int | None:
        """Working days since the month's first working day, once the job's time on it has come."""
        first = first_workday(now.year, now.month, is_workday)
        if first is None or now < _dt.datetime.combine(first, self.at):
            return None
        return sum(1 for i in range(1, (now.date() - first).days + 1) if is_workday(first + _dt.timedelta(days=i)))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "runs": self.runs, "every": self.every, "at": self.at.strftime("%H:%M"),
                "until": self.until.strftime("%H:%M") if self.until else None, "when": self.when("en"),
                "recipients": list(self.recipients), "description": self.description,
                "catch_up_workdays": self.catch_up_workdays if self.every == "month" else None}


def first_workday(year: int, month: int, is_workday: Callable[[_dt.date], bool]) -> _dt.date | None:
    d = _dt.date(year, month, 1)
    while d.month == month:
        if is_workday(d):
            return d
        d += _dt.timedelta(days=1)
    return None


def _time(value: Any, where: str) -> _dt.time:
    if isinstance(value, _dt.time):
        return value
    try:
        return _dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a time; write it like \"08:30\"") from None


def parse_jobs(doc: Mapping[str, Any], source: str = "jobs.toml") -> dict[str, JobSpec]:
    """Job specs from a parsed jobs.toml: one table per job, `[overdue-report]` etc."""
    specs: dict[str, JobSpec] = {}
    for name, entry in doc.items():
        where = f"{source} [{name}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} must be a table with runs, every, at and recipients")
        runs = str(entry.get("runs", name))
        if runs not in RUNNERS:
            raise ConfigError(f"{where}: runs = {runs!r} is not one of {', '.join(RUNNERS)}")
        every = str(entry.get("every", "workday"))
        if every not in EVERY:
            raise ConfigError(f"{where}: every = {every!r} is not one of {', '.join(EVERY)}")
        until = _time(entry["until"], where) if "until" in entry else None
        if every == "hour" and until is None:
            raise ConfigError(f"{where}: an hourly job needs until = \"18:00\" (the end of working hours)")
        recipients = entry.get("recipients", [])
        if isinstance(recipients, str) or not all(isinstance(r, str) for r in recipients):
            raise ConfigError(f"{where}: recipients must be a list like [\"merchandisers\", \"lead\"]")
        catch_up = entry.get("catch_up_workdays", 3)
        if not isinstance(catch_up, int) or catch_up < 0:
            raise ConfigError(f"{where}: catch_up_workdays must be a whole number of working days, like 3")
        specs[name] = JobSpec(name=name, runs=runs, every=every, at=_time(entry.get("at", "08:30"), where),
                              until=until, recipients=tuple(recipients), description=str(entry.get("description", "")),
                              catch_up_workdays=catch_up)
    return specs


def load_jobs(path: Path | str = JOBS_FILE) -> dict[str, JobSpec]:
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found; copy jobs/jobs.toml from gendan-xl or pass --jobs") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix that line") from None
    return parse_jobs(doc, path.name)


# --- state ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobRecord:
    """The last run of one job: its period, "ok" or "failed", attempts in that period, job memory."""

    period: str
    result: str
    attempts: int = 1
    started_at: _dt.datetime | None = None
    error: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def done(self, period: str) -> bool:
        return self.period == period and (self.result in ("ok", MISSED) or self.attempts >= MAX_ATTEMPTS)


class JobState:
    """Each job's last run, kept in the store (`job_state`); counts the attempts within a period."""

    def __init__(self, data_dir: Path | str) -> None:
        self.store = Store(data_dir)

    def close(self) -> None:
        self.store.close()

    def load(self) -> dict[str, JobRecord]:
        return {job: JobRecord(**run) for job, run in self.store.job_runs().items()}

    def save(self, job: str, period: str, result: str, started: _dt.datetime, finished: _dt.datetime,
             error: str = "", data: Mapping[str, Any] | None = None) -> None:
        prev = self.load().get(job)
        attempts = prev.attempts + 1 if prev and prev.period == period and prev.result != "ok" else 1
        if data is None:
            data = prev.data if prev else {}
        self.store.save_job_run(job, period=period, result=result, attempts=attempts, started_at=started,
                                finished_at=finished, error=error, data=data)


def due_jobs(now: _dt.datetime, state: Mapping[str, JobRecord], specs: Mapping[str, JobSpec],
             is_workday: Callable[[_dt.date], bool]) -> list[str]:
    """Names of the jobs to run at `now`: scheduled in the current period and not done in it.

    Pure: `state` is `JobState.load()`. A failed run is due again `RETRY_AFTER` after it started, until
    `MAX_ATTEMPTS` attempts in the period.
    """
    due = []
    for name, spec in specs.items():
        if not spec.is_scheduled(now, is_workday):
            continue
        rec = state.get(name)
        period = spec.period(now)
        if rec is not None and rec.period == period:
            if rec.done(period):
                continue
            if rec.started_at is not None and now - _naive(rec.started_at, now) < RETRY_AFTER:
                continue
        due.append(name)
    return due


def missed_jobs(now: _dt.datetime, state: Mapping[str, JobRecord], specs: Mapping[str, JobSpec],
                is_workday: Callable[[_dt.date], bool]) -> list[str]:
    """Names of the month jobs whose catch-up window in this month has closed without a run (or a report
    of the miss) in it. Pure, like `due_jobs`."""
    return [name for name, spec in specs.items()
            if spec.window_closed(now, is_workday)
            and not (name in state and state[name].period == spec.period(now))]


def _naive(t: _dt.datetime, like: _dt.datetime) -> _dt.datetime:
    if (t.tzinfo is None) == (like.tzinfo is None):
        return t
    return t.replace(tzinfo=None) if like.tzinfo is None else t.replace(tzinfo=like.tzinfo)


# --- running -------------------------------------------------------------------------------------------

@dataclass
class JobContext:
    """Everything a job needs, passed in: the door (CLI) builds it from gendan.toml and the environment.

    - `load_status(today)` → the status of every order line (`StatusResult.lines`);
    - `make_statements(today, period)` → the statement mails of `period` ("2026-10", the month before the run);
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
    make_statements: Callable[[_dt.date, str], Iterable[Mail]] | None = None
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

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.job, "period": self.period, "ok": self.ok, "summary": self.summary,
                "error": self.error, "mail": self.sent.to_dict()["outcomes"]}


Runner = Callable[[JobContext, JobSpec, _dt.datetime, str, JobRecord | None, bool, bool], JobResult]


def run_overdue_report(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
                       force: bool, dry_run: bool) -> JobResult:
    if ctx.load_status is None and ctx.load_team is None:
        raise ConfigError("overdue-report needs the orders workbook; set [report] workbook in gendan.toml")
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
    missing = f"; no e-mail for {', '.join(plan.no_email)}" if plan.no_email else ""
    return JobResult(spec.name, period, sent=sent, summary=f"{len(plan.mails)} mails: {sent.summary()}{missing}")


def run_statements(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
                   force: bool, dry_run: bool) -> JobResult:
    if ctx.make_statements is None:
        raise ConfigError("statements needs the master workbook; set [statements] workbook in gendan.toml")
    month = month_before(now.date())   # the statements sent in November are October's, keyed so by the CLI too
    mails = list(ctx.make_statements(now.date(), month))
    sent = ctx.mailer.send(mails, job=spec.runs, period=month, force=force, dry_run=dry_run)
    return JobResult(spec.name, period, sent=sent, summary=f"{len(mails)} statements of {month}: {sent.summary()}")


def run_kpi(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
            force: bool, dry_run: bool) -> JobResult:
    """The month before's on-time delivery rate, with its 12-month workbook, to the job's recipients."""
    if ctx.make_kpi is None:
        raise ConfigError("kpi needs the orders workbooks; set [workbook] path or paths in gendan.toml")
    month = month_before(now.date())
    mails = list(ctx.make_kpi(now.date(), month, ctx.resolve(spec.recipients)))
    sent = ctx.mailer.send(mails, job=spec.runs, period=month, force=force, dry_run=dry_run)
    return JobResult(spec.name, period, sent=sent, summary=f"on-time rate of {month}: {sent.summary()}")


def issue_key(issue: Issue) -> str:
    """What makes an error "the same one" between two runs: place, code and value."""
    return f"{issue.sheet}!{issue.cell}|{issue.code}|{issue.value}"


def run_validate(ctx: JobContext, spec: JobSpec, now: _dt.datetime, period: str, last: JobRecord | None,
                 force: bool, dry_run: bool) -> JobResult:
    """Mail only the error-level issues not present at the previous run (the job's memory)."""
    if ctx.check is None:
        raise ConfigError("validate needs the orders workbook; set [report] workbook in gendan.toml")
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
                     summary=f"{len(errors)} errors, {len(new)} new; {sent.summary() if mails else 'no mail'}")


RUNNERS: dict[str, Runner] = {
    "overdue-report": run_overdue_report,
    "statements": run_statements,
    "validate": run_validate,
    "kpi": run_kpi,
}


def run_job(name: str, ctx: JobContext, now: _dt.datetime, *, force: bool = False, dry_run: bool = False,
            state: JobState | None = None) -> JobResult:
    """Run one job now, whatever the schedule says, record it in `job_state`, and never raise.

    A failure is logged (traceback in the log file), recorded, and mailed to `ctx.admin`; the result's
    `error` holds one line. A dry run records nothing and sends nothing.
    """
    if name not in ctx.specs:
        raise ConfigError(f"no job {name!r} in jobs.toml; known: {', '.join(ctx.specs)}")
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
                _mail_admin(ctx, "failure", [line], job=name, period=period,
                            minutes=int(RETRY_AFTER.total_seconds() // 60), attempts=MAX_ATTEMPTS)
            return result
        if not dry_run:
            st.save(name, period, "ok", now, now, result.summary, result.data)
            problems = [str(o) for o in result.sent.outcomes if o.state in (INVALID, REJECTED, FAILED)]
            if problems:   # the run went on without them: the admin learns which, and why
                _mail_admin(ctx, "problems", problems, job=name, period=period, n=len(problems))
        log.info("%s (%s): %s", name, period, result.summary)
        return result
    finally:
        if own:
            st.close()


def _mail_admin(ctx: JobContext, kind: str, items: Sequence[str], *, job: str, period: str, **fields: Any) -> None:
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


def _report_missed(ctx: JobContext, name: str, now: _dt.datetime, state: JobState) -> None:
    """A month job's window closed without a run: record the period as missed and tell the admin once."""
    spec = ctx.specs[name]
    period = spec.period(now)
    first = first_workday(now.year, now.month, ctx.is_workday) or now.date()
    log.warning("%s (%s) did not run in its window from %s; telling the admin", name, period, first)
    state.save(name, period, MISSED, now, now, f"not run from {first} within {spec.catch_up_workdays} working days")
    _mail_admin(ctx, "missed", [f"gendan-xl jobs run {name}"], job=name, period=period, first=first.isoformat(),
                days=spec.catch_up_workdays)


def job_table(ctx: JobContext, state: Mapping[str, JobRecord], lang: str = "en") -> list[dict[str, Any]]:
    """What `gendan-xl jobs list` prints: each job, when it runs, to whom, and its last run."""
    rows = []
    for name, spec in ctx.specs.items():
        rec = state.get(name)
        rows.append(spec.to_dict() | {
            "when": spec.when(lang),
            "last_period": rec.period if rec else None,
            "last_result": rec.result if rec else None,
            "last_started": rec.started_at.isoformat(timespec="seconds") if rec and rec.started_at else None,
            "last_note": rec.error if rec else None,
        })
    return rows


# --- the loop ------------------------------------------------------------------------------------------

def tick(ctx: JobContext, now: _dt.datetime, state: JobState) -> list[JobResult]:
    """One pass of the scheduler: report month jobs that missed their window, run every due job, in
    jobs.toml order."""
    results = []
    for name in missed_jobs(now, state.load(), ctx.specs, ctx.is_workday):
        _report_missed(ctx, name, now, state)
    for name in due_jobs(now, state.load(), ctx.specs, ctx.is_workday):
        results.append(run_job(name, ctx, now, state=state))
    return results


def run_due(ctx: JobContext, now: _dt.datetime) -> list[JobResult]:
    """One scheduler pass, then return: run the due jobs and retry queued mail.

    What cron or Windows Task Scheduler call every 10 minutes (`gendan-xl jobs schedule --once`) instead of
    a resident `schedule_loop`; the once-per-period rule and the catch-up are the same.
    """
    state = JobState(ctx.data_dir)
    ctx.mailer.new_run()
    try:
        results = tick(ctx, now, state)
        if ctx.mailer.pending():
            log.info("retrying queued mail: %s", ctx.mailer.flush().summary())
        return results
    finally:
        state.close()


def schedule_loop(ctx: JobContext, *, log_file: Path | str | None = None,
                  clock: Callable[[], _dt.datetime] = _dt.datetime.now, every_seconds: int = 60,
                  stop: threading.Event | None = None, handle_signals: bool = True) -> int:
    """Run due jobs until SIGINT/SIGTERM (or `stop` is set); returns 0 after a clean stop.

    Runs a first pass at once, so a scheduler started at 10:00 on a working day sends the 08:30 report
    straight away (catch-up). Logs go to stderr and to `log_file`. Queued mails are retried every
    `FLUSH_EVERY`.
    """
    stop = stop or threading.Event()
    handlers = _log_handlers(log_file)
    old: dict[Any, Any] = {}  # signal → the handler it had
    if handle_signals:
        def on_signal(signum: int, frame: Any) -> None:
            log.info("received %s, stopping", signal.Signals(signum).name)
            stop.set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, on_signal)
    state = JobState(ctx.data_dir)
    last_flush = [clock()]

    def one_pass() -> None:
        now = clock()
        ctx.mailer.new_run()
        try:
            tick(ctx, now, state)
            if now - last_flush[0] >= FLUSH_EVERY and ctx.mailer.pending():
                last_flush[0] = now
                log.info("retrying queued mail: %s", ctx.mailer.flush().summary())
        except Exception as exc:   # the loop itself must survive anything a pass throws
            log.error("scheduler pass failed: %s: %s", type(exc).__name__, exc)

    scheduler = schedule.Scheduler()
    scheduler.every(every_seconds).seconds.do(one_pass)
    log.info("scheduler started: %s", ", ".join(f"{s.name} ({s.when('en')})" for s in ctx.specs.values()))
    try:
        one_pass()
        while not stop.is_set():
            scheduler.run_pending()
            stop.wait(1)
    finally:
        log.info("scheduler stopped")
        state.close()
        for sig, h in old.items():
            signal.signal(sig, h)
        for h in handlers:
            logging.getLogger("gendan_xl").removeHandler(h)
            h.close()
    return 0


def _log_handlers(log_file: Path | str | None) -> list[logging.Handler]:
    root = logging.getLogger("gendan_xl")
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
        root.addHandler(h)
    return handlers


__all__ = ["JobSpec", "JobContext", "JobResult", "JobRecord", "JobState", "load_jobs", "parse_jobs", "due_jobs",
           "missed_jobs",
           "run_job", "run_due", "tick", "schedule_loop", "job_table", "first_workday", "JOBS_FILE", "RUNNERS"]
