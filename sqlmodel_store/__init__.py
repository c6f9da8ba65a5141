"""sqlmodel-store: typed, async storage for Telegram-bot data on PostgreSQL and SQLite."""

from sqlmodel_store.errors import (
    ConflictError,
    ConstraintError,
    DatabaseUnavailableError,
    DuplicateKeyError,
    ForeignKeyError,
    NotFoundError,
    PoolTimeoutError,
    ReadOnlyError,
    SchemaNotAtHeadError,
    StoreError,
)
from sqlmodel_store.health import HealthReport, PoolStats, ReplicaStatus
from sqlmodel_store.settings import StoreSettings
from sqlmodel_store.store import Store
from sqlmodel_store.tokens import CommitToken
from sqlmodel_store.uow import BaseUnitOfWork, SqlUnitOfWork, UnitOfWork

__all__ = [
    "BaseUnitOfWork",
    "CommitToken",
    "ConflictError",
    "ConstraintError",
    "DatabaseUnavailableError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "HealthReport",
    "NotFoundError",
    "PoolStats",
    "PoolTimeoutError",
    "ReadOnlyError",
    "ReplicaStatus",
    "SchemaNotAtHeadError",
    "SqlUnitOfWork",
    "Store",
    "StoreError",
    "StoreSettings",
    "UnitOfWork",
]
