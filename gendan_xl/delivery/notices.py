"""Notices to the merchandisers (跟单员): what the order review found on their lines."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from gendan_xl.books.order_review import review_xlsx_bytes
from gendan_xl.delivery.mail import XLSX_MIME, Attachment, Mail, render_mail
from gendan_xl.review import CONDITIONS, REJECT, LineReview, Review, text

__all__ = ["review_mails"]


def review_mails(review: Review, *, emails: Mapping[str, str], lang: str = "zh",
                 langs: Mapping[str, str] | None = None,
                 templates_dir: str | Path | None = None) -> tuple[list[Mail], list[str]]:
    """One mail per merchandiser (跟单员) with reviewed lines, from the `notice` mail template, with their
    lines' review workbook attached; and the names with lines but no address in `emails` ({name: address}).
    Sending is the caller's: `mail.Mailer.send(mails, job="review", period=today)`."""
    langs = langs or {}
    by_name: dict[str, list[LineReview]] = {}
    for line in review.lines:
        by_name.setdefault(str(line.merchandiser or "").strip(), []).append(line)
    mails, no_email = [], []
    for name in sorted(by_name):
        addr = emails.get(name)
        if not addr:
            no_email.append(name)
            continue
        mine = Review(review.today, by_name[name], years=review.years, source=review.source,
                      sign_off=review.sign_off)
        lang_ = langs.get(addr, lang)
        c = mine.counts
        today = review.today.isoformat()
        items = [f"{x.order_no} {x.customer} {x.model} {f'{x.quantity:,}' if x.quantity is not None else ''}: "
                 f"{x.label(lang_)}" + (f" — {x.explain(lang_)}" if x.explain(lang_) else "") for x in mine.lines]
        mails.append(render_mail(
            "notice", {"greeting": text("mail.greeting", lang_, name=name), "intro": text("mail.intro", lang_),
                       "items": items, "footer": text("mail.footer", lang_)},
            to=addr, lang=lang_, templates_dir=templates_dir, ref=name,
            subject=text("mail.subject", lang_, today=today, n=len(mine.lines), reject=c[REJECT],
                         conditions=c[CONDITIONS]),
            attachments=[Attachment(text("mail.file", lang_, today=today), review_xlsx_bytes(mine, lang_),
                                    XLSX_MIME)]))
    return mails, no_email
