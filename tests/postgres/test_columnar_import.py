"""The columnar path of a run (Arrow batches, checks, binary COPY) against the row path, on a
legacy bot DB with every kind of fault: the same rejects file, byte for byte, the same
summary and the same stored rows, into an empty store and into one that holds data."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from legacy_import.report.progress import LineProgress
from legacy_import.report.summary import RunResult
from legacy_import.run import RunConfig, run_import
from sqlmodel_store import StoreSettings
from tests.legacy.generator import generator
from tests.legacy.helpers import export_tables, rejects

# Each fault, by the table and rowid it is written to (`_faulty`).
FAULTS = [
    "UPDATE messages SET text = 'a' || char(0) || 'b' WHERE rowid = 11",
    "UPDATE messages SET text = CAST(x'ff61' AS TEXT) WHERE rowid = 23",
    "UPDATE messages SET text = x'0102' WHERE rowid = 35",
    "UPDATE messages SET chat_id = 'seven' WHERE rowid = 47",
    "UPDATE messages SET timestamp = '2024-02-30 10:00:00' WHERE rowid = 59",
    "UPDATE messages SET timestamp = 1714564800 WHERE rowid = 71",
    "UPDATE messages SET timestamp = '2024-05-01T12:00:00+03:00' WHERE rowid = 83",
    "UPDATE messages SET message_type = 'hologram' WHERE rowid = 95",
    "UPDATE messages SET user_id = 999999 WHERE rowid = 107",
    "UPDATE messages SET message_id = 1180591620717411303424.0 WHERE rowid = 119",
    "UPDATE messages SET language = 'a-language-code-far-too-long' WHERE rowid = 131",
    # The natural key of an earlier row, in the same batch and in a later one.
    "UPDATE messages SET (chat_id, message_id) = (SELECT chat_id, message_id FROM messages"
    " WHERE rowid = 140) WHERE rowid = 141",
    "UPDATE messages SET (chat_id, message_id) = (SELECT chat_id, message_id FROM messages"
    " WHERE rowid = 150) WHERE rowid = 1150",
    "UPDATE messages SET id = (SELECT id FROM messages WHERE rowid = 160) WHERE rowid = 161",
    "UPDATE messages SET id = NULL WHERE rowid = 170",
    "UPDATE messages SET id = -5 WHERE rowid = 180",
    "UPDATE memories SET keywords = '[1, ' WHERE rowid = 5",
    "UPDATE memories SET keywords = '{\"a\": 1}' WHERE rowid = 6",
    "UPDATE memories SET tags = '[\"ok\", 7]' WHERE rowid = 7",
    "UPDATE memories SET importance = 1e30 WHERE rowid = 8",
    "UPDATE memories SET emotion_valence = 'NaN' WHERE rowid = 9",
    "UPDATE memories SET emotion_valence = 9.5 WHERE rowid = 10",
    "UPDATE memories SET parent_id = 999999 WHERE rowid = 12",
    "UPDATE stats SET extra_data = '{\"a\": 0.1000000000000000055511151231257827}' WHERE rowid = 3",
    "UPDATE stats SET extra_data = '[1, 2]' WHERE rowid = 4",
    "UPDATE stats SET value = 'Infinity' WHERE rowid = 5",
    "UPDATE users SET telegram_id = 99999999999999999999 WHERE rowid = 3",
    "UPDATE users SET is_friend = 2 WHERE rowid = 5",
    "UPDATE users SET created_at = 'yesterday' WHERE rowid = 6",
    "UPDATE users SET telegram_id = (SELECT telegram_id FROM users WHERE rowid = 1)"
    " WHERE rowid = 7",
    # A user that is gone: its messages, facts and stats have no parent.
    "DELETE FROM users WHERE rowid = 4",
    "UPDATE memory_links SET to_memory_id = 999999 WHERE rowid = 3",
    "UPDATE memory_category_association SET category_id = 999 WHERE rowid = 2",
    "UPDATE lessons SET is_active = 'yes' WHERE rowid = 1",
    "UPDATE jokes SET reactions_count = -1 WHERE rowid = 2",
]


def _without_constraints(db: sqlite3.Connection, table: str) -> None:
    """The table rebuilt without its keys, so the faults may repeat them (rowids kept)."""
    db.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
    db.execute(f"CREATE TABLE {table} AS SELECT * FROM old_{table} ORDER BY rowid")
    db.execute(f"DROP TABLE old_{table}")


def _faulty(path: Path) -> Path:
    generator.make_legacy_db(path, messages=2500)
    db = sqlite3.connect(path)
    try:
        for table in ("users", "messages"):
            _without_constraints(db, table)
        for fault in FAULTS:
            db.execute(fault)
        db.commit()
    finally:
        db.close()
    return path


def _run(
    source: Path, url: str, rejected: Path, *, columnar: bool, batch_rows: int = 500
) -> RunResult:
    config = RunConfig(
        sources=(source,),
        settings=StoreSettings(database_url=url),
        batch_rows=batch_rows,
        rejects_path=rejected,
        columnar=columnar,
    )
    return asyncio.run(run_import(config, LineProgress()))


def test_the_columnar_path_rejects_and_stores_what_the_row_path_does(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    source = _faulty(tmp_path / "faulty.db")
    columns_url, rows_url = new_database("postgres"), new_database("postgres")
    by_columns = _run(source, columns_url, tmp_path / "columns.jsonl", columnar=True)
    by_rows = _run(source, rows_url, tmp_path / "rows.jsonl", columnar=False)
    assert (tmp_path / "columns.jsonl").read_bytes() == (tmp_path / "rows.jsonl").read_bytes()
    assert by_columns.tables == by_rows.tables
    assert export_tables(columns_url, tmp_path / "a") == export_tables(rows_url, tmp_path / "b")
    reasons = {(r["part"], r["position"]) for r in rejects(tmp_path / "columns.jsonl")}
    # Every fault but the two that are valid values (a unix time, an offset) is a reject.
    assert len(reasons) >= len(FAULTS) - 2
    # The user deleted takes its messages along: a fifth of them, in every batch.
    assert 1500 < by_columns.tables["messages"].inserted < 2500


def test_into_a_store_holding_data_both_paths_merge_alike(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    """The merge path: the same file imported over an earlier import of another bot DB."""
    source = _faulty(tmp_path / "faulty.db")
    earlier = tmp_path / "earlier.db"
    generator.make_legacy_db(earlier, messages=700, seed=7)
    columns_url, rows_url = new_database("postgres"), new_database("postgres")
    for url in (columns_url, rows_url):
        _run(earlier, url, tmp_path / "earlier.jsonl", columnar=False)
    by_columns = _run(source, columns_url, tmp_path / "columns.jsonl", columnar=True)
    by_rows = _run(source, rows_url, tmp_path / "rows.jsonl", columnar=False)
    assert (tmp_path / "columns.jsonl").read_bytes() == (tmp_path / "rows.jsonl").read_bytes()
    assert by_columns.tables == by_rows.tables
    assert export_tables(columns_url, tmp_path / "a") == export_tables(rows_url, tmp_path / "b")


def test_memories_pointing_at_memories_load_alike(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    """References inside one table, with nothing wrong: to a later row of the same batch, to
    the row itself, to a row of an earlier batch, and to one of a later batch."""
    source = tmp_path / "memories.db"
    generator.make_legacy_db(source, messages=2500)
    db = sqlite3.connect(source)
    try:
        later = "(SELECT id FROM memories WHERE rowid = {})"
        db.execute(f"UPDATE memories SET parent_id = {later.format(40)} WHERE rowid = 30")
        db.execute("UPDATE memories SET parent_id = id WHERE rowid = 31")
        db.execute(f"UPDATE memories SET parent_id = {later.format(2)} WHERE rowid = 90")
        db.execute(f"UPDATE memories SET parent_id = {later.format(120)} WHERE rowid = 32")
        db.commit()
    finally:
        db.close()
    columns_url, rows_url = new_database("postgres"), new_database("postgres")
    by_columns = _run(source, columns_url, tmp_path / "c.jsonl", columnar=True, batch_rows=50)
    by_rows = _run(source, rows_url, tmp_path / "r.jsonl", columnar=False, batch_rows=50)
    assert by_columns.tables == by_rows.tables
    assert export_tables(columns_url, tmp_path / "a") == export_tables(rows_url, tmp_path / "b")
    # The reference to a later batch points at nothing yet: that memory alone is rejected.
    assert by_columns.tables["memories"].rejected == 1
    assert by_columns.tables["memories"].inserted == 124


def test_a_batch_that_meets_a_unique_key_loads_again_on_the_row_path(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    """Messages the store holds already under other ids: nothing the loader asks beforehand
    shows it, the COPY meets the (chat, message) key, and the batch is loaded again, row by
    row, as the row path loads it."""
    first = tmp_path / "first.db"
    generator.make_legacy_db(first, messages=300)
    again = tmp_path / "again.db"
    shutil.copy(first, again)
    db = sqlite3.connect(again)
    try:
        db.execute("UPDATE messages SET id = id + 100000")
        db.commit()
    finally:
        db.close()
    columns_url, rows_url = new_database("postgres"), new_database("postgres")
    for url in (columns_url, rows_url):
        _run(first, url, tmp_path / "first.jsonl", columnar=False)
    by_columns = _run(again, columns_url, tmp_path / "c.jsonl", columnar=True)
    by_rows = _run(again, rows_url, tmp_path / "r.jsonl", columnar=False)
    assert by_columns.tables == by_rows.tables
    messages = by_columns.tables["messages"]
    assert (messages.inserted, messages.existing) == (0, 300)
    assert export_tables(columns_url, tmp_path / "a") == export_tables(rows_url, tmp_path / "b")
