"""Every word of the daily delivery report (交期日报): its mails and its attached workbook, zh and en.

The two columns named as the orders sheet names them (客户PO, 未出数量) are added from schema.ORDERS by
delivery/report.py; the day counts are the figures of i18n/status.py, the same words as the refreshed sheet."""
from __future__ import annotations

from gendan_xl.i18n import Texts
from gendan_xl.i18n.status import FIGURES

REPORT: Texts = {
    "subject": ("【交期日报】{day} 逾期 {overdue} · 预警 {at_risk}",
                "[Delivery report] {day} overdue {overdue} · at risk {at_risk}"),
    "subject_ok": ("【交期日报】{day} 无逾期", "[Delivery report] {day} nothing overdue"),
    "greeting": ("{name}，您好：", "Hello {name},"),
    "greeting_team": ("各位好：", "Hello,"),
    "intro": ("截至 {day}，您跟进的订单中有 {overdue} 单逾期、{at_risk} 单有风险，请优先处理：",
              "As of {day}, {overdue} of your orders are overdue and {at_risk} at risk; please deal with these first:"),
    "intro_team": ("截至 {day}，全部跟单员共有 {overdue} 单逾期、{at_risk} 单有风险：",
                   "As of {day}, the team has {overdue} orders overdue and {at_risk} at risk:"),
    "good_news": ("好消息：截至 {day}，您跟进的订单没有逾期，也没有风险。",
                  "Good news: as of {day}, none of your orders is overdue or at risk."),
    "good_news_team": ("好消息：截至 {day}，全部订单没有逾期，也没有风险。",
                       "Good news: as of {day}, no order is overdue or at risk."),
    "counts": ("状态统计", "Orders by status"),
    "overdue_title": ("逾期订单", "Overdue orders"),
    "at_risk_title": ("有风险订单", "Orders at risk"),
    "col_order": ("订单号", "Order"),
    "col_customer": ("客户", "Customer"),
    "col_model": ("型号", "Model"),
    "col_due": ("交期", "Due"),
    "col_days": ("逾期/剩余", "Late / left"),
    "col_next": ("下一节点", "Next step"),
    "col_reason": ("原因", "Reason"),
    "col_merchandiser": ("跟单员", "Merchandiser"),
    "col_status": ("状态", "Status"),
    # the figures as the refreshed sheet and `status` name them, each with its unit
    "col_days_late": FIGURES["days_late"],
    "col_workdays_left": FIGURES["workdays_left"],
    "col_slack": FIGURES["slack_workdays"],
    "col_next_date": FIGURES["next_milestone_date"],
    "col_row": ("行号", "Row"),
    "col_where": ("工作簿及单元格", "Workbook and cell"),
    "by_merchandiser": ("按跟单员", "By merchandiser"),
    "no_email": ("以下跟单员没有邮箱，未单独发送：{names}", "No e-mail address for {names}; they got no mail of their own"),
    "no_merchandiser": ("（未填跟单员）", "(no merchandiser)"),
    "attachment": ("附件为全部未出货订单及状态。", "Attached: every open order with its status."),
    "footer": ("本邮件由 gendan-xl 自动发送。", "Sent automatically by gendan-xl."),
    "file": ("交期日报-{day}.xlsx", "delivery-report-{day}.xlsx"),
    "title_orders": ("交期日报 — 未出货订单", "Delivery report — open orders"),
    "title_summary": ("交期日报 — 按客户统计", "Delivery report — by customer"),
    "as_of": ("截至 {day}", "as of {day}"),
    "scope_team": ("全部跟单员 {n} 行未出货", "every merchandiser, {n} open lines"),
    "scope_mine": ("{name} 跟进的 {n} 行未出货", "{name}'s {n} open lines"),
    "workbooks": ("{n} 个工作簿", "{n} workbooks"),
    "sheet_orders": ("订单状态", "Order status"),
    "sheet_summary": ("按客户统计", "By customer"),
    "chart_title": ("各客户订单状态", "Order status by customer"),
    "total": ("合计", "Total"),
}


# The daily report over the team's workbooks (delivery/report.py): what it adds to the single-workbook one.
REPORT_TEAM: Texts = {
    'since': ('自上次日报（{day}）以来',
      'Since the last report ({day})'),
    'since_none': ('没有变化。',
      'Nothing changed.'),
    'more': ('……另有 {n} 项变化，运行 gendan-xl changes 查看全部',
      '… and {n} more; run gendan-xl changes for all of them'),
    'more_lines': ('……另有 {n} 行逾期或有风险，见附件',
      '… and {n} more overdue or at risk: see the attachment'),
    'unreadable': ('无法读取，未计入本报告：{error}',
      'Could not be read, left out of this report: {error}'),
    'open_qty': ('未出 {n}',
      '{n} to ship'),
}
