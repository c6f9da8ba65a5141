"""A bot-like workload for the load and fault tests, and the checks every such test makes.

Per update, one unit of work: upsert the sender, add the message, increment the sender's
message counter, commit. Each task plays one sender and numbers its own messages, so the
database can be compared with exactly what was acknowledged.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from sqlalchemy import func, select

from sqlmodel_store import DatabaseUnavailableError, Store, StoreError, StoreSettings
from sqlmodel_store.models import Message, Stat, User
from tests.factories import message, user

CHAT = -1001234567890
STAT = "messages"
_message_ids = count(1)  # unique across runs, so a second run in a test adds new messages


@asynccontextmanager
async def empty_store(url: str, **settings: Any) -> AsyncIterator[Store]:
    """A store on the migrated database `url`, its users (and all that hangs off them) removed."""
    async with Store(StoreSettings(database_url=url, **settings)) as store:
        async with store.engine.begin() as connection:
            await connection.exec_driver_sql("TRUNCATE users RESTART IDENTITY CASCADE")
        yield store


@dataclass
class Outcome:
    """What the tasks saw: acknowledged updates, updates whose commit outcome is unknown,
    and every exception raised to them."""

    acknowledged: set[tuple[int, int]] = field(default_factory=set)
    unknown: set[tuple[int, int]] = field(default_factory=set)
    errors: list[BaseException] = field(default_factory=list)
    per_task: Counter[int] = field(default_factory=Counter)


async def bot_update(store: Store, telegram_id: int, message_id: int) -> None:
    async with store.unit_of_work() as uow:
        sender = await uow.users.upsert(user(telegram_id=telegram_id))
        assert sender.id is not None
        await uow.messages.add(message(sender.id, message_id, chat_id=CHAT))
        await uow.stats.increment(sender.id, STAT)
        await uow.commit()


async def run_load(
    store: Store, *, tasks: int, seconds: float, pause: float = 0.0, stop_on_error: bool = False
) -> Outcome:
    """`tasks` senders send updates for `seconds`; errors are recorded and the sender goes on
    (after `pause`), unless `stop_on_error`."""
    outcome = Outcome()
    deadline = time.monotonic() + seconds

    async def sender(task: int) -> None:
        telegram_id = 7_000_000_000 + task
        while time.monotonic() < deadline:
            number = next(_message_ids)
            key = (telegram_id, number)
            try:
                await bot_update(store, telegram_id, number)
            except Exception as error:
                outcome.errors.append(error)
                if isinstance(error, DatabaseUnavailableError) and error.outcome_unknown:
                    outcome.unknown.add(key)
                if stop_on_error:
                    return
                await asyncio.sleep(pause)
            else:
                outcome.acknowledged.add(key)
                outcome.per_task[task] += 1

    await asyncio.gather(*(sender(task) for task in range(tasks)))
    return outcome


async def stored(store: Store) -> tuple[list[tuple[int, int]], dict[int, float]]:
    """Every (sender, message) pair in the database, and each sender's counter total."""
    async with store.unit_of_work() as uow:
        pairs = (
            await uow.session.exec(
                select(User.telegram_id, Message.message_id)
                .join(User, User.id == Message.user_id)
                .where(Message.chat_id == CHAT)
            )
        ).all()
        totals = (
            await uow.session.exec(
                select(User.telegram_id, func.sum(Stat.value))
                .join(User, User.id == Stat.user_id)
                .where(Stat.stat_type == STAT)
                .group_by(User.telegram_id)
            )
        ).all()
    return [(t, m) for t, m in pairs], {t: float(v) for t, v in totals}


async def assert_consistent(store: Store, outcome: Outcome) -> None:
    """Acknowledged = present (give or take updates whose outcome was reported unknown),
    nothing doubled, each counter equal to its sender's messages, every error the store's."""
    pairs, totals = await stored(store)
    present = set(pairs)
    assert len(pairs) == len(present), "a message was stored twice"
    assert outcome.acknowledged <= present, "an acknowledged update is missing"
    assert present - outcome.acknowledged <= outcome.unknown, "an update failed yet was stored"
    sent = Counter(telegram_id for telegram_id, _ in present)
    assert totals == {telegram_id: float(n) for telegram_id, n in sent.items()}
    foreign = [e for e in outcome.errors if not isinstance(e, StoreError)]
    assert not foreign, f"errors that are not the store's own: {foreign[:3]!r}"
