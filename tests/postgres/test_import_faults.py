"""The fault suite: the import killed with SIGKILL at chosen points, and its connection cut by
the server, then run again, must end exactly as one clean run: nothing lost, nothing doubled.

A point inside a batch is reached deterministically: the test holds a lock the import needs
at that point (the checkpoint table, or one id sequence), waits until the import's backend is
seen waiting for it, and only then strikes. Pool exhaustion and a database behind head are in
tests/postgres/test_engine.py and tests/legacy/test_rejects_and_exit_codes.py."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from sqlmodel_store import Store, StoreSettings
from tests.legacy.generator import generator
from tests.legacy.helpers import CATALOG, TABLES, export_tables, kill_after_batches, query
from tests.pg_server import create_database, drop_database, run_blocking

# 1,200 messages in batches of 200: stats, the last part read, is one batch, so its sequence
# reset is the import's last statement before the final commit.
BATCH = 200
LAST_TABLE = "stats"
WAIT = 60.0


@pytest.fixture(scope="module")
def legacy_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "legacy.db"
    generator.make_legacy_db(path, messages=1200, seed=11)
    return path


@pytest.fixture
def legacy_db(legacy_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "legacy.db"
    copy.write_bytes(legacy_template.read_bytes())
    return copy


def _command(source: Path, url: str, rejects: Path) -> list[str]:
    return [sys.executable, "-m", "legacy_import", "run", str(source), "--database-url", url,
            "--no-progress", "--batch-size", str(BATCH), "--rejects", str(rejects)]  # fmt: skip


@pytest.fixture(scope="module")
def clean_export(
    legacy_template: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, bytes]]:
    """The export of one clean run of the source, the reference every faulted run must equal."""
    scratch = tmp_path_factory.mktemp("clean")
    url = run_blocking(create_database(postgres_admin_url))
    try:
        command = _command(legacy_template, url, scratch / "rejects.jsonl")
        assert subprocess.run(command, capture_output=True, check=False).returncode == 0
        yield export_tables(url, scratch / "export")
    finally:
        run_blocking(drop_database(postgres_admin_url, url))


def _migrated(url: str) -> str:
    """The schema in place first, so the test can lock the import's tables before it runs."""

    async def upgrade() -> None:
        async with Store(StoreSettings(database_url=url)) as store:
            await store.upgrade()

    asyncio.run(upgrade())
    return url


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _waiting_backend(
    conn: asyncpg.Connection, statement: str, process: asyncio.subprocess.Process
) -> int:
    """The pid of a backend waiting on a lock while running a statement like `statement`."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process.returncode is not None:
            assert process.stderr is not None
            raise AssertionError(f"the import ended first: {await process.stderr.read()!r}")
        await conn.execute("SELECT pg_stat_clear_snapshot()")  # fresh within a transaction
        pid = await conn.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE $1",
            f"%{statement}%",
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.05)
    activity = await conn.fetch(
        "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    raise AssertionError(f"the import never waited at {statement!r}: {activity}")


@asynccontextmanager
async def _import_held_at(
    url: str, lock: str, statement: str, command: list[str]
) -> AsyncIterator[tuple[asyncpg.Connection, int, asyncio.subprocess.Process]]:
    """Run the import while this connection holds `lock`; yields once the import's backend
    waits for it inside `statement`. The lock is released (rolled back) on the way out."""
    holder = await asyncpg.connect(_dsn(url))
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute(lock)
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            yield holder, await _waiting_backend(holder, statement, process), process
        finally:
            await transaction.rollback()
            if process.returncode is None:
                await asyncio.wait_for(process.wait(), WAIT)
    finally:
        await holder.close()


def _kill_held_at(url: str, lock: str, statement: str, command: list[str]) -> int:
    """SIGKILL the import (workers too) while it waits at `statement`; returns how many rows
    of the store's tables were visible, committed, at that moment."""

    async def strike() -> int:
        async with _import_held_at(url, lock, statement, command) as (holder, _, process):
            committed = await holder.fetchval(
                "SELECT " + " + ".join(f"(SELECT count(*) FROM {table})" for table in TABLES)
            )
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        return int(committed)

    return asyncio.run(strike())


