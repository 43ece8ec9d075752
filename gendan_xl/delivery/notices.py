"""Notices to the merchandisers (跟单员): what the order review found on their lines."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from gendan_xl.books.order_review import review_xlsx_bytes
from gendan_xl.delivery.mail import XLSX_MIME, Attachment, Mail, render_mail
from gendan_xl.i18n import say
from gendan_xl.i18n.mail import REVIEW_NOTICE
from gendan_xl.review import CONDITIONS, REJECT, LineReview, Review

__all__ = ["review_mails"]


def _item(line: LineReview, lang: str) -> str:
    """One reviewed line of a notice: "SO26R01 NORDLICHT HD-PB10K 6,000：有条件接受 — 没有…的报价"."""
    what = " ".join(str(v) for v in (line.order_no, line.customer, line.model) if v not in (None, ""))
    if line.quantity is not None:
        what += f" {line.quantity:,}"
    why = line.explain(lang)
    return say(REVIEW_NOTICE, "item", lang, line=what, verdict=line.label(lang), why=f" — {why}" if why else "")


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
        items = [_item(x, lang_) for x in mine.lines]
        mails.append(render_mail(
            "notice", {"greeting": say(REVIEW_NOTICE, "greeting", lang_, name=name),
                       "intro": say(REVIEW_NOTICE, "intro", lang_), "items": items,
                       "footer": say(REVIEW_NOTICE, "footer", lang_)},
            to=addr, lang=lang_, templates_dir=templates_dir, ref=name,
            subject=say(REVIEW_NOTICE, "subject", lang_, today=today, n=len(mine.lines), reject=c[REJECT],
                        conditions=c[CONDITIONS]),
            attachments=[Attachment(say(REVIEW_NOTICE, "file", lang_, today=today), review_xlsx_bytes(mine, lang_),
                                    XLSX_MIME)]))
    return mails, no_email
