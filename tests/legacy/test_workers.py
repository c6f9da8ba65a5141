"""Worker processes: a worker that dies is reported, never waited for forever."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from legacy_import.errors import PreparationError
from legacy_import.mapping.opened import open_layout
from legacy_import.prepare.batches import Limits
from legacy_import.prepare.workers import Preparers, Task
from legacy_import.sources.detect import detect


def _spawned_children() -> list[int]:
    me = os.getpid()
    children = Path(f"/proc/{me}/task/{me}/children").read_text().split()
    return [
        int(pid)
        for pid in children
        if b"legacy_import.prepare.worker_process" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def test_a_worker_killed_mid_run_is_an_error_not_a_hang(legacy_db: Path) -> None:
    spec = detect(legacy_db)
    opened = open_layout(spec)
    reading = next(reading for reading in opened.readings if reading.name == "messages")
    task = Task("messages", "messages", reading.rule, 0, Limits(10, 1_000_000), "UTC")

    async def consume() -> int:
        taken = 0
        with Preparers(opened.source, 1) as preparers:
            async for _ in preparers.batches(task):
                taken += 1
                if taken == 1:
                    for pid in _spawned_children():
                        os.kill(pid, signal.SIGKILL)
        return taken

    try:
        with pytest.raises(PreparationError, match=r"stopped .* before finishing its batches"):
            asyncio.run(asyncio.wait_for(consume(), timeout=60))
    finally:
        opened.source.close()
