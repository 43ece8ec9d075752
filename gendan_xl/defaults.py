"""Every default, in one place: the library's keyword defaults, the settings' defaults and the CLI's.

Pure constants. A door that reads gendan.toml starts from these; a library call that is not told
otherwise uses them; so the command line, the jobs and the Excel button agree when nothing is set.
"""
from __future__ import annotations

WEEKLY = "mon-fri"  # the factory's working week: mon-fri or mon-sat
WARNING_DAYS = 3  # working days before the due date that count as at risk
BACKUPS = 3  # previous versions of a refreshed workbook kept in .gendan-backup/
LANG = "zh"  # zh or en: reports, messages and the terminal when nothing else says
# The due date every line is judged by: the customer's (客户交期), falling back to the factory's. The
# customer's date is the one a merchandiser answers for and an on-time rate is counted against; the
# factory's date is shown beside it when they differ. `[status] due = "factory"` switches the basis.
DUE = "customer"
# A quote warns when its rebate-rate table was last checked longer ago than this ([quotes]
# rates_max_age_days): rates move by notice several times a year.
RATES_MAX_AGE_DAYS = 180
# The departments that sign an order review (订单评审表), one column each ([review] sign_off).
REVIEW_SIGN_OFF = ("PMC", "生产", "品质", "财务")
KPI_BASES = ("line", "quantity")  # what [kpi] basis may be
KPI_BASIS = "line"  # the on-time rate counts lines; "quantity" weighs each line by its quantity
WATCH_QUIET = 2.0  # seconds a saved workbook must stay still before `watch` looks at it (a burst of saves is one)
WATCH_POLLINGS = ("auto", "always", "never")  # how `watch` learns of saves: polling on network shares only, always, never
WATCH_POLLING = "auto"
WATCH_POLL_SECONDS = 5.0  # how often a polled folder is scanned
