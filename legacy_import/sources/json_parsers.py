"""Which ijson parser reads a file without losing data.

The C parser (yajl) is fast but turns an escaped lone surrogate (`"\\ud83d"` alone) into "?",
so text would change without a word; the pure-Python parser keeps it, and the store then
rejects it with its reason. A file is scanned once for such escapes (valid pairs are fine).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import ijson

PYTHON_PARSER: Any = ijson.get_backend("python")
HIGH, LOW = rb"\\u[dD][89abAB][0-9a-fA-F]{2}", rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
LONE_SURROGATE = re.compile(rb"(?:" + HIGH + rb"(?!" + LOW + rb"))|(?<!" + HIGH + rb")" + LOW)
# An escape is 6 bytes: a match needs one escape of context before it (the lookbehind) and a
# whole pair from its start (the lookahead), so windows overlap by that much.
ESCAPE, PAIR = 6, 12
CHUNK = 1 << 20


def _lone_surrogates(window: bytes, start: int) -> Iterator[int]:
    """Where lone surrogate escapes start. Candidates are found with `bytes.find` (fast, and
    most files have none); only they are tried against the pattern."""
    for opening in (b"\\ud", b"\\uD"):
        at = window.find(opening, start)
        while at >= 0:
            if LONE_SURROGATE.match(window, at):
                yield at
            at = window.find(opening, at + 1)


def parser_for(path: Path) -> Any:
    """ijson itself (the C parser), or its Python parser for a file the C one would alter."""
    stat = path.stat()
    return PYTHON_PARSER if _has_lone_surrogates(path, stat.st_size, stat.st_mtime_ns) else ijson


@cache
def _has_lone_surrogates(path: Path, size: int, modified: int) -> bool:
    """One pass a chunk at a time; `size` and `modified` make a changed file scan again."""
    with path.open("rb") as handle:
        window, start = b"", 0
        while True:
            chunk = handle.read(CHUNK)
            window += chunk
            # Near the end of a window a pair may be cut: those places are searched next time.
            limit = len(window) - PAIR if chunk else len(window)
            if any(at < limit for at in _lone_surrogates(window, start)):
                return True
            if not chunk:
                return False
            cut = max(0, limit - ESCAPE)
            window, start = window[cut:], max(limit, start) - cut
