"""The messages of a Telegram export found at msgspec's speed: the same entries (rank, chat,
message, size) as walking ijson's events, without a Python step per JSON event.

Outside the messages the file is small (chat headers, the account's profile) and is read a
value at a time (`json_window`: msgspec says where each value ends). Messages are split a
stretch at a time: cut at the bytes seen between two messages (`},\n{`), the stretch decodes
as a list of raw values only if the cut falls between two whole items of the array, and each
message is then decoded in one call. A stretch that does not decode is read a value at a time.

Where msgspec and ijson could disagree, ijson decides, on that value alone: a run of 19 digits
or more (ijson's C parser refuses integers beyond 64 bits, which msgspec reads), and any value
msgspec refuses (it reads no form feed as whitespace, no lone surrogate, no 1e400). Anything
else unexpected (the file stops being JSON, a byte out of place) ends the scan early with
`finished` false: the caller walks on with ijson's events after the last rank scanned, so the
reason a broken file gives stays word for word what it was.

A message split from a stretch is not decoded by the scan: its entry holds its bytes, which
the list decode has checked are JSON and the window that they hold no doubtful number, so
msgspec and ijson read them alike. A worker that prepares every other batch decodes only its
own messages, and a caller that reads a few keys decodes only those (`Entry.fields`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
import msgspec

from legacy_import.sources.json_window import CHUNK, UnsureError, Window

# Where a chat's own keys sit: a single-chat export's top level, or an item of a chat list.
CHAT_PREFIXES = frozenset({"", "chats.list.item", "left_chats.list.item"})
CHAT_KEYS = frozenset({"id", "type", "name"})
MESSAGES = "messages.item"
OPEN_MAP, CLOSE_MAP, OPEN_ARRAY, CLOSE_ARRAY = b"{}[]"
QUOTE, COLON, COMMA = b'":,'
ITEMS = msgspec.json.Decoder(list[msgspec.Raw])
BETWEEN = re.compile(rb"[ \t\n\r]*,[ \t\n\r]*")
RUN_BYTES = 1 << 18
RUN_PAUSE = 64
RUN_TRIES = 4
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
    """One message found while walking the file: decoded (`message`), or its JSON not decoded
    yet (`raw`), or neither when it was skipped. An entry with a `problem` ends the walk: the
    file is not valid JSON after `rank - 1`."""

    rank: int
    chat: dict[str, Any]
    message: dict[str, Any] | None
    size: int
    problem: str | None = None
    raw: memoryview | None = None
    values: Values | None = None

    def decoded(self) -> Any:
        """The message as ijson's walk reads it; None when it was skipped.

        Raises `UnsureError` if the two parsers could read its bytes differently, which the
        checks that split it rule out."""
        if self.raw is not None:
            assert self.values is not None
            self.message = self.values.value(self.raw, doubtful=False)
            self.raw = None
        return self.message

    def fields(self, keys: msgspec.json.Decoder[Any]) -> dict[str, Any] | None:
        """The message with at least the keys that `keys` (`key_decoder`) reads, as they are
        in it: those alone while its bytes are not decoded, else the whole message. None
        when it was skipped, or when only `decoded` can tell."""
        if self.raw is None:
            return self.message
        try:
            return msgspec.to_builtins(keys.decode(self.raw))  # type: ignore[no-any-return]
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return None


def key_decoder(keys: Iterable[str]) -> msgspec.json.Decoder[Any]:
    """A decoder that reads only these keys of a message, each as any JSON value, leaving out
    the keys the message does not have (`Entry.fields`)."""
    names = {f"key_{n}": key for n, key in enumerate(keys)}
    fields = [(name, Any, msgspec.UNSET) for name in names]
    struct = msgspec.defstruct("MessageKeys", fields, rename=names)
    return msgspec.json.Decoder(struct)


class Values:
    """JSON values decoded as ijson's walk reads them: by msgspec where the two agree, by
    ijson where they might not (a doubtful number, or anything msgspec refuses)."""

    def __init__(self, parser: Callable[[], Any]) -> None:
        """`parser` gives the ijson backend that decides doubtful values; it is asked for
        only when one comes (choosing it reads the whole file, see `json_parsers`)."""
        self._parser = parser

    def value(self, raw: memoryview, *, doubtful: bool) -> Any:
        if not doubtful:
            try:
                return VALUE.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                pass
        try:
            items = self._parser().items(io.BytesIO(bytes(raw)), "", use_float=True)
            return next(iter(items))
        except (ijson.JSONError, UnicodeDecodeError, StopIteration):
            raise UnsureError from None


class Scan:
    """One pass over an export. `entries()` yields what ijson's walk would, in order, up to
    the end of the file (`finished`) or up to rank `rank`, after which the caller walks on."""

    def __init__(
        self,
        path: Path,
        values: Values,
        *,
        build_after: int,
        chunk: int = CHUNK,
        doubts: list[int] | None = None,
    ) -> None:
        """`doubts`: the offsets of doubtful numbers an earlier scan of the file found
        (`doubts` once it is `finished`), so this one need not search for them."""
        self._path = path
        self._given_doubts = doubts
        self.doubts: list[int] | None = None
        self._chunk = chunk
        self._values = values
        self._build_after = build_after
        self.rank = 0
        self.finished = False
        self._chat: dict[str, Any] = {}
        self._ended_at = 0
        self._window: Window | None = None
        # What stands between two messages (`},\n{` or with indentation), once seen; and
        # how many messages to read one by one after a stretch that did not split.
        self._separator: bytes | None = None
        self._pause = 0

    def entries(self) -> Iterator[Entry]:
        with self._path.open("rb") as handle:
            window = self._window = Window(handle, self._chunk, self._given_doubts)
            try:
                if window.peek() == -1:
                    return
                yield from self._value("", top=True)
                self.finished = window.peek() == -1
            except UnsureError:
                return
            if self.finished:
                self.doubts = window.all_doubts()

    def _value(self, prefix: str, *, top: bool = False) -> Iterator[Entry]:
        window = self._window
        assert window is not None
        first = window.peek()
        owner, _, key = prefix.rpartition(".")
        chat_key = not top and owner in CHAT_PREFIXES and key in CHAT_KEYS
        if first == OPEN_MAP and is_message(prefix):
            yield self._message(self._decoded(), window.base + window.pos)
        elif first in (OPEN_MAP, OPEN_ARRAY) and not chat_key and (top or _matters(prefix)):
            if first == OPEN_MAP:
                yield from self._map(prefix, top)
            else:
                yield from self._array(prefix, top)
        elif first == -1 or first in (CLOSE_MAP, CLOSE_ARRAY, COMMA, COLON):
            raise UnsureError
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
                raise UnsureError
            key = self._decoded()
            if window.peek() != COLON:
                raise UnsureError
            window.pos += 1
            yield from self._value(f"{prefix}.{key}" if not top else key)
            following = window.peek()
            window.pos += 1
            if following == CLOSE_MAP:
                return
            if following != COMMA:
                raise UnsureError

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
                yield from self._messages()
            else:
                yield from self._value(item)
            following = window.peek()
            window.pos += 1
            if following == CLOSE_ARRAY:
                return
            if following != COMMA:
                raise UnsureError

    def _messages(self) -> Iterator[Entry]:
        """The messages from `pos` on: many in one call where the separator between two
        messages is known, else one."""
        window = self._window
        assert window is not None
        if self._separator and self._pause == 0:
            run = self._run(window, self._separator)
            if run:
                yield from run
                return
            self._pause = RUN_PAUSE
        self._pause = max(0, self._pause - 1)
        start = window.pos
        yield self._message(self._decoded(), window.base + window.pos)
        if self._separator is None:
            self._separator = _separator_after(window.data, start, window.pos)

    def _run(self, window: Window, separator: bytes) -> list[Entry]:
        """The messages of a stretch cut at a separator, split by one decode of the stretch
        as a list (it decodes only if the cut is between two whole values of the array), or
        nothing, having taken nothing. A cut past the array's end is tried again earlier."""
        data, start = window.data, window.pos
        limit = start + RUN_BYTES
        for _ in range(RUN_TRIES):
            cut = data.rfind(separator, start, limit)
            if cut < 0:
                return []
            try:
                items = ITEMS.decode(b"[" + data[start : cut + 1] + b"]")
                break
            except (msgspec.DecodeError, RecursionError):
                limit = start + (cut - start) // 2 + len(separator)
        else:
            return []
        run: list[Entry] = []
        at, view, base = start, window.view, window.base
        # What follows a message before the next one, up to its opening brace: where it
        # does, the regular expression would stop right there.
        following, gap = separator[1:], len(separator) - 2
        # Most stretches hold no doubtful number: then no message of theirs does either.
        doubts = window.doubtful(start, cut + 1)
        for item in items:
            end = at + len(item)
            doubtful = doubts and window.doubtful(at, end)
            if data[at] != OPEN_MAP or doubtful:
                try:
                    value = self._values.value(view[at:end], doubtful=doubtful)
                except UnsureError:  # the run ends before it: read one by one, it says why
                    window.pos = at
                    return run
                if data[at] == OPEN_MAP:
                    run.append(self._message(value, base + end))
            else:
                run.append(self._message(None, base + end, view[at:end]))
            if data.startswith(following, end):
                at = end + gap
            else:
                found = BETWEEN.match(data, end)
                at = found.end() if found else end
        window.pos = cut + 1
        return run

    def _message(self, value: Any, end: int, raw: memoryview | None = None) -> Entry:
        size, self._ended_at = end - self._ended_at, end
        self.rank += 1
        if self.rank <= self._build_after:
            return Entry(self.rank, self._chat, None, size)
        return Entry(self.rank, self._chat, value, size, None, raw, self._values)

    def _decoded(self) -> Any:
        """The value at `pos`, taken: as msgspec reads it, or as ijson does where they might
        differ. Every value is read, even one the walk skips, as ijson's walk reads it."""
        window = self._window
        assert window is not None
        end = window.value_end()
        raw = window.view[window.pos : end]
        doubtful = window.doubtful(window.pos, end)
        window.pos = end
        return self._values.value(raw, doubtful=doubtful)


def _separator_after(data: bytes, start: int, end: int) -> bytes | None:
    """The bytes from the closing brace of the message at `data[start:end]` (whitespace
    after it included) to the opening brace of the next one, if one follows."""
    close = data.rfind(b"}", start, end)
    after = BETWEEN.match(data, end) if data[end : end + 1] != b"" else None
    if close < 0 or after is None or data[after.end() : after.end() + 1] != b"{":
        return None
    return data[close : after.end() + 1]
