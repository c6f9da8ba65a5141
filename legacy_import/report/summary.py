"""What a run did, per table: the summary table on screen and the `--report` JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass(slots=True)
class TableCounts:
    read: int = 0
    inserted: int = 0
    existing: int = 0
    rejected: int = 0
    skipped: int = 0


@dataclass(slots=True)
class RunResult:
    sources: list[dict[str, str]] = field(default_factory=list)
    tables: dict[str, TableCounts] = field(default_factory=dict)
    skipped_parts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    schema_created: bool = False
    dry_run: bool = False
    stopped: str | None = None
    rejects_file: str | None = None
    rejects_total: int = 0
    duration_s: float = 0.0

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())

    @property
    def totals(self) -> TableCounts:
        total = TableCounts()
        for counts in self.tables.values():
            total.read += counts.read
            total.inserted += counts.inserted
            total.existing += counts.existing
            total.rejected += counts.rejected
            total.skipped += counts.skipped
        return total

    @property
    def rows_per_s(self) -> float:
        return self.totals.read / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def exit_code(self) -> int:
        """0 only when nothing of these sources is rejected or left unread."""
        return 1 if self.rejects_total or self.stopped or self.skipped_parts else 0

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["totals"] = asdict(self.totals)
        data["rows_per_s"] = round(self.rows_per_s, 1)
        data["exit_code"] = self.exit_code
        return data

    def write_report(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n", encoding="utf-8")


def show_summary(result: RunResult, console: Console) -> None:
    verb = "would be inserted" if result.dry_run else "inserted"
    table = Table(title="dry run: nothing was written" if result.dry_run else "import summary")
    total = result.totals
    headings = ["table", "read", verb, "already present", "rejected"]
    if total.skipped:
        headings.append("skipped by the mapping")
    for heading in headings:
        table.add_column(heading, justify="left" if heading == "table" else "right")
    for name, counts in [*result.tables.items(), ("total", total)]:
        cells = [counts.read, counts.inserted, counts.existing, counts.rejected]
        if total.skipped:
            cells.append(counts.skipped)
        table.add_row(
            name, *(f"{cell:,}" for cell in cells), style="bold" if name == "total" else None
        )
    console.print(table)
    if result.schema_created:
        console.print("The database was empty: its schema was created by the migrations.")
    for part in result.skipped_parts:
        console.print(f"Not imported: {part} (no table of the layout reads it).")
    for note in result.notes:
        console.print(f"Note: {note}.", markup=False)
    console.print(
        f"{total.read:,} records in {result.duration_s:.1f} s ({result.rows_per_s:,.0f} rows/s)."
    )
    if result.rejects_file:
        console.print(
            f"{result.rejects_total:,} rejected records of these sources are listed in "
            f"{result.rejects_file} (each with its location and reason)."
        )
    if result.stopped:
        console.print(f"Stopped: {result.stopped}")
