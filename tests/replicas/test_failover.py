"""Health of the replicas, and a promote: the store follows the primary it is given as a list."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from sqlmodel_store import DatabaseUnavailableError, Store, StoreSettings
from tests.factories import message, user
from tests.pg_server import run_blocking
from tests.replica_cluster import ReplicaCluster, execute
from tests.replicas.conftest import DATABASE
from tests.replicas.test_read_your_writes import new_user


def settings_of(cluster: ReplicaCluster, **extra: object) -> StoreSettings:
    """The primary as a libpq host list (primary first), and the replica to read from."""
    hosts = f"{cluster.primary.host},{cluster.replica.host}"
    return StoreSettings(
        database_url=f"postgresql://postgres@{hosts}/{DATABASE}",
        database_read_urls=[cluster.replica_url(DATABASE)],
        **extra,
    )


def health_command(cluster: ReplicaCluster, *options: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {
        "DATABASE_URL": cluster.primary_url(DATABASE),
        "DATABASE_READ_URLS": json.dumps([cluster.replica_url(DATABASE)]),
    }
    return subprocess.run(
        [sys.executable, "-m", "sqlmodel_store", "health", *options],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


async def port_of(store: Store) -> int:
    async with store.unit_of_work() as uow:
        connection = await uow.session.connection()
        return int((await connection.execute(text("SELECT inet_server_port()"))).scalar_one())


async def test_health_lists_a_streaming_replica_as_ok(cluster: ReplicaCluster) -> None:
    async with Store(settings_of(cluster)) as store:
        report = await store.health()
    assert report.status == "ok"
    [replica] = report.replicas
    assert replica.url == f"postgresql+asyncpg://postgres@{cluster.replica.host}/{DATABASE}"
    assert replica.status == "ok"
    assert replica.lag_s == 0
    assert replica.lag_bytes is not None
    assert replica.lag_bytes < 1_000_000


def test_the_health_command_exits_0_with_every_replica_ok(cluster: ReplicaCluster) -> None:
    result = health_command(cluster, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["replicas"][0]["status"] == "ok"
    lines = health_command(cluster).stdout.splitlines()
    assert lines[0].startswith("ok: ")
    assert lines[1].startswith(f"replica ok: postgresql+asyncpg://postgres@{cluster.replica.host}")


async def test_a_lagging_replica_makes_health_degraded(cluster: ReplicaCluster) -> None:
    run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_pause()"))
    try:
        async with Store(settings_of(cluster, database_max_replica_lag_s=0.3)) as store:
            await new_user(store)
            await asyncio.sleep(0.6)
            report = await store.health()
    finally:
        run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_resume()"))
        cluster.wait_replayed()
    assert report.status == "degraded"
    [replica] = report.replicas
    assert replica.status == "degraded"
    assert (replica.lag_s or 0) > 0.3
    assert (replica.lag_bytes or 0) > 0


def test_a_stopped_replica_makes_health_degraded_and_the_command_exit_1(
    cluster: ReplicaCluster,
) -> None:
    cluster.stop(cluster.replica)
    try:
        report = run_blocking(_health(settings_of(cluster)))
        result = health_command(cluster, "--json")
    finally:
        cluster.start(cluster.replica)
        cluster.wait_streaming()
    assert report.status == "degraded"
    assert report.replicas[0].status == "error"
    assert report.replicas[0].error
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "degraded"


async def _health(settings: StoreSettings) -> object:
    async with Store(settings) as store:
        return await store.health()


async def test_after_a_promote_the_store_writes_to_the_new_primary(
    cluster: ReplicaCluster,
) -> None:
    async with Store(settings_of(cluster, database_pool_timeout=5)) as store:
        kept = await new_user(store)
        assert await port_of(store) == cluster.primary.port
        cluster.wait_replayed()
        async with store.unit_of_work() as uow:
            lost = await uow.users.add(user(username="in flight"))
            await uow.messages.add(message(lost.id or 0, 1, chat_id=-77))
            cluster.stop(cluster.primary)
            with pytest.raises(DatabaseUnavailableError):
                await uow.messages.add(message(lost.id or 0, 2, chat_id=-77))
        down = await store.health()
        cluster.promote()
        assert await port_of(store) == cluster.replica.port
        after = await new_user(store)
        async with store.unit_of_work() as uow:
            assert await uow.users.get(kept) is not None
            assert await uow.users.get(after) is not None
            assert await uow.users.get(lost.id or 0) is None
            assert await uow.messages.history(-77) == []
    assert down.status == "error"
