"""CPU per messages row of the columnar path (read + check + encode) against today's path
(read + map + validate), on the same rows of a legacy bot DB, in one process.

    python benchmarks/columnar_probe.py [--db FILE | --messages N] [--rounds 3]

Columnar: `ArrowSqliteTable` batches → `ColumnarChecks.check` → pgpq's binary COPY encoding
(the bytes are dropped: no server is involved). Today: `SqliteSource.pages` → the bot-sqlite
`RecordMapper.map_row`, which converts and validates each row into a bare `MessageCreate`.
Rounds alternate A B A B; each figure is the median of the rounds' process CPU time divided
by the rows read. Both paths import everything before the first round, so start-up is not in
either figure. A flagged row would cost the exact path on top: the figure says how many.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_support import load_script_function

from legacy_import.load.binary_copy import encoder_for, target_schema
from legacy_import.mapping.builtin import builtin_layouts
from legacy_import.mapping.mapper import RecordMapper
from legacy_import.mapping.outcomes import Mapped
from legacy_import.mapping.targets import targets
from legacy_import.prepare.columnar_checks import ColumnarChecks
from legacy_import.sources.arrow_sqlite import ArrowSqliteTable
from legacy_import.sources.base import SourceSpec
from legacy_import.sources.records import RowPage
from legacy_import.sources.sqlite import SqliteSource

TABLE = "messages"


STAGES: dict[str, list[float]] = {"read": [], "check": [], "encode": []}


def columnar(path: Path) -> tuple[float, int, int]:
    """(CPU seconds, rows read, rows flagged) through read + check + encode, from an open
    source; each stage's CPU time goes to `STAGES`."""
    target = targets()[TABLE]
    checks = ColumnarChecks(target.schema, target.table)
    schema = target_schema(checks.schema, target.columns)
    encoder = encoder_for(schema)
    source = ArrowSqliteTable(path, TABLE, checks.reads)
    rows = flagged = 0
    spent = dict.fromkeys(STAGES, 0.0)
    try:
        encoder.write_header()
        batches = source.batches()
        while True:
            start = time.process_time()
            batch = next(batches, None)
            read = time.process_time()
            if batch is None:
                break
            checked = checks.check(batch)
            check = time.process_time()
            encoder.write_batch(checked.accepted.select(schema.names))
            spent["read"] += read - start
            spent["check"] += check - read
            spent["encode"] += time.process_time() - check
            rows += batch.num_rows
            flagged += len(checked.flagged)
        encoder.finish()
    finally:
        source.close()
    for stage, seconds in spent.items():
        STAGES[stage].append(seconds / rows * 1e6)
    return sum(spent.values()), rows, flagged


def today(path: Path) -> tuple[float, int, int]:
    """(CPU seconds, rows read, rows rejected) through read + map + validate, from an open
    source (its copy of the file is not counted)."""
    (layout,) = [layout for layout in builtin_layouts() if layout.name == "bot-sqlite"]
    (rule,) = [rule for rule in layout.tables if rule.target == TABLE]
    mapper = RecordMapper(rule, targets()[TABLE], reading=TABLE)
    source = SqliteSource(SourceSpec("sqlite", path))
    rows = rejected = 0
    start = time.process_time()
    try:
        for page in source.pages(TABLE, after=0):
            assert isinstance(page, RowPage), "the generated DB holds only valid UTF-8"
            for row in page.rows:
                rows += 1
                rejected += not isinstance(mapper.map_row(page, row), Mapped)
        spent = time.process_time() - start
    finally:
        source.close()
    return spent, rows, rejected


def measured(path: Path, run: Callable[[Path], tuple[float, int, int]]) -> tuple[float, int, int]:
    seconds, rows, odd = run(path)
    return seconds / rows * 1e6, rows, odd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a legacy bot DB (else one is generated)")
    parser.add_argument("--messages", type=int, default=100_000, help="messages to generate")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="columnar-probe-") as scratch:
        path = options.db
        if path is None:
            path = Path(scratch) / "legacy.db"
            load_script_function("make_legacy_db", "make_legacy_db")(
                path, messages=options.messages
            )
        figures: dict[str, list[float]] = {"columnar": [], "today": []}
        for number in range(1, options.rounds + 1):
            for name, run in (("columnar", columnar), ("today", today)):
                per_row, rows, odd = measured(path, run)
                figures[name].append(per_row)
                print(f"round {number} {name:8} {per_row:6.2f} µs/row  rows {rows}  odd {odd}")
        fast, slow = (statistics.median(figures[name]) for name in ("columnar", "today"))
        print(f"median CPU µs per {TABLE} row: columnar (read + check + encode) {fast:.2f},")
        print(
            f"today (read + map + validate) {slow:.2f}; today / columnar = {slow / fast:.1f} times"
        )
        stages = ", ".join(f"{name} {statistics.median(v):.2f}" for name, v in STAGES.items())
        print(f"columnar stages, median CPU µs per row: {stages}")


if __name__ == "__main__":
    main()
