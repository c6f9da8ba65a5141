"""Progress of a long import: a live rich display on a terminal, one line at a time otherwise."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichBar,
)
from rich.text import Text


class Progress(Protocol):
    def start(self, label: str, *, rows: int | None, size: int | None = None) -> None:
        """A part begins: its row count, else its size in bytes, is the total when known."""
        ...

    def advance(self, *, rows: int, size: int) -> None: ...

    def stop(self) -> None: ...


class _Rows(ProgressColumn):
    """Rows so far, of the total when the part's row count is known."""

    def render(self, task: Task) -> Text:
        known = task.total is not None and not task.fields["by_size"]
        of = f"/{task.total:,.0f}" if known else ""
        return Text(f"{task.fields['rows']:,}{of} rows")


class _Rate(ProgressColumn):
    """Rows per second; bytes per second while the bar follows the file's size."""

    def render(self, task: Task) -> Text:
        if task.speed is None:
            return Text("")
        if task.fields["by_size"]:
            return Text(f"{decimal(int(task.speed))}/s")
        return Text(f"{task.speed:,.0f} rows/s")


class RichProgress:
    """Rows, or bytes when only the size is known, of the total; rate and time left."""

    def __init__(self, console: Console) -> None:
        self._bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            _Rows(),
            TextColumn("{task.fields[megabytes]:.1f} MB"),
            _Rate(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._bytes = 0
        self._rows = 0
        self._by_size = False

    def start(self, label: str, *, rows: int | None, size: int | None = None) -> None:
        if self._task is None:
            self._bar.start()
        self._bytes = self._rows = 0
        self._by_size = rows is None and size is not None
        total = size if self._by_size else rows
        self._task = self._bar.add_task(
            label, total=total, megabytes=0.0, rows=0, by_size=self._by_size
        )

    def advance(self, *, rows: int, size: int) -> None:
        if self._task is not None:
            self._bytes += size
            self._rows += rows
            step = size if self._by_size else rows
            self._bar.update(self._task, advance=step, megabytes=self._bytes / 1e6, rows=self._rows)

    def stop(self) -> None:
        if self._task is not None:
            self._bar.stop()


class LineProgress:
    """Periodic one-line updates, for logs and pipes."""

    def __init__(self, stream: TextIO = sys.stderr, every: float = 2.0) -> None:
        self._stream = stream
        self._every = every
        self._label = ""
        self._rows = 0
        self._bytes = 0
        self._total: int | None = None
        self._size: int | None = None
        self._started = self._last = time.monotonic()

    def start(self, label: str, *, rows: int | None, size: int | None = None) -> None:
        self._label, self._total, self._size, self._rows, self._bytes = label, rows, size, 0, 0
        self._started = self._last = time.monotonic()

    def advance(self, *, rows: int, size: int) -> None:
        self._rows += rows
        self._bytes += size
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._print(now)

    def _print(self, now: float) -> None:
        rate = self._rows / max(now - self._started, 1e-9)
        of = f"/{self._total:,}" if self._total is not None else ""
        left = ""
        if self._total and rate > 0:
            left = f", about {max(self._total - self._rows, 0) / rate:.0f} s left"
        elif self._total is None and self._size and self._bytes:
            speed = self._bytes / max(now - self._started, 1e-9)
            left = (
                f", {self._bytes / self._size:.0%} of the file, "
                f"about {max(self._size - self._bytes, 0) / speed:.0f} s left"
            )
        print(
            f"{self._label}: {self._rows:,}{of} rows, {self._bytes / 1e6:.1f} MB, "
            f"{rate:,.0f} rows/s{left}",
            file=self._stream,
            flush=True,
        )

    def stop(self) -> None:
        """Nothing to tear down: each line stands alone."""
