"""What a source reads: a raw record, or a page of plain rows, with where each was found."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


# A RawRecord is made once per record: a frozen dataclass's __init__ costs several
# times as much, which shows at a million records.
@dataclass(slots=True)
class RawRecord:
    """One legacy record as a source read it, with where it was found.

    `position` grows strictly within a part (rowid, line or record number), so a checkpoint
    is one number. `data` is the record's fields, or, in a JSON list of plain values read
    through a mapping file, the value itself. `key` is the record's key in a JSON object keyed
    by id. `problem` is set when the source could not read the record cleanly.
    """

    part: str
    position: int
    location: str
    data: Any
    size: int
    problem: str | None = None
    key: str | None = None


# How the reason of the record where a file stops being readable begins: what came before it
# was read, nothing after it, so such a source can never be compared as whole.
CUT = "the file stops here"


def cut_reason(problem: str, read: int, what: str = "records") -> str:
    return f"{CUT} ({problem}): {read} {what} before this were read, nothing after it"


@dataclass(frozen=True, slots=True)
class RowPage:
    """Records of a part whose records all have the same columns, as plain rows.

    Each row is `(position, size, *values)`, values in the order of `columns`. At a million
    records, building a `RawRecord` (a dict, a location, a size) for each costs more than
    mapping it, so a mapper reads the rows as they are and `record()` builds the raw record
    only when one is needed: for a reject, or for a caller that wants records.
    """

    part: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    locate: Callable[[str, int], str]

    def location(self, row: tuple[Any, ...]) -> str:
        return self.locate(self.part, row[0])

    def record(self, row: tuple[Any, ...]) -> RawRecord:
        data = dict(zip(self.columns, row[2:], strict=True))
        return RawRecord(self.part, row[0], self.location(row), data, row[1])


def record_text(data: Any) -> str:
    """The record as read, as JSON that any database can store (ASCII, escapes kept)."""
    return json.dumps(data, ensure_ascii=True, default=repr)


def estimated_size(data: dict[str, Any]) -> int:
    """Roughly the bytes a record occupies, to bound batches by memory, not only by rows."""
    size = 16 * len(data) + 16
    for value in data.values():
        if value.__class__ is str or value.__class__ is bytes:
            size += len(value)
    return size
