"""Source vs store: per table, the records the source holds, whether each one's row is in the
store with the same content, and an order-independent digest of both sides.

A record's row is found the way the import matched it: by the legacy-id map, or by its
natural key. Only the fields the source gave are compared; references are compared after
remapping, exactly as the import wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.commands.canonical import Digest, canonical_json
from legacy_import.errors import TargetError
from legacy_import.load import target
from legacy_import.load.references import resolve_references, store_ids
from legacy_import.mapping.opened import open_layout
from legacy_import.mapping.outcomes import Mapped
from legacy_import.mapping.rules import Layout, Reading, reference_keyspaces
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import mapper_for
from legacy_import.sources.base import SourceSpec
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models.imports import IMPORT_SOURCES as SOURCES

SHOWN_DIFFERENCES = 20
COMPARED_AT_ONCE = 2000


@dataclass(slots=True)
class TableCheck:
    records: int = 0
    rejected: int = 0
    found: int = 0
    missing: int = 0
    different: int = 0
    source_digest: Digest = field(default_factory=Digest)
    store_digest: Digest = field(default_factory=Digest)


async def verify_source(
    store: Store, spec: SourceSpec, zone: str, console: Console, mapping: Layout | None = None
) -> int:
    opened = open_layout(spec, mapping)
    checks: dict[str, TableCheck] = {}
    differences: list[str] = []
    try:
        async with store.engine.connect() as conn:
            source_id = await conn.scalar(
                select(SOURCES.c.id).where(SOURCES.c.source_key == opened.key)
            )
            if source_id is None:
                raise TargetError(f"{spec.path} was never imported into this database")
            keyspaces = reference_keyspaces(opened.readings)
            for reading in opened.readings:
                rule = reading.rule
                mapper = mapper_for(
                    opened.source, reading.part.name, reading.name, rule, ZoneInfo(zone)
                )
                check = checks.setdefault(rule.target, TableCheck())
                comparer = _Comparer(conn, source_id, reading, keyspaces)
                records = opened.source.read(reading.part.name, after=0)
                while chunk := list(islice(records, COMPARED_AT_ONCE)):
                    outcomes = [o for raw in chunk if (o := mapper.map(raw)) is not None]
                    mapped = [o for o in outcomes if isinstance(o, Mapped)]
                    check.records += len(outcomes)
                    check.rejected += len(outcomes) - len(mapped)
                    await comparer.compare(mapped, check, differences)
    finally:
        opened.source.close()
    _show(checks, differences, console)
    bad = any(check.missing or check.different for check in checks.values())
    return 1 if bad else 0


class _Comparer:
    def __init__(
        self, conn: AsyncConnection, source_id: int, reading: Reading, keyspaces: dict[str, str]
    ) -> None:
        self._conn = conn
        self._source_id = source_id
        self._target = targets()[reading.rule.target]
        self._keyspace = reading.keyspace
        self._keyspaces = keyspaces
        self._matches = {field.target: field.match for field in reading.rule.fields}

    async def _remapped(self, records: list[Mapped]) -> list[dict[str, Any]]:
        values = [dict(record.values) for record in records]
        for column, referenced in self._target.references.items():
            match = self._matches.get(column)
            keyspace = self._keyspaces.get(referenced)
            if match is None and keyspace is None:
                continue
            wanted = {v[column] for v in values} - {None}
            mapping, _ = await resolve_references(
                self._conn, self._source_id, referenced, wanted, match=match, keyspace=keyspace
            )
            for row in values:
                if row[column] is not None:
                    row[column] = mapping.get(row[column], f"unmapped {row[column]}")
        return values

    async def _store_rows(
        self, records: list[Mapped], values: list[dict[str, Any]]
    ) -> list[dict[str, Any] | None]:
        table = self._target.table
        if self._target.mapped:
            legacy = {r.legacy_id for r in records} - {None}
            ids = await store_ids(self._conn, self._source_id, self._keyspace, legacy)
            wanted = [ids.get(r.legacy_id) if r.legacy_id is not None else None for r in records]
            rows = await self._conn.execute(
                select(table).where(table.c.id.in_(set(wanted) - {None}))
            )
            by_key = {row["id"]: dict(row) for row in rows.mappings()}
            return [by_key.get(w) if w is not None else None for w in wanted]
        key = self._target.natural_key
        pairs = [tuple(v[c] for c in key) for v in values]
        columns = [table.c[c] for c in key]
        rows = await self._conn.execute(select(table).where(tuple_(*columns).in_(pairs)))
        by_pair = {tuple(row[c] for c in key): dict(row) for row in rows.mappings()}
        return [by_pair.get(pair) for pair in pairs]

    async def compare(
        self, records: list[Mapped], check: TableCheck, differences: list[str]
    ) -> None:
        if not records:
            return
        values = await self._remapped(records)
        stored = await self._store_rows(records, values)
        for record, mine, theirs in zip(records, values, stored, strict=True):
            fields = sorted(record.explicit)
            ours = {name: mine[name] for name in fields}
            check.source_digest.add(ours)
            if theirs is None:
                check.missing += 1
                _note(differences, f"{record.location}: not in the store")
                continue
            check.found += 1
            stored_fields = {name: theirs[name] for name in fields}
            check.store_digest.add(stored_fields)
            if canonical_json(ours) != canonical_json(stored_fields):
                check.different += 1
                changed = [
                    n
                    for n in fields
                    if canonical_json({n: ours[n]}) != canonical_json({n: stored_fields[n]})
                ]
                _note(differences, f"{record.location}: differs in {', '.join(changed)}")


def _note(differences: list[str], line: str) -> None:
    if len(differences) < SHOWN_DIFFERENCES:
        differences.append(line)


def _show(checks: dict[str, TableCheck], differences: list[str], console: Console) -> None:
    table = Table(title="verify: source vs store")
    for heading in ("table", "records", "rejected", "in store", "missing", "different", "digest"):
        table.add_column(heading, justify="left" if heading in ("table", "digest") else "right")
    for name, c in checks.items():
        same = c.source_digest.hexdigest() == c.store_digest.hexdigest() and not c.missing
        digest = c.source_digest.hexdigest()[:16] + (
            "" if same else " ≠ " + c.store_digest.hexdigest()[:16]
        )
        table.add_row(
            name,
            f"{c.records:,}",
            f"{c.rejected:,}",
            f"{c.found:,}",
            f"{c.missing:,}",
            f"{c.different:,}",
            digest,
        )
    console.print(table)
    for line in differences:
        console.print(line, markup=False)


async def verify(
    spec: SourceSpec,
    settings: StoreSettings,
    zone: str,
    console: Console,
    mapping: Layout | None = None,
) -> int:
    store = Store(settings)
    try:
        await target.ensure_at_head(store)
        return await verify_source(store, spec, zone, console, mapping)
    finally:
        await store.dispose()
