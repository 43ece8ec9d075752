"""The writing half of a refresh (issue 13), in this process or in a second one fed by this one.

A refresh reads a chunk of rows (inflate, pick, type, tell, status) and then writes it back (our columns
worded, our cells put into the rows, deflate). The two halves cost about the same, so where a second
process can be forked they run at once: this process reads and sends each chunk — its rows' XML and its
lines' status (the `StatusBlock`'s arrays) — down a pipe to a child that words our columns and writes the
rows (`ForkedWriter`); at the end the child finishes the package (`SheetRewrite.finish`, the soundness
checks included) and sends back the `PatchResult`, nothing else.

- The pipe holds one message: the reader waits once it is a chunk ahead, so memory stays a chunk or two.
  A chunk's XML goes as raw bytes after the message that says its size, and the child reads it straight
  into one buffer (`_read_into`) through a pipe widened to 1 MB: `Connection.recv_bytes` reads a pipe's
  64 KB at a time, each into a new bytes object, copied again into a BytesIO — measured, 0.085 s of the
  child's CPU for 96 MB of rows, 0.03 s read this way.
- The temp file the package goes into is made here, before the fork, and its removal is this process's:
  whatever becomes of the child (an error, a kill), no temp file is left beside the workbook.
- An error in the child is raised here as the same error (its type and message), so the caller turns it
  into the same one line; a child that dies without a word is a `PatchError`. The child ends with
  `os._exit` (no atexit, none of this process's clean-ups) and is always reaped.
- The lock checks and the commit stay with the caller, in this process: the child writes the temp file
  and nothing else.

Where no fork is safe (Windows has none; macOS's system libraries are not fork-safe; a process with other
threads would hand the child locks nobody releases) or the sheet is too small for it to pay, `Writer`
does the same in this process. Both write the same bytes: the child runs the very same `Writer`.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any, Sequence

from gendan_xl.books.refresh import columns_values
from gendan_xl.errors import PatchError
from gendan_xl.status_block import RowStatuses, StatusBlock
from gendan_xl.xlsx.atomic import AtomicFile
from gendan_xl.xlsx.cells import EMPTY
from gendan_xl.xlsx.patch import SheetRewrite
from gendan_xl.xlsx.result import PatchResult
from gendan_xl.xlsx.stream import CHUNK

# Sheet XML (inflated bytes) from which a second process pays. The two overlap only from the second chunk
# of rows on (the child writes chunk n while this process reads chunk n + 1), and the second process costs
# CPU of its own: the fork's copied pages, the pipe, pickling (measured ≈ 0.15 s at 10k lines, 0.4 s at
# 100k, where a chunk is read in ≈ 0.2 s and written in ≈ 0.17 s). Two chunks barely pay; three do
# (about 27,000 lines of the benchmark workbook).
FORK_FROM = 3 * CHUNK
PIPE_SIZE = 1 << 20  # the most a pipe may hold without privileges (Linux's /proc/sys/fs/pipe-max-size)


def fork_safe() -> bool:
    """Whether this process may fork a writer at all: Linux (fork is everywhere safe there), one thread (a fork
    copies only the calling thread; a lock another thread holds would stay held in the child)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def forkable() -> bool:
    """Whether a forked writer would pay: `fork_safe`, and a second core this process may run on (held to
    one core it would only pay for the fork)."""
    return fork_safe() and len(os.sched_getaffinity(0)) > 1


def processes_for(sheet_xml: int) -> int:
    """How many processes a refresh of a sheet of `sheet_xml` inflated bytes should use: 2 where a fork is
    safe and pays, else 1."""
    return 2 if sheet_xml >= FORK_FROM and forkable() else 1


