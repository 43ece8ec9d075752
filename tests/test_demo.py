"""The README's main command: the whole job on the samples, into the outbox, then through a real SMTP
server with the GENDAN_SMTP_* variables — and a second run sends nothing new."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re

import pytest

from conftest import ROOT, Server
from test_mail_headers import internal_keys
from gendan_xl.doors.cli import main

TODAY = "2026-11-26"


@pytest.fixture
def config(tmp_path):
    cfg = tmp_path / "gendan.toml"
    # the sample settings, less the SMTP login: the loopback server takes mail without one
    text = (ROOT / "workbooks" / "gendan.toml").read_text(encoding="utf-8")
    cfg.write_text("\n".join(l for l in text.splitlines() if not l.startswith("user =")), encoding="utf-8")
    return cfg


def demo(cfg, out, capsys, *extra):
    code = main(["--config", str(cfg), "demo", "--out", str(out), "--today", TODAY, *extra])
    return code, capsys.readouterr()


def test_demo_writes_the_overdue_report_and_statements_into_the_outbox(config, tmp_path, capsys, monkeypatch):
    for var in ("GENDAN_MAIL_TRANSPORT", "GENDAN_SMTP_HOST", "GENDAN_SMTP_PORT", "GENDAN_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    code, cap = demo(config, tmp_path / "demo", capsys)
    assert code == 0, cap.err
    emls = sorted((tmp_path / "outbox").glob("*.eml"))
    msgs = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in emls]
    subjects = [m["subject"] for m in msgs]
    assert sum("交期日报" in s for s in subjects) == 5  # four merchandisers and the lead
    assert sum(("对账单" in s or "Statement of account" in s) for s in subjects) >= 10
    lead = next(m for m in msgs if m["to"] == "lead@hengda.example")
    from gendan_xl.books.master import load_master, status_of
    counts = status_of(load_master(ROOT / "workbooks" / "orders.xlsx"), today=dt.date(2026, 11, 26)).result.counts
    assert counts["overdue"] and counts["at_risk"]
    assert lead["subject"] == f"【交期日报】2026-11-26 逾期 {counts['overdue']} · 预警 {counts['at_risk']}"
    assert [a.get_filename() for a in lead.iter_attachments()] == ["交期日报-2026-11-26.xlsx"]
    # the workbook copies were refreshed, the quote was made, the messy sample was reported
    import python_calamine as pc
    for name in ("orders.xlsx", "orders.xlsm"):
        header = pc.CalamineWorkbook.from_path(str(tmp_path / "demo" / name)).get_sheet_by_name("订单").to_python()[2]
        assert "交期状态 / Lead-time status" in header, name
    assert list((tmp_path / "demo" / "quotes").glob("Q2026*.xlsx"))
    assert "orders_messy.xlsx: 200 行，14 个错误，1 个警告" in cap.out
    assert cap.err.count("2027 年没有官方节假日数据") == 1  # one run: every step meets it, it is said once


@pytest.mark.slow  # the whole demo twice through SMTP: ~40 s; CI runs it (pytest -m slow)
def test_demo_through_smtp_sends_once(config, tmp_path, capsys, monkeypatch):
    with Server() as server:
        monkeypatch.setenv("GENDAN_MAIL_TRANSPORT", "smtp")
        monkeypatch.setenv("GENDAN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GENDAN_SMTP_PORT", str(server.port))
        monkeypatch.setenv("GENDAN_SMTP_SECURITY", "none")
        code, cap = demo(config, tmp_path / "demo", capsys)
        assert code == 0, cap.err
        first = len(server.messages)
        assert first >= 15
        for _, _, msg in server.messages:   # every mail the demo sends reads as a company's mail
            text = msg.get_body(("plain",)).get_content()
            html = re.sub(r"<[^>]+>", " ", msg.get_body(("html",)).get_content())
            assert internal_keys(text) == [] and internal_keys(html) == [], msg["subject"]
            assert msg["from"].addresses[0].display_name and msg["date"].endswith("+0800"), msg["subject"]
            assert msg["reply-to"] or msg["to"] == "lead@hengda.example", msg["subject"]
        code, cap = demo(config, tmp_path / "demo2", capsys, "--json")
        assert code == 0
        assert len(server.messages) == first  # the second run sends nothing new
        assert "已跳过" in cap.err and "已发送 5" not in cap.err  # with --json the steps talk on stderr
        doc = json.loads(cap.out)  # and stdout is the one document
        assert doc["ok"] and doc["command"] == "demo" and doc["written"] == [str(tmp_path / "demo2")]
    assert not (tmp_path / "outbox").exists()
