"""What a company's mail looks like to whoever gets it (issue 16, item 4), through a real aiosmtpd server on
127.0.0.1: From with a display name, Reply-To a person, Date in the company's time zone, the customer's own
greeting and punctuation, the statement as a PDF, no internal key in any body."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import shutil

import pytest

from conftest import ROOT, WORKBOOKS, Server
from gendan_xl.delivery.compose import render_mail
from gendan_xl.delivery.mail import Letterhead, Mail, Mailer, MailSettings
from gendan_xl.delivery.transport import Smtp
from gendan_xl.doors.cli import main
from gendan_xl.doors.settings import load_settings
from gendan_xl.errors import ConfigError

UTC_0030 = dt.datetime(2026, 11, 26, 0, 30, tzinfo=dt.timezone.utc)   # 08:30 in Shenzhen

# What must never reach a reader: a setting or field name (snake_case), a dotted text key, an unfilled field.
INTERNAL = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b(?:basis|kind|mail)\.[a-z_]+\b|\{[a-z_]*\}|\bNone\b")


def internal_keys(text: str) -> list[str]:
    """The internal words in a mail body (addresses, whose local parts may hold _, are not words)."""
    return INTERNAL.findall(re.sub(r"\S+@\S+", "", text))


def test_the_scan_finds_what_it_looks_for():
    assert internal_keys("附件是贵司 2026-10 的对账单（invoice_date）。") == ["invoice_date"]
    assert internal_keys("Aged by basis.invoice {period}") == ["basis.invoice", "{period}"]
    assert internal_keys("张丽，您好：请回复 zhang_li@hengda.example。") == []


def smtp(server: Server) -> Smtp:
    return Smtp("127.0.0.1", server.port, security="none", timeout=5)


def one_mail(to="wang@example.com", lang="zh", reply_to="") -> Mail:
    return render_mail("notice", {"greeting": "王芳，您好：", "intro": "x", "items": [], "footer": "gendan-xl"},
                       to=to, subject="s", lang=lang, reply_to=reply_to)


def received(server: Server) -> list[email.message.EmailMessage]:
    return [msg for _, _, msg in server.messages]


def test_headers_come_from_the_letterhead_in_the_mail_language_and_the_company_clock(tmp_path):
    head = Letterhead("gendan@hengda.example", ("恒达电子", "Hengda Electronics"), reply_to="lead@hengda.example")
    with Server() as server:
        with Mailer(smtp(server), head, tmp_path, sleep=lambda s: None, now=lambda: UTC_0030) as m:
            m.send([one_mail("wang@example.com", "zh"), one_mail("amy@example.com", "en"),
                    one_mail("lead@hengda.example", "zh"), one_mail("po@acme.example", "en", "ar@hengda.example")],
                   job="t", period="p")
        zh, en, lead, customer = received(server)
    assert zh["From"].addresses[0].display_name == "恒达电子"
    assert en["From"].addresses[0].display_name == "Hengda Electronics"
    assert zh["From"].addresses[0].addr_spec == "gendan@hengda.example"
    assert zh["Reply-To"] == "lead@hengda.example"
    assert lead["Reply-To"] is None            # a Reply-To naming only the recipient says nothing
    assert customer["Reply-To"] == "ar@hengda.example"   # the mail's own Reply-To wins
    assert zh["Date"].endswith("+0800") and "08:30:00" in zh["Date"]
    assert zh["Date"].datetime == UTC_0030    # the same moment, on the company's clock


def test_an_address_with_its_own_display_name_keeps_it_and_another_zone_is_used(tmp_path):
    head = Letterhead("跟单部 <gd@example.com>", ("恒达", "Hengda"), timezone="Europe/Berlin")
    with Server() as server:
        with Mailer(smtp(server), head, tmp_path, sleep=lambda s: None, now=lambda: UTC_0030) as m:
            m.send([one_mail()], job="t", period="p")
        (sender, _, msg), = server.messages
    assert sender == "gd@example.com" and msg["From"].addresses[0].display_name == "跟单部"
    assert msg["Date"].endswith("+0100") and msg["Reply-To"] is None


def test_the_mailer_dates_by_the_company_clock_when_no_clock_is_given(tmp_path):
    with Server() as server:
        with Mailer(smtp(server), Letterhead("gd@example.com"), tmp_path, sleep=lambda s: None) as m:
            m.send([one_mail()], job="t", period="p")
        (_, _, msg), = server.messages
    assert msg["Date"].endswith("+0800")


def config(tmp_path, mail_lines: str = "") -> str:
    text = (ROOT / "workbooks" / "gendan.toml").read_text(encoding="utf-8")
    text = "\n".join(l for l in text.splitlines() if not l.startswith("user ="))
    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg = tmp_path / "gendan.toml"
    cfg.write_text(text.replace("[mail]\n", f"[mail]\n{mail_lines}\n"), encoding="utf-8")
    return str(cfg)


def test_settings_default_to_the_company_and_the_people_who_answer(tmp_path):
    mail = load_settings(config(tmp_path), env={}).mail
    assert (mail.from_name, mail.from_name_en) == ("深圳市恒达电子科技有限公司",
                                                  "Shenzhen Hengda Electronics Technology Co., Ltd.")
    assert mail.customer_reply_to == ""   # per customer: their merchandiser, else [company] email
    assert mail.reply_to == "lead@hengda.example"             # our own people's mails: the team lead
    assert mail.timezone == "Asia/Shanghai" and mail.statement_files == ("pdf",)
    lines = ('from_name = "恒达跟单部"\nreply_to = "pmc@hengda.example"\n'
             'customer_reply_to = "财务 <ar@hengda.example>"\ntimezone = "Asia/Hong_Kong"\n'
             'statement_files = ["pdf", "xlsx"]')
    mine = load_settings(config(tmp_path, lines), env={}).mail
    head = mine.letterhead()
    assert head.names == ("恒达跟单部", "恒达跟单部") and head.reply_to == "pmc@hengda.example"
    assert mine.customer_reply_to == "财务 <ar@hengda.example>" and mine.statement_files == ("pdf", "xlsx")
    assert head.timezone == "Asia/Hong_Kong"


@pytest.mark.parametrize("line, message", [
    ('timezone = "China/Shenzhen"', "is not a time zone"),
    ('reply_to = "finance"', "reply_to"),
    ('statement_files = "pdf"', "must be a list"),
    ('statement_files = ["doc"]', "pdf, xlsx or both"),
])
def test_bad_mail_settings_are_one_line_naming_the_key(tmp_path, line, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(config(tmp_path, line), env={})


def test_settings_refuse_an_unknown_zone_directly():
    with pytest.raises(ConfigError, match=r"\[mail\] timezone"):
        MailSettings(timezone="Mars/Olympus")


def send_statements(tmp_path, capsys, monkeypatch, server, mail_lines="", customer=None, workbook=None):
    for var in ("GENDAN_CONFIG", "GENDAN_MAIL_FROM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GENDAN_MAIL_TRANSPORT", "smtp")
    monkeypatch.setenv("GENDAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GENDAN_SMTP_PORT", str(server.port))
    monkeypatch.setenv("GENDAN_SMTP_SECURITY", "none")
    argv = ["--config", config(tmp_path, mail_lines), "statement", str(workbook or WORKBOOKS / "orders.xlsx"),
            "--period", "2026-10", "--today", "2026-11-03", "--out", str(tmp_path / "st"), "--send"]
    code = main(argv + (["--customer", customer] if customer else []))
    out = capsys.readouterr()
    assert code == 0, out.err
    return {msg["To"]: msg for msg in received(server)}


needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                       reason="LibreOffice (soffice) is not installed: statements go as .xlsx only")


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_statement_mails_read_as_the_customer_writes_and_answer_to_a_person(tmp_path, capsys, monkeypatch):
    with Server() as server:   # the words and headers need no LibreOffice: the PDF has its own test
        msgs = send_statements(tmp_path, capsys, monkeypatch, server, 'statement_files = ["xlsx"]')
    assert len(msgs) >= 10
    zh, en = msgs["caigou@lanke.example"], msgs["po@anker.example"]   # 北京蓝科 writes Chinese, Anker English
    assert body(zh).startswith("北京蓝科电子有限公司，您好：\n")
    assert "期末余额：" in body(zh) and "按单据日期计账龄" in body(zh) and "此致\n敬礼！" in body(zh)
    assert body(en).startswith("Dear Anker Innovations 安克创新,\n") and "Aged by invoice date" in body(en)
    assert "Zhang Li · +86 755" in body(en) and "张丽" not in body(en)   # [company] contact_en signs English mail
    assert "张丽 · +86 755" in body(zh)
    assert zh["From"].addresses[0].display_name == "深圳市恒达电子科技有限公司"
    assert en["From"].addresses[0].display_name == "Shenzhen Hengda Electronics Technology Co., Ltd."
    for to, msg in msgs.items():
        assert msg["Reply-To"] == "sales@hengda.example", to
        assert msg["Date"].endswith("+0800"), to
        text, html = body(msg), msg.get_body(("html",)).get_content()
        assert internal_keys(text) == [] and internal_keys(re.sub(r"<[^>]+>", " ", html)) == [], to


@needs_libreoffice
def test_statement_goes_as_pdf_and_as_xlsx_too_when_configured(tmp_path, capsys, monkeypatch):
    with Server() as server:
        pdf_only = send_statements(tmp_path / "a", capsys, monkeypatch, server, customer="BLK")
    (msg,) = pdf_only.values()
    files = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    assert list(files) == ["statement-BLK-2026-10.pdf"] and files["statement-BLK-2026-10.pdf"][:5] == b"%PDF-"
    with Server() as server:
        both = send_statements(tmp_path / "b", capsys, monkeypatch, server, 'statement_files = ["pdf", "xlsx"]',
                               customer="BLK")
    (msg,) = both.values()
    assert [a.get_filename() for a in msg.iter_attachments()] == ["statement-BLK-2026-10.pdf",
                                                                   "statement-BLK-2026-10.xlsx"]


def test_a_statement_answers_to_the_customers_merchandiser_unless_finance_is_set(tmp_path, capsys, monkeypatch):
    """An optional 跟单员 column in the 客户 sheet names who looks after the customer: their address
    ([mail.merchandisers]) is the statement's Reply-To; [mail] customer_reply_to, when set, wins."""
    from openpyxl import load_workbook

    book = load_workbook(WORKBOOKS / "orders.xlsx")   # our own sample, copied: no user's workbook is saved
    ws = book["客户"]
    column = ws.max_column + 1
    ws.cell(1, column, "跟单员")
    blk = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "BLK")
    ws.cell(blk, column, "王芳")
    workbook = tmp_path / "orders.xlsx"
    book.save(workbook)
    with Server() as server:
        (msg,) = send_statements(tmp_path / "a", capsys, monkeypatch, server, 'statement_files = ["xlsx"]',
                                 customer="BLK", workbook=workbook).values()
    assert msg["Reply-To"] == "wangfang@hengda.example"
    with Server() as server:
        (msg,) = send_statements(tmp_path / "b", capsys, monkeypatch, server,
                                 'customer_reply_to = "财务 <ar@hengda.example>"\nstatement_files = ["xlsx"]',
                                 customer="BLK", workbook=workbook).values()
    assert msg["Reply-To"].addresses[0].addr_spec == "ar@hengda.example"
    assert msg["Reply-To"].addresses[0].display_name == "财务"


