"""Settings: file, then environment; secrets only from the environment; one-line errors."""
from __future__ import annotations

import pytest

from gendan_xl.doors.settings import load_settings
from gendan_xl.errors import ConfigError


def write(tmp_path, text):
    p = tmp_path / "gendan.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_state_lives_in_gendan_home_or_the_user_data_folder_never_the_current_folder(tmp_path):
    import platformdirs

    s = load_settings(env={}, cwd=tmp_path)
    assert s.source is None and s.mail.transport == "outbox"
    home = platformdirs.user_data_path("gendan-xl", appauthor=False)
    assert (s.data_dir, s.out_dir, s.mail.outbox_dir) == (home / "data", home / "out", home / "outbox")
    s = load_settings(env={"GENDAN_HOME": str(tmp_path / "home")}, cwd=tmp_path)
    assert (s.data_dir, s.out_dir, s.mail.outbox_dir) == (tmp_path / "home" / "data", tmp_path / "home" / "out",
                                                          tmp_path / "home" / "outbox")
    assert s.origins == {}  # every setting is a default
    # a gendan.toml that names its folders wins, relative to itself
    write(tmp_path, '[paths]\ndata_dir = "state"\n[mail]\noutbox = "mails"\n')
    s = load_settings(env={"GENDAN_HOME": str(tmp_path / "home"), "GENDAN_SMTP_HOST": "mx"}, cwd=tmp_path)
    assert (s.data_dir, s.out_dir, s.mail.outbox_dir) == (tmp_path / "state", tmp_path / "home" / "out",
                                                          tmp_path / "mails")
    assert s.origins == {"paths.data_dir": "gendan.toml", "mail.outbox": "gendan.toml", "mail.host": "env"}


@pytest.mark.parametrize("text", ['[mail]\nport = "587"\n', "[mail]\nhost = 25\n", "[mail]\ntimeout = true\n"])
def test_mail_settings_are_checked_by_type(tmp_path, text):
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"\[mail\] \w+ must be (a number|text), not"):
        load_settings(env={}, cwd=tmp_path)


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
    ('[workbook]\nweekly = "sun-thu"\n', "one of mon-fri, mon-sat"),
    ('[mail]\nsmtp = "x"\n', "unknown key smtp in \\[mail\\]"),
    ('[mail]\ntransport = "pigeon"\n', "transport 'pigeon'"),
    ('[company]\nnmae = "x"\n', r"unknown key nmae in \[company\]; allowed: name, name_en"),
    ('[company]\nname = 3\n', r"\[company\] name must be text"),
    ('[company]\ntel = "1"\nphone = "2"\n', "tel and phone that differ"),
    ('[quotes]\nunit_places = 4\n', r"\[quotes\] unit_places must be a table"),
    ('[quotes]\nunit_places = { USD = "4" }\n', r"unit_places USD must be a whole number from 0 to 6"),
    ('[quotes]\nrates_max_age_days = -1\n', "must be 0 or more"),
    ('[review]\nsign_off = "PMC"\n', r"\[review\] sign_off must be a list"),
    ('[review]\nsign_off = ["PMC", 3]\n', "must list department names"),
    ('[workbook]\npaths = "a.xlsx"\n', r"\[workbook\] paths must be a list"),
    ("[workbook]\npaths = [1]\n", r"\[workbook\] paths must be a list of paths or globs"),
    ('[kpi]\nbasis = "money"\n', r"\[kpi\] basis must be one of line, quantity"),
    ('[watch]\npolling = "sometimes"\n', r"\[watch\] polling must be one of auto, always, never"),
    ('[watch]\nquiet = "2"\n', r"\[watch\] quiet must be a number"),
    ('[owners]\n"a.xlsx" = 3\n', r"\[owners\] maps a workbook to its merchandiser"),
])
def test_bad_settings_are_one_line(tmp_path, text, match):
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as info:
        load_settings(env={}, cwd=tmp_path)
    assert "\n" not in str(info.value)
    zh = info.value.message("zh")  # what a Chinese run prints: the same fix, in Chinese
    assert "\n" not in zh and zh != str(info.value)


