"""Mail: compose from templates, send through an outbox folder or SMTP, never twice, never lost.

A `Mail` is what we want one recipient to read (subject, plain text, HTML, attachments). `Mailer.send`
records every mail in the sent log (`mail_outbox` in the store, `delivery.store`) *before* it goes out,
keyed by job, period, recipient and a hash of the content, then delivers the queue and marks each row:

- `pending`  — recorded, not yet accepted by the server (a crash, the server down, a 4xx); the next
  `send` or `flush` delivers it again, so a crash between "server accepted" and "marked sent" costs at most
  one duplicate and never a lost mail;
- `sent`     — accepted; the same mail for the same job and period is skipped from now on unless `force`;
- `rejected` — the server refused the recipient (5xx on RCPT); recorded, reported, the others go on;
- `failed`   — the server refused the message itself (5xx on DATA, e.g. too large); not retried.

Transports: `Outbox(dir)` writes each message as an `.eml` file (the default: no server needed, opens in
any mail client); `Smtp(host, port, security, user, password, timeout)` with `ssl`, `starttls` or `none`.
The password comes only from the environment (`settings_from_env`), is kept out of every repr and is never
logged; smtplib's debug output (which would print the AUTH exchange) is never switched on.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import email.policy
import email.utils
import hashlib
import logging
import mimetypes
import re
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import jinja2

from gendan_xl.resources import shipped
from gendan_xl.delivery.store import Store
from gendan_xl.errors import (ConfigError, MailConfigError, MailError, MessageRejected, RecipientRejected,
                              TransientMailError, json_fields)
from gendan_xl.xlsx.atomic import write_atomic

log = logging.getLogger("gendan_xl.delivery.mail")

TEMPLATES_DIR = shipped("templates") / "mail"
TRANSPORTS = ("outbox", "smtp")
SECURITIES = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PENDING, SENT, REJECTED, FAILED = "pending", "sent", "rejected", "failed"





# --- composing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attachment:
    """A file to attach. `digest` is what "the same attachment" means for the sent log; by default the
    bytes' hash, but for an .xlsx the hash of its parts without docProps/core.xml and zip timestamps
    (a workbook written again a second later is the same document), and a PDF made from a workbook
    should pass that workbook's digest (LibreOffice stamps every PDF with the time it was made)."""

    filename: str
    data: bytes = field(repr=False)
    mime: str = ""
    digest: str = ""

    @property
    def content_type(self) -> str:
        return self.mime or mimetypes.guess_type(self.filename)[0] or "application/octet-stream"

    @property
    def content_digest(self) -> str:
        return self.digest or document_digest(self.filename, self.data)


