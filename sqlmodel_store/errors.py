"""The package's own exceptions: what went wrong, in words a caller can act on."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error this package raises on purpose."""


class NotFoundError(StoreError):
    """The row to read, update or delete does not exist."""


class DuplicateKeyError(StoreError):
    """A row with the same unique key already exists."""


class ForeignKeyError(StoreError):
    """A reference points at a row that does not exist, or a row is still referenced."""


class ConstraintError(StoreError):
    """A value breaks a check or not-null constraint of the schema."""


class PoolTimeoutError(StoreError):
    """No database connection became free within the configured pool timeout."""


class DatabaseUnavailableError(StoreError):
    """The database cannot be reached or refused the connection."""


class SchemaNotAtHeadError(StoreError):
    """The database schema is not at the migrations' head revision."""


class ReadOnlyError(StoreError):
    """A write was attempted through a read-only unit of work, or on a read-only server."""
