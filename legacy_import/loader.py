"""The only module that writes: one transaction per batch holds its rows, its rejects, the
legacy-id map and the checkpoint, so a killed import resumes exactly after its last commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Table,
    any_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.batches import Batch
from legacy_import.layouts import Reading, reference_keyspaces
from legacy_import.plan import Plan
from legacy_import.records import Rejected
from legacy_import.targets import targets
from legacy_import.writers import writer_for
from sqlmodel_store.models import ImportCheckpoint, ImportKey, ImportReject, ImportSource

SOURCES: Table = ImportSource.__table__  # type: ignore[attr-defined]
CHECKPOINTS: Table = ImportCheckpoint.__table__  # type: ignore[attr-defined]
KEYS: Table = ImportKey.__table__  # type: ignore[attr-defined]
REJECTS: Table = ImportReject.__table__  # type: ignore[attr-defined]

# At most this many remembered legacy ids per keyspace (a few MB): beyond it, start afresh.
IMPORTED_KEYS_KEPT = 200_000

# Raw records of a part at the given positions, as JSON text, for rejects found while loading.
RecordFetcher = Callable[[str, list[int]], dict[int, str]]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    position: int
    finished: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    read: int
    inserted: int
    existing: int
    rejects: list[Rejected]
    skipped: int = 0


class Loader:
    def __init__(
        self,
        conn: AsyncConnection,
        source_id: int,
        *,
        readings: dict[str, Reading],
        fetch: RecordFetcher,
        nested: bool = False,
    ) -> None:
        self._conn = conn
        self._source_id = source_id
        self._readings = readings
        self._keyspaces = reference_keyspaces(readings.values())
        self._fetch = fetch
        self._writer = writer_for(conn)
        self._nested = nested
        # Legacy id → store id of rows this source imported, per keyspace, as found by earlier
        # batches: such a pair never changes (a row deleted since is caught by `_vanished`),
        # so most batches of a large table skip the lookup.
        self._imported: dict[str, dict[Any, int]] = {
            keyspace: {} for keyspace in self._keyspaces.values()
        }

    def _insert(self, table: Table) -> Any:
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    async def load(self, batch: Batch) -> Outcome:
        """Write one prepared batch and advance its part's checkpoint, all or nothing."""
        async with _transaction(self._conn, nested=self._nested):
            await self._writer.begin_batch()
            reading = self._readings[batch.part]
            plan = Plan(batch, targets()[batch.target])
            await self._mark_known(plan, reading.keyspace)
            await self._assign_ids(plan, reading.rule.keep_ids)
            matches = {field.target: field.match for field in reading.rule.fields}
            for column, referenced in plan.target.references.items():
                await self._resolve(plan, column, referenced, matches.get(column))
            inserted = await self._write(plan)
            rejects = batch.rejects + await self._loader_rejects(plan)
            await self._record_keys(plan, reading.keyspace)
            await self._record_rejects(batch.part, rejects)
            await self._advance(batch, inserted, plan.existing(inserted), len(rejects))
            await self._writer.after_batch(plan.target)
        return Outcome(batch.read, inserted, plan.existing(inserted), rejects, batch.skipped)

    async def _map_lookup(self, table: str, legacy: Iterable[int | None]) -> dict[int, int]:
        return await store_ids(self._conn, self._source_id, table, legacy)

    async def _mark_known(self, plan: Plan, keyspace: str) -> None:
        """Records this source delivered before, or whose natural key the store already has."""
        plan.mark_duplicates()
        target = plan.target
        if target.mapped:
            known = await self._map_lookup(keyspace, plan.pending_legacy_ids())
            plan.mark_existing(lambda i: known.get(plan.legacy_ids[i]))  # type: ignore[arg-type]
        if target.mapped and len(target.natural_key) == 1:
            column = target.natural_key[0]
            values = plan.pending_values(column)
            table = target.table
            found: dict[object, int] = {}
            if values:
                query = select(table.c[column], table.c.id).where(
                    among(self._conn, table.c[column], values)
                )
                found = {key: row_id for key, row_id in await self._conn.execute(query)}
            keys = plan.column(column)
            plan.mark_existing(lambda i: found.get(keys[i]), remember=True)

    async def _assign_ids(self, plan: Plan, keep: bool) -> None:
        """Keep legacy ids that are free; number the rest after the largest id in use."""
        target = plan.target
        if not target.has_id:
            return
        table = target.table
        wanted = [plan.legacy_ids[i] for i in plan.pending()] if keep else []
        candidates = [value for value in wanted if value is not None and value > 0]
        taken: set[int] = set()
        if candidates:
            result = await self._conn.execute(
                select(table.c.id).where(among(self._conn, table.c.id, candidates))
            )
            taken = set(result.scalars())
        largest = (await self._conn.execute(select(func.max(table.c.id)))).scalar() or 0
        plan.assign_ids(keep, taken, max([largest, *candidates]))

    async def _resolve(self, plan: Plan, column: str, referenced: str, match: str | None) -> None:
        values = plan.pending_values(column) - {None}
        if not values:
            return
        # A `match` column, when given, is how the reference is read: no keyspace then.
        keyspace = self._keyspaces.get(referenced) if match is None else None
        local = plan.local_ids() if referenced == plan.target.name and match is None else {}
        wanted = values - set(local)
        known = self._imported[keyspace] if keyspace is not None else None
        if known is not None and len(known) > IMPORTED_KEYS_KEPT:
            known.clear()
        remembered = {value: known[value] for value in wanted if value in known} if known else {}
        resolved, missing = await resolve_references(
            self._conn,
            self._source_id,
            referenced,
            wanted - remembered.keys(),
            match=match,
            keyspace=keyspace,
            lock=True,
        )
        if known is not None:
            known.update(resolved)
            resolved.update(remembered)
        # Ids found through the keyspace are not read from the table: check they still exist.
        gone = await _vanished(self._conn, referenced, resolved) if keyspace is not None else {}

        def reason(value: Any) -> str:
            if value in gone:
                return f"{referenced} row {gone[value]} that it was matched to no longer exists"
            return missing.format(table=referenced, value=value)

        plan.remap(column, {**resolved, **local}, reason, frozenset(local))

    async def _write(self, plan: Plan) -> int:
        columns, rows = plan.rows_to_write()
        if not rows:
            return 0
        count, ids = await self._writer.write(
            plan.target, columns, rows, want_ids=plan.target.mapped
        )
        if plan.target.mapped:
            plan.mark_conflicts(ids)
        return count

    async def _loader_rejects(self, plan: Plan) -> list[Rejected]:
        problems = plan.problems()
        if not problems:
            return []
        records = self._fetch(plan.batch.part, [plan.positions[i] for i in problems])
        return [
            Rejected(
                plan.batch.part,
                plan.positions[i],
                plan.locations[i],
                records.get(plan.positions[i], "{}"),
                reason,
            )
            for i, reason in problems.items()
        ]

    async def _record_keys(self, plan: Plan, keyspace: str) -> None:
        rows = [(self._source_id, keyspace, legacy, new) for legacy, new in plan.new_keys()]
        if rows:
            columns = ["source_id", "target_table", "legacy_id", "target_id"]
            await self._writer.append(KEYS, columns, rows)

    async def _record_rejects(self, part: str, rejects: list[Rejected]) -> None:
        rows = [
            {
                "source_id": self._source_id,
                "part": part,
                "position": reject.position,
                "location": reject.location,
                "record": reject.record,
                "reason": reject.reason,
            }
            for reject in rejects
        ]
        if rows:
            await self._conn.execute(self._insert(REJECTS).on_conflict_do_nothing(), rows)

    async def finish_part(self, part: str, target: str, after: int) -> None:
        """The part was read to its end: mark it finished (its position stays)."""
        async with _transaction(self._conn, nested=self._nested):
            statement = self._insert(CHECKPOINTS).values(
                source_id=self._source_id,
                part=part,
                target_table=target,
                position=after,
                finished=True,
                rows_read=0,
                inserted=0,
                existing=0,
                rejected=0,
            )
            await self._conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["source_id", "part"],
                    set_={"finished": True, "updated_at": func.now()},
                )
            )

    async def _advance(self, batch: Batch, inserted: int, existing: int, rejected: int) -> None:
        statement = self._insert(CHECKPOINTS).values(
            source_id=self._source_id,
            part=batch.part,
            target_table=batch.target,
            position=batch.last_position,
            finished=False,
            rows_read=batch.read,
            inserted=inserted,
            existing=existing,
            rejected=rejected,
        )
        excluded = statement.excluded
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["source_id", "part"],
                set_={
                    "position": excluded.position,
                    "finished": False,
                    "rows_read": CHECKPOINTS.c.rows_read + excluded.rows_read,
                    "inserted": CHECKPOINTS.c.inserted + excluded.inserted,
                    "existing": CHECKPOINTS.c.existing + excluded.existing,
                    "rejected": CHECKPOINTS.c.rejected + excluded.rejected,
                    "updated_at": func.now(),
                },
            )
        )


