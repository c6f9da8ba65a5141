"""`--log-json`: the run as JSON Lines events on standard output, for CI jobs and cron.

One object per line, each with an `event` and the time (`at`, ISO 8601 UTC): `part` when a
part starts (its label and, when known, its row count and size), `progress` at most every
`every` seconds and when a part ends, then one `summary` (the `--report` document) or one
`error` (the message and the exit code). Nothing else is written to standard output.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from legacy_import.report.json_lines import json_line
from legacy_import.report.summary import RunResult


class JsonEvents:
    """A `Progress` that writes events instead of drawing, and the run's last word."""

    def __init__(self, stream: TextIO | None = None, every: float = 2.0) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._every = every
        self._label = ""
        self._rows = self._bytes = 0
        self._started = self._last = time.monotonic()

    def emit(self, event: str, **fields: Any) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        print(json_line({"event": event, "at": stamp, **fields}), file=self._stream, flush=True)

    def start(self, label: str, *, rows: int | None, size: int | None = None) -> None:
        self._end_part()
        self._label, self._rows, self._bytes = label, 0, 0
        self._started = self._last = time.monotonic()
        self.emit("part", part=label, rows_total=rows, bytes_total=size)

    def advance(self, *, rows: int, size: int) -> None:
        self._rows += rows
        self._bytes += size
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._progress(now)

    def stop(self) -> None:
        self._end_part()

    def _end_part(self) -> None:
        if self._label:
            self._progress(time.monotonic())
            self._label = ""

    def _progress(self, now: float) -> None:
        rate = self._rows / max(now - self._started, 1e-9)
        self.emit("progress", part=self._label, rows=self._rows, bytes=self._bytes,
                  rows_per_s=round(rate, 1))  # fmt: skip

    def summary(self, result: RunResult) -> None:
        self.emit("summary", **result.as_json())

    def error(self, message: str, exit_code: int) -> None:
        self.emit("error", message=message, exit_code=exit_code)
