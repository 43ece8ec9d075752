"""The overdue report: who gets what, subjects, tables, good news, and the attached workbook."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from gendan_xl import schema
from gendan_xl.delivery.mail import Mailer
from gendan_xl.delivery.report import (TeamFacts, counts, overdue_mail, overdue_mails, status_workbook, subject_for,
                                       urgent)
from gendan_xl.orders import orders_from_rows
from gendan_xl.status import Line, compute_status, products_from_rows
from gendan_xl.xlsx.read import read_sheet
from gendan_xl.workdays import WorkCalendar
from test_mail import Server, plain

TODAY = dt.date(2026, 11, 26)
SAMPLE = Path(__file__).resolve().parent.parent / "workbooks" / "orders.xlsx"


def line(order_no, status, merchandiser="王芳", customer="ANK", due_date="2026-12-10", next_milestone_date=None,
         reasons=(), **kw):
    """A status line as compute_status makes it; dates as ISO text for short tables."""
    due = dt.date.fromisoformat(due_date)
    step = dt.date.fromisoformat(next_milestone_date) if next_milestone_date else None
    return Line(row=int(re.sub(r"\D", "", order_no) or 0) + 1, order_no=order_no, customer=customer, model="PB-10K",
                merchandiser=merchandiser, due_date=due, customer_due_date=due, status=status,
                next_milestone_date=step, reasons=list(reasons), today=TODAY, **kw)


TWO_DAYS_LATE = ("overdue", {"due": dt.date(2026, 11, 24), "basis": "customer", "days": 2})  # 逾期 2 天 …
ORDERS = [
    line("SO1", "overdue", days_late=2, due_date="2026-11-24", next_milestone="ship",
         next_milestone_date="2026-11-21", reasons=[TWO_DAYS_LATE], customer_po="PO-4501", open_qty=600),
    line("SO2", "overdue", days_late=9, due_date="2026-11-17", merchandiser="李强", customer="BES", open_qty=12000),
    # six calendar days to 12-02 are four working days (Sat 11-28 and Sun 11-29 off)
    line("SO3", "at_risk", days_to_due=6, workdays_left=4, slack_workdays=1, due_date="2026-12-02",
         customer_po="4500012345"),
    line("SO4", "at_risk", days_to_due=3, workdays_left=1, slack_workdays=-2, due_date="2026-11-29",
         merchandiser="李强"),
    line("SO5", "on_track", days_to_due=30, workdays_left=21, slack_workdays=12, merchandiser="李强", customer="BES"),
    line("SO6", "shipped_on_time", merchandiser="王芳"),
    line("SO7", "on_track", days_to_due=20, workdays_left=14, slack_workdays=8, merchandiser="张丽"),
    line("SO8", "cancelled", merchandiser="陈静"),
    line("SO9", "at_risk", days_to_due=5, workdays_left=3, slack_workdays=0, merchandiser="赵敏"),   # nobody has her address
]
EMAILS = {"王芳": "wang@example.com", "李强": "li@example.com", "张丽": "zhang@example.com",
          "陈静": "chen@example.com"}


def test_urgent_is_overdue_by_days_late_then_at_risk_by_slack():
    assert [o.order_no for o in urgent(ORDERS)] == ["SO2", "SO1", "SO4", "SO9", "SO3"]
    assert counts(ORDERS)["overdue"] == 2 and counts(ORDERS)["at_risk"] == 3


@pytest.mark.parametrize("lang, orders, subject", [
    ("zh", ORDERS, "【交期日报】2026-11-26 逾期 2 · 预警 3"),
    ("en", ORDERS, "[Delivery report] 2026-11-26 overdue 2 · at risk 3"),
    ("zh", ORDERS[4:8], "【交期日报】2026-11-26 无逾期"),
    ("en", [], "[Delivery report] 2026-11-26 nothing overdue"),
])
def test_subject(lang, orders, subject):
    assert subject_for(orders, TODAY, lang) == subject


def test_one_mail_per_merchandiser_and_a_summary_for_the_lead():
    plan = overdue_mails(ORDERS, TODAY, emails=EMAILS, lead="boss@example.com", langs={"li@example.com": "en"})

    assert [(m.to, m.subject) for m in plan.mails] == [
        ("zhang@example.com", "【交期日报】2026-11-26 无逾期"),            # 张丽: only on-track lines → good news
        ("li@example.com", "[Delivery report] 2026-11-26 overdue 1 · at risk 1"),
        ("wang@example.com", "【交期日报】2026-11-26 逾期 1 · 预警 1"),
        ("boss@example.com", "【交期日报】2026-11-26 逾期 2 · 预警 3"),
    ]
    assert plan.no_email == ["赵敏"]          # 陈静 has only a cancelled line: no mail, not missing
    wang = plan.mails[2]
    assert "SO1" in wang.text and "SO3" in wang.text and "SO2" not in wang.text
    assert wang.text.index("SO1") < wang.text.index("SO3")
    assert "下一节点：出货 11-21 · 逾期 2 天，尚未出货，客户交期 11-24" in wang.text
    boss = plan.mails[3]
    assert [m.group(0) for m in re.finditer(r"SO\d", boss.text)] == ["SO2", "SO1", "SO4", "SO9", "SO3"]
    assert "赵敏" in boss.text and "赵敏" in boss.html      # the lead learns who got nothing
    assert "Hello 李强," in plan.mails[1].text and "Orders at risk (1)" in plan.mails[1].text


def test_each_line_shows_its_po_what_is_left_to_ship_and_its_day_count_with_the_unit():
    plan = overdue_mails(ORDERS, TODAY, emails=EMAILS, lead="boss@example.com", langs={"li@example.com": "en"})
    li, wang, boss = plan.mails[1], plan.mails[2], plan.mails[3]
    # SO1: two calendar days late (the sheet's 逾期（日历日）), the customer's PO, 600 still to ship
    assert "- SO1 | 客户PO PO-4501 | ANK | PB-10K | 未出 600 | 交期 11-24 | 逾期 2 个日历日" in wang.text
    # SO3: due 12-02, six calendar days but four working days away: the working days, said so
    assert "- SO3 | 客户PO 4500012345 | ANK | PB-10K | 交期 12-02 | 剩 4 个工作日" in wang.text
    assert "剩 6" not in wang.text and "天" not in wang.text.split("逾期订单")[1].split("下一节点")[0]
    assert "客户PO PO-4501" in wang.html and "未出 600" in wang.html and "剩 4 个工作日" in wang.html
    assert "- SO2 | BES | PB-10K | 12,000 to ship | Due 11-17 | calendar days late: 9" in li.text
    assert "- SO4 | ANK | PB-10K | Due 11-29 | working days left: 1" in li.text
    assert "客户PO PO-4501" in boss.text and "未出 12,000" in boss.text   # the lead's too, not only the team's


def test_the_attachment_names_the_workbooks_it_covers():
    def facts(mail):
        book = CalamineWorkbook.from_filelike(io.BytesIO(mail.attachments[0].data))
        return book.get_sheet_by_index(0).to_python()[1][0]

    plan = overdue_mails(ORDERS, TODAY, emails=EMAILS, lead="boss@example.com", source="订单跟踪表.xlsx")
    assert all(facts(m).startswith("订单跟踪表.xlsx · 截至 2026-11-26 · ") for m in plan.mails), plan.mails
    # over the team: the lead's covers every workbook read, a merchandiser's those their lines are in
    team = TeamFacts(files={id(o): "李强 订单.xlsx" if o.merchandiser == "李强" else "共用 订单.xlsx" for o in ORDERS},
                     workbooks=["李强 订单.xlsx", "共用 订单.xlsx", "新人 订单.xlsx"])
    plan = overdue_mails(ORDERS, TODAY, emails=EMAILS, lead="boss@example.com", team=team,
                         langs={"boss@example.com": "en"})
    by_to = {m.to: facts(m) for m in plan.mails}
    assert by_to["boss@example.com"].startswith("3 workbooks · as of 2026-11-26 · every merchandiser")
    assert by_to["li@example.com"].startswith("李强 订单.xlsx · 截至 2026-11-26 · 李强 跟进的 3 行未出货")


def test_over_several_workbooks_each_line_of_the_attachment_names_its_file_and_cell():
    """A row number alone is ambiguous once the lines come from several workbooks: the lead's attachment then
    ends with the file and cell of each line; a merchandiser's lines from one workbook keep the row number."""
    def grid(mail):
        rows = CalamineWorkbook.from_filelike(io.BytesIO(mail.attachments[0].data)).get_sheet_by_index(0).to_python()
        header = next(i for i, r in enumerate(rows) if r[0] == "订单号")
        return rows[header], rows[header + 1:]

    files = {id(o): "李强 订单.xlsx" if o.merchandiser == "李强" else "共用 订单.xlsx" for o in ORDERS}
    team = TeamFacts(files=files, workbooks=["李强 订单.xlsx", "共用 订单.xlsx"],
                     where={id(o): f"{files[id(o)]} 订单!A{o.row}" for o in ORDERS})
    plan = overdue_mails(ORDERS, TODAY, emails=EMAILS, lead="boss@example.com", team=team)
    by_to = {m.to: m for m in plan.mails}
    head, rows = grid(by_to["boss@example.com"])
    assert head[-1] == "工作簿及单元格"
    so1 = next(o for o in ORDERS if o.order_no == "SO1")
    assert next(r for r in rows if r[0] == "SO1")[-1] == f"{files[id(so1)]} 订单!A{so1.row}"
    head, rows = grid(by_to["li@example.com"])
    assert head[-1] == "行号" and all(isinstance(r[-1], float) for r in rows)


