"""The unit of work: one session, one transaction, explicit commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.read_only import guard_read_only
from sqlmodel_store.repositories import (
    CategoryRepository,
    FactRepository,
    JokeRepository,
    LessonRepository,
    MemoryLinkRepository,
    MemoryRepository,
    MessageRepository,
    StatRepository,
    UserRepository,
)
from sqlmodel_store.routing import Router
from sqlmodel_store.tokens import CommitToken

if TYPE_CHECKING:
    from sqlmodel_store.observability import Signals


class UnitOfWork(Protocol):
    """What handlers depend on, so tests of pure logic can pass a fake."""

    users: UserRepository
    messages: MessageRepository
    facts: FactRepository
    stats: StatRepository
    jokes: JokeRepository
    memories: MemoryRepository
    categories: CategoryRepository
    memory_links: MemoryLinkRepository
    lessons: LessonRepository

    async def commit(self) -> CommitToken: ...

    async def rollback(self) -> None: ...


class BaseUnitOfWork:
    """A transaction on the store, for any schema: a session, commit, rollback, savepoints.

    A schema's own unit of work subclasses it and attaches its repositories in `_bind`;
    `SqlUnitOfWork` is the bot schema's, and `Store.open_unit(Kind)` opens any of them.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dialect: str,
        *,
        signals: Signals | None = None,
        router: Router | None = None,
        read_only: bool = False,
        after: CommitToken | None = None,
    ) -> None:
        self._sessions = sessions
        self._dialect = dialect
        self._session: AsyncSession | None = None
        # Told how the unit ended, for the store's log records and metrics.
        self._signals = signals
        self._committed = False
        self._router = router
        self._read_only = read_only
        self._after = after

    async def _open(self) -> AsyncSession:
        """A session on the primary, or for a read-only unit wherever the router sends it."""
        if not self._read_only:
            return self._sessions()
        if self._router is not None:
            return await self._router.reader(self._after)
        session = self._sessions()
        guard_read_only(session)
        return session

    @property
    def session(self) -> AsyncSession:
        """The underlying session, for queries the repositories do not offer."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        session = await self._open()
        self._session = session
        self._committed = False
        self._bind(session, self._dialect)
        return self

    def _bind(self, session: AsyncSession, dialect: str) -> None:
        """Attach the schema's repositories to a newly opened session."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the rows without
        # expiring them, so rows read in the unit stay readable after it (rollback() would not).
        # The session's own exit runs close() in a task of its own and waits for it, as
        # `async with AsyncSession()` does: a handler cancelled meanwhile (a timeout) still
        # returns its connection, and the wait yields to the loop before this task can ask
        # the pool again. Calling close() directly did neither: a task looping over units took
        # its connection straight back from the units queued for it, which starved into
        # PoolTimeoutError (the pool's fair queue now also hands it to the longest waiting).
        try:
            async with database_errors():
                await self.session.__aexit__(exc_type, exc, traceback)
        finally:
            self._session = None
            if self._signals is not None:
                self._signals.unit_closed(committed=self._committed, error=exc)

    async def commit(self) -> CommitToken:
        """Make every write of this unit permanent.

        Returns:
            Where the commit ended, for `store.unit_of_work(read_only=True, after=token)`.

        Raises:
            ConflictError: a deadlock or serialization failure rolled the unit back
                (retryable: `store.transaction` runs it again).
            DatabaseUnavailableError: the connection was lost; `outcome_unknown` when it
                dropped while COMMIT was in flight, so the writes may or may not be there.
        """
        async with database_errors():
            await self.session.commit()
        self._committed = True
        if self._signals is not None:
            self._signals.committed()
        if self._read_only or self._router is None:
            return CommitToken()
        return await self._router.commit_token()

    async def rollback(self) -> None:
        """Discard every write of this unit so far; the unit stays usable."""
        async with database_errors():
            await self.session.rollback()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Partial work: an error inside undoes only the block, then propagates.

        async with uow.savepoint():
            await uow.users.add(maybe_duplicate)   # DuplicateKeyError undoes just this
        """
        nested = await self.session.begin_nested()
        try:
            yield
        except BaseException:
            await nested.rollback()
            raise
        else:
            await nested.commit()


class SqlUnitOfWork(BaseUnitOfWork):
    """A transaction on the store; leaving the block without `commit()` rolls back.

    Use one per update or handler:

        async with store.unit_of_work() as uow:
            user = await uow.users.upsert(UserCreate(telegram_id=42))
            await uow.commit()
    """

    users: UserRepository
    messages: MessageRepository
    facts: FactRepository
    stats: StatRepository
    jokes: JokeRepository
    memories: MemoryRepository
    categories: CategoryRepository
    memory_links: MemoryLinkRepository
    lessons: LessonRepository

    def _bind(self, session: AsyncSession, dialect: str) -> None:
        self.users = UserRepository(session, dialect)
        self.messages = MessageRepository(session, dialect)
        self.facts = FactRepository(session, dialect)
        self.stats = StatRepository(session, dialect)
        self.jokes = JokeRepository(session, dialect)
        self.memories = MemoryRepository(session, dialect)
        self.categories = CategoryRepository(session, dialect)
        self.memory_links = MemoryLinkRepository(session, dialect)
        self.lessons = LessonRepository(session, dialect)
