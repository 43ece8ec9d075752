"""The daily overdue report: one mail per 跟单员 with their overdue and at-risk orders, one summary to the lead.

Input is the status of every order line, `status.StatusResult.lines`; each mail and workbook writes what
it shows in its recipient's language itself (`Line.reason(lang)`, `Line.label(lang)`), so one status
serves every recipient.

Each mail has the counts per status, a table of overdue then at-risk lines sorted by urgency (most days
late first, then least slack), readable on a phone, and an xlsx with every open line. A recipient with
nothing overdue or at risk gets a short good-news mail, or nothing when `nothing_overdue="skip"`; never an
empty table.

Over the team's workbooks (`TeamFacts`) the report says more: each line's file and cell and its open
quantity; the lead's mail has a section per merchandiser (their counts, then their lines); every mail opens
with what changed since the last report (each merchandiser only their own lines' changes); and each
workbook that could not be read is one warning line in the lead's mail.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from gendan_xl.cellrefs import col_letter
from gendan_xl.delivery.mail import XLSX_MIME, Attachment, Mail, render_mail
from gendan_xl.i18n.status import DAY_COUNTS
from gendan_xl.i18n import pick, say
from gendan_xl.i18n.report import REPORT, REPORT_TEAM
from gendan_xl.schema import ORDERS
from gendan_xl.snapshots import Change, kind_label
from gendan_xl.status import STATUS_LABELS, STATUSES, Line
from gendan_xl.xlsx.cells import inline_string, number_text, serial
from gendan_xl.xlsx.writer import (FONT, HEADER_ROW, GeneratedBook, fit_row, looks_like_formula, row_height, row_xml,
                                   style, titled_sheet, whole_number_axis)


def _header(field: str) -> tuple[str, str]:
    """An order field's column header, zh and en, as the orders sheet names it (schema.ORDERS)."""
    column = ORDERS.column(field)
    return column.zh, column.en


JOB = "overdue-report"
TEAM = "team"   # the `ref` of the lead's summary mail; a merchandiser's own report has their name
OPEN_STATUSES = ("overdue", "at_risk", "on_track", "unknown")
URGENT_STATUSES = ("overdue", "at_risk")
NOTHING_OVERDUE = ("good-news", "skip")

# Every word of the report mail and workbook (i18n/report.py), and the two columns the orders sheet names.
TEXT: dict[str, tuple[str, str]] = {**REPORT, "col_po": _header("customer_po"), "col_open": _header("open_qty")}

# Row colours in the workbook and the mail (Excel's own good/neutral/bad palette).
COLOURS: dict[str, tuple[str, str]] = {   # status: (fill, font)
    "overdue": ("#FFC7CE", "#9C0006"),
    "at_risk": ("#FFEB9C", "#9C5700"),
    "on_track": ("#C6EFCE", "#006100"),
    "unknown": ("#E7E6E6", "#3A3838"),
    "shipped_late": ("#F8CBAD", "#833C0B"),
    "shipped_on_time": ("#DDEBF7", "#1F4E78"),
    "cancelled": ("#F2F2F2", "#7F7F7F"),
}


def text(key: str, lang: str, **fields: Any) -> str:
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**fields)


def status_label(code: str, lang: str) -> str:
    zh, en = STATUS_LABELS.get(code, (code, code))
    return zh if lang == "zh" else en


# --- selection -----------------------------------------------------------------------------------------

def counts(lines: Sequence[Line]) -> dict[str, int]:
    """Lines per status, every known status listed (zeros included) in status.STATUSES order."""
    out = dict.fromkeys(STATUSES, 0)
    for o in lines:
        out[o.status] = out.get(o.status, 0) + 1
    return out


def urgent(lines: Sequence[Line]) -> list[Line]:
    """Overdue lines (most days late first), then at-risk ones (least slack, then earliest due, then row)."""
    overdue = sorted((o for o in lines if o.status == "overdue"),
                     key=lambda o: (-(o.days_late or 0), o.due_date or _dt.date.min, o.row or 0))
    at_risk = sorted((o for o in lines if o.status == "at_risk"),
                     key=lambda o: (o.slack_workdays if o.slack_workdays is not None else 10**9,
                                    o.due_date or _dt.date.max, o.row or 0))
    return overdue + at_risk


