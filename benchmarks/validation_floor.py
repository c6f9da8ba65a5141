"""The least CPU any import that keeps the promise "every record is validated through its
`Create` schema" spends on a legacy file, without a database: reading every row (sqlite3,
plain tuples) plus one schema validation per record, and nothing else. No mapping, no
transport between processes, no COPY, no bookkeeping, and none of PostgreSQL's own work.

Divided by the cores, it bounds the rows/s of such an import from above, however well the
rest is built: `import_bench.py --floor` sets it beside the measured runs.

    .venv/bin/python benchmarks/validation_floor.py /tmp/import-bench/legacy-n1000000-s1.db
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

from legacy_import.mapping.opened import open_layout
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import Limits, prepare
from legacy_import.prepare.collector import tune_for_bulk_work
from legacy_import.sources.base import SourceSpec
from legacy_import.sources.sqlite import quote


@dataclass(frozen=True)
class Floor:
    rows: int
    read_s: float
    validate_s: float

    @property
    def seconds(self) -> float:
        return self.read_s + self.validate_s


def _read_seconds(path: Path, tables: list[str]) -> float:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        start = perf_counter()
        for table in tables:
            cursor = db.execute(f"SELECT rowid, * FROM {quote(table)}")
            while cursor.fetchmany(5000):
                pass
        return perf_counter() - start


def validation_floor(path: Path) -> Floor:
    """Time the read and the validations only; the values validated are those the import
    builds (untimed), so the schemas see exactly what they see in a real run, and each lands
    in a bare instance as in the import (a full model instance costs nearly twice as much).
    The collector is tuned as in the import's own processes, so the floor is not inflated by
    it."""
    tune_for_bulk_work()
    opened = open_layout(SourceSpec("sqlite", path, None))
    source, readings = opened.source, opened.readings
    rows = 0
    validate_s = 0.0
    try:
        for reading in readings:
            target = targets()[reading.rule.target]
            schema = target.schema
            validate = schema.__pydantic_validator__.validate_python
            for batch in prepare(
                source,
                reading.part.name,
                reading.rule,
                reading=reading.name,
                after=0,
                limits=Limits(5000, 8_000_000),
                zone=ZoneInfo("UTC"),
            ):
                records = [dict(zip(target.columns, row, strict=True)) for row in batch.rows]
                start = perf_counter()
                for record in records:
                    validate(record, self_instance=object.__new__(schema))
                validate_s += perf_counter() - start
                rows += batch.read
        read_s = _read_seconds(path, [reading.part.name for reading in readings])
    finally:
        source.close()
    return Floor(rows, read_s, validate_s)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "legacy.db"
        copy.write_bytes(Path(sys.argv[1]).read_bytes())
        floor = validation_floor(copy)
    per_row = floor.seconds / floor.rows * 1e6
    print(
        f"{floor.rows:,} rows: read {floor.read_s:.1f} s + validate {floor.validate_s:.1f} s "
        f"= {floor.seconds:.1f} CPU-seconds ({per_row:.1f} µs a row)"
    )


if __name__ == "__main__":
    main()
