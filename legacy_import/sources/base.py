"""What every source is: a picklable description (`SourceSpec`), its parts, and the reading
protocol. A source knows nothing of the store.

A source is described by a picklable `SourceSpec`, so worker processes can open it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from legacy_import.sources.records import RawRecord, RowPage, record_text

SourceKind = Literal["sqlite", "json", "telegram"]
FORMATS = ("auto", "sqlite", "json", "telegram")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: SourceKind
    path: Path
    encoding: str | None = None

    @property
    def key(self) -> str:
        """Identity of the source across runs: its kind and absolute path."""
        return f"{self.kind}:{self.path}"


@dataclass(frozen=True, slots=True)
class Part:
    """A legacy table or file: the unit that maps to one target table."""

    name: str
    stem: str
    columns: tuple[str, ...]
    rows: int | None
    size: int | None = None


class Source(Protocol):
    spec: SourceSpec

    def parts(self) -> list[Part]: ...

    def read(self, part: str, *, after: int) -> Iterator[RawRecord]: ...

    def document_values(
        self, part: str, paths: list[tuple[str, ...]]
    ) -> dict[tuple[str, ...], Any]:
        """Values a mapping reads from outside the records (JSON files only)."""
        ...

    def notes(self) -> list[str]:
        """What the run's summary should tell the operator about this source."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class PagedSource(Source, Protocol):
    """A source whose parts' records all have the same columns, and that reads them as plain
    rows a page at a time; a page it cannot read as plain rows comes as raw records."""

    def pages(self, part: str, *, after: int) -> Iterator[RowPage | list[RawRecord]]: ...


def records_at(source: Source, part: str, positions: list[int]) -> dict[int, str]:
    """The raw records at these positions, as JSON text (one pass over their range): what the
    rejects file shows of a record that was found wanting only while it was loaded."""
    wanted = set(positions)
    found: dict[int, str] = {}
    for raw in source.read(part, after=min(positions) - 1):
        if raw.position in wanted:
            found[raw.position] = record_text(raw.data)
        if raw.position >= max(positions):
            break
    return found
