"""Worker processes that prepare batches, so mapping and validation use every core.

Each worker gets the same task (a part from a position) and prepares every `workers`-th batch;
`Preparers.batches` hands them back in order. With `workers=0` everything runs in-process.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import signal
import traceback
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any
from zoneinfo import ZoneInfo

from legacy_import.batches import Batch, Limits, prepare
from legacy_import.layouts import TableRule
from legacy_import.sources import Source, SourceSpec, open_source

# One batch waits while the next is prepared and the loader writes another: enough overlap,
# and each batch more in flight is memory in two processes.
QUEUE_DEPTH = 1


@dataclass(frozen=True, slots=True)
class Task:
    part: str
    rule: TableRule
    after: int
    limits: Limits
    zone: str


@dataclass(frozen=True, slots=True)
class PartEnd:
    part: str


@dataclass(frozen=True, slots=True)
class WorkerFailed:
    message: str
    details: str


class PreparationError(Exception):
    """A worker could not read or prepare the source; `details` holds its traceback."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details


def _die_with_parent() -> None:
    """Linux: a worker is killed with its parent, so `kill -9` leaves no orphan behind."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)
    except OSError:
        return


def _tasks_of(source: Source, task: Task, worker: int, workers: int) -> Iterator[Batch]:
    return prepare(
        source,
        task.part,
        task.rule,
        after=task.after,
        limits=task.limits,
        zone=ZoneInfo(task.zone),
        worker=worker,
        workers=workers,
    )


def _work(spec: SourceSpec, worker: int, workers: int, tasks: Queue[Any], out: Queue[Any]) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    source = open_source(spec)
    try:
        while (task := tasks.get()) is not None:
            try:
                for batch in _tasks_of(source, task, worker, workers):
                    out.put(batch)
                out.put(PartEnd(task.part))
            except Exception as error:
                out.put(WorkerFailed(f"{type(error).__name__}: {error}", traceback.format_exc()))
    finally:
        source.close()


class Preparers:
    """Prepared batches of one source, from worker processes or in-process."""

    def __init__(self, spec: SourceSpec, workers: int) -> None:
        self._spec = spec
        self._count = workers
        self._local: Source | None = None
        self._processes: list[BaseProcess] = []
        self._tasks: list[Queue[Any]] = []
        self._results: list[Queue[Any]] = []

    def __enter__(self) -> Preparers:
        if self._count == 0:
            self._local = open_source(self._spec)
            return self
        context = multiprocessing.get_context("spawn")
        for index in range(self._count):
            tasks: Queue[Any] = context.Queue()
            results: Queue[Any] = context.Queue(QUEUE_DEPTH)
            process = context.Process(
                target=_work,
                args=(self._spec, index, self._count, tasks, results),
                name=f"legacy_import-worker-{index}",
                daemon=True,
            )
            process.start()
            self._processes.append(process)
            self._tasks.append(tasks)
            self._results.append(results)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._local is not None:
            self._local.close()
        for tasks in self._tasks:
            tasks.put(None)
        for process in self._processes:
            process.join(timeout=1)
            if process.is_alive():
                process.kill()

    async def batches(self, task: Task) -> AsyncIterator[Batch]:
        if self._local is not None:
            for batch in _tasks_of(self._local, task, 0, 1):
                yield batch
            return
        for tasks in self._tasks:
            tasks.put(task)
        index = 0
        while True:
            message = await asyncio.to_thread(self._results[index % self._count].get)
            if isinstance(message, WorkerFailed):
                raise PreparationError(message.message, message.details)
            if isinstance(message, PartEnd):
                await self._drain(index)
                return
            yield message
            index += 1

    async def _drain(self, ended: int) -> None:
        """Every other worker ends the part too; take their end markers."""
        for offset in range(1, self._count):
            queue = self._results[(ended + offset) % self._count]
            message = await asyncio.to_thread(queue.get)
            if isinstance(message, WorkerFailed):
                raise PreparationError(message.message, message.details)
