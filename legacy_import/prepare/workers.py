"""Worker processes that prepare batches, so mapping and validation use every core.

Each worker gets the same task (a part from a position) and prepares every `workers`-th batch;
`Preparers.batches` hands them back in order. With `workers=0` everything runs in-process.

A part that takes the columnar path is prepared in a thread of this process instead: Arrow's
readers and compute functions release the GIL, so the thread runs beside the loader, and no
worker pays for starting Python and importing the models. Workers start only when a part
needs them.

Batches travel through pipes, not queues: a worker blocks in `send` until its batch is taken,
so at most one finished batch per worker waits in memory. Workers are plain subprocesses of
`python -m legacy_import.prepare.worker_process` holding their ends of the pipes:
multiprocessing's spawn would also start its resource-tracker process, 12 MiB that nothing here
uses.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any
from zoneinfo import ZoneInfo

from legacy_import.errors import PreparationError
from legacy_import.mapping.rules import TableRule
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import Batch, Limits, prepare
from legacy_import.sources.base import Source, SourceSpec
from legacy_import.sources.detect import open_source
from legacy_import.sources.sqlite import SqliteSource


@dataclass(frozen=True, slots=True)
class Task:
    part: str
    reading: str
    rule: TableRule
    after: int
    limits: Limits
    zone: str
    # The limits of Arrow batches when the target loads them (PostgreSQL): then parts that
    # fit go columnar, cut by these limits.
    columnar: Limits | None = None


@dataclass(frozen=True, slots=True)
class PartEnd:
    part: str


@dataclass(frozen=True, slots=True)
class WorkerFailed:
    message: str
    details: str


def _die_with_parent() -> None:
    """Linux: a worker is killed with its parent, so `kill -9` leaves no orphan behind."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)
    except OSError:
        return


def _columnar(source: Source, task: Task) -> bool:
    """Whether the task's part is read as columns. Arrow is imported for SQLite sources only:
    a JSON or Telegram import never loads it (some 48 MiB in each process)."""
    if task.columnar is None or not isinstance(source, SqliteSource):
        return False
    from legacy_import.prepare.columnar import fits

    return fits(task.rule, targets()[task.rule.target])


def _tasks_of(source: Source, task: Task, worker: int, workers: int) -> Iterator[Batch]:
    if _columnar(source, task):
        from legacy_import.prepare.columnar import prepare_columns

        assert isinstance(source, SqliteSource)
        assert task.columnar is not None
        return prepare_columns(
            source,
            task.part,
            task.rule,
            reading=task.reading,
            after=task.after,
            limits=task.columnar,
            zone=ZoneInfo(task.zone),
            worker=worker,
            workers=workers,
        )
    return prepare(
        source,
        task.part,
        task.rule,
        reading=task.reading,
        after=task.after,
        limits=task.limits,
        zone=ZoneInfo(task.zone),
        worker=worker,
        workers=workers,
    )


