"""The server restarts under load (a throwaway cluster of the test's own): units fail with
the store's errors while it is away, and the store carries on once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sqlmodel_store import DatabaseUnavailableError, Store, StoreSettings
from tests.pg_server import Cluster, NoServerError, throwaway_cluster
from tests.postgres.bot_load import assert_consistent, run_load
from tests.unavailable import without


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    try:
        with throwaway_cluster() as owned:
            yield owned
    except NoServerError as error:
        without("a throwaway PostgreSQL cluster", str(error), "STORE_REQUIRE_POSTGRES")


async def _away(cluster: Cluster, store: Store, *, after: float, down: float) -> str | None:
    """Stop the server `after` seconds, keep it down `down` seconds; health meanwhile."""
    await asyncio.sleep(after)
    await asyncio.to_thread(cluster.stop)
    report = await store.health()
    await asyncio.sleep(down)
    await asyncio.to_thread(cluster.start)
    return report.error


async def test_a_server_restart_under_load_loses_nothing_acknowledged(cluster: Cluster) -> None:
    settings = StoreSettings(database_url=cluster.url, database_pool_timeout=5)
    async with Store(settings) as store:
        await store.upgrade()
        load = run_load(store, tasks=20, seconds=6, pause=0.1)
        outcome, health_error = await asyncio.gather(
            load, _away(cluster, store, after=1.5, down=1.5)
        )
        await assert_consistent(store, outcome)
        after = await run_load(store, tasks=5, seconds=0.5)
        assert (await store.health()).status == "ok"
    messages = {str(e) for e in outcome.errors}
    assert all(isinstance(e, DatabaseUnavailableError) for e in outcome.errors), messages
    assert any("lost" in m for m in messages), "units in flight lose their connection"
    assert any("unreachable" in m for m in messages), "units started while it is down"
    assert health_error is not None
    assert "unreachable" in health_error
    assert after.errors == []
    assert after.acknowledged
