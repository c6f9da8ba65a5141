"""Typed repositories, one per table; they hang off the unit of work and never commit."""

from sqlmodel_store.repositories.base import Repository
from sqlmodel_store.repositories.facts import FactRepository
from sqlmodel_store.repositories.jokes import JokeRepository
from sqlmodel_store.repositories.lessons import LessonRepository
from sqlmodel_store.repositories.memories import (
    CategoryRepository,
    MemoryLinkRepository,
    MemoryRepository,
)
from sqlmodel_store.repositories.messages import HistoryPosition, MessageRepository
from sqlmodel_store.repositories.stats import StatRepository
from sqlmodel_store.repositories.users import UserRepository

__all__ = [
    "CategoryRepository",
    "FactRepository",
    "HistoryPosition",
    "JokeRepository",
    "LessonRepository",
    "MemoryLinkRepository",
    "MemoryRepository",
    "MessageRepository",
    "Repository",
    "StatRepository",
    "UserRepository",
]
