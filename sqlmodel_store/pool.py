"""The connection pool: SQLAlchemy's asyncio pool, fair to waiters, with the store's errors."""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import suppress

from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

from sqlmodel_store.db_errors import pool_timeout, unreachable


class FairQueue(AsyncAdaptedQueue[ConnectionPoolEntry]):
    """Idle connections; one returned while checkouts wait goes to the longest waiting.

    asyncio's queue only wakes the first waiter and leaves the connection in the queue, so
    a task that asks before the woken one runs takes it: a handler looping over updates
    can keep a connection from units queued behind it for as long as the loop stays busy.
    Handing the connection to the waiter itself serves checkouts in arrival order.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[ConnectionPoolEntry]] = deque()

    @property
    def waiting(self) -> int:
        """Checkouts waiting for a connection now."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    def put_nowait(self, item: ConnectionPoolEntry) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def get(self, block: bool = True, timeout: float | None = None) -> ConnectionPoolEntry:
        # Connections are handed to waiters directly, so an idle one means nobody waits.
        try:
            return self.get_nowait()
        except Empty:
            if not block:
                raise
        return await_only(self._wait(timeout))

    async def _wait(self, seconds: float | None) -> ConnectionPoolEntry:
        waiter: asyncio.Future[ConnectionPoolEntry] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                return await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over as this checkout gave up
            else:
                waiter.cancel()
                with suppress(ValueError):
                    self._waiters.remove(waiter)
            if isinstance(error, TimeoutError):
                raise Empty() from None
            raise


class StorePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool, with a fair queue and checkout failures as store errors.

    A checkout waits for a free connection, opens new ones and re-opens those the pre-ping
    found dead: each can fail outside any statement, with no other hook to catch it.
    """

    _queue_class = FairQueue

    def waiting(self) -> int:
        """Checkouts waiting for a connection now (the pool's fair queue knows them)."""
        queue = self._pool
        return queue.waiting if isinstance(queue, FairQueue) else 0

    def connect(self) -> PoolProxiedConnection:
        try:
            return super().connect()
        except sa_exc.TimeoutError as error:
            raise pool_timeout() from error
        except OSError as error:
            raise unreachable(error) from error
