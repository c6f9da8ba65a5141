"""Writes as cheap as SQLAlchemy Core that keep the ORM's promises: a refused write fails the
unit as a failed flush does, and the returned row is the session's own instance."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Executable, Insert, Row, Table, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_store.db_errors import database_errors

RowT = TypeVar("RowT")


@lru_cache(maxsize=256)
def insert_returning(table: Table, given: frozenset[str]) -> Insert:
    """INSERT of the `given` columns, returning the ones the database fills in (the id,
    defaults): one statement object per column set, so SQLAlchemy finds it compiled."""
    return insert(table).returning(*(column for column in table.c if column.key not in given))


def _as_a_flush(session: Session, statement: Executable, params: Any) -> list[Row[Any]]:
    # The ORM's own flush runs in such a subtransaction of the session's (there is no public
    # way to open one): when the database refuses the write, the whole unit is rolled back
    # and every later use, commit too, says to start a new one. A bare statement would leave
    # PostgreSQL's transaction aborted, so that COMMIT silently dropped the unit's earlier
    # writes, and SQLite's half-written.
    transaction = session._autobegin_t()._begin()
    try:
        rows = list(session.execute(statement, params).all())
        transaction.commit()
    except BaseException:
        transaction.rollback(_capture_exception=True)
        raise
    return rows


async def write(session: AsyncSession, statement: Executable, params: Any) -> list[Row[Any]]:
    """The rows a write returns. It goes through the session, so its read-only guard and
    error translation see it, and a refused write fails the unit."""
    async with database_errors():
        return await session.run_sync(_as_a_flush, statement, params)


def held(session: AsyncSession, table: type[RowT], stored: Mapping[str, Any]) -> RowT:
    """The session's instance of this stored row: the one it holds, refreshed (as
    `populate_existing` would), or a new one it holds from now on (as after a flush)."""
    instance: RowT | None = session.identity_map.get(identity_key(table, stored["id"]))
    if instance is not None:
        for name, value in stored.items():
            set_committed_value(instance, name, value)
        return instance
    # Already validated: the table model is built without a second validation.
    row = table(**stored)
    make_transient_to_detached(row)
    session.add(row)
    # As a flush records its inserts: a rollback then turns the row back into a transient
    # object that keeps its values, instead of expiring it as if it had been there before.
    transaction = session.sync_session._transaction
    if transaction is not None:
        transaction._new[sa_inspect(row)] = True
    return row
