"""Shared fixtures: a real PostgreSQL (found as the README says) and SQLite, side by side."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import metadata
from tests.pg_server import (
    NoServerError,
    create_database,
    drop_database,
    postgres_server,
    run_blocking,
)
from tests.unavailable import without

# Hypothesis: `ci` (selected by .ci/run) runs enough examples to matter; `dev`, the default, is
# quick. Neither has a deadline (database round trips vary), and a failure prints the blob
# that reproduces it (@reproduce_failure).
settings.register_profile("ci", max_examples=150, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=25, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

BACKENDS = ["sqlite", "postgres"]
TABLES = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)


def _without_postgres(reason: str) -> None:
    without("PostgreSQL", reason, "STORE_REQUIRE_POSTGRES")


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """The admin URL of the test server; each run makes its own databases on it."""
    try:
        with postgres_server() as url:
            yield url
    except NoServerError as error:
        _without_postgres(str(error))


@pytest.fixture
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A factory: backend name → URL of a new empty database, dropped after the test."""
    made: list[tuple[str, str]] = []
    files = iter(range(1_000_000))

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'store-{next(files)}.db'}"
        admin = request.getfixturevalue("postgres_admin_url")
        url = run_blocking(create_database(admin))
        made.append((admin, url))
        return url

    yield make
    for admin, url in made:
        run_blocking(drop_database(admin, url))


async def _migrated(url: str) -> None:
    async with Store(StoreSettings(database_url=url)) as store:
        await store.upgrade()


@pytest.fixture(scope="session")
def migrated_postgres(postgres_admin_url: str) -> Iterator[str]:
    """One PostgreSQL database per run, built by the migrations (never create_all)."""
    url = run_blocking(create_database(postgres_admin_url))
    try:
        run_blocking(_migrated(url))
        yield url
    finally:
        run_blocking(drop_database(postgres_admin_url, url))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    run_blocking(_migrated(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """URL of a migrated, empty database of the test's backend."""
    if backend == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("migrated_postgres")
    return url


@pytest.fixture
async def store(store_url: str, backend: str) -> AsyncIterator[Store]:
    """A store on an empty, migrated database; PostgreSQL tables are emptied per test."""
    async with Store(StoreSettings(database_url=store_url)) as store:
        if backend == "postgres":
            async with store.engine.begin() as connection:
                await connection.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        yield store
