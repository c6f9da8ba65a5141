"""`inspect`, `verify` and `export`: the commands that read but never import."""

from __future__ import annotations

import json
from datetime import UTC
from itertools import islice
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from legacy_import import telegram
from legacy_import.batches import mapper_for
from legacy_import.canonical import canonical_json, plain
from legacy_import.layouts import Layout, builtin_layouts, detect_layout
from legacy_import.pipeline import open_layout
from legacy_import.records import Mapped, Rejected
from legacy_import.sources import SourceSpec, open_source
from legacy_import.sources.telegram import TelegramSource
from legacy_import.targets import targets
from legacy_import.verify import verify_source
from sqlmodel_store import Store, StoreSettings

EXPORT_PAGE = 5000
# inspect --mapping maps this many records of each table and shows the first few.
PREVIEW_READ = 100
PREVIEW_SHOWN = 5
PREVIEW_CHARS = 60


def inspect_source(spec: SourceSpec, console: Console, mapping: Layout | None = None) -> int:
    if mapping is not None:
        return _preview(spec, mapping, console)
    source = open_source(spec)
    try:
        parts = source.parts()
        chats = source.chats() if isinstance(source, TelegramSource) else None
    finally:
        source.close()
    layout = detect_layout(spec.kind, parts)
    console.print(f"source: {spec.path} ({spec.kind})")
    console.print(f"layout: {layout.name + ' — ' + layout.description if layout else 'unknown'}")
    into = {rule.table: rule.target for rule in layout.tables} if layout else {}
    table = Table()
    for heading in ("part", "imported into", "rows", "columns"):
        table.add_column(heading)
    for part in parts:
        rows = "?" if part.rows is None else f"{part.rows:,}"
        table.add_row(
            part.name, into.get(part.stem, "(not imported)"), rows, ", ".join(part.columns)
        )
    console.print(table)
    if chats is not None:
        _show_chats(chats, console)
    if layout is None:
        layouts = [known for known in builtin_layouts() if known.kind == spec.kind]
        names = "; ".join(f"{known.name}: {known.description.rstrip('.')}" for known in layouts)
        Console(stderr=True).print(
            f"error: no known layout matches this {spec.kind} source. Known layouts: {names}. "
            "Describe it in a mapping file and pass --mapping FILE.toml.",
            markup=False,
        )
        return 2
    return 0


def _preview(spec: SourceSpec, mapping: Layout, console: Console) -> int:
    """The first records of each table of the mapping, mapped, and why any were rejected.

    References are shown as read: the import resolves them against the database."""
    opened = open_layout(spec, mapping)
    console.print(f"source: {spec.path} ({spec.kind})")
    console.print(f"mapping: {mapping.name} ({mapping.origin}) {mapping.description}".rstrip())
    try:
        for reading in opened.readings:
            rule = reading.rule
            mapper = mapper_for(opened.source, reading.part.name, reading.name, rule, UTC)
            records = islice(opened.source.read(reading.part.name, after=0), PREVIEW_READ)
            outcomes = [(raw, mapper.map(raw)) for raw in records]
            mapped = [o for _, o in outcomes if isinstance(o, Mapped)]
            rejects = [o for _, o in outcomes if isinstance(o, Rejected)]
            skipped = sum(1 for _, o in outcomes if o is None)
            console.print(
                f"\n{reading.name} → {rule.target}: of the first {len(outcomes)} records, "
                f"{len(mapped)} map, {len(rejects)} are rejected, {skipped} skipped",
                markup=False,
            )
            _show_mapped(rule.target, mapped[:PREVIEW_SHOWN], console)
            for reject in rejects[:PREVIEW_SHOWN]:
                console.print(f"  rejected {reject.location}: {reject.reason}", markup=False)
    finally:
        opened.source.close()
    return 0


def _show_mapped(target: str, mapped: list[Mapped], console: Console) -> None:
    if not mapped:
        return
    columns = [c for c in targets()[target].columns if any(c in m.explicit for m in mapped)]
    table = Table()
    for name in ("location", "id", *columns):
        table.add_column(name, overflow="fold", max_width=40)
    for record in mapped:
        cells = [_cell(record.values[c]) if c in record.explicit else "" for c in columns]
        legacy = "" if record.legacy_id is None else str(record.legacy_id)
        table.add_row(record.location, legacy, *cells)
    console.print(table)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(plain(value), ensure_ascii=False)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


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


async def verify(
    spec: SourceSpec,
    settings: StoreSettings,
    zone: str,
    console: Console,
    mapping: Layout | None = None,
) -> int:
    store = Store(settings)
    try:
        await store.ensure_at_head()
        return await verify_source(store, spec, zone, console, mapping)
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
