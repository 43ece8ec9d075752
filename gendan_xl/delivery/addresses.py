"""E-mail addresses as people type them in a cell: parsed and checked (no I/O, nothing heavy imported: the
settings check their Reply-To addresses with it at every start)."""
from __future__ import annotations

import re

from gendan_xl.errors import InvalidMailError

__all__ = ["parse_addresses"]


# Between two addresses of one cell people type a comma or semicolon (ASCII or full-width), 、 or Alt+Enter.
_SEPARATORS = re.compile(r"[,;，；、\r\n]+")
_ADDRESS = re.compile(r"[^@\s<>()\[\]\\,;:\"]+@[^@\s<>()\[\]\\,;:\"]+\.[^@\s<>()\[\]\\,;:\".]+")
_NAMED = re.compile(r'\s*"?(?P<name>[^"<>]*?)"?\s*<(?P<addr>[^<>]*)>\s*')


def parse_addresses(cell: str) -> list[tuple[str, str]]:
    """The (display name, address) pairs of an e-mail cell: `a@x.com, b@y.com`, `张三 <a@x.com>；b@y.com`,
    one address a line. Each address is a recipient. Raises InvalidMailError naming the part that is no
    address (`Bcc: x@y.com` after a line break is text, never a header)."""
    pairs: list[tuple[str, str]] = []
    for piece in _SEPARATORS.split(cell):
        # `a@x.com b@y.com`: spaces part addresses too, except inside `张三 <a@x.com>`
        for part in [piece] if "<" in piece else piece.split():
            part = part.strip()
            if not part:
                continue
            m = _NAMED.fullmatch(part)
            name, addr = (m["name"].strip(), m["addr"].strip()) if m else ("", part)
            if not _ADDRESS.fullmatch(addr):
                raise InvalidMailError(f"{part!r} is not an e-mail address")
            if addr.lower() not in (a.lower() for _, a in pairs):
                pairs.append((name, addr))
    if not pairs:
        raise InvalidMailError(f"no e-mail address in {cell!r}")
    return pairs
