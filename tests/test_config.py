"""Settings: file, then environment; secrets only from the environment; one-line errors."""
from __future__ import annotations

import pytest

from gendan_xl.doors.settings import load_settings
from gendan_xl.errors import ConfigError


def write(tmp_path, text):
    p = tmp_path / "gendan.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file(tmp_path):
    s = load_settings(env={}, cwd=tmp_path)
    assert s.source is None and s.mail.transport == "outbox" and s.data_dir == tmp_path / "data"


def test_file_then_environment(tmp_path):
    write(tmp_path, '[workbook]\npath = "books/o.xlsx"\nweekly = "mon-sat"\n[mail]\ntransport = "outbox"\n'
                    'host = "mail.a"\n[mail.merchandisers]\n"张丽" = "zl@a"\n')
    s = load_settings(env={"GENDAN_MAIL_TRANSPORT": "smtp", "GENDAN_SMTP_HOST": "127.0.0.1",
                           "GENDAN_SMTP_PORT": "2525", "GENDAN_SMTP_PASSWORD": "s3cret"}, cwd=tmp_path)
    assert s.workbook == tmp_path / "books" / "o.xlsx" and s.weekly == "mon-sat"
    assert (s.mail.transport, s.mail.host, s.mail.port, s.mail.password) == ("smtp", "127.0.0.1", 2525, "s3cret")
    assert s.merchandisers == {"张丽": "zl@a"}
    assert "s3cret" not in repr(s)


def test_password_in_the_file_is_refused(tmp_path):
    write(tmp_path, '[mail]\npassword = "oops"\n')
    with pytest.raises(ConfigError, match="GENDAN_SMTP_PASSWORD"):
        load_settings(env={}, cwd=tmp_path)


@pytest.mark.parametrize("text, match", [
    ("[workbook\n", "not valid TOML"),
    ('[workbook]\nweekly = "sun-thu"\n', "mon-fri or mon-sat"),
    ('[mail]\nsmtp = "x"\n', "unknown \\[mail\\] keys smtp"),
    ('[mail]\ntransport = "pigeon"\n', "transport 'pigeon'"),
])
def test_bad_settings_are_one_line(tmp_path, text, match):
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as info:
        load_settings(env={}, cwd=tmp_path)
    assert "\n" not in str(info.value)


def test_the_committed_sample_settings_load():
    from conftest import ROOT
    s = load_settings(ROOT / "gendan.toml", env={})
    assert s.workbook.name == "orders.xlsx" and s.team_lead and s.merchandisers


@pytest.mark.parametrize("text, match", [
    ('[workbook]\nwarning_days = "three"\n', r"\[workbook\] warning_days must be a whole number"),
    ('[workbook]\nbackups = -1\n', "must be 0 or more"),
    ('[workbook]\nwekly = "mon-sat"\n', r"unknown key wekly in \[workbook\]"),
    ('[wrokbook]\npath = "x.xlsx"\n', r"unknown section \[wrokbook\]"),
    ('[report]\ngood_news_mail = "yes"\n', "must be true or false"),
])
def test_wrong_types_and_misspelt_keys_are_refused(tmp_path, text, match):
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=match):
        load_settings(env={}, cwd=tmp_path)


def test_status_follows_the_settings_file(tmp_path, capsys):
    from conftest import WORKBOOKS
    from gendan_xl.doors.cli import main

    cfg = write(tmp_path, "[workbook]\nwarning_days = 30\n")
    argv = ["status", str(WORKBOOKS / "orders.xlsx"), "--today", "2026-11-26", "--json"]
    import json
    main(argv)
    default = json.loads(capsys.readouterr().out)["counts"]["at_risk"]
    main(["--config", str(cfg), *argv])
    wide = json.loads(capsys.readouterr().out)["counts"]["at_risk"]
    main(["--config", str(cfg), *argv, "--warning-days", "3"])  # the flag beats the file
    flag = json.loads(capsys.readouterr().out)["counts"]["at_risk"]
    assert wide > default == flag
