"""Where and why a file stops being JSON, in words a user can act on.

The streaming parsers word it badly: the C parser draws caret art around the bytes it choked
on, the Python one gives a bare offset, and neither says line and column. The standard
library's parser does, so a file found broken is read once more with it (only then, and only
up to `DIAGNOSED_BYTES`: past that the parser's first line is what there is).
"""

from __future__ import annotations

import json
from pathlib import Path

DIAGNOSED_BYTES = 64 << 20
BOM = b"\xef\xbb\xbf"
# A text file has no NUL byte in its first block; a picture or an archive nearly always does.
SNIFFED_BYTES = 8192


def _line_and_column(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def json_problem(path: Path, error: Exception | None = None) -> str | None:
    """What is wrong with `path` as JSON, as a phrase ("not valid JSON at line 3, column 9
    (Expecting ',' delimiter)"), or None when it parses. `error` is the streaming parser's,
    shown (its first line) only for a file too large to read again."""
    with path.open("rb") as handle:
        data = handle.read(DIAGNOSED_BYTES + 1)
    data = data.removeprefix(BOM)
    if b"\x00" in data[:SNIFFED_BYTES]:
        return "not JSON (binary data)"
    if not data.strip():
        return "empty, not JSON"
    if len(data) > DIAGNOSED_BYTES:
        return None if error is None else f"not valid JSON ({first_line(error)})"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        byte = data[bad.start]
        return f"not UTF-8 at {_line_and_column(data, bad.start)} (byte 0x{byte:02x})"
    try:
        json.loads(text)
    except json.JSONDecodeError as broken:
        # A string still open, or nothing but blanks after the failure: the text was cut.
        if broken.msg.startswith("Unterminated string") or not text[broken.pos :].strip():
            end = data.rstrip()
            return f"not valid JSON: it ends early, at {_line_and_column(end, len(end))}"
        return f"not valid JSON at line {broken.lineno}, column {broken.colno} ({broken.msg})"
    except RecursionError:
        return "not readable JSON: nested too deeply"
    return None


def first_line(error: Exception) -> str:
    text = error.args[0] if error.args else str(error)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip().splitlines()[0] if str(text).strip() else type(error).__name__


def describe_json_error(path: Path, error: Exception, *, utf8: bool = True) -> str:
    """What the streaming parser met in words; `utf8` False: the file is in another encoding,
    so its bytes cannot be read again as they are."""
    problem = json_problem(path, error) if utf8 else None
    return problem or f"not valid JSON ({first_line(error)})"
