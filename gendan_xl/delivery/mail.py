"""Mail: compose from templates, send through an outbox folder or SMTP, never twice, never lost.

A `Mail` is what we want one recipient to read (subject, plain text, HTML, attachments; composed in
`delivery.compose`, whose names this module hands on). `Mailer.send`
records every mail in the sent log (`mail_outbox` in the store, `delivery.store`) *before* it goes out,
then delivers the queue and marks each row. One row stands for one logical mail, whose key is its kind
(`job`: overdue-report, statements, ...), its `period` (the report's day, the statement's month), its
recipient (the addresses of the cell, sorted) and its `ref` (what it is about, when one recipient gets
several mails of a kind in a period: the customer of a statement, the merchandiser of a report). The
content is not part of the key: a workbook corrected at 10:00 does not send the 08:30 report again; the
CLI and the jobs build the same key, so a statement sent by hand is not sent again by the job.

- `pending`  — recorded, not yet accepted by the server (a crash, the server down, a 4xx); the next
  `send` or `flush` delivers it again, so a crash between "server accepted" and "marked sent" costs at most
  one retransmission of the same message (same Message-ID) and never a lost mail; a key has at most one
  pending row (a unique index), and `force` replaces its message instead of queuing a second copy;
- `sent`     — accepted; the same key is skipped from now on unless `force`;
- `rejected` — the server refused the recipient (5xx on RCPT); recorded, reported, the others go on;
- `failed`   — the server refused the message itself (5xx on DATA, e.g. too large); not retried;
- `invalid`  — the mail could not be made into a message (a line break in the subject, an address cell
  holding something that is no address); nothing went out, the others go on, and the next send of the
  same key tries again, so correcting the workbook is all it takes.

One sender at a time: delivering the queue holds a lock file in the data folder (`Store.sending_lock`),
so two runs at once (cron every 10 minutes while a run is slow, two people pressing --send) never send a
row twice; the second waits, and leaves the queue to the first if it waits too long. A run spends at most
`send_budget` seconds (60) delivering — every SMTP timeout and backoff included: each pending mail is tried
once, the ones a server deferred are tried again after each `backoff` wait, and what is left when the time
is up stays queued for the next run.

Every mail, whatever its kind (statements, reports, review notices, job notices), gets its From, Reply-To and
Date in one place, `Letterhead` (applied by `build_message`): From carries a display name (the company's, in
the mail's language, or `[mail] from_name`), Reply-To says where answers go (the mail's own, else the
letterhead's: a person, never the robot's mailbox), and Date is written in the company's time zone
(`[mail] timezone`, default Asia/Shanghai), so a customer in Shenzhen sees 08:30 +0800, not 00:30 +0000.

Transports (`delivery.transport`): `Outbox(dir)` writes each message as an `.eml` file (the default: no
server needed, opens in any mail client); `Smtp(host, port, security, user, password, timeout)` with
`ssl`, `starttls` or `none`. The password comes only from the environment (`settings_from_env`).
"""
from __future__ import annotations

import datetime as _dt
import email.policy
import email.utils
import logging
import re
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from gendan_xl.i18n import pick, say
from gendan_xl.i18n.terminal import CLI
from gendan_xl.delivery.compose import (TEMPLATES_DIR, XLSX_MIME, Attachment, Mail, document_digest,
                                        parse_addresses, render_mail, template_env)
from gendan_xl.delivery.store import Store
from gendan_xl.delivery.mail_settings import (DEFAULT_TIMEZONE, MailSettings,
                                              company_zone, settings_from_env)
from gendan_xl.delivery.transport import Outbox, Smtp
from gendan_xl.errors import (InvalidMailError, MailConfigError, MailError, MessageRejected,
                              RecipientRejected, TransientMailError, json_fields)

log = logging.getLogger("gendan_xl.delivery.mail")

PENDING, SENT, REJECTED, FAILED, INVALID = "pending", "sent", "rejected", "failed", "invalid"
QUEUED = "queued"   # the outcome of a row left pending by this run


# --- the headers: who a mail is from, where answers go, when it was written ----------------------------

