"""`run --log-json`: the run as JSON Lines events on standard output, nothing else there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from legacy_import.cli import main
from tests.legacy.generator import generator


def _events(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_a_run_is_part_and_progress_events_then_one_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "legacy.db"
    generator.make_legacy_db(source, messages=300, seed=3)
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    code = main(["run", str(source), "--database-url", url, "--log-json", "--workers", "0",
                 "--rejects", str(tmp_path / "rejects.jsonl")])  # fmt: skip
    events = _events(capsys.readouterr().out)
    assert code == 0
    kinds = [event["event"] for event in events]
    assert kinds[-1] == "summary"
    assert kinds.count("summary") == 1
    parts = [event["part"] for event in events if event["event"] == "part"]
    assert "messages → messages" in parts
    ended = [e for e in events if e["event"] == "progress" and e["part"] == "messages → messages"]
    assert ended[-1]["rows"] == 300
    summary = events[-1]
    assert summary["exit_code"] == 0
    assert summary["tables"]["messages"]["inserted"] == 300
    assert all(event["at"].endswith("+00:00") for event in events)


def test_a_refused_run_ends_in_one_error_event_with_its_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing-here.db"
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    code = main(["run", str(missing), "--database-url", url, "--log-json"])
    captured = capsys.readouterr()
    (event,) = _events(captured.out)
    assert code == 2
    assert event["event"] == "error"
    assert event["exit_code"] == 2
    assert str(missing) in event["message"]
    assert "error:" in captured.err
