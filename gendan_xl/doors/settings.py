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
from gendan_xl.books.company import BANK_KEYS, COMPANY_KEYS
from gendan_xl.errors import ConfigError, UsageError
from gendan_xl.jsondoc import AMOUNT_PLACES  # not from pricing: start-up of every command would import it
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary, normalize_currency
from gendan_xl.status import DUE_BASES
from gendan_xl.delivery.mail_settings import ENV_FIELDS, MailSettings, settings_from_env
from gendan_xl.xlsx.source import DEFAULT_LIMITS, Limits

CONFIG_NAME = "gendan.toml"


@dataclass(frozen=True)
class Settings:
    base: Path = Path(".")  # the folder relative paths start from: the gendan.toml's
    workbook: Path | None = None  # the master workbook the jobs work on ([workbook] path)
    workbook_paths: tuple[str, ...] = ()  # [workbook] paths: the team's workbooks, paths and globs
    owners: Mapping[str, str] = field(default_factory=dict)  # [owners] file name, path or glob → merchandiser
    quote_requests: tuple[Path, ...] = ()
    unit_places: Mapping[str, int] = field(default_factory=dict)  # [quotes] currency → unit price decimals
    amount_places: int = AMOUNT_PLACES  # [quotes] decimals of an amount on a quote
    rates_max_age_days: int = defaults.RATES_MAX_AGE_DAYS  # [quotes] warn on an older rebate-rate table
    review_sign_off: tuple[str, ...] = defaults.REVIEW_SIGN_OFF  # [review] sign_off: who signs the review form
    home: Path = Path(".")  # where state lives when gendan.toml does not say: $GENDAN_HOME, else the user data folder
    data_dir: Path = Path("data")  # SQLite: sent log, job state, quote log (default: <home>/data)
    out_dir: Path = Path("out")  # generated quotes, statements, reports (default: <home>/out)
    lang: str = defaults.LANG
    weekly: str = defaults.WEEKLY
    warning_days: int = defaults.WARNING_DAYS
    backups: int = defaults.BACKUPS
    due: str = defaults.DUE  # [status] due: the date every line is judged by, customer or factory
    vocabulary: Vocabulary = DEFAULT_VOCABULARY  # [columns] and [statuses]: the user's headers and words
    limits: Limits = DEFAULT_LIMITS  # [limits]: how big a workbook part may inflate (xlsx/source.py)
    company: Mapping[str, str] = field(default_factory=dict)  # [company]: who quotes and statements are from
    mail: MailSettings = MailSettings()
    team_lead: str = ""
    admin: str = ""
    merchandisers: Mapping[str, str] = field(default_factory=dict)  # name → email
    good_news_mail: bool = True  # "nothing overdue" sends a short mail (False: no mail)
    kpi_basis: str = defaults.KPI_BASIS  # [kpi] basis: the on-time rate by line or by quantity
    watch_quiet: float = defaults.WATCH_QUIET  # [watch] quiet: seconds a saved workbook stays still before a refresh
    watch_polling: str = defaults.WATCH_POLLING  # [watch] polling: auto, always or never
    watch_poll_seconds: float = defaults.WATCH_POLL_SECONDS  # [watch] poll_seconds
    watch_with_jobs: bool = False  # [watch] with_jobs: `jobs schedule` watches too
    source: Path | None = None  # the gendan.toml read, if any
    origins: Mapping[str, str] = field(default_factory=dict)  # "section.key" → "gendan.toml" | "env" | "default"

    def path(self, p: Path | str) -> Path:
        p = Path(p)
        return p if p.is_absolute() else self.base / p

    @property
    def team_patterns(self) -> list[str]:
        """[workbook] path, then [workbook] paths: what names the team's workbooks (paths and globs)."""
        return ([str(self.workbook)] if self.workbook is not None else []) + list(self.workbook_paths)

    def team_workbooks(self) -> list[Path]:
        """The team's workbooks as they are now (globs matched again at each call)."""
        from gendan_xl.books.team import workbook_paths

        return workbook_paths(self.team_patterns, self.base)

    def owner_of(self, workbook: Path) -> str:
        """The merchandiser a workbook belongs to ([owners]), for its lines with no 跟单员."""
        from gendan_xl.books.team import owner_of

        return owner_of(workbook, self.owners, self.base)


