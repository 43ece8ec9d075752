"""The status of a block of order lines as status.py's rules decided it, a column at a time (numpy arrays, one
entry per line): `StatusBlock`. What a refresh writes for each line — its status, figures and one-line reason —
comes from those arrays without a `Line` per line; the `Line`s a caller does need (the urgent ones kept for
the result, `status --json`) are made from the same decisions.

A reason of one part (most lines: a settled line's ship date and due date, an open line's next step) is
worded a column at a time: each distinct date, count and due phrase once, the template's pieces joined per
line in C (`status_lines.word_part`). A reason with notes is worded once per distinct *reason key*: the few
numbers, dates, codes and values its text shows, not everything the status depends on; those texts are
kept across blocks (for a language and a day), so a refresh's chunks word each once.
"""
from __future__ import annotations

import datetime as _dt
import gc
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, cast, overload

import numpy as np

from gendan_xl.status_lines import _CHECKED_MILESTONES, MILESTONES, STATUSES, Line, word_part, word_reason

# The main reason of a line: the first part of its reason, which also says its status (status.py's module
# docstring has the rules). "bad_due_date" is REASONS' bad_due showing a due date out of any sane year.
MAIN = ("cancelled", "shipped_no_date", "no_due", "bad_due", "due_no_value", "shipped_late", "shipped_on_time",
        "bad_quantity", "bad_due_date", "overdue", "overdue_partial", "past_customer", "factory_late", "missed",
        "short", "window", "due", "next")
_MAIN_STATUS = ("cancelled", "unknown", "unknown", "unknown", "unknown", "shipped_late", "shipped_on_time",
                "unknown", "unknown", "overdue", "overdue", "at_risk", "at_risk", "at_risk", "at_risk", "at_risk",
                "unknown", "on_track")
STATUS_OF_MAIN = np.array([STATUSES.index(s) for s in _MAIN_STATUS], dtype=np.int8)
# Why the lead time was not checked, as numbered in `_Kernel.problem` (0: it was).
PROBLEMS = ("", "no_model", "unknown_model", "no_lead")

_NAT = np.datetime64("NaT")


def _codes(*names: str) -> list[int]:
    return [MAIN.index(x) for x in names]


def among(codes: np.ndarray, wanted: Sequence[int]) -> np.ndarray:
    """Whether each of `codes` (small whole numbers ≥ 0) is one of `wanted`: np.isin by a table (np.isin costs
    a sort, and imports numpy.ma, a thirtieth of a second, on its first call)."""
    table = np.zeros(max(int(codes.max(initial=0)), *wanted, 0) + 1, bool)
    table[list(wanted)] = True
    return table[codes]


_DUE_PHRASE = _codes("shipped_late", "shipped_on_time", "overdue", "overdue_partial", "past_customer", "short",
                     "window", "due")  # reasons that name the due date used (and the other, but past_customer)
_DAYS_LATE = _codes("shipped_late", "overdue", "overdue_partial")


@dataclass
class _Kernel:
    """What the column-wise rules decided (status.py's `_kernel`): arrays, one entry per line, and the
    values by field that the lines show as they are."""

    n: int
    today: _dt.date
    years: frozenset[int]
    row_numbers: Sequence[int]
    order_nos: Sequence[Any]
    customers: Sequence[Any]
    models: Sequence[Any]
    merchandisers: Sequence[Any]
    customer_pos: Sequence[Any]
    words: Sequence[Any]  # the status words
    stages: list[str | None]
    bad_due: Mapping[int, Any]  # line → the raw value of a due date that could not be read
    quantity: list[int | None]
    shipped: list[int | None]
    open_qty: list[int | None]
    main: np.ndarray  # MAIN's index
    problem: np.ndarray  # PROBLEMS' index
    due: np.ndarray  # datetime64[D]: the due date the rule took (NaT: none)
    other: np.ndarray  # the other due date
    by_customer: np.ndarray  # the due date is the customer's
    customer: np.ndarray
    factory: np.ndarray
    ship: np.ndarray
    notes: np.ndarray  # the line's reason has notes after the main part (an open or unjudged line)
    judged: np.ndarray  # an open line with a usable due date and quantity: its figures are worked out
    planned: np.ndarray  # judged, with a plan (lead times)
    future: np.ndarray
    stage_open: np.ndarray
    partial: np.ndarray
    partial_unknown: np.ndarray
    on_hold: np.ndarray
    left: np.ndarray  # working days left
    remaining: np.ndarray  # standard lead time still to go
    nxt: np.ndarray  # MILESTONES' index of the next step
    first_missed: np.ndarray  # _CHECKED_MILESTONES' index of the first missed step
    plan: np.ndarray  # datetime64[D], lines × MILESTONES
    actual: np.ndarray  # datetime64[D], lines × MILESTONES
    done_mask: np.ndarray

    def take(self, idx: np.ndarray) -> "_Kernel":
        """The kernel of the lines `idx` only."""
        return _Kernel(**{**self.__dict__, **{f: getattr(self, f)[idx] for f in _ARRAYS}, "n": idx.size})


