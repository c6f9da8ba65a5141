"""`export`: every store table as canonical JSON Lines, the format `run` reads back."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from legacy_import.commands.canonical import canonical_json
from legacy_import.errors import UsageError
from legacy_import.load import target
from legacy_import.mapping.targets import targets
from sqlmodel_store import Store, StoreSettings


async def export(settings: StoreSettings, out: Path, console: Console) -> int:
    """Every store table as `<table>.jsonl`, rows in key order, canonical formatting; nothing
    is written unless there is a store at head to export."""
    if out.exists() and not out.is_dir():  # noqa: ASYNC240 - once, before any awaiting
        raise UsageError(
            f"--out {out} is a file, not a directory: give a directory for the <table>.jsonl "
            "files (the file is left as it is)"
        )
    store = Store(settings)
    try:
        await target.ensure_at_head(store)
        out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before any writing
        async with store.engine.connect() as conn:
            for kind in targets().values():
                table = kind.table
                order = [table.c.id] if kind.has_id else [table.c[c] for c in kind.natural_key]
                count = 0
                with (out / f"{kind.name}.jsonl").open("w", encoding="utf-8") as handle:
                    result = await conn.stream(select(table).order_by(*order))
                    async for row in result.mappings():
                        handle.write(canonical_json(dict(row)) + "\n")
                        count += 1
                console.print(f"{kind.name}: {count:,} rows → {out / (kind.name + '.jsonl')}")
    finally:
        await store.dispose()
    return 0
