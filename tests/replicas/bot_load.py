"""A bot-like load: many handlers writing messages and reading their chat back, for seconds.

Each task is one chat: it adds the next message in a unit of work and commits, and every few
messages reads the chat's history from a replica with the commit's token, as a handler that
answers from a replica would. A write that fails with `DatabaseUnavailableError` is retried with
the same key until it lands or the run ends; `DuplicateKeyError` on a retry means the earlier
attempt had landed after all. The test and the benchmark share this driver.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import pairwise

from sqlmodel_store import DatabaseUnavailableError, DuplicateKeyError, Store
from tests.factories import message, user

Key = tuple[int, int]
READ_EVERY = 5


@dataclass
class LoadResult:
    """What the load saw: the keys it tried, those acknowledged, errors and timings."""

    attempted: set[Key] = field(default_factory=set)
    acknowledged: set[Key] = field(default_factory=set)
    landed_on_retry: set[Key] = field(default_factory=set)
    commit_times: list[float] = field(default_factory=list)
    unavailable: int = 0
    reads: int = 0
    stale_reads: int = 0
    failover_started: float | None = None
    failover_done: float | None = None
    started: float = 0.0
    ended: float = 0.0

    def outage_s(self) -> float | None:
        """The longest time no commit was acknowledged, from the crash on (None: none after)."""
        if self.failover_started is None:
            return None
        times = sorted(self.commit_times)
        after = [t for t in times if t > self.failover_started]
        if len(after) < 2:
            return None
        before = [t for t in times if t <= self.failover_started][-1:]
        marks = [*before, *after]
        return max(later - earlier for earlier, later in pairwise(marks))

    def figures(self) -> str:
        duration = self.ended - self.started
        outage = self.outage_s()
        return (
            f"{len(self.acknowledged)} commits acknowledged in {duration:.1f} s "
            f"({len(self.acknowledged) / duration:.0f}/s), {self.reads} reads with a token "
            f"({self.stale_reads} stale), {self.unavailable} DatabaseUnavailableError, "
            f"{len(self.landed_on_retry)} landed on retry, outage "
            + ("n/a" if outage is None else f"{outage:.2f} s")
        )


async def _write(store: Store, user_id: int, key: Key, result: LoadResult, deadline: float) -> bool:
    """Add the message `key` until it is known to be stored; False when the run ended first."""
    pause = 0.02
    while time.monotonic() < deadline:
        result.attempted.add(key)
        try:
            async with store.unit_of_work() as uow:
                await uow.messages.add(message(user_id, key[1], chat_id=key[0]))
                token = await uow.commit()
        except DuplicateKeyError:
            result.landed_on_retry.add(key)
            return True
        except DatabaseUnavailableError:
            result.unavailable += 1
            await asyncio.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 0.5)
            continue
        result.acknowledged.add(key)
        result.commit_times.append(time.monotonic())
        if key[1] % READ_EVERY == 0:
            await _read(store, key, str(token), result)
        return True
    return False


async def _read(store: Store, key: Key, token: str, result: LoadResult) -> None:
    try:
        async with store.unit_of_work(read_only=True, after=token) as ro:
            history = await ro.messages.history(key[0], limit=1)
    except DatabaseUnavailableError:
        result.unavailable += 1
        return
    result.reads += 1
    if not history or history[-1].message_id != key[1]:
        result.stale_reads += 1


async def _chat(store: Store, chat_id: int, result: LoadResult, deadline: float) -> None:
    async with store.unit_of_work() as uow:
        user_id = (await uow.users.add(user())).id or 0
        await uow.commit()
    message_id = 0
    while time.monotonic() < deadline:
        message_id += 1
        if not await _write(store, user_id, (chat_id, message_id), result, deadline):
            return


async def bot_load(
    store: Store,
    *,
    tasks: int,
    duration_s: float,
    failover: Callable[[], Awaitable[None]] | None = None,
    failover_at_s: float = 0.0,
) -> LoadResult:
    """Run `tasks` chats for `duration_s`, calling `failover` once after `failover_at_s`."""
    result = LoadResult(started=time.monotonic())
    deadline = result.started + duration_s

    async def fail_over() -> None:
        if failover is None:
            return
        await asyncio.sleep(failover_at_s)
        result.failover_started = time.monotonic()
        await failover()
        result.failover_done = time.monotonic()

    async with asyncio.timeout(duration_s + 60):
        await asyncio.gather(
            fail_over(), *(_chat(store, -1_000_000 - n, result, deadline) for n in range(tasks))
        )
    result.ended = time.monotonic()
    return result
