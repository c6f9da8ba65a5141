"""Legacy inputs for the import tests: generated bot databases and hand-made bad ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.legacy.generator import generator


@pytest.fixture(scope="session")
def legacy_db_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("legacy") / "legacy.db"
    counts = generator.make_legacy_db(path, messages=1200, seed=7)
    return path, counts


@pytest.fixture
def legacy_db(legacy_db_template: tuple[Path, dict[str, int]], tmp_path: Path) -> Path:
    """A fresh copy of a generated legacy database in the bot's own SQLite schema."""
    copy = tmp_path / "legacy.db"
    copy.write_bytes(legacy_db_template[0].read_bytes())
    return copy


@pytest.fixture
def legacy_counts(legacy_db_template: tuple[Path, dict[str, int]]) -> dict[str, int]:
    return legacy_db_template[1]


def execute(path: Path, sql: str, *params: Any) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, params)


@pytest.fixture(autouse=True)
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables printed to a pipe are not wrapped, so tests can look for whole names."""
    monkeypatch.setenv("COLUMNS", "250")
