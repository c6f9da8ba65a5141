"""What mapping a record gives: the validated values of a row, or a rejection with its reason."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from legacy_import.sources.records import RawRecord, record_text


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that will not be imported, and why."""

    part: str
    position: int
    location: str
    record: str
    reason: str


@dataclass(slots=True)
class Mapped:
    """A validated record: its values for the target table, references still legacy ids."""

    position: int
    location: str
    legacy_id: int | None
    values: dict[str, Any]
    explicit: AbstractSet[str] = field(default_factory=frozenset)


def rejected(raw: RawRecord, reason: str, *, part: str | None = None) -> Rejected:
    """`part` names the reading when it is not the source's part (a mapping that reads one
    part twice keeps each reading's rejects apart)."""
    return Rejected(part or raw.part, raw.position, raw.location, record_text(raw.data), reason)
