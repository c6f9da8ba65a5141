"""Operations signals on SQLite and PostgreSQL: log records on `sqlmodel_store`, and the
Prometheus metrics read back from the default registry."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import AsyncExitStack

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sqlmodel_store import PoolTimeoutError, Store, StoreSettings
from sqlmodel_store.models import UserCreate

SECRET = "s3cret-password"


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "event", None) == name]


def sample(name: str, store: Store, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, {"database": store.settings.safe_url, **labels})
    return value or 0.0


def settings(store: Store, **changes: object) -> StoreSettings:
    return store.settings.model_copy(update=changes)


@pytest.fixture(autouse=True)
def _capture(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sqlmodel_store")


async def test_engine_start_is_logged_with_pool_settings_and_never_the_password(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_url(store_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(password=SECRET)
    async with Store(
        StoreSettings(
            database_url=url.render_as_string(hide_password=False),
            database_pool_size=3,
            database_max_overflow=2,
        )
    ):
        pass
    [record] = events(caplog, "engine_start")
    assert record.levelno == logging.INFO
    assert (record.pool_size, record.max_overflow) == (3, 2)  # type: ignore[attr-defined]
    assert record.pool_timeout_s == 30  # type: ignore[attr-defined]
    assert SECRET not in repr(record.__dict__)
    assert SECRET not in record.getMessage()


async def test_a_unit_rolled_back_by_an_error_is_logged_and_counted_with_its_type(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    name = "sqlmodel_store_unit_of_work_rollbacks_total"
    before = sample(name, store, error_type="LookupError")

    async def failing_handler() -> None:
        async with store.unit_of_work() as uow:
            await uow.users.add(UserCreate(telegram_id=1))
            raise LookupError("handler failed")

    with pytest.raises(LookupError):
        await failing_handler()
    [record] = events(caplog, "uow_rollback")
    assert record.error_type == "LookupError"  # type: ignore[attr-defined]
    assert sample(name, store, error_type="LookupError") == before + 1


async def test_commits_and_units_left_without_commit_are_counted(store: Store) -> None:
    commits = sample("sqlmodel_store_unit_of_work_commits_total", store)
    left = sample("sqlmodel_store_unit_of_work_rollbacks_total", store, error_type="none")
    for telegram_id in (1, 2):
        async with store.unit_of_work() as uow:
            await uow.users.add(UserCreate(telegram_id=telegram_id))
            await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.users.page()
    assert sample("sqlmodel_store_unit_of_work_commits_total", store) == commits + 2
    assert (
        sample("sqlmodel_store_unit_of_work_rollbacks_total", store, error_type="none") == left + 1
    )


async def test_a_slow_statement_is_a_warning_with_its_text_and_not_its_parameters(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    async with Store(settings(store, database_slow_statement_ms=0)) as slow:
        before = sample("sqlmodel_store_slow_statements_total", slow)
        async with slow.engine.connect() as connection:
            await connection.execute(text("SELECT :secret AS marker"), {"secret": SECRET})
        counted = sample("sqlmodel_store_slow_statements_total", slow) - before
    records = [r for r in events(caplog, "slow_statement") if "marker" in r.statement]  # type: ignore[attr-defined]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert records[0].duration_ms > 0  # type: ignore[attr-defined]
    assert SECRET not in repr(records[0].__dict__)
    assert counted >= 1


async def test_statements_under_the_threshold_are_not_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    async with store.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    assert events(caplog, "slow_statement") == []


async def test_pool_use_above_80_percent_warns_once_per_rise_and_the_gauge_reads_it(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    gc.collect()  # stores of earlier tests that nobody disposed of no longer count
    busy = Store(settings(store, database_pool_size=4, database_max_overflow=1))
    try:
        async with AsyncExitStack() as held:
            for _ in range(4):
                await held.enter_async_context(busy.engine.connect())
            assert events(caplog, "pool_high_use") == []  # 4 of 5 is 80 %, not above
            assert sample("sqlmodel_store_pool_in_use", busy) == 4
            await held.enter_async_context(busy.engine.connect())
            assert sample("sqlmodel_store_pool_overflow", busy) == 1
        async with AsyncExitStack() as held:
            for _ in range(5):
                await held.enter_async_context(busy.engine.connect())
        warnings = events(caplog, "pool_high_use")
        assert [(w.in_use, w.capacity) for w in warnings] == [(5, 5), (5, 5)]  # type: ignore[attr-defined]
        assert all(w.levelno == logging.WARNING for w in warnings)
        assert sample("sqlmodel_store_pool_in_use", busy) == 0
        # Summed over the process's stores on the database: the fixture's store is one.
        others = store.settings.database_pool_size + store.settings.database_max_overflow
        assert sample("sqlmodel_store_pool_capacity", busy) == 5 + others
    finally:
        await busy.dispose()
    assert sample("sqlmodel_store_pool_capacity", store) == others


async def test_a_wait_for_a_connection_that_times_out_is_counted(store: Store) -> None:
    async with Store(
        settings(store, database_pool_size=1, database_max_overflow=0, database_pool_timeout=0.2)
    ) as tight:
        before = sample("sqlmodel_store_pool_timeouts_total", tight)
        async with tight.engine.connect() as holder:
            await holder.execute(text("SELECT 1"))
            with pytest.raises(PoolTimeoutError):
                async with tight.unit_of_work() as uow:
                    await asyncio.wait_for(uow.users.page(), timeout=10)
        assert sample("sqlmodel_store_pool_timeouts_total", tight) == before + 1


async def test_checkouts_waiting_for_a_connection_are_a_gauge(store: Store) -> None:
    async with Store(
        settings(store, database_pool_size=1, database_max_overflow=0, database_pool_timeout=10)
    ) as tight:

        async def unit_holding_a_connection() -> None:
            async with tight.unit_of_work() as uow:
                await uow.session.connection()

        async with tight.engine.connect() as holder:
            await holder.execute(text("SELECT 1"))
            units = [asyncio.create_task(unit_holding_a_connection()) for _ in range(2)]
            for _ in range(1000):  # until both checkouts wait (a few loop turns)
                if sample("sqlmodel_store_pool_waiting", tight) >= 2:
                    break
                await asyncio.sleep(0.01)
            assert sample("sqlmodel_store_pool_waiting", tight) == 2
        await asyncio.wait_for(asyncio.gather(*units), timeout=10)
        assert sample("sqlmodel_store_pool_waiting", tight) == 0
