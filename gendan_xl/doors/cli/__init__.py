"""`gendan-xl`: the command line, a thin door onto the library.

Exit codes: 0 done and clean; 1 done, error-level issues found; 2 usage error; 3 unusable input
(a GendanError, one line); 4 a bug (one line; --debug shows the traceback).
stdout carries results (a table and a summary line, or one JSON document with --json); notes go to stderr.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import Sequence

from gendan_xl.doors.cli import delivery, documents, orders, setup, team  # noqa: F401  (each registers its commands)
from gendan_xl.doors.cli.base import COMMANDS, EXIT_BUG, EXIT_OK, EXIT_USAGE, _HELP
from gendan_xl import __version__
from gendan_xl.errors import GendanError

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gendan-xl",
        description="Excel-first tools for order merchandisers: validate, status, refresh, quotes, statements.",
        epilog="example:\n  gendan-xl validate workbooks/orders.xlsx",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"gendan-xl {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr (it is silent when not a terminal)")
    parser.add_argument("--config", type=Path, help="settings file (default: $GENDAN_CONFIG, else gendan.toml beside "
                        "the workbook, else ./gendan.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (add_options, _) in COMMANDS.items():
        add_options(sub.add_parser(name, help=_HELP[name]))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    handler = COMMANDS[args.command][1]
    try:
        return handler(args)
    except GendanError as exc:  # UsageError (2) and the unusable-input kinds (3) carry their exit code
        print(f"gendan-xl: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gendan-xl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `gendan-xl status --json | head`: the reader left, nothing is wrong
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except Exception as exc:  # the door: one line, not a traceback (unless --debug)
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"gendan-xl: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)",
              file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
