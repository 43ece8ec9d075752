"""What every command shares: the registry, exit codes, output, dates and numbers on the command line,
the settings for a run and sending mail."""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from gendan_xl.errors import GendanError, UsageError
from gendan_xl.jsondoc import document
from gendan_xl.plaintext import text_table

EXIT_OK, EXIT_ISSUES, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3, 4


Handler = Callable[[argparse.Namespace], int]


COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser, str], None], Handler]] = {}  # setup(parser, lang)


WRAPS: dict[str, str] = {}  # command → the exported library function (gendan_xl.__all__) it is a door onto


def command(name: str, example: str, setup: Callable[[argparse.ArgumentParser], None], *, wraps: str):
    """Register a subcommand: `setup(parser)` adds its options; the decorated function runs it by calling the
    library function `wraps` (a name in gendan_xl.__all__, whose parameters the options are named after). Its
    help and its options' help are in i18n/help.py (`help_text`), in the run's language."""

    def full_setup(p: argparse.ArgumentParser, lang: str) -> None:
        p.description = help_text(f"command.{name}", lang)
        p.epilog = f"{help_text('argparse.example', lang)}\n  {example}"
        setup(p)
        p.add_argument("--json", action="store_true")  # every command speaks the one JSON contract
        for action in p._actions:
            if action.dest != "help":
                action.help = option_help(name, action.dest, lang)

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = (full_setup, handler)
        WRAPS[name] = wraps
        return handler

    return register


# a command whose options are another's plus its own looks its shared options up under that one
HELP_FROM = {"refresh": "status"}


def help_text(key: str, lang: str) -> str:
    from gendan_xl.i18n import say
    from gendan_xl.i18n.help import HELP

    return say(HELP, key, lang)


def option_help(command: str, dest: str, lang: str) -> str | None:
    """An option's help: the command's own, else that of the command it shares options with, else the one
    every command shares (tests/test_cli.py checks that every option has one)."""
    from gendan_xl.i18n.help import HELP

    for key in (f"{command}.{dest}", f"{HELP_FROM.get(command, '')}.{dest}", f"*.{dest}"):
        if key in HELP:
            return help_text(key, lang)
    return None


# --------------------------------------------------------------------------------------------- output


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, out=None, max_width: int = 60) -> None:
    print("\n".join(text_table([headers, *rows], rule=True, max_width=max_width)), file=out or sys.stdout)


def print_json(doc: Any) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))


# the options that name a command's inputs: what a JSON document lists under "paths"
INPUTS = ("path", "workbook", "request", "ours", "theirs", "stock", "orders")


def input_paths(args: argparse.Namespace) -> list[Path]:
    out: list[Path] = []
    for name in INPUTS:
        value = getattr(args, name, None)
        out += value if isinstance(value, list) else [value] if value is not None else []
    return out


def print_result(args: argparse.Namespace, result: Any, *, ok: bool = True, written: Sequence[Any] = (),
                 issues: Sequence[Any] = (), paths: Sequence[Any] | None = None) -> None:
    """The command's one JSON document (jsondoc.document): `result` under "result", the inputs, what was
    written, the findings."""
    print_json(document(args.command, ok=ok, paths=input_paths(args) if paths is None else paths, result=result,
                        written=written, issues=issues))


def split_result(doc: dict[str, Any], *outputs: str) -> tuple[dict[str, Any], bool, list[Any], list[Any]]:
    """A library result's dict taken apart for the contract: (result, ok, written, issues) — its "ok" and
    "issues" lifted out, the members named in `outputs` (paths of files it wrote) moved to written."""
    doc = dict(doc)
    ok = doc.pop("ok", True)
    issues = doc.pop("issues", [])
    written = [doc.pop(key) for key in outputs if key in doc]
    return doc, ok, [w for w in written if w], issues


