"""The layout shows the architecture: imports point one way, from the doors down to the pure domain."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gendan_xl"
# domain (the top level) ← xlsx (the file format) ← books (whole workbooks) ← delivery ← doors
RANK = {"domain": 0, "xlsx": 1, "books": 2, "delivery": 3, "doors": 4}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[:2] == ["gendan_xl", "__main__"]:
        return "doors"  # `python -m gendan_xl` is a door
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "domain"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        if name != "gendan_xl":  # the package's lazy public names reach every layer by design
            yield name, path


@pytest.mark.parametrize("module, path", list(modules()), ids=lambda x: x if isinstance(x, str) else "")
def test_imports_point_one_way(module, path):
    mine = RANK[layer(module)]
    wrong = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # function-level imports count too
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gendan_xl"):
            targets = [node.module]
            if node.module == "gendan_xl":
                targets += [f"gendan_xl.{a.name}" for a in node.names]
            wrong += [t for t in targets if RANK[layer(t)] > mine]
    assert not wrong, f"{module} ({layer(module)}) imports {wrong}"


def test_every_package_ships_in_the_wheel():
    """pyproject lists the packages by hand (the data folders are mapped in); a new one left out of that list
    installs a wheel whose first import fails — which CI's wheel step once caught only after the fact."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(PACKAGE.parent).parts) for p in PACKAGE.rglob("__init__.py")}
    assert found - listed == set()


def test_no_possessive_quantifiers_in_our_patterns():
    """Python before 3.11.5 (Debian 12's is 3.11.2) gives empty groups for captures around possessive
    quantifiers or atomic groups (gh-101955): the sheet reader once read every cell as blank there."""
    import re

    found = [f"{p.relative_to(PACKAGE.parent)}:{n}" for p in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if not line.lstrip().startswith("#") and re.search(r"[\])][*+?]\+|\(\?>", line)]
    assert not found


def test_a_command_that_mails_nothing_starts_without_the_mail_machinery(tmp_path):
    """Every command loads the settings, [mail] included; jinja2, smtplib and the sent log's sqlite3 (about a
    third of the start-up) are imported only by the commands that mail or render."""
    import shutil
    import subprocess
    import sys

    book = tmp_path / "orders.xlsx"
    shutil.copyfile(Path(__file__).parent.parent / "workbooks" / "orders.xlsx", book)
    code = ("import sys; from gendan_xl.doors.cli import main\n"
            "try: main(['--quiet', 'status', sys.argv[1], '--today', '2026-11-26'])\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in ('jinja2', 'smtplib', 'sqlite3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(book)], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
