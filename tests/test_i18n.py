"""Every user-facing text is in gendan_xl/i18n: each entry in both languages, with the same fields in each."""
from __future__ import annotations

import importlib
import pkgutil
import string

import pytest

import gendan_xl.i18n as i18n

TABLES = [(f"{m.name}.{name}", table)
          for m in pkgutil.iter_modules(i18n.__path__)
          for name, table in vars(importlib.import_module(f"gendan_xl.i18n.{m.name}")).items()
          if name.isupper() and isinstance(table, dict)]


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("name, table", TABLES, ids=[n for n, _ in TABLES])
def test_every_entry_has_both_languages_with_the_same_fields(name, table):
    assert table, name
    for key, pair in table.items():
        assert isinstance(pair, tuple) and len(pair) == 2, (name, key)
        zh, en = pair
        assert zh.strip() and en.strip(), (name, key)
        assert fields(zh) == fields(en), (name, key, fields(zh), fields(en))


def test_say_picks_the_language_and_fills_the_fields():
    table = {"hi": ("你好，{name}", "Hello, {name}")}
    assert i18n.say(table, "hi", "zh", name="张丽") == "你好，张丽"
    assert i18n.say(table, "hi", "en", name="Amy") == "Hello, Amy"