def document_digest(filename: str, data: bytes) -> str:
    """A hash of what a document says, not of when it was written (see Attachment)."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                h = hashlib.sha256()
                for name in sorted(zf.namelist()):
                    if name != "docProps/core.xml":
                        h.update(name.encode() + b"\x00" + zf.read(name) + b"\x00")
                return h.hexdigest()
        except zipfile.BadZipFile:
            pass
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Mail:
    """One message for one recipient, before it has a Date, a Message-ID or a sender."""

    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    lang: str = "zh"

    def content_hash(self) -> str:
        """What the recipient reads, hashed: the sent log's notion of "the same message"."""
        h = hashlib.sha256()
        parts = [self.to.lower(), self.subject, self.text, self.html or ""]
        parts += [f"{a.filename}:{a.content_digest}" for a in self.attachments]
        for p in parts:
            h.update(p.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()


def template_env(templates_dir: Path | str | None = None) -> jinja2.Environment:
    """Jinja2 for mail: HTML autoescaped (a customer called `<b>ACME</b>` stays text), missing names fail."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir or TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_mail(template: str, context: Mapping[str, Any], *, to: str, subject: str, lang: str = "zh",
                attachments: Iterable[Attachment] = (), templates_dir: Path | str | None = None) -> Mail:
    """Render `<template>.txt` and, when it exists, `<template>.html` from the mail templates folder."""
    env = template_env(templates_dir)
    ctx = {**context, "lang": lang, "subject": subject}
    text = env.get_template(f"{template}.txt").render(ctx)
    try:
        html_t = env.get_template(f"{template}.html")
    except jinja2.TemplateNotFound:
        html = None
    else:
        html = html_t.render(ctx)
    return Mail(to=to, subject=subject, text=text, html=html, attachments=tuple(attachments), lang=lang)


def build_message(mail: Mail, sender: str, *, date: _dt.datetime, headers: Mapping[str, str] = {}) -> EmailMessage:
    """The MIME message: multipart/alternative (text, HTML) inside multipart/mixed with the attachments.

    Chinese subjects become RFC 2047 encoded words and Chinese file names RFC 2231 `filename*=utf-8''…`
    (both done by the `email` package's modern policy); bodies are base64 so no server needs 8BITMIME.
    """
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Date"] = email.utils.format_datetime(date)
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    for k, v in headers.items():
        msg[k] = v
    msg.set_content(mail.text, subtype="plain", charset="utf-8", cte="base64")
    if mail.html is not None:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8", cte="base64")
    for a in mail.attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
    return msg


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
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise ConfigError(f"mail transport {self.transport!r} is not one of {', '.join(TRANSPORTS)}; "
                              "set GENDAN_MAIL_TRANSPORT or [mail] transport in gendan.toml")
        if self.security not in SECURITIES:
            raise ConfigError(f"SMTP security {self.security!r} is not one of {', '.join(SECURITIES)}; "
                              "set GENDAN_SMTP_SECURITY or [mail] security in gendan.toml")

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
                raise ConfigError(f"GENDAN_SMTP_PORT={value!r} is not a port number; use e.g. 465 or 587")
            changes[name] = int(value)
        elif name in ("transport", "security"):
            changes[name] = value.lower()
        else:
            changes[name] = value
    return dataclasses.replace(base or MailSettings(), **changes)


# --- transports ---------------------------------------------------------------------------------------

class Outbox:
    """Writes each message into `folder` as an .eml file, atomically (a half-written file never appears)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"Outbox({str(self.folder)!r})"

    def describe(self) -> str:
        return f"outbox {self.folder}"

    def deliver(self, raw: bytes, sender: str, recipient: str, name: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{name}.eml", raw)
        except OSError as exc:
            raise TransientMailError(f"cannot write {self.folder}: {exc.strerror or exc}", connection=True) from exc


class Smtp:
    """SMTP with implicit TLS (`ssl`), STARTTLS or plain (`none`); login when `user` is set.

    One connection per message: a run sends tens of mails, and a fresh connection means one broken
    message cannot poison the session for the others.
    """

    def __init__(self, host: str, port: int = 0, security: str = "starttls", user: str = "", password: str = "",
                 timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        if security not in SECURITIES:
            raise ConfigError(f"SMTP security {security!r} is not one of {', '.join(SECURITIES)}")
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.user = user
        self._password = password
        self.timeout = timeout
        self.ssl_context = ssl_context

    def __repr__(self) -> str:
        auth = f", user={self.user!r}, password=***" if self.user else ""
        return f"Smtp({self.host!r}, {self.port}, security={self.security!r}{auth})"

    def describe(self) -> str:
        return f"smtp {self.host}:{self.port} ({self.security})"

    def _connect(self) -> smtplib.SMTP:
        ctx = self.ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ctx)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise MailConfigError(f"SMTP server {self.host}:{self.port} does not offer STARTTLS; "
                                          "set GENDAN_SMTP_SECURITY=ssl (port 465) or none")
                conn.starttls(context=ctx)
                conn.ehlo()
            if self.user:
                try:
                    conn.login(self.user, self._password)
                except smtplib.SMTPAuthenticationError as exc:
                    raise MailConfigError(f"SMTP server {self.host}:{self.port} refused the login of "
                                          f"{self.user!r} ({exc.smtp_code}); check GENDAN_SMTP_USER and "
                                          "GENDAN_SMTP_PASSWORD") from None
                except UnicodeEncodeError:
                    raise MailConfigError("SMTP login needs a user name and password in plain ASCII (a limit of "
                                          "Python's smtplib); check GENDAN_SMTP_USER and GENDAN_SMTP_PASSWORD") from None
                except smtplib.SMTPNotSupportedError:
                    raise MailConfigError(f"SMTP server {self.host}:{self.port} offers no login here; use "
                                          "GENDAN_SMTP_SECURITY=starttls or ssl, or unset GENDAN_SMTP_USER") from None
        except BaseException:
            _close(conn)
            raise
        return conn

    def deliver(self, raw: bytes, sender: str, recipient: str, name: str) -> None:
        where = f"{self.host}:{self.port}"
        try:
            conn = self._connect()
            try:
                conn.sendmail(sender, [recipient], raw)
            finally:
                _close(conn)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            text = f"{code} {_reply(reply)}"
            if code >= 500:
                raise RecipientRejected(text) from None
            raise TransientMailError(text) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            text = f"{exc.smtp_code} {_reply(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise MessageRejected(text) from None
            raise TransientMailError(text) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise MessageRejected(f"{exc.smtp_code} {_reply(exc.smtp_error)}") from None
            raise TransientMailError(f"{exc.smtp_code} {_reply(exc.smtp_error)}", connection=True) from None
        except ssl.SSLError as exc:
            raise MailConfigError(f"TLS with {where} failed ({exc.reason or exc}); check GENDAN_SMTP_SECURITY "
                                  "and GENDAN_SMTP_PORT") from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            # ConnectionRefusedError, socket.timeout, DNS failures: the server, not this message.
            raise TransientMailError(f"cannot reach {where}: {exc}", connection=True) from None


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def _reply(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def make_transport(settings: MailSettings) -> Outbox | Smtp:
    if settings.transport == "outbox":
        return Outbox(settings.outbox_dir)
    return Smtp(settings.host, settings.smtp_port, settings.security, settings.user, settings.password,
                settings.timeout)


# --- the sent log -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What happened to one mail in one run."""

    job: str
    period: str
    recipient: str
    subject: str
    state: str           # sent | skipped | queued | rejected | failed | would-send
    attachments: tuple[str, ...] = ()
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)

    def __str__(self) -> str:
        files = f" [{', '.join(self.attachments)}]" if self.attachments else ""
        err = f" ({self.error})" if self.error else ""
        return f"{self.state:10} {self.recipient}  {self.subject}{files}{err}"


@dataclass
class SendResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def by_state(self, state: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == state]

    @property
    def ok(self) -> bool:
        """Everything asked for went out (or had gone out before)."""
        return all(o.state in ("sent", "skipped", "would-send") for o in self.outcomes)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.state] = counts.get(o.state, 0) + 1
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to send"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "outcomes": [o.to_dict() for o in self.outcomes]}


class Mailer:
    """Queue, send, log. `sleep` and `now` are parameters so tests neither wait nor read the clock."""

    def __init__(self, transport: Outbox | Smtp, sender: str, data_dir: Path | str, *,
                 backoff: Sequence[float] = (2.0, 10.0, 30.0),
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], _dt.datetime] | None = None) -> None:
        self.transport = transport
        self.sender = sender                                   # the From header: "跟单部 <gd@example.com>"
        self.envelope_sender = email.utils.parseaddr(sender)[1] or sender   # MAIL FROM: the bare address
        self.data_dir = Path(data_dir)
        self.backoff = tuple(backoff)   # one retry per entry, after sleeping that many seconds
        self.sleep = sleep
        self.now = now or (lambda: _dt.datetime.now().astimezone())
        self._store: Store | None = None

    def __repr__(self) -> str:
        return f"Mailer({self.transport!r}, sender={self.sender!r}, data_dir={str(self.data_dir)!r})"

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.data_dir)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # The one public verb.
    def send(self, mails: Iterable[Mail], *, job: str, period: str, force: bool = False,
             dry_run: bool = False) -> SendResult:
        """Queue `mails` for (job, period) and deliver the whole queue, older leftovers included.

        A mail already `sent` (or `rejected`) with the same job, period, recipient and content is skipped
        unless `force`; one still `pending` from an earlier run is delivered once, not queued twice.
        `dry_run` touches neither the log nor the transport and reports `would-send` / `skipped`.
        """
        mails = list(mails)
        result = SendResult()
        for mail in mails:
            digest = mail.content_hash()
            names = tuple(a.filename for a in mail.attachments)
            prior = self._prior(job, period, mail.to, digest)
            if prior is not None and not force and prior["state"] in (SENT, REJECTED, FAILED):
                result.outcomes.append(Outcome(job, period, mail.to, mail.subject, "skipped", names,
                                               f"already {prior['state']}"))
                continue
            if dry_run:
                result.outcomes.append(Outcome(job, period, mail.to, mail.subject, "would-send", names))
                continue
            if prior is not None and prior["state"] == PENDING and not force:
                continue   # delivered below with the rest of the queue
            self._queue(mail, job, period, digest)
        if dry_run:
            return result
        result.outcomes.extend(self.flush().outcomes)
        return result

    def flush(self) -> SendResult:
        """Deliver every pending message, oldest first. Used by `send` and by the scheduler loop."""
        result = SendResult()
        unreachable = ""
        for row in self.store.mails_in(PENDING):
            names = tuple(row["attachments"])
            base = dict(job=row["job"], period=row["period"], recipient=row["recipient"],
                        subject=row["subject"], attachments=names)
            if unreachable:
                result.outcomes.append(Outcome(**base, state="queued", error=unreachable))
                continue
            state, error, down = self._deliver(row)
            if state == PENDING:
                result.outcomes.append(Outcome(**base, state="queued", error=error))
                if down:   # the server is unreachable: do not wait out the backoff once per message
                    unreachable = error
            else:
                result.outcomes.append(Outcome(**base, state=state, error=error))
        return result

    def pending(self) -> int:
        return self.store.count_mails(PENDING)

    def history(self, job: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        """The sent log as plain dicts (no message bytes), oldest first."""
        return self.store.sent_log(job, period)

    # Internals.
    def _prior(self, job: str, period: str, recipient: str, digest: str) -> dict[str, Any] | None:
        return self.store.last_mail(job, period, recipient.lower(), digest)

    def _queue(self, mail: Mail, job: str, period: str, digest: str) -> int:
        headers = {"X-Gendan-Job": job, "X-Gendan-Period": period}
        msg = build_message(mail, self.sender, date=self.now(), headers=headers)
        row_id = self.store.queue_mail(
            job=job, period=period, recipient=mail.to.lower(), content_hash=digest, subject=mail.subject,
            attachments=[a.filename for a in mail.attachments], message=msg.as_bytes(), state=PENDING,
            queued_at=self.now().isoformat(timespec="seconds"))
        log.info("queued %s/%s for %s", job, period, mail.to)
        return row_id

    def _deliver(self, row: Mapping[str, Any]) -> tuple[str, str, bool]:
        name = _file_name(row["period"], row["job"], row["recipient"], row["id"])
        error, down = "", False
        for attempt, wait in enumerate((*self.backoff, None)):
            try:
                self.transport.deliver(row["message"], self.envelope_sender, row["recipient"], name)
            except TransientMailError as exc:
                error, down = str(exc), exc.connection
                log.warning("%s: %s (attempt %d)", row["recipient"], error, attempt + 1)
                if wait is None:
                    break
                self.sleep(wait)
                continue
            except RecipientRejected as exc:
                return self._mark(row, REJECTED, attempt + 1, str(exc)) + (False,)
            except MessageRejected as exc:
                return self._mark(row, FAILED, attempt + 1, str(exc)) + (False,)
            except MailConfigError:
                self._mark(row, PENDING, attempt + 1, "mail settings refused")
                raise
            return self._mark(row, SENT, attempt + 1, "") + (False,)
        return self._mark(row, PENDING, len(self.backoff) + 1, error) + (down,)

    def _mark(self, row: Mapping[str, Any], state: str, attempts: int, error: str) -> tuple[str, str]:
        sent_at = self.now().isoformat(timespec="seconds") if state == SENT else None
        self.store.mark_mail(row["id"], state=state, attempts=attempts, error=error, sent_at=sent_at)
        level = logging.INFO if state == SENT else logging.WARNING
        log.log(level, "%s %s/%s to %s%s", state, row["job"], row["period"], row["recipient"],
                f": {error}" if error else "")
        return state, error


def _file_name(period: str, job: str, recipient: str, row_id: int) -> str:
    """`2026-11-26_overdue-report_wang@example.com_17`: sorts by period, safe on Windows."""
    raw = f"{period}_{job}_{recipient}_{row_id}"
    return re.sub(r'[<>:"/\\|?*\s]+', "-", raw)


def open_mailer(settings: MailSettings, data_dir: Path | str, **kw: Any) -> Mailer:
    """The Mailer the settings describe (the CLI and the jobs use this)."""
    return Mailer(make_transport(settings), settings.sender, data_dir, **kw)


__all__ = [
    "Attachment", "Mail", "MailSettings", "Mailer", "Outbox", "Smtp", "Outcome", "SendResult",
    "MailError", "TransientMailError", "RecipientRejected", "MessageRejected", "MailConfigError",
    "render_mail", "build_message", "settings_from_env", "make_transport", "open_mailer",
    "template_env", "XLSX_MIME",
]
