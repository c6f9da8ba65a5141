"""A JSON file read through a window of bytes, a value at a time, with msgspec finding where
each value ends (legacy_import.sources.telegram_scan reads Telegram exports with it).

Decoding a value that more JSON follows fails with "trailing characters (byte N)": that says
where the value ends, in one call. A value cut by the window's edge reads as truncated, or
fails at the window's very end: then the window grows by a chunk and the value is tried again.
Runs of 19 digits are noted as chunks arrive: msgspec reads integers that ijson's C parser
refuses, so values holding one are left for ijson to decide.
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
# Bytes mapped to 1 for a digit, 0 for anything else: runs of 19 digits are found with `find`.
DIGITS = bytes(int(48 <= byte <= 57) for byte in range(256))
LONG_RUN = b"\x01" * 19


class UnsureError(Exception):
    """The scan cannot tell what ijson would make of the file from here."""


class Window:
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
                    raise UnsureError from None
                continue
            # The value reaches the end of what is read: a number may go on after it.
            if not self.more():
                return len(self.data)