def open_orders(lines: Sequence[Line]) -> list[Line]:
    """Lines still to ship, most urgent first, then by due date."""
    rank = {s: i for i, s in enumerate(OPEN_STATUSES)}
    first = urgent(lines)
    seen = {id(o) for o in first}
    rest = sorted((o for o in lines if o.status in OPEN_STATUSES and id(o) not in seen),
                  key=lambda o: (rank[o.status], o.due_date or _dt.date.max, o.row or 0))
    return first + rest


def merchandiser_of(line: Line) -> str:
    return str(line.merchandiser or "").strip()


# --- the team -----------------------------------------------------------------------------------------

CHANGES_SHOWN = 60  # a mail lists at most this many changes; the count says how many more (`changes` has all)
SECTION_SHOWN = 30  # the lead's mail lists at most this many overdue and as many at-risk lines per merchandiser


@dataclass
class TeamFacts:
    """What a report over the team's workbooks adds to the lines (see the module's doc)."""

    where: Mapping[int, str] = field(default_factory=dict)  # id(line) → "张丽 订单.xlsx 订单!A12"
    files: Mapping[int, str] = field(default_factory=dict)  # id(line) → its workbook's name, "张丽 订单.xlsx"
    workbooks: Sequence[str] = ()  # the names of the workbooks read (the lead's report covers them all)
    changes: Sequence[Change] = ()  # since the last report, every merchandiser's
    since: str = ""  # the day of the last report ("": none before, every line is new)
    unreadable: Sequence[tuple[str, str]] = ()  # (zh, en) per workbook that could not be read: the file and why

    def changes_context(self, lang: str, name: str | None) -> dict[str, Any] | None:
        """"Since the last report" for merchandiser `name` (None: everyone's), or None before any report."""
        if not self.since:
            return None
        mine = [c for c in self.changes if name is None or str(c.merchandiser or "") == name]
        rows = [{"kind": kind_label(c.kind, lang), "order_no": c.order_no, "model": c.model,
                 "merchandiser": c.merchandiser or "", "text": c.describe(lang)} for c in mine[:CHANGES_SHOWN]]
        more = len(mine) - CHANGES_SHOWN
        return {"title": say(REPORT_TEAM, "since", lang, day=self.since), "rows": rows,
                "none": say(REPORT_TEAM, "since_none", lang) if not mine else "",
                "more": say(REPORT_TEAM, "more", lang, n=more) if more > 0 else ""}


# --- one mail ------------------------------------------------------------------------------------------

def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def days_figure(o: Line) -> tuple[str, int] | None:
    """The day count a line is judged by, with its kind (a FIGURES key): calendar days late when overdue,
    else the working days left to its due date (as the refreshed sheet's 距交期 column); None when neither."""
    if o.status == "overdue" and o.days_late is not None:
        return "days_late", o.days_late
    if o.days_to_due is not None and o.workdays_left is not None:
        return "workdays_left", o.workdays_left
    return None


def _days(o: Line, lang: str) -> str:
    figure = days_figure(o)
    return say(DAY_COUNTS, figure[0], lang, n=figure[1]) if figure is not None else ""


def open_text(o: Line, lang: str) -> str:
    """"未出 600": what is left to ship, "" when unknown."""
    return say(REPORT_TEAM, "open_qty", lang, n=f"{o.open_qty:,}") if o.open_qty is not None else ""


def _short(day: _dt.date | None, today: _dt.date) -> str:
    """11-20 in the current year, 2027-01-05 otherwise: how people write dates in a table."""
    if day is None:
        return ""
    return f"{day.month:02d}-{day.day:02d}" if day.year == today.year else day.isoformat()


def _next(o: Line, lang: str, today: _dt.date) -> str:
    label = o.next_milestone_label(lang)
    return f"{label} {_short(o.next_milestone_date, today)}".strip() if label else ""


