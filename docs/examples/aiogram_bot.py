"""An aiogram 3 bot on the store: a unit of work per update, FSM state in the same database.

`/start` asks for a name (an FSM state), the answer updates the user's row and clears the
state; every other text is stored in the chat's history. Handlers return their reply, which
aiogram sends (polling and webhooks alike), so the file runs without the network in tests.
Tested by `tests/docs/test_aiogram_example.py` against SQLite and PostgreSQL.
"""

from __future__ import annotations

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import Message

from sqlmodel_store import SqlUnitOfWork, Store, StoreSettings
from sqlmodel_store.aiogram import StoreMiddleware, StoreStorage
from sqlmodel_store.models import MessageCreate, UserCreate


class Profile(StatesGroup):
    name = State()


async def start(message: Message, uow: SqlUnitOfWork, state: FSMContext) -> SendMessage:
    assert message.from_user is not None  # commands always have an author
    await uow.users.upsert(UserCreate(telegram_id=message.from_user.id))
    await state.set_state(Profile.name)
    return message.answer("What should I call you?")


async def got_name(message: Message, uow: SqlUnitOfWork, state: FSMContext) -> SendMessage:
    assert message.from_user is not None
    assert message.text is not None
    name = message.text.strip()[:255]
    await uow.users.upsert(UserCreate(telegram_id=message.from_user.id, first_name=name))
    # The row and the cleared state commit together when the handler returns.
    await state.clear()
    return message.answer(f"Nice to meet you, {name}!")


async def remember(message: Message, uow: SqlUnitOfWork) -> SendMessage:
    assert message.from_user is not None
    user = await uow.users.upsert(UserCreate(telegram_id=message.from_user.id))
    assert user.id is not None
    await uow.messages.add(
        MessageCreate(
            user_id=user.id,
            chat_id=message.chat.id,
            message_id=message.message_id,
            text=message.text,
            timestamp=message.date,
        )
    )
    history = await uow.messages.history(message.chat.id, limit=1000)
    return message.answer(f"I remember {len(history)} messages of this chat.")


def build_router() -> Router:
    # A router joins one dispatcher only: build one per dispatcher.
    router = Router()
    router.message.register(start, CommandStart())
    router.message.register(got_name, Profile.name, F.text)
    router.message.register(remember, F.text, F.from_user)
    return router


def build_dispatcher(store: Store) -> Dispatcher:
    """The dispatcher, wired to the store: FSM storage and one unit of work per update."""
    dp = Dispatcher(storage=StoreStorage(store))
    dp.update.outer_middleware(StoreMiddleware(store))
    dp.include_router(build_router())
    return dp


async def main(token: str, settings: StoreSettings | None = None) -> None:
    """Run the bot by long polling until it is stopped."""
    store = Store(settings)  # None: settings from DATABASE_URL etc.
    try:
        await store.ensure_at_head()  # refuse to start on a schema this code does not know
        await build_dispatcher(store).start_polling(Bot(token=token))
    finally:
        await store.dispose()
