"""Jobs: when each is due by the factory calendar, once per period, catch-up after a restart, failures."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from gendan_xl.errors import ERROR, WARNING, ConfigError, Issue
from gendan_xl.delivery.jobs import (MAX_ATTEMPTS, JobContext, JobRecord, JobState, due_jobs, first_workday, job_table,
                                     load_jobs, missed_jobs, parse_jobs, run_due, run_job, tick)
from gendan_xl.delivery.mail import Mail, Mailer
from gendan_xl.delivery.transport import Outbox
from gendan_xl.status import Line
from gendan_xl.workdays import WorkCalendar
from test_mail import Server, plain

ROOT = Path(__file__).resolve().parent.parent
CAL = WorkCalendar()
SPECS = load_jobs(ROOT / "jobs" / "jobs.toml")
T = dt.datetime

D = dt.date
ORDERS = [
    Line(row=2, order_no="SO1", customer="ANK", model="PB-10K", merchandiser="王芳", due_date=D(2026, 11, 23),
         customer_due_date=D(2026, 11, 23), status="overdue", days_late=3, next_milestone="ship",
         next_milestone_date=D(2026, 11, 20), reasons=[("overdue", {"due": D(2026, 11, 23), "days": 3})],
         today=D(2026, 11, 26)),
    Line(row=3, order_no="SO2", customer="BES", model="CH-20W", merchandiser="李强", due_date=D(2026, 11, 30),
         customer_due_date=D(2026, 11, 30), status="at_risk", days_to_due=4, slack_workdays=-1,
         next_milestone="inspection", next_milestone_date=D(2026, 11, 27),
         reasons=[("missed", {"milestone": "inspection", "date": D(2026, 11, 20)})], today=D(2026, 11, 26)),
]


def context(mailer: Mailer, **kw) -> JobContext:
    base = dict(mailer=mailer, is_workday=CAL.is_workday, specs=SPECS,
                merchandiser_emails={"王芳": "wang@example.com", "李强": "li@example.com"},
                lead=["boss@example.com"], admin=["it@example.com"], load_status=lambda today: ORDERS)
    return JobContext(**(base | kw))


def outbox_context(tmp_path: Path, **kw) -> JobContext:
    return context(Mailer(Outbox(tmp_path / "outbox"), "gendan@example.com", tmp_path / "data",
                          sleep=lambda s: None), **kw)


def test_the_shipped_jobs_file_declares_the_four_jobs():
    assert {n: (s.runs, s.every, s.at.strftime("%H:%M")) for n, s in SPECS.items()} == {
        "overdue-report": ("overdue-report", "workday", "08:30"),
        "statements": ("statements", "month", "09:00"),
        "kpi": ("kpi", "month", "09:30"),
        "validate": ("validate", "hour", "08:00"),
    }
    assert SPECS["validate"].until == dt.time(18)


@pytest.mark.parametrize("doc, match", [
    ({"x": {"runs": "coffee"}}, r"runs = 'coffee' is not one of overdue-report, statements, validate, kpi"),
    ({"x": {"runs": "validate", "every": "fortnight"}}, "every = 'fortnight'"),
    ({"x": {"runs": "validate", "every": "hour"}}, "needs until"),
    ({"x": {"runs": "validate", "at": "8h30"}}, r"'8h30' is not a time; write it like \"08:30\""),
    ({"x": {"runs": "validate", "recipients": "lead"}}, "recipients must be a list"),
])
def test_bad_jobs_file_is_one_config_line(doc, match):
    with pytest.raises(ConfigError, match=match):
        parse_jobs(doc)


def test_missing_jobs_file(tmp_path):
    with pytest.raises(ConfigError, match="jobs.toml not found"):
        load_jobs(tmp_path / "jobs.toml")


def test_first_workday_of_the_month_follows_the_official_calendar():
    assert first_workday(2026, 10, CAL.is_workday) == dt.date(2026, 10, 8)    # National Day week
    assert first_workday(2026, 2, CAL.is_workday) == dt.date(2026, 2, 2)
    assert first_workday(2026, 11, CAL.is_workday) == dt.date(2026, 11, 2)    # 11-01 is a Sunday


def rec(period, result="ok", attempts=1, started=None):
    return JobRecord(period, result, attempts, started)


@pytest.mark.parametrize("now, state, due", [
    # A working Thursday: nothing before 08:00, validate from 08:00, the report from 08:30.
    (T(2026, 11, 26, 7, 59), {}, []),
    (T(2026, 11, 26, 8, 0), {}, ["validate"]),
    (T(2026, 11, 26, 8, 30), {}, ["overdue-report", "validate"]),
    # Catch-up: started at 15:10, the report has not gone out today → due now.
    (T(2026, 11, 26, 15, 10), {"overdue-report": rec("2026-11-25")}, ["overdue-report", "validate"]),
    # Already sent today → not again, whatever the hour; validate once per hour.
    (T(2026, 11, 26, 15, 10), {"overdue-report": rec("2026-11-26"), "validate": rec("2026-11-26T15")}, []),
    (T(2026, 11, 26, 18, 0), {"overdue-report": rec("2026-11-26")}, []),       # after working hours
    # Holidays and weekends: nothing; a makeup Saturday (调休 2026-10-10): the report.
    (T(2026, 10, 1, 10, 0), {}, []),
    (T(2026, 11, 28, 10, 0), {}, []),
    (T(2026, 10, 10, 9, 0), {"statements": rec("2026-10")}, ["overdue-report", "validate"]),
    # Statements: the first working day of October is 10-08; a missed day runs on the next working day.
    (T(2026, 10, 8, 9, 0), {"overdue-report": rec("2026-10-08"), "validate": rec("2026-10-08T09")}, ["statements"]),
    (T(2026, 10, 8, 8, 59), {"overdue-report": rec("2026-10-08"), "validate": rec("2026-10-08T08")}, []),
    (T(2026, 10, 9, 8, 0), {"validate": rec("2026-10-09T08")}, ["statements"]),
    (T(2026, 10, 9, 9, 0), {"overdue-report": rec("2026-10-09"), "validate": rec("2026-10-09T09"),
                            "statements": rec("2026-10")}, []),
    # ... but only up to 3 working days late (10-09, makeup Saturday 10-10, 10-12), never mid-month.
    (T(2026, 10, 12, 18, 30), {"overdue-report": rec("2026-10-12")}, ["statements"]),
    (T(2026, 10, 13, 18, 30), {"overdue-report": rec("2026-10-13")}, []),
    # A failed run: retried 15 minutes after it started, at most MAX_ATTEMPTS times in the period.
    (T(2026, 11, 26, 8, 40), {"overdue-report": rec("2026-11-26", "failed", 1, T(2026, 11, 26, 8, 30)),
                              "validate": rec("2026-11-26T08")}, []),
    (T(2026, 11, 26, 8, 45), {"overdue-report": rec("2026-11-26", "failed", 1, T(2026, 11, 26, 8, 30)),
                              "validate": rec("2026-11-26T08")}, ["overdue-report"]),
    (T(2026, 11, 26, 12, 0), {"overdue-report": rec("2026-11-26", "failed", MAX_ATTEMPTS, T(2026, 11, 26, 9)),
                              "validate": rec("2026-11-26T12")}, []),
])
def test_due_jobs(now, state, due):
    # the monthly kpi job is due when the statements are (both "month"): left out, as its own test has it
    specs = {n: s for n, s in SPECS.items() if n != "kpi"}
    assert due_jobs(now, state, specs, CAL.is_workday) == due


def only(specs, *names):
    return {n: specs[n] for n in names}


def test_a_restart_after_0830_sends_one_report_that_day_and_none_on_a_holiday(tmp_path):
    """The scheduler is (re)started three times on a working day after 08:30, then on a holiday."""
    with Server() as server:
        def start(now):
            mailer = Mailer(plain(server), "gendan@example.com", tmp_path / "data", sleep=lambda s: None)
            ctx = context(mailer, specs=only(SPECS, "overdue-report"))
            state = JobState(ctx.data_dir)
            try:
                return tick(ctx, now, state)
            finally:
                state.close()
                mailer.close()

        first = start(T(2026, 11, 26, 10, 5))
        assert [r.job for r in first] == ["overdue-report"] and first[0].ok
        assert start(T(2026, 11, 26, 10, 6)) == []
        assert start(T(2026, 11, 26, 16, 0)) == []
        assert start(T(2026, 10, 1, 10, 0)) == []         # National Day
        rcpts = sorted(r for _, (r,), _ in server.messages)
    assert rcpts == ["boss@example.com", "li@example.com", "wang@example.com"]
    subjects = {msg["subject"] for *_, msg in server.messages}
    assert "【交期日报】2026-11-26 逾期 1 · 预警 1" in subjects


def test_a_manual_run_counts_as_the_days_run(tmp_path):
    ctx = outbox_context(tmp_path, specs=only(SPECS, "overdue-report"), workbook_name="订单跟踪表.xlsx")
    result = run_job("overdue-report", ctx, T(2026, 11, 26, 7, 0))
    assert result.ok and len(result.sent.by_state("sent")) == 3
    lead = email.message_from_bytes(next((tmp_path / "outbox").glob("*boss*.eml")).read_bytes(),
                                    policy=email.policy.default)
    xlsx, = lead.iter_attachments()   # its title names the workbook the job read
    facts = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.get_content())).get_sheet_by_index(0).to_python()[1][0]
    assert facts.startswith("订单跟踪表.xlsx · 截至 2026-11-26")
    state = JobState(ctx.data_dir)
    assert tick(ctx, T(2026, 11, 26, 9, 0), state) == []
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_dry_run_records_nothing(tmp_path):
    ctx = outbox_context(tmp_path, specs=only(SPECS, "overdue-report"))
    result = run_job("overdue-report", ctx, T(2026, 11, 26, 9, 0), dry_run=True)
    assert [o.state for o in result.sent.outcomes] == ["would-send"] * 3
    assert JobState(ctx.data_dir).load() == {} and not (tmp_path / "outbox").exists()


def test_a_failing_job_is_recorded_mailed_to_the_admin_once_and_the_others_still_run(tmp_path):
    def broken(today):
        raise ConfigError("orders.xlsx not found; set [report] workbook in gendan.toml")

    ctx = outbox_context(tmp_path, load_status=broken, check=lambda today: [],
                         specs=only(SPECS, "overdue-report", "validate"))
    state = JobState(ctx.data_dir)
    results = tick(ctx, T(2026, 11, 26, 9, 0), state)
    assert [(r.job, r.ok) for r in results] == [("overdue-report", False), ("validate", True)]
    assert results[0].error == "orders.xlsx not found; set [report] workbook in gendan.toml"
    assert state.load()["overdue-report"].result == "failed"
    tick(ctx, T(2026, 11, 26, 9, 20), state)        # the retry fails the same way
    eml = sorted((tmp_path / "outbox").glob("*.eml"))
    assert [p.name for p in eml] == ["overdue-report-2026-11-26_job-failure_it@example.com_1.eml"]
    msg = email.message_from_bytes(eml[0].read_bytes(), policy=email.policy.default)
    assert msg["subject"] == "【gendan-xl】任务 overdue-report 失败（2026-11-26）"
    assert "orders.xlsx not found" in msg.get_body(("plain",)).get_content()
    assert state.load()["overdue-report"].attempts == 2


def test_a_bug_in_a_job_is_logged_with_its_traceback(tmp_path, caplog):
    ctx = outbox_context(tmp_path, load_status=lambda today: 1 / 0)
    result = run_job("overdue-report", ctx, T(2026, 11, 26, 9, 0))
    assert result.error == "ZeroDivisionError: division by zero"
    assert "Traceback" in caplog.text


def issue(cell, code="missing-value", severity=ERROR):
    return Issue(code, severity, "订单", cell, None, f"{cell} 为空，请填写")


def test_validate_mails_only_new_errors(tmp_path):
    found = [[issue("C5"), issue("D9", severity=WARNING)], [issue("C5")], [issue("C5"), issue("F12")], []]
    ctx = outbox_context(tmp_path, specs=only(SPECS, "validate"), check=lambda today: found.pop(0))
    outbox = tmp_path / "outbox"
    summaries = []
    for hour in (9, 10, 11, 12):
        summaries.append(run_job("validate", ctx, T(2026, 11, 26, hour, 0)).summary)
    mails = sorted(outbox.glob("*.eml"))
    assert [p.name.split("_")[0] for p in mails] == ["2026-11-26T09"] * 2 + ["2026-11-26T11"] * 2
    assert summaries[1].startswith("1 errors, 0 new; no mail")
    eleven = [p for p in mails if p.name.startswith("2026-11-26T11") and "wang" in p.name][0]
    body = email.message_from_bytes(eleven.read_bytes(), policy=email.policy.default).get_body(("plain",)).get_content()
    assert "订单!F12" in body and "订单!C5" not in body


def test_statements_job_sends_what_the_statement_callable_builds(tmp_path):
    def statements(today, month, dry_run):
        return [Mail(to="ap@customer.example", subject=f"对账单 {month}", text="见附件")]

    ctx = outbox_context(tmp_path, specs=only(SPECS, "statements"), make_statements=statements)
    assert due_jobs(T(2026, 12, 1, 9, 0), {}, ctx.specs, CAL.is_workday) == ["statements"]
    first = run_job("statements", ctx, T(2026, 12, 1, 9, 0))
    again = run_job("statements", ctx, T(2026, 12, 3, 9, 0), force=False)
    assert [o.state for o in first.sent.outcomes] == ["sent"] and [o.state for o in again.sent.outcomes] == ["skipped"]


def test_job_table_shows_last_runs(tmp_path):
    ctx = outbox_context(tmp_path)
    run_job("overdue-report", ctx, T(2026, 11, 26, 9, 0))
    rows = job_table(ctx, JobState(ctx.data_dir).load(), lang="zh")
    assert [(r["name"], r["when"], r["last_period"]) for r in rows] == [
        ("overdue-report", "每个工作日 08:30", "2026-11-26"),
        ("statements", "每月第一个工作日 09:00", None),
        ("kpi", "每月第一个工作日 09:30", None),
        ("validate", "工作日 08:00–18:00 每小时", None),
    ]


LOOP = textwrap.dedent("""
    import datetime as dt, sys
    from pathlib import Path
    from gendan_xl.delivery.jobs import JobContext, load_jobs, schedule_loop
    from gendan_xl.delivery.mail import Mailer
    from gendan_xl.delivery.transport import Outbox
    from gendan_xl.status import Line
    from gendan_xl.workdays import WorkCalendar
    tmp = Path(sys.argv[1])
    orders = [Line(row=2, order_no="SO1", customer="ANK", model="PB-10K", merchandiser="王芳",
                   due_date=dt.date(2026, 11, 23), customer_due_date=dt.date(2026, 11, 23), status="overdue",
                   days_late=3)]
    specs = {k: v for k, v in load_jobs(sys.argv[2]).items() if k == "overdue-report"}
    ctx = JobContext(mailer=Mailer(Outbox(tmp / "outbox"), "gendan@example.com", tmp / "data"),
                     is_workday=WorkCalendar().is_workday, specs=specs,
                     merchandiser_emails={"王芳": "wang@example.com"}, load_status=lambda today: orders)
    sys.exit(schedule_loop(ctx, log_file=tmp / "logs" / "jobs.log", clock=lambda: dt.datetime(2026, 11, 26, 10, 0)))
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_scheduler_catches_up_at_start_and_stops_cleanly_on_a_signal(tmp_path, sig):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", LOOP, str(tmp_path), str(ROOT / "jobs" / "jobs.toml")],
                            env=env, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "logs" / "jobs.log"
    deadline = time.monotonic() + 60  # generous: a loaded CI machine starts Python slowly
    while not (log.exists() and "overdue-report (2026-11-26)" in log.read_text(encoding="utf-8")):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"the scheduler never logged the catch-up run: {proc.communicate()[1]}")
        time.sleep(0.05)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    text = log.read_text(encoding="utf-8")
    assert "scheduler started" in text and f"received {sig.name}, stopping" in text and "scheduler stopped" in text
    assert "scheduler stopped" in stderr and "Traceback" not in stderr
    assert [p.name for p in (tmp_path / "outbox").glob("*.eml")] == [
        "2026-11-26_overdue-report_wang@example.com_1.eml"]


