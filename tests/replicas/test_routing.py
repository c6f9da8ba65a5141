"""Read-only units of work on replicas: where they run, what they refuse, what they skip."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import text

from sqlmodel_store import ReadOnlyError, SqlUnitOfWork, Store, StoreSettings
from sqlmodel_store.models import metadata
from tests.factories import user
from tests.pg_server import run_blocking
from tests.replica_cluster import ReplicaCluster, execute
from tests.replicas.conftest import DATABASE

TABLES = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
StoreOf = Callable[..., Store]


async def where(uow: SqlUnitOfWork) -> str:
    """Which server the unit runs on: "primary", "replica" (TCP) or "replica-socket"."""
    connection = await uow.session.connection()
    in_recovery, address = (
        await connection.execute(text("SELECT pg_is_in_recovery(), inet_server_addr()"))
    ).one()
    if not in_recovery:
        return "primary"
    return "replica" if address is not None else "replica-socket"


@pytest.fixture
async def store_of(cluster: ReplicaCluster) -> AsyncIterator[StoreOf]:
    """Stores on the cluster's emptied database: `store_of(read_urls=[...], **settings)`."""
    run_blocking(execute(cluster.primary_url(DATABASE), f"TRUNCATE {TABLES} RESTART IDENTITY"))
    cluster.wait_replayed()
    made: list[Store] = []

    def make(read_urls: list[str], **settings: Any) -> Store:
        made.append(
            Store(
                StoreSettings(
                    database_url=cluster.primary_url(DATABASE),
                    database_read_urls=read_urls,
                    **settings,
                )
            )
        )
        return made[-1]

    yield make
    for store in made:
        await store.dispose()


async def places(store: Store, times: int) -> list[str]:
    found = []
    for _ in range(times):
        async with store.unit_of_work(read_only=True) as ro:
            found.append(await where(ro))
    return found


async def test_read_only_units_run_on_the_replica(
    store_of: StoreOf, cluster: ReplicaCluster
) -> None:
    store = store_of([cluster.replica_url(DATABASE)])
    assert await places(store, 3) == ["replica"] * 3


async def test_writes_run_on_the_primary_even_with_replicas(
    store_of: StoreOf, cluster: ReplicaCluster
) -> None:
    store = store_of([cluster.replica_url(DATABASE)])
    async with store.unit_of_work() as uow:
        assert await where(uow) == "primary"


async def test_reads_take_the_replicas_in_turn(store_of: StoreOf, cluster: ReplicaCluster) -> None:
    store = store_of([cluster.replica_url(DATABASE), cluster.replica_socket_url(DATABASE)])
    assert await places(store, 4) == ["replica", "replica-socket"] * 2


async def test_without_replicas_reads_run_on_the_primary_in_a_read_only_transaction(
    store_of: StoreOf,
) -> None:
    store = store_of([])
    async with store.unit_of_work(read_only=True) as ro:
        assert await where(ro) == "primary"
        read_only = await ro.session.connection()
        assert (await read_only.execute(text("SHOW transaction_read_only"))).scalar() == "on"
    async with store.unit_of_work() as uow:
        writable = await uow.session.connection()
        assert (await writable.execute(text("SHOW transaction_read_only"))).scalar() == "off"


@pytest.mark.parametrize("replicas", [0, 1])
async def test_a_repository_write_in_a_read_only_unit_raises_read_only_error(
    store_of: StoreOf, cluster: ReplicaCluster, replicas: int
) -> None:
    store = store_of([cluster.replica_url(DATABASE)][:replicas])
    async with store.unit_of_work(read_only=True) as ro:
        with pytest.raises(ReadOnlyError, match="read-only"):
            await ro.users.add(user())
    async with store.unit_of_work(read_only=True) as ro:
        with pytest.raises(ReadOnlyError):
            await ro.users.add_many([user(), user()])


@pytest.mark.parametrize("replicas", [0, 1])
async def test_raw_sql_writes_in_a_read_only_unit_are_refused_by_the_server(
    store_of: StoreOf, cluster: ReplicaCluster, replicas: int
) -> None:
    store = store_of([cluster.replica_url(DATABASE)][:replicas])
    async with store.unit_of_work(read_only=True) as ro:
        connection = await ro.session.connection()
        with pytest.raises(ReadOnlyError, match="refused a write"):
            await connection.execute(text("DELETE FROM users"))


async def test_a_write_through_a_read_only_server_raises_read_only_error(
    cluster: ReplicaCluster,
) -> None:
    store = Store(StoreSettings(database_url=cluster.replica_url(DATABASE)))
    async with store, store.unit_of_work() as uow:
        with pytest.raises(ReadOnlyError, match="names the primary"):
            await uow.users.add(user())


async def test_a_stopped_replica_is_skipped_then_used_again_after_the_retry_time(
    store_of: StoreOf, cluster: ReplicaCluster
) -> None:
    store = store_of([cluster.replica_url(DATABASE)], database_replica_retry_s=1.0)
    assert await places(store, 1) == ["replica"]
    cluster.stop(cluster.replica)
    try:
        assert await places(store, 3) == ["primary"] * 3
        resting = store.router.replicas[0].retry_at - time.monotonic()
    finally:
        cluster.start(cluster.replica)
        cluster.wait_streaming()
    assert 0 < resting <= 1.0
    await asyncio.sleep(1.1)
    assert await places(store, 2) == ["replica"] * 2


async def test_with_one_replica_down_reads_go_to_the_other(
    store_of: StoreOf, cluster: ReplicaCluster
) -> None:
    store = store_of(["postgresql://postgres@127.0.0.1:9/store", cluster.replica_url(DATABASE)])
    assert await places(store, 4) == ["replica"] * 4
    assert store.router.replicas[0].error is not None


async def test_a_replica_lagging_past_the_limit_is_skipped(
    store_of: StoreOf, cluster: ReplicaCluster
) -> None:
    store = store_of([cluster.replica_url(DATABASE)], database_max_replica_lag_s=0.3)
    run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_pause()"))
    try:
        async with store.unit_of_work() as uow:
            await uow.users.add(user())
            await uow.commit()
        await asyncio.sleep(0.6)
        assert await places(store, 2) == ["primary"] * 2
        assert (store.router.replicas[0].lag_s or 0) > 0.3
    finally:
        run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_resume()"))
    cluster.wait_replayed()
    assert await places(store, 1) == ["replica"]