class StatusBlock(Sequence[Line]):
    """The status of each line of a block (`status.status_rows`). As a sequence: per line, a Line shared by
    every line of the block whose status is the same in every respect but who the line is (order number,
    customer PO, customer, merchandiser, row: those of the first such line) — made when first asked for.
    `values(attr)` and `reasons(lang)` give what each line's Line would say, worked out a column at a time
    and without making the Lines; `on_rows` lays them on the sheet's rows (a refresh's chunk)."""

    def __init__(self, kernel: _Kernel):
        self.k = kernel

    def __len__(self) -> int:
        return self.k.n

    @overload
    def __getitem__(self, i: int) -> Line: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Line]: ...

    def __getitem__(self, i: int | slice) -> Line | Sequence[Line]:
        return self._shared[i]

    def __iter__(self) -> Iterator[Line]:
        return iter(self._shared)

    @cached_property
    def _shared(self) -> list[Line]:
        firsts: dict[tuple, int] = {}
        which = [firsts.setdefault(key, i) for i, key in enumerate(_sharing_keys(self.k))]
        made = dict(zip(firsts.values(), lines_of(self.k, firsts.values())))
        return list(map(made.__getitem__, which))

    @cached_property
    def status_ids(self) -> np.ndarray:
        """Each line's status as STATUSES' index."""
        return STATUS_OF_MAIN[self.k.main]

    def counts(self) -> dict[str, int]:
        return dict(zip(STATUSES, np.bincount(self.status_ids, minlength=len(STATUSES)).tolist()))

    def lines(self, indices: Iterable[int]) -> list[Line]:
        """Each line of `indices` its own Line."""
        return lines_of(self.k, indices)

    def most_urgent(self, indices: Sequence[int], most: int) -> list[int]:
        """The `most` lines of `indices` that come first by `status_lines.urgency`, in that order."""
        k, idx = self.k, np.asarray(indices, dtype=np.intp).reshape(-1)
        sub = k.take(idx)
        overdue = _overdue(sub)
        late = np.where(overdue, k.today.toordinal() - _dt.date(1970, 1, 1).toordinal() - _days(sub.due), 0)
        slack = np.where(sub.planned, sub.left - sub.remaining, 10**9)
        due = np.where(_line_basis(sub) > 0, _days(sub.due), np.iinfo(np.int64).max)  # none: date.max
        rows = np.asarray(k.row_numbers, dtype=np.int64)[idx]
        order = np.lexsort((rows, np.where(overdue, 0, due), np.where(overdue, -late, slack), ~overdue))
        return idx[order[:most]].tolist()

    def values(self, attr: str) -> list[Any]:
        """Each line's Line's attribute `attr`."""
        figure = _FIGURES.get(attr)
        if figure is None:
            return [getattr(line, attr) for line in lines_of(self.k, range(self.k.n))]
        return figure(self.k)

    def distinct(self, attr: str) -> tuple[list[Any], np.ndarray]:
        """`values(attr)` as the distinct values and, per line, the index of its own (None: the last) — for a
        caller that makes something once per distinct value, the text of a date. `attr`: a figure held as a
        code or a number (`_CODED`, `_NUMBERS`)."""
        coded = _CODED.get(attr)
        if coded is not None:
            names, codes = coded(self.k)
            return list(names), codes
        numbers, shown = _NUMBERS[attr](self.k)
        distinct, index = np.unique(numbers[shown], return_inverse=True)
        out = np.full(self.k.n, distinct.size, dtype=np.intp)
        out[shown] = index.reshape(-1)
        return [*distinct.astype(object).tolist(), None], out

    def plans(self) -> tuple[list[int], list[bytes]]:
        """The lines with a plan and a key of each one's: lines with equal keys have the same `Line.milestones`
        (its planned and actual dates, what is done, and today) — a plan's milestones are those of hundreds of
        lines, so a caller can say them once per key."""
        k = self.k
        idx = np.flatnonzero(k.planned)
        today = np.full((idx.size, 1), k.today.toordinal(), dtype=np.int64)
        keys = np.hstack([_days(k.plan[idx]), _days(k.actual[idx]), k.done_mask[idx, None].astype(np.int64), today])
        return idx.tolist(), cast(list[bytes], keys.view(np.dtype((np.void, keys.shape[1] * 8))).ravel().tolist())

    def reasons(self, lang: str) -> list[str]:
        """Each line's reason in `lang` (`Line.reason`): a reason of one part a column at a time
        (`status_lines.word_part`), one with notes once per distinct reason key (`_keys`)."""
        k = self.k
        texts = _TEXTS.get((lang, k.today))
        if texts is None or len(texts) > _TEXTS_KEPT:  # a new day (let the others go: a watcher runs for
            for old in [key for key in list(_TEXTS) if key[1] != k.today]:  # weeks), or too many: a new dict,
                _TEXTS.pop(old, None)  # never one cleared in place under a refresh still using it
            texts = _TEXTS[(lang, k.today)] = {}
        bits = _note_bits(k)
        year = k.today.year
        groups = np.flatnonzero(np.bincount(k.main, minlength=len(MAIN))).tolist()
        out = np.empty(k.n, dtype=object)
        for code in groups:
            sel = np.flatnonzero(k.main == code) if len(groups) > 1 else np.arange(k.n)
            if code not in _BY_KEY:
                plain, sel = sel[bits[sel] == 0], sel[bits[sel] != 0]
                if plain.size:
                    name = MAIN[code]
                    out[plain] = word_part(name, _fields(k, name, plain), plain.size, lang, year)
            if sel.size:
                keys = _keys(k, code, sel, bits)
                new = {key: i for key, i in dict(zip(keys, sel.tolist())).items() if key not in texts}
                texts.update(zip(new, (word_reason(parts, lang, year) for parts in reason_parts(k, new.values()))))
                out[sel] = np.array(list(map(texts.__getitem__, keys)), dtype=object)
        return out.tolist()

    def on_rows(self, first: int, last: int) -> "RowStatuses":
        """The lines laid on the sheet's rows `first`..`last` (each line's row must be among them)."""
        return RowStatuses(self, first, last)