def test_a_status_read_carries_the_customer_po_and_the_open_quantity():
    from gendan_xl.books.master import load_master, status_of
    from gendan_xl.books.streamed import OrdersRun

    sheet = read_sheet(SAMPLE, schema.ORDERS)
    po = {r.row: r.values.get("customer_po") for r in sheet.rows}
    left = {r.row: r.values["quantity"] - (r.values.get("shipped_qty") or 0) for r in sheet.rows}
    assert sum(bool(v) for v in po.values()) > 100
    lean = status_of(load_master(SAMPLE, lean=True), today=TODAY).result.lines
    streamed = OrdersRun(SAMPLE, today=TODAY, keep=lambda line: True).run().result().lines
    for lines in (lean, streamed):
        assert {x.row: x.customer_po for x in lines} == po
        open_ = [x for x in lines if x.status in ("overdue", "at_risk", "on_track")]
        assert open_ and all(x.open_qty == left[x.row] for x in open_)
        assert all(x.open_qty is None for x in lines if x.status in ("shipped_on_time", "cancelled"))


def test_good_news_is_short_and_has_no_table():
    mail = overdue_mail([line("SO5", "on_track", days_to_due=30)], TODAY, to="zhang@example.com", name="张丽")
    assert "好消息" in mail.text and "<table cellpadding" not in mail.html and "逾期订单" not in mail.html
    assert [a.filename for a in mail.attachments] == ["交期日报-2026-11-26.xlsx"]
    nothing_open = overdue_mail([line("SO6", "shipped_on_time")], TODAY, to="x@example.com", name="张丽")
    assert nothing_open.attachments == ()