_SECTIONS = {
    "workbook": {"path": "workbook", "paths": "workbook_paths", "weekly": "weekly", "warning_days": "warning_days",
                 "backups": "backups", "lang": "lang"},
    "paths": {"data_dir": "data_dir", "out_dir": "out_dir"},
    "quotes": {"requests": "quote_requests", "unit_places": "unit_places", "amount_places": "amount_places",
               "rates_max_age_days": "rates_max_age_days"},
    "report": {"team_lead": "team_lead", "admin": "admin", "good_news_mail": "good_news_mail"},
    "status": {"due": "due"},
    "review": {"sign_off": "review_sign_off"},
    "kpi": {"basis": "kpi_basis"},
    "watch": {"quiet": "watch_quiet", "polling": "watch_polling", "poll_seconds": "watch_poll_seconds",
              "with_jobs": "watch_with_jobs"},
    "limits": {"max_part_mb": "max_part_mb", "max_ratio": "max_ratio"},
}
_TYPES: dict[str, Any] = {"warning_days": int, "backups": int, "good_news_mail": bool, "quote_requests": list,
          "unit_places": dict, "amount_places": int, "rates_max_age_days": int, "review_sign_off": list,
          "workbook_paths": list, "watch_quiet": (int, float), "watch_poll_seconds": (int, float),
          "watch_with_jobs": bool, "max_part_mb": int, "max_ratio": int}
_OTHER_SECTIONS = {"company", "mail", "merchandisers", "columns", "statuses", "owners"}


def _check_keys(doc: Mapping[str, Any], path: Path | None) -> None:
    """A misspelt section or key is an error, not a silently ignored line."""
    for section, body in doc.items():
        if section not in _SECTIONS and section not in _OTHER_SECTIONS:
            raise ConfigError.said("cfg-unknown-section", path=path, section=section,
                                   sections=", ".join(sorted([*_SECTIONS, *_OTHER_SECTIONS])))
        if section in _SECTIONS and isinstance(body, Mapping):
            unknown = set(body) - set(_SECTIONS[section])
            if unknown:
                raise ConfigError.said("cfg-unknown-keys", path=path, section=section, keys=", ".join(sorted(unknown)),
                                       allowed=", ".join(_SECTIONS[section]))


def _unit_places(table: Mapping[str, Any], path: Path | None) -> dict[str, int]:
    """[quotes] unit_places = { USD = 4, EUR = 4, CNY = 2 }: a currency code to the decimals of its prices."""
    out = {}
    for code, places in table.items():
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 6:
            raise ConfigError.said("cfg-unit-places", path=path, code=code, value=places)
        out[normalize_currency(code)] = places
    return out


def _company(body: Any, path: Path | None, base: Path) -> dict[str, str]:
    """[company]: text values of the known keys (`phone` is another name for `tel`); the logo's path is
    relative to the settings file's folder, like every path in it."""
    if not isinstance(body, Mapping):
        raise ConfigError.said("cfg-company-table", path=path)
    allowed = (*COMPANY_KEYS, "phone", *BANK_KEYS)
    unknown = set(body) - set(allowed)
    if unknown:
        raise ConfigError.said("cfg-unknown-keys", path=path, section="company", keys=", ".join(sorted(unknown)),
                               allowed=", ".join(allowed))
    for key, value in body.items():
        if not isinstance(value, str):
            raise ConfigError.said("cfg-must-be-text", path=path, section="company", key=key, value=value)
    company = {key: value.strip() for key, value in body.items() if value.strip()}
    if "phone" in company:
        phone = company.pop("phone")
        if company.setdefault("tel", phone) != phone:
            raise ConfigError.said("cfg-tel-phone", path=path)
    if company.get("logo"):
        company["logo"] = str(base / company["logo"])  # an absolute path stays as it is
    return company


