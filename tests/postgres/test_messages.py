"""Messages: natural key, references, timestamps and the keyset-paginated history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from sqlmodel import select, text

from sqlmodel_store import DuplicateKeyError, ForeignKeyError, Store, StoreError
from sqlmodel_store.models import Message, MessageCreate
from sqlmodel_store.repositories.unnest import BATCH_ROWS
from tests.factories import BASE_TIME, message, user

SUPERGROUP = -1001234567890


async def author(store: Store) -> int:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user())
        await uow.commit()
    assert added.id is not None
    return added.id


async def test_history_is_the_latest_page_oldest_first(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        await uow.messages.add_many(message(user_id, n) for n in range(1, 121))
        await uow.messages.add(message(user_id, 1, chat_id=-1009))
        await uow.commit()
    async with store.unit_of_work() as uow:
        page = await uow.messages.history(SUPERGROUP)
    assert [m.message_id for m in page] == list(range(71, 121))


async def test_history_pages_back_with_before_until_the_start(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        await uow.messages.add_many(message(user_id, n) for n in range(1, 121))
        await uow.commit()
    pages: list[list[int]] = []
    before: Message | None = None
    async with store.unit_of_work() as uow:
        while page := await uow.messages.history(SUPERGROUP, limit=50, before=before):
            pages.append([m.message_id for m in page])
            before = page[0]
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [n for p in reversed(pages) for n in p] == list(range(1, 121))


async def test_history_pages_past_ids_beyond_32_bits(store: Store, backend: str) -> None:
    user_id = await author(store)
    first_id = 3_000_000_001
    async with store.unit_of_work() as uow:
        if backend == "postgres":
            await uow.session.exec(text(f"ALTER SEQUENCE messages_id_seq RESTART WITH {first_id}"))
            await uow.messages.add(message(user_id, 1))
        else:  # SQLite numbers new rows after the largest id
            row = Message.model_validate(message(user_id, 1))
            row.id = first_id
            uow.session.add(row)
        await uow.messages.add_many(message(user_id, n) for n in range(2, 5))
        await uow.commit()
    async with store.unit_of_work() as uow:
        page = await uow.messages.history(SUPERGROUP, limit=2)
        older = await uow.messages.history(SUPERGROUP, limit=2, before=page[0])
    assert [m.id for m in older + page] == [first_id + n for n in range(4)]


async def test_history_orders_equal_timestamps_by_insertion(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        for n in (5, 3, 9):
            await uow.messages.add(message(user_id, n, timestamp=BASE_TIME))
        await uow.commit()
    async with store.unit_of_work() as uow:
        first = await uow.messages.history(SUPERGROUP, limit=2)
        rest = await uow.messages.history(SUPERGROUP, limit=2, before=first[0])
    assert [m.message_id for m in first] == [3, 9]
    assert [m.message_id for m in rest] == [5]


async def test_a_timestamp_in_another_zone_comes_back_as_the_same_instant(store: Store) -> None:
    user_id = await author(store)
    tokyo = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=9)))
    naive = datetime(2025, 3, 1, 0, 30, 15, 123456)
    async with store.unit_of_work() as uow:
        await uow.messages.add(message(user_id, 1, timestamp=tokyo))
        await uow.messages.add(message(user_id, 2, timestamp=naive))
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.messages.history(SUPERGROUP)
    assert [m.timestamp for m in stored] == [tokyo, naive.replace(tzinfo=UTC)]
    assert all(m.timestamp.utcoffset() == timedelta(0) for m in stored)


async def test_same_chat_and_message_id_is_a_duplicate(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        await uow.messages.add(message(user_id, 1))
        with pytest.raises(DuplicateKeyError):
            await uow.messages.add(message(user_id, 1, text="again"))


async def test_the_same_message_id_in_another_chat_is_fine(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        await uow.messages.add(message(user_id, 1))
        await uow.messages.add(message(user_id, 1, chat_id=777))
        await uow.commit()
        assert await uow.messages.get_by_chat_message(777, 1) is not None


async def test_a_message_by_an_unknown_user_is_a_foreign_key_error(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(ForeignKeyError):
            await uow.messages.add(message(424242, 1))


async def test_add_many_returns_the_new_ids_in_input_order(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        ids = await uow.messages.add_many(
            [message(user_id, 9, message_type="photo", text=None), message(user_id, 2)]
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        rows = [await uow.messages.get(row_id) for row_id in ids]
        assert await uow.messages.add_many([]) == []
    assert [(r.message_id, r.message_type) for r in rows if r] == [(9, "photo"), (2, "text")]


async def test_add_many_stores_built_messages_exactly_and_leaves_them_as_given(
    store: Store,
) -> None:
    user_id = await author(store)
    tokyo = timezone(timedelta(hours=9))
    given = [
        MessageCreate(
            user_id=user_id,
            chat_id=SUPERGROUP,
            message_id=n,
            reply_to_message_id=n - 1 if n > 1 else None,
            text=["nya 🐈‍⬛", "مرحبا", None][n % 3],
            message_type=["text", "photo", "service:pin"][n % 3],
            language=["ru", None][n % 2],
            timestamp=datetime(2025, 1, 2, 12, 0, n, 123456, tzinfo=tokyo),
        )
        for n in range(1, 7)
    ]
    before = [m.model_dump() for m in given]
    async with store.unit_of_work() as uow:
        ids = await uow.messages.add_many(given)
        await uow.commit()
    assert [m.model_dump() for m in given] == before
    async with store.unit_of_work() as uow:
        stored = [await uow.messages.get(row_id) for row_id in ids]
    assert [m.model_dump(exclude={"id"}) for m in stored if m] == before
    assert all(m.timestamp.tzinfo == UTC for m in stored if m)


async def test_add_many_validates_mappings_before_sending_any(store: Store) -> None:
    user_id = await author(store)
    good = message(user_id, 1).model_dump()
    async with store.unit_of_work() as uow:
        with pytest.raises(ValidationError, match="chat_id"):
            await uow.messages.add_many([good, {**good, "chat_id": 2**64}])
        assert await uow.messages.history(SUPERGROUP) == []


async def test_add_many_is_all_or_nothing_within_the_unit(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        with pytest.raises(DuplicateKeyError):
            await uow.messages.add_many([message(user_id, 1), message(user_id, 1)])
    async with store.unit_of_work() as uow:
        assert await uow.messages.history(SUPERGROUP) == []


async def test_add_many_keeps_input_order_across_statements(store: Store) -> None:
    user_id = await author(store)
    numbers = list(range(BATCH_ROWS + 3, 0, -1))  # more rows than one statement takes
    async with store.unit_of_work() as uow:
        ids = await uow.messages.add_many(
            {"user_id": user_id, "chat_id": SUPERGROUP, "message_id": n, "timestamp": BASE_TIME}
            for n in numbers
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = dict((await uow.session.exec(select(Message.id, Message.message_id))).all())
    assert [stored[row_id] for row_id in ids] == numbers


async def test_add_many_never_cuts_an_over_long_value(store: Store, backend: str) -> None:
    user_id = await author(store)
    # Built without validation, as trusted code may: the database is the last line.
    too_long = MessageCreate.model_construct(
        **message(user_id, 1).model_dump() | {"message_type": "x" * 60}
    )
    async with store.unit_of_work() as uow:
        if backend == "postgres":
            with pytest.raises(StoreError, match="too long"):
                await uow.messages.add_many([too_long])
            return
        await uow.messages.add_many([too_long])  # SQLite does not enforce VARCHAR lengths
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert [m.message_type for m in await uow.messages.history(SUPERGROUP)] == ["x" * 60]


async def test_text_with_emoji_rtl_and_huge_length_round_trips(store: Store) -> None:
    user_id = await author(store)
    texts = ["🐈‍⬛ nya 𝄞", "مرحبا بالعالم", "", "ж" * 100_000]
    async with store.unit_of_work() as uow:
        await uow.messages.add_many(message(user_id, n, text=t) for n, t in enumerate(texts))
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.messages.history(SUPERGROUP)
    assert [m.text for m in stored] == texts
