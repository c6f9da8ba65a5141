"""The store's tables and their schemas: `X` (table), `XCreate`, `XRead`, `XUpdate`."""

from sqlmodel import SQLModel

from sqlmodel_store.models.base import NAMING_CONVENTION, StoreSchema, schema_registry
from sqlmodel_store.models.category import (
    DOMAINS,
    Category,
    CategoryCreate,
    CategoryDomain,
    CategoryRead,
    CategoryUpdate,
    MemoryCategory,
    MemoryCategoryCreate,
    MemoryCategoryRead,
    MemoryCategoryUpdate,
)
from sqlmodel_store.models.fact import Fact, FactCreate, FactRead, FactUpdate
from sqlmodel_store.models.fsm import FsmRecord
from sqlmodel_store.models.imports import (
    ImportCheckpoint,
    ImportDeferredConstraint,
    ImportKey,
    ImportReject,
    ImportSource,
)
from sqlmodel_store.models.joke import Joke, JokeCreate, JokeRead, JokeUpdate
from sqlmodel_store.models.lesson import Lesson, LessonCreate, LessonRead, LessonUpdate
from sqlmodel_store.models.memory import Memory, MemoryCreate, MemoryRead, MemoryUpdate
from sqlmodel_store.models.memory_link import (
    MemoryLink,
    MemoryLinkCreate,
    MemoryLinkRead,
    MemoryLinkUpdate,
)
from sqlmodel_store.models.message import Message, MessageCreate, MessageRead, MessageUpdate
from sqlmodel_store.models.stat import Stat, StatCreate, StatRead, StatUpdate
from sqlmodel_store.models.user import User, UserCreate, UserRead, UserUpdate

# The metadata the migrations target; every table above is registered on it.
metadata = SQLModel.metadata

__all__ = [
    "DOMAINS",
    "NAMING_CONVENTION",
    "Category",
    "CategoryCreate",
    "CategoryDomain",
    "CategoryRead",
    "CategoryUpdate",
    "Fact",
    "FactCreate",
    "FactRead",
    "FactUpdate",
    "FsmRecord",
    "ImportCheckpoint",
    "ImportDeferredConstraint",
    "ImportKey",
    "ImportReject",
    "ImportSource",
    "Joke",
    "JokeCreate",
    "JokeRead",
    "JokeUpdate",
    "Lesson",
    "LessonCreate",
    "LessonRead",
    "LessonUpdate",
    "Memory",
    "MemoryCategory",
    "MemoryCategoryCreate",
    "MemoryCategoryRead",
    "MemoryCategoryUpdate",
    "MemoryCreate",
    "MemoryLink",
    "MemoryLinkCreate",
    "MemoryLinkRead",
    "MemoryLinkUpdate",
    "MemoryRead",
    "MemoryUpdate",
    "Message",
    "MessageCreate",
    "MessageRead",
    "MessageUpdate",
    "Stat",
    "StatCreate",
    "StatRead",
    "StatUpdate",
    "StoreSchema",
    "User",
    "UserCreate",
    "UserRead",
    "UserUpdate",
    "metadata",
    "schema_registry",
]
