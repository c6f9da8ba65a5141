"""Memories, categories and links: lists, checks, and the graph queries."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sqlmodel_store import ConstraintError, DuplicateKeyError, ForeignKeyError, Store
from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.models import CategoryCreate, MemoryLinkCreate, MemoryUpdate
from tests.factories import memory


async def test_lists_round_trip_including_empty_and_unicode(store: Store) -> None:
    keywords = ["tea", "чай", "🍵", ""]
    async with store.unit_of_work() as uow:
        added = await uow.memories.add(
            memory(keywords=keywords, tags=[], evolution_triggers=[2**62, -1])
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        found = await uow.memories.get(added.id or 0)
    assert found is not None
    assert found.keywords == keywords
    assert found.tags == []
    assert found.evolution_triggers == [2**62, -1]


async def test_lists_can_be_null(store: Store) -> None:
    async with store.unit_of_work() as uow:
        added = await uow.memories.add(memory())
        await uow.commit()
    assert added.keywords is None


async def test_update_of_lists_and_versions(store: Store) -> None:
    async with store.unit_of_work() as uow:
        first = await uow.memories.add(memory(keywords=["a"]))
        child = await uow.memories.add(memory(parent_id=first.id, version=2))
        updated = await uow.memories.update(first.id or 0, MemoryUpdate(keywords=["a", "b"]))
        await uow.commit()
    assert updated.keywords == ["a", "b"]
    assert updated.updated_at is not None
    assert child.parent_id == first.id


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE memories SET emotion_valence = 3", "ck_memories_emotion_valence_range"),
        ("UPDATE memories SET version = 0", "ck_memories_version_positive"),
        ("UPDATE memories SET importance = -1", "ck_memories_importance_non_negative"),
        ("UPDATE memory_links SET strength = 2", "ck_memory_links_strength_range"),
    ],
)
async def test_the_database_itself_enforces_the_checks(
    store: Store, statement: str, constraint: str
) -> None:
    # Raw SQL on purpose: the schemas refuse these values before they could reach the table.
    async with store.unit_of_work() as uow:
        first = await uow.memories.add(memory())
        await uow.memory_links.add(
            MemoryLinkCreate(
                from_memory_id=first.id or 0, to_memory_id=first.id or 0, link_type="self"
            )
        )
        with pytest.raises(ConstraintError, match=constraint):
            async with database_errors():
                await uow.session.exec(text(statement))


async def test_by_category_lists_the_memories_filed_there(store: Store) -> None:
    async with store.unit_of_work() as uow:
        people = await uow.categories.add(
            CategoryCreate(name="person", domain="social", full_path="social.person", icon="🧑")
        )
        tea = await uow.memories.add(memory(importance=5))
        cats = await uow.memories.add(memory(simple_content="cats", importance=9))
        await uow.memories.add(memory(simple_content="unfiled"))
        await uow.memories.file_under(tea.id or 0, people.id or 0)
        await uow.memories.file_under(cats.id or 0, people.id or 0)
        with pytest.raises(DuplicateKeyError):
            async with uow.savepoint():
                await uow.memories.file_under(cats.id or 0, people.id or 0)
        with pytest.raises(ForeignKeyError):
            async with uow.savepoint():
                await uow.memories.file_under(9999, people.id or 0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        filed = await uow.memories.by_category(people.id or 0)
    assert [m.simple_content for m in filed] == ["cats", "likes tea"]


async def test_deleting_a_memory_removes_its_category_links(store: Store) -> None:
    async with store.unit_of_work() as uow:
        category = await uow.categories.add(
            CategoryCreate(name="n", domain="meta", full_path="meta.n")
        )
        filed = await uow.memories.add(memory())
        await uow.memories.file_under(filed.id or 0, category.id or 0)
        await uow.memories.delete(filed.id or 0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.memories.by_category(category.id or 0) == []


async def test_category_names_and_paths_are_unique(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.categories.add(CategoryCreate(name="n", domain="self", full_path="self.n"))
        with pytest.raises(DuplicateKeyError, match="name"):
            await uow.categories.add(
                CategoryCreate(name="n", domain="self", full_path="self.other")
            )


async def test_neighbors_follow_links_both_ways_strongest_first(store: Store) -> None:
    async with store.unit_of_work() as uow:
        hub, a, b, c = [await uow.memories.add(memory(simple_content=s)) for s in "habc"]
        ids = {m.simple_content: m.id or 0 for m in (hub, a, b, c)}

        def link(source: str, target: str, kind: str, strength: float = 1.0) -> MemoryLinkCreate:
            return MemoryLinkCreate(
                from_memory_id=ids[source],
                to_memory_id=ids[target],
                link_type=kind,
                strength=strength,
            )

        await uow.memory_links.add_many(
            [
                link("h", "a", "related", 0.2),
                link("b", "h", "causes", 0.9),
                link("h", "a", "elaborates", 0.5),
                link("a", "c", "related"),
            ]
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        around = await uow.memory_links.neighbors(ids["h"])
        related = await uow.memory_links.neighbors(ids["h"], link_type="related")
    assert [m.simple_content for m in around] == ["b", "a"]
    assert [m.simple_content for m in related] == ["a"]


async def test_one_link_per_pair_and_type(store: Store) -> None:
    async with store.unit_of_work() as uow:
        a, b = await uow.memories.add(memory()), await uow.memories.add(memory())
        link = MemoryLinkCreate(from_memory_id=a.id or 0, to_memory_id=b.id or 0, link_type="r")
        await uow.memory_links.add(link)
        with pytest.raises(DuplicateKeyError):
            await uow.memory_links.add(link)
