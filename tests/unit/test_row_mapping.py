"""Rows read as plain tuples map exactly as the same records read as dicts do.

A SQLite part is mapped row by row without building a raw record per row (`map_row`); any
other source goes through `map`. Whatever a row holds, a reject must carry the same reason
and a mapped record the same values, so the two paths are compared on arbitrary rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from legacy_import.mapping.builtin import builtin_layouts
from legacy_import.mapping.mapper import RecordMapper
from legacy_import.mapping.outcomes import Mapped, Rejected
from legacy_import.mapping.rules import TableRule
from legacy_import.mapping.targets import targets
from legacy_import.sources.base import SourceSpec
from legacy_import.sources.records import RowPage
from legacy_import.sources.sqlite import SqliteSource, location
from tests.property.legacy_sqlite import as_written
from tests.property.strategies import records


def bot_rules() -> dict[str, TableRule]:
    (layout,) = [layout for layout in builtin_layouts() if layout.name == "bot-sqlite"]
    return {rule.target: rule for rule in layout.tables}


RULES = bot_rules()

# What legacy columns hold: numbers, text of every kind (timestamps, JSON, words, digits),
# BLOBs, nulls.
LEGACY_TEXT = [
    *("2025-10-27 13:47:00.123456", "2025-10-27T13:47:00+03:00", "2025-02-30 10:00:00"),
    *("1761566400", "[1, 2]", '["a"]', "{}", "not json", "0", "yes", "-5"),
]
VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(LEGACY_TEXT),
    st.binary(max_size=4),
)


@st.composite
def pages(draw: st.DrawFn) -> tuple[RecordMapper, RowPage]:
    """A page of one table's rule: valid records as the bot wrote them, some with one value
    replaced by anything a legacy column may hold, in columns of any order, maybe with one
    the target does not have."""
    table = draw(st.sampled_from(sorted(RULES)))
    target = targets()[table]
    references: dict[str, int | None] = {
        name: draw(st.integers(1, 1000)) for name in target.references
    }
    rows = []
    for position in range(1, draw(st.integers(1, 4)) + 1):
        values = {"id": position, **draw(records(table, references))}
        if draw(st.booleans()):
            values[draw(st.sampled_from(sorted(values)))] = draw(VALUES)
        rows.append({name: as_written(value) for name, value in values.items()})
    columns = draw(st.permutations(sorted(set().union(*rows))))
    if draw(st.booleans()):
        columns = [*columns, "legacy_extra"]
    numbered = [
        (n, 10 * n, *(row.get(name) for name in columns)) for n, row in enumerate(rows, start=1)
    ]
    mapper = RecordMapper(RULES[table], target, reading="r")
    return mapper, RowPage("legacy", tuple(columns), numbered, location)


@given(pages())
def test_a_row_maps_as_its_record_does(case: tuple[RecordMapper, RowPage]) -> None:
    mapper, page = case
    assert mapper.reads_plain_columns
    for row in page.rows:
        by_row = mapper.map_row(page, row)
        assert comparable(by_row) == comparable(mapper.map(page.record(row)))
        event("maps" if isinstance(by_row, Mapped) else "rejects or skips")


def comparable(outcome: Mapped | Rejected | None) -> object:
    """A defaulted timestamp is the time of mapping: only its presence is compared."""
    if not isinstance(outcome, Mapped):
        return outcome
    given = {name: outcome.values[name] for name in outcome.explicit}
    return (outcome.position, outcome.location, outcome.legacy_id, given, set(outcome.values))


def test_a_row_that_maps_keeps_its_position_and_location() -> None:
    mapper = RecordMapper(RULES["facts"], targets()["facts"], reading="r")
    columns = ("id", "user_id", "fact_text", "created_at")
    page = RowPage("facts", columns, [(4, 50, 9, 3, "likes tea", "2025-10-27 12:00:00")], location)
    found = mapper.map_row(page, page.rows[0])
    assert isinstance(found, Mapped)
    assert (found.position, found.location, found.legacy_id) == (4, "table facts rowid 4", 9)


@pytest.fixture
def legacy_table(tmp_path: Path) -> Path:
    path = tmp_path / "sizes.db"
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE "notes" (id INTEGER, body TEXT, data BLOB, score REAL)')
        db.executemany(
            "INSERT INTO notes VALUES (?, ?, ?, ?)",
            [
                (1, "short", None, 1.5),
                (2, "ы" * 500 + "😀", b"\x00" * 300, None),
                (3, None, None, None),
            ],
        )
    db.close()
    return path


def test_sqlite_pages_size_rows_by_the_bytes_they_hold(legacy_table: Path) -> None:
    """Batches are bounded by bytes: a row counts 16 per column plus 16, and the bytes of
    each value as text (UTF-8) or BLOB."""
    source = SqliteSource(SourceSpec("sqlite", legacy_table))
    try:
        (page,) = list(source.pages("notes", after=0))
        assert isinstance(page, RowPage)
        base = 16 * 4 + 16
        assert [row[1] for row in page.rows] == [
            base + len("1") + len("short") + len("1.5"),
            base + len("2") + 2 * 500 + 4 + 300,
            base + len("3"),
        ]
    finally:
        source.close()
