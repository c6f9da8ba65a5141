"""Split `messages` into native PostgreSQL hash partitions by `chat_id`.

The same layout a distributed engine (Citus) gives the table, on one server: every key holds
`chat_id` (migration 0005), so each key is checked inside one partition, and a chat's history
lives in one partition. Running the store on it is how the schema proves it is ready to be
distributed; it is also a way to keep a large table's indexes small.

It is a command rather than a migration: the migrations stay one linear history every store
follows, and a store chooses this once, when it wants it. The table is rebuilt in one
transaction (rows, ids and their sequence kept), under an exclusive lock for that time.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import AddConstraint, CreateIndex, DDLElement

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.errors import StoreError
from sqlmodel_store.models import metadata

DEFAULT_PARTITIONS = 8
_NEW = "messages_by_chat"
_PARTITION = re.compile(r"messages_p[0-9]+")
_KIND = text("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('messages')")
_SEQUENCE = text("SELECT pg_get_serial_sequence('messages', 'id')")


def partition_name(remainder: int) -> str:
    """The name of the partition holding the chats whose hash leaves this remainder."""
    return f"messages_p{remainder}"


def in_models(item: object, name: str | None, kind: str, reflected: bool, model: object) -> bool:
    """Alembic's `include_object`: the partitions and their indexes belong to `messages`, not
    to tables the models forgot, so autogenerate must not offer to drop them."""
    table = name if kind == "table" else getattr(getattr(item, "table", None), "name", None)
    return not (reflected and model is None and _PARTITION.fullmatch(str(table)))


def _keys_and_indexes() -> list[DDLElement]:
    """The model's own constraints and indexes, so the names match the migrations'.

    Built from a copy of the models: AddConstraint marks its constraint as made apart from
    CREATE TABLE, which would leave the models' own table without it for `create_all`.
    """
    copy = MetaData(naming_convention=metadata.naming_convention)
    for model in metadata.sorted_tables:
        model.to_metadata(copy)
    table = copy.tables["messages"]
    elements: list[DDLElement] = [AddConstraint(table.primary_key)]
    elements += [
        AddConstraint(constraint)
        for constraint in sorted(table.constraints, key=lambda c: str(c.name))
        if constraint is not table.primary_key
    ]
    elements += [CreateIndex(index) for index in sorted(table.indexes, key=lambda i: str(i.name))]
    return elements


def _rebuild(connection: Connection, partitions: int) -> None:
    kind = connection.scalar(_KIND)
    if kind is None:
        raise StoreError("messages does not exist: run `python -m sqlmodel_store upgrade` first")
    if kind == "p":
        raise StoreError("messages is already partitioned; nothing was changed")
    sequence = connection.scalar(_SEQUENCE)
    run = connection.exec_driver_sql
    run("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
    # The sequence belongs to the old table's id: it must outlive that table.
    run(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    run(
        f"CREATE TABLE {_NEW} (LIKE messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        " PARTITION BY HASH (chat_id)"
    )
    for remainder in range(partitions):
        run(
            f"CREATE TABLE {partition_name(remainder)} PARTITION OF {_NEW}"
            f" FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
        )
    run(f"INSERT INTO {_NEW} SELECT * FROM messages")
    run("DROP TABLE messages")
    run(f"ALTER TABLE {_NEW} RENAME TO messages")
    run(f"ALTER SEQUENCE {sequence} OWNED BY messages.id")
    for element in _keys_and_indexes():
        connection.execute(element)
    run("ANALYZE messages")


async def partition_messages(engine: AsyncEngine, partitions: int = DEFAULT_PARTITIONS) -> None:
    """Rebuild `messages` as `partitions` hash partitions of `chat_id`, rows and ids kept.

    Raises:
        StoreError: not PostgreSQL, no schema yet, already partitioned, or `partitions` < 2;
            nothing was changed.
        DatabaseUnavailableError: the server cannot be reached.
    """
    if engine.dialect.name != "postgresql":
        raise StoreError("partitioning messages needs PostgreSQL; SQLite has no partitions")
    if partitions < 2:
        raise StoreError(f"partitions must be at least 2, not {partitions}")
    async with database_errors(), engine.begin() as connection:
        await connection.run_sync(_rebuild, partitions)
