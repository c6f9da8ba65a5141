"""The projects schema (examples/projects), built only on the toolkit, on SQLite and PostgreSQL.

Its own migrations (pytest-alembic's checks and a no-drift check against its own metadata),
its own unit of work and repositories, and the store's guard and health on its head.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from pydantic import ValidationError
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from examples.projects.models import (
    BATCH_STATUSES,
    BatchCreate,
    ProjectCreate,
    UserCreate,
    metadata,
)
from examples.projects.uow import MIGRATIONS, projects_store, unit_of_work
from sqlmodel_store import (
    NotFoundError,
    SchemaNotAtHeadError,
    Store,
    StoreSettings,
    migrations,
)
from sqlmodel_store.engine import create_engine
from sqlmodel_store.models import metadata as bot_metadata

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]

# SQLite cannot reflect an expression index (created_at DESC), so Alembic skips comparing it.
pytestmark = pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified")


@pytest.fixture
def alembic_config() -> Config:
    return migrations.alembic_config(location=MIGRATIONS)


@pytest.fixture
def alembic_engine(new_database: Callable[[str], str], backend: str) -> AsyncEngine:
    return create_engine(StoreSettings(database_url=new_database(backend)))


@pytest.fixture
async def projects(new_database: Callable[[str], str], backend: str) -> AsyncIterator[Store]:
    async with projects_store(StoreSettings(database_url=new_database(backend))) as store:
        await store.upgrade()
        yield store


def _drift(connection: Connection, target: MetaData) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, target))


async def test_the_migrated_database_matches_the_schema_models(projects: Store) -> None:
    async with projects.engine.connect() as connection:
        assert await connection.run_sync(_drift, metadata) == []


def test_the_schemas_keep_their_tables_apart() -> None:
    assert set(metadata.tables) == {"users", "batches", "projects"}
    assert "batches" not in bot_metadata.tables
    assert bot_metadata.tables["users"] is not metadata.tables["users"]


async def test_the_batch_indexes_and_checks_exist(projects: Store) -> None:
    def names(connection: Connection) -> tuple[set[str], set[str]]:
        inspector = inspect(connection)
        indexes = {str(index["name"]) for index in inspector.get_indexes("batches")}
        checks = {str(check["name"]) for check in inspector.get_check_constraints("batches")}
        return indexes, checks

    async with projects.engine.connect() as connection:
        indexes, checks = await connection.run_sync(names)
    assert indexes >= {
        "ix_batches_user_id",
        "ix_batches_status",
        "ix_batches_created_at_desc",
        "ix_batches_expires_at",
    }
    assert "ck_batches_status" in checks


async def test_the_guard_and_health_follow_this_schemas_head(
    new_database: Callable[[str], str], backend: str
) -> None:
    async with projects_store(StoreSettings(database_url=new_database(backend))) as store:
        with pytest.raises(SchemaNotAtHeadError, match="examples/projects/alembic"):
            await store.ensure_at_head()
        await store.upgrade()
        await store.ensure_at_head()
        report = await store.health()
        assert (report.status, report.revision, report.head) == ("ok", "0001", "0001")
        assert report.at_head
        async with Store(store.settings) as bot_store:
            with pytest.raises(SchemaNotAtHeadError):
                await bot_store.ensure_at_head()
        await store.downgrade("base")
        assert await store.revision() is None


async def test_a_user_has_a_uuid_key_json_preferences_and_a_last_login(projects: Store) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    async with unit_of_work(projects) as uow:
        user = await uow.users.add(
            UserCreate(telegram_id=2**40, preferences={"lang": "ja", "tags": ["ネコ", 1.5]})
        )
        await uow.commit()
    async with unit_of_work(projects) as uow:
        found = await uow.users.get_by_id(user.id)
        assert found is not None
        assert found.preferences == {"lang": "ja", "tags": ["ネコ", 1.5]}
        assert found.last_login_at is None
        logged_in = await uow.users.update_last_login(user.id)
        await uow.commit()
    assert logged_in.last_login_at is not None
    assert logged_in.last_login_at >= before
    async with unit_of_work(projects) as uow:
        assert await uow.users.get_by_id(uuid4()) is None
        with pytest.raises(NotFoundError):
            await uow.users.update_last_login(uuid4())


async def test_a_users_batches_come_newest_first_by_limit_and_offset(projects: Store) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with unit_of_work(projects) as uow:
        owner = await uow.users.add(UserCreate(telegram_id=1))
        other = await uow.users.add(UserCreate(telegram_id=2))
        for day in range(5):
            batch = await uow.batches.add(BatchCreate(user_id=owner.id, item_count=day))
            batch.created_at = start + timedelta(days=day)
        await uow.batches.add(BatchCreate(user_id=other.id))
        await uow.commit()
    async with unit_of_work(projects) as uow:
        first = await uow.batches.list_by_user(owner.id, limit=2)
        rest = await uow.batches.list_by_user(owner.id, limit=10, offset=2)
    assert [b.item_count for b in first] == [4, 3]
    assert [b.item_count for b in rest] == [2, 1, 0]


async def test_statuses_move_within_the_allowed_values_only(projects: Store) -> None:
    async with unit_of_work(projects) as uow:
        owner = await uow.users.add(UserCreate(telegram_id=1))
        batch = await uow.batches.add(BatchCreate(user_id=owner.id))
        project = await uow.projects.add(
            ProjectCreate(user_id=owner.id, name="nya", input={"urls": ["https://example.org"]})
        )
        for status in BATCH_STATUSES:
            assert (await uow.batches.update_status(batch.id, status)).status == status
        assert (await uow.projects.update_status(project.id, "archived")).status == "archived"
        with pytest.raises(ValidationError):
            await uow.batches.update_status(batch.id, "lost")  # type: ignore[arg-type]
        with pytest.raises(NotFoundError):
            await uow.projects.update_status(uuid4(), "deleted")
        await uow.commit()
    async with unit_of_work(projects) as uow:
        stored = await uow.projects.get_by_id(project.id)
        assert stored is not None
        assert stored.input == {"urls": ["https://example.org"]}


async def test_the_database_refuses_a_status_outside_the_check(projects: Store) -> None:
    async with unit_of_work(projects) as uow:
        owner = await uow.users.add(UserCreate(telegram_id=1))
        batch = await uow.batches.add(BatchCreate(user_id=owner.id))
        await uow.commit()
    key = batch.id.hex if projects.dialect == "sqlite" else batch.id  # SQLite stores hex
    with pytest.raises(IntegrityError, match="ck_batches_status"):
        async with projects.engine.begin() as connection:
            await connection.execute(
                text("UPDATE batches SET status = 'lost' WHERE id = :id"), {"id": key}
            )
