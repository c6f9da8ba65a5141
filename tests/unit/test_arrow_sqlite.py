"""Reading legacy SQLite tables as Arrow batches: SQLite's dynamic types never break a read."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from legacy_import.errors import SourceError
from legacy_import.sources.arrow_sqlite import (
    MISMATCHES,
    POSITION,
    SIZE,
    ArrowSqliteTable,
    ColumnRead,
)
from legacy_import.sources.base import SourceSpec
from legacy_import.sources.records import RowPage
from legacy_import.sources.sqlite import SqliteSource

COLUMNS = [ColumnRead("n", "integer"), ColumnRead("t", "text"), ColumnRead("f", "real")]


def legacy(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (n INTEGER, t TEXT, f FLOAT)")
        db.executemany("INSERT INTO notes VALUES (?, ?, ?)", rows)
    db.close()
    return path


def read(path: Path, **options: Any) -> list[dict[str, Any]]:
    """The rows read, without their sizes (`test_each_row_has_the_size_the_row_reader_counts`)."""
    table = ArrowSqliteTable(path, "notes", [*COLUMNS, ColumnRead("absent", "text")])
    try:
        rows = [row for batch in table.batches(**options) for row in batch.to_pylist()]
    finally:
        table.close()
    for row in rows:
        del row[SIZE]
    return rows


def test_each_row_has_the_size_the_row_reader_counts(tmp_path: Path) -> None:
    """Batches are cut by bytes too: both readers must count a row alike, or the same file
    would be cut at other places, and duplicates judged otherwise, on the columnar path."""
    path = legacy(tmp_path / "l.db", [(1, "a" * 300, 1.5), (None, None, None), (7, "ü", 2)])
    table = ArrowSqliteTable(path, "notes", COLUMNS[:1])
    try:
        sizes = [row[SIZE] for batch in table.batches() for row in batch.to_pylist()]
    finally:
        table.close()
    source = SqliteSource(SourceSpec("sqlite", path))
    try:
        pages = [page for page in source.pages("notes", after=0) if isinstance(page, RowPage)]
    finally:
        source.close()
    assert sizes == [row[1] for page in pages for row in page.rows]
    # 16 per value and per row, then each value's bytes as text: 1.5, and 2 stored as REAL "2.0".
    assert sizes == [64 + 1 + 300 + 3, 64, 64 + 1 + 2 + 3]


def test_values_of_another_storage_class_are_counted_not_read(tmp_path: Path) -> None:
    path = legacy(tmp_path / "l.db", [(1, "a", 1.5), ("seven", b"\x00blob", "x"), (2**62, "b", 3)])
    assert read(path) == [
        {POSITION: 1, MISMATCHES: 0, "n": 1, "t": "a", "f": 1.5},
        {POSITION: 2, MISMATCHES: 3, "n": None, "t": None, "f": None},
        {POSITION: 3, MISMATCHES: 0, "n": 2**62, "t": "b", "f": 3.0},
    ]


def test_a_float_column_counts_integers_a_float_cannot_hold_exactly(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (n INTEGER, t TEXT, f)")
        db.executemany("INSERT INTO notes VALUES (1, 'a', ?)", [(2**53,), (2**53 + 1,)])
    db.close()
    assert [(row["f"], row[MISMATCHES]) for row in read(path)] == [(2.0**53, 0), (None, 1)]


def test_a_first_batch_of_nulls_does_not_fix_the_column_types(tmp_path: Path) -> None:
    path = legacy(tmp_path / "l.db", [(None, None, None)] * 3 + [(5, "late", 0.5)])
    rows = read(path, rows=2)
    assert rows[-1] == {POSITION: 4, MISMATCHES: 0, "n": 5, "t": "late", "f": 0.5}


def test_a_read_resumes_after_a_rowid(tmp_path: Path) -> None:
    path = legacy(tmp_path / "l.db", [(n, str(n), None) for n in range(1, 6)])
    assert [row[POSITION] for row in read(path, after=3)] == [4, 5]


def test_text_that_is_not_utf8_arrives_as_an_invalid_string_array(tmp_path: Path) -> None:
    path = legacy(tmp_path / "l.db", [])
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO notes VALUES (1, CAST(x'61ff' AS TEXT), NULL)")
    db.close()
    table = ArrowSqliteTable(path, "notes", COLUMNS)
    try:
        (batch,) = table.batches()
        with pytest.raises(ValueError, match="UTF8"):
            batch.column("t").validate(full=True)
    finally:
        table.close()


def test_a_table_the_file_does_not_have_is_a_source_error(tmp_path: Path) -> None:
    path = legacy(tmp_path / "l.db", [])
    with pytest.raises(SourceError, match="no table 'missing'"):
        ArrowSqliteTable(path, "missing", COLUMNS)


def test_the_arrow_source_never_imports_the_store_models() -> None:
    code = "import sys, legacy_import.sources.arrow_sqlite; print('sqlmodel' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.stdout.strip() == "False", found.stderr


def test_a_table_wider_than_one_null_mask_counts_every_column(tmp_path: Path) -> None:
    path = tmp_path / "wide.db"
    names = [f"c{n}" for n in range(70)]
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE wide ({', '.join(f'{name} INTEGER' for name in names)})")
        db.execute(
            f"INSERT INTO wide VALUES ({', '.join('?' * 70)})", [*range(65), "x", *[None] * 4]
        )
    db.close()
    table = ArrowSqliteTable(path, "wide", [ColumnRead(name, "integer") for name in names])
    try:
        (row,) = [row for batch in table.batches() for row in batch.to_pylist()]
    finally:
        table.close()
    assert (row[MISMATCHES], row["c64"], row["c65"], row["c66"]) == (1, 64, None, None)
