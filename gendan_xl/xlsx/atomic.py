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
import stat
import time
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
    A link is looked at in both places: beside the file it points to (where a colleague opening the file
    on the share leaves the owner file) and beside the link.
    """
    p = Path(path)
    places = [p.resolve()]
    if places[0] != p.absolute():
        places.append(p.absolute())
    for place in places:
        name = place.name.casefold()
        wanted = {"~$" + name, "~$" + name[1:], "~$" + name[2:], ".~lock." + name + "#"}
        try:
            entries = list(place.parent.iterdir())
        except OSError:
            continue
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

STALE_AFTER = 3600  # seconds: a temp file of ours this old was left by a run that was killed


class AtomicFile:
    """A new version of `target`, written into `file` (a temp file beside it) and put in place by `commit`.

    The target is the file itself, a link followed to it (resolved once, here): the new version replaces
    the file the link points at, in its own folder, never the link. Use it as a context manager: leaving
    the block without a commit (an exception, a refused check) removes the temp file and leaves `target` as
    it was. Temp files of ours older than an hour in that folder (a killed run's) are removed on the way.
    """

    def __init__(self, target: str | os.PathLike[str]):
        self.target = Path(target).resolve()
        remove_stale(self.target.parent)
        fd, tmp = _new_temp(self.target)
        self.tmp: Path | None = tmp
        self.file: BinaryIO = os.fdopen(fd, "w+b")

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.discard()

    def seal(self) -> None:
        """Flush, fsync and close the temp file: complete on disk, ready to check (idempotent)."""
        if not self.file.closed:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()

    def commit(self, *, check: Callable[[Path], Any] | None = None, backups: int = 0,
               now: _dt.datetime | None = None, like: str | os.PathLike[str] | None = None,
               mode_of: str | os.PathLike[str] | None = None, busy_error: Exception | None = None,
               target: str | os.PathLike[str] | None = None) -> Path | None:
        """Put the written file in place of `target` (or of another file beside it: the sidecar a refresh
        writes instead when the workbook changed under it); returns the backup kept, if any.

        In order: seal the temp file; `check(temp path)` (it raises to refuse the file); give it the
        permission bits and, where permitted, the owner of `like` (`mode_of`: the same, its old name) — the
        file it replaces or derives from; fsync the folder; keep the current target as one of `backups`
        backups (`keep_backup`); `os.replace`; fsync the folder again. When the system refuses the replace
        (Windows: the target is open in another program), `busy_error` is raised in place of the
        PermissionError, when given.
        """
        assert self.tmp is not None, "commit after commit or discard"
        self.seal()
        if check is not None:
            check(self.tmp)
        dest = Path(target).resolve() if target is not None else self.target
        source = like if like is not None else mode_of
        if source is not None:
            _same_mode_and_owner(source, self.tmp)
        sync_folder(dest.parent)
        backup = keep_backup(dest, backups, now or _dt.datetime.now())
        try:
            os.replace(self.tmp, dest)
        except PermissionError as exc:
            if busy_error is None:
                raise
            raise busy_error from exc
        self.tmp = None
        sync_folder(dest.parent)
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


def _same_mode_and_owner(source: str | os.PathLike[str], tmp: Path) -> None:
    try:
        st = os.stat(source)
    except OSError:
        return
    try:
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
    except OSError:
        pass
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:  # only root may give a file away; a group we are in is allowed
            try:
                os.chown(tmp, -1, st.st_gid)
            except OSError:
                pass


def sync_folder(folder: Path) -> None:
    """fsync a folder, so that a file created or renamed in it survives a crash (POSIX; no-op elsewhere)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove our temp files (`*.gendan-tmp`) older than an hour from `folder`: what killed runs left."""
    removed = []
    limit = (time.time() if now is None else now) - STALE_AFTER
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if entry.name.endswith(TEMP_SUFFIX) and entry.name.startswith("."):
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


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
