"""`inspect`: what a source holds, which layout reads it, and (with a mapping) a preview of
its first records mapped, with the reason for each rejection. Writes nothing."""

from __future__ import annotations

import json
from datetime import UTC
from itertools import islice
from typing import Any

from rich.console import Console
from rich.table import Table

from legacy_import.commands.canonical import plain
from legacy_import.mapping.builtin import builtin_layouts, detect_layout
from legacy_import.mapping.opened import misfit, open_layout, readings_of
from legacy_import.mapping.outcomes import Mapped, Rejected
from legacy_import.mapping.rules import Layout
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import mapper_for
from legacy_import.sources import telegram_rules as telegram
from legacy_import.sources.base import Part, Source, SourceSpec
from legacy_import.sources.detect import open_source
from legacy_import.sources.records import CUT
from legacy_import.sources.telegram import TelegramSource

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
        layout = detect_layout(spec.kind, parts)
        seen = misfit(source, readings_of(source, layout, parts)) if layout else None
        cuts: list[str] = []
        counted = {part.name: _rows(source, part, cuts) for part in parts}
    finally:
        source.close()
    if seen is not None:
        layout = None
    console.print(f"source: {spec.path} ({spec.kind})")
    console.print(f"layout: {layout.name + ' — ' + layout.description if layout else 'unknown'}")
    into = {rule.table: rule.target for rule in layout.tables} if layout else {}
    table = Table()
    for heading in ("part", "imported into", "rows", "columns"):
        # Folded, never cut: a name or a column list shown in part would say something else.
        table.add_column(heading, overflow="fold", justify="right" if heading == "rows" else "left")
    for part in parts:
        table.add_row(
            part.name,
            into.get(part.stem, "(not imported)"),
            f"{counted[part.name]:,}",
            ", ".join(part.columns),
        )
    console.print(table)
    if chats is not None:
        _show_chats(chats, console)
    errors = Console(stderr=True, soft_wrap=True)
    for cut in dict.fromkeys(cuts):
        errors.print(f"error: {cut}; export the file again", markup=False)
    if layout is None:
        layouts = [known for known in builtin_layouts() if known.kind == spec.kind]
        names = "; ".join(f"{known.name}: {known.description.rstrip('.')}" for known in layouts)
        why = f" ({seen})" if seen else ""
        errors.print(
            f"error: no known layout matches this {spec.kind} source{why}. Known layouts: "
            f"{names}. Describe it in a mapping file and pass --mapping FILE.toml "
            "(see docs/mapping-files.md).",
            markup=False,
        )
        return 2
    return 2 if cuts else 0


def _rows(source: Source, part: Part, cuts: list[str]) -> int:
    """The part's records: a SQLite table knows its count, a file is read through once (and
    where it stops being readable joins `cuts`)."""
    if part.rows is not None:
        return part.rows
    count = 0
    for raw in source.read(part.name, after=0):
        if raw.problem is not None and raw.problem.startswith(CUT):
            cuts.append(f"{raw.location}: {raw.problem}")
            break
        count += 1
    return count


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
