"""The messages of a Telegram export found at msgspec's speed: the same entries (rank, chat,
message, size) as walking ijson's events, without a Python step per JSON event.

Outside the messages the file is small (chat headers, the account's profile) and is read a
value at a time here. Each value is found whole by msgspec: decoding a value that more JSON
follows fails with "trailing characters (byte N)", which says where the value ends. A message
is then decoded in one call.

Where msgspec and ijson could disagree, ijson decides, on that value alone: a run of 19 digits
or more (ijson's C parser refuses integers beyond 64 bits, which msgspec reads), and any value
msgspec refuses (it reads no form feed as whitespace, no lone surrogate, no 1e400). Anything
else unexpected (the file stops being JSON, a byte out of place) ends the scan early with
`finished` false: the caller walks on with ijson's events after the last rank scanned, so the
reason a broken file gives stays word for word what it was.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson
import msgspec

# Where a chat's own keys sit: a single-chat export's top level, or an item of a chat list.
CHAT_PREFIXES = frozenset({"", "chats.list.item", "left_chats.list.item"})
CHAT_KEYS = frozenset({"id", "type", "name"})
MESSAGES = "messages.item"
CHUNK = 1 << 20
OPEN_MAP, CLOSE_MAP, OPEN_ARRAY, CLOSE_ARRAY = b"{}[]"
QUOTE, COLON, COMMA = b'":,'
WHITESPACE = re.compile(rb"[ \t\n\r]*")
TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
# Bytes mapped to 1 for a digit, 0 for anything else: runs of 19 digits are found with `find`.
DIGITS = bytes(int(48 <= byte <= 57) for byte in range(256))
LONG_RUN = b"\x01" * 19
AT_BYTE = re.compile(r"\(byte (\d+)\)")
TRUNCATED = "Input data was truncated"
RAW = msgspec.json.Decoder(msgspec.Raw)
VALUE = msgspec.json.Decoder()


def is_message(prefix: str) -> bool:
    """Whether a JSON object at this ijson prefix is a message of a chat."""
    return prefix.endswith(MESSAGES) and (
        prefix.removesuffix(MESSAGES).removesuffix(".") in CHAT_PREFIXES
    )


def _prefixes_that_matter() -> frozenset[str]:
    """Prefixes where the walk finds something: chats, their keys, and their messages (as the
    prefix test above reads them, so keys with dots in them count as ijson joins them)."""
    found = set(CHAT_PREFIXES)
    for chat in CHAT_PREFIXES:
        found.update(f"{chat}{dot}{MESSAGES}" for dot in ("", "."))
        found.update(f"{chat}.{key}" for key in CHAT_KEYS)
    found.update(CHAT_KEYS)
    return frozenset(found)


MATTERS = _prefixes_that_matter()


def _matters(prefix: str) -> bool:
    """Whether anything at or under this prefix changes the walk (else it is only checked)."""
    below = prefix + "."
    return prefix in MATTERS or any(known.startswith(below) for known in MATTERS)


@dataclass(slots=True)
class Entry:
    """One message found while walking the file; `message` is None when it was skipped.
    An entry with a `problem` ends the walk: the file is not valid JSON after `rank - 1`."""

    rank: int
    chat: dict[str, Any]
    message: dict[str, Any] | None
    size: int
    problem: str | None = None


class _UnsureError(Exception):
    """The scan cannot tell what ijson would make of the file from here."""


class _Window:
    """The file through a window of bytes: `data[pos:]` is what is not read yet, and `base`
    the file offset of `data[0]`."""

    def __init__(self, handle: IO[bytes], chunk: int) -> None:
        self._handle = handle
        self._chunk = chunk
        self.data = b""
        self.view = memoryview(self.data)
        self.pos = self.base = 0
        self.ended = False
        # File offsets where runs of 19 digits or more start, in what was read.
        self._runs: list[int] = []

    def more(self) -> bool:
        """Read on; False at the end of the file."""
        chunk = b"" if self.ended else self._handle.read(self._chunk)
        if not chunk:
            self.ended = True
            return False
        kept = len(self.data) - self.pos
        self.base += self.pos
        self.data = self.data[self.pos :] + chunk
        self.view = memoryview(self.data)
        self.pos = 0
        self._find_runs(max(0, kept - len(LONG_RUN)))
        return True

    def _find_runs(self, start: int) -> None:
        base = self.base
        self._runs = [at for at in self._runs if at >= base]
        digits = self.data[start:].translate(DIGITS)
        at = digits.find(LONG_RUN)
        while at >= 0:
            if not self._runs or self._runs[-1] < base + start + at:
                self._runs.append(base + start + at)
            after = digits.find(b"\x00", at)
            if after < 0:
                return
            at = digits.find(LONG_RUN, after)

    def long_digits(self, start: int, end: int) -> bool:
        """Whether `data[start:end]` holds a run of 19 digits."""
        runs, offset = self._runs, self.base + start
        found = bisect_left(runs, offset)
        return found < len(runs) and runs[found] + len(LONG_RUN) <= self.base + end

    def peek(self) -> int:
        """The next byte that is not whitespace (-1 at the end of the file), not taken."""
        while True:
            found = WHITESPACE.match(self.data, self.pos)
            self.pos = found.end() if found else self.pos
            if self.pos < len(self.data):
                return self.data[self.pos]
            if not self.more():
                return -1

    def value_end(self) -> int:
        """Where the JSON value that starts at `pos` ends (whitespace after it included)."""
        while True:
            try:
                RAW.decode(self.view[self.pos :])
            except msgspec.DecodeError as error:
                words = str(error)
                found = TRAILING.search(words)
                if found is not None:
                    return self.pos + int(found.group(1)) - 1
                # Cut by the end of what is read: "truncated", or an error at its very end
                # (a number cut after its minus sign or its dot).
                at = AT_BYTE.search(words)
                cut = at is not None and int(at.group(1)) >= len(self.data) - self.pos
                if not (cut or words.startswith(TRUNCATED)) or not self.more():
                    raise _UnsureError from None
                continue
            # The value reaches the end of what is read: a number may go on after it.
            if not self.more():
                return len(self.data)


class Scan:
    """One pass over an export. `entries()` yields what ijson's walk would, in order, up to
    the end of the file (`finished`) or up to rank `rank`, after which the caller walks on."""

    def __init__(self, path: Path, parser: Any, *, build_after: int, chunk: int = CHUNK) -> None:
        self._path = path
        self._chunk = chunk
        self._parser = parser
        self._build_after = build_after
        self.rank = 0
        self.finished = False
        self._chat: dict[str, Any] = {}
        self._ended_at = 0
        self._window: _Window | None = None

    def entries(self) -> Iterator[Entry]:
        with self._path.open("rb") as handle:
            window = self._window = _Window(handle, self._chunk)
            try:
                if window.peek() == -1:
                    return
                yield from self._value("", top=True)
                self.finished = window.peek() == -1
            except _UnsureError:
                return

    def _value(self, prefix: str, *, top: bool = False) -> Iterator[Entry]:
        window = self._window
        assert window is not None
        first = window.peek()
        owner, _, key = prefix.rpartition(".")
        chat_key = not top and owner in CHAT_PREFIXES and key in CHAT_KEYS
        if first == OPEN_MAP and is_message(prefix):
            yield self._message()
        elif first in (OPEN_MAP, OPEN_ARRAY) and not chat_key and (top or _matters(prefix)):
            if first == OPEN_MAP:
                yield from self._map(prefix, top)
            else:
                yield from self._array(prefix, top)
        elif first == -1 or first in (CLOSE_MAP, CLOSE_ARRAY, COMMA, COLON):
            raise _UnsureError
        else:
            value = self._decoded()
            if chat_key:
                # A container there ends with an event whose value is None: ijson's walk
                # takes that as the key's value.
                shown = None if first in (OPEN_MAP, OPEN_ARRAY) else value
                self._chat = {**self._chat, key: shown}

    def _map(self, prefix: str, top: bool) -> Iterator[Entry]:
        window = self._window
        assert window is not None
        window.pos += 1
        if prefix in CHAT_PREFIXES:
            self._chat = {}
        if window.peek() == CLOSE_MAP:
            window.pos += 1
            return
        while True:
            if window.peek() != QUOTE:
                raise _UnsureError
            key = self._decoded()
            if window.peek() != COLON:
                raise _UnsureError
            window.pos += 1
            yield from self._value(f"{prefix}.{key}" if not top else key)
            following = window.peek()
            window.pos += 1
            if following == CLOSE_MAP:
                return
            if following != COMMA:
                raise _UnsureError

    def _array(self, prefix: str, top: bool) -> Iterator[Entry]:
        window = self._window
        assert window is not None
        window.pos += 1
        item = f"{prefix}.item" if not top else "item"
        messages = is_message(item)
        if window.peek() == CLOSE_ARRAY:
            window.pos += 1
            return
        while True:
            if messages and window.peek() == OPEN_MAP:
                yield self._message()
            else:
                yield from self._value(item)
            following = window.peek()
            window.pos += 1
            if following == CLOSE_ARRAY:
                return
            if following != COMMA:
                raise _UnsureError

    def _message(self) -> Entry:
        window = self._window
        assert window is not None
        value = self._decoded()
        end = window.base + window.pos
        size, self._ended_at = end - self._ended_at, end
        self.rank += 1
        message = value if self.rank > self._build_after else None
        return Entry(self.rank, self._chat, message, size)

    def _decoded(self) -> Any:
        """The value at `pos`, taken: as msgspec reads it, or as ijson does where they might
        differ. Every value is read, even one the walk skips, as ijson's walk reads it."""
        window = self._window
        assert window is not None
        end = window.value_end()
        raw = window.view[window.pos : end]
        doubtful = window.long_digits(window.pos, end)
        window.pos = end
        if not doubtful:
            try:
                return VALUE.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                pass
        try:
            return next(iter(self._parser.items(io.BytesIO(bytes(raw)), "", use_float=True)))
        except (ijson.JSONError, UnicodeDecodeError, StopIteration):
            raise _UnsureError from None
