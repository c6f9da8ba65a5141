"""`export`: every store table as canonical JSON Lines, the format `run` reads back."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from legacy_import.commands.canonical import canonical_json
from legacy_import.mapping.targets import targets
from sqlmodel_store import Store, StoreSettings


async def export(settings: StoreSettings, out: Path, console: Console) -> int:
    """Every store table as `<table>.jsonl`, rows in key order, canonical formatting."""
    store = Store(settings)
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before any awaiting
    try:
        await store.ensure_at_head()
        async with store.engine.connect() as conn:
            for target in targets().values():
                table = target.table
                order = [table.c.id] if target.has_id else [table.c[c] for c in target.natural_key]
                count = 0
                with (out / f"{target.name}.jsonl").open("w", encoding="utf-8") as handle:
                    result = await conn.stream(select(table).order_by(*order))
                    async for row in result.mappings():
                        handle.write(canonical_json(dict(row)) + "\n")
                        count += 1
                console.print(f"{target.name}: {count:,} rows → {out / (target.name + '.jsonl')}")
    finally:
        await store.dispose()
    return 0
