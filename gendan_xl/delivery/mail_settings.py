"""The [mail] settings (MailSettings) and the GENDAN_* variables that override them: what every command loads
at start, kept apart from the mail machinery (jinja2, smtplib, the sent log) that only mailing commands need."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from gendan_xl.delivery.addresses import parse_addresses
from gendan_xl.errors import ConfigError, InvalidMailError

if TYPE_CHECKING:
    from gendan_xl.delivery.mail import Letterhead

TRANSPORTS = ("outbox", "smtp")
DEFAULT_TIMEZONE = "Asia/Shanghai"   # the company's clock: mails are dated in it, whatever the server's is
STATEMENT_FILES = ("pdf", "xlsx")    # what a statement mail can attach
SECURITIES = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def company_zone(name: str) -> _dt.tzinfo:
    """The time zone called `name` (an IANA name such as Asia/Shanghai). Raises ConfigError naming the setting
    (on Windows, Python finds the zones only with the `tzdata` package, which gendan-xl depends on there)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError.said("mail-timezone", zone=name) from exc


# --- settings -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MailSettings:
    transport: str = "outbox"
    outbox_dir: Path = Path("outbox")
    host: str = "localhost"
    port: int = 0                      # 0: the usual port for `security` (465, 587, 25)
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = "gendan-xl@localhost"
    timeout: float = 30.0              # seconds one SMTP conversation may take
    send_budget: float = 60.0          # seconds a run may spend delivering; what is left waits for the next run
    allow_plaintext_login: bool = False   # log in with security = none off this machine (a trusted network)
    from_name: str = ""                # From's display name; "" → the company's, in the mail's language
    from_name_en: str = ""             #   (the settings fill both from [company] name / name_en)
    reply_to: str = ""                 # Reply-To of our own people's mails (reports, notices, job mails)
    customer_reply_to: str = ""        # Reply-To of customers' mails (statements), e.g. finance; "" → the
                                       #   customer's merchandiser, else [company] email (doors.wiring)
    timezone: str = DEFAULT_TIMEZONE   # the Date header's clock
    statement_files: tuple[str, ...] = ("pdf",)   # what a statement mail attaches: pdf, xlsx or both

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise ConfigError.said("mail-transport", value=self.transport, allowed=", ".join(TRANSPORTS))
        if self.security not in SECURITIES:
            raise ConfigError.said("mail-security", value=self.security, allowed=", ".join(SECURITIES))
        if isinstance(self.send_budget, bool) or not isinstance(self.send_budget, (int, float)) \
                or self.send_budget <= 0:
            raise ConfigError.said("mail-budget", value=self.send_budget)
        if not isinstance(self.allow_plaintext_login, bool):
            raise ConfigError.said("mail-plaintext", value=self.allow_plaintext_login)
        company_zone(self.timezone)
        files = self.statement_files
        if isinstance(files, str) or not files or not set(files) <= set(STATEMENT_FILES):
            raise ConfigError.said("mail-statement-files", value=files)
        for key in ("reply_to", "customer_reply_to"):
            if getattr(self, key).strip():
                try:
                    parse_addresses(getattr(self, key))
                except InvalidMailError as exc:
                    raise ConfigError.said("mail-reply-to", setting=key, why=exc) from None

    def letterhead(self) -> "Letterhead":
        """The From / Reply-To / Date rules of these settings."""
        from gendan_xl.delivery.mail import Letterhead  # (the mail module is the heavy one: jinja2, smtplib)

        return Letterhead(self.sender, (self.from_name, self.from_name_en or self.from_name), self.reply_to,
                          self.timezone)

    @property
    def smtp_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]


ENV_FIELDS = {
    "GENDAN_MAIL_TRANSPORT": "transport",
    "GENDAN_SMTP_HOST": "host",
    "GENDAN_SMTP_PORT": "port",
    "GENDAN_SMTP_SECURITY": "security",
    "GENDAN_SMTP_USER": "user",
    "GENDAN_SMTP_PASSWORD": "password",
    "GENDAN_MAIL_FROM": "sender",
}


def settings_from_env(env: Mapping[str, str], base: MailSettings | None = None) -> MailSettings:
    """`base` with the GENDAN_* mail variables of `env` applied (pass `os.environ` at the door).

    Empty variables are ignored. Raises ConfigError with one line for a bad port, transport or security.
    """
    changes: dict[str, Any] = {}
    for var, name in ENV_FIELDS.items():
        value = env.get(var, "").strip()
        if not value:
            continue
        if name == "port":
            if not value.isdigit() or not 0 < int(value) < 65536:
                raise ConfigError.said("mail-port", value=value)
            changes[name] = int(value)
        elif name in ("transport", "security"):
            changes[name] = value.lower()
        else:
            changes[name] = value
    return dataclasses.replace(base or MailSettings(), **changes)
