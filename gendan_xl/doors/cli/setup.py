"""Commands about gendan-xl itself: where its settings come from, and a settings file to start from."""
from __future__ import annotations

import argparse
from pathlib import Path

from gendan_xl.doors.cli.base import EXIT_OK, command, print_result, print_table, settings_for


def _config_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workbook", type=Path, help="show the settings a command on this workbook would use")
    p.add_argument("--json", action="store_true", help="print the settings as JSON")


@command("config", "The settings in force, where each came from (gendan.toml, environment, default) and where "
         "state (sent log, quote numbers, outputs, outbox) lives.", "gendan-xl config --workbook 订单跟踪表.xlsx",
         _config_setup, wraps="describe_settings")
def cmd_config(args: argparse.Namespace) -> int:
    from gendan_xl.doors.settings import describe_settings

    doc = describe_settings(settings_for(args, args.workbook))
    if args.json:
        doc.pop("ok", None)
        print_result(args, doc)
        return EXIT_OK
    print(f"gendan.toml: {doc['source'] or '(none found: defaults)'}")
    print(f"state home:  {doc['home']}  ($GENDAN_HOME, else the user data folder)")
    print()
    print_table(("setting", "value", "from"), [(r["key"], r["value"], r["from"]) for r in doc["settings"]],
                max_width=70)
    return EXIT_OK


def _init_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, nargs="?", default=Path("."), help="where to write gendan.toml (default: here)")


@command("init", "Write a commented gendan.toml to start from (every setting shown with its default).",
         "gendan-xl init D:\\跟单\\2026", _init_setup, wraps="write_starter")
def cmd_init(args: argparse.Namespace) -> int:
    from gendan_xl.doors.settings import write_starter

    path = write_starter(args.folder)
    if args.json:
        print_result(args, {"created": str(path)}, written=[path], paths=[])
    else:
        print(path)
    return EXIT_OK
