"""A health report that never raises: what a readiness probe or an operator needs to see."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from sqlmodel_store import migrations
from sqlmodel_store.db_errors import translate
from sqlmodel_store.tokens import CommitToken

# The replica's replayed position and its lag: 0 s when it has replayed all it received (an idle
# primary is not a late replica), else the age of the last commit it replayed.
_REPLICA = text(
    "SELECT pg_last_wal_replay_lsn()::text, CASE WHEN pg_last_wal_receive_lsn() "
    "IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0.0 ELSE COALESCE(EXTRACT(EPOCH FROM "
    "now() - pg_last_xact_replay_timestamp()), 0.0)::float END"
)
_PRIMARY_POSITION = text("SELECT pg_current_wal_lsn()::text")


@dataclass(frozen=True, slots=True)
class PoolStats:
    """Connections of the engine's pool at the moment of the check."""

    size: int
    checked_in: int
    checked_out: int
    overflow: int


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    """One replica as the health check found it.

    Attributes:
        url: The replica's URL with the password masked.
        status: "ok"; "degraded" when it lags past `DATABASE_MAX_REPLICA_LAG_S`; "error" when
            it does not answer.
        lag_bytes: WAL the primary has written that the replica has not replayed (None: unknown).
        lag_s: Seconds since the replica last replayed a commit while it has more to replay.
        error: Why it does not answer, when it does not.
    """

    url: str
    status: Literal["ok", "degraded", "error"]
    lag_bytes: int | None
    lag_s: float | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The outcome of one health check.

    Attributes:
        status: "error" when the primary does not answer; "degraded" when a replica does not
            answer or lags past `DATABASE_MAX_REPLICA_LAG_S`; "ok" otherwise.
        latency_ms: Round trip of the check, in milliseconds.
        database: The database URL with the password masked.
        revision: The migration revision the database is at (None: never migrated).
        head: The newest migration revision this package ships.
        pool: Pool figures, None for pools that keep none (in-memory SQLite).
        error: Why the check failed, when it did.
        replicas: Each replica of `DATABASE_READ_URLS`, in order.
    """

    status: Literal["ok", "degraded", "error"]
    latency_ms: float
    database: str
    revision: str | None
    head: str | None
    pool: PoolStats | None
    error: str | None = None
    replicas: tuple[ReplicaStatus, ...] = ()

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


def _failure(exc: BaseException, answer_within: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {answer_within:g} s"
    translated = translate(exc)
    return str(translated) if translated else f"{type(exc).__name__}: {exc}"


async def check(
    engine: AsyncEngine,
    *,
    database: str,
    answer_within: float,
    replicas: Sequence[tuple[str, AsyncEngine]] = (),
    max_lag_s: float = 30.0,
    head: str | None = None,
) -> HealthReport:
    """Ask the database for a trivial answer and its migration revision, and each replica
    how far behind it is.

    `head` is the revision the code expects (default: the bot schema's head).
    """
    started = time.perf_counter()
    revision: str | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(answer_within):
            revision = await _probe(engine)
    except Exception as exc:  # a health check reports every failure instead of raising
        error = _failure(exc, answer_within)
    found = await replica_statuses(
        engine if error is None else None, replicas, answer_within, max_lag_s
    )
    status: Literal["ok", "degraded", "error"] = "ok"
    if error:
        status = "error"
    elif any(replica.status != "ok" for replica in found):
        status = "degraded"
    return HealthReport(
        status=status,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        database=database,
        revision=revision,
        head=migrations.head() if head is None else head,
        pool=pool_stats(engine),
        error=error,
        replicas=found,
    )


async def _position(engine: AsyncEngine, query: Any) -> tuple[Any, ...]:
    async with engine.connect() as connection:
        return tuple((await connection.execute(query)).one())


def _lsn(text_lsn: str | None) -> int | None:
    return None if text_lsn is None else CommitToken.parse(text_lsn).lsn


async def _replica_status(
    url: str, engine: AsyncEngine, primary_lsn: int | None, answer_within: float, max_lag_s: float
) -> ReplicaStatus:
    try:
        async with asyncio.timeout(answer_within):
            replayed, lag_s = await _position(engine, _REPLICA)
    except Exception as exc:  # reported, never raised
        return ReplicaStatus(url, "error", None, None, _failure(exc, answer_within))
    replayed_lsn = _lsn(replayed)
    if replayed_lsn is None:
        return ReplicaStatus(url, "error", None, None, "the server is not replaying: no replica")
    lag_bytes = max(primary_lsn - replayed_lsn, 0) if primary_lsn is not None else None
    status: Literal["ok", "degraded"] = "degraded" if lag_s > max_lag_s else "ok"
    return ReplicaStatus(url, status, lag_bytes, round(float(lag_s), 3))


async def replica_statuses(
    primary: AsyncEngine | None,
    replicas: Sequence[tuple[str, AsyncEngine]],
    answer_within: float,
    max_lag_s: float,
) -> tuple[ReplicaStatus, ...]:
    """Every replica's status, probed at once; lag in bytes only when the primary answered."""
    if not replicas:
        return ()
    primary_lsn: int | None = None
    if primary is not None:
        try:
            async with asyncio.timeout(answer_within):
                primary_lsn = _lsn((await _position(primary, _PRIMARY_POSITION))[0])
        except Exception:  # the primary's own failure is already in the report
            primary_lsn = None
    probes = (
        _replica_status(url, engine, primary_lsn, answer_within, max_lag_s)
        for url, engine in replicas
    )
    return tuple(await asyncio.gather(*probes))
