"""Columnar checks follow the `Create` schemas: a new field or constraint changes them alone."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import pytest
from annotated_types import Interval, MaxLen
from pydantic import field_validator
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table

from legacy_import.mapping.targets import targets
from legacy_import.prepare.columnar_checks import ColumnarChecks
from legacy_import.sources.arrow_sqlite import POSITION, ArrowSqliteTable
from sqlmodel_store.models import StoreSchema
from tests.legacy.generator import generator


class Plain(StoreSchema):
    score: int
    label: str = "none"


class Constrained(StoreSchema):
    score: Annotated[int, Interval(ge=0, le=10)]
    label: Annotated[str, MaxLen(3)] = "none"


class WithChoice(Plain):
    kind: Literal["a", "b"]


class WithValidator(Plain):
    @field_validator("score")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError("odd")
        return value


def throwaway_table(*extra: Column[Any]) -> Table:
    return Table(
        "throwaway",
        MetaData(),
        Column("id", BigInteger, primary_key=True),
        Column("score", Integer, nullable=False),
        Column("label", String(100), nullable=False),
        *extra,
    )


def passing(path: Path, schema: type[StoreSchema], table: Table) -> list[dict[str, Any]]:
    checks = ColumnarChecks(schema, table)
    source = ArrowSqliteTable(path, "throwaway", checks.reads)
    try:
        return [row for b in source.batches() for row in checks.check(b).accepted.to_pylist()]
    finally:
        source.close()


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE throwaway (id INTEGER PRIMARY KEY, score INTEGER, label TEXT, kind)"
        )
        db.executemany(
            "INSERT INTO throwaway VALUES (?, ?, ?, ?)",
            [(1, 4, "abc", "a"), (2, 11, "abcd", "c"), (3, 7, None, "b"), (4, None, "x", "a")],
        )
    db.close()
    return path


def scores(rows: list[dict[str, Any]]) -> list[tuple[int, Any, Any]]:
    return [(row[POSITION], row["score"], row["label"]) for row in rows]


def test_a_null_in_a_column_with_a_default_takes_the_default(legacy: Path) -> None:
    assert scores(passing(legacy, Plain, throwaway_table())) == [
        (1, 4, "abc"),
        (2, 11, "abcd"),
        (3, 7, "none"),
    ]


def test_a_constraint_added_to_the_schema_flags_the_rows_that_break_it(legacy: Path) -> None:
    assert scores(passing(legacy, Constrained, throwaway_table())) == [(1, 4, "abc")]


def test_a_new_literal_field_is_checked_without_any_other_change(legacy: Path) -> None:
    table = throwaway_table(Column("kind", String(1), nullable=False))
    assert [row["kind"] for row in passing(legacy, WithChoice, table)] == ["a", "b"]


def test_a_validator_the_checks_do_not_know_sends_every_row_to_the_exact_path(
    legacy: Path,
) -> None:
    assert passing(legacy, WithValidator, throwaway_table()) == []


def test_the_bot_rows_as_generated_are_never_flagged(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    counts = generator.make_legacy_db(path, messages=3000)
    flagged = {}
    for name, target in targets().items():
        part = "memory_category_association" if name == "memory_categories" else name
        checks = ColumnarChecks(
            target.schema, target.table, legacy_id="id" if target.has_id else None
        )
        source = ArrowSqliteTable(path, part, checks.reads)
        try:
            flagged[part] = sum(len(checks.check(b).flagged) for b in source.batches(rows=1000))
        finally:
            source.close()
    assert counts["messages"] == 3000
    assert flagged == dict.fromkeys(counts, 0)


def test_naive_times_go_the_exact_way_when_the_run_is_not_in_utc(tmp_path: Path) -> None:
    target = targets()["facts"]
    path = tmp_path / "facts.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE facts (id INTEGER PRIMARY KEY, user_id, fact_text, created_at)")
        db.execute("INSERT INTO facts VALUES (1, 2, 'tea', '2025-10-27 13:47:00')")
    db.close()
    found = {}
    for zone in (UTC, ZoneInfo("Europe/Moscow")):
        checks = ColumnarChecks(target.schema, target.table, zone=zone)
        source = ArrowSqliteTable(path, "facts", checks.reads)
        try:
            (batch,) = source.batches()
        finally:
            source.close()
        checked = checks.check(batch)
        found[str(zone)] = (len(checked.accepted), checked.flagged.to_pylist())
    assert found == {"UTC": (1, []), "Europe/Moscow": (0, [1])}


class WithNote(Plain):
    note: str | None = None


class WithRequiredNote(Plain):
    note: str


def test_a_column_the_legacy_table_lacks_takes_the_schema_default(legacy: Path) -> None:
    table = throwaway_table(Column("note", String(10), nullable=True))
    assert [row["note"] for row in passing(legacy, WithNote, table)] == [None, None, None]


def test_a_required_column_the_legacy_table_lacks_flags_every_row(legacy: Path) -> None:
    table = throwaway_table(Column("note", String(10), nullable=False))
    assert passing(legacy, WithRequiredNote, table) == []
