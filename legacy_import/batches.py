"""Cutting a part's records into batches, and preparing the batches a worker owns.

Every worker reads the whole part and cuts it at the same places (rows or bytes reached), so
batch `k` is prepared by worker `k % workers` without any coordination; the loader takes them
back in order. Preparing (mapping and validating) is where the CPU goes, hence the split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from operator import itemgetter
from typing import Any

from legacy_import.layouts import TableRule
from legacy_import.mapping import RecordMapper
from legacy_import.records import Mapped, RawRecord, Rejected
from legacy_import.sources import Source
from legacy_import.targets import targets


@dataclass(frozen=True, slots=True)
class Limits:
    rows: int
    bytes: int


@dataclass(slots=True)
class Batch:
    """A prepared batch: valid rows (references still legacy ids) and the rejects."""

    part: str
    target: str
    index: int
    last_position: int
    read: int = 0
    size: int = 0
    skipped: int = 0
    legacy_ids: list[int | None] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)

    def add(
        self, outcome: Mapped | Rejected | None, row_of: Callable[[dict[str, Any]], Any]
    ) -> None:
        if outcome is None:
            self.skipped += 1
            return
        if isinstance(outcome, Rejected):
            self.rejects.append(outcome)
            return
        self.legacy_ids.append(outcome.legacy_id)
        self.rows.append(row_of(outcome.values))
        self.positions.append(outcome.position)
        self.locations.append(outcome.location)


def chunks(records: Iterator[RawRecord], limits: Limits) -> Iterator[tuple[int, RawRecord]]:
    """Each record with the index of its batch: a batch ends when it reaches its row or byte
    limit. Records pass through one at a time, so skipping another worker's batch holds nothing.
    """
    index = rows = size = 0
    for record in records:
        if rows >= limits.rows or size >= limits.bytes:
            index, rows, size = index + 1, 0, 0
        rows += 1
        size += record.size
        yield index, record


def mapper_for(
    source: Source, part: str, reading: str, rule: TableRule, zone: tzinfo
) -> RecordMapper:
    """The rule's mapper, given the values it reads from elsewhere in the part's file."""
    paths = [field.steps for field in rule.fields if field.source == "document"]
    documents = source.document_values(part, paths) if paths else {}
    return RecordMapper(rule, targets()[rule.target], zone, reading=reading, documents=documents)


def prepare(
    source: Source,
    part: str,
    rule: TableRule,
    *,
    reading: str,
    after: int,
    limits: Limits,
    zone: tzinfo,
    worker: int = 0,
    workers: int = 1,
) -> Iterator[Batch]:
    """The batches of one reading that belong to `worker`, mapped and validated as they are
    read. Batches carry the reading's name: it keys their checkpoint and rejects."""
    mapper = mapper_for(source, part, reading, rule, zone)
    row_of = _row_getter(targets()[rule.target].columns)
    batch: Batch | None = None
    for index, raw in chunks(source.read(part, after=after), limits):
        if index % workers != worker:
            continue
        if batch is not None and batch.index != index:
            yield batch
            batch = None
        if batch is None:
            batch = Batch(reading, rule.target, index, raw.position)
        batch.last_position = raw.position
        batch.read += 1
        batch.size += raw.size
        batch.add(mapper.map(raw), row_of)
    if batch is not None:
        yield batch


def _row_getter(columns: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of `columns` as a tuple, in order (itemgetter gives a bare value for one)."""
    if len(columns) == 1:
        (only,) = columns
        return lambda values: (values[only],)
    return itemgetter(*columns)
