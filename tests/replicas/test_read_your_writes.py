"""Read your writes: a read given a commit's token sees that commit, replica or not."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlmodel_store import CommitToken, Store, StoreSettings
from sqlmodel_store.models import UserUpdate
from tests.factories import user
from tests.pg_server import run_blocking
from tests.replica_cluster import ReplicaCluster, execute
from tests.replicas.conftest import DATABASE
from tests.replicas.test_routing import where

NAMES = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=40
)


def replicated_store(cluster: ReplicaCluster, wait_ms: int = 200) -> Store:
    return Store(
        StoreSettings(
            database_url=cluster.primary_url(DATABASE),
            database_read_urls=[cluster.replica_url(DATABASE)],
            database_read_wait_ms=wait_ms,
        )
    )


@pytest.fixture
def replay_paused(cluster: ReplicaCluster) -> Iterator[None]:
    """The replica receives WAL but applies none of it until the test ends."""
    run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_pause()"))
    try:
        yield
    finally:
        run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_resume()"))
        cluster.wait_replayed()


async def rename(store: Store, user_id: int, name: str) -> CommitToken:
    async with store.unit_of_work() as uow:
        await uow.users.update(user_id, UserUpdate(username=name))
        return await uow.commit()


async def new_user(store: Store) -> int:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user(username="first"))
        await uow.commit()
    return added.id or 0


async def test_a_commit_with_replicas_returns_its_wal_position(cluster: ReplicaCluster) -> None:
    async with replicated_store(cluster) as store:
        user_id = await new_user(store)
        first = await rename(store, user_id, "second")
        second = await rename(store, user_id, "third")
    assert CommitToken() < first < second


async def test_a_read_given_the_token_is_served_by_a_replica_that_replayed_it(
    cluster: ReplicaCluster,
) -> None:
    async with replicated_store(cluster, wait_ms=5_000) as store:
        user_id = await new_user(store)
        token = await rename(store, user_id, "after")
        async with store.unit_of_work(read_only=True, after=str(token)) as ro:
            found = await ro.users.get(user_id)
            place = await where(ro)
    assert place == "replica"
    assert found is not None
    assert found.username == "after"


@pytest.mark.usefixtures("replay_paused")
async def test_a_read_waits_for_replay_then_falls_back_to_the_primary(
    cluster: ReplicaCluster,
) -> None:
    async with replicated_store(cluster, wait_ms=300) as store:
        user_id = await new_user(store)
        token = await rename(store, user_id, "fresh")
        started = time.monotonic()
        async with store.unit_of_work(read_only=True, after=token) as ro:
            waited = time.monotonic() - started
            found = await ro.users.get(user_id)
            place = await where(ro)
    assert place == "primary"
    assert found is not None
    assert found.username == "fresh"
    assert waited >= 0.25


async def test_without_the_token_a_replica_behind_serves_the_older_data(
    cluster: ReplicaCluster,
) -> None:
    async with replicated_store(cluster) as store:
        user_id = await new_user(store)
        cluster.wait_replayed()
        run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_pause()"))
        try:
            token = await rename(store, user_id, "new")
            async with store.unit_of_work(read_only=True) as ro:
                without = await ro.users.get(user_id)
                place = await where(ro)
            async with store.unit_of_work(read_only=True, after=token) as ro:
                given = await ro.users.get(user_id)
        finally:
            run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_resume()"))
            cluster.wait_replayed()
    assert place == "replica"
    assert without is not None
    assert without.username == "first"
    assert given is not None
    assert given.username == "new"


async def test_a_read_is_served_by_the_replica_once_it_replays_within_the_wait(
    cluster: ReplicaCluster,
) -> None:
    async with replicated_store(cluster, wait_ms=10_000) as store:
        user_id = await new_user(store)
        run_blocking(execute(cluster.replica.url, "SELECT pg_wal_replay_pause()"))
        token = await rename(store, user_id, "late")

        async def resume_soon() -> None:
            await asyncio.sleep(0.3)
            await execute(cluster.replica.url, "SELECT pg_wal_replay_resume()")

        resumer = asyncio.create_task(resume_soon())
        async with store.unit_of_work(read_only=True, after=token) as ro:
            found = await ro.users.get(user_id)
            place = await where(ro)
        await resumer
    assert place == "replica"
    assert found is not None
    assert found.username == "late"


def test_a_read_after_a_write_with_its_token_never_sees_older_data(
    cluster: ReplicaCluster,
) -> None:
    served_by: list[str] = []

    async def write_then_read(names: list[str], as_text: bool) -> None:
        async with replicated_store(cluster) as store:
            user_id = await new_user(store)
            for name in names:
                token = await rename(store, user_id, name)
                after = str(token) if as_text else token
                async with store.unit_of_work(read_only=True, after=after) as ro:
                    found = await ro.users.get(user_id)
                    served_by.append(await where(ro))
                assert found is not None
                assert found.username == name

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(
        names=st.lists(NAMES, min_size=1, max_size=4),
        as_text=st.booleans(),
    )
    def check(names: list[str], as_text: bool) -> None:
        asyncio.run(write_then_read(names, as_text))

    check()
    assert "replica" in served_by
