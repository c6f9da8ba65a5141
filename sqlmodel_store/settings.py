"""Configuration from the environment; the database password never leaves this object."""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from sqlmodel_store.hosts import prefer_writable, translate_host_list

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./store.db"

_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def normalize_database_url(raw: str) -> URL:
    """Parse a URL and pick the async driver: `postgres://` and `postgresql://` → asyncpg.

    Raises:
        ValueError: the URL cannot be parsed or names a database this package does not support.
            The message never contains the password.
    """
    try:
        url = make_url(translate_host_list(raw.strip()))
    except ArgumentError:
        raise ValueError(
            "DATABASE_URL is not a database URL; expected e.g. "
            "postgresql://user:password@host:5432/dbname or sqlite+aiosqlite:///./store.db"
        ) from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(
            f"DATABASE_URL uses {url.drivername!r}, which is not supported; "
            "use postgresql://… (asyncpg) or sqlite+aiosqlite:///…"
        )
    return url.set(drivername=driver)


_PASSWORD_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)


def mask_passwords(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***."""
    return _PASSWORD_IN_URL.sub(r"\g<scheme>***@", text)


def invalid_settings(error: ValidationError) -> str:
    """One line naming each invalid setting and why, without the values: a URL holds a
    password."""
    reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    return f"invalid settings: {reasons}"


def settings_error(error: ValidationError, option: str | None = None) -> str:
    """Each invalid setting as the user gave it, without pydantic's prefixes or the value:
    `option` (such as "--database-url") names the database URL when it came from the command
    line, otherwise the environment variable is named."""
    reasons = []
    for problem in error.errors():
        field = ".".join(map(str, problem["loc"]))
        cause = problem.get("ctx", {}).get("error")
        name = option if option and field == "database_url" else field.upper()
        if cause is None:
            reasons.append(f"{name}: {problem['msg']}")
        else:
            # The validators' own messages begin with the variable's name.
            reasons.append(f"{name} {str(cause).removeprefix('DATABASE_URL ')}")
    return "; ".join(reasons)


def redact(url: URL | str) -> str:
    """The URL as text with the password masked, safe for logs and messages."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)


class StoreSettings(BaseSettings):
    """Database settings, read from environment variables of the same names in upper case.

    Attributes:
        database_url: `DATABASE_URL`; `postgres://` and `postgresql://` use asyncpg. Without
            it the store is the embedded SQLite file `./store.db`.
        database_pool_size: `DATABASE_POOL_SIZE`, connections kept open (PostgreSQL).
        database_max_overflow: `DATABASE_MAX_OVERFLOW`, extra connections under load.
        database_pool_timeout: `DATABASE_POOL_TIMEOUT`, seconds to wait for a free connection.
        database_pool_recycle: `DATABASE_POOL_RECYCLE`, seconds before a connection is renewed.
        database_pool_pre_ping: `DATABASE_POOL_PRE_PING`, test a connection before using it.
        database_echo: `DATABASE_ECHO`, log every SQL statement.
        database_pgbouncer: `DATABASE_PGBOUNCER`, set behind pgbouncer in transaction mode.
        database_read_urls: `DATABASE_READ_URLS`, a JSON list of streaming replicas that
            read-only units of work use; empty: reads go to the primary.
        database_read_wait_ms: `DATABASE_READ_WAIT_MS`, how long a read given a commit
            token waits for a replica to replay it before it reads from the primary.
        database_replica_retry_s: `DATABASE_REPLICA_RETRY_S`, seconds a replica that failed
            is left alone before it is tried again.
        database_max_replica_lag_s: `DATABASE_MAX_REPLICA_LAG_S`, replay lag past which a
            replica is skipped (and health reports "degraded").
        database_slow_statement_ms: `DATABASE_SLOW_STATEMENT_MS`, a statement that runs longer
            is logged at WARNING (its text, never its parameters).
    """

    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    database_pool_timeout: float = Field(default=30.0, gt=0)
    database_pool_recycle: int = Field(default=3600, ge=-1)
    database_pool_pre_ping: bool = True
    database_echo: bool = False
    database_pgbouncer: bool = False
    database_read_urls: list[str] = Field(default_factory=list, repr=False)
    database_read_wait_ms: int = Field(default=200, ge=0)
    database_replica_retry_s: float = Field(default=5.0, gt=0)
    database_max_replica_lag_s: float = Field(default=30.0, gt=0)
    database_slow_statement_ms: float = Field(default=500.0, ge=0)

    @field_validator("database_url")
    @classmethod
    def _normalized(cls, value: str) -> str:
        url = prefer_writable(normalize_database_url(value))
        return url.render_as_string(hide_password=False)

    @field_validator("database_read_urls")
    @classmethod
    def _replicas_normalized(cls, values: list[str]) -> list[str]:
        urls = [normalize_database_url(value) for value in values]
        if any(url.get_backend_name() != "postgresql" for url in urls):
            raise ValueError("DATABASE_READ_URLS lists PostgreSQL streaming replicas only")
        return [url.render_as_string(hide_password=False) for url in urls]

    @model_validator(mode="after")
    def _replicas_of_postgres(self) -> Self:
        if self.database_read_urls and self.is_sqlite:
            raise ValueError("DATABASE_READ_URLS needs a PostgreSQL DATABASE_URL, not SQLite")
        return self

    @property
    def url(self) -> URL:
        """The normalised URL (with the password, for the engine only)."""
        return make_url(self.database_url)

    @property
    def safe_url(self) -> str:
        """The URL with the password masked."""
        return redact(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def __repr_args__(self) -> Any:
        yield "database_url", self.safe_url
        yield "database_read_urls", [redact(url) for url in self.database_read_urls]
        yield from super().__repr_args__()
