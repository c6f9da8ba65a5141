"""The target database as the user named it, and its first contact.

Nothing here creates a file before a command is about to write: a SQLite store that does not
exist is created only by `run` (its directory must exist), while `verify`, `export` and a dry
run refuse it or use a scratch copy. Every failure to reach the database becomes one line
that names the SQLite path or `host:port` and says what to check.
"""

from __future__ import annotations

import fcntl
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from asyncpg.exceptions import PostgresError
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect

from legacy_import.errors import TargetError
from sqlmodel_store import Store, StoreError, StoreSettings, migrations

CHECK = "check --database-url (or DATABASE_URL)"


def sqlite_file(settings: StoreSettings) -> Path | None:
    """The SQLite store's file, or None for PostgreSQL and an in-memory SQLite database."""
    url = settings.url
    if not settings.is_sqlite or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def where(settings: StoreSettings) -> str:
    """The database as a user recognises it: the SQLite path, or host:port/name."""
    path = sqlite_file(settings)
    if path is not None:
        return str(path)
    url = settings.url
    if settings.is_sqlite:
        return "an in-memory SQLite database"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def exists(settings: StoreSettings) -> bool:
    """Whether there is a store to read: a SQLite file is there (a server is assumed)."""
    path = sqlite_file(settings)
    return path is None or path.is_file()


def require_existing(settings: StoreSettings) -> None:
    """Refuse a command that only reads the store when there is no store at all."""
    if not exists(settings):
        raise TargetError(
            f"there is no store at {where(settings)}: import into it first with "
            f"`python -m legacy_import run SOURCE`, or {CHECK}"
        )


def require_creatable(settings: StoreSettings) -> None:
    """Refuse, before anything is read, a SQLite store whose file cannot be made."""
    path = sqlite_file(settings)
    if path is None or path.exists():
        return
    folder = path.parent
    if not folder.is_dir():
        raise TargetError(
            f"cannot create the SQLite store {path}: the directory {folder} does not exist; "
            f"create it, or {CHECK}"
        )


@contextmanager
def only_writer(settings: StoreSettings) -> Iterator[None]:
    """Hold the SQLite store for this run alone, or refuse at once: two runs interleaving
    their batches would each count the other's rows and fight over SQLite's write lock.
    The lock is `flock` on the database file itself (SQLite's own locks are `fcntl` byte
    ranges, which it does not touch), so no lock file is left behind; it ends with the
    process, however that ends. PostgreSQL runs keep apart per source (advisory locks)."""
    path = sqlite_file(settings)
    if path is None:
        yield
        return
    with path.open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TargetError(
                f"another import is writing into the SQLite store {path}; wait for it to "
                "finish, then run this one (it adds only what that one did not)"
            ) from None
        yield


def _reason(error: BaseException) -> str:
    if isinstance(error, StoreError) and error.__cause__ is not None:
        return _reason(error.__cause__)  # the store's words wrap the driver's: name the cause
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the server running and listening there?)"
    if isinstance(error, socket.gaierror):
        return "unknown host name"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    if isinstance(error, sa_exc.DBAPIError):
        return _reason(error.orig) if error.orig is not None else str(error).splitlines()[0]
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def unreachable(settings: StoreSettings, error: BaseException) -> TargetError:
    """The one line for a database that cannot be reached or read."""
    return TargetError(f"cannot use the database at {where(settings)}: {_reason(error)}; {CHECK}")


# What connecting or a first query raises when the database is not there to be used.
CONTACT_ERRORS = (OSError, sa_exc.DBAPIError, PostgresError, StoreError)


async def schema_state(store: Store) -> tuple[str | None, bool]:
    """The store's migration revision and whether it has any table, over a first connection
    whose failure is reported as unreachable."""
    try:
        async with store.engine.connect() as conn:
            names = await conn.run_sync(lambda sync: sa_inspect(sync).get_table_names())
            revision = await conn.run_sync(migrations.revision_of)
    except CONTACT_ERRORS as error:
        raise unreachable(store.settings, error) from error
    return revision, bool(names)


async def ensure_at_head(store: Store) -> None:
    """A store that exists and is at head, or the error that says what to do."""
    require_existing(store.settings)
    revision, has_tables = await schema_state(store)
    head = migrations.head()
    if revision == head:
        return
    state = f"at revision {revision}" if revision else "without the store's schema"
    if not revision and not has_tables:
        state = "empty"
    raise TargetError(
        f"the database at {where(store.settings)} is {state}, not at head {head}; run "
        "`python -m sqlmodel_store upgrade` with the same DATABASE_URL first"
    )
