"""The lead-time status's figures as every output names them: the refreshed sheet's columns, the
`status` table, the overdue report. A day count always says its unit: lateness in calendar
days (as customers count it, and as the reasons say "逾期 7 天"), what lies ahead in working days (what the
factory can still produce in; the reasons say "只剩 30 个工作日")."""
from __future__ import annotations

from gendan_xl.i18n import Texts

FIGURES: Texts = {
    'status': ('交期状态',
      'Lead-time status'),
    'due_basis': ('判定交期',
      'Judged by'),
    'days_late': ('逾期（日历日）',
      'Days late (calendar)'),
    'workdays_left': ('距交期（工作日）',
      'To due (working days)'),
    'slack_workdays': ('富余（工作日）',
      'Spare (working days)'),
    'next_milestone': ('下一节点',
      'Next milestone'),
    'next_milestone_date': ('节点计划日',
      'Milestone date'),
    'reason': ('说明',
      'Reason'),
}

# The columns a refresh writes into the orders sheet, in order, each headed by its FIGURES pair joined
# ("交期状态 / Lead-time status"); the stamp's column where there is no row above the header for it; headers
# of earlier versions, found again (and renamed) so that a sheet refreshed before keeps its columns.
OWN_COLUMNS = ("status", "due_basis", "days_late", "workdays_left", "slack_workdays", "next_milestone",
               "next_milestone_date", "reason")
STAMP_COLUMN = "更新时间 / Refreshed at"
EARLIER_HEADERS: tuple[tuple[str, str], ...] = (  # (key, header)
    ("days_late", "逾期天数 / Days late"),
    ("workdays_left", "距交期天数 / Days to due"),  # calendar days then: now working days, as the reasons say
)


def own_headers() -> list[str]:
    """Every header a refresh writes or wrote: ours are no input, whatever field they look like."""
    return [" / ".join(FIGURES[key]) for key in OWN_COLUMNS] + [STAMP_COLUMN] + [h for _, h in EARLIER_HEADERS]


# A day count in a sentence or a table cell, its unit said in the words of its FIGURES header: lateness in
# calendar days, what lies ahead in working days (the mails' 逾期/剩余 column, the report's notes).
DAY_COUNTS: Texts = {
    'days_late': ('逾期 {n} 个日历日',
      'calendar days late: {n}'),
    'workdays_left': ('剩 {n} 个工作日',
      'working days left: {n}'),
}
