"""The columnar path of a SQLite part: Arrow batches read straight from the legacy table and
split by the columnar checks; only the rows they flag are read again, by rowid, and go
through the mapper and pydantic, so every reject keeps today's wording.

A batch of this path is the batch the row path would make of the same records with the same
limits (`RangeCutter` counts rows and bytes as `Cutter` does; the run gives this path larger
ones), with its provably valid rows as Arrow (`Batch.columns`) and only its flagged rows,
mapped, as Python rows. The loader
writes the Arrow rows with binary COPY, or, whenever it must decide something row by row,
turns the batch into the row path's (`with_rows`) and loads it as today.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import tzinfo
from itertools import accumulate

import pyarrow as pa

from legacy_import.mapping.mapper import RecordMapper
from legacy_import.mapping.rules import TableRule
from legacy_import.mapping.targets import Target, targets
from legacy_import.prepare.batches import Batch, Columns, Limits, mapper_for, row_getter
from legacy_import.prepare.columnar_checks import LEGACY_ID, ColumnarChecks
from legacy_import.sources.arrow_sqlite import BATCH_ROWS, POSITION, SIZE, ArrowSqliteTable
from legacy_import.sources.records import RowPage
from legacy_import.sources.sqlite import SqliteSource, location


def fits(rule: TableRule, target: Target) -> bool:
    """Whether the rule reads each target field from the same-named column as it is, so
    that the checks derived from the target's schema are the whole story."""
    plain = all(
        field.source == "column"
        and field.column == field.target
        and field.convert == target.conversions.get(field.target)
        and field.format is None
        and not field.nulls
        for field in rule.fields
    )
    legacy = rule.legacy_id
    plain_id = legacy is None or (legacy.source == "column" and not legacy.nulls)
    return plain and plain_id and not rule.skip_if_null


class RangeCutter:
    """`Cutter`'s cuts, found for a run of row sizes at a time: the batch index of each
    stretch of rows. A batch ends once it holds `limits.rows` rows, or once its bytes reach
    `limits.bytes` (the row that reaches them included), exactly as `Cutter` ends one."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._index = self._rows = self._size = 0

    def ranges(self, sizes: list[int]) -> Iterator[tuple[int, int, int]]:
        """(batch index, start, stop) over `sizes`, in order; a batch may go on into the
        next call's sizes."""
        start, rows, size = 0, self._limits.rows, self._limits.bytes
        while start < len(sizes):
            if self._rows >= rows or self._size >= size:
                self._index, self._rows, self._size = self._index + 1, 0, 0
            room = sizes[start : start + rows - self._rows]
            sums = list(accumulate(room, initial=self._size))[1:]
            take = min(bisect_left(sums, size) + 1, len(sums))
            yield self._index, start, start + take
            self._rows += take
            self._size = sums[take - 1]
            start += take


def checks_for(rule: TableRule, target: Target, zone: tzinfo) -> ColumnarChecks:
    legacy = rule.legacy_id.column if rule.legacy_id is not None else None
    return ColumnarChecks(target.schema, target.table, legacy_id=legacy, zone=zone)