def writer_for(rewrite: SheetRewrite, cols: Sequence[tuple[int, str]], lang: str, when: str, *,
               processes: int | None = None) -> Writer:
    """The writer of a refresh's rows (our columns `cols`, worded in `lang`): `processes` 2 a `ForkedWriter`
    where a fork is safe at all, 1 a `Writer`, None chooses by the sheet's size (`processes_for`). A fork
    that fails (no memory, no process left to make) leaves nothing behind and writes in this process."""
    if processes is None:
        processes = processes_for(rewrite.wf.members[rewrite.part].file_size)
    if processes > 1 and fork_safe():
        try:
            return ForkedWriter(rewrite, cols, lang, when)
        except OSError:
            pass
    return Writer(rewrite, cols, lang, when)


class Writer:
    """Writes a refresh's rows in this process, chunk by chunk (`rows`), then the package (`finish`)."""

    def __init__(self, rewrite: SheetRewrite, cols: Sequence[tuple[int, str]], lang: str, when: str):
        self.rewrite, self._cols, self._lang, self._when = rewrite, cols, lang, when

    def rows(self, xml: bytes, lines: RowStatuses | None) -> None:
        """The next whole rows, and the lines on them (`StatusBlock.on_rows`) when they bring cells of ours
        further down than before: our columns are worded from them (`refresh.columns_values`)."""
        if lines is not None:
            values, cols = self.rewrite.values, self._cols
            words = columns_values([key for _, key in cols], lines, self._lang, self._when, EMPTY)
            self.rewrite.rows.extend({c: values.column(c, lines.first, words[key]) for c, key in cols})
        self.rewrite.feed(xml, forget=True)

    def finish(self, tail: bytes | None, new: AtomicFile | None = None) -> tuple[AtomicFile, PatchResult]:
        """The sheet's tail (known once every row is read), then the package, proven sound."""
        self.rewrite.xml.tail = tail
        return self.rewrite.finish(new), self.rewrite.result

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


class ForkedWriter(Writer):
    """A `Writer` in a child process forked from this one (call once everything it needs is set up)."""

    def __init__(self, rewrite: SheetRewrite, cols: Sequence[tuple[int, str]], lang: str, when: str):
        super().__init__(rewrite, cols, lang, when)
        self.name = rewrite.wf.name
        self.new: AtomicFile | None = AtomicFile(rewrite.result.path)
        fds: list[int] = []
        try:
            fds += os.pipe()
            fds += os.pipe()
            _widen(fds[1])
            pid = os.fork()
        except OSError:  # no fork: nothing of it left (the caller writes in this process)
            for fd in fds:
                os.close(fd)
            self.new.discard()
            raise
        down_r, down_w, up_r, up_w = fds
        if pid == 0:  # the child: writes, tells, and is gone
            code = 1
            try:
                os.close(down_w)
                os.close(up_r)
                code = self._serve(Connection(down_r, writable=False), Connection(up_w, readable=False))
            finally:
                os._exit(code)
        os.close(down_r)
        os.close(up_w)
        self.pid: int | None = pid
        self._down = Connection(down_w, readable=False)
        self._up = Connection(up_r, writable=False)

    def _serve(self, down: Connection, up: Connection) -> int:
        buffer = bytearray()
        try:
            while True:
                said = down.recv()
                if said[0] == "end":
                    assert self.new is not None
                    _, result = super().finish(said[1], self.new)
                    up.send(("done", result))
                    return 0
                _, kernel, first, last, size = said
                xml = _read_into(buffer, down.fileno(), size)
                super().rows(xml, None if kernel is None else StatusBlock(kernel).on_rows(first, last))
        except BaseException as exc:
            try:
                up.send(("error", _portable(exc)))
            except BaseException:
                pass
            return 1

    def rows(self, xml: bytes, lines: RowStatuses | None) -> None:
        # the lines go as their kernel's arrays and lists (cheaper to pickle than the words made from them),
        # without who each line is: our columns never show it
        said = (("rows", None, 0, 0, len(xml)) if lines is None
                else ("rows", _withheld(lines.block), lines.first, lines.last, len(xml)))
        try:
            self._down.send(said)
            _write(self._down.fileno(), xml)
        except OSError:  # the child ended (the pipe broke): what it said, or that it died
            self._answer()

    def finish(self, tail: bytes | None, new: AtomicFile | None = None) -> tuple[AtomicFile, PatchResult]:
        try:
            self._down.send(("end", tail))
        except OSError:
            pass
        result = self._answer()
        done, self.new = self.new, None
        assert done is not None
        return done, result

    def _answer(self) -> PatchResult:
        """The child's last word, once it has ended: its PatchResult, or its error raised here."""
        try:
            said = self._up.recv()
        except (EOFError, OSError):
            said = None
        why = self._reap()
        if said is None:
            raise PatchError(f"{self.name} could not be written: the writing process {why}; the workbook is "
                             "unchanged")
        if said[0] == "error":
            raise _raised(said[1])
        return said[1]

    def _reap(self) -> str:
        """Wait for the child to end; how it ended, in words."""
        if self.pid is None:
            return "was gone"
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if os.WIFSIGNALED(status):
            return f"was killed ({signal.Signals(os.WTERMSIG(status)).name})"
        return f"ended with code {os.waitstatus_to_exitcode(status)}"

    def __exit__(self, *exc: Any) -> None:
        """Always: the pipes closed, the child reaped (killed first when the pass failed here), and the temp
        file removed unless `finish` handed it over."""
        failed = self.new is not None
        self._down.close()
        self._up.close()
        if self.pid is not None:
            if failed:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self._reap()
        if self.new is not None:
            self.new.discard()
            self.new = None


