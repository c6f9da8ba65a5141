"""A legacy SQLite table read both ways: today's SQLite source through the bot-sqlite mapper
(the reference), and the columnar path (Arrow batches through the columnar checks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from legacy_import.mapping.builtin import builtin_layouts
from legacy_import.mapping.mapper import RecordMapper
from legacy_import.mapping.outcomes import Mapped, Rejected
from legacy_import.mapping.rules import TableRule
from legacy_import.mapping.targets import targets
from legacy_import.prepare.columnar_checks import ColumnarChecks
from legacy_import.sources.arrow_sqlite import ArrowSqliteTable
from legacy_import.sources.base import SourceSpec
from legacy_import.sources.records import RowPage
from legacy_import.sources.sqlite import SqliteSource


def bot_rules() -> dict[str, TableRule]:
    """The built-in bot-sqlite layout's rule of each store table."""
    (layout,) = [layout for layout in builtin_layouts() if layout.name == "bot-sqlite"]
    return {rule.target: rule for rule in layout.tables}


RULES = bot_rules()


def mapped_by_position(path: Path, table: str, part: str) -> dict[int, Mapped | Rejected | None]:
    """Today's path: the SQLite source's pages (or raw records, for a page with text that is
    not UTF-8) through the mapper, by row position."""
    mapper = RecordMapper(RULES[table], targets()[table], reading=part)
    source = SqliteSource(SourceSpec("sqlite", path))
    found: dict[int, Mapped | Rejected | None] = {}
    try:
        for page in source.pages(part, after=0):
            if isinstance(page, RowPage):
                found.update((row[0], mapper.map_row(page, row)) for row in page.rows)
            else:
                found.update((raw.position, mapper.map(raw)) for raw in page)
    finally:
        source.close()
    return found


def columnar_checks(table: str) -> ColumnarChecks:
    target = targets()[table]
    return ColumnarChecks(target.schema, target.table, legacy_id="id" if target.has_id else None)


def accepted_rows(path: Path, table: str, part: str, *, rows: int) -> Iterator[dict[str, Any]]:
    """The columnar path: the rows it leaves unflagged, as Python values."""
    checks = columnar_checks(table)
    source = ArrowSqliteTable(path, part, checks.reads)
    try:
        for batch in source.batches(rows=rows):
            yield from checks.check(batch).accepted.to_pylist()
    finally:
        source.close()
