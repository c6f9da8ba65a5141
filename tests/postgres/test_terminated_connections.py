"""The server terminates the pool's connections mid-load: every error is the store's own,
and what was acknowledged is exactly what is stored."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.engine import make_url

from sqlmodel_store import DatabaseUnavailableError
from sqlmodel_store.engine import TRUSTED_FOR_S
from tests.postgres.bot_load import assert_consistent, empty_store, run_load

OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = $1 AND pid <> pg_backend_pid()"
)


async def _terminate_repeatedly(url: str, times: int, every: float) -> int:
    """Terminate every other connection to the test database `times` times; how many."""
    target = make_url(url)
    admin = await asyncpg.connect(target.set(drivername="postgresql").render_as_string(False))
    killed = 0
    try:
        for _ in range(times):
            await asyncio.sleep(every)
            killed += len(await admin.fetch(OTHERS, target.database))
    finally:
        await admin.close()
    return killed


async def test_connections_terminated_mid_load_fail_only_their_units(
    migrated_postgres: str,
) -> None:
    async with empty_store(migrated_postgres, database_pool_size=10) as store:
        load = run_load(store, tasks=30, seconds=5, pause=0.05)
        outcome, killed = await asyncio.gather(
            load, _terminate_repeatedly(migrated_postgres, times=4, every=1.0)
        )
        await assert_consistent(store, outcome)
        after = await run_load(store, tasks=5, seconds=0.5)
    assert killed >= 10
    assert outcome.errors, "terminating connections under load fails some units"
    assert all(isinstance(e, DatabaseUnavailableError) for e in outcome.errors), {
        str(e) for e in outcome.errors
    }
    assert all("unreachable" not in str(e) for e in outcome.errors)
    assert after.errors == []
    assert after.acknowledged


async def _terminate_all(url: str) -> int:
    return await _terminate_repeatedly(url, times=1, every=0)


async def test_idle_connections_the_server_closed_are_replaced_at_checkout(
    migrated_postgres: str,
) -> None:
    async with empty_store(migrated_postgres, database_pool_size=5) as store:
        await run_load(store, tasks=5, seconds=0.3)  # connections now idle in the pool
        assert await _terminate_all(migrated_postgres) > 0
        await asyncio.sleep(0.1)  # the driver reads the server's goodbye
        soon = await run_load(store, tasks=5, seconds=0.3)
        assert await _terminate_all(migrated_postgres) > 0
        await asyncio.sleep(TRUSTED_FOR_S + 0.1)  # idle long enough to be pinged as well
        later = await run_load(store, tasks=5, seconds=0.3)
    assert soon.errors == []
    assert later.errors == []
    assert soon.acknowledged
    assert later.acknowledged
