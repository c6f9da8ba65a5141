"""The bot-code guide's example (docs/examples/bot_handler.py) does what the guide says."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from sqlmodel_store import SchemaNotAtHeadError, Store, StoreSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "bot_handler.py"
CHAT = -1001000000001
START = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def _load_example() -> ModuleType:
    """docs/ is not a package: import the example by its path."""
    spec = importlib.util.spec_from_file_location("docs_bot_handler", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


bot = _load_example()


def message(message_id: int, text: str, *, minutes: int, reply_to: int | None = None) -> object:
    author = bot.User(id=1001, first_name="Neko", username="neko", language_code="en")
    replied = None
    if reply_to is not None:
        replied = bot.Message(reply_to, START, bot.Chat(CHAT), author)
    return bot.Message(
        message_id=message_id,
        date=START + timedelta(minutes=minutes),
        chat=bot.Chat(CHAT),
        from_user=author,
        text=text,
        reply_to_message=replied,
    )


async def test_two_messages_store_one_user_and_return_the_history_in_order(
    store: Store,
) -> None:
    first = await bot.remember_and_recall(message(1, "hi", minutes=0), store)
    second = await bot.remember_and_recall(message(2, "how are you?", minutes=1, reply_to=1), store)

    assert first == ["hi"]
    assert second == ["hi", "how are you?"]
    async with store.unit_of_work() as uow:
        users = await uow.users.page()
        stored = await uow.messages.history(CHAT)
    assert [(user.telegram_id, user.username) for user in users] == [(1001, "neko")]
    assert [(row.message_id, row.text, row.user_id) for row in stored] == [
        (1, "hi", users[0].id),
        (2, "how are you?", users[0].id),
    ]
    assert stored[1].reply_to_message_id == 1


async def test_an_update_delivered_twice_is_stored_once(store: Store) -> None:
    await bot.remember_and_recall(message(1, "hi", minutes=0), store)
    again = await bot.remember_and_recall(message(1, "hi", minutes=0), store)

    assert again == ["hi"]
    async with store.unit_of_work() as uow:
        assert len(await uow.messages.history(CHAT)) == 1
        assert len(await uow.users.page()) == 1


async def test_the_history_holds_only_the_latest_messages(store: Store) -> None:
    for number in range(1, 6):
        recent = await bot.remember_and_recall(
            message(number, f"message {number}", minutes=number), store, limit=3
        )
    assert recent == ["message 3", "message 4", "message 5"]


async def test_open_store_accepts_a_migrated_database(store_url: str) -> None:
    store = await bot.open_store(StoreSettings(database_url=store_url))
    try:
        assert (await store.health()).at_head
    finally:
        await bot.close_store(store)


async def test_open_store_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    settings = StoreSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaNotAtHeadError, match="python -m sqlmodel_store upgrade"):
        await bot.open_store(settings)
