"""Turn driver and pool errors into the package's own exceptions, with words to act on.

Where each kind comes from: a statement refused by the server (constraint, conflict, a
trigger's exception), the connection lost (before, during or at COMMIT), the server not
reachable at all, the pool exhausted. Only the third reads "unreachable".
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import exc as sa_exc

from sqlmodel_store.errors import (
    ConflictError,
    ConstraintError,
    DatabaseUnavailableError,
    DuplicateKeyError,
    ForeignKeyError,
    PoolTimeoutError,
    StoreError,
)

_PG_STATES: dict[str, type[StoreError]] = {
    "23505": DuplicateKeyError,
    "23503": ForeignKeyError,
    "23514": ConstraintError,
    "23502": ConstraintError,
}
_SQLITE_NAMES: dict[str, type[StoreError]] = {
    "SQLITE_CONSTRAINT_UNIQUE": DuplicateKeyError,
    "SQLITE_CONSTRAINT_PRIMARYKEY": DuplicateKeyError,
    "SQLITE_CONSTRAINT_FOREIGNKEY": ForeignKeyError,
    "SQLITE_CONSTRAINT_CHECK": ConstraintError,
    "SQLITE_CONSTRAINT_NOTNULL": ConstraintError,
}
_WHAT = {
    DuplicateKeyError: "a row with the same unique key already exists",
    ForeignKeyError: "a reference points at a row that does not exist, or the row is still "
    "referenced by others",
    ConstraintError: "a value breaks a constraint of the schema",
}
_CONFLICTS = {"40P01": "deadlock detected", "40001": "serialization failure"}
# invalid_sql_statement_name ("prepared statement … does not exist"), duplicate_prepared_statement.
_PREPARED = {"26000", "42P05"}
# admin_shutdown (pg_terminate_backend, smart/fast stop), crash_shutdown, cannot_connect_now.
_SERVER_GONE = {"57P01", "57P02", "57P03"}
# Raised by asyncpg before anything is sent: the connection was already known closed.
_CLOSED_BEFORE_SEND = "connection is closed"
# asyncpg's words for a connection left unusable: closed, or stuck in an operation that a
# cancellation or a lost server interrupted ("cannot switch to state …; another operation …").
_BROKEN = (_CLOSED_BEFORE_SEND, "connection was closed", "another operation")


def _driver_error(error: sa_exc.DBAPIError) -> Any:
    """The driver's own exception (asyncpg's carries sqlstate, constraint and detail)."""
    orig = error.orig
    return getattr(orig, "__cause__", None) or orig


def _sqlstate(error: sa_exc.DBAPIError) -> str | None:
    state = getattr(_driver_error(error), "sqlstate", None) or getattr(error.orig, "sqlstate", None)
    return str(state) if state else None


def translate_integrity_error(error: sa_exc.IntegrityError) -> StoreError:
    """Classify a constraint violation the same way on PostgreSQL and SQLite."""
    driver = _driver_error(error)
    kind: type[StoreError] = ConstraintError
    sqlstate = _sqlstate(error)
    if sqlstate in _PG_STATES:
        kind = _PG_STATES[sqlstate]
    else:
        name = getattr(error.orig, "sqlite_errorname", None)
        kind = _SQLITE_NAMES.get(str(name), kind)
    constraint = getattr(driver, "constraint_name", None)
    detail = getattr(driver, "detail", None) or str(error.orig).strip()
    where = f" ({constraint})" if constraint else ""
    return kind(f"{_WHAT.get(kind, 'constraint violated')}{where}: {detail}")


def pool_timeout() -> PoolTimeoutError:
    return PoolTimeoutError(
        "no database connection became free within DATABASE_POOL_TIMEOUT; keep units of "
        "work short, or raise DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW"
    )


def unreachable(reason: object) -> DatabaseUnavailableError:
    return DatabaseUnavailableError(
        f"the database is unreachable or refused the connection: {in_words(reason)}; "
        "check DATABASE_URL and that the server is running"
    )


def in_words(reason: object) -> str:
    """An OS error in words (`Connect call failed ('127.0.0.1', 5432)`), without the
    `[Errno N]` that means nothing to a reader."""
    return _ERRNO.sub("", str(reason))


_ERRNO = re.compile(r"\[Errno -?\d+\] ")


def connection_lost(reason: object, *, committing: bool) -> DatabaseUnavailableError:
    """The connection broke under a transaction; `committing` only when COMMIT was sent."""
    if committing:
        return DatabaseUnavailableError(
            f"the connection to the database was lost while COMMIT was in flight ({reason}): "
            "the transaction may or may not have been committed (outcome_unknown); check "
            "whether its writes are there before doing them again",
            outcome_unknown=True,
        )
    return DatabaseUnavailableError(
        f"the connection to the database was lost ({reason}); the transaction was rolled "
        "back and nothing of it was written: run the unit of work again once the database "
        "answers"
    )


def is_connection_lost(error: sa_exc.DBAPIError) -> bool:
    """Whether the connection is unusable: dropped, terminated by the server, or left by
    an interrupted operation in a state it cannot leave."""
    state = _sqlstate(error) or ""
    driver = _driver_error(error)
    return (
        error.connection_invalidated
        or state.startswith("08")
        or state in _SERVER_GONE
        or isinstance(driver, OSError)
        or type(driver).__name__ == "ConnectionDoesNotExistError"
        or any(marker in str(driver) for marker in _BROKEN)
    )


def _refused(error: sa_exc.DBAPIError, *, committing: bool, connecting: bool) -> StoreError:
    """A driver error that is not a constraint violation."""
    state, driver = _sqlstate(error), _driver_error(error)
    reason = str(driver).strip() or type(driver).__name__
    if state in _CONFLICTS:
        return ConflictError(
            f"{_CONFLICTS[state]} ({reason}): the transaction was rolled back; run the unit "
            "of work again (store.transaction does)"
        )
    if state in _PREPARED or "prepared statement" in reason:
        # The driver's own hint (below its first line) names asyncpg options, not ours.
        return StoreError(
            f"{reason.splitlines()[0]}: behind a connection pooler in transaction mode "
            "(pgbouncer), a session's prepared statements meet other clients' on shared "
            "server connections; set DATABASE_PGBOUNCER=true"
        )
    if "database is locked" in reason:
        return PoolTimeoutError(
            "the SQLite database stayed locked by another unit of work for longer than "
            "DATABASE_POOL_TIMEOUT; keep units of work short (SQLite runs one writer at a time)"
        )
    if connecting:
        return unreachable(reason)
    if is_connection_lost(error):
        closed_before = _CLOSED_BEFORE_SEND in reason
        return connection_lost(reason, committing=committing and not closed_before)
    return StoreError(f"the database refused the statement: {reason}")


def translate(
    error: BaseException, *, committing: bool = False, connecting: bool = False
) -> StoreError | None:
    """The package exception for a database error, or None when it is not one we name.

    Args:
        committing: The error arose while COMMIT was sent (a lost connection then leaves
            the outcome unknown).
        connecting: The error arose while opening a connection.
    """
    if isinstance(error, StoreError):
        return error
    if isinstance(error, sa_exc.IntegrityError):
        return translate_integrity_error(error)
    if isinstance(error, sa_exc.TimeoutError):
        return pool_timeout()
    if isinstance(error, sa_exc.DBAPIError):
        return _refused(error, committing=committing, connecting=connecting)
    if isinstance(error, OSError):
        return unreachable(error) if connecting else connection_lost(error, committing=committing)
    if isinstance(error, sa_exc.PendingRollbackError):
        return StoreError(
            "an earlier statement of this unit of work failed, so its transaction was rolled "
            "back: leave the unit and start a new one (or catch errors inside uow.savepoint())"
        )
    return None


@asynccontextmanager
async def database_errors() -> AsyncIterator[None]:
    """Re-raise database errors inside the block as the package's own exceptions."""
    try:
        yield
    except (sa_exc.SQLAlchemyError, OSError) as error:
        translated = translate(error)
        if translated is None:
            raise
        raise translated from error
