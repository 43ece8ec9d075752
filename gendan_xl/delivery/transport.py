"""How a finished message leaves: into an outbox folder as an .eml file, or to an SMTP server.

A transport has one verb, `deliver(raw, sender, recipients, name, timeout=None, accepted=None)`: it hands
the bytes over or raises a `MailError` saying what kind of failure it was (`TransientMailError`: try again
later; `RecipientRejected`, `MessageRejected`: never; `MailConfigError`: the settings cannot work). The
moment the message is accepted it calls `accepted(note)` — before saying goodbye to the server, so the
sent log records it as early as it can (a run killed in between sends the same message again) — and it
returns the same `note`: the recipients refused while the others were accepted ("" when everyone was).
`timeout` caps the seconds one delivery may take, so a server that never answers costs a run its time
budget and no more.

The password is kept out of every repr and is never logged; smtplib's debug output (which would print
the AUTH exchange) is never switched on. A password goes only over TLS, or to this machine itself, unless
`allow_plaintext_login` says the network is trusted (`[mail] allow_plaintext_login = true`).
"""
from __future__ import annotations

import ipaddress
import smtplib
import ssl
from pathlib import Path
from typing import Callable, Sequence

from gendan_xl.errors import (ConfigError, MailConfigError, MessageRejected, RecipientRejected,
                              TransientMailError)
from gendan_xl.delivery.mail_settings import DEFAULT_PORTS, SECURITIES
from gendan_xl.xlsx.atomic import write_atomic


__all__ = ["Outbox", "Smtp", "SECURITIES", "DEFAULT_PORTS", "is_loopback"]


class Outbox:
    """Writes each message into `folder` as an .eml file, atomically (a half-written file never appears)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"Outbox({str(self.folder)!r})"

    def describe(self) -> str:
        return f"outbox {self.folder}"

    def deliver(self, raw: bytes, sender: str, recipients: Sequence[str], name: str,
                timeout: float | None = None, accepted: Callable[[str], None] | None = None) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{name}.eml", raw)
        except OSError as exc:
            raise TransientMailError(f"cannot write {self.folder}: {exc.strerror or exc}", connection=True) from exc
        if accepted is not None:
            accepted("")
        return ""


def is_loopback(host: str) -> bool:
    """This machine itself: `localhost` or a loopback address (127.0.0.0/8, ::1). No DNS is asked."""
    if host.strip().lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Smtp:
    """SMTP with implicit TLS (`ssl`), STARTTLS or plain (`none`); login when `user` is set.

    One connection per message: a run sends tens of mails, and a fresh connection means one broken
    message cannot poison the session for the others.
    """

    def __init__(self, host: str, port: int = 0, security: str = "starttls", user: str = "", password: str = "",
                 timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None, *,
                 allow_plaintext_login: bool = False) -> None:
        if security not in SECURITIES:
            raise ConfigError(f"SMTP security {security!r} is not one of {', '.join(SECURITIES)}")
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.user = user
        self._password = password
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.allow_plaintext_login = allow_plaintext_login

    def __repr__(self) -> str:
        auth = f", user={self.user!r}, password=***" if self.user else ""
        return f"Smtp({self.host!r}, {self.port}, security={self.security!r}{auth})"

    def describe(self) -> str:
        return f"smtp {self.host}:{self.port} ({self.security})"

    def _check_plaintext_login(self) -> None:
        """Refuse, before connecting, to send a password where anyone on the network can read it."""
        if self.user and self.security == "none" and not self.allow_plaintext_login and not is_loopback(self.host):
            raise MailConfigError.said("smtp-plaintext", user=self.user, server=f"{self.host}:{self.port}")

    def _connect(self, timeout: float) -> smtplib.SMTP:
        self._check_plaintext_login()
        ctx = self.ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=ctx)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise MailConfigError.said("smtp-no-starttls", server=f"{self.host}:{self.port}")
                conn.starttls(context=ctx)
                conn.ehlo()
            if self.user:
                try:
                    conn.login(self.user, self._password)
                except smtplib.SMTPAuthenticationError as exc:
                    raise MailConfigError.said("smtp-login-refused", server=f"{self.host}:{self.port}", user=self.user,
                                               code=exc.smtp_code) from None
                except UnicodeEncodeError:
                    raise MailConfigError.said("smtp-login-ascii") from None
                except smtplib.SMTPNotSupportedError:
                    raise MailConfigError.said("smtp-no-login", server=f"{self.host}:{self.port}") from None
        except BaseException:
            _close(conn)
            raise
        return conn

    def deliver(self, raw: bytes, sender: str, recipients: Sequence[str], name: str,
                timeout: float | None = None, accepted: Callable[[str], None] | None = None) -> str:
        where = f"{self.host}:{self.port}"
        try:
            conn = self._connect(min(self.timeout, timeout) if timeout is not None else self.timeout)
            try:
                refused = conn.sendmail(sender, list(recipients), raw)
                # Some recipients of the cell refused, the others accepted: the mail is out; say who did not get it.
                note = "; ".join(f"refused {addr}: {code} {_reply(reply)}" for addr, (code, reply) in refused.items())
                if accepted is not None:
                    accepted(note)   # recorded before the QUIT round trip, not after
            finally:
                _close(conn)
        except smtplib.SMTPRecipientsRefused as exc:   # every recipient refused
            replies = list(exc.recipients.values())
            if len(replies) == 1:
                text = f"{replies[0][0]} {_reply(replies[0][1])}"
            else:
                text = "; ".join(f"{addr}: {code} {_reply(reply)}" for addr, (code, reply) in exc.recipients.items())
            if all(code >= 500 for code, _ in replies):
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
            raise MailConfigError.said("smtp-tls-failed", server=where, why=exc.reason or exc) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            # ConnectionRefusedError, socket.timeout, DNS failures: the server, not this message.
            raise TransientMailError(f"cannot reach {where}: {exc}", connection=True) from None
        return note


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def _reply(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
