"""Alembic environment: the URL comes from StoreSettings (DATABASE_URL), never alembic.ini.

Ways in: `alembic …` on the command line (an engine made from the settings); the package's
own API (a sync connection handed over in `config.attributes["connection"]`); tools such as
pytest-alembic that hand over an async engine there instead; and offline
`alembic upgrade head --sql` (no database at all).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from sqlmodel_store.engine import create_engine
from sqlmodel_store.models import metadata
from sqlmodel_store.partitioning import in_models
from sqlmodel_store.settings import StoreSettings

config = context.config


def _settings() -> StoreSettings:
    settings = config.attributes.get("settings")
    return settings if isinstance(settings, StoreSettings) else StoreSettings()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        compare_server_default=True,
        include_object=in_models,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with(engine: AsyncEngine) -> None:
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        # asyncio.run() closes its loop after this: pooled connections must not outlive it.
        await engine.dispose()


def run_offline() -> None:
    url = _settings().url
    context.configure(
        url=url.render_as_string(hide_password=False),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        asyncio.run(_run_with(create_engine(_settings())))
    elif isinstance(connectable, AsyncEngine):
        asyncio.run(_run_with(connectable))
    else:
        _run(connectable)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
