"""`inspect`: how gendan-xl reads a workbook — the first thing to run on your own.

It shows the orders sheet found, the header row and the table's columns, each header with the field it
maps to (and how: our spelling, yours, an ambiguous one, or none, with a suggestion), the status words with
their stages and row counts (the drop-down list's too), the years whose holiday calendar is unverified,
and a gendan.toml snippet to paste for what it could not map. Unlike the other commands it does not stop
at a missing or doubled column: it names it, with the fix.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gendan_xl.i18n import say
from gendan_xl.i18n.terminal import INSPECT
from gendan_xl import defaults
from gendan_xl.errors import GendanError, Issue
from gendan_xl.plaintext import text_table
from gendan_xl.schema import (DEFAULT_VOCABULARY, STAGES, STATUS_WORDS, USER, WEAK, WEAK_UNIT, Vocabulary, claim,
                              fold_key)
from gendan_xl.xlsx.read import HEADER_SEARCH_ROWS, cell_ref, col_letter, locate_table, open_book


@dataclass
class HeaderRow:
    cell: str
    header: str
    field: str | None
    how: str  # a key of HOW
    note: str
    suggest: str | None = None  # the field a header that looks like one probably means


@dataclass
class StatusWord:
    word: str
    rows: int
    stage: str | None
    source: str  # ours, user, none
    in_dropdown: bool
    guess: str | None = None  # a likely stage for an unknown word (a built-in word inside it)


@dataclass
class Inspection:
    path: Path
    sheet: str
    header_row: int
    columns: str  # "A:U"
    headers: list[HeaderRow]
    missing: list[str]
    statuses: list[StatusWord]
    unverified_years: list[int]
    due: str
    snippet: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Usable as is: nothing missing, doubled, only looking like a field, or a word with no stage."""
        return not self.missing and not any(h.how in ("twice", "lookalike") for h in self.headers) and all(
            s.stage is not None for s in self.statuses)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "path": str(self.path), "sheet": self.sheet, "header_row": self.header_row,
                "columns": self.columns, "due": self.due,
                "headers": [vars(h) for h in self.headers], "missing": self.missing,
                "statuses": [vars(s) for s in self.statuses], "unverified_years": self.unverified_years,
                "snippet": self.snippet, "issues": [i.to_dict() for i in self.issues]}

    def to_text(self, lang: str = defaults.LANG) -> str:
        def t(key: str, **fields: Any) -> str:
            return say(INSPECT, key, lang, **fields)

        out = [t("sheet", sheet=self.sheet, row=self.header_row, cols=self.columns), ""]
        out += text_table([[t(f"headers.{i}") for i in range(4)],
                           *[(h.cell, h.header, h.field or "", h.note) for h in self.headers]])
        if self.missing:
            out += ["", t("missing", fields=", ".join(self.missing))]
        if self.statuses:
            rows = [(s.word, str(s.rows), s.stage or (f"({s.guess}?)" if s.guess else ""),
                     t("from.dropdown") if s.in_dropdown and s.source == "none" else t(f"from.{s.source}"))
                    for s in self.statuses]
            out += [""] + text_table([[t(f"statuses.{i}") for i in range(4)], *rows], right=(1,))
        if self.unverified_years:
            out += ["", t("years", years=", ".join(map(str, self.unverified_years)))]
        out += ["", t("snippet"), self.snippet] if self.snippet else ["", t("ok")]
        return "\n".join(out)


