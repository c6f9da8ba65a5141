"""Lessons admins give the bot."""

from __future__ import annotations

from sqlmodel import col, select

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.models import Lesson, LessonCreate, LessonUpdate
from sqlmodel_store.repositories.base import Repository


class LessonRepository(Repository[Lesson, LessonCreate, LessonUpdate]):
    table = Lesson
    create_schema = LessonCreate
    update_schema = LessonUpdate

    async def active(self) -> list[Lesson]:
        """The active lessons in their `order` (ties by id)."""
        statement = (
            select(Lesson)
            .where(col(Lesson.is_active).is_(True))
            .order_by(col(Lesson.order), col(Lesson.id))
        )
        async with database_errors():
            return list((await self._session.exec(statement)).all())
