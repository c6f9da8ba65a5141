"""The store: an engine, its unit-of-work factory, health and the migration guard."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_store import health, migrations, observability
from sqlmodel_store.engine import create_engine
from sqlmodel_store.errors import SchemaNotAtHeadError
from sqlmodel_store.settings import StoreSettings
from sqlmodel_store.uow import BaseUnitOfWork, SqlUnitOfWork

UnitT = TypeVar("UnitT", bound=BaseUnitOfWork)


class Store:
    """Bot code's entry point; make one per process and `dispose()` it at shutdown.

    Nothing connects until the first unit of work or check. A schema other than the bot's
    passes its own Alembic scripts as `migrations` (a folder with env.py and versions/) and
    opens its own units of work with `open_unit`.
    """

    def __init__(
        self, settings: StoreSettings | None = None, *, migrations: Path | None = None
    ) -> None:
        self.settings = settings if settings is not None else StoreSettings()
        self._migrations = migrations
        self.engine: AsyncEngine = create_engine(self.settings)
        self.signals = observability.instrument(self.engine, self.settings)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @classmethod
    def from_env(cls) -> Store:
        """A store configured from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`, …)."""
        return cls(StoreSettings())

    def __repr__(self) -> str:
        return f"Store({self.settings.safe_url})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work; use it as `async with store.unit_of_work() as uow:`."""
        return SqlUnitOfWork(self._sessions, self.dialect, self.signals)

    def open_unit(self, kind: type[UnitT]) -> UnitT:
        """A new unit of work of a schema's own kind (a `BaseUnitOfWork` subclass)."""
        return kind(self._sessions, self.dialect, self.signals)

    def head(self) -> str | None:
        """The head revision of this store's migrations."""
        return migrations.head() if self._migrations is None else migrations.head(self._migrations)

    async def health(self) -> health.HealthReport:
        """Check the database; never raises, reports status "error" instead."""
        return await health.check(
            self.engine,
            database=self.settings.safe_url,
            answer_within=self.settings.database_pool_timeout,
            head=self.head(),
        )

    async def revision(self) -> str | None:
        """The migration revision the database is at (None: never migrated)."""
        return await migrations.current(self.engine)

    async def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema up (default: to head)."""
        await migrations.upgrade(self.engine, revision, self._migrations)

    async def downgrade(self, revision: str) -> None:
        """Migrate the schema down to `revision` (`base`: remove every table)."""
        await migrations.downgrade(self.engine, revision, self._migrations)

    async def ensure_at_head(self) -> None:
        """Refuse to run on a schema other than the one this code was written for.

        Raises:
            SchemaNotAtHeadError: the database is empty, behind or ahead; the message names
                the command to run.
        """
        revision = await self.revision()
        head = self.head()
        if revision == head:
            return
        if revision is None:
            state = "has no schema yet"
        else:
            state = f"is at revision {revision}, not at head {head}"
        command = (
            "`python -m sqlmodel_store upgrade`"
            if self._migrations is None
            else f"the migrations in {self._migrations} (`store.upgrade()`)"
        )
        raise SchemaNotAtHeadError(
            f"the database {state}; run {command} "
            "(or, if this code is older than the database, deploy the newer release)"
        )

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        self.signals.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.dispose()
