"""One import run: check the schema, then stream each source's parts through the workers
into the loader, in dependency order, resuming every part after its checkpoint.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from asyncpg.exceptions import ConnectionDoesNotExistError, InterfaceError
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.errors import ExitCode, LegacyImportError, TargetError
from legacy_import.load import target
from legacy_import.load.bookkeeping import finished_parts, read_checkpoints, register_source
from legacy_import.load.bulk import BulkMode
from legacy_import.load.dialect import dialect_of
from legacy_import.load.loader import Loader
from legacy_import.load.writable import refuse_read_only
from legacy_import.mapping.opened import Opened, detect_source, load_layout, open_layout
from legacy_import.mapping.rules import Layout, Reading
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import (
    COLUMN_BATCH_BYTES,
    COLUMN_BATCH_ROWS,
    ROW_BATCH_BYTES,
    ROW_BATCH_ROWS,
    Limits,
)
from legacy_import.prepare.workers import Preparers, Task
from legacy_import.report.progress import Progress
from legacy_import.report.rejects_file import count_rejects, write_rejects
from legacy_import.report.summary import RunResult
from legacy_import.sources.base import SourceSpec
from sqlmodel_store import Store, StoreSettings, migrations


@dataclass(frozen=True, slots=True)
class RunConfig:
    sources: tuple[Path, ...]
    settings: StoreSettings
    fmt: str = "auto"
    # Records per batch; None: each path's own (`ROW_BATCH_ROWS`, `COLUMN_BATCH_ROWS`).
    batch_rows: int | None = None
    max_rejects: int | None = None
    dry_run: bool = False
    rejects_path: Path = Path("rejects.jsonl")
    timezone: str = "UTC"
    encoding: str | None = None
    workers: int = 1
    mapping: Path | None = None
    # Load empty PostgreSQL tables in bulk (constraints rebuilt after); off: row by row.
    bulk: bool = True
    # Prepare SQLite tables that map column to column as Arrow batches, loaded by binary
    # COPY (PostgreSQL); off: every record through the mapper, as other sources are.
    columnar: bool = True


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


class TooManyRejectsError(LegacyImportError):
    """More records were rejected than `--max-rejects` allows: the run stops, and says so."""

    code = ExitCode.REJECTS


async def prepare_schema(store: Store, revision: str | None, has_tables: bool) -> bool:
    """Migrate an empty database; refuse one behind or ahead of head. True: schema created."""
    head = migrations.head()
    if revision == head:
        return False
    if revision is None and not has_tables:
        await store.upgrade()
        return True
    state = f"at revision {revision}" if revision else "not empty but has no migration revision"
    raise TargetError(
        f"the target database is {state}, not at head {head}; run "
        "`python -m sqlmodel_store upgrade` with the same DATABASE_URL first "
        "(the import never changes an existing schema by itself)"
    )


@asynccontextmanager
async def _target(config: RunConfig, result: RunResult) -> AsyncIterator[Store]:
    """The store to load into; a dry run on an empty or absent database uses a scratch copy,
    and a store that does not exist yet is created only here, once every source opened."""
    if config.dry_run and not target.exists(config.settings):
        async with _scratch() as store:
            yield store
        return
    target.require_creatable(config.settings)
    with target.only_writer(config.settings):
        async with _checked(config, result) as store:
            yield store


@asynccontextmanager
async def _checked(config: RunConfig, result: RunResult) -> AsyncIterator[Store]:
    """The store at head: an empty one is migrated (or, in a dry run, stood in for by a
    scratch copy); one at another revision is refused."""
    store = Store(config.settings)
    try:
        revision, has_tables = await target.schema_state(store)
        if config.dry_run and revision is None and not has_tables:
            await store.dispose()
            async with _scratch() as store:
                yield store
            return
        await refuse_read_only(store)
        result.schema_created = await prepare_schema(store, revision, has_tables)
        yield store
    finally:
        await store.dispose()


@asynccontextmanager
async def _scratch() -> AsyncIterator[Store]:
    """An empty store at head in a temporary directory, gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="legacy_import-dry-") as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'dry-run.db'}"
        store = Store(StoreSettings(database_url=url))
        try:
            await store.upgrade()
            yield store
        finally:
            await store.dispose()