_MAIL_KEYS = {"transport": "transport", "outbox": "outbox_dir", "host": "host", "port": "port",
              "security": "security", "user": "user", "from": "sender", "timeout": "timeout",
              "send_budget": "send_budget", "allow_plaintext_login": "allow_plaintext_login",
              "from_name": "from_name", "reply_to": "reply_to", "customer_reply_to": "customer_reply_to",
              "timezone": "timezone", "statement_files": "statement_files"}
# every other [mail] key is text
_MAIL_TYPES: dict[str, Any] = {"port": int, "timeout": (int, float), "send_budget": (int, float),
                               "allow_plaintext_login": bool, "statement_files": list}
_PATHS = {"workbook", "data_dir", "out_dir"}


def _mail_defaults(mail: Mapping[str, Any], company: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, str]:
    """Who the mails are from and where answers go, when [mail] does not say. From's display name is the
    company's, in each mail's language. Answers to our own people's mails (reports, review notices, job
    mails) go to the team lead, who owns what they say, else the admin; a customer's answer goes to the
    customer's merchandiser or [company] email (doors.wiring.statement_mails), never to the robot's mailbox."""
    out: dict[str, str] = {}
    if not mail.get("from_name"):
        out["from_name"] = company.get("name", "") or company.get("name_en", "")
        out["from_name_en"] = company.get("name_en", "") or company.get("name", "")
    if "reply_to" not in mail:
        out["reply_to"] = values.get("team_lead") or values.get("admin") or ""
    return out


def find_config(explicit: str | Path | None, env: Mapping[str, str], cwd: Path,
                workbook: str | Path | None = None) -> Path | None:
    """--config, else $GENDAN_CONFIG, else gendan.toml beside the workbook, else in the current folder."""
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError.said("cfg-no-file", path=p)
        return p
    if env.get("GENDAN_CONFIG"):
        p = Path(env["GENDAN_CONFIG"])
        if not p.is_file():
            raise ConfigError.said("cfg-env-no-file", path=p)
        return p
    places = ([Path(workbook).resolve().parent] if workbook is not None else []) + [cwd]
    return next((p for p in (folder / CONFIG_NAME for folder in places) if p.is_file()), None)


def system_lang(env: Mapping[str, str] | None = None) -> str | None:
    """zh or en as the system's locale says — LC_ALL, LC_MESSAGES, LANG (POSIX) or the user's locale (Windows,
    macOS) — or None when it says nothing (unset, C, POSIX). Any Chinese locale is zh; any other language en."""
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            break
    else:
        import locale

        value = locale.getlocale()[0] or ""  # Windows: 'Chinese (Simplified)_China'
    name = value.split(".")[0].strip().lower()
    if name in ("", "c", "posix"):
        return None
    return "zh" if name.startswith("zh") or name.startswith("chinese") else "en"


def state_home(env: Mapping[str, str]) -> Path:
    """Where the sent log, job state, quote numbers, outputs and outbox live when gendan.toml names no
    folder: $GENDAN_HOME, else the platform's user data folder (~/.local/share/gendan-xl, %LOCALAPPDATA%\\gendan-xl,
    ~/Library/Application Support/gendan-xl). Never the current folder by accident: quote numbers kept there
    would start again at 0001 in every folder a command is run from."""
    if env.get("GENDAN_HOME"):
        return Path(env["GENDAN_HOME"]).expanduser()
    import platformdirs

    return platformdirs.user_data_path("gendan-xl", appauthor=False)


