"""The store: an engine, its unit-of-work factory, health and the migration guard."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_store import health, migrations, observability
from sqlmodel_store.engine import UNIT_OF_WORK, create_engine
from sqlmodel_store.errors import SchemaNotAtHeadError, StoreError
from sqlmodel_store.routing import Router
from sqlmodel_store.settings import StoreSettings
from sqlmodel_store.tokens import CommitToken
from sqlmodel_store.uow import BaseUnitOfWork, SqlUnitOfWork

UnitT = TypeVar("UnitT", bound=BaseUnitOfWork)

T = TypeVar("T")
# Retry waits: full jitter over an exponential ceiling, so units that collided once do not
# collide again in step.
_FIRST_WAIT_S = 0.02
_LONGEST_WAIT_S = 1.0


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
        # Sessions run on connections marked as a unit of work's: their errors are the store's.
        self._sessions = async_sessionmaker(
            self.engine.execution_options(**{UNIT_OF_WORK: True}),
            class_=AsyncSession,
            expire_on_commit=False,
        )
        self.router = Router(
            self.settings,
            self.engine,
            [
                create_engine(self.settings.model_copy(update={"database_url": url}))
                for url in self.settings.database_read_urls
            ],
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

    def unit_of_work(
        self, *, read_only: bool = False, after: CommitToken | str | None = None
    ) -> SqlUnitOfWork:
        """A new unit of work; use it as `async with store.unit_of_work() as uow:`.

        Args:
            read_only: run on a replica (`DATABASE_READ_URLS`) when one is usable, else on the
                primary, in a read-only transaction; a write raises `ReadOnlyError`.
            after: a `CommitToken` (or its `str()`) of an earlier commit that this read must
                see: only a replica that has replayed it serves the unit.

        Raises:
            ValueError: `after` without `read_only`, or a token that is not one.
        """
        if after is not None and not read_only:
            raise ValueError("after= is for read-only units: writes always see every commit")
        token = CommitToken.parse(after) if after is not None else None
        return SqlUnitOfWork(
            self._sessions,
            self.dialect,
            signals=self.signals,
            router=self.router,
            read_only=read_only,
            after=token,
        )

    async def transaction(
        self, fn: Callable[[SqlUnitOfWork], Awaitable[T]], *, attempts: int = 3
    ) -> T:
        """Run `fn(uow)` in a unit of work and commit; run it again when it lost a conflict.

        A deadlock or serialization failure (`ConflictError`, `retryable`) rolls the unit
        back; `fn` then runs again in a new unit after a jittered wait, up to `attempts`
        runs in all. `fn` may call `uow.commit()` itself; it must not have effects outside
        the database that cannot be repeated.

            async def reply(uow: UnitOfWork) -> float:
                await uow.stats.increment(sender_id, "replies")
                return await uow.stats.increment(receiver_id, "replied")

            total = await store.transaction(reply)

        Returns:
            What `fn` returned, from the run that committed.

        Raises:
            StoreError: the last run's error once `attempts` are spent, or at once any error
                that is not retryable.
            ValueError: `attempts` is less than 1.
        """
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        attempt = 1
        while True:
            try:
                async with self.unit_of_work() as uow:
                    result = await fn(uow)
                    await uow.commit()
                return result
            except StoreError as error:
                if not error.retryable or attempt >= attempts:
                    raise
            ceiling = min(_LONGEST_WAIT_S, _FIRST_WAIT_S * 2 ** (attempt - 1))
            await asyncio.sleep(random.uniform(0, ceiling))
            attempt += 1

    def open_unit(self, kind: type[UnitT]) -> UnitT:
        """A new unit of work of a schema's own kind (a `BaseUnitOfWork` subclass)."""
        return kind(self._sessions, self.dialect, signals=self.signals, router=self.router)

    def head(self) -> str | None:
        """The head revision of this store's migrations."""
        return migrations.head() if self._migrations is None else migrations.head(self._migrations)

    async def health(self) -> health.HealthReport:
        """Check the database; never raises, reports status "error" instead."""
        return await health.check(
            self.engine,
            database=self.settings.safe_url,
            answer_within=self.settings.database_pool_timeout,
            replicas=[(replica.url, replica.engine) for replica in self.router.replicas],
            max_lag_s=self.settings.database_max_replica_lag_s,
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
        await self.router.dispose()
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
