"""The bot guide's aiogram example (docs/examples/aiogram_bot.py) does what the guide says."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
from aiogram import Bot
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import SendMessage

from sqlmodel_store import SchemaNotAtHeadError, Store, StoreSettings
from sqlmodel_store.aiogram import StoreStorage
from tests.integrations.aiogram_updates import GROUP_ID, bot, text_update

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "aiogram_bot.py"
NEKO = 1001


def _load_example() -> ModuleType:
    """docs/ is not a package: import the example by its path."""
    spec = importlib.util.spec_from_file_location("docs_aiogram_bot", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = _load_example()


@pytest.fixture
async def fake_bot() -> AsyncIterator[Bot]:
    bot_ = bot()
    yield bot_
    await bot_.session.close()


async def reply(store: Store, fake_bot: Bot, text: str) -> str:
    # A fresh dispatcher per update, as after a restart: nothing may live in memory.
    answer = await example.build_dispatcher(store).feed_update(fake_bot, text_update(NEKO, text))
    assert isinstance(answer, SendMessage)
    return answer.text


async def test_start_asks_for_a_name_and_the_answer_is_stored(store: Store, fake_bot: Bot) -> None:
    assert await reply(store, fake_bot, "/start") == "What should I call you?"
    key = StorageKey(bot_id=fake_bot.id, chat_id=GROUP_ID, user_id=NEKO)
    assert await StoreStorage(store).get_state(key) == "Profile:name"

    assert await reply(store, fake_bot, " Neko ") == "Nice to meet you, Neko!"
    assert await StoreStorage(store).get_state(key) is None
    async with store.unit_of_work() as uow:
        user = await uow.users.get_by_telegram_id(NEKO)
    assert user is not None
    assert user.first_name == "Neko"


async def test_other_texts_are_kept_in_the_chat_history(store: Store, fake_bot: Bot) -> None:
    assert await reply(store, fake_bot, "hi") == "I remember 1 messages of this chat."
    assert await reply(store, fake_bot, "again") == "I remember 2 messages of this chat."
    async with store.unit_of_work() as uow:
        texts = [row.text for row in await uow.messages.history(GROUP_ID)]
    assert texts == ["hi", "again"]


async def test_main_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    settings = StoreSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaNotAtHeadError, match="python -m sqlmodel_store upgrade"):
        await example.main("123456:not-a-real-token", settings)