@dataclass
class RowStatuses:
    """A block's lines on a run of the sheet's rows, some of which may be no line (`StatusBlock.on_rows`):
    what a refresh words a chunk's columns from (books/refresh.py's `columns_values`)."""

    block: StatusBlock
    first: int
    last: int

    @property
    def count(self) -> int:
        return len(self.block)

    def values(self, attr: str) -> list[Any]:
        return self.block.values(attr)

    def reasons(self, lang: str) -> list[str]:
        return self.block.reasons(lang)

    def spread(self, words: list[Any]) -> list[Any]:
        """Per row, the word of its line (`words`, one per line), None where the row is no line."""
        rows = self.block.k.row_numbers
        n = self.last - self.first + 1
        if len(rows) == n:  # every row a line (rows ascend): nothing to place
            return list(words)
        out: list[Any] = [None] * n
        first = self.first
        list(map(out.__setitem__, [r - first for r in rows], words))
        return out


# Reason texts by (language, today), then reason key; let go when they grow past this many.
_TEXTS: dict[tuple[str, _dt.date], dict[tuple, str]] = {}
_TEXTS_KEPT = 1 << 18


def _days(a: np.ndarray) -> np.ndarray:
    """Day numbers of datetime64[D] values (NaT: the smallest int64)."""
    return a.view(np.int64)


def _masked(values: np.ndarray, mask: np.ndarray) -> list[Any]:
    """`values` as Python objects (dates for datetime64), None where `mask` is False."""
    out = values.astype(object)
    out[~mask] = None
    return out.tolist()