def test_a_bad_setting_is_said_in_the_language_asked_for(tmp_path, monkeypatch, capsys):
    from gendan_xl.doors.cli import main

    write(tmp_path, '[workbook]\nweekly = "sun-thu"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["config"]) == 3
    assert "[workbook] weekly 应为 mon-fri, mon-sat 之一，而不是 'sun-thu'" in capsys.readouterr().err
    assert main(["--lang", "en", "config"]) == 3
    assert "[workbook] weekly must be one of mon-fri, mon-sat, not 'sun-thu'" in capsys.readouterr().err


def test_the_committed_sample_settings_load():
    from conftest import ROOT
    s = load_settings(ROOT / "workbooks" / "gendan.toml", env={})
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
    default = json.loads(capsys.readouterr().out)["result"]["counts"]["at_risk"]
    main(["--config", str(cfg), *argv])
    wide = json.loads(capsys.readouterr().out)["result"]["counts"]["at_risk"]
    main(["--config", str(cfg), *argv, "--warning-days", "3"])  # the flag beats the file
    flag = json.loads(capsys.readouterr().out)["result"]["counts"]["at_risk"]
    assert wide > default == flag


@pytest.mark.parametrize("text, match", [
    ('[columns]\nshiped_qty = ["已出数"]\n', r"\[columns\] has no field 'shiped_qty'; fields: order_no, customer,"),
    ('[columns]\nshipped_qty = 3\n', r'\[columns\] shipped_qty must be a list of header texts'),
    ('[statuses]\n"待料" = "waiting"\n', r"is not a stage; stages: new, confirmed, waiting_material,"),
    ('[status]\ndue = "ship"\n', r"\[status\] due must be one of customer, factory"),
    ('[status]\nbasis = "customer"\n', r"unknown key basis in \[status\]"),
])
def test_misspelt_fields_stages_and_due_bases_are_one_line_naming_the_allowed(tmp_path, text, match):
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as info:
        load_settings(env={}, cwd=tmp_path)
    assert "\n" not in str(info.value)


def test_columns_and_statuses_extend_the_vocabulary(tmp_path):
    write(tmp_path, '[columns]\nshipped_qty = ["交货数", "Qty Out"]\ncustomer_due_date = "客户船期"\n'
                    '[statuses]\n"等船" = "ready_to_ship"\n"已出货" = "partially_shipped"\n[status]\ndue = "factory"\n')
    s = load_settings(env={}, cwd=tmp_path)
    from gendan_xl.schema import match_header_row, match_headers
    assert match_headers(s.vocabulary.orders, ["交货数", "客户船期", "已出数"]) == {0: "shipped_qty",
                                                                              1: "customer_due_date"}
    assert match_header_row(s.vocabulary.orders, ["交货数", "Qty Out"]).duplicates == {"shipped_qty": (0, 1)}
    assert s.vocabulary.stage_of("等船") == "ready_to_ship"
    assert s.vocabulary.stage_of("已出货") == "partially_shipped"  # the user's word wins over ours
    assert s.due == "factory"


def test_the_settings_beside_the_workbook_win_over_the_current_folder(tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    write(here, '[workbook]\nweekly = "mon-fri"\n')
    write(there, '[workbook]\nweekly = "mon-sat"\n')
    assert load_settings(env={}, cwd=here, workbook=there / "orders.xlsx").weekly == "mon-sat"
    assert load_settings(env={}, cwd=here, workbook=tmp_path / "orders.xlsx").weekly == "mon-fri"
    assert load_settings(env={"GENDAN_CONFIG": str(here / "gendan.toml")}, cwd=there,
                         workbook=there / "orders.xlsx").weekly == "mon-fri"  # the variable still wins


def test_company_and_quote_settings(tmp_path):
    write(tmp_path, '[company]\nname = "恒达"\nphone = "0755-1"\nlogo = "img/logo.png"\nswift = "EXMPCNSZXXX"\n'
                    'email = "  "\n[quotes]\nunit_places = { usd = 3, CNY = 2 }\namount_places = 0\n'
                    'rates_max_age_days = 90\n[review]\nsign_off = ["业务", " PMC "]\n')
    s = load_settings(env={}, cwd=tmp_path)
    # phone is another name for tel; a blank value is no value; the logo's path follows the file
    assert s.company == {"name": "恒达", "tel": "0755-1", "logo": str(tmp_path / "img" / "logo.png"),
                         "swift": "EXMPCNSZXXX"}
    assert (s.unit_places, s.amount_places, s.rates_max_age_days) == ({"USD": 3, "CNY": 2}, 0, 90)
    assert s.review_sign_off == ("业务", "PMC")
    empty = load_settings(env={}, cwd=tmp_path / "nowhere")
    assert empty.company == {} and empty.unit_places == {} and empty.rates_max_age_days == 180
    assert empty.review_sign_off == ("PMC", "生产", "品质", "财务")


def test_the_team_workbooks_owners_kpi_and_watch(tmp_path):
    (tmp_path / "订单").mkdir()
    for name in ("张丽 订单.xlsx", "王芳.xlsx", "~$王芳.xlsx"):
        (tmp_path / "订单" / name).write_bytes(b"PK")
    write(tmp_path, '[workbook]\npath = "主表.xlsx"\npaths = ["订单/*.xlsx"]\n[owners]\n"王芳*.xlsx" = "王芳"\n'
                    '[kpi]\nbasis = "quantity"\n[watch]\nquiet = 0.5\npolling = "always"\nwith_jobs = true\n')
    s = load_settings(env={}, cwd=tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in s.team_workbooks()] == [
        "主表.xlsx", "订单/张丽 订单.xlsx", "订单/王芳.xlsx"]
    assert s.owner_of(tmp_path / "订单" / "王芳.xlsx") == "王芳" and s.owner_of(tmp_path / "x.xlsx") == ""
    assert (s.kpi_basis, s.watch_quiet, s.watch_polling, s.watch_with_jobs) == ("quantity", 0.5, "always", True)


def test_limits_are_read_and_checked(tmp_path):
    from gendan_xl.xlsx.source import DEFAULT_LIMITS

    assert load_settings(env={}, cwd=tmp_path).limits == DEFAULT_LIMITS
    write(tmp_path, "[limits]\nmax_part_mb = 512\nmax_ratio = 50\n")
    limits = load_settings(env={}, cwd=tmp_path).limits
    assert (limits.max_part_mb, limits.max_ratio, limits.ratio_from_mb) == (512, 50, DEFAULT_LIMITS.ratio_from_mb)
    write(tmp_path, "[limits]\nmax_ratio = 0\n")
    with pytest.raises(ConfigError, match=r"\[limits\]"):
        load_settings(env={}, cwd=tmp_path)
    write(tmp_path, "[limits]\nmax_size = 5\n")
    with pytest.raises(ConfigError, match="unknown key max_size"):
        load_settings(env={}, cwd=tmp_path)