def _address_list(cell: str) -> str:
    return ", ".join(email.utils.formataddr(pair) for pair in parse_addresses(cell))


def _addresses(cell: str) -> set[str]:
    return {addr.lower() for _, addr in parse_addresses(cell)}


@dataclass(frozen=True)
class Letterhead:
    """What every mail we send says about us, whatever its kind: the one place From, Reply-To and Date are made.

    `address` is the sending mailbox, bare or with its own display name ("跟单部 <gd@x.com>", which wins);
    `names` the display name in (zh, en), picked by the mail's language; `reply_to` where answers go when the
    mail names no one itself (`Mail.reply_to`); `timezone` the company's, the Date header's clock."""

    address: str
    names: tuple[str, str] = ("", "")
    reply_to: str = ""
    timezone: str = DEFAULT_TIMEZONE

    @property
    def zone(self) -> _dt.tzinfo:
        return company_zone(self.timezone)

    @property
    def envelope(self) -> str:
        """MAIL FROM: the bare address."""
        return email.utils.parseaddr(self.address)[1] or self.address

    def headers(self, mail: Mail, moment: _dt.datetime) -> dict[str, str]:
        """From, Reply-To (when anyone is named) and Date for `mail` sent at `moment` (a naive moment is
        taken as the company's clock). Raises InvalidMailError for a Reply-To that is no address."""
        name, addr = email.utils.parseaddr(self.address)
        name = name or pick(self.names, mail.lang).strip()
        out = {"From": email.utils.formataddr((name, addr)) if name and addr else self.address}
        reply_to = (mail.reply_to or self.reply_to).strip()
        # a Reply-To naming only the mail's own recipients (the lead's own report) would say nothing
        if reply_to and _addresses(reply_to) - _addresses(mail.to):
            out["Reply-To"] = _address_list(reply_to)
        local = moment.replace(tzinfo=self.zone) if moment.tzinfo is None else moment.astimezone(self.zone)
        out["Date"] = email.utils.format_datetime(local)
        return out


def build_message(mail: Mail, sender: Letterhead | str, *, date: _dt.datetime,
                  headers: Mapping[str, str] = {}) -> EmailMessage:
    """The MIME message: multipart/alternative (text, HTML) inside multipart/mixed with the attachments;
    From, Reply-To and Date as `sender` (a Letterhead, or just the From address) makes them.

    Chinese subjects become RFC 2047 encoded words and Chinese file names RFC 2231 `filename*=utf-8''…`
    (both done by the `email` package's modern policy); bodies are base64 so no server needs 8BITMIME.
    Raises InvalidMailError when the mail cannot be a message: a line break in the subject or a file name
    (an Alt+Enter in a customer name), or an address cell holding something that is no address.
    """
    for what, value in (("subject", mail.subject), *(("file name", a.filename) for a in mail.attachments)):
        if "\r" in value or "\n" in value:
            raise InvalidMailError(f"line break in the {what} {value!r} (an Alt+Enter in the workbook?); "
                                   "remove it and send again")
    letterhead = sender if isinstance(sender, Letterhead) else Letterhead(sender)
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = mail.subject
    msg["To"] = _address_list(mail.to)
    for k, v in letterhead.headers(mail, date).items():
        msg[k] = v
    domain = letterhead.envelope.rpartition("@")[2] or "localhost"
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


# --- transports ---------------------------------------------------------------------------------------

def make_transport(settings: MailSettings) -> Outbox | Smtp:
    if settings.transport == "outbox":
        return Outbox(settings.outbox_dir)
    return Smtp(settings.host, settings.smtp_port, settings.security, settings.user, settings.password,
                settings.timeout, allow_plaintext_login=settings.allow_plaintext_login)


