"""The status of one order line in words: labels, milestones, one-line reasons, and `Line`, the status of a
line, with `StatusResult`, the status of every line. The rules that decide a line's status are status.py's;
these are its words and shapes (zh and en: the one table of each kind of text)."""
from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from string import Formatter
from typing import Any, Mapping

import numpy as np

from gendan_xl import schema
from gendan_xl.errors import Issue
from gendan_xl.workdays import WorkCalendar

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "overdue": ("逾期", "Overdue"),
    "at_risk": ("有风险", "At risk"),
    "on_track": ("正常", "On track"),
    "shipped_late": ("延迟出货", "Shipped late"),
    "shipped_on_time": ("准时出货", "Shipped on time"),
    "cancelled": ("已取消", "Cancelled"),
    "unknown": ("无法判断", "Unknown"),
}
STATUSES = tuple(STATUS_LABELS)  # also the order of the summary

MILESTONE_LABELS: dict[str, tuple[str, str]] = {
    "material": ("到料", "material"),
    "production_start": ("上线", "production start"),
    "production_finish": ("完工", "production finish"),
    "inspection": ("验货", "inspection"),
    "packing": ("包装", "packing"),
    "ship": ("出货", "shipment"),
}
MILESTONES = tuple(MILESTONE_LABELS)  # in the order they happen
ACTUAL_FIELDS: dict[str, str | None] = {
    "material": "material_date",
    "production_start": "production_date",
    "production_finish": "finish_date",
    "inspection": "inspection_date",
    "packing": None,
    "ship": "ship_date",
}
# Milestones whose actual date can be missing: a passed one makes the line at risk (packing has no column).
_CHECKED_MILESTONES = tuple(m for m in MILESTONES if ACTUAL_FIELDS[m] is not None)

# One-line reasons, zh and en. A line's reason is one or more of these parts joined by "；" / "; ".
# {due} is the due date used, named ("客户交期 11-13", "工厂交期 11-24（客户交期 11-26）": see `_due_phrase`);
# it always ends a clause, so the optional second date never splits a sentence.
REASONS: dict[str, tuple[str, str]] = {
    "cancelled": ("已取消", "cancelled"),
    "shipped_on_time": ("{ship} 已出货，{due}", "shipped {ship}, {due}"),
    "shipped_late": ("{ship} 出货，晚 {days} 天，{due}", "shipped {ship}, {days} days late, {due}"),
    "overdue": ("逾期 {days} 天，尚未出货，{due}", "{days} days overdue, not shipped, {due}"),
    "bad_quantity": ("数量 {quantity} 无效，无法判断交期，请改正数量", "quantity {quantity} is not valid; fix it to "
                     "judge this line"),
    "overdue_partial": ("逾期 {days} 天，尚未出齐，{due}", "{days} days overdue, not fully shipped, {due}"),
    "past_customer": ("客户交期 {customer} 已过 {days} 天，尚未出货（计划按{due}）",
                      "{days} days past the customer due date {customer}, not shipped (planned by {due})"),
    "factory_late": ("工厂交期 {factory} 晚于客户交期 {customer}，请与客户确认",
                     "factory due {factory} is after the customer due {customer}; agree it with the customer"),
    "missed": ("{label}计划 {date}，尚未{label}", "{label} planned {date}, not done"),
    "short": ("还需 {need} 个工作日，只剩 {left} 个工作日，{due}", "needs {need} working days, only {left} left, {due}"),
    "window": ("只剩 {left} 个工作日，{due}", "{left} working days left, {due}"),
    "next": ("下一步：{label} {date}，富余 {slack} 个工作日", "next: {label} {date}, {slack} working days to spare"),
    "partial": ("已出 {shipped}/{quantity}，余 {rest} 未出", "partly shipped {shipped} of {quantity}, {rest} to go"),
    "partial_unknown": ("状态为部分出货，已出数量未填", "the status says partly shipped; the shipped quantity is blank"),
    "due": ("{due}", "{due}"),
    "no_due": ("缺少交期，请填写客户交期或工厂交期", "no due date; fill in the customer or factory due date"),
    "bad_due": ("交期“{value}”无法使用，请写成 2026-11-03 这样的日期",
                "due date '{value}' is unusable; write it like 2026-11-03"),
    "due_no_value": ("交期是没有计算结果的公式，请在 Excel 中打开并保存",
                     "the due date is a formula with no calculated value; open and save the workbook in Excel"),
    "no_model": ("缺少型号，未按标准周期检查", "no model; lead time not checked"),
    "unknown_model": ("型号“{model}”不在产品表，未按标准周期检查",
                      "model '{model}' is not in the products sheet; lead time not checked"),
    "no_lead": ("型号“{model}”没有标准周期，未按标准周期检查",
                "model '{model}' has no standard lead times; lead time not checked"),
    "future_ship": ("出货日期 {ship} 在今天之后，按未出货计算", "ship date {ship} is after today; counted as not shipped"),
    "stage_open": ("出货日期 {ship} 已过，但状态是“{word}”，按未出货计算",
                   "ship date {ship} has passed but the status says '{word}'; counted as not shipped"),
    "shipped_no_date": ("已全部出货但缺少出货日期，无法判断是否准时",
                        "fully shipped but no ship date; cannot tell whether on time"),
    "on_hold": ("暂停中", "on hold"),
}
# How a due date is named in a reason.
DUE_LABELS: dict[str, tuple[str, str]] = {"customer": ("客户交期", "customer due"), "factory": ("工厂交期", "factory due")}
DUE_BASES = tuple(DUE_LABELS)
MILESTONE_STATES = ("done", "late", "pending")

