"""Memories, their categories, the links between them, and the category tree."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, literal_column, union_all
from sqlalchemy.orm import Mapped
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
        self._session.add(MemoryCategory(**link.model_dump()))
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
        source, target = col(MemoryLink.from_memory_id), col(MemoryLink.to_memory_id)

        def linked(here: Mapped[int], there: Mapped[int]) -> sa.Select[Any, float]:
            strength = col(MemoryLink.strength)
            edge: sa.Select[Any, float] = sa.select(there.label("neighbor_id"), strength)
            edge = edge.where(here == memory_id)
            return edge if link_type is None else edge.where(col(MemoryLink.link_type) == link_type)

        edges = union_all(linked(source, target), linked(target, source)).subquery()
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
