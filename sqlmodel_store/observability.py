"""Operations signals of one store: structured log records and metrics an operator can watch.

Records go to `logging.getLogger("sqlmodel_store")` with their fields in `extra` (each has
an `event` name), so a JSON formatter ships them as they are:

- INFO `engine_start`: the engine was built, with its pool settings (never the password);
- WARNING `slow_statement`: a statement ran longer than `DATABASE_SLOW_STATEMENT_MS`, with its
  text (never its bound parameters);
- WARNING `pool_high_use`: more than 80 % of the pool's connections are checked out, once per
  rise above that share;
- INFO `uow_rollback`: a unit of work was rolled back by an error, with the error's type.

`instrument` attaches all of it to an engine; `sqlmodel_store.metrics` counts the same events.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from sqlmodel_store import metrics
from sqlmodel_store.errors import PoolTimeoutError
from sqlmodel_store.settings import StoreSettings

__all__ = ["POOL_WARNING_SHARE", "Signals", "instrument", "logger"]

logger = logging.getLogger("sqlmodel_store")
# Pool use above this share of its capacity is worth a warning: the next burst will wait.
POOL_WARNING_SHARE = 0.8
# Long enough to recognise a statement, short enough for a log line (multi-row inserts).
MAX_STATEMENT_CHARS = 1000
_STARTED = "_sqlmodel_store_started"


def _shortened(statement: str) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= MAX_STATEMENT_CHARS else text[: MAX_STATEMENT_CHARS - 1] + "…"


class Signals:
    """The signals of one store's engine, and what its units of work report at their end."""

    def __init__(self, engine: AsyncEngine, settings: StoreSettings) -> None:
        self.database = settings.safe_url
        self._engine = engine.sync_engine
        self._slow_s = settings.database_slow_statement_ms / 1000
        self._capacity = settings.database_pool_size + settings.database_max_overflow
        self._pool_busy = False
        self.metrics = metrics.for_database(
            self.database, self._engine, settings.database_max_overflow
        )

    def committed(self) -> None:
        self.metrics.committed()

    def close(self) -> None:
        """The store was disposed of: its pool no longer counts."""
        self.metrics.close()

    def unit_closed(self, *, committed: bool, error: BaseException | None) -> None:
        """A unit of work ended: rolled back by `error`, or left without a commit."""
        if error is None:
            if not committed:
                self.metrics.rolled_back("none")
            return
        error_type = type(error).__name__
        self.metrics.rolled_back(error_type)
        if isinstance(error, PoolTimeoutError):
            self.metrics.pool_timeout()
        logger.info(
            "unit of work rolled back by %s",
            error_type,
            extra={"event": "uow_rollback", "database": self.database, "error_type": error_type},
        )

    def _before(self, context: Any) -> None:
        if context is not None:
            setattr(context, _STARTED, time.perf_counter())

    def _after(self, statement: str, context: Any) -> None:
        started = getattr(context, _STARTED, None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        if elapsed <= self._slow_s:
            return
        self.metrics.slow_statement()
        logger.warning(
            "slow statement: %.0f ms",
            elapsed * 1000,
            extra={
                "event": "slow_statement",
                "database": self.database,
                "duration_ms": round(elapsed * 1000, 3),
                "statement": _shortened(statement),
            },
        )

    def _pool_use(self, returning: int) -> None:
        """Warn when the share of connections in use first rises above the warning share."""
        pool = self._engine.pool
        if not isinstance(pool, QueuePool) or self._capacity == 0:
            return
        in_use = pool.checkedout() - returning
        above = in_use / self._capacity > POOL_WARNING_SHARE
        if above and not self._pool_busy:
            logger.warning(
                "pool use above %d %%: %d of %d connections in use",
                POOL_WARNING_SHARE * 100,
                in_use,
                self._capacity,
                extra={
                    "event": "pool_high_use",
                    "database": self.database,
                    "in_use": in_use,
                    "capacity": self._capacity,
                },
            )
        self._pool_busy = above

    def attach(self) -> None:
        engine = self._engine
        # named=True: the statement events pass keyword arguments, so order cannot mix them up.

        @event.listens_for(engine, "before_cursor_execute", named=True)
        def _before(*_: Any, context: Any, **__: Any) -> None:
            self._before(context)

        @event.listens_for(engine, "after_cursor_execute", named=True)
        def _after(*_: Any, statement: str, context: Any, **__: Any) -> None:
            self._after(statement, context)

        @event.listens_for(engine, "checkout")
        def _checkout(*_: Any) -> None:
            self._pool_use(returning=0)

        @event.listens_for(engine, "checkin")
        def _checkin(*_: Any) -> None:
            self._pool_use(returning=1)


def _pool_settings(engine: AsyncEngine, settings: StoreSettings) -> dict[str, Any]:
    if not isinstance(engine.sync_engine.pool, QueuePool):
        return {"pool": type(engine.sync_engine.pool).__name__}
    return {
        "pool": "QueuePool",
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_timeout_s": settings.database_pool_timeout,
        "pool_recycle_s": settings.database_pool_recycle,
        "pool_pre_ping": settings.database_pool_pre_ping,
    }


def instrument(engine: AsyncEngine, settings: StoreSettings) -> Signals:
    """Attach the store's log records and metrics to `engine`; nothing connects."""
    signals = Signals(engine, settings)
    signals.attach()
    logger.info(
        "engine started for %s",
        signals.database,
        extra={
            "event": "engine_start",
            "database": signals.database,
            "dialect": engine.dialect.name,
            "slow_statement_ms": settings.database_slow_statement_ms,
            "pgbouncer": settings.database_pgbouncer,
            **_pool_settings(engine, settings),
        },
    )
    return signals