_SEPARATOR = {"zh": "；", "en": "; "}


def _text(table: Mapping[str, tuple[str, str]], code: str, lang: str) -> str:
    zh, en = table[code]
    return zh if lang == "zh" else en


def counts_text(counts: Mapping[str, int], lang: str = "zh") -> str:
    """Lines per status in words, as `StatusResult.counts` lists them, zeros left out: "逾期 3，有风险 7" /
    "Overdue 3, At risk 7"; "" when there are none. The one such phrase the terminal and the Excel button print."""
    return ("，" if lang == "zh" else ", ").join(f"{_text(STATUS_LABELS, k, lang)} {n}" for k, n in counts.items() if n)


@dataclass(slots=True)
class Line:
    """The status of one order line. `reason(lang)` and `label(lang)` give the text."""

    row: int
    order_no: Any
    customer: Any
    model: Any
    merchandiser: Any
    due_date: _dt.date | None  # the date the line is judged by (see `due_basis`)
    customer_due_date: _dt.date | None
    status: str
    factory_due_date: _dt.date | None = None
    due_basis: str | None = None  # "customer" or "factory": which of the two `due_date` is
    stage: str | None = None  # the status word's stage (schema.STAGES), None when blank or unmapped
    days_late: int | None = None
    days_to_due: int | None = None
    slack_workdays: int | None = None
    next_milestone: str | None = None
    next_milestone_date: _dt.date | None = None
    workdays_left: int | None = None
    remaining_workdays: int | None = None
    planned_dates: tuple[_dt.date, ...] | None = None  # in MILESTONES order; see `plan`
    actual_dates: tuple[_dt.date | None, ...] | None = None  # in MILESTONES order, with the plan
    done_mask: int = 0  # bit k: MILESTONES[k] is done (by a date, a later step, a shipment or the stage)
    partial: bool = False
    reasons: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (REASONS code, fields)
    today: _dt.date | None = field(default=None, repr=False)  # dates in reasons are written relative to it
    customer_po: Any = None  # the customer's own order number: what they chase a delivery by
    open_qty: int | None = None  # still to ship (quantity − shipped, else 未出数量); None when closed or unknown

    @property
    def plan(self) -> dict[str, _dt.date]:
        """{milestone: planned date}, empty when the line has no plan."""
        return dict(zip(MILESTONES, self.planned_dates)) if self.planned_dates else {}

    @property
    def milestones(self) -> list[dict[str, Any]]:
        """Every step of the plan: planned date, actual date and state (done / late / pending); empty when
        the line has no plan."""
        if not self.planned_dates:
            return []
        actual = self.actual_dates or (None,) * len(MILESTONES)
        out = []
        for k, (m, planned) in enumerate(zip(MILESTONES, self.planned_dates)):
            done = bool(self.done_mask >> k & 1)
            late = not done and self.today is not None and planned < self.today
            out.append({"milestone": m, "planned": planned, "actual": actual[k],
                        "state": "done" if done else "late" if late else "pending"})
        return out

    def label(self, lang: str = "zh") -> str:
        return _text(STATUS_LABELS, self.status, lang)

    def reason(self, lang: str = "zh") -> str:
        return reason_text(self.reasons, lang, self.today.year if self.today is not None else None)

    def next_milestone_label(self, lang: str = "zh") -> str | None:
        return _text(MILESTONE_LABELS, self.next_milestone, lang) if self.next_milestone else None

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "order_no": self.order_no,
            "row": self.row,
            "status": self.status,
            "days_late": self.days_late,
            "days_to_due": self.days_to_due,
            "slack_workdays": self.slack_workdays,
            "next_milestone": self.next_milestone,
            "next_milestone_date": _iso(self.next_milestone_date),
            "reason": self.reason(lang),
            "label": self.label(lang),
            "next_milestone_label": self.next_milestone_label(lang),
            "customer": self.customer,
            "customer_po": self.customer_po,
            "model": self.model,
            "merchandiser": self.merchandiser,
            "open_qty": self.open_qty,
            "due_date": _iso(self.due_date),
            "due_basis": self.due_basis,
            "customer_due_date": _iso(self.customer_due_date),
            "factory_due_date": _iso(self.factory_due_date),
            "stage": self.stage,
            "milestones": [{"milestone": m["milestone"], "label": _text(MILESTONE_LABELS, m["milestone"], lang),
                            "planned": _iso(m["planned"]), "actual": _iso(m["actual"]), "state": m["state"]}
                           for m in self.milestones],
        }


