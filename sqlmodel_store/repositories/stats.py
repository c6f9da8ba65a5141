"""Stats as append-only samples: totals are sums, so no increment is ever lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, bindparam, func
from sqlmodel import col, select

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.deferred_begin import PLAIN_READ
from sqlmodel_store.models import Stat, StatCreate, StatUpdate
from sqlmodel_store.repositories.base import Repository

# Built once with bound parameters: SQLAlchemy finds them compiled instead of building and
# hashing a new statement per increment. The lock needs the transaction; the reads do not.
_LOCK = select(
    func.pg_advisory_xact_lock(
        func.hashtextextended(
            bindparam("stat_type", type_=String), bindparam("user_id", type_=BigInteger)
        )
    )
)
_TOTAL = (
    select(func.coalesce(func.sum(Stat.value), 0.0))
    .where(Stat.user_id == bindparam("user_id"), Stat.stat_type == bindparam("stat_type"))
    .execution_options(**{PLAIN_READ: True})
)
_LATEST = (
    select(Stat)
    .where(Stat.user_id == bindparam("user_id"), Stat.stat_type == bindparam("stat_type"))
    .order_by(col(Stat.timestamp).desc(), col(Stat.id).desc())
    .limit(1)
    .execution_options(**{PLAIN_READ: True})
)


class StatRepository(Repository[Stat, StatCreate, StatUpdate]):
    table = Stat
    create_schema = StatCreate
    update_schema = StatUpdate

    async def record(
        self, user_id: int, stat_type: str, value: float, extra_data: dict[str, Any] | None = None
    ) -> Stat:
        """Append one sample."""
        return await self.add(
            StatCreate(user_id=user_id, stat_type=stat_type, value=value, extra_data=extra_data)
        )

    async def increment(self, user_id: int, stat_type: str, by: float = 1.0) -> float:
        """Record a delta of `by` and return the new total.

        Each increment is its own row, so no update is ever lost. Increments of the same stat
        are also serialised until their unit ends, like a row lock on a counter, so every
        caller sees a distinct running total (SQLite already serialises writing units).
        """
        if self._dialect == "postgresql":
            async with database_errors():
                await self._session.exec(_LOCK, params={"stat_type": stat_type, "user_id": user_id})
        await self.record(user_id, stat_type, by)
        return await self.total(user_id, stat_type)

    async def total(self, user_id: int, stat_type: str) -> float:
        """The sum of every sample of this stat (0.0 when there is none)."""
        params = {"user_id": user_id, "stat_type": stat_type}
        async with database_errors():
            return float((await self._session.exec(_TOTAL, params=params)).one())

    async def latest(self, user_id: int, stat_type: str) -> Stat | None:
        """The most recent sample of this stat, or None."""
        params = {"user_id": user_id, "stat_type": stat_type}
        async with database_errors():
            return (await self._session.exec(_LATEST, params=params)).first()
