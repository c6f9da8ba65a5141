"""Users, found and merged by their Telegram id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.models import User, UserCreate, UserUpdate
from sqlmodel_store.models.base import utcnow
from sqlmodel_store.repositories.base import Repository


class UserRepository(Repository[User, UserCreate, UserUpdate]):
    table = User
    create_schema = UserCreate
    update_schema = UserUpdate

    async def get_by_telegram_id(self, telegram_id: int) -> User | None:
        """The user with this Telegram id, or None."""
        async with database_errors():
            result = await self._session.exec(select(User).where(User.telegram_id == telegram_id))
            return result.first()

    async def upsert(self, data: UserCreate | Mapping[str, Any]) -> User:
        """Insert the user, or update the existing row with the same `telegram_id`.

        Only the fields given in `data` overwrite an existing row (and `updated_at`);
        `created_at` keeps the first sighting. One atomic statement: safe under concurrency.
        """
        user = self._validated(data)
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        values = insert(User).values(**user.model_dump())
        given = self._given(data).keys() - {"telegram_id", "created_at"}
        changes: dict[str, Any] = {name: values.excluded[name] for name in given}
        changes["updated_at"] = utcnow()
        statement = values.on_conflict_do_update(
            index_elements=["telegram_id"], set_=changes
        ).returning(User)
        async with database_errors():
            result = await self._session.exec(
                statement, execution_options={"populate_existing": True}
            )
            row: User = result.scalars().one()
        return row
