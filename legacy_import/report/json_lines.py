"""JSON Lines that every reader splits the same way: one record per line, readable text."""

from __future__ import annotations

import json
from typing import Any

# JSON allows these raw inside strings, but line readers (Python's str.splitlines, editors,
# JavaScript) take them for line ends; escaped, a JSON Lines file is one record per line for all.
LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(value: Any) -> str:
    """One JSON Lines record: readable text (not ASCII escapes), no character a reader could
    take for the end of the line."""
    return json.dumps(value, ensure_ascii=False).translate(LINE_BREAKS)
