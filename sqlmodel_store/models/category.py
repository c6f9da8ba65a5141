"""Domain categories that organise memories, and the memory ↔ category link."""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlmodel import Field

from sqlmodel_store.models.base import (
    Int32,
    RowId,
    StoreSchema,
    Str10,
    Str100,
    Str200,
    server_default,
)
from sqlmodel_store.types import IdType

CategoryDomain = Literal["self", "social", "knowledge", "interest", "episode", "meta"]
DOMAINS: tuple[str, ...] = get_args(CategoryDomain)


class CategoryBase(StoreSchema):
    name: Str100 = Field(sa_type=String(100), unique=True, description="Unique short name.")
    domain: CategoryDomain = Field(
        sa_type=String(50), description="One of: " + ", ".join(DOMAINS) + "."
    )
    full_path: Str200 = Field(
        sa_type=String(200), unique=True, description="Dotted path, e.g. `social.person`."
    )
    description: str | None = Field(default=None, sa_type=Text, description="What belongs here.")
    icon: Str10 | None = Field(default=None, sa_type=String(10), description="An emoji.")
    importance_range_min: Int32 = Field(
        default=0,
        sa_type=Integer,
        sa_column_kwargs=server_default(0),
        description="Lowest importance of memories filed here.",
    )
    importance_range_max: Int32 = Field(
        default=10000,
        sa_type=Integer,
        sa_column_kwargs=server_default(10000),
        description="Highest importance of memories filed here.",
    )
    parent_id: RowId | None = Field(
        default=None, sa_type=IdType, foreign_key="categories.id", description="Parent category."
    )


_DOMAIN_LIST = ", ".join(f"'{domain}'" for domain in DOMAINS)


# A node of the category tree; memories are filed under categories via memory_categories.
class Category(CategoryBase, table=True):
    __tablename__ = "categories"
    __table_args__ = (CheckConstraint(f"domain IN ({_DOMAIN_LIST})", name="domain_known"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class CategoryCreate(CategoryBase):
    pass


class CategoryRead(CategoryBase):
    id: int


class CategoryUpdate(StoreSchema):
    name: Str100 | None = None
    domain: CategoryDomain | None = None
    full_path: Str200 | None = None
    description: str | None = None
    icon: Str10 | None = None
    importance_range_min: Int32 | None = None
    importance_range_max: Int32 | None = None
    parent_id: RowId | None = None


class MemoryCategoryBase(StoreSchema):
    memory_id: RowId = Field(
        sa_type=IdType,
        foreign_key="memories.id",
        primary_key=True,
        ondelete="CASCADE",
        description="The memory.",
    )
    category_id: RowId = Field(
        sa_type=IdType,
        foreign_key="categories.id",
        primary_key=True,
        ondelete="CASCADE",
        description="The category it is filed under.",
    )


# Files a memory under a category; deleting either side removes the link.
class MemoryCategory(MemoryCategoryBase, table=True):
    __tablename__ = "memory_categories"


class MemoryCategoryCreate(MemoryCategoryBase):
    pass


class MemoryCategoryRead(MemoryCategoryBase):
    pass


class MemoryCategoryUpdate(StoreSchema):
    memory_id: RowId | None = None
    category_id: RowId | None = None
