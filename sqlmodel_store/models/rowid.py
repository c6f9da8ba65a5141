"""SQLite's id generator, for a table whose primary key also holds the column it is split by.

SQLite numbers new rows only for a one-column INTEGER primary key (the rowid alias): a key
(id, chat_id) would leave every id to the caller. A table whose `info` names its id column
under ROWID_KEY is created on SQLite with that column alone as its key, as the migrations
create it there; every other database gets the model's own key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import PrimaryKeyConstraint
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.compiler import DDLCompiler

ROWID_KEY = "sqlite_rowid_key"


@compiles(CreateColumn, "sqlite")
def _column(create: CreateColumn, compiler: DDLCompiler, **kw: Any) -> str:
    column = create.element
    if column.table.info.get(ROWID_KEY) != column.name:
        return compiler.visit_create_column(create, **kw)  # type: ignore[no-any-return, no-untyped-call]
    kind = compiler.dialect.type_compiler_instance.process(column.type, type_expression=column)
    return f"{compiler.preparer.format_column(column)} {kind} NOT NULL"


@compiles(PrimaryKeyConstraint, "sqlite")
def _primary_key(constraint: PrimaryKeyConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    rowid = constraint.table.info.get(ROWID_KEY)
    if rowid is None:
        return compiler.visit_primary_key_constraint(constraint, **kw)
    name = compiler.preparer.format_constraint(constraint)
    return f"CONSTRAINT {name} PRIMARY KEY ({compiler.preparer.quote(rowid)})"
