"""aiogram 3 glue: a unit of work per update, and an FSM storage in the same database.

    dp = Dispatcher(storage=StoreStorage(store))
    dp.update.outer_middleware(StoreMiddleware(store))

    @router.message(Form.name)
    async def on_name(message: Message, uow: SqlUnitOfWork, state: FSMContext) -> None:
        await uow.users.upsert(UserCreate(telegram_id=message.from_user.id))
        await state.set_state(Form.age)   # same transaction as the upsert

Inside an update the storage runs on the update's own unit of work: the handler's writes and
its FSM changes commit together or not at all, and on SQLite (one writer at a time) the
storage never waits for a lock its own update holds. Outside one (aiogram reads the state
before the middleware opens the unit) each call is a short transaction of its own.
Requires the `aiogram` extra.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.types import TelegramObject
from sqlalchemy import Table, delete, func, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.models.fsm import NO_BUSINESS_CONNECTION, NO_THREAD, FsmRecord
from sqlmodel_store.store import Store
from sqlmodel_store.uow import SqlUnitOfWork

__all__ = ["StoreMiddleware", "StoreStorage"]

_TABLE: Table = FsmRecord.__table__  # type: ignore[attr-defined]
# The update being handled in this task: its store and unit of work.
_current: ContextVar[tuple[Store, SqlUnitOfWork] | None] = ContextVar(
    "sqlmodel_store_aiogram_uow", default=None
)


class StoreMiddleware(BaseMiddleware):
    """Opens one unit of work per update and hands it to handlers as `uow`.

    The unit commits when the handler returns and rolls back when it raises; the session is
    closed either way, so no update can leave a connection checked out. Register it as an
    outer middleware on `dp.update` so that every router and filter sees the same unit.
    """

    def __init__(self, store: Store, *, name: str = "uow") -> None:
        self._store = store
        self._name = name

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self._store.unit_of_work() as uow:
            data[self._name] = uow
            token = _current.set((self._store, uow))
            try:
                result = await handler(event, data)
            finally:
                _current.reset(token)
            await uow.commit()
            return result


def _state_name(state: StateType) -> str | None:
    if isinstance(state, State):
        return state.state
    return None if state is None else str(state)


def _key_values(key: StorageKey) -> dict[str, Any]:
    return {
        "bot_id": key.bot_id,
        "chat_id": key.chat_id,
        "user_id": key.user_id,
        "thread_id": NO_THREAD if key.thread_id is None else key.thread_id,
        "business_connection_id": key.business_connection_id or NO_BUSINESS_CONNECTION,
        "destiny": key.destiny,
    }


def _matches(key: StorageKey) -> list[ColumnElement[bool]]:
    return [_TABLE.c[name] == value for name, value in _key_values(key).items()]


class StoreStorage(BaseStorage):
    """aiogram's FSM storage on the store's database (table `fsm_records`).

    Every part of aiogram's `StorageKey` is part of the row's key, so state is kept apart per
    bot, chat, user, thread, business connection and destiny. Data must be JSON-serialisable.
    A key whose state and data are both cleared leaves no row behind.
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def _update_uow(self) -> SqlUnitOfWork | None:
        """The unit of work of the update being handled, if it is open and on this store."""
        current = _current.get()
        if current is None or current[0] is not self._store:
            return None
        try:
            current[1].session  # noqa: B018  (raises once the unit has closed)
        except RuntimeError:
            return None
        return current[1]

    def _connection(self) -> AbstractAsyncContextManager[AsyncConnection]:
        uow = self._update_uow()
        return _own(self._store) if uow is None else _shared(uow)

    async def _read(
        self, key: StorageKey, *, lock: bool = False
    ) -> tuple[str | None, dict[str, Any]]:
        statement = select(_TABLE.c.state, _TABLE.c.data).where(*_matches(key))
        if lock:
            statement = statement.with_for_update()
        async with self._connection() as connection:
            row = (await connection.execute(statement)).first()
        if row is None:
            return None, {}
        return row.state, dict(row.data or {})

    async def _write(self, key: StorageKey, **values: Any) -> None:
        """Upsert the given columns of the key's row, then drop the row if it holds nothing."""
        row = {**_key_values(key), **values, "updated_at": func.now()}
        statement = self._insert().values(row)
        statement = statement.on_conflict_do_update(
            index_elements=list(_key_values(key)),
            set_={name: statement.excluded[name] for name in (*values, "updated_at")},
        )
        empty = delete(_TABLE).where(
            *_matches(key), _TABLE.c.state.is_(None), _TABLE.c.data.is_(None)
        )
        async with self._connection() as connection:
            await connection.execute(statement)
            await connection.execute(empty)

    def _insert(self) -> Any:
        return pg_insert(_TABLE) if self._store.dialect == "postgresql" else sqlite_insert(_TABLE)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(key, state=_state_name(state))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(
                f"Data must be a dict or dict-like object, got {type(data).__name__}"
            )
        # SQL NULL, not the JSON document `null`, so that an emptied key can be removed.
        await self._write(key, data=dict(data) or null())

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(key)
        return data

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge `data` into the key's data in one transaction, so no concurrent merge is lost."""
        async with self._transaction():
            # The row exists and is locked before it is read: two merges of the same key
            # run one after the other (SQLite's writer lock does the same).
            async with self._connection() as connection:
                await connection.execute(
                    self._insert().values(_key_values(key)).on_conflict_do_nothing()
                )
            _, merged = await self._read(key, lock=True)
            merged.update(data)
            await self.set_data(key, merged)
        return dict(merged)

    @asynccontextmanager
    async def _transaction(self) -> Any:
        """Run the calls inside on one unit of work: the update's, or one opened for them."""
        if self._update_uow() is not None:
            yield
            return
        async with self._store.unit_of_work() as uow:
            token = _current.set((self._store, uow))
            try:
                yield
            finally:
                _current.reset(token)
            await uow.commit()

    async def close(self) -> None:
        """Nothing to release: the store's owner disposes of its engine."""


@asynccontextmanager
async def _shared(uow: SqlUnitOfWork) -> Any:
    async with database_errors():
        yield await uow.session.connection()


@asynccontextmanager
async def _own(store: Store) -> Any:
    async with database_errors(), store.engine.begin() as connection:
        yield connection
