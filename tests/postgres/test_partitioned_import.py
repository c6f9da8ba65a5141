"""legacy_import into hash-partitioned messages: both load paths run unchanged and end as on
a plain table, with every key and index of messages back on the partitioned table."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from legacy_import.report.progress import LineProgress
from legacy_import.report.summary import RunResult
from legacy_import.run import RunConfig, run_import
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.partitioning import partition_messages
from tests.legacy.helpers import export_tables, query

WHEN = "2024-05-01T12:00:00+00:00"
# What messages carries on the partitioned parent, by kind: key, foreign key, index.
MESSAGES_CATALOG = (
    "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = 'messages'::regclass"
    " UNION ALL SELECT i.relname, 'i', pg_get_indexdef(x.indexrelid) FROM pg_index x"
    " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'messages'::regclass"
    " ORDER BY 1, 2"
)
INVALID_INDEXES = "SELECT count(*) FROM pg_index WHERE NOT indisvalid"


def _dump(path: Path) -> Path:
    """Three users and 60 messages over 12 chats; one key repeated, one unknown author."""
    path.mkdir()
    users = [
        {"id": i, "telegram_id": 1000 + i, "created_at": WHEN, "updated_at": WHEN}
        for i in (1, 2, 3)
    ]
    messages = [
        {"id": n, "user_id": 1 + n % 3, "chat_id": -100 - n % 12, "message_id": n, "text": f"m{n}"}
        for n in range(1, 61)
    ]
    messages.append({"id": 61, "user_id": 1, "chat_id": -101, "message_id": 1, "text": "again"})
    messages.append({"id": 62, "user_id": 9, "chat_id": -101, "message_id": 99, "text": "who"})
    for message in messages:
        message["timestamp"] = WHEN
    (path / "users.json").write_text(json.dumps(users), encoding="utf-8")
    (path / "messages.json").write_text(json.dumps(messages), encoding="utf-8")
    return path


async def _partitioned(url: str) -> None:
    async with Store(StoreSettings(database_url=url)) as store:
        await store.upgrade()
        await partition_messages(store.engine)


def _run(source: Path, url: str, rejects: Path, *, bulk: bool) -> RunResult:
    config = RunConfig(
        sources=(source,),
        settings=StoreSettings(database_url=url),
        batch_rows=10,
        rejects_path=rejects,
        bulk=bulk,
    )
    return asyncio.run(run_import(config, LineProgress()))


@pytest.mark.parametrize("bulk", [False, True], ids=["merge", "bulk"])
def test_an_import_into_partitioned_messages_ends_as_into_a_plain_table(
    new_database: Callable[[str], str], tmp_path: Path, bulk: bool
) -> None:
    source = _dump(tmp_path / "dump")
    plain_url, split_url = new_database("postgres"), new_database("postgres")
    asyncio.run(_partitioned(split_url))
    catalog_before = query(split_url, MESSAGES_CATALOG)
    plain = _run(source, plain_url, tmp_path / "plain.jsonl", bulk=bulk)
    split = _run(source, split_url, tmp_path / "split.jsonl", bulk=bulk)
    assert split.tables == plain.tables
    assert split.tables["messages"].inserted == 60
    assert export_tables(split_url, tmp_path / "a") == export_tables(plain_url, tmp_path / "b")
    assert (tmp_path / "split.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    assert query(split_url, MESSAGES_CATALOG) == catalog_before
    assert query(split_url, INVALID_INDEXES) == [(0,)]
    assert query(split_url, "SELECT count(*) FROM import_deferred_constraints") == [(0,)]
    [(partitions,)] = query(split_url, "SELECT count(DISTINCT tableoid) FROM messages")
    assert partitions > 1