async def resolve_references(
    conn: AsyncConnection,
    source_id: int,
    referenced: str,
    values: set[Any],
    *,
    match: str | None,
    keyspace: str | None,
    lock: bool = False,
) -> tuple[dict[Any, int], str]:
    """Reference values → store ids, and the reason (a format string) for a value not found.

    A value is matched on a unique column of the referenced table (`match`), else it is a
    legacy id of records this source imported into that table (`keyspace`), else a store id.
    With `lock`, rows read from the referenced table are locked as a foreign-key check locks
    them; ids found through the keyspace are not read from it (see `_vanished`).
    """
    table = targets()[referenced].table
    if match is not None:
        rows = await conn.execute(
            _locked(
                select(table.c[match], table.c.id).where(among(conn, table.c[match], values)),
                lock,
            )
        )
        return {value: row_id for value, row_id in rows}, f"no {{table}} row has {match} {{value}}"
    if keyspace is not None:
        found = await store_ids(conn, source_id, keyspace, values)
        return found, "no {table} record with id {value} was imported from this source"
    present = await _existing_ids(conn, table, values, lock)
    return {value: value for value in present}, "{table} row {value} does not exist in the store"


async def _existing_ids(conn: AsyncConnection, table: Table, ids: set[Any], lock: bool) -> set[int]:
    """Which of `ids` are rows of `table`; with `lock`, those rows are locked (`_locked`)."""
    result = await conn.execute(
        _locked(select(table.c.id).where(among(conn, table.c.id, ids)), lock)
    )
    return set(result.scalars())