# --- the sent log -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What happened to one mail in one run."""

    job: str
    period: str
    recipient: str
    subject: str
    state: str           # sent | skipped | queued | rejected | failed | invalid | would-send
    attachments: tuple[str, ...] = ()
    error: str = ""
    ref: str = ""

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)

    def __str__(self) -> str:
        return self.line(self.state)

    def line(self, state: str) -> str:
        """The outcome on one line, led by `state` (its state, or that state's word in the run's language):
        one line whatever a customer's name holds."""
        files = f" [{', '.join(self.attachments)}]" if self.attachments else ""
        err = f" ({self.error})" if self.error else ""
        return _one_line(f"{state:10} {self.recipient}  {self.subject}{files}{err}")


def _one_line(text: str) -> str:
    """A line break in a customer's name must not break the one line a mail gets in our output."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


@dataclass
class SendResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def by_state(self, state: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == state]

    @property
    def ok(self) -> bool:
        """Everything asked for went out (or had gone out before)."""
        return all(o.state in ("sent", "skipped", "would-send") for o in self.outcomes)

    def summary(self, lang: str = "en") -> str:
        """How many mails ended in each state ("sent 3, queued 1"), in `lang`."""
        return counted(self.outcomes, lang)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "outcomes": [o.to_dict() for o in self.outcomes]}


def counted(outcomes: Iterable[Outcome], lang: str = "en") -> str:
    """How many of `outcomes` ended in each state, in `lang` ("sent 3, queued 1"; "已发送 3，待发送 1")."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.state] = counts.get(o.state, 0) + 1
    return ((", " if lang == "en" else "，").join(f"{say(CLI, f'mail.{k}', lang)} {v}" for k, v in sorted(counts.items()))
            or say(CLI, "mail.nothing", lang))


_DONE = (SENT, REJECTED, FAILED)   # a key whose last row is one of these is not sent again unless forced
_BUSY = "another gendan-xl run is sending the queue; it goes out with that run or the next"


