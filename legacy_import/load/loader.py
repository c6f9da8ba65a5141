"""The only place rows are written: one transaction per batch holds its rows, its rejects, the
legacy-id map and the checkpoint, so a killed import resumes exactly after its last commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.load.bookkeeping import Bookkeeping, Progress, transaction
from legacy_import.load.dialect import dialect_of
from legacy_import.load.plan import Plan
from legacy_import.load.references import resolve_references, store_ids, vanished
from legacy_import.load.writers import ColumnsClashedError
from legacy_import.mapping.outcomes import Rejected
from legacy_import.mapping.rules import Reading, reference_keyspaces
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import Batch
from legacy_import.sources.base import Source, records_at

if TYPE_CHECKING:  # Arrow is imported only by runs that load columns
    from legacy_import.load.column_plan import ColumnPlan

# At most this many remembered legacy ids per keyspace (a few MB): beyond it, start afresh.
IMPORTED_KEYS_KEPT = 200_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a batch did; `stopped_at` is the location of the reject that reached the
    allowance, after which nothing of the batch was written."""

    read: int
    inserted: int
    existing: int
    rejects: list[Rejected]
    skipped: int = 0
    stopped_at: str | None = None


class _OverAllowanceError(Exception):
    """More rejects in a batch than the run may still take: the batch is loaded again, only
    up to the reject that reaches the allowance."""

    def __init__(self, reject: Rejected) -> None:
        super().__init__(reject.location)
        self.reject = reject


