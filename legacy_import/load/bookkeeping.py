"""The import's own records in the store (the `import_*` tables of `sqlmodel_store`): which
sources were read, how far each part got, which store row each legacy id became, and every
reject. They commit with the rows they describe, so a killed import resumes exactly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.load.dialect import Dialect, dialect_of
from legacy_import.mapping.outcomes import Rejected
from sqlmodel_store.models.imports import (
    IMPORT_CHECKPOINTS,
    IMPORT_KEYS,
    IMPORT_REJECTS,
    IMPORT_SOURCES,
)


@dataclass(frozen=True, slots=True)
class Progress:
    """What one batch did to its part, added to the part's checkpoint."""

    read: int
    inserted: int
    existing: int
    rejected: int


def transaction(conn: AsyncConnection, *, nested: bool) -> Any:
    """A batch's transaction; in a dry run, a savepoint inside the run's rolled-back one."""
    return conn.begin_nested() if nested else conn.begin()


async def register_source(
    conn: AsyncConnection, key: str, layout: str, *, nested: bool = False
) -> int:
    """The id of this source in the bookkeeping, registering it on first sight."""
    async with transaction(conn, nested=nested):
        found = (
            await conn.execute(
                select(IMPORT_SOURCES.c.id).where(IMPORT_SOURCES.c.source_key == key)
            )
        ).scalar()
        if found is not None:
            return int(found)
        result = await conn.execute(
            IMPORT_SOURCES.insert()
            .values(source_key=key, layout=layout)
            .returning(IMPORT_SOURCES.c.id)
        )
        return int(result.scalar_one())


async def read_checkpoints(
    conn: AsyncConnection, source_id: int, *, nested: bool = False
) -> dict[str, int]:
    """Part → the position its import has committed up to; a part resumes after it."""
    async with transaction(conn, nested=nested):
        rows = await conn.execute(
            select(IMPORT_CHECKPOINTS.c.part, IMPORT_CHECKPOINTS.c.position).where(
                IMPORT_CHECKPOINTS.c.source_id == source_id
            )
        )
        return {part: position for part, position in rows}


async def finished_parts(
    conn: AsyncConnection, source_id: int, *, nested: bool = False
) -> set[str]:
    """Parts an earlier run read to their end."""
    async with transaction(conn, nested=nested):
        rows = await conn.execute(
            select(IMPORT_CHECKPOINTS.c.part).where(
                IMPORT_CHECKPOINTS.c.source_id == source_id,
                IMPORT_CHECKPOINTS.c.finished.is_(True),
            )
        )
        return set(rows.scalars())


class Bookkeeping:
    """The bookkeeping statements of one source, in the batch's own transaction."""

    def __init__(self, conn: AsyncConnection, source_id: int) -> None:
        self._conn = conn
        self._source_id = source_id
        self._dialect: Dialect = dialect_of(conn)

    async def record_keys(self, keyspace: str, pairs: list[tuple[int, int]], append: Any) -> None:
        """Remember which store row each legacy id became; `append` adds rows that cannot
        conflict, the writer's fastest way."""
        rows = [(self._source_id, keyspace, legacy, new) for legacy, new in pairs]
        if rows:
            await append(IMPORT_KEYS, ["source_id", "target_table", "legacy_id", "target_id"], rows)

    async def record_rejects(self, part: str, rejects: list[Rejected]) -> None:
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
            statement = self._dialect.insert(IMPORT_REJECTS).on_conflict_do_nothing()
            await self._conn.execute(statement, rows)

    async def advance(self, part: str, target: str, position: int, done: Progress) -> None:
        """Move the part's checkpoint to `position`, adding what the batch did."""
        statement = self._dialect.insert(IMPORT_CHECKPOINTS).values(
            source_id=self._source_id,
            part=part,
            target_table=target,
            position=position,
            finished=False,
            rows_read=done.read,
            inserted=done.inserted,
            existing=done.existing,
            rejected=done.rejected,
        )
        excluded, table = statement.excluded, IMPORT_CHECKPOINTS
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["source_id", "part"],
                set_={
                    "position": excluded.position,
                    "finished": False,
                    "rows_read": table.c.rows_read + excluded.rows_read,
                    "inserted": table.c.inserted + excluded.inserted,
                    "existing": table.c.existing + excluded.existing,
                    "rejected": table.c.rejected + excluded.rejected,
                    "updated_at": func.now(),
                },
            )
        )

    async def finish(self, part: str, target: str, position: int) -> None:
        """The part was read to its end: mark it finished (its position stays)."""
        statement = self._dialect.insert(IMPORT_CHECKPOINTS).values(
            source_id=self._source_id,
            part=part,
            target_table=target,
            position=position,
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
