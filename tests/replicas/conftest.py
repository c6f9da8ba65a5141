"""A primary with a streaming replica per test module: seconds to build, so once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sqlmodel_store import Store, StoreSettings
from tests.pg_server import NoServerError, run_blocking
from tests.replica_cluster import ReplicaCluster, execute, replica_cluster
from tests.unavailable import without

DATABASE = "store"


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicaCluster]:
    """A running primary and replica; a module that promotes gets a cluster of its own."""
    try:
        with replica_cluster() as running:
            run_blocking(execute(running.primary.url, f'CREATE DATABASE "{DATABASE}"'))
            run_blocking(_migrated(running.primary_url(DATABASE)))
            running.wait_replayed()
            yield running
    except NoServerError as error:
        without("a PostgreSQL replica cluster", str(error), "STORE_REQUIRE_POSTGRES")


async def _migrated(url: str) -> None:
    async with Store(StoreSettings(database_url=url)) as store:
        await store.upgrade()
