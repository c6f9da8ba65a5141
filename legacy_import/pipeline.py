"""One import run: check the schema, then stream each source's parts through the workers
into the loader, in dependency order, resuming every part after its checkpoint.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from asyncpg.exceptions import ConnectionDoesNotExistError, InterfaceError
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.batches import Limits
from legacy_import.layouts import Layout, Reading, TableRule, detect_layout
from legacy_import.loader import Checkpoint, Loader, read_checkpoints, register_source
from legacy_import.mapping_file import load_mapping
from legacy_import.progress import Progress
from legacy_import.records import record_text
from legacy_import.rejects import count_rejects, write_rejects
from legacy_import.results import RunResult
from legacy_import.sources import Part, Source, SourceError, SourceSpec, detect, open_source
from legacy_import.sources.json_dump import JsonSource
from legacy_import.workers import Preparers, Task
from sqlmodel_store import Store, StoreSettings, migrations


class FatalImportError(Exception):
    """The import cannot go on; the message says what to do. `code` is the exit status."""

    def __init__(self, message: str, code: int = 3) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class RunConfig:
    sources: tuple[Path, ...]
    settings: StoreSettings
    fmt: str = "auto"
    batch_rows: int = 5000
    batch_bytes: int = 8_000_000
    max_rejects: int | None = None
    dry_run: bool = False
    rejects_path: Path = Path("rejects.jsonl")
    timezone: str = "UTC"
    encoding: str | None = None
    workers: int = 1
    mapping: Path | None = None


def _connection_lost(error: BaseException) -> bool:
    """Whether the database connection broke under the import (server restart, terminated
    backend, network), as opposed to a statement failing on a live connection."""
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, sa_exc.InterfaceError)
    return isinstance(
        error,
        ConnectionDoesNotExistError | InterfaceError | ConnectionError,
    )


def _first_cause(error: BaseException) -> BaseException:
    while error.__context__ is not None:
        error = error.__context__
    return error


class TooManyRejectsError(Exception):
    """More records were rejected than `--max-rejects` allows."""


@dataclass(frozen=True, slots=True)
class Opened:
    """A source opened with its layout: what it holds and what the layout reads of it."""

    source: Source
    layout: Layout
    parts: list[Part]
    readings: list[Reading]

    @property
    def key(self) -> str:
        """The source's identity in the bookkeeping: a mapping file is part of it."""
        spec = self.source.spec
        return spec.key if self.layout.builtin else f"{spec.key}#mapping={self.layout.name}"

    def unread(self) -> list[str]:
        read = {reading.part.name for reading in self.readings}
        return [part.name for part in self.parts if part.name not in read]


def load_layout(path: Path | None) -> Layout | None:
    return None if path is None else load_mapping(path)


def detect_source(path: Path, fmt: str, encoding: str | None, mapping: Layout | None) -> SourceSpec:
    """The source's kind from its content; a mapping must read that kind (a Telegram export
    is JSON too, so a JSON mapping may read one)."""
    spec = detect(path, fmt, encoding)
    if mapping is not None and spec.kind == "telegram" and mapping.kind == "json":
        return SourceSpec("json", spec.path, encoding)
    return spec


def open_layout(spec: SourceSpec, mapping: Layout | None = None) -> Opened:
    """Open a source with the mapping given, or the built-in layout its content matches."""
    if mapping is not None and spec.kind != mapping.kind:
        raise FatalImportError(
            f"the mapping {mapping.name!r} reads {mapping.kind} sources, but {spec.path} is "
            f"{spec.kind}; give a {mapping.kind} source, or --format {mapping.kind} if it is one",
            code=2,
        )
    source = open_source(spec)
    try:
        needs_parts = mapping is None or any(rule.table for rule in mapping.tables)
        parts = source.parts() if needs_parts else []
        layout = mapping or detect_layout(spec.kind, parts)
        if layout is None:
            found = ", ".join(f"{p.name}({', '.join(p.columns)})" for p in parts) or "nothing"
            raise FatalImportError(
                f"{spec.path}: no known layout matches what it holds: {found}. "
                f"Run `python -m legacy_import inspect {spec.path}` to see it in full, and "
                "describe it in a mapping file (--mapping FILE.toml).",
                code=2,
            )
        try:
            readings = layout.readings(parts, lambda rule: _locate(source, rule))
        except LookupError as error:
            raise FatalImportError(f"{spec.path}: {error.args[0]}", code=2) from None
    except BaseException:
        source.close()
        raise
    return Opened(source, layout, parts, readings)


def _locate(source: Source, rule: TableRule) -> Part:
    if not isinstance(source, JsonSource):
        raise LookupError(f"{rule.label}: only JSON sources have files and record paths")
    try:
        return source.locate(rule.file, rule.records)
    except SourceError as error:
        raise LookupError(str(error)) from None


async def _schema_state(store: Store) -> tuple[str | None, bool]:
    async with store.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: sa_inspect(sync).get_table_names())
        revision = await conn.run_sync(migrations.revision_of)
    return revision, bool(names)


async def prepare_schema(store: Store, revision: str | None, has_tables: bool) -> bool:
    """Migrate an empty database; refuse one behind or ahead of head. True: schema created."""
    head = migrations.head()
    if revision == head:
        return False
    if revision is None and not has_tables:
        await store.upgrade()
        return True
    state = f"at revision {revision}" if revision else "not empty but has no migration revision"
    raise FatalImportError(
        f"the target database is {state}, not at head {head}; run "
        "`python -m sqlmodel_store upgrade` with the same DATABASE_URL first "
        "(the import never changes an existing schema by itself)"
    )


