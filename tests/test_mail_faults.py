"""Issue 14, the delivery half: mail under faults. Each test reproduces one numbered failure of the issue
against a real aiosmtpd server on loopback (or the outbox folder) and the real sent log."""
from __future__ import annotations

import datetime as dt
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import Server, free_port
from gendan_xl.delivery.mail import Mail, Mailer, MailSettings, render_mail
from gendan_xl.delivery.transport import Outbox, Smtp
from gendan_xl.errors import MailConfigError

NOW = dt.datetime(2026, 11, 26, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


class FakeTime:
    """A clock that only moves when the mailer sleeps: the time budget is tested without waiting."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def plain(server: Server, **kw) -> Smtp:
    return Smtp("127.0.0.1", server.port, security="none", timeout=5, **kw)


def mailer(transport, data: Path, time_=None, **kw) -> Mailer:
    time_ = time_ or FakeTime()
    return Mailer(transport, "gendan@example.com", data, backoff=(1, 5), sleep=time_.sleep, clock=time_.clock,
                  now=lambda: NOW, **kw)


def statement(customer: str, to: str, name: str | None = None) -> Mail:
    return Mail(to=to, subject=f"【对账单】2026-10 {name or customer}", text=f"{customer} 的对账单", ref=customer)


def fifteen(bad: str | None = None) -> list[Mail]:
    """Fifteen statements; the customer `bad` has an Alt+Enter line break in its name."""
    mails = []
    for i in range(15):
        code = f"C{i:02d}"
        mails.append(statement(code, f"ap{i:02d}@customer.example", f"客户\n{code}" if code == bad else None))
    return mails


def received(server: Server) -> list[str]:
    return sorted(", ".join(rcpts) for _, rcpts, _ in server.messages)


# --- 3: a mail that cannot be built ---------------------------------------------------------------------

def test_a_line_break_in_one_customer_name_fails_that_mail_alone_and_none_goes_twice(tmp_path):
    with Server() as server:
        first = mailer(plain(server), tmp_path).send(fifteen(bad="C07"), job="statements", period="2026-10")
        assert len(server.messages) == 14
        (bad,) = first.by_state("invalid")
        assert bad.ref == "C07" and "line break" in bad.error and "C07" in str(bad)
        assert len(first.by_state("sent")) == 14 and not first.ok

        again = mailer(plain(server), tmp_path).send(fifteen(bad="C07"), job="statements", period="2026-10")
        assert len(server.messages) == 14                                   # none twice
        assert [o.ref for o in again.by_state("invalid")] == ["C07"]
        assert len(again.by_state("skipped")) == 14

        fixed = mailer(plain(server), tmp_path).send(fifteen(), job="statements", period="2026-10")
        assert [o.ref for o in fixed.by_state("sent")] == ["C07"]          # the corrected name goes out, once
        assert len(server.messages) == 15 and len(set(received(server))) == 15


def test_a_line_break_in_an_address_is_never_a_header(tmp_path):
    with Server() as server:
        evil = Mail(to="ap@customer.example\r\nBcc: spy@evil.example", subject="对账单", text="x", ref="C01")
        result = mailer(plain(server), tmp_path).send([evil, statement("C02", "ok@customer.example")],
                                                      job="statements", period="2026-10")
        assert [(o.ref, o.state) for o in result.outcomes] == [("C01", "invalid"), ("C02", "sent")]
        assert "Bcc: spy@evil.example" in result.outcomes[0].error and "is not an e-mail address" in result.outcomes[0].error
        assert received(server) == ["ok@customer.example"]


# --- 4: two senders at once ------------------------------------------------------------------------------

class Overlapping:
    """A transport that, while delivering its first message, lets a second run send the same queue: two
    `jobs schedule --once` (or two `--send`) overlapping, made deterministic."""

    def __init__(self, inner: Smtp, second_run) -> None:
        self.inner = inner
        self.second_run = second_run
        self.second = None

    def describe(self) -> str:
        return self.inner.describe()

    def deliver(self, raw, sender, recipients, name, timeout=None):
        if self.second is None:
            self.second = self.second_run()
        self.inner.deliver(raw, sender, recipients, name, timeout=timeout)


def test_two_runs_sending_one_queue_at_once_deliver_each_mail_once(tmp_path):
    mails = [statement(f"C{i}", f"ap{i}@customer.example") for i in range(5)]
    with Server() as server:
        second = mailer(plain(server), tmp_path, send_budget=0.3)
        first = mailer(Overlapping(plain(server), lambda: second.send(mails, job="statements", period="2026-10")),
                       tmp_path)
        result = first.send(mails, job="statements", period="2026-10")
        assert received(server) == [f"ap{i}@customer.example" for i in range(5)]      # 5 mails to 5 people
        assert [o.state for o in result.outcomes] == ["sent"] * 5
        # the second run queued nothing new and left the queue to the run holding it
        assert {o.state for o in first.transport.second.outcomes} <= {"queued", "skipped"}
        assert "another gendan-xl run is sending" in first.transport.second.outcomes[0].error


# --- 5 and 10: one key per logical mail -------------------------------------------------------------------

def test_the_daily_report_goes_once_per_day_per_recipient_even_when_the_workbook_changed(tmp_path):
    with Server() as server:
        m = mailer(plain(server), tmp_path)
        morning = Mail(to="wang@example.com", subject="【交期日报】逾期 3", text="3 单逾期", ref="王芳")
        m.send([morning], job="overdue-report", period="2026-11-26")
        changed = Mail(to="wang@example.com", subject="【交期日报】逾期 2", text="2 单逾期", ref="王芳")
        assert [o.state for o in m.send([changed], job="overdue-report", period="2026-11-26").outcomes] == ["skipped"]
        assert len(server.messages) == 1
        # ... but the lead who is also a merchandiser gets both of her mails: they are two logical mails
        team = Mail(to="wang@example.com", subject="【交期日报】全部", text="全部", ref="team")
        assert [o.state for o in m.send([team], job="overdue-report", period="2026-11-26").outcomes] == ["sent"]
        m.send([changed], job="overdue-report", period="2026-11-26", force=True)          # asked for
        assert len(server.messages) == 3


# --- 6: --force against a refusing server -----------------------------------------------------------------

def test_force_while_the_server_refuses_replaces_the_queued_copy(tmp_path):
    mail = statement("C01", "ap@customer.example")
    with Server() as server:
        mailer(plain(server), tmp_path).send([mail], job="statements", period="2026-10")
        server.handler.defer = True                                           # 451 from now on
        for _ in range(3):
            result = mailer(plain(server), tmp_path).send([mail], job="statements", period="2026-10", force=True)
            assert [o.state for o in result.outcomes] == ["queued"] and "451" in result.outcomes[0].error
        assert mailer(plain(server), tmp_path).pending() == 1
        server.handler.defer = False
        mailer(plain(server), tmp_path).flush()
        assert len(server.messages) == 2                                      # one extra copy, not four


# --- 7: two addresses in one cell -------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["a@x.example, b@y.example", "a@x.example；b@y.example",
                                  "a@x.example\nb@y.example", "王 <a@x.example>, b@y.example"])
def test_each_address_in_a_cell_is_a_recipient(tmp_path, cell):
    with Server() as server:
        result = mailer(plain(server), tmp_path).send([statement("C01", cell)], job="statements", period="2026-10")
        assert [o.state for o in result.outcomes] == ["sent"]
        (_, rcpts, msg), = server.messages
        assert rcpts == ["a@x.example", "b@y.example"]
        assert [a.addr_spec for a in msg["to"].addresses] == ["a@x.example", "b@y.example"]


def test_one_refused_address_of_two_is_named_and_the_other_gets_the_mail(tmp_path):
    with Server(reject={"gone@y.example"}) as server:
        result = mailer(plain(server), tmp_path).send([statement("C01", "a@x.example, gone@y.example")],
                                                      job="statements", period="2026-10")
        (outcome,) = result.outcomes
        assert outcome.state == "sent" and "gone@y.example" in outcome.error and "550" in outcome.error
        assert [rcpts for _, rcpts, _ in server.messages] == [["a@x.example"]]


# --- 9: no password in clear text ---------------------------------------------------------------------------

def test_a_login_without_tls_is_refused_off_loopback(tmp_path):
    m = mailer(Smtp("192.0.2.25", 25, "none", "wang", "s3cret", timeout=1), tmp_path)
    with pytest.raises(MailConfigError, match=r"would send the password of 'wang' unencrypted to 192\.0\.2\.25:25.*"
                                              r"starttls.*allow_plaintext_login = true"):
        m.send([statement("C01", "ap@customer.example")], job="statements", period="2026-10")
    assert m.pending() == 1     # kept for when the settings are fixed


def test_allow_plaintext_login_lets_it_try(tmp_path):
    port = free_port()   # nobody listens: the attempt is made, and fails as a connection, not as the TLS rule
    m = mailer(Smtp("127.0.0.2", port, "none", "wang", "s3cret", timeout=1, allow_plaintext_login=True), tmp_path)
    result = m.send([statement("C01", "ap@customer.example")], job="statements", period="2026-10")
    assert [o.state for o in result.outcomes] == ["queued"] and "cannot reach" in result.outcomes[0].error


def test_allow_plaintext_login_is_read_from_gendan_toml(tmp_path):
    from gendan_xl.doors.settings import load_settings

    cfg = tmp_path / "gendan.toml"
    cfg.write_text("[mail]\nsecurity = \"none\"\nallow_plaintext_login = true\nsend_budget = 20\n", encoding="utf-8")
    mail = load_settings(cfg, env={}).mail
    assert (mail.allow_plaintext_login, mail.send_budget) == (True, 20)
    assert MailSettings().send_budget == 60 and MailSettings().allow_plaintext_login is False


# --- 10: an outage does not block a run ----------------------------------------------------------------------

def test_a_server_that_defers_everything_costs_one_budget_and_the_rest_waits(tmp_path):
    t = FakeTime()
    mails = [statement(f"C{i:02d}", f"ap{i:02d}@customer.example") for i in range(15)]
    with Server() as server:
        server.handler.defer = True
        m = Mailer(plain(server), "gendan@example.com", tmp_path, sleep=t.sleep, clock=t.clock, now=lambda: NOW)
        result = m.send(mails, job="statements", period="2026-10")
        assert t.t <= 60                                  # the default budget: 60 s of the run, not 647
        assert {o.state for o in result.outcomes} == {"queued"} and m.pending() == 15
        assert t.sleeps == sorted(t.sleeps) and len(t.sleeps) >= 2   # it backed off between rounds
        server.handler.defer = False
        assert {o.state for o in Mailer(plain(server), "gendan@example.com", tmp_path).flush().outcomes} == {"sent"}
        assert len(server.messages) == 15


def test_a_server_that_never_answers_holds_a_run_for_the_budget_only(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(20)                 # accepts the connection, never says a word
    try:
        m = Mailer(Smtp("127.0.0.1", silent.getsockname()[1], "none", timeout=30), "gendan@example.com", tmp_path,
                   send_budget=1.5)
        started = time.monotonic()
        result = m.send([statement(f"C{i}", f"ap{i}@customer.example") for i in range(5)], job="statements",
                        period="2026-10")
        assert time.monotonic() - started < 5
        assert {o.state for o in result.outcomes} == {"queued"} and m.pending() == 5
    finally:
        silent.close()


def test_a_full_data_folder_is_one_line(tmp_path):
    """The data folder's disk fills up while mails are queued: SQLite says SQLITE_FULL (here through its
    own page limit, which it reports exactly as a full disk)."""
    from gendan_xl.errors import StoreError

    m = mailer(Outbox(tmp_path / "outbox"), tmp_path / "data")
    m.store.conn.execute("PRAGMA max_page_count = 12")     # the disk is full after a few pages
    big = [Mail(to=f"ap{i}@customer.example", subject="对账单", text="x" * 20000, ref=f"C{i}") for i in range(5)]
    with pytest.raises(StoreError) as caught:
        m.send(big, job="statements", period="2026-10")
    line = str(caught.value)
    assert "\n" not in line and "is full" in line and str(tmp_path / "data") in line
    assert caught.value.exit_code == 3
