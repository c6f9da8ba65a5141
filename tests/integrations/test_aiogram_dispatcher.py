"""A real aiogram Dispatcher on the store: units of work per update and FSM state.

Updates are synthetic and fed with `dp.feed_update`; the bot's token is fake and nothing is
ever sent. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.strategy import FSMStrategy
from aiogram.types import Message

from sqlmodel_store import SqlUnitOfWork, Store
from sqlmodel_store.aiogram import StoreMiddleware, StoreStorage
from sqlmodel_store.health import pool_stats
from sqlmodel_store.models import MessageCreate, UserCreate
from tests.integrations.aiogram_updates import GROUP_ID, bot, text_update


class Signup(StatesGroup):
    name = State()
    age = State()


class RefusedError(Exception):
    """What the failing handler raises after it has written."""


def signup_router() -> Router:
    """A two-step form that stores every message and keeps the answers in FSM data."""
    router = Router()

    async def remember(message: Message, uow: SqlUnitOfWork) -> None:
        assert message.from_user is not None
        user = await uow.users.upsert(UserCreate(telegram_id=message.from_user.id))
        assert user.id is not None
        await uow.messages.add(
            MessageCreate(
                user_id=user.id,
                chat_id=message.chat.id,
                message_id=message.message_id,
                text=message.text,
            )
        )

    @router.message(F.text == "fail")
    @router.business_message(F.text == "fail")
    async def on_fail(message: Message, uow: SqlUnitOfWork, state: FSMContext) -> None:
        await remember(message, uow)
        await state.set_state(Signup.age)
        raise RefusedError

    @router.message(Signup.name)
    @router.business_message(Signup.name)
    async def on_name(message: Message, uow: SqlUnitOfWork, state: FSMContext) -> None:
        await remember(message, uow)
        await state.update_data(name=message.text)
        await state.set_state(Signup.age)

    @router.message(F.text)
    @router.business_message(F.text)
    async def on_start(message: Message, uow: SqlUnitOfWork, state: FSMContext) -> None:
        await remember(message, uow)
        await state.set_state(Signup.name)

    return router


def dispatcher(store: Store, strategy: FSMStrategy = FSMStrategy.USER_IN_CHAT) -> Dispatcher:
    dp = Dispatcher(storage=StoreStorage(store), fsm_strategy=strategy)
    dp.update.outer_middleware(StoreMiddleware(store))
    dp.include_router(signup_router())
    return dp


@pytest.fixture
async def fake_bot() -> AsyncIterator[Bot]:
    bot_ = bot()
    yield bot_
    await bot_.session.close()


def key(fake_bot: Bot, user_id: int, **parts: object) -> StorageKey:
    chat_id = parts.pop("chat_id", GROUP_ID)
    return StorageKey(bot_id=fake_bot.id, chat_id=chat_id, user_id=user_id, **parts)  # type: ignore[arg-type]


async def stored_texts(store: Store) -> list[str | None]:
    async with store.unit_of_work() as uow:
        return [row.text for row in await uow.messages.history(GROUP_ID, limit=10_000)]


async def test_a_thousand_concurrent_updates_each_commit_their_writes_and_state(
    store: Store, fake_bot: Bot
) -> None:
    # All at once, SQLite's updates queue for its one writer: room for a slow CI machine.
    patient = Store(store.settings.model_copy(update={"database_pool_timeout": 120}))
    dp = dispatcher(patient)
    users = range(1, 1001)
    try:
        await asyncio.gather(*(dp.feed_update(fake_bot, text_update(u, f"hi {u}")) for u in users))
        stats = pool_stats(patient.engine)
    finally:
        await patient.dispose()
    assert stats is not None
    assert stats.checked_out == 0

    assert sorted(await stored_texts(store)) == sorted(f"hi {u}" for u in users)  # type: ignore[type-var]
    storage = StoreStorage(store)
    states = await asyncio.gather(*(storage.get_state(key(fake_bot, u)) for u in users))
    assert set(states) == {Signup.name.state}


async def test_a_handler_that_raises_keeps_neither_its_writes_nor_its_state(
    store: Store, fake_bot: Bot
) -> None:
    dp = dispatcher(store)
    await dp.feed_update(fake_bot, text_update(7, "hello"))
    with pytest.raises(RefusedError):
        await dp.feed_update(fake_bot, text_update(7, "fail"))

    assert await stored_texts(store) == ["hello"]
    assert await StoreStorage(store).get_state(key(fake_bot, 7)) == Signup.name.state
    stats = pool_stats(store.engine)
    assert stats is not None
    assert stats.checked_out == 0


async def test_the_form_goes_on_after_the_dispatcher_and_store_restart(
    store: Store, fake_bot: Bot
) -> None:
    await dispatcher(store).feed_update(fake_bot, text_update(7, "start"))
    async with Store(store.settings) as restarted:
        await dispatcher(restarted).feed_update(fake_bot, text_update(7, "Neko"))
        storage = StoreStorage(restarted)
        assert await storage.get_state(key(fake_bot, 7)) == Signup.age.state
        assert await storage.get_data(key(fake_bot, 7)) == {"name": "Neko"}


async def test_state_is_per_user_in_a_chat(store: Store, fake_bot: Bot) -> None:
    dp = dispatcher(store)
    await dp.feed_update(fake_bot, text_update(7, "start"))
    await dp.feed_update(fake_bot, text_update(7, "Neko"))
    await dp.feed_update(fake_bot, text_update(8, "start"))

    storage = StoreStorage(store)
    assert await storage.get_state(key(fake_bot, 7)) == Signup.age.state
    assert await storage.get_state(key(fake_bot, 8)) == Signup.name.state
    assert await storage.get_data(key(fake_bot, 8)) == {}


async def test_state_is_per_forum_topic_with_the_topic_strategy(
    store: Store, fake_bot: Bot
) -> None:
    dp = dispatcher(store, FSMStrategy.USER_IN_TOPIC)
    await dp.feed_update(fake_bot, text_update(7, "start", thread_id=11))
    await dp.feed_update(fake_bot, text_update(7, "Neko", thread_id=11))
    await dp.feed_update(fake_bot, text_update(7, "start", thread_id=12))

    storage = StoreStorage(store)
    assert await storage.get_state(key(fake_bot, 7, thread_id=11)) == Signup.age.state
    assert await storage.get_state(key(fake_bot, 7, thread_id=12)) == Signup.name.state
    assert await storage.get_state(key(fake_bot, 7)) is None


async def test_state_is_per_business_connection(store: Store, fake_bot: Bot) -> None:
    dp = dispatcher(store)
    await dp.feed_update(fake_bot, text_update(7, "start", business_connection_id="shop"))
    await dp.feed_update(fake_bot, text_update(7, "Neko", business_connection_id="shop"))
    await dp.feed_update(fake_bot, text_update(7, "start"))

    storage = StoreStorage(store)
    shop = key(fake_bot, 7, business_connection_id="shop")
    assert await storage.get_state(shop) == Signup.age.state
    assert await storage.get_data(shop) == {"name": "Neko"}
    assert await storage.get_state(key(fake_bot, 7)) == Signup.name.state


async def test_state_is_per_destiny(store: Store, fake_bot: Bot) -> None:
    dp = dispatcher(store)
    await dp.feed_update(fake_bot, text_update(7, "start"))
    quiz = dp.fsm.get_context(fake_bot, chat_id=GROUP_ID, user_id=7, destiny="quiz")
    assert await quiz.get_state() is None
    await quiz.set_state("Quiz:question")
    default = dp.fsm.get_context(fake_bot, chat_id=GROUP_ID, user_id=7)
    assert await default.get_state() == Signup.name.state
    assert await quiz.get_state() == "Quiz:question"