@asynccontextmanager
async def _target(config: RunConfig, result: RunResult) -> AsyncIterator[Store]:
    """The store to load into; a dry run on an empty database uses a scratch copy."""
    store = Store(config.settings)
    try:
        revision, has_tables = await _schema_state(store)
        if config.dry_run and revision is None and not has_tables:
            await store.dispose()
            with tempfile.TemporaryDirectory(prefix="legacy_import-dry-") as scratch:
                url = f"sqlite+aiosqlite:///{Path(scratch) / 'dry-run.db'}"
                store = Store(StoreSettings(database_url=url))
                await store.upgrade()
                yield store
                return
        result.schema_created = await prepare_schema(store, revision, has_tables)
        yield store
    finally:
        await store.dispose()


async def run_import(config: RunConfig, progress: Progress) -> RunResult:
    result = RunResult(dry_run=config.dry_run)
    started = time.monotonic()
    mapping = load_layout(config.mapping)
    specs = [detect_source(path, config.fmt, config.encoding, mapping) for path in config.sources]
    async with _target(config, result) as store, store.engine.connect() as conn:
        source_ids: list[int] = []
        outer = await conn.begin() if config.dry_run else None
        lost = False
        try:
            for spec in specs:
                opened = open_layout(spec, mapping)
                await _run_source(conn, opened, config, progress, result, source_ids)
        except TooManyRejectsError as stop:
            result.stopped = str(stop)
        except Exception as error:
            if not _connection_lost(error):
                raise
            lost = True
            raise FatalImportError(
                f"the database connection was lost mid-import ({_first_cause(error)}); every "
                "batch committed before it stays: run the same command again to resume"
            ) from error
        finally:
            progress.stop()
            if source_ids and not lost:
                result.rejects_total = await count_rejects(conn, source_ids)
                if not config.dry_run and result.rejects_total:
                    await write_rejects(conn, source_ids, config.rejects_path)
                    result.rejects_file = str(config.rejects_path)
            if outer is not None and not lost:
                await outer.rollback()
    result.duration_s = time.monotonic() - started
    return result


async def _lock(conn: AsyncConnection, key: str) -> None:
    if conn.dialect.name != "postgresql":
        return
    in_run_transaction = conn.in_transaction()
    locked = await conn.scalar(
        text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"), {"k": key}
    )
    if not in_run_transaction:
        await conn.commit()
    if not locked:
        raise FatalImportError(f"another import of {key} is running; wait for it to finish")


async def _run_source(
    conn: AsyncConnection,
    opened: Opened,
    config: RunConfig,
    progress: Progress,
    result: RunResult,
    registered: list[int],
) -> None:
    """Import one source; its id joins `registered` as soon as it has one, so that a run
    stopped part-way still counts and writes the rejects it committed."""
    source, layout, readings = opened.source, opened.layout, opened.readings
    spec = source.spec
    try:
        await _lock(conn, opened.key)
        result.sources.append({"source": str(spec.path), "kind": spec.kind, "layout": layout.name})
        result.notes.extend(source.notes())
        unread = opened.unread()
        if layout.builtin and spec.kind == "json":
            result.skipped_parts.extend(f"{spec.path.name}: {name}" for name in unread)
        elif not layout.builtin and unread:
            result.notes.append(
                f"the mapping {layout.name} reads nothing from {spec.path.name}: "
                + ", ".join(unread)
            )
        source_id = await register_source(conn, opened.key, layout.name, nested=config.dry_run)
        registered.append(source_id)
        by_name = {reading.name: reading for reading in readings}
        loader = Loader(
            conn,
            source_id,
            readings=by_name,
            fetch=lambda name, positions: _fetch(source, by_name[name].part.name, positions),
            nested=config.dry_run,
        )
        checkpoints = await read_checkpoints(conn, source_id, nested=config.dry_run)
        with Preparers(spec, config.workers) as preparers:
            for reading in readings:
                await _run_reading(
                    reading, preparers, loader, checkpoints, config, progress, result
                )
    finally:
        source.close()


async def _run_reading(
    reading: Reading,
    preparers: Preparers,
    loader: Loader,
    checkpoints: dict[str, Checkpoint],
    config: RunConfig,
    progress: Progress,
    result: RunResult,
) -> None:
    part, rule = reading.part, reading.rule
    after = checkpoints[reading.name].position if reading.name in checkpoints else 0
    counts = result.counts(rule.target)
    progress.start(f"{reading.name} → {rule.target}", rows=part.rows, size=part.size)
    limits = Limits(config.batch_rows, config.batch_bytes)
    task = Task(part.name, reading.name, rule, after, limits, config.timezone)
    async for batch in preparers.batches(task):
        outcome = await loader.load(batch)
        counts.read += outcome.read
        counts.inserted += outcome.inserted
        counts.existing += outcome.existing
        counts.rejected += len(outcome.rejects)
        counts.skipped += outcome.skipped
        progress.advance(rows=batch.read, size=batch.size)
        if config.max_rejects is not None and result.totals.rejected > config.max_rejects:
            raise TooManyRejectsError(
                f"more than {config.max_rejects} records were rejected "
                "(--max-rejects); what was committed stays, and running the same "
                "command again resumes after it"
            )
    await loader.finish_part(reading.name, rule.target, after)


def _fetch(source: Source, part: str, positions: list[int]) -> dict[int, str]:
    """The raw records at these positions (one pass over the batch's range)."""
    wanted = set(positions)
    found: dict[int, str] = {}
    for raw in source.read(part, after=min(positions) - 1):
        if raw.position in wanted:
            found[raw.position] = record_text(raw.data)
        if raw.position >= max(positions):
            break
    return found
