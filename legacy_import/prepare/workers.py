"""Worker processes that prepare batches, so mapping and validation use every core.

Each worker gets the same task (a part from a position) and prepares every `workers`-th batch;
`Preparers.batches` hands them back in order. With `workers=0` everything runs in-process.

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
import traceback
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any
from zoneinfo import ZoneInfo

from legacy_import.errors import PreparationError
from legacy_import.mapping.rules import TableRule
from legacy_import.prepare.batches import Batch, Limits, prepare
from legacy_import.sources.base import Source, SourceSpec
from legacy_import.sources.detect import open_source


@dataclass(frozen=True, slots=True)
class Task:
    part: str
    reading: str
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


class Preparers:
    """Prepared batches of one source, from worker processes or in-process."""

    def __init__(self, spec: SourceSpec, workers: int) -> None:
        self._spec = spec
        self._count = workers
        self._local: Source | None = None
        self._processes: list[subprocess.Popen[bytes]] = []
        self._tasks: list[Connection] = []
        self._results: list[Connection] = []

    def __enter__(self) -> Preparers:
        if self._count == 0:
            self._local = open_source(self._spec)
            return self
        for index in range(self._count):
            process, tasks, results = _start(self._spec, index, self._count)
            self._processes.append(process)
            self._tasks.append(tasks)
            self._results.append(results)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._local is not None:
            self._local.close()
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

    async def batches(self, task: Task) -> AsyncIterator[Batch]:
        if self._local is not None:
            for batch in _tasks_of(self._local, task, 0, 1):
                yield batch
            return
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
