"""Writing a file we make or change, beside the user's, without ever leaving half of one: the one atomic
write, the owner files that show a workbook is open, the sidecar we write instead, and the backups we
keep of what we replace.

Every file gendan-xl writes for the user goes through `AtomicFile` (or `write_atomic`, its short form): a
temp file in the target's own folder (so the final rename never crosses file systems), written, flushed
and fsync'd, an optional check of the temp file, an optional backup of the old version, then one
`os.replace`. Until that replace the target is untouched; on any failure the temp file is removed.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any, BinaryIO, Callable

BACKUP_DIR = ".gendan-backup"
TEMP_SUFFIX = ".gendan-tmp"  # of our temp files: `.<target name>.<random>.gendan-tmp`


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


# ---------------------------------------------------------------------------------------------------
# The atomic write


class AtomicFile:
    """A new version of `target`, written into `file` (a temp file beside it) and put in place by `commit`.

    Use it as a context manager: leaving the block without a commit (an exception, a refused check)
    removes the temp file and leaves `target` as it was.
    """

    def __init__(self, target: str | os.PathLike[str]):
        self.target = Path(target)
        fd, tmp = _new_temp(self.target)
        self.tmp: Path | None = tmp
        self.file: BinaryIO = os.fdopen(fd, "w+b")

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.discard()

    def commit(self, *, check: Callable[[Path], Any] | None = None, backups: int = 0,
               now: _dt.datetime | None = None, mode_of: str | os.PathLike[str] | None = None,
               busy_error: Exception | None = None) -> Path | None:
        """Put the written file in place of `target`; returns the backup kept, if any.

        In order: flush and fsync the temp file; `check(temp path)` (it raises to refuse the file); give
        it the permission bits of `mode_of` (the workbook it replaces or derives from), when given; keep
        the current `target` as one of `backups` backups (`keep_backup`); `os.replace`. When the system
        refuses the replace (Windows: the target is open in another program), `busy_error` is raised in
        place of the PermissionError, when given.
        """
        assert self.tmp is not None, "commit after commit or discard"
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        if check is not None:
            check(self.tmp)
        if mode_of is not None:
            try:
                shutil.copymode(mode_of, self.tmp)
            except OSError:
                pass
        backup = keep_backup(self.target, backups, now or _dt.datetime.now())
        try:
            os.replace(self.tmp, self.target)
        except PermissionError as exc:
            if busy_error is None:
                raise
            raise busy_error from exc
        self.tmp = None
        return backup

    def discard(self) -> None:
        """Close and remove the temp file (nothing once committed)."""
        self.file.close()
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def write_atomic(target: str | os.PathLike[str], data: bytes | Callable[[BinaryIO], Any]) -> Path:
    """Write `data` (bytes, or a function that writes into the open binary file) to `target` atomically."""
    with AtomicFile(target) as new:
        if isinstance(data, (bytes, bytearray, memoryview)):
            new.file.write(data)
        else:
            data(new.file)
        new.commit()
    return Path(target)


def _new_temp(target: Path) -> tuple[int, Path]:
    """A new file beside `target`, opened for writing. Made like `tempfile.mkstemp` (O_EXCL, a random
    name), but with the permissions any new file gets (0666 less the umask), not mkstemp's 0600, since
    the temp file becomes the user's file."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp file name beside {target}")