def _days_late(k: _Kernel) -> tuple[np.ndarray, np.ndarray]:
    late_by_ship = k.main == MAIN.index("shipped_late")
    late = np.where(late_by_ship, k.ship, np.datetime64(k.today, "D")) - k.due
    return late.astype(np.int64), among(k.main, _DAYS_LATE)


def _days_to_due(k: _Kernel) -> tuple[np.ndarray, np.ndarray]:
    return (k.due - np.datetime64(k.today, "D")).astype(np.int64), k.judged & ~_overdue(k)


_CHECKED_STEP = np.array([MILESTONES.index(m) for m in _CHECKED_MILESTONES])  # a checked step's place in the plan


def _overdue(k: _Kernel) -> np.ndarray:
    return among(k.main, _codes("overdue", "overdue_partial"))


def _line_basis(k: _Kernel) -> np.ndarray:
    """The basis a line shows: 0 none (no due date, or one out of any sane year), 1 customer, 2 factory."""
    unjudged = k.notes & ~k.judged
    return np.where(np.isnat(k.due) | unjudged, 0, np.where(k.by_customer, 1, 2))


def _next_date(k: _Kernel) -> np.ndarray:
    return k.plan[np.arange(k.n), k.nxt] if k.n else np.zeros(0, dtype="datetime64[D]")


# The figures a line shows as one of a few values: those values, and each line's index in them.
_CODED: dict[str, Callable[[_Kernel], tuple[Sequence[Any], np.ndarray]]] = {
    "status": lambda k: (STATUSES, STATUS_OF_MAIN[k.main]),
    "due_basis": lambda k: ((None, "customer", "factory"), _line_basis(k)),
    "next_milestone": lambda k: ((*MILESTONES, None), np.where(k.planned, k.nxt, len(MILESTONES))),
}
# The figures held as numbers (datetime64[D] for dates): each line's, and whether the line shows it (else None).
_NUMBERS: dict[str, Callable[[_Kernel], tuple[np.ndarray, np.ndarray]]] = {
    "days_late": _days_late,
    "days_to_due": _days_to_due,
    "workdays_left": lambda k: (k.left, k.judged),
    "remaining_workdays": lambda k: (k.remaining, k.planned),
    "slack_workdays": lambda k: (k.left - k.remaining, k.planned),
    "next_milestone_date": lambda k: (_next_date(k), k.planned),
    "due_date": lambda k: (k.due, _line_basis(k) > 0),  # the date judged by, shown with its basis
    "customer_due_date": lambda k: (k.customer, ~np.isnat(k.customer)),
    "factory_due_date": lambda k: (k.factory, ~np.isnat(k.factory)),
}


def _coded(attr: str) -> Callable[[_Kernel], list[Any]]:
    def figure(k: _Kernel) -> list[Any]:
        names, codes = _CODED[attr](k)
        return np.array(names, dtype=object)[codes].tolist()
    return figure


def _number(attr: str) -> Callable[[_Kernel], list[Any]]:
    return lambda k: _masked(*_NUMBERS[attr](k))


_FIGURES: dict[str, Callable[[_Kernel], list[Any]]] = {
    **{attr: _coded(attr) for attr in _CODED},
    **{attr: _number(attr) for attr in _NUMBERS},
    # who the line is, and what it shows as it was read (a whole block's: `take` leaves these as they are)
    "row": lambda k: list(k.row_numbers),
    "order_no": lambda k: list(k.order_nos),
    "customer": lambda k: list(k.customers),
    "customer_po": lambda k: list(k.customer_pos),
    "model": lambda k: list(k.models),
    "merchandiser": lambda k: list(k.merchandisers),
    "stage": lambda k: list(k.stages),
    "open_qty": lambda k: list(k.open_qty),
}


# What the main part of each reason shows besides its code: its key (`_keys`), with the notes'.
_SHOWN: dict[str, tuple[str, ...]] = {
    "bad_due_date": ("due",), "bad_quantity": ("quantity",),
    "shipped_late": ("due", "basis", "other", "ship"), "shipped_on_time": ("due", "basis", "other", "ship"),
    "overdue": ("due", "basis", "other"), "overdue_partial": ("due", "basis", "other"),
    "past_customer": ("due", "basis", "customer"), "factory_late": ("factory", "customer"),
    "missed": ("missed",), "short": ("due", "basis", "other", "remaining", "left"),
    "window": ("due", "basis", "other", "left"), "due": ("due", "basis", "other"), "next": ("next", "slack"),
}