def work(tasks: Connection, out: Connection) -> None:
    """A worker's life: its source and place first, then tasks until None."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    spec, worker, workers = tasks.recv()
    source = open_source(spec)
    try:
        while (task := tasks.recv()) is not None:
            try:
                for batch in _tasks_of(source, task, worker, workers):
                    out.send(batch)
                out.send(PartEnd(task.part))
            except Exception as error:
                out.send(WorkerFailed(f"{type(error).__name__}: {error}", traceback.format_exc()))
    finally:
        source.close()


def _start(
    spec: SourceSpec, index: int, count: int
) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """A worker process, the end its tasks go into, and the end its batches come out of."""
    task_read, task_write = os.pipe()
    result_read, result_write = os.pipe()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "legacy_import.prepare.worker_process",
            str(task_read),
            str(result_write),
        ],
        pass_fds=(task_read, result_write),
    )
    # Only the worker holds these ends now, so its death reads as end of file here.
    os.close(task_read)
    os.close(result_write)
    tasks = Connection(task_write, readable=False)
    tasks.send((spec, index, count))
    return process, tasks, Connection(result_read, writable=False)


# Columnar batches the thread may have ready before the loader takes them.
BATCHES_AHEAD = 1


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


class Preparers:
    """Prepared batches of one source (opened here, and closed by its owner), from worker
    processes, a thread (columnar parts) or in-process."""

    def __init__(self, source: Source, workers: int) -> None:
        self._source = source
        self._count = workers
        self._processes: list[subprocess.Popen[bytes]] = []
        self._tasks: list[Connection] = []
        self._results: list[Connection] = []
        self._early: dict[str, _ThreadedPart] = {}
        self._closed = False

    def __enter__(self) -> Preparers:
        return self

    def _started(self) -> None:
        if self._processes:
            return
        for index in range(self._count):
            process, tasks, results = _start(self._source.spec, index, self._count)
            self._processes.append(process)
            self._tasks.append(tasks)
            self._results.append(results)

    def __exit__(self, *exc: object) -> None:
        self._closed = True  # a part read to its end after this starts nothing more
        for part in self._early.values():
            part.stop()
        for tasks in self._tasks:
            with suppress(OSError):
                tasks.send(None)
            tasks.close()
        for process in self._processes:
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _read_early(self, task: Task | None) -> None:
        if self._closed or task is None or task.reading in self._early:
            return
        if not _columnar(self._source, task):
            return
        assert isinstance(self._source, SqliteSource)
        self._early[task.reading] = _ThreadedPart(self._source, task)

    async def batches(self, task: Task, upcoming: Task | None = None) -> AsyncIterator[Batch]:
        """The task's batches; a columnar `upcoming` task starts reading as soon as this
        one is read to its end."""
        source = self._source
        if _columnar(source, task):
            assert isinstance(source, SqliteSource)
            part = self._early.pop(task.reading, None) or _ThreadedPart(source, task)
            part.when_read(lambda: self._read_early(upcoming))
            async for batch in part.batches():
                yield batch
            return
        if self._count == 0:
            for batch in _tasks_of(source, task, 0, 1):
                yield batch
            return
        self._started()
        for tasks in self._tasks:
            tasks.send(task)
        index = 0
        while True:
            message = await self._receive(index % self._count)
            if isinstance(message, PartEnd):
                await self._drain(index)
                return
            yield message
            index += 1

    async def _drain(self, ended: int) -> None:
        """Every other worker ends the part too; take their end markers."""
        for offset in range(1, self._count):
            await self._receive((ended + offset) % self._count)

    async def _receive(self, worker: int) -> Any:
        try:
            message = await asyncio.to_thread(self._results[worker].recv)
        except EOFError:
            code = self._processes[worker].wait()
            raise PreparationError(
                f"worker {worker} stopped (exit code {code}) before finishing its batches; "
                "committed batches stay, and running the same command again resumes",
                "",
            ) from None
        if isinstance(message, WorkerFailed):
            raise PreparationError(message.message, message.details)
        return message


class _ThreadedPart:
    """A columnar part prepared in a thread on its own reader of the source, at most
    `BATCHES_AHEAD` ahead of the caller; an error there is raised in the caller. It starts
    reading when made, so the next part can be made as soon as this one is read to its end
    (`when_read`), while the loader still writes this part's last batches."""

    def __init__(self, source: SqliteSource, task: Task) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready: asyncio.Queue[Batch | _Failed | None] = asyncio.Queue()
        self._room = threading.Semaphore(BATCHES_AHEAD)
        self._stopped = threading.Event()
        self._read = False
        self._then: Callable[[], None] | None = None
        self._thread = threading.Thread(
            target=self._produce, args=(source, task), name="legacy_import-columnar", daemon=True
        )
        self._thread.start()

    def _hand_over(self, item: Batch | _Failed | None) -> None:
        self._loop.call_soon_threadsafe(self._ready.put_nowait, item)

    def _produce(self, source: SqliteSource, task: Task) -> None:
        try:
            reader = source.sibling()
            try:
                for batch in _tasks_of(reader, task, 0, 1):
                    while not self._room.acquire(timeout=0.1):
                        if self._stopped.is_set():
                            return
                    if self._stopped.is_set():
                        return
                    self._hand_over(batch)
            finally:
                reader.close()
            self._hand_over(None)
            self._loop.call_soon_threadsafe(self._was_read)
        except BaseException as error:  # the caller raises it, in its own thread
            self._hand_over(_Failed(error))

    def _was_read(self) -> None:
        self._read = True
        if self._then is not None:
            self._then()

    def when_read(self, then: Callable[[], None]) -> None:
        """Call `then` (in the event loop) once the part is read to its end."""
        if self._read:
            then()
        else:
            self._then = then

    async def batches(self) -> AsyncIterator[Batch]:
        try:
            while (item := await self._ready.get()) is not None:
                if isinstance(item, _Failed):
                    raise item.error
                self._room.release()
                yield item
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
