"""The package's own exceptions: what went wrong, in words a caller can act on."""

from __future__ import annotations

from typing import ClassVar


class StoreError(Exception):
    """Base of every error this package raises on purpose.

    Attributes:
        retryable: Whether running the same unit of work again may succeed as it is
            (`store.transaction` retries exactly these).
    """

    retryable: ClassVar[bool] = False


class NotFoundError(StoreError):
    """The row to read, update or delete does not exist."""


class DuplicateKeyError(StoreError):
    """A row with the same unique key already exists."""


class ForeignKeyError(StoreError):
    """A reference points at a row that does not exist, or a row is still referenced."""


class ConstraintError(StoreError):
    """A value breaks a check or not-null constraint of the schema."""


class ConflictError(StoreError):
    """The transaction lost a deadlock or a serialization conflict and was rolled back.

    Nothing of it was written; the same unit of work run again usually succeeds.
    """

    retryable = True


class PoolTimeoutError(StoreError):
    """No database connection became free within the configured pool timeout."""


class DatabaseUnavailableError(StoreError):
    """The database cannot be reached, refused the connection, or the connection was lost.

    Attributes:
        outcome_unknown: True only when the connection dropped while COMMIT was in flight:
            the transaction may or may not have been committed, so check before redoing it.
            False: nothing of the transaction was written.
    """

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


class SchemaNotAtHeadError(StoreError):
    """The database schema is not at the migrations' head revision."""


class ReadOnlyError(StoreError):
    """A write was attempted through a read-only unit of work, or on a read-only server."""