def _keys(k: _Kernel, code: int, sel: np.ndarray, bits: np.ndarray) -> list[tuple]:
    """The reason key of each line of `sel`, all of main part `code`: what its text shows (the numbers,
    dates and codes of its parts, the values shown as they are) and nothing else, so that lines with equal
    keys have equal reasons and many lines share one. A field that goes into a text and is missing here
    words a line with another line's reason: tests/test_status_block.py checks every line's reason against
    its own Line's."""
    columns = [_shown(k, name, sel).tolist() for name in _SHOWN.get(MAIN[code], ())]
    # a value shown as it is goes in by type too: 1, 1.0 and True are equal keys but not the same text
    if code == MAIN.index("bad_due"):
        columns.append([(type(v), v) for v in map(k.bad_due.__getitem__, sel.tolist())])
    b = bits[sel]
    if b.any():  # the notes: what they say, and what they show
        i = sel.tolist()
        partial = k.partial[sel]
        columns += [b.tolist(), np.where(k.future[sel] | k.stage_open[sel], _days(k.ship[sel]), 0).tolist(),
                    np.where(partial, _ints(k.shipped, i), 0).tolist(),
                    np.where(partial, _ints(k.quantity, i), 0).tolist(),
                    [(type(k.models[j]), k.models[j]) if x & 3 else None for j, x in zip(i, b.tolist())],
                    [(type(k.words[j]), k.words[j]) if x & 8 else None for j, x in zip(i, b.tolist())]]
    return list(zip([code] * sel.size, *columns))


def _ints(values: Sequence[int | None], indices: list[int]) -> np.ndarray:
    return np.array([values[i] or 0 for i in indices], dtype=np.int64)


# Main parts worded per distinct key even without notes: those that show a value as it was read.
_BY_KEY = frozenset(_codes("bad_due", "bad_due_date"))


def _fields(k: _Kernel, name: str, sel: np.ndarray) -> dict[str, np.ndarray]:
    """The fields main part `name` shows for the lines of `sel`, as arrays (`status_lines.word_part`)."""
    due, ship, customer = k.due[sel], k.ship[sel], k.customer[sel]
    today = np.datetime64(k.today, "D")
    named = {"due": due, "basis": k.by_customer[sel], "other": k.other[sel]}
    if name in ("shipped_late", "shipped_on_time"):
        late = {"days": (ship - due).astype(np.int64)} if name == "shipped_late" else {}
        return {"ship": ship, **late, **named}
    if name == "bad_quantity":
        return {"quantity": _ints(k.quantity, sel.tolist())}
    if name in ("overdue", "overdue_partial"):
        return {"days": (today - due).astype(np.int64), **named}
    if name == "past_customer":
        return {"customer": customer, "days": (today - customer).astype(np.int64), "due": due,
                "basis": k.by_customer[sel]}
    if name == "factory_late":
        return {"factory": k.factory[sel], "customer": customer}
    if name == "missed":
        step = _CHECKED_STEP[k.first_missed[sel]]
        return {"milestone": step, "date": k.plan[sel, step]}
    if name in ("short", "window"):
        need = {"need": k.remaining[sel]} if name == "short" else {}
        return {**need, "left": k.left[sel], **named}
    if name == "due":
        return named
    if name == "next":
        return {"milestone": k.nxt[sel], "date": k.plan[sel, k.nxt[sel]], "slack": k.left[sel] - k.remaining[sel]}
    return {}  # a part that shows nothing


def _note_bits(k: _Kernel) -> np.ndarray:
    """Which notes each line's reason has: the problem (bits 0-1: PROBLEMS' number), future_ship 4,
    stage_open 8, partial_unknown 16, on_hold 32, partial 64."""
    return np.where(k.notes, np.where(k.judged, k.problem, 0) + k.future * 4 + k.stage_open * 8
                    + k.partial_unknown * 16 + k.on_hold * 32 + k.partial * 64, 0)


