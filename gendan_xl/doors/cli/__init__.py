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

from gendan_xl.doors.cli import delivery, documents, orders, setup  # noqa: F401  (each registers its commands)
from gendan_xl.doors.cli.base import COMMANDS, EXIT_BUG, EXIT_OK, EXIT_USAGE, _HELP, error_doc, print_failure
from gendan_xl import __version__
from gendan_xl.errors import GendanError


class CommandLineError(Exception):
    """argparse's usage error, raised instead of exiting so the door can say it in JSON too."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser, self.message = parser, message


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise CommandLineError(self, message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except CommandLineError as exc:  # exit 2, as argparse would, with its usage line
        exc.parser.print_usage(sys.stderr)
        print(f"{exc.parser.prog}: error: {exc.message}", file=sys.stderr)
        if as_json:
            print_failure(None, exc.parser.prog.removeprefix(parser.prog).strip(),
                          {"kind": "usage", "message": exc.message, "exit_code": EXIT_USAGE})
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    handler = COMMANDS[args.command][1]
    try:
        return handler(args)
    except GendanError as exc:  # UsageError (2) and the unusable-input kinds (3) carry their exit code
        print(f"gendan-xl: {exc}", file=sys.stderr)
        if as_json:
            print_failure(args, args.command, error_doc(exc))
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
        if as_json:
            print_failure(args, args.command, {"kind": "internal", "message": f"{type(exc).__name__}: {exc}",
                                               "exit_code": EXIT_BUG})
        return EXIT_BUG

if __name__ == "__main__":
    sys.exit(main())
