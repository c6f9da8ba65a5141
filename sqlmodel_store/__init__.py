"""sqlmodel-store: typed, async storage for Telegram-bot data on PostgreSQL and SQLite."""

from sqlmodel_store.errors import (
    ConstraintError,
    DatabaseUnavailableError,
    DuplicateKeyError,
    ForeignKeyError,
    NotFoundError,
    PoolTimeoutError,
    SchemaNotAtHeadError,
    StoreError,
)
from sqlmodel_store.health import HealthReport, PoolStats
from sqlmodel_store.settings import StoreSettings
from sqlmodel_store.store import Store
from sqlmodel_store.uow import BaseUnitOfWork, SqlUnitOfWork, UnitOfWork

__all__ = [
    "BaseUnitOfWork",
    "ConstraintError",
    "DatabaseUnavailableError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "HealthReport",
    "NotFoundError",
    "PoolStats",
    "PoolTimeoutError",
    "SchemaNotAtHeadError",
    "SqlUnitOfWork",
    "Store",
    "StoreError",
    "StoreSettings",
    "UnitOfWork",
]