class Mailer:
    """Queue, send, log. `sleep`, `clock` (seconds, monotonic) and `now` are parameters so tests neither
    wait nor read the clock."""

    def __init__(self, transport: Outbox | Smtp, sender: Letterhead | str, data_dir: Path | str, *,
                 backoff: Sequence[float] = (2.0, 10.0, 30.0), send_budget: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], _dt.datetime] | None = None) -> None:
        self.transport = transport
        self.letterhead = sender if isinstance(sender, Letterhead) else Letterhead(sender)
        self.sender = self.letterhead.address                  # the From address: "跟单部 <gd@example.com>"
        self.envelope_sender = self.letterhead.envelope        # MAIL FROM: the bare address
        self.data_dir = Path(data_dir)
        self.backoff = tuple(backoff)   # the waits between rounds of retrying what a server deferred
        self.send_budget = send_budget
        self.sleep = sleep
        self.clock = clock
        zone = self.letterhead.zone
        self.now = now or (lambda: _dt.datetime.now(zone))
        self._store: Store | None = None
        self._spent = 0.0               # seconds of the budget this run has used

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

    def new_run(self) -> None:
        """A new run starts with the whole `send_budget` (the scheduler calls this once per pass)."""
        self._spent = 0.0

    # The one public verb.
    def send(self, mails: Iterable[Mail], *, job: str, period: str, force: bool = False,
             dry_run: bool = False) -> SendResult:
        """Queue `mails` as the mails of kind `job` for `period` and deliver the whole queue, older
        leftovers included.

        A mail whose key was `sent` (or `rejected`, `failed`) is skipped unless `force`; one still pending
        is delivered once, not queued twice (with `force` its queued message is replaced by this one).
        A mail that cannot be built is recorded as `invalid` and the others go on. `dry_run` touches
        neither the log nor the transport and reports `would-send` / `skipped` / `invalid`.
        """
        result = SendResult()
        mine: list[int] = []   # the rows this call handed to the queue
        for mail in mails:
            outcome, row_id = self._enqueue(mail, job, period, force, dry_run)
            if outcome is not None:
                result.outcomes.append(outcome)
            if row_id is not None:
                mine.append(row_id)
        if dry_run:
            return result
        flushed = self._flush()
        result.outcomes.extend(flushed.values())
        for row_id in mine:
            if row_id not in flushed:   # another run delivered it while this one waited
                row = self.store.mail_row(row_id)
                state = {SENT: "skipped", PENDING: QUEUED}.get(row["state"], row["state"])
                result.outcomes.append(_outcome(row, state, "sent by another run" if row["state"] == SENT
                                                else row["error"]))
        return result

    def flush(self) -> SendResult:
        """Deliver every pending message, oldest first. Used by `send` and by the scheduler loop."""
        return SendResult(list(self._flush().values()))

    def pending(self) -> int:
        return self.store.count_mails(PENDING)

    def history(self, job: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        """The sent log as plain dicts (no message bytes), oldest first."""
        return self.store.sent_log(job, period)

    # Internals: the queue.
    def _enqueue(self, mail: Mail, job: str, period: str, force: bool,
                 dry_run: bool) -> tuple[Outcome | None, int | None]:
        """Record one mail in the sent log: an outcome now (skipped, invalid, would-send), or the id of the
        pending row that `_flush` will deliver."""
        names = tuple(a.filename for a in mail.attachments)
        problem, raw = "", b""
        try:
            recipient = ", ".join(sorted(a.lower() for a in mail.recipients()))
        except InvalidMailError as exc:
            problem, recipient = str(exc), _one_line(mail.to.strip().lower())
        if not problem:
            headers = {"X-Gendan-Job": job, "X-Gendan-Period": period}
            try:
                raw = build_message(mail, self.letterhead, date=self.now(), headers=headers).as_bytes()
            except (InvalidMailError, ValueError) as exc:   # the email package refuses a header value
                problem = str(exc)
        key = dict(job=job, period=period, recipient=recipient, ref=mail.ref)

        def outcome(state: str, error: str = "") -> Outcome:
            return Outcome(job, period, recipient, mail.subject, state, names, error, mail.ref)

        prior = self.store.last_mail(**key) if (dry_run or problem) else None
        if prior is not None and prior["state"] in _DONE and not force:
            return outcome("skipped", f"already {prior['state']}"), None
        if problem:
            error = f"{mail.ref}: {problem}" if mail.ref else problem
            if not dry_run:
                self.store.record_invalid(**key, subject=mail.subject, error=error,
                                          queued_at=self.now().isoformat(timespec="seconds"))
                log.warning("invalid %s/%s to %s: %s", job, period, recipient, error)
            return outcome(INVALID, error), None
        if dry_run:
            return outcome("would-send"), None
        action, row_id, state = self.store.enqueue_mail(
            **key, content_hash=mail.content_hash(), subject=mail.subject, attachments=list(names), message=raw,
            queued_at=self.now().isoformat(timespec="seconds"), force=force)
        if action == "skipped":
            return outcome("skipped", f"already {state}"), None
        log.info("%s %s/%s for %s", action, job, period, recipient)
        return None, row_id

    # Internals: delivering, one sender at a time, within the run's time budget.
    def _left(self, started: float) -> float:
        return self.send_budget - self._spent - (self.clock() - started)

    def _flush(self) -> dict[int, Outcome]:
        """Deliver the queue; each row's outcome by row id, in queue order."""
        started = self.clock()
        try:
            with self.store.sending_lock(wait=max(self._left(started), 0.0), sleep=self.sleep,
                                         clock=self.clock) as held:
                if not held:
                    return {row["id"]: _outcome(row, QUEUED, _BUSY) for row in self.store.sent_log(state=PENDING)}
                return self._deliver_queue(started)
        finally:
            self._spent += self.clock() - started

    def _deliver_queue(self, started: float) -> dict[int, Outcome]:
        """Round one tries every pending row once, oldest first, rows queued meanwhile by other runs
        included; each further round, after the next `backoff` wait, tries again what a server deferred.
        No round and no attempt starts once the budget is spent."""
        outcomes: dict[int, Outcome] = {}
        waiting = self._round(self._pending_rows(), started, outcomes)
        for wait in self.backoff:
            if not waiting or wait >= self._left(started):
                break
            self.sleep(wait)
            rows = (self.store.mail_row(i) for i in waiting)
            waiting = self._round((r for r in rows if r is not None and r["state"] == PENDING), started, outcomes)
        return outcomes

    def _pending_rows(self) -> Iterator[dict[str, Any]]:
        last = 0
        while (row := self.store.next_pending(last)) is not None:
            last = row["id"]
            yield row

    def _round(self, rows: Iterable[Mapping[str, Any]], started: float, outcomes: dict[int, Outcome]) -> list[int]:
        """Try each row once; returns the ids still pending. Once the server is unreachable the rest of the
        round waits (one refused connection, not one per mail)."""
        waiting: list[int] = []
        down = ""
        for row in rows:
            left = self._left(started)
            if down or left <= 0:
                why = down or f"the run's {self.send_budget:g} s for sending are spent; the next run sends it"
                outcomes[row["id"]] = _outcome(row, QUEUED, why)
                waiting.append(row["id"])
                continue
            state, error, unreachable = self._attempt(row, left)
            outcomes[row["id"]] = _outcome(row, QUEUED if state == PENDING else state, error)
            if state == PENDING:
                waiting.append(row["id"])
                down = error if unreachable else ""
        return waiting

    def _attempt(self, row: Mapping[str, Any], timeout: float) -> tuple[str, str, bool]:
        """One delivery of one row: (new state, error or note, whether the server was unreachable)."""
        name = _file_name(row["period"], row["job"], row["recipient"], row["id"])
        marked: list[str] = []

        def accepted(note: str) -> None:   # recorded the moment the server accepts (see delivery.transport)
            marked.append(self._mark(row, SENT, note)[1])

        try:
            note = self.transport.deliver(row["message"], self.envelope_sender, row["recipient"].split(", "), name,
                                          timeout=timeout, accepted=accepted)
        except TransientMailError as exc:
            return self._mark(row, PENDING, str(exc)) + (exc.connection,)
        except RecipientRejected as exc:
            return self._mark(row, REJECTED, str(exc)) + (False,)
        except MessageRejected as exc:
            return self._mark(row, FAILED, str(exc)) + (False,)
        except MailConfigError:
            self._mark(row, PENDING, "mail settings refused")
            raise
        if not marked:
            self._mark(row, SENT, note or "")
        return SENT, note or "", False

    def _mark(self, row: Mapping[str, Any], state: str, error: str) -> tuple[str, str]:
        sent_at = self.now().isoformat(timespec="seconds") if state == SENT else None
        self.store.mark_mail(row["id"], state=state, attempts=1, error=error, sent_at=sent_at)
        level = logging.INFO if state == SENT else logging.WARNING
        log.log(level, "%s %s/%s to %s%s", state, row["job"], row["period"], row["recipient"],
                f": {error}" if error else "")
        return state, error


def _outcome(row: Mapping[str, Any], state: str, error: str) -> Outcome:
    return Outcome(row["job"], row["period"], row["recipient"], row["subject"], state, tuple(row["attachments"]),
                   error, row["ref"])


def _file_name(period: str, job: str, recipient: str, row_id: int) -> str:
    """`2026-11-26_overdue-report_wang@example.com_17`: sorts by period, safe on Windows."""
    raw = f"{period}_{job}_{recipient}_{row_id}"
    return re.sub(r'[<>:"/\\|?*\s]+', "-", raw)


def open_mailer(settings: MailSettings, data_dir: Path | str, **kw: Any) -> Mailer:
    """The Mailer the settings describe (the CLI and the jobs use this)."""
    return Mailer(make_transport(settings), settings.letterhead(), data_dir,
                  **{"send_budget": settings.send_budget, **kw})


__all__ = [
    "Attachment", "Letterhead", "Mail", "MailSettings", "Mailer", "Outcome", "SendResult", "parse_addresses",
    "company_zone", "DEFAULT_TIMEZONE",
    "MailError", "TransientMailError", "RecipientRejected", "MessageRejected", "MailConfigError", "InvalidMailError",
    "render_mail", "build_message", "settings_from_env", "make_transport", "open_mailer",
    "template_env", "document_digest", "XLSX_MIME", "TEMPLATES_DIR",
]