def test_nothing_overdue_can_mean_no_mail():
    plan = overdue_mails([line("SO5", "on_track")], TODAY, emails=EMAILS, lead="boss@example.com",
                         nothing_overdue="skip")
    assert plan.mails == []


def test_each_language_gets_reasons_in_its_language():
    lines = [line("SO1", "overdue", days_late=2, reasons=[TWO_DAYS_LATE])]
    plan = overdue_mails(lines, TODAY, emails={"王芳": "wang@example.com"},
                         lead="boss@example.com", langs={"boss@example.com": "en"})
    assert "逾期 2 天，尚未出货，客户交期 11-24" in plan.mails[0].text
    assert "2 days overdue, not shipped, customer due 11-24" in plan.mails[1].text


def test_leads_who_read_one_language_get_one_attachment_made_once():
    leads = ["boss@example.com", "deputy@example.com", "gm@example.com"]
    plan = overdue_mails(ORDERS, TODAY, emails={}, lead=leads, langs={"gm@example.com": "en"})
    (boss,), (deputy,), (gm,) = (m.attachments for m in plan.mails)
    assert boss is deputy and gm is not boss  # the team's lines worded into a workbook once per language
    title = {a: CalamineWorkbook.from_filelike(io.BytesIO(a.data)).get_sheet_by_index(0).to_python()[0][0]
             for a in (boss, gm)}
    assert "交期" in str(title[boss]) and "交期" not in str(title[gm])


