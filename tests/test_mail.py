"""Mail against a real aiosmtpd server on 127.0.0.1: what arrives, what is queued, what is never sent twice."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import logging
import shutil
import sqlite3
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from python_calamine import CalamineWorkbook

from conftest import Server, free_port  # the real aiosmtpd server on loopback, shared with the demo test
from gendan_xl.errors import ConfigError
from gendan_xl.delivery.mail import (XLSX_MIME, Attachment, Mail, MailConfigError, Mailer, MailSettings, build_message,
                                     make_transport, render_mail, settings_from_env)
from gendan_xl.delivery.transport import Outbox, Smtp

NOW = dt.datetime(2026, 11, 26, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PASSWORD = "s3cret-Pa55-word!"


@pytest.fixture
def smtp_server():
    with Server(reject={"nobody@example.com"}) as server:
        yield server


def plain(server: Server, **kw) -> Smtp:
    return Smtp("127.0.0.1", server.port, security="none", timeout=5, **kw)


def mailer(transport, tmp_path: Path, sleeps: list | None = None) -> Mailer:
    return Mailer(transport, "gendan@example.com", tmp_path / "data", backoff=(1, 5),
                  sleep=(sleeps.append if sleeps is not None else lambda s: None), now=lambda: NOW)


def sample_mail(to="wang@example.com", customer="安克 Anker", n=1) -> Mail:
    data = xlsx_bytes()
    return render_mail("notice", {"greeting": "王芳，您好：", "intro": f"第 {n} 封",
                                  "items": [f"客户 {customer}"], "footer": "gendan-xl"},
                       to=to, subject=f"【交期日报】2026-11-26 逾期 {n} · 预警 12",
                       attachments=[Attachment("交期日报-2026-11-26.xlsx", data, XLSX_MIME),
                                    Attachment("对账单 2026-11.pdf", b"%PDF-1.4\n%%EOF\n")])


def xlsx_bytes() -> bytes:
    import xlsxwriter
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2026, 11, 26)})   # else the bytes, and the content hash, change
    wb.add_worksheet("订单").write_row(0, 0, ["订单号", "客户"])
    wb.close()
    return buf.getvalue()


def parts(msg):
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    files = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    return text, html, files


def test_message_arrives_with_decoded_subject_both_parts_and_attachments(smtp_server, tmp_path):
    result = mailer(plain(smtp_server), tmp_path).send([sample_mail()], job="overdue-report", period="2026-11-26")

    assert [o.state for o in result.outcomes] == ["sent"]
    (sender, rcpts, msg), = smtp_server.messages
    assert (sender, rcpts) == ("gendan@example.com", ["wang@example.com"])
    assert msg["subject"] == "【交期日报】2026-11-26 逾期 1 · 预警 12"
    assert msg["X-Gendan-Job"] == "overdue-report"
    text, html, files = parts(msg)
    assert "王芳，您好：" in text and "<li" in html and "客户 安克 Anker" in html
    assert set(files) == {"交期日报-2026-11-26.xlsx", "对账单 2026-11.pdf"}
    book = CalamineWorkbook.from_filelike(io.BytesIO(files["交期日报-2026-11-26.xlsx"]))
    assert book.get_sheet_by_name("订单").to_python() == [["订单号", "客户"]]
    assert files["对账单 2026-11.pdf"].startswith(b"%PDF")


def test_chinese_subject_and_file_names_use_rfc2047_and_rfc2231():
    raw = build_message(sample_mail(), "gendan@example.com", date=NOW).as_bytes()
    head = raw.decode("ascii")   # every header and body line is 7-bit: no server needs SMTPUTF8/8BITMIME
    assert "Subject: =?utf-8?b?" in head
    assert "filename*=utf-8''%E4%BA%A4%E6%9C%9F" in head
    assert "Content-Transfer-Encoding: base64" in head


def test_html_in_a_customer_name_is_escaped_in_html_not_in_text():
    mail = sample_mail(customer="<script>alert(1)</script> & Co")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in mail.html
    assert "<script>" not in mail.html
    assert "<script>alert(1)</script> & Co" in mail.text


def test_server_down_queues_and_the_next_run_sends(tmp_path):
    port = free_port()
    sleeps: list[float] = []
    down = mailer(Smtp("127.0.0.1", port, security="none", timeout=2), tmp_path, sleeps)
    mails = [sample_mail(), sample_mail(to="li@example.com")]

    first = down.send(mails, job="overdue-report", period="2026-11-26")

    assert [o.state for o in first.outcomes] == ["queued", "queued"]
    assert "cannot reach 127.0.0.1" in first.outcomes[0].error
    assert sleeps == [1, 5]            # backoff once, then the second mail is not retried against a dead server
    assert down.pending() == 2
    down.close()

    with Server(port=port) as server:
        up = mailer(plain(server), tmp_path)
        second = up.send(mails, job="overdue-report", period="2026-11-26")   # the next run, same mails
        assert sorted(o.state for o in second.outcomes) == ["sent", "sent"]
        assert sorted(r for _, (r,), _ in server.messages) == ["li@example.com", "wang@example.com"]
        assert up.pending() == 0


def test_one_rejected_recipient_is_recorded_and_the_others_are_sent(smtp_server, tmp_path):
    m = mailer(plain(smtp_server), tmp_path)
    mails = [sample_mail("wang@example.com"), sample_mail("nobody@example.com"), sample_mail("li@example.com")]

    result = m.send(mails, job="overdue-report", period="2026-11-26")

    assert [(o.recipient, o.state) for o in result.outcomes] == [
        ("wang@example.com", "sent"), ("nobody@example.com", "rejected"), ("li@example.com", "sent")]
    assert result.outcomes[1].error.startswith("550")
    assert not result.ok
    assert [rcpts for _, rcpts, _ in smtp_server.messages] == [["wang@example.com"], ["li@example.com"]]
    assert [h["state"] for h in m.history()] == ["sent", "rejected", "sent"]
    again = m.send(mails, job="overdue-report", period="2026-11-26")
    assert [o.state for o in again.outcomes] == ["skipped"] * 3
    assert len(smtp_server.messages) == 2


def test_same_job_and_period_sends_once_unless_forced(smtp_server, tmp_path):
    m = mailer(plain(smtp_server), tmp_path)
    m.send([sample_mail()], job="overdue-report", period="2026-11-26")
    second = m.send([sample_mail()], job="overdue-report", period="2026-11-26")
    assert [o.state for o in second.outcomes] == ["skipped"]
    assert len(smtp_server.messages) == 1

    changed = m.send([sample_mail(n=2)], job="overdue-report", period="2026-11-26")  # new content, same mail
    assert [o.state for o in changed.outcomes] == ["skipped"] and len(smtp_server.messages) == 1
    m.send([sample_mail()], job="overdue-report", period="2026-11-27")             # next period
    m.send([sample_mail()], job="overdue-report", period="2026-11-26", force=True)  # asked for
    assert len(smtp_server.messages) == 3


def test_dry_run_records_and_sends_nothing(smtp_server, tmp_path):
    m = mailer(plain(smtp_server), tmp_path)
    result = m.send([sample_mail(), sample_mail("li@example.com")], job="overdue-report", period="2026-11-26",
                    dry_run=True)
    assert [(o.recipient, o.state) for o in result.outcomes] == [
        ("wang@example.com", "would-send"), ("li@example.com", "would-send")]
    assert "交期日报-2026-11-26.xlsx" in str(result.outcomes[0])
    assert smtp_server.messages == [] and m.history() == []


def test_outbox_writes_eml_files_once(tmp_path):
    m = mailer(Outbox(tmp_path / "outbox"), tmp_path)
    m.send([sample_mail(), sample_mail("li@example.com")], job="overdue-report", period="2026-11-26")
    m.send([sample_mail(), sample_mail("li@example.com")], job="overdue-report", period="2026-11-26")
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert [f.name for f in files] == ["2026-11-26_overdue-report_li@example.com_2.eml",
                                       "2026-11-26_overdue-report_wang@example.com_1.eml"]
    msg = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert msg["subject"] == "【交期日报】2026-11-26 逾期 1 · 预警 12"
    assert {a.get_filename() for a in msg.iter_attachments()} == {"交期日报-2026-11-26.xlsx", "对账单 2026-11.pdf"}


def test_a_crash_between_sending_and_logging_costs_at_most_one_duplicate(tmp_path):
    outbox = tmp_path / "outbox"
    m = mailer(Outbox(outbox), tmp_path)
    m.send([sample_mail()], job="overdue-report", period="2026-11-26")
    # The crash: the message went out but the row was never marked sent.
    with sqlite3.connect(tmp_path / "data" / "gendan.sqlite") as db:
        db.execute("UPDATE mail_outbox SET state = 'pending'")
    (outbox / "2026-11-26_overdue-report_wang@example.com_1.eml").rename(outbox / "first-copy.eml")
    m2 = mailer(Outbox(outbox), tmp_path)
    m2.send([sample_mail()], job="overdue-report", period="2026-11-26")
    m2.send([sample_mail()], job="overdue-report", period="2026-11-26")
    assert len(list(outbox.glob("*.eml"))) == 2


def login_server(port: int | None = None, **kw) -> Server:
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"wang" and \
            auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)   # handled=False: aiosmtpd replies 535 itself
    return Server(port=port, authenticator=authenticator, auth_require_tls=False, **kw)


def test_login_on_plain_smtp_and_the_password_stays_out_of_logs_and_reprs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    settings = settings_from_env({"GENDAN_MAIL_TRANSPORT": "smtp", "GENDAN_SMTP_SECURITY": "none",
                                  "GENDAN_SMTP_HOST": "127.0.0.1", "GENDAN_SMTP_USER": "wang",
                                  "GENDAN_SMTP_PASSWORD": PASSWORD}, MailSettings())
    with login_server() as server:
        settings = settings_from_env({"GENDAN_SMTP_PORT": str(server.port)}, settings)
        transport = make_transport(settings)
        m = mailer(transport, tmp_path)
        result = m.send([sample_mail()], job="overdue-report", period="2026-11-26")
        assert [o.state for o in result.outcomes] == ["sent"]
        assert len(server.messages) == 1
    for shown in (repr(settings), str(settings), repr(transport), repr(m), caplog.text, str(result.to_dict())):
        assert PASSWORD not in shown
    assert "password=***" in repr(transport)


def test_a_refused_login_is_one_config_line_and_the_mail_stays_queued(tmp_path, caplog):
    with login_server() as server:
        m = mailer(Smtp("127.0.0.1", server.port, "none", "wang", "wrong-password", timeout=5), tmp_path)
        with pytest.raises(MailConfigError, match="refused the login of 'wang'.*GENDAN_SMTP_PASSWORD"):
            m.send([sample_mail()], job="overdue-report", period="2026-11-26")
        assert m.pending() == 1 and server.messages == []
    assert "wrong-password" not in caplog.text


@pytest.mark.parametrize("env, field, value", [
    ({}, "transport", "outbox"),
    ({"GENDAN_MAIL_TRANSPORT": "SMTP"}, "transport", "smtp"),
    ({"GENDAN_SMTP_PORT": "2525"}, "port", 2525),
    ({"GENDAN_SMTP_SECURITY": "ssl"}, "smtp_port", 465),
    ({"GENDAN_SMTP_SECURITY": "starttls"}, "smtp_port", 587),
    ({"GENDAN_SMTP_PASSWORD": ""}, "password", ""),
    ({"GENDAN_MAIL_FROM": "跟单部 <gd@example.com>"}, "sender", "跟单部 <gd@example.com>"),
])
def test_settings_from_env(env, field, value):
    assert getattr(settings_from_env(env, MailSettings()), field) == value


@pytest.mark.parametrize("env, match", [
    ({"GENDAN_SMTP_PORT": "smtp"}, "GENDAN_SMTP_PORT='smtp' is not a port number"),
    ({"GENDAN_SMTP_PORT": "70000"}, "is not a port number"),
    ({"GENDAN_MAIL_TRANSPORT": "carrier-pigeon"}, "not one of outbox, smtp"),
    ({"GENDAN_SMTP_SECURITY": "tls"}, "not one of ssl, starttls, none"),
])
def test_bad_settings_are_one_config_line(env, match):
    with pytest.raises(ConfigError, match=match):
        settings_from_env(env, MailSettings())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")], check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login(tls_files, tmp_path, security):
    cert, key = tls_files
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    kw = {"tls_context": server_ctx, "require_starttls": True} if security == "starttls" else {"ssl_context": server_ctx}
    with login_server(**kw) as server:
        m = mailer(Smtp("127.0.0.1", server.port, security, "wang", PASSWORD, timeout=5, ssl_context=client_ctx),
                   tmp_path)
        result = m.send([sample_mail()], job="overdue-report", period="2026-11-26")
        assert [o.state for o in result.outcomes] == ["sent"]
        assert server.messages[0][2]["subject"] == "【交期日报】2026-11-26 逾期 1 · 预警 12"


def test_an_untrusted_certificate_is_a_config_error_and_the_mail_stays_queued(tls_files, tmp_path):
    cert, key = tls_files
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    with Server(ssl_context=server_ctx) as server:
        m = mailer(Smtp("127.0.0.1", server.port, "ssl", timeout=5), tmp_path)   # system CAs: not trusted
        with pytest.raises(MailConfigError, match="TLS with 127.0.0.1"):
            m.send([sample_mail()], job="overdue-report", period="2026-11-26")
        assert m.pending() == 1


def test_a_sender_with_a_chinese_display_name(smtp_server, tmp_path):
    m = Mailer(plain(smtp_server), "跟单部 <gd@example.com>", tmp_path, sleep=lambda s: None, now=lambda: NOW)
    m.send([sample_mail()], job="overdue-report", period="2026-11-26")
    (sender, _, msg), = smtp_server.messages
    assert sender == "gd@example.com"
    assert msg["from"].addresses[0].display_name == "跟单部" and msg["message-id"].endswith("@example.com>")