def _locked(query: Select[Any], lock: bool) -> Select[Any]:
    """`FOR KEY SHARE` when asked: the rows stay undeletable until the batch commits, which is
    what a foreign-key check takes, so the batch is safe to write without per-row foreign-key
    triggers (see the writer)."""
    return query.with_for_update(key_share=True) if lock else query


async def _vanished(
    conn: AsyncConnection, table_name: str, resolved: dict[Any, int]
) -> dict[Any, int]:
    """Drop from `resolved` the references whose row is gone (deleted since it was imported)
    and lock the rest (`_locked`). Returns the dropped ones: reference → vanished row id."""
    if not resolved:
        return {}
    present = await _existing_ids(conn, targets()[table_name].table, set(resolved.values()), True)
    gone = {value: row_id for value, row_id in resolved.items() if row_id not in present}
    for value in gone:
        del resolved[value]
    return gone


async def store_ids(
    conn: AsyncConnection, source_id: int, table: str, legacy: Iterable[int | None]
) -> dict[int, int]:
    """Legacy id → store id of the rows this source delivered under those ids; `table` is the
    keyspace: the target table, or the table and rule when several rules feed one table."""
    wanted = list({value for value in legacy if value is not None})
    if not wanted:
        return {}
    if conn.dialect.name == "postgresql":
        rows = await conn.execute(
            _PROBE_KEYS, {"source": source_id, "table": table, "wanted": wanted}
        )
    else:
        rows = await conn.execute(
            select(KEYS.c.legacy_id, KEYS.c.target_id).where(
                KEYS.c.source_id == source_id,
                KEYS.c.target_table == table,
                KEYS.c.legacy_id.in_(wanted),
            )
        )
    return {legacy_id: target_id for legacy_id, target_id in rows}


# One index probe per wanted id. A plain `legacy_id = ANY(…)` lets the planner, which thinks a
# freshly filled import_keys is empty, scan every key of the table per batch: quadratic time.
_PROBE_KEYS = text(
    "SELECT wanted.legacy_id, found.target_id"
    " FROM unnest(:wanted) AS wanted(legacy_id)"
    " CROSS JOIN LATERAL (SELECT target_id FROM import_keys"
    " WHERE source_id = :source AND target_table = :table AND legacy_id = wanted.legacy_id"
    " LIMIT 1) AS found"
).bindparams(bindparam("wanted", type_=postgresql.ARRAY(BigInteger)))


def among(
    conn: AsyncConnection, column: ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL one array parameter, so thousands of values make one
    statement that is prepared once instead of thousands of parameters parsed every batch."""
    if conn.dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == any_(array)
    return column.in_(values)


def _transaction(conn: AsyncConnection, *, nested: bool) -> Any:
    """A batch's transaction; in a dry run, a savepoint inside the run's rolled-back one."""
    return conn.begin_nested() if nested else conn.begin()


async def register_source(
    conn: AsyncConnection, key: str, layout: str, *, nested: bool = False
) -> int:
    """The id of this source in the bookkeeping, registering it on first sight."""
    async with _transaction(conn, nested=nested):
        found = (
            await conn.execute(select(SOURCES.c.id).where(SOURCES.c.source_key == key))
        ).scalar()
        if found is not None:
            return int(found)
        result = await conn.execute(
            SOURCES.insert().values(source_key=key, layout=layout).returning(SOURCES.c.id)
        )
        return int(result.scalar_one())


async def read_checkpoints(
    conn: AsyncConnection, source_id: int, *, nested: bool = False
) -> dict[str, Checkpoint]:
    async with _transaction(conn, nested=nested):
        rows = await conn.execute(
            select(CHECKPOINTS.c.part, CHECKPOINTS.c.position, CHECKPOINTS.c.finished).where(
                CHECKPOINTS.c.source_id == source_id
            )
        )
        return {part: Checkpoint(position, finished) for part, position, finished in rows}
