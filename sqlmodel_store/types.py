"""Portable column types: one declaration in a model, the right storage on each database.

Models never branch on the dialect; these types do it once, at the column level.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

# Primary and foreign keys: BIGINT on PostgreSQL, but INTEGER on SQLite because only an
# `INTEGER PRIMARY KEY` column is the rowid alias that SQLite numbers automatically.
IdType = BigInteger().with_variant(Integer(), "sqlite")


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC that always comes back timezone-aware.

    PostgreSQL keeps `TIMESTAMP WITH TIME ZONE`; SQLite has no zone-aware type, so the value is
    stored as naive UTC text (which also sorts correctly) and the zone is restored on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class PortableList(TypeDecorator[list[Any]]):
    """A list column: a real `ARRAY` on PostgreSQL, a JSON array elsewhere."""

    impl = JSON
    cache_ok = True
    item_type: ClassVar[type[TypeEngine[Any]]]

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item_type()))
        return dialect.type_descriptor(JSON())


class TextList(PortableList):
    """A list of strings (`TEXT[]` on PostgreSQL)."""

    item_type = Text


class BigIntList(PortableList):
    """A list of 64-bit integers (`BIGINT[]` on PostgreSQL)."""

    item_type = BigInteger


class JSONDocument(TypeDecorator[Any]):
    """A JSON document: `JSONB` on PostgreSQL (indexable, compact), JSON text elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())
