"""Health: a report in every case, never an exception."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.migrations import head

SECRET = "hunter2-secret"


async def test_healthy_store_reports_revision_head_latency_and_pool(
    store: Store, backend: str
) -> None:
    report = await store.health()
    assert report.status == "ok"
    assert report.error is None
    assert report.revision == head() == report.head
    assert report.at_head
    assert report.latency_ms > 0
    assert report.pool is not None
    if backend == "postgres":
        assert report.pool.size == 10


async def test_unmigrated_database_is_healthy_but_has_no_revision(
    new_database: Callable[[str], str], backend: str
) -> None:
    async with Store(StoreSettings(database_url=new_database(backend))) as store:
        report = await store.health()
    assert report.status == "ok"
    assert report.revision is None
    assert not report.at_head


async def test_unreachable_database_is_an_error_report_without_the_password() -> None:
    settings = StoreSettings(
        database_url=f"postgresql://bot:{SECRET}@127.0.0.1:9/bot", database_pool_timeout=3
    )
    async with Store(settings) as store:
        report = await store.health()
    assert report.status == "error"
    assert report.error is not None
    assert "unreachable" in report.error
    assert SECRET not in str(report.to_dict())
    assert report.database == "postgresql+asyncpg://bot:***@127.0.0.1:9/bot"