def _shown(k: _Kernel, name: str, sel: np.ndarray) -> np.ndarray:
    """The numbers field `name` (of `_SHOWN`) of the lines of `sel` shows (dates as day numbers)."""
    if name in ("due", "ship", "customer", "factory"):
        return _days(getattr(k, name)[sel])
    if name == "basis":
        return k.by_customer[sel].astype(np.int64)
    if name == "other":  # shown only when it differs
        return _days(np.where(k.other[sel] == k.due[sel], _NAT, k.other[sel]))
    if name == "quantity":
        return _ints(k.quantity, sel.tolist())
    if name == "missed":  # the step and its planned date
        step = _CHECKED_STEP[k.first_missed[sel]]
        return step * _DAY_SPAN + _days(k.plan[sel, step])
    if name == "next":
        return k.nxt[sel] * _DAY_SPAN + _days(k.plan[sel, k.nxt[sel]])
    if name == "slack":
        return k.left[sel] - k.remaining[sel]
    return getattr(k, name)[sel].astype(np.int64)  # remaining, left


_DAY_SPAN = 1 << 32  # more day numbers than any date has: a step and a date in one number


def reason_parts(k: _Kernel, indices: Iterable[int]) -> list[list[tuple[str, dict[str, Any]]]]:
    """The reason of each line of `indices` as REASONS parts (code, fields): the main part, then the notes."""
    idx = np.fromiter(indices, dtype=np.intp)
    columns = [a[idx].tolist() for a in (k.main, k.due, k.other, k.by_customer, k.ship, k.customer, k.factory,
                                         k.remaining, k.left, k.nxt, k.first_missed, k.plan, k.notes, k.judged,
                                         k.problem, k.future, k.stage_open, k.partial_unknown, k.on_hold,
                                         k.partial)]
    today, out = k.today, []
    for i, main, due, other, by_customer, ship, customer, factory, remaining, left, nxt, first_missed, plan, \
            notes, judged, problem, future, stage_open, partial_unknown, on_hold, partial in zip(idx.tolist(),
                                                                                              *columns):
        code = MAIN[main]
        basis = None if due is None else "customer" if by_customer else "factory"
        named = {"due": due, "basis": basis, "other": other}
        part: tuple[str, dict[str, Any]]
        if code in ("cancelled", "shipped_no_date", "no_due", "due_no_value"):
            part = (code, {})
        elif code == "bad_due":
            part = (code, {"value": k.bad_due[i]})
        elif code == "bad_due_date":
            part = ("bad_due", {"value": due.isoformat()})
        elif code == "shipped_late":
            part = (code, {"ship": ship, "days": (ship - due).days, **named})
        elif code == "shipped_on_time":
            part = (code, {"ship": ship, **named})
        elif code == "bad_quantity":
            part = (code, {"quantity": k.quantity[i]})
        elif code in ("overdue", "overdue_partial"):
            part = (code, {"days": (today - due).days, **named})
        elif code == "past_customer":
            part = (code, {"customer": customer, "days": (today - customer).days, "due": due, "basis": basis})
        elif code == "factory_late":
            part = (code, {"factory": factory, "customer": customer})
        elif code == "missed":
            m = _CHECKED_MILESTONES[first_missed]
            part = (code, {"milestone": m, "date": plan[MILESTONES.index(m)]})
        elif code == "short":
            part = (code, {"need": remaining, "left": left, **named})
        elif code == "window":
            part = (code, {"left": left, **named})
        elif code == "due":
            part = (code, named)
        else:  # next
            part = (code, {"milestone": MILESTONES[nxt], "date": plan[nxt], "slack": left - remaining})
        parts = [part]
        out.append(parts)
        if not notes:
            continue
        # why the lead time was not checked, what the stage or a planned ship date says, what is left to ship
        if judged and problem:
            parts.append((PROBLEMS[problem], {"model": k.models[i]}))
        if future:
            parts.append(("future_ship", {"ship": ship}))
        if stage_open:
            parts.append(("stage_open", {"ship": ship, "word": k.words[i]}))
        if partial_unknown:
            parts.append(("partial_unknown", {}))
        if on_hold:
            parts.append(("on_hold", {}))
        if partial:
            shipped, quantity = k.shipped[i], k.quantity[i]
            parts.append(("partial", {"shipped": shipped, "quantity": quantity,
                                      "rest": quantity - shipped}))
    return out


