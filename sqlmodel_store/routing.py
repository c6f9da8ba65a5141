"""Primary and replicas: where a unit of work runs, and the token that makes reads current.

Writes always go to the primary. A read-only unit of work goes to a streaming replica, taken in
turn (round robin): one that fails is left alone for `DATABASE_REPLICA_RETRY_S`, one that lags
past `DATABASE_MAX_REPLICA_LAG_S` is skipped; with none usable it reads from the primary. Given a
`CommitToken`, it takes only a replica that has replayed that commit, waiting up to
`DATABASE_READ_WAIT_MS` for one, else the primary: a bot that answers from a replica never
shows a user less than the user just wrote.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_store.engine import UNIT_OF_WORK
from sqlmodel_store.errors import StoreError
from sqlmodel_store.read_only import guard_read_only, refuse_read_only_writes
from sqlmodel_store.settings import StoreSettings, redact
from sqlmodel_store.tokens import UNKNOWN_POSITION, CommitToken

logger = logging.getLogger(__name__)

# Polling a replica that is behind a token: first soon (replay is usually milliseconds away),
# then less often, so a long wait costs a few dozen queries.
_FIRST_POLL_S, _MAX_POLL_S = 0.002, 0.025
# One query tells whether the server replays, how far, and how late; on a server that is not
# in recovery (a promoted replica) every commit it has is visible.
_STATUS = text(
    "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text"
    " ELSE pg_current_wal_insert_lsn()::text END,"
    " CASE WHEN NOT pg_is_in_recovery()"
    " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0.0)::float"
    " END"
)
_COMMITTED = text("SELECT pg_current_wal_insert_lsn()::text")


@dataclass(slots=True)
class Replica:
    """One streaming replica, and what the router last learnt about it."""

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    retry_at: float = 0.0
    replayed: int = 0
    lag_s: float | None = None
    error: str | None = None

    def observe(self, replayed: str | None, lag_s: float) -> None:
        self.replayed = CommitToken.parse(replayed).lsn if replayed else 0
        self.lag_s, self.error, self.retry_at = lag_s, None, 0.0


async def _status(session: AsyncSession) -> tuple[str | None, float]:
    """The replayed position and the replay lag of the server under `session`."""
    connection = await session.connection()
    replayed, lag_s = (await connection.execute(_STATUS)).one()
    return replayed, float(lag_s)


class Router:
    """Opens sessions on the primary or a replica, and learns commit positions."""

    def __init__(
        self, settings: StoreSettings, primary: AsyncEngine, replicas: list[AsyncEngine]
    ) -> None:
        self._settings = settings
        self._postgres = primary.dialect.name == "postgresql"
        # Units of work's connections: their errors are the store's own (engine.UNIT_OF_WORK).
        unit = {UNIT_OF_WORK: True}
        readonly = {"postgresql_readonly": True} if self._postgres else {}
        reader = primary.execution_options(**unit, **readonly)
        self._primary_readers = async_sessionmaker(
            reader, class_=AsyncSession, expire_on_commit=False
        )
        self._position = primary.execution_options(isolation_level="AUTOCOMMIT")
        for engine in (primary, *replicas):
            refuse_read_only_writes(engine)
        self.replicas: list[Replica] = [
            Replica(
                url=redact(engine.url),
                engine=engine,
                sessions=async_sessionmaker(
                    engine.execution_options(**unit, postgresql_readonly=True),
                    class_=AsyncSession,
                    expire_on_commit=False,
                ),
            )
            for engine in replicas
        ]
        self._turn = 0

    async def commit_token(self) -> CommitToken:
        """The position of the commit just made on the primary (zero without replicas)."""
        if not self.replicas:
            return CommitToken()
        try:
            async with self._position.connect() as connection:
                return CommitToken.parse((await connection.execute(_COMMITTED)).scalar_one())
        except (exc.SQLAlchemyError, OSError, StoreError):
            # The commit landed but where is unknown: reads given this token use the primary.
            return UNKNOWN_POSITION

    async def reader(self, after: CommitToken | None) -> AsyncSession:
        """A read-only session on a replica that can serve `after`, else on the primary."""
        if self.replicas and (after is None or after.known):
            session = await self._replica_session(after)
            if session is not None:
                return session
        return self._primary_reader()

    def _primary_reader(self) -> AsyncSession:
        session = self._primary_readers()
        guard_read_only(session)
        return session

    def _rotation(self) -> list[Replica]:
        """The replicas to try, starting one further each time; those resting are left out."""
        turn, self._turn = self._turn, (self._turn + 1) % len(self.replicas)
        now = time.monotonic()
        ordered = self.replicas[turn:] + self.replicas[:turn]
        return [replica for replica in ordered if replica.retry_at <= now]

    async def _replica_session(self, after: CommitToken | None) -> AsyncSession | None:
        """A session on the first replica in turn that can serve `after`; when all are behind
        it, the most advanced one once it catches up within the wait. Others are closed."""
        deadline = time.monotonic() + self._settings.database_read_wait_ms / 1000
        opened: list[tuple[AsyncSession, Replica]] = []
        chosen: AsyncSession | None = None
        try:
            for replica in self._rotation():
                session = await self._opened(replica)
                if session is None:
                    continue
                opened.append((session, replica))
                if after is None or replica.replayed >= after.lsn:
                    chosen = session
                    return chosen
            if not opened or after is None:
                return None
            session, replica = max(opened, key=lambda pair: pair[1].replayed)
            if await self._caught_up(session, replica, after=after, deadline=deadline):
                chosen = session
            return chosen
        finally:
            for session, _ in opened:
                if session is not chosen:
                    await session.close()

    async def _opened(self, replica: Replica) -> AsyncSession | None:
        """A read-only session on `replica` with its position learnt; None when it is unusable."""
        session = replica.sessions()
        try:
            replayed, lag_s = await _status(session)
        except (exc.SQLAlchemyError, OSError, StoreError) as error:
            await session.close()
            self._rest(replica, error)
            return None
        replica.observe(replayed, lag_s)
        if lag_s > self._settings.database_max_replica_lag_s:
            await session.close()
            logger.warning("replica %s lags %.1f s: skipped", replica.url, lag_s)
            return None
        guard_read_only(session)
        return session

    def _rest(self, replica: Replica, error: BaseException) -> None:
        retry_s = self._settings.database_replica_retry_s
        replica.retry_at = time.monotonic() + retry_s
        replica.error = f"{type(error).__name__}: {getattr(error, 'orig', None) or error}"
        logger.warning("replica %s failed, retried in %g s: %s", replica.url, retry_s, error)

    async def _caught_up(
        self, session: AsyncSession, replica: Replica, *, after: CommitToken, deadline: float
    ) -> bool:
        """Whether `replica` replays `after` by the deadline, polling it through `session`."""
        pause = _FIRST_POLL_S
        try:
            while time.monotonic() + pause <= deadline:
                await asyncio.sleep(pause)
                replica.observe(*await _status(session))
                if replica.replayed >= after.lsn:
                    return True
                pause = min(pause * 2, _MAX_POLL_S)
        except (exc.SQLAlchemyError, OSError, StoreError) as error:
            self._rest(replica, error)
        return False

    async def dispose(self) -> None:
        for replica in self.replicas:
            await replica.engine.dispose()