def _widen(fd: int) -> None:
    """The pipe of `fd` made to hold PIPE_SIZE bytes, where the system lets it (else it stays as it is)."""
    import fcntl  # (Linux, where a writer is forked; Windows has no fcntl)

    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (OSError, AttributeError):  # (over the user's share of pipe pages; no F_SETPIPE_SZ)
        pass


def _write(fd: int, data: bytes) -> None:
    """All of `data` down the pipe `fd`."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_into(buffer: bytearray, fd: int, size: int) -> bytes:
    """The next `size` bytes of the pipe `fd`, read into `buffer` (grown as needed, kept for the next chunk)
    and copied out once."""
    if len(buffer) < size:
        buffer.extend(bytes(size - len(buffer)))
    got = 0
    with memoryview(buffer) as view:
        while got < size:
            n = os.readv(fd, [view[got:size]])
            if not n:
                raise EOFError("the reading process ended in the middle of a chunk")
            got += n
        return bytes(view[:size])


class _NotSent(Sequence[Any]):
    """A kernel's field the writing process is not sent: touching it is an error, never a quiet empty list."""

    def __init__(self, field: str):
        self.field = field

    def _missing(self) -> AttributeError:
        return AttributeError(f"the writing process has no {self.field}: refresh_pipe._WHO does not send it")

    def __len__(self) -> int:
        raise self._missing()

    def __getitem__(self, i: Any) -> Any:
        raise self._missing()


# Who each line is: a refresh's columns never show it, and these texts are a third of a chunk's pickle.
_WHO = ("order_nos", "customers", "customer_pos", "merchandisers")


def _withheld(block: StatusBlock) -> Any:
    """The block's kernel without `_WHO`."""
    fields: dict[str, Any] = {field: _NotSent(field) for field in _WHO}
    return dataclasses.replace(block.k, **fields)


def _portable(exc: BaseException) -> bytes:
    """The child's error, pickled to be raised again in the parent; one that does not survive pickling
    comes as a RuntimeError with its message, which `patch.damaged` words as it words any other error."""
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
        return data
    except Exception:
        return pickle.dumps(RuntimeError(str(exc) or type(exc).__name__))


def _raised(data: bytes) -> BaseException:
    exc = pickle.loads(data)
    assert isinstance(exc, BaseException)
    return exc
