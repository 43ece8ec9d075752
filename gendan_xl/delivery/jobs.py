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

The declarations and their timing are in `delivery.job_specs`, what each job does and `run_job` in
`delivery.job_runners`; this module is the scheduler's loop, and the names the doors import.
"""
from __future__ import annotations

import datetime as _dt
import logging
import signal
import sys
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Callable, Mapping

import schedule

from gendan_xl.delivery.job_runners import RUNNERS, JobContext, JobResult, mail_admin, run_job
from gendan_xl.delivery.job_specs import (JOBS_FILE, MAX_ATTEMPTS, MISSED, JobRecord, JobSpec, JobState, due_jobs,
                                          first_workday, load_jobs, missed_jobs, parse_jobs)

log = logging.getLogger("gendan_xl.delivery.jobs")

FLUSH_EVERY = _dt.timedelta(minutes=10)


def _report_missed(ctx: JobContext, name: str, now: _dt.datetime, state: JobState) -> None:
    """A month job's window closed without a run: record the period as missed and tell the admin once."""
    spec = ctx.specs[name]
    period = spec.period(now)
    first = first_workday(now.year, now.month, ctx.is_workday) or now.date()
    log.warning("%s (%s) did not run in its window from %s; telling the admin", name, period, first)
    state.save(name, period, MISSED, now, now, f"not run from {first} within {spec.catch_up_workdays} working days")
    mail_admin(ctx, "missed", [f"gendan-xl jobs run {name}"], job=name, period=period, first=first.isoformat(),
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
                  stop: threading.Event | None = None, handle_signals: bool = True,
                  watcher: AbstractContextManager[Any] | None = None) -> int:
    """Run due jobs until SIGINT/SIGTERM (or `stop` is set); returns 0 after a clean stop.

    Runs a first pass at once, so a scheduler started at 10:00 on a working day sends the 08:30 report
    straight away (catch-up). Logs go to stderr and to `log_file`. Queued mails are retried every
    `FLUSH_EVERY`. `watcher` (`jobs schedule --watch`: a `delivery.watch.Watcher`) watches beside the loop, its
    threads started once the log is set up — its lines go to the same log — and stopped with the loop.
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
        with watcher if watcher is not None else nullcontext():
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
           "missed_jobs", "run_job", "run_due", "tick", "schedule_loop", "job_table", "first_workday", "JOBS_FILE",
           "RUNNERS", "MAX_ATTEMPTS", "MISSED"]
