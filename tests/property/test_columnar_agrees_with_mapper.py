"""The columnar checks agree with today's mapper + pydantic path, hostile values included.

Rows in the legacy bot SQLite layout, some with a value replaced by what legacy files hold
(NUL, bad UTF-8 and encoded surrogates, BLOBs, text in integer columns, floats for ints,
NaN/inf, huge ints, impossible dates, unix and offset timestamps, bad JSON lists, numbers out
of range, unknown enum words, overlong strings, NULLs in required columns), are written to a
SQLite file with the legacy column types but none of its constraints. Each is then read both
ways: every row the columnar checks leave unflagged must be one the mapper accepts, with the
same values; and a row as the bot wrote it must not be flagged at all.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from legacy_import.mapping.outcomes import Mapped
from legacy_import.mapping.targets import targets
from legacy_import.prepare.column_rules import FACTORY, column_rules
from legacy_import.prepare.columnar_checks import LEGACY_ID
from legacy_import.sources.arrow_sqlite import POSITION
from tests.legacy.generator import generator
from tests.property.columnar_paths import RULES, accepted_rows, mapped_by_position
from tests.property.legacy_sqlite import LEGACY_NAMES, as_written
from tests.property.strategies import records


@dataclass(frozen=True)
class BadText:
    """Bytes stored with the TEXT storage class, whatever they are."""

    raw: bytes


HOSTILE = st.one_of(
    st.none(),
    st.sampled_from(["a\x00b", "\x00", "", "x" * 300, "ы" * 60, "😀" * 11, "  42 ", "abc"]),
    st.sampled_from([BadText(b"\xff\xfe"), BadText(b"ok\xed\xa0\x80"), BadText(b"\xc3")]),
    st.binary(max_size=4),
    st.sampled_from([1.0, 1.5, -0.0, math.nan, math.inf, -math.inf, 1e20, 2.0**53 + 2]),
    st.sampled_from([2**63 - 1, -(2**63), 2**31, -(2**31) - 1, -1, 0, 1, 2, 10_001]),
    st.sampled_from(["42", "-7", "1.0", "true", "yes", "0", "1", "2", "99999999999999999999"]),
    st.sampled_from(
        [
            *("2023-02-30 10:00:00", "2025-10-27 13:47:00", "2025-10-27T13:47:00.123"),
            *("2025-10-27 13:47:00+03:00", "2025-10-27 24:00:00", "0000-01-01 00:00:00"),
            *("1761566400", "27.10.2025 13:47:00", "2025-10-27 13:47:00.1234567"),
        ]
    ),
    st.just(1761566400),
    st.sampled_from(
        [
            *("[]", '["a", "b"]', "[1, 2]", "[1.0]", '["\\u0000"]', '["\\ud800"]'),
            *('["\\ud83d\\ude00"]', '["\\\\ud800"]', "[1, 99999999999999999999]", "[true]"),
            *("not json", "null", '{"a": 1}', '{"a": 1.50}', '{"a": NaN}', '{"a": 1e999}'),
            *('{"k": "\\u0000"}', "[", '["a",]', '[\n"a"]', '["\\x"]', '["tab\\tok"]'),
            *("[9223372036854775807, -9223372036854775808]", "[9223372036854775808]", "[01]"),
        ]
    ),
    st.sampled_from(["self", "social", "Self", "unknown", "meta "]),
)


def _legacy_columns() -> dict[str, list[tuple[str, str]]]:
    """Each legacy table's columns and declared types (which set SQLite's affinity)."""
    db = sqlite3.connect(":memory:")
    db.executescript(generator.SCHEMA)
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    found = {
        name: [(c[1], c[2]) for c in db.execute(f'PRAGMA table_info("{name}")')] for name in tables
    }
    db.close()
    return found


LEGACY_COLUMNS = _legacy_columns()


@st.composite
def legacy_rows(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], list[bool]]:
    """A table, rows as the bot wrote them with ids 1.., and which ones were made hostile."""
    table = draw(st.sampled_from(sorted(RULES)))
    target = targets()[table]
    references = {name: draw(st.integers(1, 1000)) for name in target.references}
    rows, hostile = [], []
    for position in range(1, draw(st.integers(1, 5)) + 1):
        values = {
            name: as_written(value) for name, value in draw(records(table, references)).items()
        }
        changed = draw(st.booleans())
        if changed:
            values[draw(st.sampled_from(sorted(values)))] = draw(HOSTILE)
        rows.append({"id": position, **values})
        hostile.append(changed)
    return table, rows, hostile


def _write(path: Path, table: str, rows: list[dict[str, Any]]) -> str:
    """The rows in a table with the legacy column types and no constraints at all."""
    name = LEGACY_NAMES.get(table, table)
    columns = LEGACY_COLUMNS[name]
    declared = ", ".join(
        f'"{column}" {"INTEGER PRIMARY KEY" if column == "id" else kind}'
        for column, kind in columns
    )
    with sqlite3.connect(path) as db:
        db.execute(f'CREATE TABLE "{name}" ({declared})')
        for n, row in enumerate(rows, start=1):
            present = [(column, row.get(column)) for column, _ in columns if column != "id"]
            marks = ", ".join(
                "CAST(? AS TEXT)" if isinstance(v, BadText) else "?" for _, v in present
            )
            params = [v.raw if isinstance(v, BadText) else v for _, v in present]
            names = ", ".join(f'"{column}"' for column, _ in present)
            db.execute(f'INSERT INTO "{name}" (rowid, {names}) VALUES ({n}, {marks})', params)
    db.close()
    return name


def comparable(value: Any, conversion: str) -> Any:
    """A JSON document is compared by the value its text holds."""
    return json.loads(value) if isinstance(value, str) and conversion == "json" else value


@given(legacy_rows())
def test_every_row_the_checks_pass_is_accepted_by_the_mapper_with_the_same_values(
    case: tuple[str, list[dict[str, Any]], list[bool]],
) -> None:
    table, rows, hostile = case
    target = targets()[table]
    with TemporaryDirectory() as directory:
        path = Path(directory) / "legacy.db"
        part = _write(path, table, rows)
        exact = mapped_by_position(path, table, part)
        accepted = list(accepted_rows(path, table, part, rows=2))
    passed = {row[POSITION] for row in accepted}
    for row in accepted:
        outcome = exact[row[POSITION]]
        assert isinstance(outcome, Mapped), (row, outcome)
        assert row.get(LEGACY_ID) == outcome.legacy_id
        for column, conversion in target.conversions.items():
            assert comparable(row[column], conversion) == outcome.values[column], column
    made_when_validated = {
        rule.name for rule in column_rules(target.schema, target.table) if rule.default is FACTORY
    }
    for position, changed in enumerate(hostile, start=1):
        row = rows[position - 1]
        if not changed and all(row.get(name) is not None for name in made_when_validated):
            assert position in passed, (table, row, exact[position])
        event("hostile row passes" if changed and position in passed else "other")
