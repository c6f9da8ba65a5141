"""Read-only units of work refuse writes: before they are sent, and when a server refuses them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_store.errors import ReadOnlyError


def guard_read_only(session: AsyncSession) -> None:
    """Refuse writes in `session` before they reach any server (SQLite has no read-only
    transaction; on PostgreSQL the server refuses what the guard cannot see, such as raw SQL).
    """

    def refuse(*_: Any) -> None:
        raise ReadOnlyError("this unit of work is read-only: write in store.unit_of_work()")

    def before_flush(flushing: Session, *_: Any) -> None:
        if flushing.new or flushing.dirty or flushing.deleted:
            refuse()

    def on_execute(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            refuse()

    event.listen(session.sync_session, "before_flush", before_flush)
    event.listen(session.sync_session, "do_orm_execute", on_execute)


def refuse_read_only_writes(engine: AsyncEngine) -> None:
    """Raise `ReadOnlyError` for SQLSTATE 25006 on `engine`, whatever issued the statement: a
    write in a read-only transaction, or any write on a standby (a primary URL that, after a
    failover, names a replica).
    """

    def on_error(context: ExceptionContext) -> None:
        driver = context.original_exception
        sqlstate = getattr(driver, "sqlstate", None) or getattr(driver.__cause__, "sqlstate", None)
        if sqlstate == "25006":
            raise ReadOnlyError(
                f"the server refused a write as read-only ({driver.__cause__ or driver}): write "
                "in a unit of work that is not read_only, and check DATABASE_URL names the primary"
            ) from context.sqlalchemy_exception

    event.listen(engine.sync_engine, "handle_error", on_error)
