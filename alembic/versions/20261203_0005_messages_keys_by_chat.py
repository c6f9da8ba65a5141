"""Messages: the primary key holds chat_id, so every key of the table can be split by chat.

A hash-partitioned or Citus-distributed table checks a key inside one piece only, so each key
must include the column the table is split by. The unique key (chat_id, message_id) already
does; the primary key becomes (id, chat_id). Ids and their sequence are untouched, so every
reference to a message id stays valid; only the key's index is rebuilt.

SQLite keeps `id` alone as its key: it generates ids only for a one-column integer primary key
(the rowid), and a SQLite store is never split.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlmodel_store.errors import StoreError

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _primary_key(columns: list[str]) -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    op.drop_constraint(op.f('pk_messages'), 'messages', type_='primary')
    op.create_primary_key(op.f('pk_messages'), 'messages', columns)


def upgrade() -> None:
    _primary_key(['id', 'chat_id'])


def downgrade() -> None:
    # `python -m sqlmodel_store partition-messages` split the table: its key must keep chat_id.
    context = op.get_context()
    kind = "SELECT relkind::text FROM pg_class WHERE oid = to_regclass('messages')"
    online = context.dialect.name == "postgresql" and not context.as_sql
    if online and op.get_bind().scalar(sa.text(kind)) == "p":
        raise StoreError(
            "messages is split into partitions by chat_id, and the key of a partitioned table "
            "must hold chat_id: a downgrade below 0005 needs messages as one table again; "
            "nothing was changed"
        )
    _primary_key(['id'])
