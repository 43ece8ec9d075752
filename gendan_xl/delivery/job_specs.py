"""Job declarations and their timing: jobs.toml parsed into `JobSpec`s, each job's last run (`JobState`), and
which jobs are due (`due_jobs`) or missed their window (`missed_jobs`). Pure except `load_jobs` (reads the file)
and `JobState` (the store). See `delivery.jobs` for why jobs are timed by period rather than by `schedule`.
"""
from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from gendan_xl.resources import shipped
from gendan_xl.errors import ConfigError
from gendan_xl.i18n import say
from gendan_xl.i18n.mail import JOBS
from gendan_xl.delivery.store import Store

JOBS_FILE = shipped("jobs") / "jobs.toml"
EVERY = ("workday", "month", "hour")
RUNS = ("overdue-report", "statements", "validate", "kpi")  # what a job may run: delivery.job_runners.RUNNERS
MAX_ATTEMPTS = 3
MISSED = "missed"   # the result recorded for a month job whose window closed without a run
RETRY_AFTER = _dt.timedelta(minutes=15)


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
        raise ConfigError.said("job-time", where=where, value=value) from None


def parse_jobs(doc: Mapping[str, Any], source: str = "jobs.toml") -> dict[str, JobSpec]:
    """Job specs from a parsed jobs.toml: one table per job, `[overdue-report]` etc."""
    specs: dict[str, JobSpec] = {}
    for name, entry in doc.items():
        where = f"{source} [{name}]"
        if not isinstance(entry, Mapping):
            raise ConfigError.said("job-table", where=where)
        runs = str(entry.get("runs", name))
        if runs not in RUNS:
            raise ConfigError.said("job-runs", where=where, value=runs, allowed=", ".join(RUNS))
        every = str(entry.get("every", "workday"))
        if every not in EVERY:
            raise ConfigError.said("job-every", where=where, value=every, allowed=", ".join(EVERY))
        until = _time(entry["until"], where) if "until" in entry else None
        if every == "hour" and until is None:
            raise ConfigError.said("job-until", where=where)
        recipients = entry.get("recipients", [])
        if isinstance(recipients, str) or not all(isinstance(r, str) for r in recipients):
            raise ConfigError.said("job-recipients", where=where)
        catch_up = entry.get("catch_up_workdays", 3)
        if not isinstance(catch_up, int) or catch_up < 0:
            raise ConfigError.said("job-catch-up", where=where)
        specs[name] = JobSpec(name=name, runs=runs, every=every, at=_time(entry.get("at", "08:30"), where),
                              until=until, recipients=tuple(recipients), description=str(entry.get("description", "")),
                              catch_up_workdays=catch_up)
    return specs


def load_jobs(path: Path | str = JOBS_FILE) -> dict[str, JobSpec]:
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError.said("jobs-file-missing", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError.said("jobs-file-toml", path=path, why=exc) from None
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


__all__ = ["EVERY", "JOBS_FILE", "MAX_ATTEMPTS", "MISSED", "RETRY_AFTER", "RUNS", "JobRecord", "JobSpec", "JobState",
           "due_jobs", "first_workday", "load_jobs", "missed_jobs", "parse_jobs", "text"]
