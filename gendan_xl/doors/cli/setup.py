"""Commands about gendan-xl itself: where its settings come from, and a settings file to start from."""
from __future__ import annotations

import argparse
from pathlib import Path

from gendan_xl.doors.cli.base import EXIT_OK, command, print_result, print_table, run_lang, said, settings_for


def _config_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workbook", type=Path)


@command("config", "gendan-xl config --workbook 订单跟踪表.xlsx",
         _config_setup, wraps="describe_settings")
def cmd_config(args: argparse.Namespace) -> int:
    from gendan_xl.doors.settings import describe_settings

    settings = settings_for(args, args.workbook)
    doc = describe_settings(settings)
    if args.json:
        doc.pop("ok", None)
        print_result(args, doc)
        return EXIT_OK
    lang = run_lang(args, settings)
    print(said("config.source", lang, source=doc["source"] or said("config.none", lang)))
    print(said("config.home", lang, home=doc["home"]))
    print()
    shown = {v: said(f"config.{v}", lang) for v in ("(set)", "(not set)", "(none)", "default")}
    print_table([said(f"config.{k}", lang) for k in ("setting", "value", "from")],
                [(r["key"], shown.get(r["value"], r["value"]) if isinstance(r["value"], str) else r["value"],
                  shown.get(r["from"], r["from"])) for r in doc["settings"]], max_width=70)
    return EXIT_OK


def _init_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, nargs="?", default=Path("."))


@command("init",
         "gendan-xl init D:\\跟单\\2026", _init_setup, wraps="write_starter")
def cmd_init(args: argparse.Namespace) -> int:
    from gendan_xl.doors.settings import write_starter

    path = write_starter(args.folder)
    if args.json:
        print_result(args, {"created": str(path)}, written=[path], paths=[])
    else:
        print(path)
    return EXIT_OK
