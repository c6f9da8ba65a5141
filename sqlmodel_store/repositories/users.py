"""Users, found and merged by their Telegram id."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel, select

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.deferred_begin import PLAIN_READ
from sqlmodel_store.models import User, UserCreate, UserUpdate
from sqlmodel_store.models.base import utcnow
from sqlmodel_store.repositories.base import Repository
from sqlmodel_store.repositories.writes import held, write
from sqlmodel_store.types import UTCDateTime

USERS = User.__table__  # type: ignore[attr-defined]
_BY_TELEGRAM_ID = (
    select(User)
    .where(User.telegram_id == bindparam("telegram_id"))
    .execution_options(**{PLAIN_READ: True})
)


@lru_cache(maxsize=64)
def _upsert(dialect: str, given: frozenset[str]) -> Insert:
    """The upsert overwriting `given`: one statement object per field set, so SQLAlchemy finds
    it compiled (building ON CONFLICT … excluded anew cost more than running it)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = insert(USERS)
    changes: dict[str, Any] = {name: values.excluded[name] for name in given}
    changes["updated_at"] = bindparam("merged_at", type_=UTCDateTime())
    statement = values.on_conflict_do_update(index_elements=["telegram_id"], set_=changes)
    return statement.returning(*USERS.c)


class UserRepository(Repository[User, UserCreate, UserUpdate]):
    table = User
    create_schema = UserCreate
    update_schema = UserUpdate

    async def get_by_telegram_id(self, telegram_id: int) -> User | None:
        """The user with this Telegram id, or None."""
        async with database_errors():
            params = {"telegram_id": telegram_id}
            return (await self._session.exec(_BY_TELEGRAM_ID, params=params)).first()

    async def upsert(self, data: UserCreate | Mapping[str, Any]) -> User:
        """Insert the user, or update the existing row with the same `telegram_id`.

        Only the fields given in `data` overwrite an existing row (and `updated_at`);
        `created_at` keeps the first sighting. One atomic statement: safe under concurrency.
        """
        values = self._validated(data).model_dump()
        given = data.model_fields_set if isinstance(data, SQLModel) else data.keys()
        statement = _upsert(self._dialect, frozenset(given - {"telegram_id", "created_at"}))
        (stored,) = await write(self._session, statement, values | {"merged_at": utcnow()})
        # The row the unit may already hold is refreshed, as populate_existing did.
        return held(self._session, User, stored._asdict())
