"""Composing a mail: what one recipient reads (subject, text, HTML, attachments), before it has a sender or a date.

`render_mail` fills the Jinja2 templates in templates/mail (HTML autoescaped); `parse_addresses` reads the
e-mail cells people type; `Attachment` knows what "the same document" means for the sent log. How a `Mail`
becomes a message with its headers, and how it is sent once, is `delivery.mail`.
"""
from __future__ import annotations

import functools
import hashlib
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2

from gendan_xl.delivery.addresses import parse_addresses
from gendan_xl.resources import shipped

TEMPLATES_DIR = shipped("templates") / "mail"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

__all__ = ["Attachment", "Mail", "document_digest", "parse_addresses", "render_mail", "template_env",
           "TEMPLATES_DIR", "XLSX_MIME"]


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
    """One message for the addresses of one cell (`to`), before it has a Date, a Message-ID or a sender.

    `ref` says what the mail is about when one recipient gets several mails of a kind in a period (the
    customer of a statement, the merchandiser of a report); with the kind, the period and the recipient
    it is the mail's key in the sent log."""

    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    lang: str = "zh"
    ref: str = ""
    reply_to: str = ""   # where answers to this mail go; "" → the letterhead's (delivery.mail.Letterhead)

    def recipients(self) -> list[str]:
        """The addresses `to` holds, in order (raises InvalidMailError, see parse_addresses)."""
        return [addr for _, addr in parse_addresses(self.to)]

    def content_hash(self) -> str:
        """What the recipient reads, hashed: the sent log's notion of "the same message"."""
        h = hashlib.sha256()
        parts = [self.to.lower(), self.subject, self.text, self.html or ""]
        parts += [f"{a.filename}:{a.content_digest}" for a in self.attachments]
        for p in parts:
            h.update(p.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()


@functools.lru_cache(maxsize=8)
def template_env(templates_dir: Path | str | None = None) -> jinja2.Environment:
    """Jinja2 for mail: HTML autoescaped (a customer called `<b>ACME</b>` stays text), missing names fail.
    One per folder, kept: each template is compiled once, not once per mail (a daily report renders 51), and
    Jinja still reloads a template whose file changed."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir or TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_mail(template: str, context: Mapping[str, Any], *, to: str, subject: str, lang: str = "zh",
                attachments: Iterable[Attachment] = (), templates_dir: Path | str | None = None,
                ref: str = "", reply_to: str = "") -> Mail:
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
    return Mail(to=to, subject=subject, text=text, html=html, attachments=tuple(attachments), lang=lang, ref=ref,
                reply_to=reply_to)