class Loader:
    """Writes the prepared batches of one source. `source` is read again only for the raw
    records of rejects found while loading (a reference that resolves to nothing, say)."""

    def __init__(
        self,
        conn: AsyncConnection,
        source_id: int,
        *,
        readings: dict[str, Reading],
        source: Source,
        nested: bool = False,
        rebuilt_later: frozenset[str] = frozenset(),
    ) -> None:
        self._conn = conn
        self._source_id = source_id
        self._readings = readings
        self._source = source
        self._keyspaces = reference_keyspaces(readings.values())
        self._dialect = dialect_of(conn)
        self._writer = self._dialect.writer(conn)
        self._bookkeeping = Bookkeeping(conn, source_id)
        self._nested = nested
        # Tables whose foreign keys bulk mode rebuilds after the load: the rebuild checks
        # every reference of their rows, so a batch neither locks nor re-reads the rows its
        # references resolved to (the cost of a batch of messages, nearly).
        self._rebuilt_later = rebuilt_later
        # Legacy id → store id of rows this source imported, per keyspace, as found by earlier
        # batches: such a pair never changes (a row deleted since is caught by `vanished`),
        # so most batches of a large table skip the lookup.
        self._imported: dict[str, dict[Any, int]] = {
            keyspace: {} for keyspace in self._keyspaces.values()
        }

    @property
    def loads_columns(self) -> bool:
        """Whether batches may come with Arrow rows (`legacy_import.prepare.columnar`)."""
        return self._dialect.loads_columns

    async def load(self, batch: Batch, allowance: int | None = None) -> Outcome:
        """Write one prepared batch and advance its part's checkpoint, all or nothing. With an
        `allowance` of rejects, a batch holding more is written only up to and including the
        reject one past the allowance: the run stops there, at that very record."""
        try:
            return await self._load_allowed(batch, allowance)
        except ColumnsClashedError:
            # The COPY's transaction went with it: the batch again, on the row path.
            return await self._load_allowed(_with_rows(batch), allowance)

    async def _load_allowed(self, batch: Batch, allowance: int | None) -> Outcome:
        try:
            return await self._load(batch, allowance)
        except _OverAllowanceError as over:
            outcome = await self._load(_with_rows(batch).through(over.reject.position), None)
            return Outcome(
                outcome.read,
                outcome.inserted,
                outcome.existing,
                outcome.rejects,
                outcome.skipped,
                stopped_at=over.reject.location,
            )

    async def _load(self, batch: Batch, allowance: int | None) -> Outcome:
        async with transaction(self._conn, nested=self._nested):
            await self._writer.begin_batch()
            reading = self._readings[batch.part]
            if batch.columns is not None:
                written = await self._load_columns(batch, reading, allowance)
                if written is not None:
                    return written
                batch = _with_rows(batch)
            plan = Plan(batch, targets()[batch.target])
            await self._mark_known(plan, reading.keyspace)
            await self._assign_ids(plan, reading.rule.keep_ids)
            matches = {field.target: field.match for field in reading.rule.fields}
            for column, referenced in plan.target.references.items():
                await self._resolve(plan, column, referenced, matches.get(column))
            if allowance is not None:
                # Before anything is written, so the transaction rolls back only reads.
                _check_allowance(batch.rejects + self._loader_rejects(plan, reading), allowance)
            inserted = await self._write(plan)
            existing = plan.existing(inserted)
            rejects = batch.rejects + self._loader_rejects(plan, reading)
            await self._bookkeeping.record_keys(
                reading.keyspace, plan.new_keys(), self._writer.append
            )
            await self._bookkeeping.record_rejects(batch.part, rejects)
            done = Progress(batch.read, inserted, existing, len(rejects))
            await self._bookkeeping.advance(batch.part, batch.target, batch.last_position, done)
            await self._writer.after_batch(plan.target)
        return Outcome(batch.read, inserted, existing, rejects, batch.skipped)

    async def _load_columns(
        self, batch: Batch, reading: Reading, allowance: int | None
    ) -> Outcome | None:
        """A batch of Arrow rows written as they are, when no row needs a decision of its
        own; None, having written nothing, when one does (the caller takes the row path)."""
        if batch.rows or (allowance is not None and len(batch.rejects) > allowance):
            return None
        from legacy_import.load.column_plan import ColumnPlan

        target = targets()[batch.target]
        plan = ColumnPlan(batch, target, keep_ids=reading.rule.keep_ids)
        if not plan.is_plain() or await self._any_known(plan, reading.keyspace):
            return None
        matches = {field.target: field.match for field in reading.rule.fields}
        for column, referenced in target.references.items():
            match = matches.get(column)
            values = set(plan.distinct(column))
            # As on the row path, a reference to a row of this very batch needs no lookup:
            # every row keeps its legacy id, so it points at that id.
            local = (
                values & plan.own_ids() if referenced == target.name and match is None else set()
            )
            wanted = values - local
            resolved: dict[Any, int] = {}
            if wanted:
                resolved, gone, _ = await self._lookup(target.name, referenced, wanted, match)
                if gone or len(resolved) != len(wanted):
                    return None
            plan.remap(column, {**resolved, **{value: value for value in local}})
        inserted = await self._writer.write_columns(target, plan.to_write())
        if inserted is None:
            return None
        await self._bookkeeping.record_keys(reading.keyspace, plan.new_keys(), self._writer.append)
        await self._bookkeeping.record_rejects(batch.part, batch.rejects)
        done = Progress(batch.read, inserted, 0, len(batch.rejects))
        await self._bookkeeping.advance(batch.part, batch.target, batch.last_position, done)
        await self._writer.after_batch(target)
        return Outcome(batch.read, inserted, 0, batch.rejects, batch.skipped)

    async def _any_known(self, plan: ColumnPlan, keyspace: str) -> bool:
        """Whether a row is known already: delivered before by this source, its natural key
        in the store, or its legacy id taken as a store id."""
        target, legacy = plan.target, plan.legacy_ids()
        if target.mapped and await store_ids(self._conn, self._source_id, keyspace, legacy):
            return True
        table = target.table
        if target.mapped and len(target.natural_key) == 1:
            column = target.natural_key[0]
            query = select(table.c[column]).where(
                self._dialect.among(table.c[column], plan.distinct(column))
            )
            if (await self._conn.execute(query.limit(1))).first() is not None:
                return True
        if target.has_id and legacy:
            # Ids beyond the largest in use are free: one index probe, where a fresh import
            # (legacy ids growing with the rowid) would otherwise look up every id.
            largest = (await self._conn.execute(select(func.max(table.c.id)))).scalar()
            if largest is None or min(legacy) > largest:
                return False
            query = select(table.c.id).where(self._dialect.among(table.c.id, legacy))
            if (await self._conn.execute(query.limit(1))).first() is not None:
                return True
        return False

    async def finish_part(self, part: str, target: str, position: int) -> None:
        """The part was read to its end: mark it finished (its position stays)."""
        async with transaction(self._conn, nested=self._nested):
            await self._bookkeeping.finish(part, target, position)

    async def _mark_known(self, plan: Plan, keyspace: str) -> None:
        """Records this source delivered before, or whose natural key the store already has."""
        plan.mark_duplicates()
        target = plan.target
        if target.mapped:
            known = await store_ids(
                self._conn, self._source_id, keyspace, plan.pending_legacy_ids()
            )
            plan.mark_existing(lambda i: known.get(plan.legacy_ids[i]))  # type: ignore[arg-type]
        if target.mapped and len(target.natural_key) == 1:
            column = target.natural_key[0]
            values = plan.pending_values(column)
            table = target.table
            found: dict[object, int] = {}
            if values:
                query = select(table.c[column], table.c.id).where(
                    self._dialect.among(table.c[column], values)
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
                select(table.c.id).where(self._dialect.among(table.c.id, candidates))
            )
            taken = set(result.scalars())
        largest = (await self._conn.execute(select(func.max(table.c.id)))).scalar() or 0
        plan.assign_ids(keep, taken, max([largest, *candidates]))

    async def _resolve(self, plan: Plan, column: str, referenced: str, match: str | None) -> None:
        values = plan.pending_values(column) - {None}
        if not values:
            return
        local = plan.local_ids() if referenced == plan.target.name and match is None else {}
        wanted = values - set(local)
        resolved, gone, missing = await self._lookup(plan.target.name, referenced, wanted, match)

        def reason(value: Any) -> str:
            if value in gone:
                return f"{referenced} row {gone[value]} that it was matched to no longer exists"
            return missing.format(table=referenced, value=value)

        plan.remap(column, {**resolved, **local}, reason, frozenset(local))

    async def _lookup(
        self, table: str, referenced: str, wanted: set[Any], match: str | None
    ) -> tuple[dict[Any, int], dict[Any, int], str]:
        """Reference values of rows of `table` → store ids (locked, as a foreign-key check
        locks them), those whose row has vanished since it was imported, and the reason
        format for the rest. Neither lock nor vanished rows for a table rebuilt later."""
        checked = table not in self._rebuilt_later
        # A `match` column, when given, is how the reference is read: no keyspace then.
        keyspace = self._keyspaces.get(referenced) if match is None else None
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
            lock=checked,
        )
        if known is not None:
            known.update(resolved)
            resolved.update(remembered)
        # Ids found through the keyspace are not read from the table: check they still exist.
        gone = {}
        if keyspace is not None and checked:
            gone = await vanished(self._conn, referenced, resolved)
        return resolved, gone, missing

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

    def _loader_rejects(self, plan: Plan, reading: Reading) -> list[Rejected]:
        problems = plan.problems()
        if not problems:
            return []
        positions = [plan.positions[i] for i in problems]
        records = records_at(self._source, reading.part.name, positions)
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


def _with_rows(batch: Batch) -> Batch:
    """The batch as the row path takes it (`legacy_import.prepare.columnar.with_rows`)."""
    if batch.columns is None:
        return batch
    from legacy_import.prepare.columnar import with_rows

    return with_rows(batch)


def _check_allowance(rejects: list[Rejected], allowance: int) -> None:
    if len(rejects) > allowance:
        raise _OverAllowanceError(sorted(rejects, key=lambda reject: reject.position)[allowance])
