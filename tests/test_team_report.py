"""The lead's daily report over the team's workbooks (issue 18 "Done when"): three workbooks of three
merchandisers in one folder — one open (an owner file beside it), one unreadable — give one mail to the lead
with a section per merchandiser and the unreadable one named; each merchandiser gets only their own lines;
the next day's report opens with what changed since the last one."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from conftest import HEADERS, good_row, write_book

from gendan_xl.doors.settings import load_settings
from gendan_xl.doors.wiring import team_report

D = dt.date
NOW = dt.datetime(2026, 4, 1, 8, 30)
TEAM_HEADERS = HEADERS + ["跟单员", "客户PO"]


def rows(prefix: str, merchandiser: str | None, due_first=D(2026, 4, 2)):
    # the first line is at risk on 04-01 (due the next day), the second overdue, the third far away
    return [good_row(订单号=f"{prefix}1", 客户交期=due_first, 跟单员=merchandiser, 数量=1000, 已出货数量=400,
                     客户PO=f"PO-{prefix}-1"),
            good_row(订单号=f"{prefix}2", 客户交期=D(2026, 3, 20), 跟单员=merchandiser),
            good_row(订单号=f"{prefix}3", 客户交期=D(2026, 9, 30), 跟单员=merchandiser)]


def team(tmp_path: Path):
    folder = tmp_path / "共享 盘" / "跟单"
    folder.mkdir(parents=True)
    write_book(folder / "张丽 订单.xlsx", rows("ZL", "张丽"), headers=TEAM_HEADERS)
    # 王芳's workbook has no 跟单员 column filled: her lines are hers by [owners]; she has it open in WPS
    write_book(folder / "王芳 订单.xlsx", rows("WF", None), headers=TEAM_HEADERS)
    (folder / "~$王芳 订单.xlsx").write_bytes(b"\x00" * 162)
    (folder / "李强 订单.xlsx").write_bytes(b"PK\x03\x04 cut short by a dropped share")
    (tmp_path / "gendan.toml").write_text(
        '[workbook]\npaths = ["共享 盘/跟单/*.xlsx"]\n[owners]\n"王芳*.xlsx" = "王芳"\n'
        '[paths]\ndata_dir = "data"\n[report]\nteam_lead = "lead@team.example"\n'
        '[mail.merchandisers]\n"张丽" = "zl@team.example"\n"王芳" = "wf@team.example"\n"李强" = "lq@team.example"\n',
        encoding="utf-8")
    return folder, load_settings(tmp_path / "gendan.toml", env={})


def test_one_mail_to_the_lead_with_a_section_per_merchandiser_and_the_unreadable_one_named(tmp_path):
    folder, settings = team(tmp_path)
    plan, run = team_report(settings, today=D(2026, 4, 1), now=NOW)
    assert [wb.path.name for wb in run.status.workbooks] == ["张丽 订单.xlsx", "李强 订单.xlsx", "王芳 订单.xlsx"]
    assert [wb.path.name for wb in run.status.unreadable] == ["李强 订单.xlsx"]
    by_to = {m.to: m for m in plan.mails}
    assert sorted(by_to) == ["lead@team.example", "wf@team.example", "zl@team.example"]  # 李强: nothing read
    lead = by_to["lead@team.example"]
    assert lead.text.count("######## ") == 2
    assert "######## 张丽 ########" in lead.text and "######## 王芳 ########" in lead.text
    assert lead.text.index("######## 张丽") < lead.text.index("ZL2") < lead.text.index("######## 王芳") < lead.text.index("WF2")
    assert "李强 订单.xlsx" in lead.text and "无法读取" in lead.text  # one warning, with the file and why
    assert "李强 订单.xlsx" in lead.html
    # each line keeps its file and cell, and says what is left to ship
    assert "张丽 订单.xlsx 订单!A2" in lead.text and "未出 600" in lead.text and "客户PO PO-ZL-1" in lead.text
    # each merchandiser only their own
    zl, wf = by_to["zl@team.example"], by_to["wf@team.example"]
    assert "ZL1" in zl.text and "ZL2" in zl.text and "WF" not in zl.text and "######## " not in zl.text
    assert "WF1" in wf.text and "ZL" not in wf.text and "李强" not in wf.text
    # no report before: no "since the last report"
    assert "自上次日报" not in lead.text


def test_the_next_report_opens_with_what_changed_since_the_last_one(tmp_path):
    folder, settings = team(tmp_path)
    team_report(settings, today=D(2026, 3, 31), now=NOW)
    # 张丽 moves ZL1 from Thu 04-02 to Tue 04-07. Working days in (04-02, 04-07]: Fri 04-03 and Tue 04-07;
    # Sat 04-04 to Mon 04-06 are the 清明 holiday of 2026 → 2 working days later
    edited = tmp_path / "edited.xlsx"
    write_book(edited, rows("ZL", "张丽", due_first=D(2026, 4, 7)), headers=TEAM_HEADERS)
    shutil.copy(edited, folder / "张丽 订单.xlsx")
    plan, _ = team_report(settings, today=D(2026, 4, 1), now=NOW)
    by_to = {m.to: m for m in plan.mails}
    lead, zl, wf = by_to["lead@team.example"], by_to["zl@team.example"], by_to["wf@team.example"]
    assert "== 自上次日报（2026-03-31）以来 ==" in lead.text
    since = lead.text.split("== 自上次日报")[1].split("状态统计")[0]
    assert since.strip().splitlines()[1:] == ["- 交期变更 | ZL1 | PB-10K | 张丽 | 交期 2026-04-02 → 2026-04-07，推迟 2 个工作日"]
    assert "自上次日报（2026-03-31）以来" in zl.text and "ZL1" in zl.text.split("状态统计")[0]
    assert "ZL1" not in wf.text.split("状态统计")[0]  # 王芳's mail: only her own lines' changes
    # 王芳's workbook did not change: judged from its record, her lines keep their PO and what is left
    assert "- WF1 | 客户PO PO-WF-1 | ANK | PB-10K | 未出 600 |" in wf.text
    # the same day again (a dry run, then the send): still since the last report of an earlier day
    again, _ = team_report(settings, today=D(2026, 4, 1), now=NOW)
    assert "自上次日报（2026-03-31）以来" in {m.to: m for m in again.mails}["lead@team.example"].text


def test_the_jobs_work_on_the_team_and_the_monthly_one_mails_the_rate_with_a_chart_per_customer(tmp_path):
    import email
    import email.policy
    import io
    import zipfile

    from gendan_xl.delivery.jobs import load_jobs, run_job
    from gendan_xl.doors.wiring import job_context

    folder, _ = team(tmp_path)
    with open(tmp_path / "gendan.toml", "a", encoding="utf-8") as fh:
        fh.write('[mail]\ntransport = "outbox"\noutbox = "outbox"\nfrom = "gendan@team.example"\n')
    settings = load_settings(tmp_path / "gendan.toml", env={})
    root = Path(__file__).resolve().parent.parent
    ctx = job_context(settings, jobs_file=root / "jobs" / "jobs.toml")
    # the daily report job: the team's, with a section per merchandiser in the lead's mail
    assert run_job("overdue-report", ctx, dt.datetime(2026, 4, 1, 9, 0)).ok
    lead = email.message_from_bytes(next((tmp_path / "outbox").glob("*overdue-report_lead*.eml")).read_bytes())
    body = next(p for p in lead.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "######## 张丽 ########" in body and "######## 王芳 ########" in body and "李强 订单.xlsx" in body
    # the monthly job on 05-06 (first working day after 劳动节) mails April's rate to the lead: ZL1 and WF1
    # (due 04-02, partly shipped) and ZL2 and WF2 (due 03-20, March) → April: 2 lines due, both open past due
    result = run_job("kpi", ctx, dt.datetime(2026, 5, 6, 10, 0))
    assert result.ok and result.period == "2026-05", result.error
    kpi = email.message_from_bytes(next((tmp_path / "outbox").glob("2026-04_kpi_lead*.eml")).read_bytes(),
                                   policy=email.policy.default)
    assert kpi["Subject"] == "【准时交货率】2026-04 0.0%"
    text = next(p for p in kpi.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "到期 2 行，准时 0，延迟 0，逾期未出 2" in text and "李强 订单.xlsx" in text
    xlsx = next(p for p in kpi.walk() if p.get_filename() == "准时交货率-2026-04.xlsx").get_payload(decode=True)
    names = zipfile.ZipFile(io.BytesIO(xlsx)).namelist()
    # one chart for all lines and one per customer (both workbooks' lines are customer ANK)
    assert sorted(n for n in names if n.startswith("xl/charts/chart")) == ["xl/charts/chart1.xml",
                                                                          "xl/charts/chart2.xml"]


def test_the_leads_sections_show_the_most_urgent_and_count_the_rest():
    from gendan_xl.delivery.report import SECTION_SHOWN, TeamFacts, overdue_mails
    from gendan_xl.status import Line

    def line(n, status):
        return Line(row=n + 2, order_no=f"SO{n}", customer="ANK", model="PB-10K", merchandiser="张丽",
                    due_date=D(2026, 3, 1), customer_due_date=D(2026, 3, 1), status=status, days_late=n)

    shown = SECTION_SHOWN  # the real cap, and three overdue lines more than it
    lines = [line(n, "overdue") for n in range(shown + 3)] + [line(999, "at_risk")]
    lead = overdue_mails(lines, D(2026, 4, 1), emails={}, lead="lead@team.example", team=TeamFacts()).mails[0]
    # the most days late first, the one at risk; the 3 least late overdue counted, and all in the attachment
    assert f"SO{shown + 2} |" in lead.text and "SO3 |" in lead.text and "SO999 |" in lead.text
    assert "SO2 |" not in lead.text and "SO0 |" not in lead.text
    assert "……另有 3 行逾期或有风险，见附件" in lead.text