def _sharing_keys(k: _Kernel) -> list[tuple]:
    """Per line, everything its Line depends on but who the line is (order number, customer PO, customer,
    merchandiser, row): lines with equal keys differ in nothing else."""
    n = k.n
    # by type too (1, 1.0 and True are equal keys but not the same text); the model is in a reason only when
    # the lead time was not checked, the word only when it keeps a past ship date open
    models = [(type(m), m) if p else None for m, p in zip(k.models, k.problem.tolist())]
    words = [(type(w), w) if o else None for w, o in zip(k.words, k.stage_open.tolist())]
    bad = [(type(v), v) for v in map(k.bad_due.get, range(n))] if k.bad_due else [None] * n
    has_bad = [i in k.bad_due for i in range(n)] if k.bad_due else [False] * n
    plans = [tuple(p) if s else None for p, s in zip(k.plan.tolist(), k.planned.tolist())]
    actuals = [tuple(a) if s else None for a, s in zip(k.actual.tolist(), k.planned.tolist())]
    arrays = (k.main, k.problem, k.due, k.other, k.by_customer, k.customer, k.factory, k.ship, k.notes, k.judged,
              k.planned, k.future, k.stage_open, k.partial, k.partial_unknown, k.on_hold, k.left, k.remaining,
              k.nxt, k.first_missed, k.done_mask)
    return list(zip(*(a.tolist() for a in arrays), k.stages, words, models, k.quantity, k.shipped, k.open_qty,
                    bad, has_bad, plans, actuals))


def lines_of(k: _Kernel, indices: Iterable[int]) -> list[Line]:
    """The Line of each line in `indices`, as the rules decided."""
    idx = np.fromiter(indices, dtype=np.intp)
    if not idx.size:
        return []
    today = k.today
    sub = k.take(idx)
    figures = {f: _FIGURES[f](sub) for f in ("status", "due_basis", "due_date", "customer_due_date",
                                            "factory_due_date", "days_late", "days_to_due", "workdays_left",
                                            "remaining_workdays", "slack_workdays", "next_milestone",
                                            "next_milestone_date")}
    status, basis, shown_due = figures["status"], figures["due_basis"], figures["due_date"]
    customer, factory = figures["customer_due_date"], figures["factory_due_date"]
    planned = sub.planned.tolist()
    plans, actuals = sub.plan.tolist(), sub.actual.tolist()
    partial, done_mask = sub.partial.tolist(), sub.done_mask.tolist()
    reasons = reason_parts(k, idx)
    lines: list[Line] = []
    # The loop only allocates (no reference cycles): the cyclic GC would re-scan the growing list of lines
    # many times for nothing, about a third of the time at a million lines. Switched back on at the end.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for j, i in enumerate(idx.tolist()):
            line = Line(row=k.row_numbers[i], order_no=k.order_nos[i], customer=k.customers[i], model=k.models[i],
                        merchandiser=k.merchandisers[i], due_date=shown_due[j], customer_due_date=customer[j],
                        factory_due_date=factory[j], due_basis=basis[j], stage=k.stages[i], status=status[j],
                        partial=partial[j], today=today, done_mask=done_mask[j], customer_po=k.customer_pos[i],
                        open_qty=k.open_qty[i], days_late=figures["days_late"][j],
                        days_to_due=figures["days_to_due"][j], workdays_left=figures["workdays_left"][j],
                        remaining_workdays=figures["remaining_workdays"][j],
                        slack_workdays=figures["slack_workdays"][j], next_milestone=figures["next_milestone"][j],
                        next_milestone_date=figures["next_milestone_date"][j],
                        planned_dates=tuple(plans[j]) if planned[j] else None,
                        actual_dates=tuple(actuals[j]) if planned[j] else None,
                        reasons=reasons[j])
            lines.append(line)
    finally:
        if gc_was_enabled:
            gc.enable()
    return lines


# The per-line arrays of _Kernel (what `lines_of` takes the lines of `indices` from).
_ARRAYS = ("main", "problem", "due", "other", "by_customer", "customer", "factory", "ship", "notes", "judged",
           "planned", "future", "stage_open", "partial", "partial_unknown", "on_hold", "left", "remaining", "nxt",
           "first_missed", "plan", "actual", "done_mask")