def test_html_in_a_customer_name_is_escaped():
    mail = overdue_mail([line("SO1", "overdue", days_late=1, customer='<img src=x onerror="alert(1)">')],
                        TODAY, to="wang@example.com", name="王芳")
    assert "<img" not in mail.html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in mail.html


def test_the_workbook_lists_open_lines_with_filter_frozen_header_colours_and_a_chart():
    data = status_workbook(ORDERS, TODAY, "zh")
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["订单状态", "按客户统计"]
    rows = book.get_sheet_by_name("订单状态").to_python()
    assert rows[0][0] == "交期日报 — 未出货订单"
    assert rows[1][0] == "截至 2026-11-26 · 全部跟单员 7 行未出货：逾期 2，有风险 3，正常 2"
    assert rows[3] == ["订单号", "客户PO", "客户", "型号", "跟单员", "交期", "状态", "逾期（日历日）", "距交期（工作日）",
                       "富余（工作日）", "未出数量", "下一节点", "节点计划日", "原因", "行号"]
    assert [r[0] for r in rows[4:]] == ["SO2", "SO1", "SO4", "SO9", "SO3", "SO5", "SO7"]   # no shipped/cancelled
    assert rows[4][5:11] == [dt.date(2026, 11, 17), "逾期", 9, "", "", 12000]
    assert rows[5][:2] == ["SO1", "PO-4501"] and rows[5][10] == 600                     # the customer's PO, to ship
    assert rows[8][0] == "SO3" and rows[8][7:10] == ["", 4, 1]  # 4 working days to its due date (6 calendar)
    assert book.get_sheet_by_name("按客户统计").to_python()[3] == ["客户", "逾期", "有风险", "正常", "合计"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
        chart = z.read("xl/charts/chart1.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    assert "xl/charts/chart1.xml" in names and "<c:barChart>" in chart and 'val="stacked"' in chart
    assert "<autoFilter ref=" in sheet1 and 'state="frozen"' in sheet1
    assert "FFFFC7CE" in styles and "FFFFEB9C" in styles          # overdue red, at-risk amber
    assert status_workbook(ORDERS, TODAY, "zh") == data           # deterministic: the sent log hashes it
    # orders come whole: the chart's axis steps by whole orders
    assert '<c:majorUnit val="1"/>' in chart and '<c:numFmt formatCode="0"' in chart


def test_the_lines_rows_are_whole_rows_of_the_sheet_their_reasons_wrapped():
    long = line("SO1", "overdue", days_late=2, reasons=[TWO_DAYS_LATE] * 4)   # four clauses: four lines
    data = status_workbook([long, ORDERS[2]], TODAY)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:O6"/>' in sheet1 and '<autoFilter ref="A4:O6"/>' in sheet1
    assert re.search(r'<row r="5" ht="56\.0" customHeight="1">', sheet1) and '<row r="6">' in sheet1
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[4:]] == ["SO1", "SO3"] and rows[4][13].count("逾期 2 天") == 4


@pytest.mark.parametrize("text, width, lines", [
    ("", 10, 1),
    ("SO1 PB-10K", 10, 2),  # ten columns hold nine characters: a cell has padding
    ("逾期 13 天，尚未出齐", 48, 1),
    ("逾期 13 天，尚未出齐，" * 3, 48, 2),  # a Chinese character takes two columns
    ("交期（条件）：来不及\n通过：客户资料", 48, 2),  # its own line breaks count
])
def test_wrapped_lines(text, width, lines):
    from gendan_xl.xlsx.writer import wrapped_lines

    assert wrapped_lines(text, width) == lines


def test_the_workbook_says_whose_lines_and_prints():
    from openpyxl import load_workbook

    from conftest import print_setup

    data = status_workbook(ORDERS, TODAY, "zh", merchandiser="王芳", source="orders.xlsx")
    wb = load_workbook(io.BytesIO(data))
    orders, summary = wb["订单状态"], wb["按客户统计"]
    assert orders["A2"].value.startswith("orders.xlsx · 截至 2026-11-26 · 王芳 跟进的 7 行未出货：")
    assert print_setup(orders) == {"orientation": "landscape", "paper": 9, "fit": True, "title_rows": "$4:$4",
                                   "page_numbers": True}
    assert print_setup(summary)["orientation"] == "portrait"
    reason = [c.value for c in orders[4]].index("原因") + 1
    assert orders.cell(5, reason).alignment.wrap_text


def test_counts_per_customer_in_the_summary_sheet():
    data = status_workbook(ORDERS, TODAY, "en")
    summary = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("By customer").to_python()
    assert summary[3:] == [["Customer", "Overdue", "At risk", "On track", "Total"],
                           ["ANK", 1.0, 3.0, 1.0, 5.0], ["BES", 1.0, 0.0, 1.0, 2.0]]


def sample_status() -> list[Line]:
    orders = read_sheet(SAMPLE, schema.ORDERS)
    products = products_from_rows(read_sheet(SAMPLE, schema.PRODUCTS).rows)
    return compute_status(orders_from_rows(orders.rows), products, WorkCalendar(), TODAY).lines


def test_the_sample_workbook_report_arrives_through_smtp(tmp_path):
    """End to end on the bundled sample: status → mails → a real SMTP server → parsed back."""
    emails = {"陈静": "chen@example.com", "张丽": "zhang@example.com", "王芳": "wang@example.com",
              "李强": "li@example.com"}
    plan = overdue_mails(sample_status(), TODAY, emails=emails, lead=["boss@example.com"],
                         langs={"li@example.com": "en"})
    with Server() as server:
        m = Mailer(plain(server), "gendan@example.com", tmp_path, sleep=lambda s: None)
        first = m.send(plan.mails, job="overdue-report", period=plan.period)
        again = m.send(overdue_mails(sample_status(), TODAY, emails=emails, lead=["boss@example.com"],
                                     langs={"li@example.com": "en"}).mails, job="overdue-report", period=plan.period)
    assert [o.state for o in first.outcomes] == ["sent"] * 5
    assert [o.state for o in again.outcomes] == ["skipped"] * 5
    assert len(server.messages) == 5
    boss = next(msg for _, rcpt, msg in server.messages if rcpt == ["boss@example.com"])
    n_overdue, n_risk = map(int, re.search(r"逾期 (\d+) · 预警 (\d+)", boss["subject"]).groups())
    assert n_overdue + n_risk > 0
    html = boss.get_body(("html",)).get_content()
    assert html.count("<b>SO") == n_overdue + n_risk
    xlsx, = [a for a in boss.iter_attachments()]
    assert xlsx.get_filename() == "交期日报-2026-11-26.xlsx"
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.get_content()))
    statuses = {r[6] for r in book.get_sheet_by_name("订单状态").to_python()[4:]}
    assert statuses <= {"逾期", "有风险", "正常", "无法判断"} and "逾期" in statuses
    li = next(msg for _, rcpt, msg in server.messages if rcpt == ["li@example.com"])
    assert li["subject"].startswith("[Delivery report] 2026-11-26")