async def run_import(config: RunConfig, progress: Progress) -> RunResult:
    result = RunResult(dry_run=config.dry_run)
    started = time.monotonic()
    mapping = load_layout(config.mapping)
    specs = [detect_source(path, config.fmt, config.encoding, mapping) for path in config.sources]
    # Every source opens (or is refused) before the target is touched.
    with _opened_all(specs, mapping) as sources:
        await _load_all(sources, config, progress, result)
    result.duration_s = time.monotonic() - started
    return result


@contextmanager
def _opened_all(specs: list[SourceSpec], mapping: Layout | None) -> Iterator[list[Opened]]:
    opened: list[Opened] = []
    try:
        for spec in specs:
            opened.append(open_layout(spec, mapping))
        yield opened
    finally:
        for each in opened:
            each.source.close()


async def _load_all(
    sources: list[Opened], config: RunConfig, progress: Progress, result: RunResult
) -> None:
    async with _target(config, result) as store, store.engine.connect() as conn:
        source_ids: list[int] = []
        outer = await conn.begin() if config.dry_run else None
        bulk = await _bulk_mode(conn, store, config, result)
        lost = False
        try:
            for opened in sources:
                await _run_source(conn, opened, config, progress, result, source_ids, bulk)
        except TooManyRejectsError as stop:
            result.stopped = str(stop)
        except Exception as error:
            if not _connection_lost(error):
                raise
            lost = True
            raise TargetError(
                f"the database connection was lost mid-import ({_first_cause(error)}); every "
                "batch committed before it stays: run the same command again to resume"
            ) from error
        finally:
            progress.stop()
            if bulk is not None and lost:
                await bulk.abandon()
            elif bulk is not None:
                _count_removed(await bulk.rebuild(), result)
            if source_ids and not lost:
                result.rejects_total = await count_rejects(conn, source_ids)
                if not config.dry_run and result.rejects_total:
                    await write_rejects(conn, source_ids, config.rejects_path)
                    result.rejects_file = str(config.rejects_path)
            if outer is not None and not lost:
                await outer.rollback()


async def _bulk_mode(
    conn: AsyncConnection, store: Store, config: RunConfig, result: RunResult
) -> BulkMode | None:
    """The run's bulk mode, if the target has one; constraints an earlier run left deferred
    (it was killed) are rebuilt before anything else."""
    bulk = dialect_of(conn).bulk(conn, store.engine)
    if bulk is None or config.dry_run or not config.bulk:
        return None
    if await bulk.pending():
        removed = await bulk.rebuild()
        result.notes.append(
            "an earlier import stopped before rebuilding the constraints it had deferred; "
            "they were rebuilt first"
            + "".join(f", removing {n:,} later copies of rows of {t}" for t, n in removed.items())
        )
    return bulk


def _count_removed(removed: dict[str, int], result: RunResult) -> None:
    """Rows removed when a unique key was rebuilt repeated a key that an earlier row has:
    already present, as the row-by-row path counts them."""
    for table, count in removed.items():
        counts = result.counts(table)
        counts.inserted -= count
        counts.existing += count


async def _lock(conn: AsyncConnection, key: str) -> None:
    if not await dialect_of(conn).take_source(conn, key):
        raise TargetError(f"another import of {key} is running; wait for it to finish")


async def _run_source(
    conn: AsyncConnection,
    opened: Opened,
    config: RunConfig,
    progress: Progress,
    result: RunResult,
    registered: list[int],
    bulk: BulkMode | None,
) -> None:
    """Import one source; its id joins `registered` as soon as it has one, so that a run
    stopped part-way still counts and writes the rejects it committed. Its empty tables are
    loaded in bulk when the run has a bulk mode."""
    source, layout, readings = opened.source, opened.layout, opened.readings
    spec = source.spec
    await _lock(conn, opened.key)
    result.sources.append({"source": str(spec.path), "kind": spec.kind, "layout": layout.name})
    source_notes = source.notes()
    result.notes.extend(source_notes)
    _note_unread(opened, result)
    source_id = await register_source(conn, opened.key, layout.name, nested=config.dry_run)
    registered.append(source_id)
    by_name = {reading.name: reading for reading in readings}
    deferred: list[str] = []
    if bulk is not None:
        filled = {r.rule.target: targets()[r.rule.target] for r in readings}
        deferred = await bulk.defer(filled.values())
    loader = Loader(
        conn,
        source_id,
        readings=by_name,
        source=source,
        nested=config.dry_run,
        rebuilt_later=frozenset(deferred),
    )
    checkpoints = await read_checkpoints(conn, source_id, nested=config.dry_run)
    finished = await finished_parts(conn, source_id, nested=config.dry_run)
    _note_earlier_runs(opened, checkpoints, finished, bool(source_notes), config, result)
    tasks = [_task(reading, checkpoints, config, loader) for reading in readings]
    with Preparers(source, config.workers) as preparers:
        for index, reading in enumerate(readings):
            upcoming = tasks[index + 1] if index + 1 < len(tasks) else None
            await _run_reading(
                reading, tasks[index], upcoming, preparers, loader, config, progress, result
            )
            table = reading.rule.target
            later = {r.rule.target for r in readings[index + 1 :]}
            if bulk is not None and table in deferred and table not in later:
                await bulk.rebuild_soon(table)


