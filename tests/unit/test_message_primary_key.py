"""The messages key as each database gets it from the models (create_all, the schema docs)."""

from __future__ import annotations

from sqlalchemy import create_engine, insert, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from sqlmodel_store.models import Message, metadata

MESSAGES = Message.__table__  # type: ignore[attr-defined]


def test_postgresql_gets_the_key_that_holds_chat_id() -> None:
    ddl = str(CreateTable(MESSAGES).compile(dialect=postgresql.dialect()))
    assert "CONSTRAINT pk_messages PRIMARY KEY (id, chat_id)" in ddl
    assert "id BIGSERIAL NOT NULL" in ddl


def test_sqlite_built_from_the_models_keys_by_id_alone_and_numbers_new_rows() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO users (telegram_id) VALUES (1)")
        rows = [{"user_id": 1, "chat_id": -1 - n % 2, "message_id": n} for n in range(3)]
        ids = conn.execute(insert(MESSAGES).returning(MESSAGES.c.id), rows).scalars().all()
        key = inspect(conn).get_pk_constraint("messages")
    assert ids == [1, 2, 3]
    assert key == {"constrained_columns": ["id"], "name": "pk_messages"}
