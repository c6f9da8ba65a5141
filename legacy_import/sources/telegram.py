"""Telegram Desktop chat exports (`result.json`), streamed with ijson and never loaded whole.

A single-chat export (top-level `name`/`type`/`id`/`messages`) or a full-account one
(`chats.list`, `left_chats.list`) gives two parts:

- `authors`: one record per distinct `from_id`/`actor_id`: `id`, `name`, and the `date`s of the
  author's first message (`first_seen`) and of the message the name was taken from
  (`named_at`). The name is the one shown with the author's latest message, so a renamed user
  gets the newer name. This part needs a pass over the whole file before its first record.
- `messages`: every message and service entry of every chat, in file order. Each record is the
  message as exported, plus the `chat` it belongs to (`id`, `type`, `name`).

A record's position is its rank in the file, so a checkpoint is one number. A message's size is
the number of bytes read from the file since the one before, so progress is by bytes read.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import IO, Any

import ijson
import msgspec

from legacy_import.errors import SourceError
from legacy_import.sources import telegram_rules as telegram
from legacy_import.sources.base import Part, SourceSpec
from legacy_import.sources.json_errors import describe_json_error
from legacy_import.sources.json_parsers import parser_for
from legacy_import.sources.json_window import UnsureError
from legacy_import.sources.records import RawRecord, cut_reason, estimated_size
from legacy_import.sources.telegram_scan import (
    CHAT_KEYS,
    CHAT_PREFIXES,
    Entry,
    Scan,
    Values,
    is_message,
    key_decoder,
)

OPENING = frozenset({"start_map", "start_array"})
CLOSING = frozenset({"end_map", "end_array"})
CHUNK = 1 << 20
# Decoded a piece at a time to check a file is UTF-8: pieces that stay in the CPU's cache
# decode twice as fast as the whole chunk.
UTF8_PIECE = 1 << 16
EXPORT_FIRST_KEYS = frozenset({"about", "personal_information", "name", "type", "id", "chats"})
# What Telegram Desktop names the JSON of every export, in the folder it writes the media to.
EXPORT_FILE = "result.json"
# The keys the authors' pass reads of each message, and those `message_type` reads.
AUTHOR_KEYS = key_decoder(("from_id", "actor_id", "from", "actor", "date", "date_unixtime"))
TYPE_KEYS = key_decoder(("type", "action", "media_type", *(key for key, _ in telegram.MEDIA_KEYS)))
# Said of a message whose bytes the scan split but no parser reads alike (the scan's checks
# rule this out; should one slip through, the message is rejected, not lost).
UNREADABLE = "the message is JSON that msgspec and ijson could read differently"


@dataclass(slots=True)
class _Author:
    first_rank: int
    raw_id: Any
    name: str | None
    named: tuple[bool, int, str, int]
    named_at: dict[str, Any]
    first: tuple[bool, int, str, int]
    first_at: dict[str, Any]


class TelegramSource:
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self._name = spec.path.name
        path = spec.path
        self._values = Values(lambda: parser_for(path))
        self._shown: tuple[Any, str] = (None, "")
        # Where the first whole scan found numbers that ijson should decide: the authors'
        # pass finds them, and the messages' pass reads the file without searching again.
        self._doubts: list[int] | None = None

    def parts(self) -> list[Part]:
        self._check_encoding()
        return [
            Part("authors", "authors", (), None),
            Part("messages", "messages", (), None, size=self.spec.path.stat().st_size),
        ]

    def document_values(
        self, part: str, paths: list[tuple[str, ...]]
    ) -> dict[tuple[str, ...], Any]:
        """Mapping files check that only JSON sources are asked for document values."""
        return {}

    def notes(self) -> list[str]:
        """What the operator should know: exports before 2022 hold only local times. Every
        export is called result.json, so the note names this one by its path."""
        for entry in self._walk(build_after=0):
            message = _keys_of(entry, AUTHOR_KEYS)
            if message is not None and "date_unixtime" not in message:
                return [
                    f"{self.spec.path} has no date_unixtime (exported before 2022): its dates "
                    "are local times and were read in the --timezone zone"
                ]
            break
        return []

    def read(self, part: str, *, after: int) -> Iterator[RawRecord]:
        if part == "authors":
            yield from self._authors(after)
            return
        for entry in self.entries(after=after):
            yield self.record(entry)
            if entry.problem is not None:
                return

    def entries(self, *, after: int) -> Iterator[Entry]:
        """The entries of the messages past `after`, their bytes perhaps not decoded yet:
        a caller that keeps only some, or reads only some keys, decodes only those
        (`Entry.fields`); `record` makes one the record `read` gives."""
        for entry in self._walk(build_after=after):
            if entry.problem is not None or entry.message is not None or entry.raw is not None:
                yield entry

    def record(self, entry: Entry) -> RawRecord:
        """The entry as the record of `messages` that `read` gives."""
        if entry.problem is not None:
            where = f"{self._name} after message {entry.rank - 1} of the file"
            return RawRecord("messages", entry.rank, where, {}, entry.size, entry.problem)
        try:
            message = entry.decoded()
        except UnsureError:
            where = f"{self._name} message {entry.rank} of the file"
            return RawRecord("messages", entry.rank, where, {}, entry.size, UNREADABLE)
        # A message read is this record's alone: the chat joins it in place (last, as in a
        # copy), unless the message has a key of that name.
        if "chat" in message:
            message = {**message, "chat": entry.chat}
        else:
            message["chat"] = entry.chat
        where = f"{self.location(entry.chat)}{message.get('id')}"
        return RawRecord("messages", entry.rank, where, message, entry.size)

    def location(self, chat: dict[str, Any]) -> str:
        """Where a message of this chat is, up to its id: worked out once per chat."""
        if self._shown[0] is not chat:
            self._shown = (chat, f"{self._name} chat {_shown_id(chat)} message ")
        return self._shown[1]

    def close(self) -> None:
        """The file is opened per pass and closed when the pass ends."""

    def chats(self) -> list[dict[str, Any]]:
        """Each chat with its Bot API id and its count of entries per message type."""
        found: list[dict[str, Any]] = []
        for entry in self._walk(build_after=0):
            message = _keys_of(entry, TYPE_KEYS)
            if message is None:
                continue
            if not found or found[-1]["chat"] is not entry.chat:
                found.append({"chat": entry.chat, "types": {}})
            types = found[-1]["types"]
            kind = telegram.message_type(message)
            types[kind] = types.get(kind, 0) + 1
        return found

    def _authors(self, after: int) -> Iterator[RawRecord]:
        authors: dict[int, _Author] = {}
        ids: dict[str, int] = {}  # from_id text → author id: a few thousand, met a million times
        for entry in self._walk(build_after=0):
            message = _keys_of(entry, AUTHOR_KEYS)
            if message is None:  # nothing is skipped here: this is where a broken file ends
                break
            given = message.get("from_id")
            author = ids.get(given) if given.__class__ is str else None
            if author is None:
                try:
                    author = telegram.message_author(message)
                except ValueError:
                    continue
                if given.__class__ is str:
                    ids[given] = author
            # A message whose time cannot be read is rejected on its own; it never gives its
            # author a first-seen or named-at time while a readable message can.
            unix, readable = _unix_and_readable(message)
            when = (unix, str(message.get("date", "")), entry.rank)
            first, named = (not readable, *when), (readable, *when)
            name = telegram.author_name(message)
            known = authors.get(author)
            if known is None:
                raw_id = message.get("from_id", message.get("actor_id"))
                at = _times(message)
                authors[author] = _Author(entry.rank, raw_id, name, named, at, first, at)
                continue
            if name is not None and named >= known.named:
                known.name, known.named, known.named_at = name, named, _times(message)
            if first < known.first:
                known.first, known.first_at = first, _times(message)
        ordered = sorted(authors.items(), key=lambda pair: pair[1].first_rank)
        for position, (author, found) in enumerate(ordered, start=1):
            if position <= after:
                continue
            data = {
                "id": author,
                "name": found.name,
                "first_seen": found.first_at,
                "named_at": found.named_at,
            }
            where = f"{self._name} author {found.raw_id}"
            yield RawRecord("authors", position, where, data, estimated_size(data))

    def _walk(self, *, build_after: int) -> Iterator[Entry]:
        """Every message of every chat; those ranked at or below `build_after` are skipped
        without being built. A file that stops being valid JSON ends with a problem entry.

        The scan (`telegram_scan`) finds them; where it cannot tell, ijson's events go on
        after the last message it found, and a chat it found keeps being the same object."""
        scanned: Entry | None = None
        if not self.spec.encoding:
            path = self.spec.path
            scan = Scan(path, self._values, build_after=build_after, doubts=self._doubts)
            for scanned in scan.entries():
                yield scanned
            if scan.finished:
                self._doubts = scan.doubts
                return
        last = 0 if scanned is None else scanned.rank
        for entry in self._events(build_after=max(build_after, last), resume=scanned):
            if entry.rank > last or entry.problem is not None:
                yield entry

    def _events(self, *, build_after: int, resume: Entry | None = None) -> Iterator[Entry]:
        """`_walk` on ijson's events alone. From the message `resume` on, its chat is the
        same object the scan gave it."""
        chat: dict[str, Any] = {}
        rank = depth = 0
        builder: Any = None
        with self._open() as (raw, handle):
            last_offset = 0
            try:
                parser = parser_for(self.spec.path)
                for prefix, event, value in parser.parse(handle, use_float=True):
                    if depth:
                        if builder is not None:
                            builder.event(event, value)
                        if event in OPENING:
                            depth += 1
                        elif event in CLOSING:
                            depth -= 1
                            if depth == 0:
                                if resume is not None and rank == resume.rank:
                                    chat = resume.chat
                                offset = raw.tell()
                                message = builder.value if builder is not None else None
                                yield Entry(rank, chat, message, offset - last_offset)
                                last_offset, builder = offset, None
                        continue
                    owner, _, key = prefix.rpartition(".")
                    if event == "start_map" and is_message(prefix):
                        rank, depth = rank + 1, 1
                        if rank > build_after:
                            builder = ijson.ObjectBuilder()
                            builder.event(event, value)
                    elif event == "start_map" and prefix in CHAT_PREFIXES:
                        chat = {}
                    elif key in CHAT_KEYS and owner in CHAT_PREFIXES and event not in OPENING:
                        chat = {**chat, key: value}
            except (ijson.JSONError, UnicodeDecodeError) as error:
                whole = rank - 1 if depth else rank
                words = describe_json_error(self.spec.path, error, utf8=not self.spec.encoding)
                problem = cut_reason(words, whole, "messages")
                yield Entry(whole + 1, chat, None, 0, problem)

    @contextmanager
    def _open(self) -> Iterator[tuple[IO[bytes], IO[bytes] | _AsUtf8]]:
        with self.spec.path.open("rb") as raw:
            if self.spec.encoding:
                yield raw, _AsUtf8(io.TextIOWrapper(raw, encoding=self.spec.encoding))
            else:
                yield raw, raw

    def _check_encoding(self) -> None:
        """Telegram writes UTF-8; anything else was re-encoded by someone, and is refused
        before a single record is read, unless `--encoding` names what it is."""
        if self.spec.encoding:
            try:
                codecs.lookup(self.spec.encoding)
            except LookupError:
                raise SourceError(f"--encoding {self.spec.encoding!r} is not known") from None
            return
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        with self.spec.path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                for start in range(0, len(chunk), UTF8_PIECE):
                    piece = chunk[start : start + UTF8_PIECE]
                    carried = decoder.getstate()[0]  # a character cut by the piece before
                    try:
                        decoder.decode(piece)
                    except UnicodeDecodeError as error:
                        at = offset - len(carried) + error.start
                        raise SourceError(
                            f"{self._name} is not UTF-8 (byte {(carried + piece)[error.start]:#04x}"
                            f" at offset {at:,}), though Telegram Desktop writes UTF-8: the file "
                            "was re-encoded. Pass --encoding with the encoding it is in (for "
                            "Russian text often cp1251)"
                        ) from None
                    offset += len(piece)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise SourceError(f"{self._name} ends inside a UTF-8 character") from None


class _AsUtf8:
    """A file in another encoding, read as the UTF-8 bytes ijson parses."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text

    def read(self, size: int = -1) -> bytes:
        return self._text.read(size).encode("utf-8")


