"""Every text a user reads, in Chinese and English: one module per kind, one shape, one way to pick.

- `issues`    — findings (Issue messages) and the words inside them;
- `status`    — the lead-time status's figures as every output names them (each day count with its unit);
- `documents` — the workbooks we write and the reasons in them (review, allocation, statement, reconciliation);
- `mail`      — what the mails say (their layout is in templates/mail);
- `terminal`  — the command line and the Excel button's message boxes.

Every table has the shape {key: (zh, en)}; `say(table, key, lang, **fields)` picks the language and fills the
`str.format` fields. Header spellings and status words are not here: they are vocabulary, in schema.py.
"""
from __future__ import annotations

from typing import Any, Mapping

LANGS = ("zh", "en")
Texts = Mapping[str, tuple[str, str]]


def pick(pair: tuple[str, str], lang: str) -> str:
    """The text of a (zh, en) pair in `lang` (English for anything but zh)."""
    return pair[0] if lang == "zh" else pair[1]


def both(table: Texts, key: str) -> str:
    """`table[key]` in both languages, "中文 English": the labels of documents sent abroad."""
    zh, en = table[key]
    return f"{zh} {en}"


def say(table: Texts, key: str, lang: str, /, **fields: Any) -> str:
    """`table[key]` in `lang`, its fields filled."""
    text = pick(table[key], lang)
    return text.format(**fields) if fields else text