def _rerun_equals_clean(
    command: list[str], url: str, clean_export: dict[str, bytes], tmp_path: Path
) -> None:
    rerun = subprocess.run(command, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert export_tables(url, tmp_path / "after") == clean_export
    for table, key in (("users", "telegram_id"), ("messages", "chat_id, message_id")):
        doubled = f"SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1"
        assert query(url, doubled) == []


def test_kill_9_during_the_first_batch_then_run_again_equals_one_clean_run(
    new_database: Callable[[str], str],
    legacy_db: Path,
    clean_export: dict[str, bytes],
    tmp_path: Path,
) -> None:
    url = _migrated(new_database("postgres"))
    command = _command(legacy_db, url, tmp_path / "rejects.jsonl")
    committed = _kill_held_at(
        url, "LOCK TABLE import_checkpoints IN EXCLUSIVE MODE", "INSERT INTO import_checkpoints",
        command,
    )  # fmt: skip
    assert committed == 0
    assert query(url, "SELECT count(*) FROM import_checkpoints") == [(0,)]
    _rerun_equals_clean(command, url, clean_export, tmp_path)


@pytest.mark.parametrize("batches", [1, 4])
def test_kill_9_mid_run_then_run_again_equals_one_clean_run(
    new_database: Callable[[str], str],
    legacy_db: Path,
    clean_export: dict[str, bytes],
    tmp_path: Path,
    batches: int,
) -> None:
    url = new_database("postgres")
    command = _command(legacy_db, url, tmp_path / "rejects.jsonl")
    command[command.index("--batch-size") + 1] = "50"
    kill_after_batches(command, url, batches, 50)
    _rerun_equals_clean(command, url, clean_export, tmp_path)


def test_kill_9_during_the_final_sequence_reset_then_run_again_equals_one_clean_run(
    new_database: Callable[[str], str],
    legacy_db: Path,
    clean_export: dict[str, bytes],
    tmp_path: Path,
) -> None:
    url = _migrated(new_database("postgres"))
    command = _command(legacy_db, url, tmp_path / "rejects.jsonl")
    committed = _kill_held_at(url, f"ALTER SEQUENCE {LAST_TABLE}_id_seq CACHE 1", "setval", command)
    assert committed > 0
    assert query(url, f"SELECT count(*) FROM {LAST_TABLE}") == [(0,)]
    _rerun_equals_clean(command, url, clean_export, tmp_path)


def test_a_connection_cut_by_the_server_mid_import_exits_3_and_the_next_run_finishes(
    new_database: Callable[[str], str],
    legacy_db: Path,
    clean_export: dict[str, bytes],
    tmp_path: Path,
) -> None:
    url = _migrated(new_database("postgres"))
    command = _command(legacy_db, url, tmp_path / "rejects.jsonl")
    lock, statement = "LOCK TABLE messages IN EXCLUSIVE MODE", "messages"

    async def cut() -> tuple[int | None, bytes]:
        async with _import_held_at(url, lock, statement, command) as (holder, pid, process):
            assert await holder.fetchval("SELECT pg_terminate_backend($1)", pid)
            assert process.stderr is not None
            message = await asyncio.wait_for(process.stderr.read(), WAIT)
            await process.wait()
        return process.returncode, message

    code, message = asyncio.run(cut())
    assert code == 3, message
    assert b"connection" in message.lower()
    assert b"run the same command" in message.lower()
    assert query(url, "SELECT count(*) FROM messages") == [(0,)]
    _rerun_equals_clean(command, url, clean_export, tmp_path)


def test_kill_9_during_the_constraint_rebuild_then_run_again_equals_one_clean_run(
    new_database: Callable[[str], str],
    legacy_db: Path,
    clean_export: dict[str, bytes],
    tmp_path: Path,
) -> None:
    """The import is held at its first checkpoint (its empty tables' constraints dropped by
    then) while the test takes a lock that only attaching a unique key conflicts with; let go,
    the import loads everything and is killed as it waits to rebuild that key."""
    url = _migrated(new_database("postgres"))
    command = _command(legacy_db, url, tmp_path / "rejects.jsonl")

    async def strike() -> None:
        blocker = await asyncpg.connect(_dsn(url))
        try:
            hold = blocker.transaction()
            async with _import_held_at(
                url, "LOCK TABLE import_checkpoints IN EXCLUSIVE MODE",
                "INSERT INTO import_checkpoints", command,
            ) as (holder, _, process):  # fmt: skip
                await hold.start()
                await blocker.execute("LOCK TABLE messages IN ACCESS SHARE MODE")
                await holder.execute("ROLLBACK")
                await _waiting_backend(blocker, "ADD CONSTRAINT", process)
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
            await hold.rollback()
        finally:
            await blocker.close()

    asyncio.run(strike())
    assert query(url, "SELECT count(*) FROM import_deferred_constraints") != [(0,)]
    _rerun_equals_clean(command, url, clean_export, tmp_path)
    assert query(url, "SELECT count(*) FROM import_deferred_constraints") == [(0,)]
    reference = _migrated(new_database("postgres"))
    assert query(url, CATALOG) == query(reference, CATALOG)