def table_rows(lines: Sequence[Line], lang: str, today: _dt.date, team: TeamFacts | None = None) -> list[dict[str, str]]:
    """The mail table's rows as display strings (what both templates print)."""
    rows = []
    colon = "：" if lang == "zh" else ": "
    for o in lines:
        step = _next(o, lang, today)
        reason = o.reason(lang)
        where = team.where.get(id(o), "") if team is not None else ""
        note = " · ".join(x for x in (f"{text('col_next', lang)}{colon}{step}" if step else "", reason, where) if x)
        rows.append({
            "status": o.status,
            "order_no": _cell(o.order_no),
            "po": _cell(o.customer_po),
            "open": open_text(o, lang),
            "customer": _cell(o.customer),
            "model": _cell(o.model),
            "due": _short(o.due_date, today),
            "days": _days(o, lang),
            "next": step,
            "reason": reason,
            "note": note,
            "merchandiser": merchandiser_of(o),
            "fill": COLOURS.get(o.status, ("#FFFFFF", "#000000"))[0],
            "ink": COLOURS.get(o.status, ("#FFFFFF", "#000000"))[1],
        })
    return rows


def _counts_context(c: Mapping[str, int], lang: str) -> list[dict[str, Any]]:
    """The counts by status (`counts(lines)`), each with its label and colours."""
    return [{"status": s, "label": status_label(s, lang), "n": n,
             "fill": COLOURS.get(s, ("#FFFFFF", "#000"))[0], "ink": COLOURS.get(s, ("#FFFFFF", "#000"))[1]}
            for s, n in c.items() if n]


def _sections(lines: Sequence[Line], today: _dt.date, lang: str, team: TeamFacts) -> list[dict[str, Any]]:
    """The lead's mail over the team: a section per merchandiser (by name; lines with none last), each with
    its counts and its most urgent overdue and at-risk lines (SECTION_SHOWN of each)."""
    theirs = by_merchandiser(lines)
    out = []
    for name in sorted(theirs, key=lambda n: (n == "", n)):
        mine = theirs[name]
        rows = urgent(mine)
        late = [o for o in rows if o.status == "overdue"]
        risk = [o for o in rows if o.status == "at_risk"]
        more = len(rows) - min(len(late), SECTION_SHOWN) - min(len(risk), SECTION_SHOWN)
        # the lead reads the most urgent of each; every line is in the attachment and in their own mail
        out.append({"name": name or text("no_merchandiser", lang), "counts": _counts_context(counts(mine), lang),
                    "overdue": table_rows(late[:SECTION_SHOWN], lang, today, team),
                    "at_risk": table_rows(risk[:SECTION_SHOWN], lang, today, team),
                    "more": say(REPORT_TEAM, "more_lines", lang, n=more) if more > 0 else ""})
    return out


def report_context(lines: Sequence[Line], today: _dt.date, lang: str, *,
                   name: str | None = None, no_email: Sequence[str] = (),
                   team: TeamFacts | None = None) -> dict[str, Any]:
    """What the `overdue` templates render: counts, the two tables, every word in `lang`.

    `name` is the merchandiser the mail is for; None makes the team-lead summary (with a 跟单员 column).
    With `team` (a report over the team's workbooks): where each line is, what changed since the last
    report, the unreadable workbooks, and in the lead's mail a section per merchandiser.
    """
    day = today.isoformat()
    c = counts(lines)
    team_mail = name is None
    # the lead's mail over the team shows a section per merchandiser instead of the two whole tables: those
    # are built only when shown (a team's urgent lines are thousands)
    sections = _sections(lines, today, lang, team) if team is not None and team_mail else []
    rows = urgent(lines) if not sections else []
    words = {k: text(k, lang, day=day, overdue=c["overdue"], at_risk=c["at_risk"], name=name or "",
                     names="、".join(no_email) if lang == "zh" else ", ".join(no_email), n=0)
             for k in TEXT}
    return {
        "day": day,
        "t": words,
        "team": team_mail,
        "good_news": not (c["overdue"] or c["at_risk"]),
        "intro": words["intro_team" if team_mail else "intro"],
        "greeting": words["greeting_team" if team_mail or not name else "greeting"],
        "good_news_line": words["good_news_team" if team_mail else "good_news"],
        "counts": _counts_context(c, lang),
        "overdue": table_rows([o for o in rows if o.status == "overdue"], lang, today, team),
        "at_risk": table_rows([o for o in rows if o.status == "at_risk"], lang, today, team),
        "sections": sections,
        "since": team.changes_context(lang, name) if team is not None else None,
        "unreadable": [say(REPORT_TEAM, "unreadable", lang, error=pick(e, lang)) for e in team.unreadable]
        if team is not None and team_mail else [],
        "no_email": list(no_email),
        "attachment": any(o.status in OPEN_STATUSES for o in lines),
    }


