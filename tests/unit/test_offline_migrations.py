"""`alembic upgrade head --sql` prints the whole schema with no database at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sqlmodel_store.models import metadata

ROOT = Path(__file__).resolve().parents[2]


def offline_sql(database_url: str, *args: str) -> str:
    environment = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", *args, "--sql"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("url", "array_type"),
    [
        ("postgresql://nobody:pw@host.invalid:1/none", "TEXT[]"),
        ("sqlite:///./never-created.db", "JSON"),
    ],
)
def test_upgrade_sql_creates_every_table_without_connecting(url: str, array_type: str) -> None:
    sql = offline_sql(url, "upgrade", "head")
    for table in metadata.sorted_tables:
        assert f"CREATE TABLE {table.name}" in sql
    assert "ix_messages_chat_id_timestamp_id" in sql
    assert f"keywords {array_type}" in sql
    assert '"order" INTEGER' in sql
    assert not (ROOT / "never-created.db").exists()


def test_downgrade_sql_drops_every_table() -> None:
    sql = offline_sql("postgresql://nobody@host.invalid/none", "downgrade", "head:base")
    for table in metadata.sorted_tables:
        assert f"DROP TABLE {table.name}" in sql
