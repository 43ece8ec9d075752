"""Cells of a run of rows located and told apart with numpy, for `stream.Picker`: where tags start (`Tags`),
the row numbers and columns of cell references (`numbers_at`, `columns_at`, `own_rows`), and the cells found
(`Cells`): which are the same bytes (`Cells.alike`), a column of plain texts decoded at once (`Cells.texts`),
a column cut out only when asked for (`CutWhenAsked`). Each answers None where it cannot be sure, and the
picker then takes the slower way."""
from __future__ import annotations

from itertools import repeat
from typing import Any, Iterable

import numpy as np

from gendan_xl.cellrefs import MAX_CELL_CHARS

PAD = bytes(96)  # read past the end of a run of rows harmlessly (up to a cell's last word: `Cells.alike`)
ALIKE_MAX = 64  # the bytes after r="" compared at most: a longer cell is taken as unlike any other
_PRIME = np.uint64(0x9E3779B97F4A7C15)
_WORD_MASKS = np.array([[(1 << 8 * min(max(size - 8 * k, 0), 8)) - 1 for size in range(ALIKE_MAX + 1)]
                        for k in range(ALIKE_MAX // 8)], np.uint64)  # the k-th word of `size` bytes: its bytes
_BUCKETS = 1 << 18  # the cells' hashes put in this many buckets (`Cells.alike`)
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], np.uint64)  # a word's first k bytes


class CutWhenAsked:
    """A column decoded only when asked for (`Picker.lazy`): per row, its cell's XML (None: no cell), cut out
    of the run's XML when asked for."""

    def __init__(self, xml: bytes, cells: "Cells", lo: int, hi: int, n_rows: int):
        at = cells.by_col[lo:hi]
        self.xml, self.start, self.end = xml, cells.start[at].tolist(), cells.end[at].tolist()
        self.where = np.full(n_rows, -1, np.int64)
        self.where[cells.rows[lo:hi]] = np.arange(hi - lo)  # (a row's last cell wins, as `Picker._place` has it)

    def __getitem__(self, i: int) -> bytes | None:
        k = self.where[i]
        return None if k < 0 else self.xml[self.start[k]:self.end[k]]


class Alike:
    """Which cells are the same bytes as another of their column (`Cells.alike`): `first[k]` is the first
    cell of the k-th distinct one (in the cells' order), `label` each cell's k."""

    def __init__(self, first: Any, label: Any):
        self.first, self.label = first, label

    def of(self, lo: int, hi: int) -> tuple[Any, Any]:
        """For the cells lo:hi (one column's): the first cell of each of their distinct ones, and which of
        those each cell is."""
        k_lo, k_hi = np.searchsorted(self.first, [lo, hi]).tolist()
        return self.first[k_lo:k_hi], self.label[lo:hi] - k_lo


class Cells:
    """The cells `_locate` found, in the XML's order: `col`, `row` (an index into the run's rows), and where
    what follows each r="" starts and ends in `a` (`start`, `end`). `by_col` orders them each column's
    together, in the order of their rows; `bounds` and `rows` tell where each column is in that order."""

    def __init__(self, a: Any, col: Any, row: Any, start: Any, end: Any, tag_end: Any = None, lt: Any = None):
        self.a, self.col, self.row, self.start, self.end = a, col, row, start, end
        self.tag_end, self.lt = tag_end, lt  # where each start tag's ">" is; where every "<" is (`without_formulas`)
        self.by_col = np.argsort(col.astype(np.int16), kind="stable")  # (a radix sort: columns are < 2**15)
        self.rows = row[self.by_col]

    def bounds(self, cols: list[int]) -> list[int]:
        """Where each of `cols` (ascending) starts in `by_col`'s order, and where the last ends."""
        count = np.bincount(self.col, minlength=cols[-1] + 1)
        return np.append(np.cumsum(count)[cols] - count[cols], count[:cols[-1] + 1].sum()).tolist()

    def cut(self, xml: bytes, which: Any) -> list[bytes]:
        """The XML after the r="" of the cells `which` (places in `by_col`'s order)."""
        at = self.by_col[which]
        return list(map(xml.__getitem__, map(slice, self.start[at].tolist(), self.end[at].tolist())))

    def without_formulas(self, lo: int, hi: int, pfx: bytes) -> "Cells | None":
        """The cells lo:hi (in `by_col`'s order, one column's) with the formula before a cached value cut out,
        gathered in bytes of their own (the others whole): `ATTRS><f …>…</f><v>…</v></c>` (or `<f …/>`) is
        read as `ATTRS><v>…</v></c>` is — the value of a cell is its last child's, and a formula's cached
        value does not depend on its text — so a column of formulas that differ per row (`F3*G3`) but whose
        values repeat is told alike and decoded once per distinct value. None when no cell is such; `Cells`
        of one column otherwise, in the same order (its `cut` takes the gathered bytes)."""
        at = self.by_col[lo:hi]
        a, lt, n = self.a, self.lt, len(at)
        start, end, tag_end = self.start[at], self.end[at], self.tag_end[at]
        f_open, f_close = b"<" + pfx + b"f", b"</" + pfx + b"f>"
        v_open, v_close = b"<" + pfx + b"v>", b"</" + pfx + b"v></" + pfx + b"c>"
        ok = end - tag_end > len(f_open) + len(f_close) + len(v_open) + len(v_close)  # (room for all of them)
        for k, byte in enumerate(v_close):
            ok &= a[end - len(v_close) + k] == byte
        for k, byte in enumerate(f_open):
            ok &= a[tag_end + 1 + k] == byte
        ok &= _AFTER_NAME[a[tag_end + 1 + len(f_open)]]
        if not ok.any():
            return None
        kv = np.searchsorted(lt, end - len(v_close)) - 1  # the last "<" before the value's end: its <v>
        v_at = lt[np.maximum(kv, 0)]
        for k, byte in enumerate(v_open):
            ok &= a[v_at + k] == byte
        # the "<" before <v>: the formula's end tag, whose start tag is the cell's first child, or that start
        # tag itself when it closes itself ("/>" right before <v>)
        before = lt[np.maximum(kv - 1, 0)]
        closed = before == v_at - len(f_close)
        for k, byte in enumerate(f_close):
            closed &= a[v_at - len(f_close) + k] == byte
        closed &= lt[np.maximum(kv - 2, 0)] == tag_end + 1
        itself = (before == tag_end + 1) & (a[v_at - 2] == 47) & (a[v_at - 1] == 62)
        ok &= (kv >= 2) & (closed | itself)
        if not ok.any():
            return None
        # each cell's bytes: up to its start tag's ">", then (cut) from its <v> on
        first = np.where(ok, tag_end + 1, end) - start
        second = np.where(ok, end - v_at, 0)
        sizes = np.stack([first, second], 1).ravel()
        froms = np.stack([start, v_at], 1).ravel()
        offset = np.cumsum(sizes) - sizes
        gathered = a[np.repeat(froms - offset, sizes) + np.arange(int(sizes.sum()))]
        b = np.frombuffer(gathered.tobytes() + PAD, np.uint8)
        new_start = offset[::2]
        return Cells(b, np.full(n, self.col[at[0]] if n else 0, np.int64), self.rows[lo:hi], new_start,
                     new_start + first + second)

    def texts(self, lo: int, hi: int, plain: bytes, end: bytes) -> list[str] | None:
        """The cells lo:hi (in `by_col`'s order) decoded at once when each is a plain inline text (`plain`, the
        text, `end`) as `Picker._texts` takes them, else None: the texts gathered with numpy, each followed by
        a NUL, then decoded and split once."""
        at = self.by_col[lo:hi]
        a, start, stop = self.a, self.start[at], self.end[at]
        n = len(at)
        body, body_end = start + len(plain), stop - len(end)
        if not n or (body_end < body).any():
            return None
        for k, byte in enumerate(plain):
            if not (a[start + k] == byte).all():
                return None
        for k, byte in enumerate(end):
            if not (a[body_end + k] == byte).all():
                return None
        size = body_end - body + 1  # (and a NUL after each)
        offset = np.cumsum(size) - size
        gathered = a[np.repeat(body - offset, size) + np.arange(int(size.sum()))]
        gathered[offset + size - 1] = 0
        blob = gathered[:-1].tobytes()
        if b"<" in blob or blob.count(b"\x00") != n - 1 or b"&" in blob or b"_x" in blob or b"\r" in blob:
            return None
        try:
            texts = list(map(str.strip, blob.decode("utf-8").split("\x00"), repeat(" \t\r\n")))
        except UnicodeDecodeError:
            return None
        return texts if max(map(len, texts)) <= MAX_CELL_CHARS else None

    def alike(self, skip: Iterable[int] = ()) -> Alike | None:
        """The cells (but those of the columns `skip`) told apart by their bytes, in numpy: each cell's bytes as
        little-endian words (those past its end zeroed), hashed with its length and column; the cells put in
        buckets by their hash, and each checked word for word against the first cell of its bucket, those
        unlike it in buckets by other bits of their hash, again. None when that leaves some (then each is cut
        out and decoded). (Worked out in the XML's order, which reads the bytes front to back.)"""
        start, end, col, n = self.start, self.end, self.col, len(self.col)
        skipped = np.zeros(int(col.max(initial=0)) + 1, bool)
        skipped[[c for c in skip if c < len(skipped)]] = True
        sub = np.flatnonzero(~skipped[col])
        if len(sub) < n:
            start, end, col = start[sub], end[sub], col[sub]
        m = len(col)
        length = end - start
        longer = length > ALIKE_MAX
        words64 = self.a[:len(self.a) // 8 * 8].view("<u8")
        base, shift = start >> 3, ((start & 7) << 3).astype(np.uint64)
        back = np.uint64(64) - shift
        h = (length.astype(np.uint64) * _PRIME) ^ col.astype(np.uint64)
        words = []
        got = words64[base]
        compared = np.minimum(length, ALIKE_MAX)
        for k in range((int(compared.max(initial=0)) + 7) // 8):
            after = words64[base + (k + 1)]
            word = (got >> shift) | (after << back)  # (a shift by 64 gives 0)
            word &= _WORD_MASKS[k][compared]
            words.append(word)
            h = (h ^ word) * _PRIME
            h ^= h >> np.uint64(29)
            got = after
        same = np.arange(m)  # each cell's first alike (a longer one: itself)
        todo = np.flatnonzero(~longer)
        for bits in range(0, 44, 11):
            if not len(todo):
                break
            bucket = ((h[todo] >> np.uint64(bits)) & np.uint64(_BUCKETS - 1)).astype(np.intp)
            firsts = np.full(_BUCKETS, m, np.int64)
            np.minimum.at(firsts, bucket, todo)
            like = firsts[bucket]
            ok = (length[todo] == length[like]) & (col[todo] == col[like])
            for word in words:
                ok &= word[todo] == word[like]
            same[todo[ok]] = like[ok]
            todo = todo[~ok]
        if len(todo):
            return None
        # the first of each distinct one, and which each cell is; in the columns' order (each column's cells
        # in the same order as in the XML's: the first cell of each is its first in its column too)
        is_first = same == np.arange(m)
        label = np.full(n, -1, np.int64)  # (the skipped cells: -1)
        label[sub] = (np.cumsum(is_first) - 1)[same]
        place = np.empty(n, np.int64)
        place[self.by_col] = np.arange(n)
        first = place[sub[is_first]]
        order = np.argsort(first)
        relabel = np.full(len(first) + 1, -1, np.int64)
        relabel[order] = np.arange(len(first))
        return Alike(first[order], relabel[label[self.by_col]])


class Tags:
    """Where tags start, out of the positions `lt` (each of a "<" in the bytes `a`, `after` the byte after
    each); the "<" followed by one byte found once for every tag that starts with it."""

    def __init__(self, a: Any, lt: Any, after: Any):
        self.a, self.lt, self.after = a, lt, after
        self._by_second: dict[int, Any] = {}

    def at(self, tag: bytes) -> Any:
        """Where `tag` starts."""
        at = self._by_second.get(tag[1])
        if at is None:
            at = self._by_second[tag[1]] = self.lt[self.after == tag[1]]
        a = self.a
        for k in range(2, len(tag)):
            at = at[a[at + k] == tag[k]]
        return at


_AFTER_NAME = np.zeros(256, bool)  # what may follow a tag's name: > / and white space
_AFTER_NAME[[62, 47, 32, 9, 10, 13]] = True
_TENS = 10 ** np.arange(1, 9)


def own_rows(a: Any, at: Any, row: Any, row_nums: Any) -> Any | None:
    """Where the '"' after each cell's row number is (its digits at `at`), when each names the row it is in
    (`row`, an index into `row_nums`) as the reader reads it: the row's number, digit for digit, no leading
    zero. Else None (then the numbers are read: `numbers_at`). Each cell's digits are compared as one word
    with the digits of its row's number, made once per row."""
    if not len(at):
        return at
    if row[0] < 0 or row_nums[0] < 1 or row_nums[-1] >= _TENS[-1]:
        return None
    digits = np.searchsorted(_TENS, row_nums, side="right") + 1
    word = np.zeros(len(row_nums), np.uint64)
    for k in range(int(digits.max())):  # the k-th digit from the left, in the k-th byte
        place = np.maximum(digits - 1 - k, 0)
        digit = (row_nums // 10 ** place) % 10 + 48
        word |= np.where(k < digits, digit, 0).astype(np.uint64) << np.uint64(8 * k)
    width = digits[row]
    quote = at + width
    if not (a[quote] == 34).all():
        return None
    words64 = a[:len(a) // 8 * 8].view("<u8")
    shift = ((at & 7) << 3).astype(np.uint64)
    got = (words64[at >> 3] >> shift) | (words64[(at >> 3) + 1] << (np.uint64(64) - shift))
    if not ((got & _MASKS[width]) == word[row]).all():
        return None
    return quote


def columns_at(a: Any, at: Any) -> tuple[Any, Any] | None:
    """The column (from 0) of each cell reference at `at`, and its number of letters: None unless each is
    one to three capitals."""
    caps = [(a[at + k] - 65).astype(np.uint8) < 26 for k in range(4)]  # (uint8 arithmetic wraps below "A")
    if not caps[0].all() or (caps[1] & caps[2] & caps[3]).any():
        return None
    two, three = caps[1], caps[1] & caps[2]
    col = a[at].astype(np.int64) - 64
    col = np.where(two, col * 26 + a[at + 1] - 64, col)
    col = np.where(three, col * 26 + a[at + 2] - 64, col)
    return col - 1, 1 + two.astype(np.int64) + three


def numbers_at(a: Any, at: Any, *, leading_zero: bool) -> tuple[Any, Any] | None:
    """The number written at each of `at` (one to seven digits, then a '"') and where its '"' is: None unless
    each is such a number (and does not start with 0, unless `leading_zero`)."""
    first = (a[at] - 48).astype(np.uint8)
    if not (first < 10).all() or (not leading_zero and not first.all()):
        return None
    num = first.astype(np.int64)
    quote = np.zeros(len(at), np.int64)
    live = np.ones(len(at), bool)
    for k in range(1, 9):
        ch = a[at + k]
        digit = live & ((ch - 48).astype(np.uint8) < 10)
        stopped = live & ~digit
        if (ch[stopped] != 34).any() or (k == 8 and digit.any()):
            return None
        quote[stopped] = at[stopped] + k
        num = np.where(digit, num * 10 + ch - 48, num)
        live = digit
        if not live.any():
            break
    return num, quote
