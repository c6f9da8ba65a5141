"""Turn driver and pool errors into the package's own exceptions, with words to act on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import exc as sa_exc

from sqlmodel_store.errors import (
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


def _driver_error(error: sa_exc.DBAPIError) -> Any:
    """The driver's own exception (asyncpg's carries sqlstate, constraint and detail)."""
    orig = error.orig
    return getattr(orig, "__cause__", None) or orig


def translate_integrity_error(error: sa_exc.IntegrityError) -> StoreError:
    """Classify a constraint violation the same way on PostgreSQL and SQLite."""
    driver = _driver_error(error)
    kind: type[StoreError] = ConstraintError
    sqlstate = getattr(driver, "sqlstate", None) or getattr(error.orig, "sqlstate", None)
    if sqlstate in _PG_STATES:
        kind = _PG_STATES[sqlstate]
    else:
        name = getattr(error.orig, "sqlite_errorname", None)
        kind = _SQLITE_NAMES.get(str(name), kind)
    constraint = getattr(driver, "constraint_name", None)
    detail = getattr(driver, "detail", None) or str(error.orig).strip()
    where = f" ({constraint})" if constraint else ""
    return kind(f"{_WHAT.get(kind, 'constraint violated')}{where}: {detail}")


def translate(error: BaseException) -> StoreError | None:
    """The package exception for a database error, or None when it is not one we name."""
    if isinstance(error, sa_exc.IntegrityError):
        return translate_integrity_error(error)
    if isinstance(error, sa_exc.TimeoutError):
        return PoolTimeoutError(
            "no database connection became free within DATABASE_POOL_TIMEOUT; keep units of "
            "work short, or raise DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW"
        )
    if isinstance(error, sa_exc.OperationalError) and "database is locked" in str(error.orig):
        return PoolTimeoutError(
            "the SQLite database stayed locked by another unit of work for longer than "
            "DATABASE_POOL_TIMEOUT; keep units of work short (SQLite runs one writer at a time)"
        )
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return DatabaseUnavailableError(
            f"the database connection was lost: {error.orig}; the unit of work did not commit "
            "(unless the loss hit COMMIT itself, which may have landed)"
        )
    connecting = isinstance(error, sa_exc.DBAPIError) and error.statement is None
    if connecting or isinstance(error, sa_exc.InterfaceError | sa_exc.OperationalError | OSError):
        reason = error.orig if isinstance(error, sa_exc.DBAPIError) else error
        return DatabaseUnavailableError(
            f"the database is unreachable or refused the connection: {reason}; "
            "check DATABASE_URL and that the server is running"
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
