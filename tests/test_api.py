"""The package's public names (gendan_xl.__all__), loaded on first use."""
from __future__ import annotations

import subprocess
import sys

import gendan_xl


def test_every_public_name_resolves():
    assert all(getattr(gendan_xl, name) is not None for name in gendan_xl.__all__)


def test_functions_named_like_their_module_stay_functions():
    # a fresh process, so the submodules are imported first, as a script using both would
    code = ("import gendan_xl.allocate, gendan_xl.reconcile\n"
            "from gendan_xl import allocate_workbook, reconcile_files, allocate, reconcile\n"
            "assert callable(allocate) and callable(reconcile), (allocate, reconcile)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_a_command_does_not_load_what_it_does_not_use():
    code = ("import sys, gendan_xl.doors.cli, gendan_xl.books.refresh\n"
            "print(sorted(m for m in ('openpyxl', 'xlsxwriter', 'jinja2') if m in sys.modules))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "openpyxl" not in run.stdout and "xlsxwriter" not in run.stdout