def subject_for(lines: Sequence[Line], today: _dt.date, lang: str) -> str:
    c = counts(lines)
    key = "subject" if c["overdue"] or c["at_risk"] else "subject_ok"
    return text(key, lang, day=today.isoformat(), overdue=c["overdue"], at_risk=c["at_risk"])


def overdue_mail(lines: Sequence[Line], today: _dt.date, *, to: str, lang: str = "zh",
                 name: str | None = None, no_email: Sequence[str] = (),
                 templates_dir: Path | str | None = None, team: TeamFacts | None = None, source: str = "",
                 made: dict[str, Attachment] | None = None) -> Mail:
    """One report mail: for merchandiser `name` (their lines only, already filtered) or, with name=None,
    the team summary. Attaches the xlsx of the open lines when there are any; its title names `source`,
    the workbook the lines come from (over the team: the workbooks, see `covers`). `made` keeps the
    attachment per language for the next mail of the same lines (several leads: the team's 141k lines once)."""
    ctx = report_context(lines, today, lang, name=name, no_email=no_email, team=team)
    attachments = []
    if ctx["attachment"]:
        made = {} if made is None else made
        if lang not in made:
            covered = covers(lines, team, lang, lead=name is None) if team is not None else source
            # over several workbooks a row number alone is ambiguous: the attachment names each line's file and cell
            where = team.where if team is not None and len({team.files.get(id(o)) for o in lines}) > 1 else None
            made[lang] = Attachment(text("file", lang, day=today.isoformat()),
                                    status_workbook(lines, today, lang, merchandiser=name, source=covered, where=where),
                                    XLSX_MIME)
        attachments.append(made[lang])
    # the team summary and a merchandiser's own report are two mails, even to one address
    return render_mail("overdue", ctx, to=to, subject=subject_for(lines, today, lang), lang=lang,
                       attachments=attachments, templates_dir=templates_dir, ref=name if name is not None else TEAM)


def covers(lines: Sequence[Line], team: TeamFacts, lang: str, *, lead: bool) -> str:
    """Which of the team's workbooks an attachment covers: the lead's, every workbook read; a merchandiser's,
    those their lines come from. One is named ("张丽 订单.xlsx"), more are counted ("3 个工作簿")."""
    names = sorted(team.workbooks) if lead else sorted({team.files.get(id(o), "") for o in lines} - {""})
    if len(names) == 1:
        return names[0]
    return text("workbooks", lang, n=len(names)) if names else ""


# --- everybody's mails ---------------------------------------------------------------------------------


@dataclass
class OverduePlan:
    """The mails of one day's report, and the 跟单员 who could not get theirs."""

    today: _dt.date
    mails: list[Mail] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)

    @property
    def period(self) -> str:
        return self.today.isoformat()

    def to_dict(self) -> dict[str, Any]:
        return {"today": self.period, "no_email": self.no_email,
                "mails": [{"to": m.to, "subject": m.subject, "lang": m.lang,
                           "attachments": [a.filename for a in m.attachments]} for m in self.mails]}


