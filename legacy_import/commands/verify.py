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

from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.commands.canonical import Digest, canonical_json
from legacy_import.errors import TargetError
from legacy_import.load import target
from legacy_import.load.references import resolve_references, store_ids
from legacy_import.mapping.opened import Opened, open_layout
from legacy_import.mapping.outcomes import Mapped
from legacy_import.mapping.rules import Layout, Reading, reference_keyspaces
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import mapper_for
from legacy_import.sources.base import SourceSpec
from legacy_import.sources.records import CUT
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models.imports import IMPORT_REJECTS as REJECTS
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
    cuts: list[str] = []
    try:
        async with store.engine.connect() as conn:
            source_id = await conn.scalar(
                select(SOURCES.c.id).where(SOURCES.c.source_key == opened.key)
            )
            if source_id is None:
                raise TargetError(f"{spec.path} was never imported into this database")
            keyspaces = reference_keyspaces(opened.readings)
            for reading in opened.readings:
                check = checks.setdefault(reading.rule.target, TableCheck())
                comparer = _Comparer(conn, source_id, reading, keyspaces)
                recorded = await _recorded_rejects(conn, source_id, reading.name)
                await _check_reading(
                    opened, reading, zone, comparer, recorded, check, differences, cuts
                )
    finally:
        opened.source.close()
    _show(checks, differences, cuts, console)
    bad = cuts or any(check.missing or check.different for check in checks.values())
    return 1 if bad else 0


async def _recorded_rejects(conn: AsyncConnection, source_id: int, reading: str) -> set[int]:
    """Positions of the records the import rejected from this reading (the rejects file)."""
    query = select(REJECTS.c.position).where(
        REJECTS.c.source_id == source_id, REJECTS.c.part == reading
    )
    return set((await conn.execute(query)).scalars())


async def _check_reading(
    opened: Opened,
    reading: Reading,
    zone: str,
    comparer: _Comparer,
    recorded: set[int],
    check: TableCheck,
    differences: list[str],
    cuts: list[str],
) -> None:
    """Compare one reading's records: a record the import recorded as rejected is counted
    as such, not compared; one this mapping rejects that the import did not record is
    missing; where the file stops being readable, the source cannot be called equal."""
    source = opened.source
    mapper = mapper_for(source, reading.part.name, reading.name, reading.rule, ZoneInfo(zone))
    records = source.read(reading.part.name, after=0)
    while chunk := list(islice(records, COMPARED_AT_ONCE)):
        cuts.extend(
            f"{raw.location}: {raw.problem}"
            for raw in chunk
            if raw.problem is not None and raw.problem.startswith(CUT)
        )
        outcomes = [o for raw in chunk if (o := mapper.map(raw)) is not None]
        check.records += len(outcomes)
        compared = []
        for outcome in outcomes:
            if outcome.position in recorded:
                check.rejected += 1
            elif isinstance(outcome, Mapped):
                compared.append(outcome)
            else:
                check.missing += 1
                _note(
                    differences,
                    f"{outcome.location}: not in the store, and not among the import's "
                    f"rejects (it is rejected for {outcome.reason})",
                )
        await comparer.compare(compared, check, differences)


class _Unmapped(str):
    """A reference the import never resolved: shown as such, and never sent as an id."""


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
                    row[column] = mapping.get(row[column], _Unmapped(f"unmapped {row[column]}"))
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
        # A key holding an unresolved reference cannot be in the store: not looked up.
        sought = [pair for pair in pairs if not any(isinstance(v, _Unmapped) for v in pair)]
        columns = [table.c[c] for c in key]
        by_pair: dict[tuple[Any, ...], dict[str, Any]] = {}
        if sought:
            rows = await self._conn.execute(select(table).where(tuple_(*columns).in_(sought)))
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


DIGEST = 12
HEADINGS = ("table", "source", "stored", "rejected", "missing", "different", "digest")


def _show(
    checks: dict[str, TableCheck], differences: list[str], cuts: list[str], console: Console
) -> None:
    # No vertical rules, so that every column fits 80 characters whole (a cut name or digest
    # would say something else).
    table = Table(
        title="verify: source vs store", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    widest = max(map(len, checks), default=5)
    for heading in HEADINGS:
        left = heading in ("table", "digest")
        table.add_column(
            heading,
            justify="left" if left else "right",
            overflow="fold",
            min_width=widest if heading == "table" else None,
        )
    for name, c in checks.items():
        same = c.source_digest.hexdigest() == c.store_digest.hexdigest() and not c.missing
        digest = c.source_digest.hexdigest()[:DIGEST] + (
            "" if same else " ≠ " + c.store_digest.hexdigest()[:DIGEST]
        )
        table.add_row(
            name,
            f"{c.records:,}",
            f"{c.found:,}",
            f"{c.rejected:,}",
            f"{c.missing:,}",
            f"{c.different:,}",
            digest,
        )
    console.print(table)
    if any(check.rejected for check in checks.values()):
        console.print(
            "rejected: records the import rejected, each listed with its reason in the rejects "
            "file it wrote; they are accounted for, not missing."
        )
    for line in differences:
        console.print(line, markup=False)
    for cut in cuts:
        console.print(
            f"{cut}. The source ends early, so it cannot be compared whole: export it again.",
            markup=False,
        )


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
