"""A team run: every workbook's status (read only when changed), its snapshot kept, and what changed since.

`run_team` is what `status`, `refresh`, `report overdue`, `watch`, `changes`, `kpi` and the jobs do before
anything else when they work on the team: one `snapshot_run` in the store, then each workbook — read, or
judged again from its record (books.team) — and what it saw of each line stored as versions
(delivery.snapshot_store). A workbook that cannot be read is one line in the result and leaves its last
snapshot as it was; a bug in one workbook is logged and counted as that workbook's failure, never a stop
for the others.

`team_changes` compares the lines as they were after an earlier run with the lines now (`diff_snapshots`),
each moved due date counted in its workbook's working days. `team_kpi` is the on-time rate of the lines now.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from gendan_xl import defaults
from gendan_xl.books.team import Cached, TeamStatus, WorkbookStatus, file_id, workbook_status
from gendan_xl.books.kpi_workbook import kpi_workbook
from gendan_xl.delivery.mail import XLSX_MIME, Attachment, Mail, render_mail
from gendan_xl.delivery.report import TeamFacts
from gendan_xl.i18n import pick, say
from gendan_xl.i18n.mail import KPI_MAIL
from gendan_xl.i18n.report import REPORT_TEAM
from gendan_xl.kpi import Kpi, format_rate, last_months, monthly_rates, on_time_rate
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary
from gendan_xl.snapshots import Change, count_changes, diff_snapshots
from gendan_xl.statement import Period
from gendan_xl.workdays import WorkCalendar

log = logging.getLogger("gendan_xl.delivery.team")


@dataclass
class TeamRun:
    """One run over the team's workbooks: its id in the store and every workbook's status."""

    run: int
    status: TeamStatus

    @property
    def files(self) -> list[str]:
        return [wb.file for wb in self.status.workbooks]


def _calendar(wb: WorkbookStatus) -> dict[str, Any]:
    cal = wb.calendar
    if cal is None:
        return {"holidays": [], "workdays": [], "verified": []}
    return {"holidays": sorted(d.isoformat() for d in cal.extra_holidays),
            "workdays": sorted(d.isoformat() for d in cal.extra_workdays),
            "verified": sorted(cal.verified_years - cal.official_years)}


def judged(today: dt.date, warning_days: int, weekly: str) -> str:
    """What a workbook's snapshot was taken for besides its content: the day and the settings that judge open
    lines. The same again for an unchanged workbook can change nothing, and is not stored again."""
    return f"{today.isoformat()}|{warning_days}|{weekly}"


def keep(store: Any, run: int, wb: WorkbookStatus, *, judged: str, last: str = "") -> None:
    """Store what one workbook's status saw: its snapshot, and its record when it was read, in one transaction.
    `last` is what its stored snapshot was taken for: an unchanged workbook judged the same way again stores
    nothing (judged on another day, only its lines whose status moved are compared)."""
    if not wb.ok or (not wb.reread and wb.cached is None and last == judged):
        return
    store.keep_workbook(run, wb.file, wb.snapshots, complete=wb.complete, statuses=wb.statuses, judged=judged,
                        record=wb.cached.encode() if wb.cached is not None else None,
                        calendar=_calendar(wb) if wb.cached is not None else None)


def run_team(store: Any, paths: Sequence[Path], *, today: dt.date, now: dt.datetime, kind: str,
             owner_of: Callable[[Path], str] = lambda p: "", warning_days: int = defaults.WARNING_DAYS,
             weekly: str = defaults.WEEKLY, due: str = defaults.DUE,
             vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> TeamRun:
    """Every workbook of `paths` judged on `today`, each snapshot stored under a new run of `kind`."""
    run = store.new_run(at=now, today=today, kind=kind)
    records = store.workbook_records(file_id(p) for p in paths)
    how = judged(today, warning_days, weekly)
    team = TeamStatus(today, [])
    for path in paths:
        blob, last = records.get(file_id(path), (None, ""))
        previous = Cached.decode(blob) if blob is not None else None
        try:
            wb = workbook_status(path, previous=previous, today=today, warning_days=warning_days, weekly=weekly,
                                 due=due, vocabulary=vocabulary, owner=owner_of(path))
        except Exception as exc:  # a bug on one workbook must not cost the team its report
            log.error("%s: %s: %s", path, type(exc).__name__, exc, exc_info=True)
            wb = WorkbookStatus(path, owner_of(path), error=f"{path.name}: internal error: {type(exc).__name__}: {exc}")
        keep(store, run, wb, judged=how, last=last)
        # stored: fifty workbooks' snapshots need not all be held at once (the report's quantities to ship
        # are the lines' own, Line.open_qty)
        wb.snapshots = []
        team.workbooks.append(wb)
    return TeamRun(run, team)


# ------------------------------------------------------------------------------------------- changes

def calendars(store: Any, files: Sequence[str], weekly: str = defaults.WEEKLY) -> Callable[[str], WorkCalendar]:
    """file → its working-day calendar (the official one, the week, and the workbook's own 假期 days)."""
    kept = store.calendars(files)
    made: dict[str, WorkCalendar] = {}

    def of(file: str) -> WorkCalendar:
        if file not in made:
            c = kept.get(file, {})
            day = dt.date.fromisoformat
            made[file] = WorkCalendar([day(d) for d in c.get("holidays", [])], [day(d) for d in c.get("workdays", [])],
                                      weekly=weekly, verified_years=c.get("verified", []))
        return made[file]

    return of


@dataclass
class TeamChanges:
    """What changed in the team's workbooks between an earlier run (`since`, None: before any) and now."""

    since: dict[str, Any] | None
    until: int
    changes: list[Change] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return count_changes(self.changes)

    def to_dict(self, lang: str = defaults.LANG) -> dict[str, Any]:
        return {"since": self.since, "until_run": self.until, "counts": self.counts,
                "changes": [c.to_dict(lang) for c in self.changes]}


def team_changes(store: Any, files: Sequence[str], *, since_run: dict[str, Any] | None, until: int,
                 weekly: str = defaults.WEEKLY) -> TeamChanges:
    """The changes of `files` from the lines after `since_run` (a `store.last_run` row; None: from nothing,
    so every line is new) to the lines now."""
    if since_run is None:
        before, after = [], store.snapshots_at(files)
    else:
        before, after = store.changed_since(files, since_run["id"])
    return TeamChanges(since_run, until, diff_snapshots(before, after, calendars(store, files, weekly)))


def since_run(store: Any, *, since: dt.date | None, before: int) -> dict[str, Any] | None:
    """The run `changes` compares with: the last run judged before `since` (a status day); without `since`, the
    last daily report before run `before`, else the run just before it."""
    if since is not None:
        return store.last_run(today_before=since, before=before)
    return store.last_run(kind="report", before=before) or store.last_run(before=before)


# ------------------------------------------------------------------------------------- on-time rate

def team_kpi(store: Any, files: Sequence[str], period: str, *, as_of: dt.date, basis: str = defaults.KPI_BASIS,
             by: str | None = None, due: str = defaults.DUE) -> Kpi:
    """The on-time delivery rate of `period` over the lines of `files` as they are now."""
    p = Period.parse(period)
    return on_time_rate(store.snapshots_at(files, due=(p.start, p.end)), p, as_of=as_of, basis=basis, by=by, due=due)


def team_kpi_months(store: Any, files: Sequence[str], month: str, *, as_of: dt.date, months: int = 12,
                    basis: str = defaults.KPI_BASIS, due: str = defaults.DUE) -> list[Kpi]:
    """The rate per customer of each of the `months` months ending with `month`: the monthly mail's chart."""
    first = Period.parse(last_months(month, months)[0]).start
    lines = store.snapshots_at(files, due=(first, Period.parse(month).end))
    return monthly_rates(lines, month, as_of=as_of, months=months, basis=basis, by="customer", due=due)


def unreadable(wb: WorkbookStatus) -> tuple[str, str]:
    """Why a workbook could not be read, as a (zh, en) pair: each mail says it in its recipient's language."""
    return wb.error_in("zh") or "", wb.error_in("en") or ""


def report_facts(run: TeamRun, changes: TeamChanges | None = None) -> TeamFacts:
    """What the report adds over the team's workbooks (delivery.report.TeamFacts) from a team run: each
    line's file and cell, the workbooks read, the changes since the last report, the unreadable workbooks."""
    where: dict[int, str] = {}
    files: dict[int, str] = {}
    for wb in run.status.workbooks:
        for line in wb.lines:
            where[id(line)] = f"{wb.path.name} {wb.cell(line)}"
            files[id(line)] = wb.path.name
    since = changes.since["today"] if changes is not None and changes.since else ""
    return TeamFacts(where=where, files=files, workbooks=[wb.path.name for wb in run.status.workbooks if wb.ok],
                     changes=changes.changes if changes is not None else (), since=since,
                     unreadable=[unreadable(wb) for wb in run.status.unreadable])


def kpi_mails(kpi: Kpi, months: Sequence[Kpi], to: Sequence[str], *, today: dt.date, lang: str = defaults.LANG,
              unreadable: Sequence[tuple[str, str]] = ()) -> list[Mail]:
    """The monthly on-time rate mail to each of `to`: the rate and a line per customer in the text, and the
    workbook of the 12 months with a native chart per customer (books.kpi_workbook) attached."""
    data = kpi_workbook(months, lang, created=today)
    sep = "，" if lang == "zh" else ", "
    items = [say(REPORT_TEAM, "unreadable", lang, error=pick(e, lang)) for e in unreadable]
    items += [sep.join(str(v) for v in row if v not in (None, "")) for row in kpi.table(lang)[1:]]
    return [render_mail("notice", {"greeting": say(KPI_MAIL, "greeting", lang), "intro": kpi.summary(lang),
                                   "items": items, "footer": say(KPI_MAIL, "footer", lang)},
                        to=addr, lang=lang, ref="kpi",
                        subject=say(KPI_MAIL, "subject", lang, period=kpi.period,
                                    rate=format_rate(kpi.total.rate, lang)),
                        attachments=[Attachment(say(KPI_MAIL, "file", lang, period=kpi.period), data, XLSX_MIME)])
            for addr in to]


__all__ = ["TeamChanges", "TeamRun", "calendars", "keep", "kpi_mails", "report_facts", "run_team", "since_run",
           "team_changes", "team_kpi", "team_kpi_months"]