def test_run_due_is_one_pass_for_cron_and_retries_queued_mail(tmp_path):
    from test_mail import free_port
    from gendan_xl.delivery.transport import Smtp
    port = free_port()
    data = tmp_path / "data"
    down = context(Mailer(Smtp("127.0.0.1", port, "none", timeout=2), "gendan@example.com", data,
                          sleep=lambda s: None), specs=only(SPECS, "overdue-report"))
    first = run_due(down, T(2026, 11, 26, 8, 40))
    assert [o.state for o in first[0].sent.outcomes] == ["queued"] * 3
    down.mailer.close()
    with Server(port=port) as server:
        up = context(Mailer(plain(server), "gendan@example.com", data, sleep=lambda s: None),
                     specs=only(SPECS, "overdue-report"))
        assert run_due(up, T(2026, 11, 26, 8, 50)) == []     # the job is done for the day ...
        assert len(server.messages) == 3                      # ... and its queued mail went out
        assert run_due(up, T(2026, 11, 26, 9, 0)) == [] and len(server.messages) == 3


def test_a_month_job_that_missed_its_window_is_reported_to_the_admin_once(tmp_path):
    """Issue 14: statements missed for more than 3 working days were silently never sent."""
    ctx = outbox_context(tmp_path, specs=only(SPECS, "statements"),
                         make_statements=lambda today, period, dry_run: [Mail(to="ap@customer.example", subject="对账单",
                                                                     text="见附件")])
    state = JobState(ctx.data_dir)
    state.save("statements", "2026-09", "ok", T(2026, 9, 1, 9), T(2026, 9, 1, 9))
    # the machine was off from 10-08 to 10-12: the whole window (10-08, then 10-09, makeup Saturday 10-10, 10-12)
    assert missed_jobs(T(2026, 10, 12, 18, 30), state.load(), ctx.specs, CAL.is_workday) == []
    assert tick(ctx, T(2026, 10, 13, 9, 0), state) == []               # the window closed on 10-12
    assert tick(ctx, T(2026, 10, 14, 9, 0), state) == []
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["to"] == "it@example.com" and msg["subject"] == "【gendan-xl】任务 statements 本月未运行（2026-10）"
    body = msg.get_body(("plain",)).get_content()
    assert "应在 2026-10-08 或其后 3 个工作日内运行" in body and "gendan-xl jobs run statements" in body
    assert state.load()["statements"].result == "missed"
    assert tick(ctx, T(2026, 11, 2, 9, 0), state)[0].job == "statements"     # next month runs as usual


def test_the_admin_is_told_which_mails_a_job_could_not_send(tmp_path):
    """Issue 14: the admin mail did not name the customer whose statement could not be built."""
    def statements(today, period, dry_run):
        return [Mail(to="ap@acme.example", subject=f"对账单 {period} Acme", text="见附件", ref="ACME"),
                Mail(to="ap@dgt.example", subject=f"对账单 {period} 东莞大广\n通讯科技", text="见附件", ref="DGT")]

    ctx = outbox_context(tmp_path, specs=only(SPECS, "statements"), make_statements=statements)
    result = run_job("statements", ctx, T(2026, 11, 2, 9, 0))
    assert [(o.ref, o.state) for o in result.sent.outcomes] == [("DGT", "invalid"), ("ACME", "sent")]
    admin = [p for p in (tmp_path / "outbox").glob("*.eml") if "it@example.com" in p.name]
    (eml,) = admin
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["subject"] == "【gendan-xl】任务 statements（2026-11）有 1 封邮件未发出"
    assert "DGT: line break in the subject" in msg.get_body(("plain",)).get_content()
