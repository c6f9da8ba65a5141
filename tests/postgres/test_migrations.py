"""The migrations and the models agree, on PostgreSQL and SQLite, in both directions.

pytest-alembic's built-in checks run against each backend: one head, upgrade from empty,
no autogenerate drift between the migrated database and the models, and every revision
stepping down and up again.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Column, Connection, Integer, MetaData, String, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from sqlmodel_store import SchemaNotAtHeadError, Store, StoreSettings, migrations
from sqlmodel_store.engine import create_engine
from sqlmodel_store.models import metadata

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]

APPLICATION_TABLES = {table.name for table in metadata.sorted_tables}


@pytest.fixture
def alembic_config() -> Config:
    return migrations.alembic_config()


@pytest.fixture
def alembic_engine(new_database: Callable[[str], str], backend: str) -> AsyncEngine:
    # pytest-alembic disposes the engine after each step it runs.
    return create_engine(StoreSettings(database_url=new_database(backend)))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _drift(connection: Connection, target: MetaData) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, target))


async def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(
    new_database: Callable[[str], str], backend: str
) -> None:
    async with Store(StoreSettings(database_url=new_database(backend))) as store:
        await store.upgrade()
        async with store.engine.connect() as connection:
            assert await connection.run_sync(_tables) >= APPLICATION_TABLES
        await store.downgrade("base")
        async with store.engine.connect() as connection:
            assert await connection.run_sync(_tables) <= {"alembic_version"}
        assert await store.revision() is None
        await store.upgrade()
        assert await store.revision() == migrations.head()


def _with_extra_column(source: MetaData) -> MetaData:
    copy = MetaData(naming_convention=source.naming_convention)
    for table in source.sorted_tables:
        table.to_metadata(copy)
    copy.tables["users"].append_column(Column("nickname", String(50)))
    return copy


def _with_changed_type(source: MetaData) -> MetaData:
    copy = MetaData(naming_convention=source.naming_convention)
    for table in source.sorted_tables:
        table.to_metadata(copy)
    copy.tables["jokes"].c.joke_text.type = Integer()
    return copy


@pytest.mark.parametrize("change", [_with_extra_column, _with_changed_type])
async def test_a_model_change_without_a_migration_is_detected(
    store: Store, change: Callable[[MetaData], MetaData]
) -> None:
    async with store.engine.connect() as connection:
        assert await connection.run_sync(_drift, metadata) == []
        assert await connection.run_sync(_drift, change(metadata)) != []


async def test_ensure_at_head_refuses_an_empty_database_with_the_command_to_run(
    new_database: Callable[[str], str], backend: str
) -> None:
    async with Store(StoreSettings(database_url=new_database(backend))) as store:
        with pytest.raises(SchemaNotAtHeadError, match="python -m sqlmodel_store upgrade"):
            await store.ensure_at_head()
        await store.upgrade()
        await store.ensure_at_head()


async def test_ensure_at_head_refuses_a_database_behind_the_code(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "head", lambda: "a_newer_revision")
    with pytest.raises(SchemaNotAtHeadError, match="not at head a_newer_revision"):
        await store.ensure_at_head()


async def test_the_store_tables_carry_the_naming_convention_names(store: Store) -> None:
    def constraint_names(connection: Connection) -> set[str]:
        inspector = inspect(connection)
        names = {inspector.get_pk_constraint("users")["name"]}
        names |= {uq["name"] for uq in inspector.get_unique_constraints("messages")}
        names |= {fk["name"] for fk in inspector.get_foreign_keys("messages")}
        names |= {ix["name"] for ix in inspector.get_indexes("messages")}
        return {name for name in names if name}

    async with store.engine.connect() as connection:
        names = await connection.run_sync(constraint_names)
    assert {
        "uq_messages_chat_id_message_id",
        "fk_messages_user_id_users",
        "ix_messages_chat_id_timestamp_id",
    } <= names
