"""Commit tokens: a commit's place in the primary's write-ahead log, as a value that travels."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")
_MAX_LSN = (1 << 64) - 1


@dataclass(frozen=True, slots=True, order=True)
class CommitToken:
    """Where a commit ended in the primary's write-ahead log (its LSN).

    Pass it, or its `str()` (which travels between processes), to
    `store.unit_of_work(read_only=True, after=token)`. The zero token, which SQLite and a store
    without replicas return, is satisfied by any server.
    """

    lsn: int = 0

    def __str__(self) -> str:
        return f"{self.lsn >> 32:X}/{self.lsn & 0xFFFFFFFF:X}"

    @classmethod
    def parse(cls, value: CommitToken | str) -> CommitToken:
        """The token itself, or the token `str(token)` was made from.

        Raises:
            ValueError: the text is not an LSN such as `0/16B3748`.
        """
        if isinstance(value, CommitToken):
            return value
        match = _LSN.match(value.strip())
        if match is None:
            raise ValueError(f"not a commit token (an LSN such as 0/16B3748): {value!r}")
        return cls((int(match[1], 16) << 32) | int(match[2], 16))

    @property
    def known(self) -> bool:
        """False when the commit's position could not be learnt: only the primary will do."""
        return self.lsn != _MAX_LSN


UNKNOWN_POSITION = CommitToken(_MAX_LSN)
