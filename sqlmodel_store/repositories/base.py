"""The typed repository every table shares: validated writes, keyset pages, clear errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Generic

from sqlalchemy import Table, insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typing_extensions import TypeVar

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.deferred_begin import PLAIN_READ
from sqlmodel_store.errors import NotFoundError
from sqlmodel_store.repositories.unnest import BATCH_ROWS, as_columns, fits, unnest_insert
from sqlmodel_store.repositories.writes import held, insert_returning, write

TableT = TypeVar("TableT", bound=SQLModel)
CreateT = TypeVar("CreateT", bound=SQLModel)
UpdateT = TypeVar("UpdateT", bound=SQLModel)
# The primary key's type: the bot schema's are integers, another schema may use UUIDs.
KeyT = TypeVar("KeyT", default=int)


class Repository(Generic[TableT, CreateT, UpdateT, KeyT]):
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
        # A Core INSERT … RETURNING costs half the CPU of an ORM flush; the row then joins
        # the session as a flush would leave it.
        values = self._validated(data).model_dump()
        statement = insert_returning(self.table.__table__, frozenset(values))
        (filled,) = await write(self._session, statement, values)
        stored: TableT = held(self._session, self.table, values | filled._asdict())
        return stored

    async def add_many(self, items: Iterable[CreateT | Mapping[str, Any]]) -> list[KeyT]:
        """Insert many rows in batched statements and return their new ids, in input order.

        A Core insert in the unit's transaction: building an ORM object per row would halve
        the throughput. On PostgreSQL the rows go as one array per column (`unnest`). Read
        rows back with `get` or `page` when needed.
        """
        rows = self._fields_of(items)
        if not rows:
            return []
        table = self.table.__table__
        names = tuple(rows[0])
        if (
            self._dialect == "postgresql"
            and fits(table, frozenset(names))
            and all(row.keys() == rows[0].keys() for row in rows)
        ):
            return await self._add_as_arrays(table, names, rows)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row.id for row in await write(self._session, statement, rows)]

    def _fields_of(self, items: Iterable[CreateT | Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Each item's validated fields as they are (model_dump() would rebuild every value).

        A mapping is validated into one scratch instance reused for every row: a new schema
        instance per row (model_validate) cost as much again as the validation itself. A
        Create instance was validated when it was built, and its own fields go as they are,
        without a copy: the rows are only read.
        """
        scratch = self.create_schema.model_construct()
        validate = self.create_schema.__pydantic_validator__.validate_python
        rows: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, self.create_schema):
                rows.append(vars(item))
            else:
                rows.append(dict(vars(validate(item, self_instance=scratch))))
        return rows

    async def _add_as_arrays(
        self, table: Table, names: tuple[str, ...], rows: list[dict[str, Any]]
    ) -> list[KeyT]:
        statement = unnest_insert(table, names)
        ids: list[KeyT] = []
        for first in range(0, len(rows), BATCH_ROWS):
            batch = as_columns(names, rows[first : first + BATCH_ROWS])
            (stored,) = await write(self._session, statement, batch)
            ids.extend(stored.ids)
        return ids

    async def get(self, id: KeyT) -> TableT | None:
        """The row with this id, or None."""
        async with database_errors():
            row: TableT | None = await self._session.get(
                self.table, id, execution_options={PLAIN_READ: True}
            )
        return row

    async def _get_or_raise(self, id: KeyT) -> TableT:
        row = await self.get(id)
        if row is None:
            raise NotFoundError(f"{self.table.__tablename__}: no row with id {id}")
        return row

    async def page(self, *, after_id: KeyT | None = None, limit: int = 100) -> list[TableT]:
        """Up to `limit` rows in id order, starting after `after_id` (keyset pagination)."""
        statement = (
            select(self.table)
            .order_by(col(self.table.id))
            .limit(limit)
            .execution_options(**{PLAIN_READ: True})
        )
        if after_id is not None:
            statement = statement.where(col(self.table.id) > after_id)
        async with database_errors():
            return list((await self._session.exec(statement)).all())

    async def update(self, id: KeyT, data: UpdateT | Mapping[str, Any]) -> TableT:
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

    async def delete(self, id: KeyT) -> None:
        """Delete the row.

        Raises:
            NotFoundError: no row has this id.
            ForeignKeyError: other rows still reference it.
        """
        row = await self._get_or_raise(id)
        await self._session.delete(row)
        async with database_errors():
            await self._session.flush()
