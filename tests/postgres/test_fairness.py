"""Above the pool's size, units of work queue for a connection and are served in turn."""

from __future__ import annotations

from statistics import median

from tests.postgres.bot_load import assert_consistent, empty_store, run_load

TASKS = 100


async def test_a_hundred_tasks_on_a_pool_of_thirty_all_get_their_turn(
    migrated_postgres: str,
) -> None:
    # A pool timeout well inside the run: a starved task fails with PoolTimeoutError (before
    # the fix 70 of the 100 did, within one timeout).
    async with empty_store(
        migrated_postgres, database_pool_size=10, database_max_overflow=20, database_pool_timeout=10
    ) as loaded:
        outcome = await run_load(loaded, tasks=TASKS, seconds=20)
        await assert_consistent(loaded, outcome)
    assert outcome.errors == []
    counts = sorted(outcome.per_task[task] for task in range(TASKS))
    assert counts[0] >= median(counts) / 4, counts
