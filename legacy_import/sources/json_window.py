"""A JSON file read through a window of bytes, a value at a time, with msgspec finding where
each value ends (legacy_import.sources.telegram_scan reads Telegram exports with it).

Decoding a value that more JSON follows fails with "trailing characters (byte N)": that says
where the value ends, in one call. A value cut by the window's edge reads as truncated, or
fails at the window's very end: then the window grows by a chunk and the value is tried again.
Runs of 19 digits and positive exponents of 3 digits are noted as chunks arrive: msgspec reads
integers that ijson's C parser refuses, and skips numbers out of a float's range that both
refuse to decode, so values holding either are left for ijson to decide.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import IO

import msgspec

CHUNK = 1 << 20
WHITESPACE = re.compile(rb"[ \t\n\r]*")
TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
AT_BYTE = re.compile(r"\(byte (\d+)\)")
TRUNCATED = "Input data was truncated"
RAW = msgspec.json.Decoder(msgspec.Raw)
# Bytes mapped to 1 for a digit, 2 for what may start a positive exponent (`e`, `E`, `+`), 0
# for anything else: doubtful numbers are found with `find`. Three digits after one of those
# (`1e400`, `2E+308`, or `+380` in a text) are doubtful whatever their value: a float leaves its
# range only by such an exponent or by a run of digits, and underflows (`1e-400`) read alike.
DIGITS = bytes(1 if 48 <= byte <= 57 else 2 if byte in b"eE+" else 0 for byte in range(256))
LONG_RUN = b"\x01" * 19
EXPONENT = b"\x02\x01\x01\x01"
# At most this many offsets of doubtful numbers are kept for the next pass over a file.
KEPT_DOUBTS = 100_000


class UnsureError(Exception):
    """The scan cannot tell what ijson would make of the file from here."""


class Window:
    """The file through a window of bytes: `data[pos:]` is what is not read yet, and `base`
    the file offset of `data[0]`."""

    def __init__(self, handle: IO[bytes], chunk: int, doubts: list[int] | None = None) -> None:
        """`doubts` are those an earlier window found in the whole file (`all_doubts`):
        given, the chunks are not searched again."""
        self._handle = handle
        self._chunk = chunk
        self.data = b""
        self.view = memoryview(self.data)
        self.pos = self.base = 0
        self.ended = False
        # File offsets where doubtful numbers end (their first 19 digits, or an exponent's
        # third digit): a value that starts with no digit holds one if such an offset falls
        # inside it. All of them while they are few, else those from `base` on.
        self._doubts: list[int] = [] if doubts is None else doubts
        self._searching = doubts is None
        self._all_kept = True

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
        if self._searching:
            self._find_doubts(max(0, kept - len(LONG_RUN)))
        return True

    def all_doubts(self) -> list[int] | None:
        """Every doubtful number's offset in what was read, if they were few enough to keep."""
        return self._doubts if self._all_kept else None

    def _find_doubts(self, start: int) -> None:
        """Notes the doubtful numbers from `data[start:]` on: what overlaps the chunk before
        is found again, and only ends past the last one noted are kept."""
        offset = self.base + start
        digits = self.data[start:].translate(DIGITS)
        found = []
        at = digits.find(LONG_RUN)
        while at >= 0:
            found.append(offset + at + len(LONG_RUN) - 1)
            after = digits.find(b"\x00", at)
            if after < 0:
                break
            at = digits.find(LONG_RUN, after)
        at = digits.find(EXPONENT)
        while at >= 0:
            found.append(offset + at + len(EXPONENT) - 1)
            at = digits.find(EXPONENT, at + 1)
        last = self._doubts[-1] if self._doubts else -1
        new = [at for at in sorted(found) if at > last]
        if self._all_kept and len(self._doubts) + len(new) > KEPT_DOUBTS:
            self._all_kept = False
        if not self._all_kept:
            self._doubts = [at for at in self._doubts if at >= self.base]
        self._doubts.extend(new)

    def doubtful(self, start: int, end: int) -> bool:
        """Whether `data[start:end]` holds a number that ijson should decide."""
        doubts = self._doubts
        found = bisect_left(doubts, self.base + start)
        return found < len(doubts) and doubts[found] < self.base + end

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
                    raise UnsureError from None
                continue
            # The value reaches the end of what is read: a number may go on after it.
            if not self.more():
                return len(self.data)