def overdue_mails(lines: Sequence[Line], today: _dt.date, *, emails: Mapping[str, str], lead: Sequence[str] | str = (),
                  langs: Mapping[str, str] | None = None, default_lang: str = "zh",
                  nothing_overdue: str = "good-news", templates_dir: Path | str | None = None,
                  team: TeamFacts | None = None, source: str = "") -> OverduePlan:
    """One mail per merchandiser in `emails` ({name: address}) who has open lines, plus one summary per lead.
    `source` names the workbook the lines come from (the attachments' titles say it); `team`: the lines are
    the team's workbooks' (see `TeamFacts`, which then names the workbooks).

    `langs` maps an address to "zh" or "en" (default `default_lang`). Merchandisers named in the orders but
    missing from `emails` are listed in `plan.no_email` and in the lead's summary. With
    `nothing_overdue="skip"`, recipients with nothing overdue or at risk get no mail at all.
    """
    if nothing_overdue not in NOTHING_OVERDUE:
        raise ValueError(f"nothing_overdue must be one of {NOTHING_OVERDUE}, not {nothing_overdue!r}")
    langs = langs or {}
    leads = [lead] if isinstance(lead, str) else list(lead)

    def lang_of(addr: str) -> str:
        return langs.get(addr, langs.get(addr.lower(), default_lang))

    plan = OverduePlan(today)
    by_name: dict[str, str] = {str(k).strip(): v for k, v in emails.items() if v}
    names = sorted({merchandiser_of(o) for o in lines if o.status in OPEN_STATUSES} - {""})
    plan.no_email = [n for n in names if n not in by_name]
    theirs = by_merchandiser(lines)
    for name in names:
        if name not in by_name:
            continue
        addr = by_name[name]
        lang = lang_of(addr)
        mine = theirs[name]
        if not urgent(mine) and nothing_overdue == "skip":
            continue
        plan.mails.append(overdue_mail(mine, today, to=addr, lang=lang, name=name, templates_dir=templates_dir,
                                       team=team, source=source))
    made: dict[str, Attachment] = {}  # the leads' attachment, one per language
    for addr in leads:
        lang = lang_of(addr)
        if not urgent(lines) and nothing_overdue == "skip" and not plan.no_email and not (team and team.unreadable):
            continue
        plan.mails.append(overdue_mail(lines, today, to=addr, lang=lang, name=None, no_email=plan.no_email,
                                       templates_dir=templates_dir, team=team, source=source, made=made))
    return plan


def by_merchandiser(lines: Sequence[Line]) -> dict[str, list[Line]]:
    """Each merchandiser's lines (by name; "" for none), in the order given: one pass, not one per name."""
    out: dict[str, list[Line]] = {}
    for o in lines:
        out.setdefault(merchandiser_of(o), []).append(o)
    return out


# --- the workbook --------------------------------------------------------------------------------------

# The attached sheet's columns: (TEXT key of the header, width, kind). A kind is one cell format per status
# (text, a date, a number, a quantity with thousands, wrapped text), made once and reused by every row; a
# "key" is text of its own on each line (an order number, a PO), the others' texts repeat.
_SHEET = (("col_order", 14, "key"), ("col_po", 14, "key"), ("col_customer", 14, "text"), ("col_model", 14, "text"),
          ("col_merchandiser", 10, "text"), ("col_due", 11, "date"), ("col_status", 9, "text"),
          ("col_days_late", 10, "number"), ("col_workdays_left", 12, "number"), ("col_slack", 10, "number"),
          ("col_open", 10, "qty"), ("col_next", 9, "text"), ("col_next_date", 11, "date"), ("col_reason", 44, "wrap"),
          ("col_row", 6, "number"))
_SHEET_TEAM = (*_SHEET[:-1], ("col_where", 30, "text"))  # lines of several workbooks: the file and cell
_KINDS: dict[str, dict[str, Any]] = {"key": {}, "text": {}, "date": {"num_format": "yyyy-mm-dd"}, "number": {},
                                     "qty": {"num_format": "#,##0"}, "wrap": {"text_wrap": True}}


def _sheet_values(o: Line, lang: str, where: Mapping[int, str] | None = None) -> tuple:
    """One line's cells, in _SHEET's order (_SHEET_TEAM's with `where`). The day counts as the refreshed sheet
    has them: calendar days late of an overdue line, working days left of a line not past due."""
    return (o.order_no, o.customer_po, o.customer, o.model, merchandiser_of(o), o.due_date, o.label(lang),
            o.days_late, o.workdays_left if o.days_to_due is not None else None, o.slack_workdays, o.open_qty,
            o.next_milestone_label(lang), o.next_milestone_date, o.reason(lang),
            o.row if where is None else where.get(id(o), ""))