def load_settings(explicit: str | Path | None = None, *, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None, workbook: str | Path | None = None) -> Settings:
    """Defaults ← gendan.toml ← GENDAN_* variables. Raises ConfigError with one line naming the fix.
    `workbook`: the workbook a command works on, whose folder is searched for gendan.toml (find_config).
    `origins` records where each setting came from (the `config` command prints it)."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    path = find_config(explicit, env, cwd, workbook)
    doc: dict[str, Any] = {}
    if path is not None:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError.said("cfg-bad-toml", path=path, why=exc) from exc
    base = path.parent if path else cwd
    _check_keys(doc, path)
    home = state_home(env)
    origins: dict[str, str] = {}
    values: dict[str, Any] = {"base": base, "source": path, "home": home, "origins": origins,
                              "data_dir": home / "data", "out_dir": home / "out"}
    for section, keys in _SECTIONS.items():
        for key, attr in keys.items():
            if key in doc.get(section, {}):
                value = doc[section][key]
                expected = _TYPES.get(attr, str)
                if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                    kind = {int: "int", bool: "bool", list: "list", dict: "table", (int, float): "number"}.get(expected,
                                                                                                         "text")
                    raise ConfigError.said(f"cfg-must-be-{kind}", path=path, section=section, key=key, value=value)
                if expected in (int, (int, float)) and value < 0:
                    raise ConfigError.said("cfg-at-least-0", path=path, section=section, key=key, value=value)
                if attr in _PATHS:
                    value = Path(value)
                elif attr == "quote_requests":
                    value = tuple(Path(v) for v in value)
                elif attr == "unit_places":
                    value = _unit_places(value, path)
                elif attr == "review_sign_off":
                    if not all(isinstance(v, str) and v.strip() for v in value):
                        raise ConfigError.said("cfg-sign-off", path=path, value=value)
                    value = tuple(v.strip() for v in value)
                elif attr == "workbook_paths":
                    if not all(isinstance(v, str) for v in value):
                        raise ConfigError.said("cfg-paths", path=path)
                    value = tuple(value)
                values[attr] = value
                origins[f"{section}.{key}"] = CONFIG_NAME
    limits = {attr: values.pop(attr) for attr in ("max_part_mb", "max_ratio") if attr in values}
    if any(v < 1 for v in limits.values()):
        raise ConfigError.said("cfg-limits", path=path)
    values["limits"] = dataclasses.replace(DEFAULT_LIMITS, **limits)
    values["vocabulary"] = Vocabulary.of(doc.get("columns"), doc.get("statuses"), source=str(path))
    values["company"] = _company(doc.get("company", {}), path, base)
    owners = doc.get("owners", {})
    if not all(isinstance(v, str) for v in owners.values()):
        raise ConfigError.said("cfg-owners", path=path)
    values["owners"] = dict(owners)
    mail_doc = dict(doc.get("mail", {}))
    if "password" in mail_doc:
        raise ConfigError.said("cfg-password", path=path)
    values["merchandisers"] = dict(mail_doc.pop("merchandisers", {}) or doc.get("merchandisers", {}))
    for key, value in mail_doc.items():
        expected = _MAIL_TYPES.get(key, str)
        if key in _MAIL_KEYS and (not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool)):
            kind = {bool: "bool", list: "list"}.get(expected, "number" if key in _MAIL_TYPES else "text")
            raise ConfigError.said(f"cfg-must-be-{kind}", path=path, section="mail", key=key, value=value)
    mail_values = {attr: mail_doc[key] for key, attr in _MAIL_KEYS.items() if key in mail_doc}
    if "statement_files" in mail_values:
        mail_values["statement_files"] = tuple(mail_values["statement_files"])
    origins.update({f"mail.{key}": CONFIG_NAME for key in _MAIL_KEYS if key in mail_doc})
    mail_values["outbox_dir"] = Path(mail_values["outbox_dir"]) if "outbox_dir" in mail_values else home / "outbox"
    mail_values.update(_mail_defaults(mail_values, values["company"], values))
    unknown = set(mail_doc) - set(_MAIL_KEYS)
    if unknown:
        raise ConfigError.said("cfg-unknown-keys", path=path, section="mail", keys=", ".join(sorted(unknown)),
                               allowed=", ".join([*_MAIL_KEYS, "merchandisers"]))
    mail = settings_from_env(env, MailSettings(**mail_values))
    keys = {attr: key for key, attr in _MAIL_KEYS.items()}
    origins.update({f"mail.{keys.get(attr, attr)}": "env" for var, attr in ENV_FIELDS.items() if env.get(var, "").strip()})
    if not mail.outbox_dir.is_absolute():
        mail = dataclasses.replace(mail, outbox_dir=base / mail.outbox_dir)
    values["mail"] = mail
    settings = Settings(**values)
    resolved: dict[str, Any] = {attr: settings.path(getattr(settings, attr)) for attr in _PATHS
                                if getattr(settings, attr) is not None}
    settings = dataclasses.replace(settings, **resolved)
    settings = dataclasses.replace(settings, quote_requests=tuple(settings.path(p) for p in settings.quote_requests))
    for section, key, value, allowed in (("workbook", "lang", settings.lang, ("zh", "en")),
                                         ("workbook", "weekly", settings.weekly, ("mon-fri", "mon-sat")),
                                         ("status", "due", settings.due, DUE_BASES),
                                         ("kpi", "basis", settings.kpi_basis, defaults.KPI_BASES),
                                         ("watch", "polling", settings.watch_polling, defaults.WATCH_POLLINGS)):
        if value not in allowed:
            raise ConfigError.said("cfg-one-of", path=path, section=section, key=key, value=value,
                                   allowed=", ".join(allowed))
    return settings


def write_starter(folder: str | Path = ".") -> Path:
    """`gendan-xl init [DIR]`: a commented gendan.toml to start from (every default shown, every line
    optional) in `folder`. Never overwrites one that is there."""
    from gendan_xl.resources import shipped
    from gendan_xl.xlsx.atomic import write_atomic

    target = Path(folder) / CONFIG_NAME
    if target.exists():
        raise UsageError.said("init-exists", path=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, (shipped("templates") / CONFIG_NAME).read_bytes())
    return target


# What `config` lists: "section.key" → how to get the value in force from Settings.
_SHOWN: dict[str, Any] = {
    "workbook.path": lambda s: s.workbook, "workbook.paths": lambda s: list(s.workbook_paths),
    "workbook.weekly": lambda s: s.weekly,
    "workbook.warning_days": lambda s: s.warning_days, "workbook.backups": lambda s: s.backups,
    "workbook.lang": lambda s: s.lang, "status.due": lambda s: s.due,
    "paths.data_dir": lambda s: s.data_dir, "paths.out_dir": lambda s: s.out_dir,
    "quotes.requests": lambda s: list(s.quote_requests), "report.team_lead": lambda s: s.team_lead,
    "report.admin": lambda s: s.admin, "report.good_news_mail": lambda s: s.good_news_mail,
    "mail.transport": lambda s: s.mail.transport, "mail.outbox": lambda s: s.mail.outbox_dir,
    "mail.host": lambda s: s.mail.host, "mail.port": lambda s: s.mail.smtp_port,
    "mail.security": lambda s: s.mail.security, "mail.user": lambda s: s.mail.user,
    "mail.from": lambda s: s.mail.sender, "mail.timeout": lambda s: s.mail.timeout,
    "mail.from_name": lambda s: s.mail.from_name, "mail.reply_to": lambda s: s.mail.reply_to,
    "mail.customer_reply_to": lambda s: s.mail.customer_reply_to, "mail.timezone": lambda s: s.mail.timezone,
    "mail.statement_files": lambda s: list(s.mail.statement_files),
    "mail.password": lambda s: "(set)" if s.mail.password else "(not set)",  # never the value
    "company": lambda s: ", ".join(s.company) or "(none)",
    "columns": lambda s: ", ".join(f for f, _ in s.vocabulary.columns) or "(none)",
    "statuses": lambda s: len(s.vocabulary.statuses), "merchandisers": lambda s: len(s.merchandisers),
    "owners": lambda s: len(s.owners), "kpi.basis": lambda s: s.kpi_basis, "watch.quiet": lambda s: s.watch_quiet,
    "watch.polling": lambda s: s.watch_polling, "watch.poll_seconds": lambda s: s.watch_poll_seconds,
    "watch.with_jobs": lambda s: s.watch_with_jobs,
}


def describe_settings(settings: Settings) -> dict[str, Any]:
    """`gendan-xl config`: the settings in force, where each came from, and where state lives."""
    rows = []
    for key, get in _SHOWN.items():
        value = get(settings)
        origin = settings.origins.get(key) or (CONFIG_NAME if key in ("company", "columns", "statuses",
                                                                         "merchandisers", "owners") and value not in (0, "(none)")
                                               and settings.source else "default")
        rows.append({"key": key, "value": str(value) if isinstance(value, Path) else value, "from": origin})
    return {"ok": True, "source": str(settings.source) if settings.source else None, "home": str(settings.home),
            "settings": rows}
