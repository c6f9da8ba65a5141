"""Alembic, driven from code: upgrade, downgrade, current revision, head.

Alembic is imported where it is used, not with the package: importing it costs more than the
rest of the store, and every process that only reads or writes rows (a bot, an import worker)
would pay for it at start-up.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.settings import StoreSettings

if TYPE_CHECKING:
    from alembic.config import Config


def script_location() -> Path:
    """The migration scripts: inside the installed package, or the source checkout's."""
    packaged = Path(__file__).parent / "alembic"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "alembic"


def alembic_config(settings: StoreSettings | None = None, location: Path | None = None) -> Config:
    """An Alembic config for the migrations in `location` (default: the bot schema's);
    env.py reads `settings` from its attributes."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(location or script_location()))
    config.attributes["settings"] = settings
    return config


@cache
def head(location: Path | None = None) -> str | None:
    """The head revision of the migrations in `location` (default: the shipped ones)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(location=location)).get_current_head()


def revision_of(connection: Connection) -> str | None:
    """The revision recorded in the database behind `connection` (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    async with database_errors(), engine.connect() as connection:
        return await connection.run_sync(revision_of)


def _run(connection: Connection, action: str, revision: str, location: Path | None) -> None:
    from alembic import command

    config = alembic_config(location=location)
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


async def upgrade(
    engine: AsyncEngine, revision: str = "head", location: Path | None = None
) -> None:
    """Migrate the database up to `revision` (default: head) in one transaction."""
    async with database_errors(), engine.begin() as connection:
        await connection.run_sync(_run, "upgrade", revision, location)


async def downgrade(engine: AsyncEngine, revision: str, location: Path | None = None) -> None:
    """Migrate the database down to `revision` (`base` removes every table)."""
    async with database_errors(), engine.begin() as connection:
        await connection.run_sync(_run, "downgrade", revision, location)
