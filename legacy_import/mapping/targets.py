"""What the loader needs to know about each store table, read once from the models' metadata."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint

from legacy_import.mapping.conversions import Conversion
from sqlmodel_store import models
from sqlmodel_store.types import JSONDocument, PortableList, UTCDateTime

SCHEMAS: dict[str, type[models.StoreSchema]] = {
    "users": models.UserCreate,
    "messages": models.MessageCreate,
    "facts": models.FactCreate,
    "stats": models.StatCreate,
    "jokes": models.JokeCreate,
    "memories": models.MemoryCreate,
    "categories": models.CategoryCreate,
    "memory_categories": models.MemoryCategoryCreate,
    "memory_links": models.MemoryLinkCreate,
    "lessons": models.LessonCreate,
}


@dataclass(frozen=True, slots=True)
class Target:
    """A store table as the importer sees it.

    `natural_key` is how a record is recognised as already present; tables without one, or
    that other tables refer to, keep a legacy-id → store-id map instead (`mapped`).
    """

    name: str
    table: Table
    schema: type[models.StoreSchema]
    columns: tuple[str, ...]
    has_id: bool
    references: dict[str, str]
    natural_key: tuple[str, ...]
    mapped: bool
    conversions: dict[str, Conversion]


def _natural_key(table: Table) -> tuple[str, ...]:
    for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
        if isinstance(constraint, UniqueConstraint):
            return tuple(column.name for column in constraint.columns)
    primary = table.primary_key
    if isinstance(primary, PrimaryKeyConstraint) and "id" not in primary.columns:
        return tuple(column.name for column in primary.columns)
    return ()


def _conversion(table: Table, column: str) -> Conversion:
    kind = table.c[column].type
    if isinstance(kind, PortableList | JSONDocument):
        return "json"
    if isinstance(kind, UTCDateTime):
        return "timestamp"
    return "as_is"


@cache
def targets() -> dict[str, Target]:
    """Every importable table, in an order where referenced tables come first."""
    referenced = {
        fk.column.table.name
        for table in models.metadata.tables.values()
        for fk in table.foreign_keys
    }
    found: dict[str, Target] = {}
    for table in models.metadata.sorted_tables:
        if table.name not in SCHEMAS:
            continue
        has_id = "id" in table.c
        natural = _natural_key(table)
        columns = tuple(column.name for column in table.columns if column.name != "id")
        found[table.name] = Target(
            name=table.name,
            table=table,
            schema=SCHEMAS[table.name],
            columns=columns,
            has_id=has_id,
            # In column order (foreign_keys is a set): a record with two missing parents is
            # rejected naming the same one on every run.
            references={
                column.name: fk.column.table.name
                for column in table.columns
                for fk in column.foreign_keys
            },
            natural_key=natural,
            mapped=has_id and (table.name in referenced or not natural),
            conversions={column: _conversion(table, column) for column in columns},
        )
    return found
