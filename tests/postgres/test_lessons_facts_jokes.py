"""Lessons (the reserved-word column), facts and jokes."""

from __future__ import annotations

import pytest

from sqlmodel_store import Store
from sqlmodel_store.models import FactCreate, JokeCreate, JokeUpdate, LessonCreate, LessonUpdate
from tests.factories import user


async def test_active_lessons_come_in_their_order(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.lessons.add_many(
            [
                LessonCreate(content="third", admin_id=1, order=30),
                LessonCreate(content="first", admin_id=1, order=-5),
                LessonCreate(content="hidden", admin_id=1, order=0, is_active=False),
                LessonCreate(content="second", admin_id=2**40, order=10),
            ]
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        active = await uow.lessons.active()
    assert [lesson.content for lesson in active] == ["first", "second", "third"]


async def test_the_order_column_can_be_updated(store: Store) -> None:
    async with store.unit_of_work() as uow:
        lesson = await uow.lessons.add(LessonCreate(content="x", admin_id=1))
        moved = await uow.lessons.update(lesson.id or 0, LessonUpdate(order=7))
        await uow.commit()
    assert moved.order == 7


async def test_facts_for_user_are_only_theirs_oldest_first(store: Store) -> None:
    async with store.unit_of_work() as uow:
        me, other = await uow.users.add(user()), await uow.users.add(user())
        for text in ("likes tea", "has a cat"):
            await uow.facts.add(FactCreate(user_id=me.id or 0, fact_text=text, source="chat"))
        await uow.facts.add(FactCreate(user_id=other.id or 0, fact_text="not mine"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        facts = await uow.facts.for_user(me.id or 0)
    assert [f.fact_text for f in facts] == ["likes tea", "has a cat"]


async def test_jokes_keep_counts_and_optional_message(store: Store) -> None:
    async with store.unit_of_work() as uow:
        joke = await uow.jokes.add(
            JokeCreate(chat_id=-1001234567890, joke_text="knock knock", joke_type="pun")
        )
        liked = await uow.jokes.update(joke.id or 0, JokeUpdate(likes_count=3))
        await uow.commit()
    assert (liked.likes_count, liked.reactions_count, liked.message_id) == (3, 0, None)


async def test_negative_counts_never_reach_the_database(store: Store) -> None:
    from pydantic import ValidationError

    async with store.unit_of_work() as uow:
        joke = await uow.jokes.add(JokeCreate(chat_id=1, joke_text="j", joke_type="pun"))
        with pytest.raises(ValidationError):
            await uow.jokes.update(joke.id or 0, {"likes_count": -1})