def inspect_workbook(path: str | Path, *, sheet: str | None = None, vocabulary: Vocabulary = DEFAULT_VOCABULARY,
                     today: dt.date, weekly: str = defaults.WEEKLY, due: str = defaults.DUE,
                     lang: str = defaults.LANG) -> Inspection:
    """How `path` reads (see the module docstring). Raises GendanError only for a file that is no usable
    workbook at all (not a workbook, encrypted, no orders sheet, no header row)."""
    from gendan_xl.books.master import load_master, status_of  # the full read, only when the table is usable

    path = Path(path)
    book = open_book(path)
    schema = vocabulary.orders
    name = book.find_sheet(schema, sheet)
    head = list(itertools.islice(book.iter_rows(name), HEADER_SEARCH_ROWS))
    found = locate_table(head, schema, book.name, name, check=False)
    match, headers, row = found.match, found.headers, found.header_idx + 1
    rows: list[HeaderRow] = []
    for c in found.block:
        text = headers[c] if c < len(headers) else ""
        if not text:
            continue
        ref = cell_ref(row, c)
        f = next((f for f, col in match.columns.items() if col == c), None)
        if f is not None:
            rank = claim(schema, text)[1]
            how = "user" if rank == USER else "weak" if rank in (WEAK, WEAK_UNIT) else "ours"
            rows.append(HeaderRow(ref, text, f, how, _how(how, lang)))
        elif c in match.lost:
            f = match.lost[c]
            if f in match.duplicates:
                other = ", ".join(cell_ref(row, o) for o in match.duplicates[f] if o != c)
                rows.append(HeaderRow(ref, text, f, "twice", _how("twice", lang, other=other)))
            else:
                used = cell_ref(row, match.columns[f]) if f in match.columns else "?"
                rows.append(HeaderRow(ref, text, None, "lost", _how("lost", lang, field=f, used=used)))
        elif any(c in cols for cols in match.duplicates.values()):
            f = next(f for f, cols in match.duplicates.items() if c in cols)
            other = ", ".join(cell_ref(row, o) for o in match.duplicates[f] if o != c)
            rows.append(HeaderRow(ref, text, f, "twice", _how("twice", lang, other=other)))
        elif c in match.lookalikes:
            f = match.lookalikes[c]
            rows.append(HeaderRow(ref, text, None, "lookalike", _how("lookalike", lang, field=f), suggest=f))
        else:
            rows.append(HeaderRow(ref, text, None, "unmapped", _how("unmapped", lang)))
    missing = [f for f in schema.required if f not in match.columns]
    missing += [g[0] for g in schema.one_of if not any(f in match.columns for f in g)]

    statuses: list[StatusWord] = []
    years: list[int] = []
    issues: list[Issue] = []
    if not missing and not match.duplicates:
        try:
            master = load_master(book, sheet=name, lang=lang, lean=True, vocabulary=vocabulary)
            result = status_of(master, today=today, weekly=weekly, lang=lang, due=due)
        except GendanError:
            master = None
        if master is not None:
            statuses = _status_words(master, vocabulary)
            years = sorted({int(i.value) for i in result.issues if i.code == "calendar-unverified"})
            issues = result.issues
    columns = f"{col_letter(found.block.start)}:{col_letter(found.block.stop - 1)}"
    snippet = _snippet(rows, missing, statuses, lang)
    return Inspection(path, name, row, columns, rows, missing, statuses, years, due, snippet, issues)


def _how(key: str, lang: str, **fields: str) -> str:
    return say(INSPECT, f"how.{key}", lang, **fields)


def _status_words(master: Any, vocabulary: Vocabulary) -> list[StatusWord]:
    values = master.orders.values.get("status", [])
    counts = Counter(w.strip() for w in values if isinstance(w, str) and w.strip())
    for word in master.dropdown:
        counts.setdefault(word, 0)
    out = []
    for word, n in counts.most_common():
        stage = vocabulary.stage_of(word)
        source = "none" if stage is None else "user" if vocabulary.user_stage(word) else "ours"
        out.append(StatusWord(word, n, stage, source, word in master.dropdown,
                              None if stage is not None else _guess(word)))
    return out


def _guess(word: str) -> str | None:
    """A likely stage for a word we do not know: the stage of the longest built-in word inside it."""
    key = fold_key(word)
    best: tuple[int, str] | None = None
    for stage, spellings in STATUS_WORDS.items():
        for spelling in spellings:
            k = fold_key(spelling)
            if len(k) >= 2 and k in key and (best is None or len(k) > best[0]):
                best = (len(k), stage)
    return best[1] if best else None


def _snippet(rows: list[HeaderRow], missing: list[str], statuses: list[StatusWord], lang: str) -> str:
    """The gendan.toml lines for what could not be mapped: headers that look like a field, required columns
    missing (a placeholder for the user's header), status words with a guessed stage (to check) or none."""
    columns = [f'{h.suggest} = ["{h.header}"]  # {h.cell}' for h in rows if h.how == "lookalike"]
    placeholder = "你的表头" if lang == "zh" else "your header"
    columns += [f'{f} = ["<{placeholder}>"]' for f in missing]
    words = []
    for s in statuses:
        if s.stage is not None:
            continue
        if s.guess:
            words.append(f'"{s.word}" = "{s.guess}"  # {s.rows}; {say(INSPECT, "guess", lang)}')
        else:
            words.append(f'# "{s.word}" = "<stage>"  # {s.rows}; {say(INSPECT, "fill", lang)}: {", ".join(STAGES)}')
    parts = ["[columns]", *columns] if columns else []
    if words:
        parts += ([""] if parts else []) + ["[statuses]", *words]
    return "\n".join(parts)
