"""Alembic environment of the projects schema: its own metadata, the store's settings.

`Store(settings, migrations=MIGRATIONS)` hands over a connection in
`config.attributes["connection"]`; pytest-alembic hands over an async engine there; the
`alembic` command line (`-c examples/projects/alembic.ini`) builds a store from DATABASE_URL.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from examples.projects.models import metadata
from sqlmodel_store import Store, StoreSettings

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        compare_server_default=True,
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
        await engine.dispose()


connectable = config.attributes.get("connection")
if connectable is None:
    settings = config.attributes.get("settings")
    store = Store(settings if isinstance(settings, StoreSettings) else StoreSettings())
    asyncio.run(_run_with(store.engine))
elif isinstance(connectable, AsyncEngine):
    asyncio.run(_run_with(connectable))
else:
    _run(connectable)