def test_review_notices_carry_the_same_headers(tmp_path):
    from gendan_xl.books.order_review import review_workbook
    from gendan_xl.delivery.notices import review_mails

    sample = tmp_path / "orders.xlsx"
    sample.write_bytes((WORKBOOKS / "orders.xlsx").read_bytes())
    result = review_workbook(sample, today=dt.date(2026, 11, 26), write=False)
    mails, _ = review_mails(result, emails={"王芳": "wangfang@hengda.example", "张丽": "zhangli@hengda.example",
                                            "李强": "liqiang@hengda.example", "陈静": "chenjing@hengda.example"})
    assert mails
    settings = load_settings(config(tmp_path), env={})
    with Server() as server:
        with Mailer(smtp(server), settings.mail.letterhead(), tmp_path / "data", sleep=lambda s: None,
                    now=lambda: UTC_0030) as m:
            assert m.send(mails, job="review", period="2026-11-26").ok
        msgs = received(server)
    for msg in msgs:
        assert msg["From"].addresses[0].display_name == "深圳市恒达电子科技有限公司"
        assert msg["Reply-To"] == "lead@hengda.example" and msg["Date"].endswith("+0800")
        assert re.match(r"\S+，您好：\n", body(msg)) and internal_keys(body(msg)) == []


def test_the_jobs_and_the_command_line_send_with_the_settings_letterhead(tmp_path):
    """The scheduler's mails (reports, statements, the admin's notices) and the CLI's go through open_mailer:
    one letterhead for all."""
    from gendan_xl.delivery.mail import open_mailer
    from gendan_xl.doors.wiring import job_context

    settings = load_settings(config(tmp_path), env={})
    ctx = job_context(settings)
    try:
        assert ctx.mailer.letterhead == settings.mail.letterhead()
        assert ctx.mailer.letterhead.names[1] == "Shenzhen Hengda Electronics Technology Co., Ltd."
    finally:
        ctx.mailer.close()
    with open_mailer(settings.mail, tmp_path / "data") as mailer:
        assert mailer.letterhead == settings.mail.letterhead()
