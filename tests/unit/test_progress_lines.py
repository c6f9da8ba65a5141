"""Progress: rows against a known count, else bytes against the file's size; one line at a
time, or the live display on a terminal."""

from __future__ import annotations

import io
import time

from rich.console import Console

from legacy_import.report.progress import LineProgress, RichProgress


def test_a_part_of_unknown_length_reports_the_share_of_the_file_read() -> None:
    out = io.StringIO()
    progress = LineProgress(stream=out, every=0)
    progress.start("messages → messages", rows=None, size=4_000_000)
    progress.advance(rows=10, size=1_000_000)
    line = out.getvalue()
    assert line.startswith("messages → messages: 10 rows, 1.0 MB")
    assert "25% of the file" in line
    assert "s left" in line


def test_a_part_of_known_length_reports_rows_of_the_total() -> None:
    out = io.StringIO()
    progress = LineProgress(stream=out, every=0)
    progress.start("users → users", rows=40, size=None)
    progress.advance(rows=10, size=100)
    assert out.getvalue().startswith("users → users: 10/40 rows")
    assert "of the file" not in out.getvalue()


def _live(rows: int | None, size: int | None, advance: tuple[int, int]) -> str:
    out = io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=True, width=200))
    progress.start("messages → messages", rows=rows, size=size)
    for _ in range(3):
        progress.advance(rows=advance[0], size=advance[1])
        time.sleep(0.05)
    progress.stop()
    return out.getvalue()


def test_the_live_display_counts_rows_of_the_total_at_a_rate_in_rows() -> None:
    shown = _live(rows=100_000, size=None, advance=(5_000, 900_000))
    assert "15,000/100,000 rows" in shown
    assert "2.7 MB" in shown
    assert "rows/s" in shown
    assert "B/s" not in shown


def test_the_live_display_of_a_part_of_unknown_length_gives_rows_and_bytes_per_second() -> None:
    shown = _live(rows=None, size=10_000_000, advance=(5_000, 1_000_000))
    assert "15,000 rows" in shown
    assert "rows/s" not in shown
    assert "B/s" in shown
