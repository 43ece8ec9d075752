"""What the mails say, zh and en (their layout is in templates/mail; the overdue report's words are in
i18n/report.py). Chinese mails use Chinese punctuation: "张丽，您好：", never "张丽, 您好,".
"""
from __future__ import annotations

from gendan_xl.i18n import Texts

# The statement of account mail to a customer (doors/wiring.statement_mails). No internal word reaches it:
# the ageing basis is the statement's own label (i18n.documents STATEMENT basis.*).
STATEMENT: Texts = {
    "subject": ("【对账单】{period} {name}", "[Statement of account] {period} {name}"),
    "greeting": ("{name}，您好：", "Dear {name},"),
    "intro": ("附件是贵司 {period} 的对账单，{basis}。",
              "Please find attached your statement of account for {period}. {basis}."),
    "closing": ("期末余额", "Closing balance"),
    "ageing": ("账龄（天）", "Ageing (days)"),
    "ask": ("请核对，如无误请签字盖章后回传；如有差异，请列明单号和金额，我们尽快核实。谢谢！",
            "Please check it, then sign and return the confirmation; if anything differs, list the document "
            "numbers and amounts and we will look into it at once. Thank you."),
    "sign_off": ("此致\n敬礼！", "Best regards,"),
}

# The review notice to a merchandiser (delivery/notices.review_mails).
REVIEW_NOTICE: Texts = {
    "subject": ("订单评审 {today}：{n} 行，{reject} 拒绝，{conditions} 有条件",
                "Order review {today}: {n} lines, {reject} rejected, {conditions} with conditions"),
    "greeting": ("{name}，您好：", "Hello {name},"),
    "intro": ("以下新订单已评审，请按结论处理；明细见附件。", "These new orders were reviewed; details attached."),
    "footer": ("gendan-xl 订单评审", "gendan-xl order review"),
    "file": ("订单评审-{today}.xlsx", "order-review-{today}.xlsx"),
    "item": ("{line}：{verdict}{why}", "{line}: {verdict}{why}"),
}

# The scheduler's words (delivery/jobs): its schedule descriptions and the mails to the admin and the team.
JOBS: Texts = {
    "every_workday": ("每个工作日 {at}", "every working day at {at}"),
    # what a job run did, one line (`jobs run`, `jobs schedule --once`; English in jobs.log and the job state)
    "summary_overdue": ("{n} 封邮件：{mails}", "{n} mails: {mails}"),
    "summary_no_email": ("；没有邮箱：{names}", "; no e-mail for {names}"),
    "summary_statements": ("{month} 的对账单 {n} 份：{mails}", "{n} statements of {month}: {mails}"),
    "summary_kpi": ("{month} 的准时交货率：{mails}", "on-time rate of {month}: {mails}"),
    "summary_validate": ("{errors} 个错误，新增 {new} 个；{mails}", "{errors} errors, {new} new; {mails}"),
    "summary_no_mail": ("没有邮件", "no mail"),
    "every_month": ("每月第一个工作日 {at}", "first working day of the month at {at}"),
    "every_hour": ("工作日 {at}–{until} 每小时", "hourly on working days {at}–{until}"),
    "failure_subject": ("【gendan-xl】任务 {job} 失败（{period}）", "[gendan-xl] job {job} failed ({period})"),
    "failure_intro": ("任务 {job}（{period}）运行失败：", "Job {job} ({period}) failed:"),
    "failure_next": ("调度程序会在 {minutes} 分钟后重试，最多 {attempts} 次；详细信息见日志文件。",
                     "The scheduler retries in {minutes} minutes, at most {attempts} times; the log file has the details."),
    "problems_subject": ("【gendan-xl】任务 {job}（{period}）有 {n} 封邮件未发出",
                         "[gendan-xl] job {job} ({period}): {n} mails not sent"),
    "problems_intro": ("任务 {job}（{period}）的以下邮件未能发出，其余已正常发送：",
                       "These mails of job {job} ({period}) were not sent; the others went out:"),
    "problems_next": ("请在工作簿中改正后运行 gendan-xl jobs run {job}；已发出的邮件不会重复发送。",
                      "Correct them in the workbook, then run gendan-xl jobs run {job}; what went out is not sent twice."),
    "missed_subject": ("【gendan-xl】任务 {job} 本月未运行（{period}）", "[gendan-xl] job {job} did not run this month ({period})"),
    "missed_intro": ("任务 {job} 应在 {first} 或其后 {days} 个工作日内运行，但这段时间调度程序没有运行它，本月不会再自动发送：",
                     "Job {job} was due on {first} or within {days} working days after, but the scheduler did not run "
                     "it then; it will not run by itself this month:"),
    "missed_next": ("如需补发，请运行 gendan-xl jobs run {job}；已手工发出的邮件不会重复发送。",
                    "To send it now, run gendan-xl jobs run {job}; what was sent by hand is not sent twice."),
    "issues_subject": ("【订单校验】{day} 新增 {n} 个错误", "[Order check] {day}: {n} new errors"),
    "issues_intro": ("自上次检查以来，订单表新增以下错误，请尽快改正：",
                     "These errors appeared in the orders workbook since the last check; please correct them:"),
    "greeting": ("您好：", "Hello,"),
    "footer": ("本邮件由 gendan-xl 自动发送。", "Sent automatically by gendan-xl."),
}


# The monthly on-time delivery rate mail (delivery/team.py kpi_mails); its table's words are i18n/documents.py KPI.
KPI_MAIL: Texts = {
    'subject': ('【准时交货率】{period} {rate}',
      '[On-time delivery] {period} {rate}'),
    'greeting': ('您好：',
      'Hello,'),
    'footer': ('附件为近 12 个月各客户的准时交货率及图表。本邮件由 gendan-xl 自动发送。',
      'Attached: the on-time rate per customer over the last 12 months, with a chart each. Sent '
      'automatically by gendan-xl.'),
    'file': ('准时交货率-{period}.xlsx',
      'on-time-delivery-{period}.xlsx'),
}
