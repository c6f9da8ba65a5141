"""Bookkeeping of `legacy_import`: what each legacy source has delivered so far.

These tables belong to the import tool, not to bot code, so they have no Create/Read/Update
schemas. They live in the store's schema (and its migrations) because an import's progress
must commit in the same transaction as the rows it covers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, Table, Text
from sqlmodel import Field, SQLModel

from sqlmodel_store.models.base import FALSE, created_at_field, updated_at_field
from sqlmodel_store.types import IdType


# One legacy source (a file or directory, by its absolute path) that an import has read.
class ImportSource(SQLModel, table=True):
    __tablename__ = "import_sources"
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    source_key: str = Field(
        sa_type=Text, unique=True, description="Kind and absolute path of the source."
    )
    layout: str = Field(sa_type=String(100), description="The layout the import detected.")
    created_at: datetime = created_at_field("When the source was first imported (UTC).")


# How far one part of a source (a legacy table or file) has been imported.
class ImportCheckpoint(SQLModel, table=True):
    __tablename__ = "import_checkpoints"
    source_id: int = Field(
        sa_type=IdType, foreign_key="import_sources.id", primary_key=True, description="Source."
    )
    part: str = Field(
        sa_type=String(255), primary_key=True, description="Legacy table or file name."
    )
    target_table: str = Field(sa_type=String(100), description="The store table it feeds.")
    position: int = Field(
        sa_type=BigInteger, description="Last committed position: rowid, or record number."
    )
    finished: bool = Field(
        default=False, sa_type=Boolean, sa_column_kwargs=FALSE, description="Read to the end."
    )
    rows_read: int = Field(default=0, sa_type=BigInteger, description="Records read so far.")
    inserted: int = Field(default=0, sa_type=BigInteger, description="Rows inserted so far.")
    existing: int = Field(
        default=0, sa_type=BigInteger, description="Records whose row was already there."
    )
    rejected: int = Field(default=0, sa_type=BigInteger, description="Records rejected so far.")
    updated_at: datetime = updated_at_field()


# Which store row a legacy id became, so references between legacy rows can be remapped.
class ImportKey(SQLModel, table=True):
    __tablename__ = "import_keys"
    source_id: int = Field(
        sa_type=IdType, foreign_key="import_sources.id", primary_key=True, description="Source."
    )
    target_table: str = Field(
        sa_type=String(100), primary_key=True, description="The store table of the row."
    )
    legacy_id: int = Field(
        sa_type=BigInteger, primary_key=True, description="The id the legacy record had."
    )
    target_id: int = Field(sa_type=BigInteger, description="The id of the store row.")


# A record that could not be imported, with the reason; the rejects file is written from here.
class ImportReject(SQLModel, table=True):
    __tablename__ = "import_rejects"
    source_id: int = Field(
        sa_type=IdType, foreign_key="import_sources.id", primary_key=True, description="Source."
    )
    part: str = Field(
        sa_type=String(255), primary_key=True, description="Legacy table or file name."
    )
    position: int = Field(
        sa_type=BigInteger, primary_key=True, description="Rowid, or record number."
    )
    location: str = Field(sa_type=Text, description="Where a person finds the record.")
    record: str = Field(sa_type=Text, description="The record as read, as ASCII-escaped JSON.")
    reason: str = Field(sa_type=Text, description="Why it was rejected.")


# The tables themselves, typed, for the import's Core statements (SQLModel sets `__table__`
# on table classes without telling type checkers).
IMPORT_SOURCES: Table = ImportSource.__table__  # type: ignore[attr-defined]
IMPORT_CHECKPOINTS: Table = ImportCheckpoint.__table__  # type: ignore[attr-defined]
IMPORT_KEYS: Table = ImportKey.__table__  # type: ignore[attr-defined]
IMPORT_REJECTS: Table = ImportReject.__table__  # type: ignore[attr-defined]


# A constraint or index that a bulk import dropped and has not yet rebuilt: the next import
# rebuilds it first thing, so a killed bulk load never leaves a table without its constraints.
class ImportDeferredConstraint(SQLModel, table=True):
    __tablename__ = "import_deferred_constraints"
    table_name: str = Field(
        sa_type=String(100), primary_key=True, description="The store table it belongs to."
    )
    name: str = Field(sa_type=String(255), primary_key=True, description="Its name.")
    kind: str = Field(sa_type=String(20), description="constraint or index.")
    definition: str = Field(sa_type=Text, description="The SQL that creates it again.")
    created_at: datetime = created_at_field("When the import dropped it (UTC).")


IMPORT_DEFERRED: Table = ImportDeferredConstraint.__table__  # type: ignore[attr-defined]
