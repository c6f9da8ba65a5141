"""Bulk mode: an empty PostgreSQL table loads with its secondary indexes, unique keys and
foreign keys dropped, and gets them back at the end, ending exactly as the row-by-row path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.errors import TargetError
from legacy_import.load.bulk import BulkMode
from legacy_import.mapping.targets import targets
from legacy_import.report.progress import LineProgress
from legacy_import.report.summary import RunResult
from legacy_import.run import RunConfig, run_import
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import FactCreate, UserCreate
from tests.conftest import TABLES
from tests.legacy.helpers import CATALOG, export_tables, query, run


def _dump(path: Path) -> Path:
    """Messages whose natural key repeats within a batch and across batches (2 per batch)."""
    path.mkdir()
    when = "2024-05-01T12:00:00+00:00"
    users = [
        {"id": i, "telegram_id": 1000 + i, "created_at": when, "updated_at": when} for i in (1, 2)
    ]
    messages = [
        {"id": 1, "user_id": 1, "chat_id": -7, "message_id": 1, "text": "first"},
        {"id": 2, "user_id": 2, "chat_id": -7, "message_id": 1, "text": "same batch, same key"},
        {"id": 3, "user_id": 2, "chat_id": -7, "message_id": 2, "text": "second"},
        {"id": 4, "user_id": 1, "chat_id": -7, "message_id": 1, "text": "later batch, same key"},
        {"id": 5, "user_id": 9, "chat_id": -7, "message_id": 3, "text": "no such user"},
        {"id": 6, "user_id": 1, "chat_id": -8, "message_id": 1, "text": "another chat"},
    ]
    for message in messages:
        message["timestamp"] = when
    (path / "users.json").write_text(json.dumps(users), encoding="utf-8")
    (path / "messages.json").write_text(json.dumps(messages), encoding="utf-8")
    return path


def _run(source: Path, url: str, rejects: Path, *, bulk: bool) -> RunResult:
    config = RunConfig(
        sources=(source,),
        settings=StoreSettings(database_url=url),
        batch_rows=2,
        rejects_path=rejects,
        bulk=bulk,
    )
    return asyncio.run(run_import(config, LineProgress()))


def test_a_bulk_load_ends_as_the_row_by_row_load(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    source = _dump(tmp_path / "dump")
    bulk_url, rows_url = new_database("postgres"), new_database("postgres")
    in_bulk = _run(source, bulk_url, tmp_path / "bulk.jsonl", bulk=True)
    row_by_row = _run(source, rows_url, tmp_path / "rows.jsonl", bulk=False)
    assert export_tables(bulk_url, tmp_path / "a") == export_tables(rows_url, tmp_path / "b")
    assert (tmp_path / "bulk.jsonl").read_bytes() == (tmp_path / "rows.jsonl").read_bytes()
    assert in_bulk.tables == row_by_row.tables
    assert in_bulk.tables["messages"].inserted == 3
    assert in_bulk.tables["messages"].existing == 1
    assert in_bulk.tables["messages"].rejected == 2
    assert query(bulk_url, CATALOG) == query(rows_url, CATALOG)
    assert query(bulk_url, "SELECT count(*) FROM import_deferred_constraints") == [(0,)]


def test_only_empty_tables_lose_their_constraints_and_every_one_comes_back(
    migrated_postgres: str,
) -> None:
    async def scenario() -> tuple[list[str], list[str], list[str], list[str]]:
        async with Store(StoreSettings(database_url=migrated_postgres)) as store:
            async with store.engine.begin() as conn:
                await conn.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
            async with store.unit_of_work() as uow:
                user = await uow.users.add(UserCreate(telegram_id=5))
                await uow.facts.add(FactCreate(user_id=user.id, fact_text="has rows"))
                await uow.commit()
            before = await _names(store)
            async with store.engine.connect() as conn:
                bulk = BulkMode(conn, store.engine)
                deferred = await bulk.defer([targets()["facts"], targets()["stats"]])
                during = await _names(store)
                await bulk.rebuild()
            return deferred, before, during, await _names(store)

    deferred, before, during, after = asyncio.run(scenario())
    assert deferred == ["stats"]
    assert set(before) - set(during) == {"fk_stats_user_id_users", "ix_stats_user_id_stat_type"}
    assert after == before


async def _names(store: Store) -> list[str]:
    async with store.engine.connect() as conn:
        rows = await conn.exec_driver_sql(CATALOG)
        return [name for _, name, _ in rows]


def test_an_import_refuses_while_another_owns_deferred_constraints(
    new_database: Callable[[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _dump(tmp_path / "dump")
    url = new_database("postgres")

    async def import_while_owned() -> tuple[int, str]:
        owner = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            await owner.execute(
                "SELECT pg_advisory_lock(hashtextextended('legacy_import:bulk', 0))"
            )
            return await asyncio.to_thread(
                run, capsys, str(source), "--database-url", url,
                "--rejects", str(tmp_path / "rejects.jsonl"),
            )  # fmt: skip
        finally:
            await owner.close()

    code, output = asyncio.run(import_while_owned())
    assert code == 3
    assert "another import is loading this database in bulk" in output
    assert query(url, "SELECT count(*) FROM messages") == [(0,)]


def test_a_key_that_cannot_be_rebuilt_is_named_and_kept_for_the_next_run(
    migrated_postgres: str,
) -> None:
    async def scenario() -> tuple[str, list[str], list[str]]:
        async with Store(StoreSettings(database_url=migrated_postgres)) as store:
            async with store.engine.begin() as conn:
                await conn.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
            async with store.engine.connect() as conn:
                bulk = BulkMode(conn, store.engine)
                await bulk.defer([targets()["facts"]])
                async with conn.begin():
                    await conn.exec_driver_sql(
                        "INSERT INTO facts (user_id, fact_text) VALUES (404, 'nobody')"
                    )
                with pytest.raises(TargetError) as refused:
                    await bulk.rebuild()
                left = await _pending(conn)
                async with conn.begin():
                    await conn.exec_driver_sql("DELETE FROM facts")
                await bulk.rebuild()
                return str(refused.value), left, await _pending(conn)

    message, left, after = asyncio.run(scenario())
    assert "fk_facts_user_id_users of facts could not be rebuilt" in message
    assert "404" in message
    assert left == ["fk_facts_user_id_users"]
    assert after == []


async def _pending(conn: AsyncConnection) -> list[str]:
    async with conn.begin():
        rows = await conn.exec_driver_sql("SELECT name FROM import_deferred_constraints")
        return [name for (name,) in rows]
