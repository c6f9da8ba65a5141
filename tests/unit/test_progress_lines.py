"""One-line progress: rows against a known count, else bytes against the file's size."""

from __future__ import annotations

import io

from legacy_import.progress import LineProgress


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