URGENT = ("overdue", "at_risk")


def urgency(line: Line) -> tuple:
    """How urgent an urgent line is, most first: overdue ones by days late, then at-risk ones by slack,
    then by due date; the row last."""
    if line.status == "overdue":
        return (0, -(line.days_late or 0), line.row)
    slack = line.slack_workdays if line.slack_workdays is not None else 10**9
    return (1, slack, line.due_date or _dt.date.max, line.row)


def _iso(d: _dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass
class StatusResult:
    """Every line's status, with the calendar's warnings for the years the plan touched."""

    today: _dt.date
    lines: list[Line]
    calendar: WorkCalendar
    years: frozenset[int] = frozenset()
    # A result gathered from chunks of a streamed sheet may keep only some lines (the urgent ones): then
    # these say how many lines of each status there were, and how many in all.
    totals: Mapping[str, int] | None = None
    total: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Lines per status, every status listed (zeros included), in STATUSES order."""
        out = dict.fromkeys(STATUSES, 0)
        if self.totals is not None:
            out.update(self.totals)
            return out
        for line in self.lines:
            out[line.status] += 1
        return out

    @property
    def line_count(self) -> int:
        return len(self.lines) if self.total is None else self.total

    @property
    def complete(self) -> bool:
        """Whether every line is kept (not only the urgent ones)."""
        return self.total is None or self.total == len(self.lines)

    @property
    def urgent(self) -> list[Line]:
        """Overdue lines (most days late first), then at-risk ones (least slack, then earliest due)."""
        return sorted((x for x in self.lines if x.status in URGENT), key=urgency)

    def calendar_issues(self, lang: str = "zh", sheet: str = schema.CALENDAR.zh) -> list[Issue]:
        """`calendar-unverified` warnings, one per year the figures relied on without official data."""
        return self.calendar.issues_for(self.years, sheet=sheet, lang=lang)

    def to_frame(self, lang: str = "zh") -> Any:
        """One row per order line as a pandas DataFrame indexed by Excel row (gendan-xl[pandas])."""
        from gendan_xl.frames import status_frame

        return status_frame(self, lang)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "orders": [line.to_dict(lang) for line in self.lines],
            "counts": self.counts,
            "issues": [i.to_dict() for i in self.calendar_issues(lang)],
        }


@functools.lru_cache(maxsize=4096)
def _fmt(d: _dt.date, year: int | None) -> str:
    """11-20 in the current year, 2027-01-05 otherwise: how people write dates in a one-line note."""
    return f"{d.month:02d}-{d.day:02d}" if d.year == year else d.isoformat()


def _due_phrase(basis: str, due: str, other: str | None, lang: str) -> str:
    """"客户交期 11-13", or "工厂交期 11-24（客户交期 11-26）" when the other due date differs."""
    text = f"{_text(DUE_LABELS, basis, lang)} {due}"
    if other is not None and other != due:
        other_label = _text(DUE_LABELS, "factory" if basis == "customer" else "customer", lang)
        text += f"（{other_label} {other}）" if lang == "zh" else f" ({other_label} {other})"
    return text


def reason_text(reasons: list[tuple[str, dict[str, Any]]], lang: str, year: int | None) -> str:
    """The one-line reason of REASONS parts (code, fields), dates written relative to `year`. Lines share their
    reasons a lot (a few dates and counts), so texts are kept: 100k lines have about 26k different ones, and
    equal texts are then one object."""
    # with each value's type: 1, 1.0 and True are equal keys but not the same text
    key = tuple([(code, tuple([(k, type(v), v) for k, v in params.items()])) for code, params in reasons])
    try:
        return _kept_reason_text(key, lang, year)
    except TypeError:  # an unhashable value in a reason: not from a workbook, but no reason to crash
        return word_reason(reasons, lang, year)


@functools.lru_cache(maxsize=1 << 16)
def _kept_reason_text(reasons: tuple[tuple[str, tuple[tuple[str, type, Any], ...]], ...], lang: str,
                      year: int | None) -> str:
    return word_reason([(code, {k: v for k, _, v in params}) for code, params in reasons], lang, year)


def word_reason(reasons: list[tuple[str, dict[str, Any]]], lang: str, year: int | None) -> str:
    """`reason_text`, worded anew (for a caller that keeps the texts itself)."""
    parts = []
    for code, params in reasons:
        fields = {k: _fmt(v, year) if isinstance(v, _dt.date) else v for k, v in params.items()}
        if "basis" in fields:
            fields["due"] = _due_phrase(fields["basis"], fields["due"], fields.get("other"), lang)
        if "milestone" in fields:
            fields["label"] = _text(MILESTONE_LABELS, fields["milestone"], lang)
        parts.append(_text(REASONS, code, lang).format(**fields))
    return _SEPARATOR.get(lang, "; ").join(parts)


def word_part(code: str, fields: Mapping[str, np.ndarray], n: int, lang: str, year: int) -> np.ndarray:
    """`word_reason` of one REASONS part for `n` lines at once, as an object array: `fields` holds each field
    as an array (dates as datetime64[D], NaT for none; "basis" True where the due date is the customer's;
    "milestone" as MILESTONES' index; numbers as ints). Each distinct value is worded once, and the
    template's pieces are joined per line in C."""
    texts: dict[str, np.ndarray] = {}
    for name, values in fields.items():
        if name in ("basis", "other") or (name == "due" and "basis" in fields):
            continue
        if name == "milestone":
            texts["label"] = np.array([_text(MILESTONE_LABELS, m, lang) for m in MILESTONES], dtype=object)[values]
        elif values.dtype.kind == "M":
            texts[name] = _each_text(values.view(np.int64), lambda d: _fmt(_date_of(d), year))
        else:
            texts[name] = _each_text(values, str)
    if "basis" in fields:  # the due date used, named, and the other beside it when it differs
        other = fields.get("other", np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"))
        three = np.stack([fields["basis"].astype(np.int64), fields["due"].view(np.int64), other.view(np.int64)], 1)
        rows = np.ascontiguousarray(three).view(np.dtype((np.void, 24))).ravel()  # one value per line: its three
        texts["due"] = _each_text(rows, lambda row: _due_phrase(*_phrase_fields(row, year), lang))
    out = np.full(n, "", dtype=object)
    for literal, shown, _, _ in Formatter().parse(_text(REASONS, code, lang)):
        if literal:
            out = out + literal
        if shown is not None:
            out = out + texts[shown]
    return out


def _phrase_fields(row: bytes, year: int) -> tuple[str, str, str | None]:
    basis, due, other = np.frombuffer(row, dtype=np.int64).tolist()
    return ("customer" if basis else "factory", _fmt(_date_of(due), year),
            None if other == _NAT_DAY else _fmt(_date_of(other), year))


def _each_text(values: np.ndarray, word: Any) -> np.ndarray:
    """word(v) of each value, worked out once per distinct value, as an object array."""
    distinct, which = np.unique(values, return_inverse=True)
    return np.array([word(v) for v in distinct.tolist()], dtype=object)[which.reshape(-1)]


_NAT_DAY = int(np.datetime64("NaT").view(np.int64))
_EPOCH = _dt.date(1970, 1, 1)


def _date_of(day: int) -> _dt.date:
    return _EPOCH + _dt.timedelta(days=day)


# The order fields the status reads.