def status_workbook(lines: Sequence[Line], today: _dt.date, lang: str = "zh", *, merchandiser: str | None = None,
                    source: str = "", where: Mapping[int, str] | None = None) -> bytes:
    """The attached xlsx: every open line with its status (filters, frozen header, a colour per status),
    and a sheet counting statuses per customer with a native stacked-column chart (whole-number axis).

    Each sheet says what it is, from which workbook(s) (`source`), as of which day and whose lines
    (`merchandiser`, or everyone's); each line's row, or with `where` (id(line) → "订单.xlsx 订单!A12", for lines
    of several workbooks) its file and cell. It prints: the orders landscape and one page wide with the header on
    every page, the counts and their chart on one portrait page. Deterministic: the same lines on the same
    day give the same bytes (the sent log hashes them).

    A lead's attachment holds every open line of the team (141k on the benchmark's fifty workbooks): the lines'
    rows are written as XML (`_line_rows`, put in by `GeneratedBook.add_rows`) as the package is zipped, never
    all held; XlsxWriter writes the rest (titles, header, formats, the summary and its chart). See
    benchmarks/bench_report.py.
    """
    book = GeneratedBook({"default_date_format": "yyyy-mm-dd"})
    wb = book.wb
    # A fixed creation time keeps the bytes stable; XlsxWriter's zip entries carry a fixed date already.
    wb.set_properties({"title": text("sheet_orders", lang), "created": _dt.datetime.combine(today, _dt.time())})
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "border": 1}
    head = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True,
                            "valign": "vcenter"})
    plain = {k: book.add_format({**base, **extra}) for k, extra in _KINDS.items()}
    fmts = {s: {k: book.add_format({**base, "bg_color": f, "font_color": ink, "border_color": "#D9D9D9", **extra})
                for k, extra in _KINDS.items()} for s, (f, ink) in COLOURS.items()}
    fmts["plain"] = plain
    # text that looks like a formula is stored with the quote prefix: a twin of each text format
    quoted = {id(f): book.quoted(f) for by_kind in fmts.values() for k, f in by_kind.items()
              if k in ("key", "text", "wrap")}
    rows = open_orders(lines)
    sheet_cols = _SHEET if where is None else _SHEET_TEAM
    c = counts(rows)
    scope = text("scope_mine" if merchandiser else "scope_team", lang, name=merchandiser or "", n=len(rows))
    sep = "，" if lang == "zh" else ", "
    tally = sep.join(f"{status_label(s, lang)} {n}" for s, n in c.items() if n)
    facts = " · ".join(x for x in (source, text("as_of", lang, day=today.isoformat()),
                                   f"{scope}{'：' if lang == 'zh' else ': '}{tally}" if tally else scope) if x)
    top = HEADER_ROW

    ws = titled_sheet(book, text("sheet_orders", lang), title=text("title_orders", lang), facts=facts)
    headers = [text(key, lang) for key, _, _ in sheet_cols]
    for i, (_, width, _) in enumerate(sheet_cols):
        ws.set_column(i, i, width)
    fit_row(ws, top, [(h, w) for h, (_, w, _) in zip(headers, sheet_cols)], least=30)  # before the row is written
    ws.write_row(top, 0, headers, head)
    ws.freeze_panes(top + 1, 0)
    ws.autofilter(top, 0, top + max(len(rows), 1), len(sheet_cols) - 1)
    book.add_rows(ws, lambda: _line_rows(rows, lang, top + 1, fmts, quoted, sheet_cols, where),
                  last_row=top + max(len(rows), 1), last_col=len(sheet_cols) - 1,
                  formats=[*(f for by in fmts.values() for f in by.values()), *quoted.values()])

    # Status counts per customer, and the chart drawn from them, under the table: one portrait page.
    sheet = text("sheet_summary", lang)
    ss = titled_sheet(book, sheet, title=text("title_summary", lang), facts=facts, landscape=False)
    tallies: dict[str, dict[str, int]] = {}
    for o in rows:
        mine = tallies.setdefault(_cell(o.customer) or "-", {})
        mine[o.status] = mine.get(o.status, 0) + 1
    customers = sorted(tallies)
    present = [s for s in OPEN_STATUSES if c.get(s)]
    ss.write_row(top, 0, [text("col_customer", lang)] + [status_label(s, lang) for s in present]
                 + [text("total", lang)], head)
    ss.set_column(0, 0, 18)
    ss.set_column(1, len(present) + 1, 10)
    ss.freeze_panes(top + 1, 1)
    largest = 0
    for r, cust in enumerate(customers, start=top + 1):
        book.cell(ss, r, 0, cust, plain["text"])
        mine = tallies[cust]
        for c_, s in enumerate(present, start=1):
            ss.write_number(r, c_, mine.get(s, 0), plain["number"])
        total = sum(mine.values())
        ss.write_number(r, len(present) + 1, total, plain["number"])
        largest = max(largest, total)
    if customers and present:
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        n = len(customers)
        for c_, s in enumerate(present, start=1):
            chart.add_series({
                "name": [sheet, top, c_],
                "categories": [sheet, top + 1, 0, top + n, 0],
                "values": [sheet, top + 1, c_, top + n, c_],
                "fill": {"color": COLOURS[s][0]},
                "border": {"color": COLOURS[s][1]},
            })
        chart.set_title({"name": text("chart_title", lang)})
        chart.set_legend({"position": "bottom"})
        whole_number_axis(chart, largest)  # orders come whole: no axis step of 0.5
        chart.set_size({"width": 640, "height": 360})
        ss.insert_chart(top + n + 2, 0, chart)
    return book.close()


