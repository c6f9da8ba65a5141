"""A bot under load through a crash of the primary and a promote: nothing acknowledged lost."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from sqlmodel_store import Store, StoreSettings
from tests.pg_server import run_blocking
from tests.replica_cluster import ReplicaCluster, execute
from tests.replicas.bot_load import bot_load
from tests.replicas.conftest import DATABASE

TASKS, DURATION_S, CRASH_AT_S = 50, 20.0, 8.0


def synchronous(cluster: ReplicaCluster) -> None:
    """Acknowledge a commit only once the replica has it: what survives a crash of the primary."""
    run_blocking(execute(cluster.primary.url, "ALTER SYSTEM SET synchronous_standby_names = '*'"))
    run_blocking(execute(cluster.primary.url, "SELECT pg_reload_conf()"))


async def test_every_acknowledged_commit_survives_a_crash_and_promote_under_load(
    cluster: ReplicaCluster,
) -> None:
    synchronous(cluster)

    async def crash_and_promote() -> None:
        await asyncio.to_thread(cluster.stop, cluster.primary, "immediate")
        await asyncio.to_thread(cluster.promote)

    settings = StoreSettings(
        database_url=f"postgresql://postgres@{cluster.primary.host},{cluster.replica.host}/{DATABASE}",
        database_read_urls=[cluster.replica_url(DATABASE)],
        database_pool_size=25,
        database_max_overflow=25,
        database_pool_timeout=10,
    )
    async with Store(settings) as store:
        result = await bot_load(
            store,
            tasks=TASKS,
            duration_s=DURATION_S,
            failover=crash_and_promote,
            failover_at_s=CRASH_AT_S,
        )
        async with store.unit_of_work() as uow:
            connection = await uow.session.connection()
            rows = (
                await connection.execute(text("SELECT chat_id, message_id FROM messages"))
            ).all()
    print(result.figures())
    stored = [(chat_id, message_id) for chat_id, message_id in rows]
    assert result.acknowledged <= set(stored)
    assert set(stored) <= result.attempted
    assert len(stored) == len(set(stored))
    assert result.stale_reads == 0
    assert result.outage_s() is not None
    assert [t for t in result.commit_times if t < (result.failover_started or 0)]