def prepare_columns(
    source: SqliteSource,
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
    """The batches of one reading that belong to `worker`, as `prepare` would cut them."""
    target = targets()[rule.target]
    mapper = mapper_for(source, part, reading, rule, zone)
    checks = checks_for(rule, target, zone)
    table = ArrowSqliteTable(source.copy, part, checks.reads)
    cutter = RangeCutter(limits)
    building: _Building | None = None
    try:
        # Reads no longer than a batch: a read of wide rows (memories) would cost tens of MB.
        for read in table.batches(after=after, rows=min(BATCH_ROWS, limits.rows)):
            checked = checks.check(read)
            positions = read.column(POSITION).to_pylist()
            sizes = read.column(SIZE).to_pylist()
            accepted = _Sorted(checked.accepted, checked.accepted.column(POSITION).to_pylist())
            flagged = checked.flagged.to_pylist()
            for index, start, stop in cutter.ranges(sizes):
                if index % workers != worker:
                    continue
                if building is not None and building.batch.index != index:
                    yield building.finished(source, part, mapper)
                    building = None
                if building is None:
                    building = _Building(Batch(reading, rule.target, index, positions[start]))
                first, last = positions[start], positions[stop - 1]
                building.add(
                    accepted.between(first, last),
                    [p for p in flagged if first <= p <= last],
                    last,
                    stop - start,
                    sum(sizes[start:stop]),
                )
        if building is not None:
            yield building.finished(source, part, mapper)
    finally:
        table.close()


class _Sorted:
    """Accepted rows of one read, found by position range."""

    def __init__(self, rows: pa.RecordBatch, positions: list[int]) -> None:
        self._rows, self._positions = rows, positions

    def between(self, first: int, last: int) -> pa.RecordBatch:
        start = bisect_left(self._positions, first)
        return self._rows.slice(start, bisect_right(self._positions, last) - start)


class _Building:
    """A batch while its rows arrive, from one read or several."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self._slices: list[pa.RecordBatch] = []
        self._flagged: list[int] = []

    def add(
        self, rows: pa.RecordBatch, flagged: list[int], last: int, read: int, size: int
    ) -> None:
        self._slices.append(rows)
        self._flagged += flagged
        self.batch.last_position = last
        self.batch.read += read
        self.batch.size += size

    def finished(self, source: SqliteSource, part: str, mapper: RecordMapper) -> Batch:
        """The batch, its flagged rows mapped the exact way."""
        batch = self.batch
        if self._flagged:
            row_of = row_getter(targets()[batch.target].columns)
            first = self._flagged[0]
            for page in source.pages(part, after=first - 1, only=self._flagged):
                if isinstance(page, RowPage):
                    for row in page.rows:
                        batch.add(mapper.map_row(page, row), row_of)
                else:
                    for raw in page:
                        batch.add(mapper.map(raw), row_of)
        schema = self._slices[0].schema
        rows = pa.Table.from_batches(self._slices, schema).combine_chunks()
        batch.columns = Columns(_single(rows, schema), part)
        return batch


def _single(table: pa.Table, schema: pa.Schema) -> pa.RecordBatch:
    chunks = table.to_batches()
    return chunks[0] if chunks else pa.RecordBatch.from_pylist([], schema)


def with_rows(batch: Batch) -> Batch:
    """The batch as the row path makes it: its Arrow rows as Python values, with its mapped
    rows, in position order. For every decision the loader makes row by row."""
    if batch.columns is None:
        return batch
    target = targets()[batch.target]
    arrow, table = batch.columns.rows, batch.columns.table
    positions = arrow.column(POSITION).to_pylist()
    columns = [_python(arrow.column(name), target, name) for name in target.columns]
    legacy = (
        arrow.column(LEGACY_ID).to_pylist()
        if LEGACY_ID in arrow.schema.names
        else [None] * len(positions)
    )
    rows = zip(*columns, strict=True)
    found = [
        (position, legacy_id, location(table, position), row)
        for position, legacy_id, row in zip(positions, legacy, rows, strict=True)
    ]
    found += zip(batch.positions, batch.legacy_ids, batch.locations, batch.rows, strict=True)
    found.sort(key=lambda entry: entry[0])
    merged = Batch(
        batch.part,
        batch.target,
        batch.index,
        batch.last_position,
        batch.read,
        batch.size,
        batch.skipped,
        rejects=batch.rejects,
    )
    for position, legacy_id, where, row in found:
        merged.positions.append(position)
        merged.legacy_ids.append(legacy_id)
        merged.locations.append(where)
        merged.rows.append(tuple(row))
    return merged


def _python(values: pa.Array, target: Target, name: str) -> list[object]:
    """A column's values as the mapper gives them: JSON documents parsed from their text."""
    found: list[object] = values.to_pylist()
    if target.conversions[name] == "json" and pa.types.is_string(values.type):
        return [None if text is None else json.loads(str(text)) for text in found]
    return found
