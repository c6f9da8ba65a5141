"""Running the import in-process and reading what it did."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from legacy_import.cli import main
from sqlmodel_store import Store, StoreSettings

# Indexes and constraints of the store's own tables, as the catalog describes them.
CATALOG = (
    "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
    " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid"
    " WHERE c.relnamespace = 'public'::regnamespace"
    " UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2, 3"
)

TABLES = (
    "users",
    "messages",
    "facts",
    "stats",
    "jokes",
    "memories",
    "categories",
    "memory_categories",
    "memory_links",
    "lessons",
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["run", *args, "--no-progress", "--workers", "0"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def rejects(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    store = Store(StoreSettings(database_url=url))
    try:
        async with store.engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql))]
    finally:
        await store.dispose()


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    return asyncio.run(_query(url, sql))


async def _change(url: str, sql: str) -> None:
    store = Store(StoreSettings(database_url=url))
    try:
        async with store.engine.begin() as conn:
            await conn.execute(text(sql))
    finally:
        await store.dispose()


def change(url: str, sql: str) -> None:
    """Run one statement that writes, committed."""
    asyncio.run(_change(url, sql))


def counts(url: str) -> dict[str, int]:
    return {table: query(url, f"SELECT count(*) FROM {table}")[0][0] for table in TABLES}


def export_tables(url: str, out: Path) -> dict[str, bytes]:
    """The store's canonical export, file name → bytes."""
    assert main(["export", "--database-url", url, "--out", str(out)]) == 0
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def _rows_committed(url: str) -> int:
    try:
        rows = query(url, "SELECT coalesce(sum(rows_read), 0) FROM import_checkpoints")
    except Exception:
        return 0
    return int(rows[0][0])


def kill_after_batches(command: list[str], url: str, batches: int, batch_size: int) -> None:
    """Start the import and `kill -9` it (workers too) once it committed that many batches'
    worth of records, checking that it was still running: a kill after the end tests nothing."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while (
        _rows_committed(url) < batches * batch_size
        and time.monotonic() < deadline
        and process.poll() is None
    ):
        time.sleep(0.05)
    assert process.poll() is None, "the import ended before it could be killed: give it more"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
