"""Writing a file safely beside the user's: the owner files that show a workbook is open, the sidecar we
write instead, and the backups we keep of what we replace."""
from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
from pathlib import Path

BACKUP_DIR = ".gendan-backup"


def is_open(path: str | os.PathLike[str]) -> Path | None:
    """The owner/lock file showing that `path` is open in Excel or LibreOffice, or None.

    Excel writes `~$` + the file name beside the workbook; for long names it overwrites the first one or
    two characters instead of prefixing (`~$LoadPivotTables.xlsx` for `xxLoadPivotTables.xlsx`, like
    Word's owner files), so we accept `~$` followed by the name with 0, 1 or 2 leading characters cut.
    LibreOffice writes `.~lock.` + name + `#`. Windows names are case-insensitive, so is the match.
    A stale lock file left by a crash also counts: the user deletes it once the workbook is closed.
    """
    p = Path(path)
    name = p.name.casefold()
    wanted = {"~$" + name, "~$" + name[1:], "~$" + name[2:], ".~lock." + name + "#"}
    try:
        entries = list(p.parent.iterdir())
    except OSError:
        return None
    for entry in sorted(entries):
        if entry.name.casefold() in wanted and entry.name.casefold() != name and entry.is_file():
            return entry
    return None


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """Where to write when the workbook is open: `name.status.xlsx` (`.xlsm` keeps its suffix, since
    Excel refuses a macro package named .xlsx)."""
    p = Path(path)
    return p.with_name(f"{p.stem}.status{p.suffix}")


def backup_dir(path: str | os.PathLike[str]) -> Path:
    """The folder holding the backups of `path`: `.gendan-backup/` beside it."""
    return Path(path).parent / BACKUP_DIR


def keep_backup(path: Path, backups: int, now: _dt.datetime) -> Path | None:
    """Keep the current version of `path` as `.gendan-backup/name.YYYYmmdd-HHMMSS.xlsx`; prune to `backups`."""
    if backups <= 0 or not path.exists():
        return None
    folder = backup_dir(path)
    folder.mkdir(exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    n = 2
    while target.exists():
        target = folder / f"{path.stem}.{stamp}-{n}{path.suffix}"
        n += 1
    try:
        # A hard link costs nothing and keeps the exact inode the user had; copy where links are refused.
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    pattern = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}(?:-\d+)?" + re.escape(path.suffix) + "$")
    mine = sorted((f for f in folder.iterdir() if pattern.fullmatch(f.name)),
                  key=lambda f: (f.name[len(path.stem) + 1:len(path.stem) + 16], f.stat().st_mtime_ns))
    for old in mine[:-backups]:
        old.unlink(missing_ok=True)
    return target
