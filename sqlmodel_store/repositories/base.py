"""The typed repository every table shares: validated writes, keyset pages, clear errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Insert, Row, Table, insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.errors import NotFoundError

TableT = TypeVar("TableT", bound=SQLModel)
CreateT = TypeVar("CreateT", bound=SQLModel)
UpdateT = TypeVar("UpdateT", bound=SQLModel)


@lru_cache(maxsize=256)
def _insert_returning(table: Table, given: frozenset[str]) -> Insert:
    """INSERT of the `given` columns, returning the ones the database fills in (the id,
    defaults): one statement object per column set, so SQLAlchemy finds it compiled."""
    return insert(table).returning(*(column for column in table.c if column.key not in given))


def _write_as_a_flush(session: Session, statement: Insert, params: Any) -> list[Row[Any]]:
    """Run a write as the ORM runs a flush, in a subtransaction of the unit's: when the
    database refuses it, the unit is rolled back and every later use (commit too) says to
    start a new one. A bare statement would leave PostgreSQL's transaction aborted, so that
    COMMIT silently rolls back the writes before it, and SQLite's half-written."""
    transaction = session._autobegin_t()._begin()
    try:
        rows = list(session.execute(statement, params))
        transaction.commit()
    except BaseException:
        transaction.rollback(_capture_exception=True)
        raise
    return rows


class Repository(Generic[TableT, CreateT, UpdateT]):
    """Reads and writes one table inside the unit of work's transaction; never commits."""

    table: ClassVar[type[Any]]
    create_schema: ClassVar[type[Any]]
    update_schema: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    @staticmethod
    def _given(data: SQLModel | Mapping[str, Any]) -> dict[str, Any]:
        """Only the fields the caller set (SQLModel's model_validate of an instance sets all)."""
        if isinstance(data, SQLModel):
            return data.model_dump(exclude_unset=True)
        return dict(data)

    def _validated(self, data: CreateT | Mapping[str, Any]) -> CreateT:
        # A Create instance was validated when it was built (SQLModel's model_validate would
        # validate it all over again, doubling the cost of add_many); a mapping is validated
        # here. model_construct() is pydantic's explicit way to skip validation: it is trusted.
        validated: CreateT = (
            data
            if isinstance(data, self.create_schema)
            else self.create_schema.model_validate(data)
        )
        return validated

    async def add(self, data: CreateT | Mapping[str, Any]) -> TableT:
        """Insert one row and return it with its id.

        Raises:
            pydantic.ValidationError: the data breaks the schema; nothing was sent.
            DuplicateKeyError, ForeignKeyError, ConstraintError: the database refused it.
        """
        # A Core INSERT … RETURNING through the session (its read-only guard sees it) costs
        # half the CPU of an ORM flush; the row then joins the session as a flush would leave it.
        values = self._validated(data).model_dump()
        statement = _insert_returning(self.table.__table__, frozenset(values))
        (filled,) = await self._write(statement, values)
        return self._held(values | filled._asdict())

    async def _write(self, statement: Insert, params: Any) -> list[Row[Any]]:
        """The rows a write returns; a refused write fails the unit, as a failed flush does."""
        async with database_errors():
            return await self._session.run_sync(_write_as_a_flush, statement, params)

    def _held(self, stored: Mapping[str, Any]) -> TableT:
        """The session's instance of this stored row: the one it holds, refreshed (as
        `populate_existing` would), or a new one it holds from now on (as after a flush)."""
        held: TableT | None = self._session.identity_map.get(identity_key(self.table, stored["id"]))
        if held is not None:
            for name, value in stored.items():
                set_committed_value(held, name, value)
            return held
        # Already validated: the table model is built without a second validation.
        row: TableT = self.table(**stored)
        make_transient_to_detached(row)
        self._session.add(row)
        return row

    async def add_many(self, items: Iterable[CreateT | Mapping[str, Any]]) -> list[int]:
        """Insert many rows in batched statements and return their new ids, in input order.

        A Core `INSERT … RETURNING id` in the unit's transaction: building an ORM object per
        row would halve the throughput. Read rows back with `get` or `page` when needed.
        """
        # The validated fields as they are: model_dump() would rebuild each value for nothing
        # (a third of the CPU spent per row outside the database); the rows go straight out.
        rows = [dict(vars(self._validated(item))) for item in items]
        if not rows:
            return []
        table = self.table.__table__
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row.id for row in await self._write(statement, rows)]

    async def get(self, id: int) -> TableT | None:
        """The row with this id, or None."""
        async with database_errors():
            row: TableT | None = await self._session.get(self.table, id)
        return row

    async def _get_or_raise(self, id: int) -> TableT:
        row = await self.get(id)
        if row is None:
            raise NotFoundError(f"{self.table.__tablename__}: no row with id {id}")
        return row

    async def page(self, *, after_id: int | None = None, limit: int = 100) -> list[TableT]:
        """Up to `limit` rows in id order, starting after `after_id` (keyset pagination)."""
        statement = select(self.table).order_by(col(self.table.id)).limit(limit)
        if after_id is not None:
            statement = statement.where(col(self.table.id) > after_id)
        async with database_errors():
            return list((await self._session.exec(statement)).all())

    async def update(self, id: int, data: UpdateT | Mapping[str, Any]) -> TableT:
        """Change only the fields set in `data` (PATCH semantics).

        Raises:
            NotFoundError: no row has this id.
        """
        given = self._given(data)
        changes = self.update_schema.model_validate(given).model_dump(exclude_unset=True)
        row = await self._get_or_raise(id)
        row.sqlmodel_update(changes)
        self._session.add(row)
        async with database_errors():
            await self._session.flush()
        return row

    async def delete(self, id: int) -> None:
        """Delete the row.

        Raises:
            NotFoundError: no row has this id.
            ForeignKeyError: other rows still reference it.
        """
        row = await self._get_or_raise(id)
        await self._session.delete(row)
        async with database_errors():
            await self._session.flush()