def _keys_of(entry: Entry, keys: msgspec.json.Decoder[Any]) -> Any:
    """The entry's message with at least these keys (`Entry.fields`), decoded whole where
    only that can tell; None if it cannot be (a problem, or a message `record` rejects as
    unreadable)."""
    found = entry.fields(keys)
    if found is not None:
        return found
    try:
        return entry.decoded()
    except UnsureError:
        return None


def _shown_id(chat: dict[str, Any]) -> Any:
    """The chat as every other output shows it: by its Bot API id (the export's own id only
    when the chat has none, which its messages' rejects then explain)."""
    try:
        return telegram.chat_id(chat)
    except ValueError:
        return chat.get("id")


def _times(message: dict[str, Any]) -> dict[str, Any]:
    return {key: message[key] for key in ("date", "date_unixtime") if key in message}


def _unix_and_readable(message: dict[str, Any]) -> tuple[int, bool]:
    """`_unix` and `_readable_time` at once, without building a time for the usual
    `date_unixtime` (ASCII digits: readable up to the last second of the year 9999)."""
    unix = message.get("date_unixtime")
    if unix.__class__ is str and unix.isascii() and unix.isdigit():
        seconds = int(unix)
        return seconds, seconds <= telegram.LAST_UNIX_SECOND
    return _unix(message), _readable_time(message)


def _readable_time(message: dict[str, Any]) -> bool:
    try:
        telegram.message_time(message, UTC)
    except ValueError:
        return False
    return True


def _unix(message: dict[str, Any]) -> int:
    value = message.get("date_unixtime")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) else 0


def looks_like_export(handle: IO[bytes]) -> bool:
    """A JSON object whose first key is one Telegram Desktop writes first (a single chat starts
    with `name`, or `type` when the chat has no name; a full account with `about`)."""
    try:
        for prefix, event, value in ijson.parse(handle):
            if prefix == "" and event == "map_key":
                return value in EXPORT_FIRST_KEYS
            if prefix == "" and event != "start_map":
                return False
    except (ijson.JSONError, UnicodeDecodeError):
        return False
    return False
