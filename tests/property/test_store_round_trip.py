"""Property: whatever a `Create` schema accepts, a unit of work stores and reads back equal,
on SQLite and PostgreSQL, for every table with a repository."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlmodel_store import Store, StoreSettings
from tests.property.store_data import REPOSITORIES, add, empty, through


async def _round_trip(url: str, table: str, data: st.DataObject) -> None:
    async with Store(StoreSettings(database_url=url)) as store:
        await empty(store)
        async with store.unit_of_work() as uow:
            row_id, sent = await add(through(uow), table, data)
            await uow.commit()
        async with store.unit_of_work() as uow:
            stored = await getattr(uow, REPOSITORIES[table]).get(row_id)
    assert stored is not None
    read = stored.model_dump()
    assert {name: read[name] for name in sent} == sent


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=st.sampled_from(sorted(REPOSITORIES)), data=st.data())
def test_what_a_create_schema_accepts_reads_back_equal(
    store_url: str, table: str, data: st.DataObject
) -> None:
    asyncio.run(_round_trip(store_url, table, data))
