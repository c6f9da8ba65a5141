"""Cutting a part's records into batches, and preparing the batches a worker owns.

Preparing (mapping and validating) is where the CPU goes, hence the split between workers;
the loader takes the batches back in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from legacy_import.mapping.mapper import RecordMapper
from legacy_import.mapping.outcomes import Mapped, Rejected
from legacy_import.mapping.rules import TableRule
from legacy_import.mapping.targets import targets
from legacy_import.mapping.telegram_messages import MESSAGE_KEYS, QuickMessages
from legacy_import.sources.base import PagedSource, Source
from legacy_import.sources.records import RawRecord, RowPage
from legacy_import.sources.telegram import TelegramSource

if TYPE_CHECKING:  # Arrow is imported only by runs that read columns
    import pyarrow as pa

# Raw records taken from a source at a time: few enough to hold, many enough to loop in C.
PAGE_RECORDS = 1000


# Records per batch unless a run says otherwise. The mapper path holds each record as Python
# objects (and pickles them between processes); the columnar path holds Arrow buffers, and
# each of its batches costs a transaction's round trips, so its batches are larger.
ROW_BATCH_ROWS = 5000
COLUMN_BATCH_ROWS = 10_000
# A batch also ends once its records' bytes reach this. A columnar batch is held whole in the
# main process, as read, as checked and as encoded for COPY, so its bound is lower.
ROW_BATCH_BYTES = 8_000_000
COLUMN_BATCH_BYTES = 4_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    rows: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Columns:
    """A batch's provably valid rows as Arrow (`legacy_import.prepare.columnar`): position,
    legacy id and the target's columns; `table` is the legacy table they were read from."""

    rows: pa.RecordBatch
    table: str


@dataclass(slots=True)
class Batch:
    """A prepared batch: valid rows (references still legacy ids) and the rejects. On the
    columnar path, `columns` holds the rows the checks proved valid, and `rows` only the
    flagged rows that mapped."""

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
    columns: Columns | None = None

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

    def add_row(self, row: tuple[Any, ...], position: int, location: str) -> None:
        """A row mapped without the generic mapper (it has no legacy id)."""
        self.legacy_ids.append(None)
        self.rows.append(row)
        self.positions.append(position)
        self.locations.append(location)

    def through(self, position: int) -> Batch:
        """The batch up to and including the record at `position`: what a run stopped there
        by `--max-rejects` commits. Records skipped before it are not counted (their
        positions are not kept); the next run starts after it. A batch of rows only (see
        `legacy_import.prepare.columnar.with_rows`)."""
        assert self.columns is None, "through() takes a batch of rows"
        kept = [i for i, at in enumerate(self.positions) if at <= position]
        rejects = [reject for reject in self.rejects if reject.position <= position]
        read = len(kept) + len(rejects)
        return Batch(
            self.part,
            self.target,
            self.index,
            position,
            read,
            self.size * read // max(self.read, 1),
            0,
            [self.legacy_ids[i] for i in kept],
            [self.rows[i] for i in kept],
            [self.positions[i] for i in kept],
            [self.locations[i] for i in kept],
            rejects,
        )


class Cutter:
    """Cuts a part's records into batches and keeps those that belong to one worker.

    A batch ends when it reaches its row or byte limit. Every worker reads the whole part and
    cuts it at the same places, so batch `k` belongs to worker `k % workers` without any
    coordination, and skipping another worker's batch holds nothing. A batch is ready once a
    record past its end arrives (`take_ready`), or at the end (`finish`).
    """

    def __init__(self, reading: str, target: str, limits: Limits, worker: int, workers: int):
        self._reading, self._target, self._limits = reading, target, limits
        self._worker, self._workers = worker, workers
        self._index = self._rows = self._size = 0
        self._current: Batch | None = None
        self._ready: list[Batch] = []

    def batch_for(self, position: int, size: int) -> Batch | None:
        """The batch the next record goes to, counted in it; None: another worker's."""
        if self._rows >= self._limits.rows or self._size >= self._limits.bytes:
            self._index, self._rows, self._size = self._index + 1, 0, 0
        self._rows += 1
        self._size += size
        if self._index % self._workers != self._worker:
            return None
        batch = self._current
        if batch is None or batch.index != self._index:
            if batch is not None:
                self._ready.append(batch)
            batch = self._current = Batch(self._reading, self._target, self._index, position)
        batch.last_position = position
        batch.read += 1
        batch.size += size
        return batch

    def take_ready(self) -> list[Batch]:
        ready, self._ready = self._ready, []
        return ready

    def finish(self) -> list[Batch]:
        """Every batch not yet taken, the last one included."""
        if self._current is not None:
            self._ready.append(self._current)
            self._current = None
        return self.take_ready()


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
    read. Batches carry the reading's name: it keys their checkpoint and rejects.

    A source that reads plain rows (`pages`) hands them to the mapper as they are, when the
    rule reads nothing but plain columns: no raw record is built for a row that maps."""
    mapper = mapper_for(source, part, reading, rule, zone)
    row_of = row_getter(targets()[rule.target].columns)
    cutter = Cutter(reading, rule.target, limits, worker, workers)
    if isinstance(source, TelegramSource) and part == "messages" and QuickMessages.reads(rule):
        yield from _telegram_messages(source, after, mapper, cutter, QuickMessages(zone))
        return
    for page in _pages(source, part, after, mapper):
        if isinstance(page, RowPage):
            for row in page.rows:
                if (batch := cutter.batch_for(row[0], row[1])) is not None:
                    batch.add(mapper.map_row(page, row), row_of)
        else:
            for raw in page:
                if (batch := cutter.batch_for(raw.position, raw.size)) is not None:
                    batch.add(mapper.map(raw), row_of)
        yield from cutter.take_ready()
    yield from cutter.finish()


def _telegram_messages(
    source: TelegramSource, after: int, mapper: RecordMapper, cutter: Cutter, quick: QuickMessages
) -> Iterator[Batch]:
    """The batches of a Telegram export's messages under the built-in layout. A message is
    decoded only if its batch is this worker's, and then only the keys its row is made of;
    one the quick mapping leaves is decoded whole, for the generic mapper."""
    row_of = row_getter(targets()["messages"].columns)
    entries = source.entries(after=after)
    while page := list(islice(entries, PAGE_RECORDS)):
        for entry in page:
            if (batch := cutter.batch_for(entry.rank, entry.size)) is None:
                continue
            data = entry.fields(MESSAGE_KEYS) if entry.problem is None else None
            if data is not None and (row := quick.row(data, entry.chat)) is not None:
                batch.add_row(row, entry.rank, f"{source.location(entry.chat)}{row[2]}")
            else:
                batch.add(mapper.map(source.record(entry)), row_of)
        yield from cutter.take_ready()
    yield from cutter.finish()


def _pages(
    source: Source, part: str, after: int, mapper: RecordMapper
) -> Iterator[RowPage | list[RawRecord]]:
    """The part's records a page at a time: as plain rows when both the source and the rule
    allow it, else as raw records."""
    if isinstance(source, PagedSource) and mapper.reads_plain_columns:
        yield from source.pages(part, after=after)
        return
    records = source.read(part, after=after)
    while page := list(islice(records, PAGE_RECORDS)):
        yield page


def row_getter(columns: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of `columns` as a tuple, in order (itemgetter gives a bare value for one)."""
    if len(columns) == 1:
        (only,) = columns
        return lambda values: (values[only],)
    return itemgetter(*columns)
