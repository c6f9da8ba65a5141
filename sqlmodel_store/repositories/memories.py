"""Memories, their categories, the links between them, and the category tree."""

from __future__ import annotations

from sqlalchemy import Select, func, literal_column, union_all
from sqlmodel import col, select

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.models import (
    Category,
    CategoryCreate,
    CategoryUpdate,
    Memory,
    MemoryCategory,
    MemoryCategoryCreate,
    MemoryCreate,
    MemoryLink,
    MemoryLinkCreate,
    MemoryLinkUpdate,
    MemoryUpdate,
)
from sqlmodel_store.repositories.base import Repository


class MemoryRepository(Repository[Memory, MemoryCreate, MemoryUpdate]):
    table = Memory
    create_schema = MemoryCreate
    update_schema = MemoryUpdate

    async def file_under(self, memory_id: int, category_id: int) -> None:
        """File the memory under a category.

        Raises:
            DuplicateKeyError: it is filed there already.
            ForeignKeyError: the memory or the category does not exist.
        """
        link = MemoryCategoryCreate(memory_id=memory_id, category_id=category_id)
        self._session.add(MemoryCategory.model_validate(link))
        async with database_errors():
            await self._session.flush()

    async def by_category(self, category_id: int) -> list[Memory]:
        """The memories filed under the category, most important first."""
        statement = (
            select(Memory)
            .join(MemoryCategory, col(MemoryCategory.memory_id) == col(Memory.id))
            .where(MemoryCategory.category_id == category_id)
            .order_by(col(Memory.importance).desc(), col(Memory.id))
        )
        async with database_errors():
            return list((await self._session.exec(statement)).all())


class CategoryRepository(Repository[Category, CategoryCreate, CategoryUpdate]):
    table = Category
    create_schema = CategoryCreate
    update_schema = CategoryUpdate


class MemoryLinkRepository(Repository[MemoryLink, MemoryLinkCreate, MemoryLinkUpdate]):
    table = MemoryLink
    create_schema = MemoryLinkCreate
    update_schema = MemoryLinkUpdate

    async def neighbors(self, memory_id: int, link_type: str | None = None) -> list[Memory]:
        """The memories linked to or from this one, strongest link first.

        Args:
            memory_id: The memory whose neighbourhood to read.
            link_type: Only links of this type, when given.
        """
        ends = (
            (col(MemoryLink.from_memory_id), col(MemoryLink.to_memory_id)),
            (col(MemoryLink.to_memory_id), col(MemoryLink.from_memory_id)),
        )
        directions: list[Select[tuple[int, float]]] = []
        for this_end, other_end in ends:
            neighbor = other_end.label("neighbor_id")
            edge: Select[tuple[int, float]] = select(neighbor, col(MemoryLink.strength))
            edge = edge.where(this_end == memory_id)
            if link_type is not None:
                edge = edge.where(col(MemoryLink.link_type) == link_type)
            directions.append(edge)
        edges = union_all(*directions).subquery()
        strongest = (
            select(edges.c.neighbor_id, func.max(edges.c.strength).label("strength"))
            .group_by(edges.c.neighbor_id)
            .subquery()
        )
        statement = (
            select(Memory)
            .join(strongest, strongest.c.neighbor_id == col(Memory.id))
            .order_by(literal_column("strength").desc(), col(Memory.id))
        )
        async with database_errors():
            return list((await self._session.exec(statement)).all())
