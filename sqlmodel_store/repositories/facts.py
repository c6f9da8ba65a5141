"""Facts about users."""

from __future__ import annotations

from sqlmodel import col, select

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.models import Fact, FactCreate, FactUpdate
from sqlmodel_store.repositories.base import Repository


class FactRepository(Repository[Fact, FactCreate, FactUpdate]):
    table = Fact
    create_schema = FactCreate
    update_schema = FactUpdate

    async def for_user(self, user_id: int) -> list[Fact]:
        """Every fact about the user, oldest first."""
        statement = (
            select(Fact).where(Fact.user_id == user_id).order_by(col(Fact.created_at), col(Fact.id))
        )
        async with database_errors():
            return list((await self._session.exec(statement)).all())
