"""Legacy sources: each yields raw records with their position, and knows nothing of the store.

A source is described by a picklable `SourceSpec`, so worker processes can open it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from legacy_import.records import RawRecord, RowPage

SourceKind = Literal["sqlite", "json", "telegram"]
FORMATS = ("auto", "sqlite", "json", "telegram")


class SourceError(Exception):
    """The source cannot be read at all; the message says what to do."""


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


SQLITE_HEADER = b"SQLite format 3\x00"


def detect(path: Path, fmt: str = "auto", encoding: str | None = None) -> SourceSpec:
    """Which kind of source `path` is, from its content (not its name)."""
    from legacy_import.sources.telegram import looks_like_export

    resolved = path.expanduser().resolve()
    if not resolved.exists():
        raise SourceError(f"{path} does not exist; give the path of a legacy database or dump")
    if fmt != "auto":
        return SourceSpec(fmt, resolved, encoding)  # type: ignore[arg-type]
    if resolved.is_dir():
        return SourceSpec("json", resolved, encoding)
    with resolved.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
        handle.seek(0)
        telegram = resolved.suffix == ".json" and looks_like_export(handle)
    if head == SQLITE_HEADER:
        return SourceSpec("sqlite", resolved, encoding)
    if telegram:
        return SourceSpec("telegram", resolved, encoding)
    if resolved.suffix in (".json", ".jsonl"):
        return SourceSpec("json", resolved, encoding)
    raise SourceError(
        f"{path} is neither a SQLite database nor a .json/.jsonl file; "
        "pass --format to say what it is"
    )


def open_source(spec: SourceSpec) -> Source:
    from legacy_import.sources.json_dump import JsonSource
    from legacy_import.sources.sqlite import SqliteSource
    from legacy_import.sources.telegram import TelegramSource

    if spec.kind == "sqlite":
        return SqliteSource(spec)
    if spec.kind == "telegram":
        return TelegramSource(spec)
    return JsonSource(spec)
