"""`inspect`, `verify` and `export`: the commands that read but never import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from legacy_import import telegram
from legacy_import.canonical import canonical_json
from legacy_import.layouts import LAYOUTS, detect_layout
from legacy_import.sources import SourceSpec, open_source
from legacy_import.sources.telegram import TelegramSource
from legacy_import.targets import targets
from legacy_import.verify import verify_source
from sqlmodel_store import Store, StoreSettings

EXPORT_PAGE = 5000


def inspect_source(spec: SourceSpec, console: Console) -> int:
    source = open_source(spec)
    try:
        parts = source.parts()
        chats = source.chats() if isinstance(source, TelegramSource) else None
    finally:
        source.close()
    layout = detect_layout(spec.kind, parts)
    console.print(f"source: {spec.path} ({spec.kind})")
    console.print(f"layout: {layout.name + ' — ' + layout.description if layout else 'unknown'}")
    table = Table()
    for heading in ("part", "imported into", "rows", "columns"):
        table.add_column(heading)
    for part in parts:
        rule = layout.rule_for(part) if layout else None
        rows = "?" if part.rows is None else f"{part.rows:,}"
        target = rule.target if rule else "(not imported)"
        table.add_row(part.name, target, rows, ", ".join(part.columns))
    console.print(table)
    if chats is not None:
        _show_chats(chats, console)
    if layout is None:
        layouts = [known for known in LAYOUTS if known.kind == spec.kind]
        names = "; ".join(f"{known.name}: {known.description}" for known in layouts)
        Console(stderr=True).print(
            f"error: no known layout matches this {spec.kind} source. Known layouts: {names}",
            markup=False,
        )
        return 2
    return 0


def _show_chats(chats: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="chats")
    for heading in ("chat", "type", "Bot API id", "entries", "message types"):
        table.add_column(heading)
    for found in chats:
        chat, types = found["chat"], found["types"]
        try:
            bot_api = str(telegram.chat_id(chat))
        except ValueError as error:
            bot_api = f"? ({error})"
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(types.items()))
        name = chat.get("name") or "(no name)"
        table.add_row(name, str(chat.get("type")), bot_api, f"{sum(types.values()):,}", kinds)
    console.print(table)


async def verify(spec: SourceSpec, settings: StoreSettings, zone: str, console: Console) -> int:
    store = Store(settings)
    try:
        await store.ensure_at_head()
        return await verify_source(store, spec, zone, console)
    finally:
        await store.dispose()


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
