"""A health report that never raises: what a readiness probe or an operator needs to see."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from sqlmodel_store import migrations
from sqlmodel_store.db_errors import translate


@dataclass(frozen=True, slots=True)
class PoolStats:
    """Connections of the engine's pool at the moment of the check."""

    size: int
    checked_in: int
    checked_out: int
    overflow: int


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The outcome of one health check.

    Attributes:
        status: "ok" when the database answered, else "error".
        latency_ms: Round trip of the check, in milliseconds.
        database: The database URL with the password masked.
        revision: The migration revision the database is at (None: never migrated).
        head: The newest migration revision this package ships.
        pool: Pool figures, None for pools that keep none (in-memory SQLite).
        error: Why the check failed, when it did.
    """

    status: Literal["ok", "error"]
    latency_ms: float
    database: str
    revision: str | None
    head: str | None
    pool: PoolStats | None
    error: str | None = None

    @property
    def at_head(self) -> bool:
        return self.revision is not None and self.revision == self.head

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pool_stats(engine: AsyncEngine) -> PoolStats | None:
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return PoolStats(
        size=pool.size(),
        checked_in=pool.checkedin(),
        checked_out=pool.checkedout(),
        overflow=max(pool.overflow(), 0),
    )


async def _probe(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        return await connection.run_sync(migrations.revision_of)


async def check(
    engine: AsyncEngine, *, database: str, answer_within: float, head: str | None = None
) -> HealthReport:
    """Ask the database for a trivial answer and its migration revision.

    `head` is the revision the code expects (default: the bot schema's head).
    """
    started = time.perf_counter()
    revision: str | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(answer_within):
            revision = await _probe(engine)
    except TimeoutError:
        error = f"no answer within {answer_within:g} s"
    except Exception as exc:  # a health check reports every failure instead of raising
        translated = translate(exc)
        error = str(translated) if translated else f"{type(exc).__name__}: {exc}"
    return HealthReport(
        status="error" if error else "ok",
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        database=database,
        revision=revision,
        head=migrations.head() if head is None else head,
        pool=pool_stats(engine),
        error=error,
    )
