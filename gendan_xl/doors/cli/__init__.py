"""`gendan-xl`: the command line, a thin door onto the library.

Exit codes: 0 done and clean; 1 done, error-level issues found; 2 usage error; 3 unusable input
(a GendanError, one line); 4 a bug (one line; --debug shows the traceback).
stdout carries results (a table and a summary line, or one JSON document with --json); notes go to stderr.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Sequence

from gendan_xl.doors.cli import delivery, documents, orders, setup, team  # noqa: F401  (each registers its commands)
from gendan_xl.doors.cli.base import (COMMANDS, EXIT_BUG, EXIT_OK, EXIT_USAGE, SAID, error_doc, help_text,
                                      chosen_lang, print_failure, run_lang, said)
from gendan_xl import __version__, defaults
from gendan_xl.doors.settings import load_settings
from gendan_xl.errors import GendanError
from gendan_xl.i18n import LANGS
from gendan_xl.i18n.help import USAGE_ERRORS_ZH


class CommandLineError(Exception):
    """argparse's usage error, raised instead of exiting so the door can say it in JSON too."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser, self.message = parser, message


class Parser(argparse.ArgumentParser):
    """argparse in the run's language: its headings, the usage prefix and -h say what i18n/help.py says."""

    def __init__(self, *args, lang: str = defaults.LANG, **kwargs):
        kwargs.setdefault("formatter_class", _formatter(lang))
        kwargs["add_help"] = False  # our own -h below, in the run's language
        super().__init__(*args, **kwargs)
        self.lang = lang
        self._positionals.title = help_text("argparse.positionals", lang)
        self._optionals.title = help_text("argparse.options", lang)
        self.add_argument("-h", "--help", action="help", help=help_text("argparse.help", lang))

    def error(self, message: str):  # type: ignore[override]
        raise CommandLineError(self, usage_error(message, self.lang))


def usage_error(message: str, lang: str) -> str:
    """argparse's usage error (always English) in the run's language, where i18n/help.py knows its shape."""
    if lang == "zh":
        for pattern, zh in USAGE_ERRORS_ZH:
            m = re.fullmatch(pattern, message)
            if m:
                return zh.format(**m.groupdict())
    return message


def _formatter(lang: str) -> type[argparse.HelpFormatter]:
    class Formatter(argparse.RawDescriptionHelpFormatter):
        def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
            # argparse passes prefix "" when it builds a subcommand's prog: only the default one is ours
            super().add_usage(usage, actions, groups, help_text("argparse.usage", lang) if prefix is None else prefix)

    return Formatter


def help_lang(argv: Sequence[str]) -> str:
    """The language of --help and of a usage error, known before the arguments are parsed: --lang, else
    [workbook] lang of the gendan.toml --config or $GENDAN_CONFIG or ./gendan.toml names, else the system's."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv) and argv[k + 1] in LANGS:
            return argv[k + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGS:
            return arg[7:]
    try:
        config = next((argv[k + 1] for k, arg in enumerate(argv[:-1]) if arg == "--config"), None)
        return run_lang(argparse.Namespace(lang=None), load_settings(config))
    except GendanError:  # a broken gendan.toml is reported by the command itself
        return run_lang(argparse.Namespace(lang=None))


def build_parser(lang: str = defaults.LANG) -> argparse.ArgumentParser:
    parser = Parser(prog="gendan-xl", lang=lang, description=help_text("program", lang),
                    epilog=f"{help_text('argparse.example', lang)}\n  gendan-xl validate workbooks/orders.xlsx")
    parser.add_argument("--version", action="version", version=f"gendan-xl {__version__}",
                        help=help_text("top.version", lang))
    for flag, kw in (("--debug", {"action": "store_true"}), ("--quiet", {"action": "store_true"}),
                     ("--config", {"type": Path}), ("--lang", {"choices": LANGS})):
        parser.add_argument(flag, help=help_text(f"top.{flag[2:]}", lang), **kw)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=help_text("argparse.commands", lang))
    for name, (add_options, _) in COMMANDS.items():
        add_options(sub.add_parser(name, help=help_text(f"command.{name}", lang), lang=lang), lang)
    return parser


_depth = 0  # the demo runs commands through main: its steps are one run (each warning said once)


def main(argv: Sequence[str] | None = None) -> int:
    global _depth
    if _depth == 0:
        SAID.clear()
    _depth += 1
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    finally:
        _depth -= 1


def _run(argv: list[str]) -> int:
    as_json = "--json" in argv
    lang = help_lang(argv)
    parser = build_parser(lang)
    try:
        args = parser.parse_args(argv)
    except CommandLineError as exc:  # exit 2, as argparse would, with its usage line
        exc.parser.print_usage(sys.stderr)
        colon = "：" if lang == "zh" else ": "
        print(f"{exc.parser.prog}: {help_text('argparse.error', lang)}{colon}{exc.message}", file=sys.stderr)
        if as_json:
            named = exc.parser.prog.removeprefix(parser.prog).strip()  # the top parser's error: find the command
            print_failure(None, named or next((a for a in argv if a in COMMANDS), ""),
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
        # the command's own settings (gendan.toml beside its workbook) may choose what help_lang could not see
        lang = chosen_lang(args, getattr(args, "settings_loaded", None)) or lang
        print(f"gendan-xl: {exc.message(lang)}", file=sys.stderr)
        if as_json:
            print_failure(args, args.command, error_doc(exc, lang))
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"gendan-xl: {said('error.interrupted', lang)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `gendan-xl status --json | head`: the reader left, nothing is wrong
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except Exception as exc:  # the door: one line, not a traceback (unless --debug)
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"gendan-xl: {said('error.internal', lang, error=f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
        if as_json:
            print_failure(args, args.command, {"kind": "internal", "message": f"{type(exc).__name__}: {exc}",
                                               "exit_code": EXIT_BUG})
        return EXIT_BUG

if __name__ == "__main__":
    sys.exit(main())
