"""Where the files that ship with gendan-xl are: the document and mail templates, the job table, the samples.

In a wheel (pip install ., pipx) they are package data under gendan_xl/_data/ (pyproject.toml maps the
repository's top-level templates/, jobs/ and workbooks/ there); in a checkout — an editable install, the tests,
the build scripts — they are those folders themselves, so a template edited there takes effect at once. This
is the only module that knows both places.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def shipped(folder: str) -> Path:
    """The folder `templates`, `templates/mail`, `jobs` or `workbooks` as installed."""
    packaged = Path(str(resources.files("gendan_xl"))) / "_data" / folder
    return packaged if packaged.is_dir() else _CHECKOUT / folder
