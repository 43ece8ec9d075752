"""Settings: one frozen object from `gendan.toml`, then `GENDAN_*` environment variables, then flags.

Every default lives here. Library functions never read this module, the environment or the clock: the
doors (cli, jobs, xl) load the settings once and pass what each function needs as arguments.
Secrets (the SMTP password) come only from the environment; a password in gendan.toml is refused.

The file is found at --config, else $GENDAN_CONFIG, else beside the workbook being worked on, else
./gendan.toml; without one the defaults apply. Every door (the command line, the jobs, the Excel button) looks
in that order, so a workbook gets the same answers whichever door opens it. Relative paths in the file are
relative to the file's folder.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from gendan_xl import defaults
from gendan_xl.errors import ConfigError
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary
from gendan_xl.status import DUE_BASES
from gendan_xl.delivery.mail import MailSettings, settings_from_env
from gendan_xl.xlsx.source import DEFAULT_LIMITS, Limits

CONFIG_NAME = "gendan.toml"


@dataclass(frozen=True)
class Settings:
    base: Path = Path(".")  # the folder relative paths start from
    workbook: Path = Path("workbooks/orders.xlsx")  # the master workbook the jobs work on
    quote_requests: tuple[Path, ...] = ()
    data_dir: Path = Path("data")  # SQLite: sent log, job state, quote log
    out_dir: Path = Path("build/out")  # generated quotes, statements, reports
    lang: str = defaults.LANG
    weekly: str = defaults.WEEKLY
    warning_days: int = defaults.WARNING_DAYS
    backups: int = defaults.BACKUPS
    due: str = defaults.DUE  # [status] due: the date every line is judged by, customer or factory
    vocabulary: Vocabulary = DEFAULT_VOCABULARY  # [columns] and [statuses]: the user's headers and words
    limits: Limits = DEFAULT_LIMITS  # [limits]: how big a workbook part may inflate (xlsx/source.py)
    company: Mapping[str, str] = field(default_factory=dict)
    mail: MailSettings = MailSettings()
    team_lead: str = ""
    admin: str = ""
    merchandisers: Mapping[str, str] = field(default_factory=dict)  # name → email
    good_news_mail: bool = True  # "nothing overdue" sends a short mail (False: no mail)
    source: Path | None = None  # the gendan.toml read, if any

    def path(self, p: Path | str) -> Path:
        p = Path(p)
        return p if p.is_absolute() else self.base / p


_SECTIONS = {
    "workbook": {"path": "workbook", "weekly": "weekly", "warning_days": "warning_days", "backups": "backups",
                 "lang": "lang"},
    "paths": {"data_dir": "data_dir", "out_dir": "out_dir"},
    "quotes": {"requests": "quote_requests"},
    "report": {"team_lead": "team_lead", "admin": "admin", "good_news_mail": "good_news_mail"},
    "status": {"due": "due"},
    "limits": {"max_part_mb": "max_part_mb", "max_ratio": "max_ratio"},
}
_TYPES = {"warning_days": int, "backups": int, "good_news_mail": bool, "quote_requests": list, "max_part_mb": int,
          "max_ratio": int}
_OTHER_SECTIONS = {"company", "mail", "merchandisers", "columns", "statuses"}


def _check_keys(doc: Mapping[str, Any], path: Path | None) -> None:
    """A misspelt section or key is an error, not a silently ignored line."""
    for section, body in doc.items():
        if section not in _SECTIONS and section not in _OTHER_SECTIONS:
            raise ConfigError(f"{path}: unknown section [{section}]; sections: "
                              f"{', '.join(sorted([*_SECTIONS, *_OTHER_SECTIONS]))}")
        if section in _SECTIONS and isinstance(body, Mapping):
            unknown = set(body) - set(_SECTIONS[section])
            if unknown:
                raise ConfigError(f"{path}: unknown key {', '.join(sorted(unknown))} in [{section}]; "
                                  f"allowed: {', '.join(_SECTIONS[section])}")


_MAIL_KEYS = {"transport": "transport", "outbox": "outbox_dir", "host": "host", "port": "port",
              "security": "security", "user": "user", "from": "sender", "timeout": "timeout"}
_PATHS = {"workbook", "data_dir", "out_dir"}


def find_config(explicit: str | Path | None, env: Mapping[str, str], cwd: Path,
                workbook: str | Path | None = None) -> Path | None:
    """--config, else $GENDAN_CONFIG, else gendan.toml beside the workbook, else in the current folder."""
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"{p}: no such config file")
        return p
    if env.get("GENDAN_CONFIG"):
        p = Path(env["GENDAN_CONFIG"])
        if not p.is_file():
            raise ConfigError(f"GENDAN_CONFIG={p}: no such file")
        return p
    places = ([Path(workbook).resolve().parent] if workbook is not None else []) + [cwd]
    return next((p for p in (folder / CONFIG_NAME for folder in places) if p.is_file()), None)


def load_settings(explicit: str | Path | None = None, *, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None, workbook: str | Path | None = None) -> Settings:
    """Defaults ← gendan.toml ← GENDAN_* variables. Raises ConfigError with one line naming the fix.
    `workbook`: the workbook a command works on, whose folder is searched for gendan.toml (find_config)."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    path = find_config(explicit, env, cwd, workbook)
    doc: dict[str, Any] = {}
    if path is not None:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix the line it names") from exc
    base = path.parent if path else cwd
    _check_keys(doc, path)
    values: dict[str, Any] = {"base": base, "source": path}
    for section, keys in _SECTIONS.items():
        for key, attr in keys.items():
            if key in doc.get(section, {}):
                value = doc[section][key]
                expected = _TYPES.get(attr, str)
                if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                    kind = {int: "a whole number", bool: "true or false", list: "a list"}.get(expected, "text")
                    raise ConfigError(f"{path}: [{section}] {key} must be {kind}, not {value!r}")
                if expected is int and value < 0:
                    raise ConfigError(f"{path}: [{section}] {key} must be 0 or more, not {value}")
                if attr in _PATHS:
                    value = Path(value)
                elif attr == "quote_requests":
                    value = tuple(Path(v) for v in value)
                values[attr] = value
    limits = {attr: values.pop(attr) for attr in ("max_part_mb", "max_ratio") if attr in values}
    if any(v < 1 for v in limits.values()):
        raise ConfigError(f"{path}: [limits] values must be 1 or more")
    values["limits"] = dataclasses.replace(DEFAULT_LIMITS, **limits)
    values["vocabulary"] = Vocabulary.of(doc.get("columns"), doc.get("statuses"), source=str(path))
    values["company"] = dict(doc.get("company", {}))
    mail_doc = dict(doc.get("mail", {}))
    if "password" in mail_doc:
        raise ConfigError(f"{path}: remove [mail] password; set GENDAN_SMTP_PASSWORD in the environment instead")
    values["merchandisers"] = dict(mail_doc.pop("merchandisers", {}) or doc.get("merchandisers", {}))
    mail_values = {attr: mail_doc[key] for key, attr in _MAIL_KEYS.items() if key in mail_doc}
    if "outbox_dir" in mail_values:
        mail_values["outbox_dir"] = Path(mail_values["outbox_dir"])
    unknown = set(mail_doc) - set(_MAIL_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown [mail] keys {', '.join(sorted(unknown))}; "
                          f"allowed: {', '.join(_MAIL_KEYS)}, merchandisers")
    mail = settings_from_env(env, MailSettings(**mail_values))
    if not mail.outbox_dir.is_absolute():
        mail = dataclasses.replace(mail, outbox_dir=base / mail.outbox_dir)
    values["mail"] = mail
    settings = Settings(**values)
    for attr in _PATHS:
        setattr_value = settings.path(getattr(settings, attr))
        settings = dataclasses.replace(settings, **{attr: setattr_value})
    settings = dataclasses.replace(settings, quote_requests=tuple(settings.path(p) for p in settings.quote_requests))
    if settings.lang not in ("zh", "en"):
        raise ConfigError(f"{path}: [workbook] lang must be zh or en, not {settings.lang!r}")
    if settings.weekly not in ("mon-fri", "mon-sat"):
        raise ConfigError(f"{path}: [workbook] weekly must be mon-fri or mon-sat, not {settings.weekly!r}")
    if settings.due not in DUE_BASES:
        raise ConfigError(f"{path}: [status] due must be {' or '.join(DUE_BASES)}, not {settings.due!r}")
    return settings