def _note_earlier_runs(
    opened: Opened,
    checkpoints: dict[str, int],
    finished: set[str],
    local_times: bool,
    config: RunConfig,
    result: RunResult,
) -> None:
    """What earlier runs of the source mean for this one's summary: that it resumed one, and
    that a new --timezone changes nothing already stored (not silently)."""
    name, readings = opened.source.spec.path.name, opened.readings
    pending = [reading.name for reading in readings if reading.name not in finished]
    if checkpoints and pending:
        result.notes.append(
            f"resumed {name}: an earlier run stopped before it finished {', '.join(pending)}; "
            "this run went on after its last committed batch, and the counts are this run's only"
        )
    stored = any(checkpoints.get(r.name) and r.rule.target == "messages" for r in readings)
    if local_times and stored:
        # Named by its path, as the note on its local times is: every export is a result.json.
        result.notes.append(
            f"{opened.source.spec.path} was imported before: the messages that import stored "
            f"keep the times it read; --timezone {config.timezone} applies only to messages "
            "imported now (to read them all in another zone, import into an empty store)"
        )


def _note_unread(opened: Opened, result: RunResult) -> None:
    layout, spec, unread = opened.layout, opened.source.spec, opened.unread()
    if layout.builtin and spec.kind == "json":
        result.skipped_parts.extend(f"{spec.path.name}: {name}" for name in unread)
    elif not layout.builtin and unread:
        result.notes.append(
            f"the mapping {layout.name} reads nothing from {spec.path.name}: " + ", ".join(unread)
        )


def _task(reading: Reading, checkpoints: dict[str, int], config: RunConfig, loader: Loader) -> Task:
    """What preparing the reading takes: where it resumes, and how its batches are cut."""
    rows = config.batch_rows
    limits = Limits(rows or ROW_BATCH_ROWS, ROW_BATCH_BYTES)
    columns = Limits(rows or COLUMN_BATCH_ROWS, COLUMN_BATCH_BYTES)
    columnar = columns if config.columnar and loader.loads_columns else None
    after = checkpoints.get(reading.name, 0)
    part, rule = reading.part, reading.rule
    return Task(part.name, reading.name, rule, after, limits, config.timezone, columnar)


async def _run_reading(
    reading: Reading,
    task: Task,
    upcoming: Task | None,
    preparers: Preparers,
    loader: Loader,
    config: RunConfig,
    progress: Progress,
    result: RunResult,
) -> None:
    part, rule = reading.part, reading.rule
    counts = result.counts(rule.target)
    progress.start(f"{reading.name} → {rule.target}", rows=part.rows, size=part.size)
    async for batch in preparers.batches(task, upcoming):
        allowance = None
        if config.max_rejects is not None:
            allowance = config.max_rejects - result.totals.rejected
        outcome = await loader.load(batch, allowance)
        counts.read += outcome.read
        counts.inserted += outcome.inserted
        counts.existing += outcome.existing
        counts.rejected += len(outcome.rejects)
        counts.skipped += outcome.skipped
        progress.advance(rows=batch.read, size=batch.size)
        if outcome.stopped_at is not None:
            raise TooManyRejectsError(
                f"more than {config.max_rejects} records were rejected (--max-rejects): "
                f"the run stopped at {outcome.stopped_at}, the reject past the limit; what was "
                "committed stays, and running the same command again resumes after it"
            )
    await loader.finish_part(reading.name, rule.target, task.after)
