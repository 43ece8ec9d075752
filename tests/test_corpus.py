"""Every real workbook of ../shared/corpus either reads or fails with one line, exit 3, nothing written."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import pytest

from conftest import CORPUS
from gendan_xl.doors.cli import main
from gendan_xl.errors import GendanError
from gendan_xl.xlsx.read import open_book

FILES = sorted(p for p in CORPUS.glob("*.xls*")) if CORPUS.is_dir() else []
MANIFEST = {r["file"]: r for r in csv.DictReader(open(CORPUS / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t")} \
    if CORPUS.is_dir() else {}
UNUSABLE = {  # what the one line must say, by what the manifest says the file is
    "ENCRYPTED": "password protected",
    "not a zip": "not a workbook",
    "malformed zip": "corrupt zip",
    "XML entity bomb": "XML bomb",
    "Excel 4 macro": "Excel 4 macro sheet",
}

pytestmark = pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside this checkout")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:60])
def test_every_corpus_file_reads_or_fails_with_one_clear_line(path, tmp_path, capsys):
    work = tmp_path / path.name
    shutil.copy(path, work)
    before = sorted(os.listdir(tmp_path))
    intent = MANIFEST[path.name]["intent"]
    try:
        book = open_book(work)
        for name in book.sheet_names:
            try:
                book.values(name)
            except GendanError:
                pass  # a broken sheet inside a readable workbook is reported per sheet
        readable = True
    except GendanError as exc:
        readable = False
        message = str(exc)
        assert "\n" not in message and message.startswith(path.name)
        expected = next((why for key, why in UNUSABLE.items() if key in intent), None)
        if expected:
            assert expected in message, message
    if not readable:
        code = main(["validate", str(work)])
        err = capsys.readouterr().err
        assert code == 3
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == before  # nothing written beside the file


def test_the_unusable_ones_are_the_ones_the_manifest_says():
    failing = set()
    for path in FILES:
        try:
            open_book(path)
        except GendanError:
            failing.add(path.name)
    expected = {name for name, row in MANIFEST.items()
                if any(k in row["intent"] for k in ("ENCRYPTED", "not a zip", "malformed", "bomb", "Excel 4"))}
    # a "malformed" file may still be readable where the damage is in a part we do not need
    assert failing <= expected and {n for n in expected if "ENCRYPTED" in MANIFEST[n]["intent"]} <= failing


def test_cli_on_an_encrypted_file_prints_one_line_no_traceback(english):
    path = CORPUS / "calamine__pass_protected.xlsx"
    proc = subprocess.run([sys.executable, "-m", "gendan_xl", "validate", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert proc.stderr.strip() == (
        "gendan-xl: calamine__pass_protected.xlsx: password protected; save a copy without a password to open")