def error_kind(exc: Exception) -> str:
    """An error's kind in JSON: its class, kebab-case ("UnusableWorkbookError" → "unusable-workbook")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(exc).__name__.removesuffix("Error")).lower()


def error_doc(exc: GendanError, lang: str) -> dict[str, Any]:
    return {"kind": error_kind(exc), "message": exc.message(lang), "exit_code": exc.exit_code}


def print_failure(args: argparse.Namespace | None, command: str | None, error: dict[str, Any]) -> None:
    """Under --json an error is a document too (ok false, the error), so a script reading stdout sees it."""
    print_json(document(command or "", ok=False, paths=input_paths(args) if args is not None else [], result=None,
                        error=error))


def note(text: str) -> None:
    print(text, file=sys.stderr)


def output_file(out: Path | None, *inputs: Path | None) -> Path | None:
    """A file we are asked to write: never one of the inputs, never a folder (our outputs are new files)."""
    if out is None:
        return None
    if out.is_dir():
        raise UsageError.said("out-is-folder", path=out)
    for src in inputs:
        if src is not None and out.exists() and src.exists() and out.resolve() == src.resolve():
            raise UsageError.said("out-is-input", path=out)
    return out


def output_dir(out: Path | None, *inputs: Path | None) -> Path | None:
    """A folder we write new files into: not an existing file, and so never one of the inputs."""
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError.said("out-is-file", path=out)
    return out


def non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def parse_day(text: str) -> dt.date:
    """A day as the workbook reader takes one: 2026-11-26, 2026/11/26, 2026.11.26, 2026年11月26日, 20261126."""
    from gendan_xl.values import parse_date

    text = text.strip()
    # a bare number is an Excel serial to the cell reader, but no one types a day like that on a command line
    day = None if text.isdigit() and len(text) != 8 else parse_date(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it like 2026-11-26 or 2026年11月26日")
    return day


def add_send_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--send", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--force", action="store_true")


def send_mails(settings, mails, *, job: str, period: str, args: argparse.Namespace, as_json: bool = False) -> int:
    """Send through the sent log; prints one line per mail and a summary (or the outcomes as JSON).
    Exit 1 when any mail is not through."""
    from gendan_xl.delivery.mail import open_mailer

    mailer = open_mailer(settings.mail, settings.data_dir)
    result = mailer.send(mails, job=job, period=period, force=args.force, dry_run=args.dry_run)
    if as_json:
        print_result(args, {"job": job, "period": period, "outcomes": [o.to_dict() for o in result.outcomes]},
                     ok=result.ok)
    else:
        print_outcomes(result.outcomes, run_lang(args, settings))
    return EXIT_OK if result.ok else EXIT_ISSUES


def chosen_lang(args: argparse.Namespace, settings=None) -> str | None:
    """The language this run was asked for: --lang, else [workbook] lang in gendan.toml, else the system's
    locale; None when none says. A command about a workbook then speaks its headers' language; the rest
    speak Chinese (defaults.LANG). One language per run: whatever is chosen here is used for every table,
    summary, note and error of the run."""
    from gendan_xl.doors.settings import CONFIG_NAME, system_lang

    if getattr(args, "lang", None):
        return args.lang
    if settings is not None and settings.origins.get("workbook.lang") == CONFIG_NAME:
        return settings.lang
    return system_lang()


def run_lang(args: argparse.Namespace, settings=None) -> str:
    """`chosen_lang`, else Chinese: for commands whose words do not depend on a workbook's headers."""
    from gendan_xl import defaults

    return chosen_lang(args, settings) or defaults.LANG


def add_lang(p: argparse.ArgumentParser) -> None:
    """--lang after the command too (`gendan-xl validate x.xlsx --lang en`); without it, the one before the
    command (or the run's default) stands."""
    p.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS)


def print_outcomes(outcomes, lang: str) -> None:
    """One line per mail — its state in the run's language, whom, what — then the count of each state."""
    from gendan_xl.delivery.mail import counted

    for o in outcomes:
        print(o.line(said(f"mail.{o.state}", lang)))
    print(counted(outcomes, lang))


def calendar_options(args: argparse.Namespace, settings) -> dict:
    """--warning-days, --weekly and --due, else what gendan.toml says."""
    return {"warning_days": settings.warning_days if args.warning_days is None else args.warning_days,
            "weekly": args.weekly or settings.weekly, "due": args.due or settings.due}


def settings_for(args: argparse.Namespace, workbook: Path | None = None):
    """The settings for this run: --config, $GENDAN_CONFIG, gendan.toml beside `workbook`, or ./gendan.toml."""
    from gendan_xl.doors.settings import load_settings

    settings = load_settings(getattr(args, "config", None), workbook=workbook)
    args.settings_loaded = settings  # the door says a failure in the language these settings choose
    return settings


SAID: set[str] = set()  # the findings already printed in this run (the demo's steps are one run)


def print_issues(issues, lang: str) -> None:
    """Each finding once per run, on stderr, its severity in the run's language: the calendar warning of a
    year without official holidays, met by every step of a run, is said once."""
    from gendan_xl.i18n import say
    from gendan_xl.i18n.documents import SEVERITY
    from gendan_xl.i18n.terminal import CLI

    for issue in issues:
        line = say(CLI, "note.issue", lang, severity=say(SEVERITY, issue.severity, lang), text=issue)
        if line not in SAID:
            SAID.add(line)
            note(line)


def warn(key: str, lang: str, **fields: Any) -> None:
    """A warning note (CLI's `key`), in the run's language."""
    from gendan_xl.i18n import say
    from gendan_xl.i18n.documents import SEVERITY
    from gendan_xl.i18n.terminal import CLI

    note(say(CLI, "note.issue", lang, severity=say(SEVERITY, "warning", lang), text=say(CLI, key, lang, **fields)))


def said(key: str, lang: str, **fields: Any) -> str:
    from gendan_xl.i18n import say
    from gendan_xl.i18n.terminal import CLI

    return say(CLI, key, lang, **fields)


@functools.cache
def _tqdm() -> type:
    """tqdm's bar without its monitor thread (a process with another thread forks no writer), imported only
    when a bar is drawn."""
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[type-arg]
        monitor_interval = 0

    return Bar


class ProgressBar:
    """Progress on stderr for work that takes more than about two seconds (tqdm draws nothing before that),
    as a callback the library takes: `progress(stage, done, total)`. Silent when stderr is not a terminal (a
    cron log, a pipe) or with --quiet. Use as a context manager so the bar is cleared at the end."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = _tqdm()(total=total, desc=stage, unit=" rows", unit_scale=True, delay=2, leave=False,
                                file=sys.stderr, dynamic_ncols=True)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def progress_for(args: argparse.Namespace) -> ProgressBar:
    return ProgressBar(not getattr(args, "quiet", False) and sys.stderr.isatty())