def _line_rows(rows: Sequence[Line], lang: str, first: int, fmts: Mapping[str, Mapping[str, Any]],
               quoted: Mapping[int, Any], sheet_cols: Sequence[tuple[str, int, str]] = _SHEET,
               where: Mapping[int, str] | None = None) -> Iterator[str]:
    """The lines' rows as XML, from row `first` on (GeneratedBook.add_rows). What a cell needs is decided
    once per column (its kind, its letter) and once per status (its style indices); per cell there is only
    its value: text that looks like a formula gets the quote prefix's twin style (as `GeneratedBook.cell`
    stores it), dates are Excel serial numbers under a date format, as XlsxWriter stores them."""
    letters = [col_letter(c) for c in range(len(sheet_cols))]
    kinds = [kind for _, _, kind in sheet_cols]
    reason_col = [key for key, _, _ in sheet_cols].index("col_reason")
    reason_width = sheet_cols[reason_col][1]
    styles = {s: {k: style(f) for k, f in by_kind.items()} for s, by_kind in fmts.items()}
    twins = {style(f): style(q) for f, q in ((fmt, quoted[id(fmt)]) for by_kind in fmts.values()
                                              for fmt in by_kind.values() if id(fmt) in quoted)}
    heights: dict[str, float] = {}  # reason text → its row's height (0: one line); 100k lines share ~25k texts
    texts: dict[str, tuple[str, bool]] = {}  # text → its XML, and whether it looks like a formula: customers,
    plain = styles["plain"]                  # models, names, labels and reasons repeat
    for r, o in enumerate(rows, start=first):
        st = styles.get(o.status, plain)
        n = r + 1
        cells = []
        values = _sheet_values(o, lang, where)
        for letter, kind, v in zip(letters, kinds, values):
            s_ = st[kind]
            if v is None or v == "":
                cells.append(f'<c r="{letter}{n}" s="{s_}"/>')
            elif kind == "date":
                cells.append(f'<c r="{letter}{n}" s="{s_}"><v>{serial(v, False)}</v></c>')
            elif kind == "number" or kind == "qty":
                cells.append(f'<c r="{letter}{n}" s="{s_}"><v>{number_text(v)}</v></c>')
            else:
                t = v if type(v) is str else _cell(v)
                inner = texts.get(t) if kind != "key" else None
                if inner is None:
                    inner = (inline_string(t), looks_like_formula(t))
                    if kind != "key":
                        texts[t] = inner
                if inner[1]:
                    s_ = twins[s_]
                cells.append(f'<c r="{letter}{n}" s="{s_}" t="inlineStr">{inner[0]}</c>')
        reason = values[reason_col]
        height = heights.get(reason)
        if height is None:
            height = heights[reason] = row_height(reason, reason_width)
        yield row_xml(r, cells, height)  # the reason wraps: the key fact, never cut


__all__ = ["TEXT", "COLOURS", "OverduePlan", "TeamFacts", "counts", "urgent", "open_orders", "overdue_mail",
           "overdue_mails", "status_workbook", "subject_for", "report_context", "JOB"]
