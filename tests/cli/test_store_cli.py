"""`python -m sqlmodel_store` end to end: exit codes, one-line errors, no password."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.migrations import head

SECRET = "pa55-word-xyz"


def cli(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if url is not None:
        environment["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "sqlmodel_store", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_upgrade_check_current_downgrade_on_a_new_database(
    new_database: Callable[[str], str], backend: str
) -> None:
    url = new_database(backend)
    empty = cli("check", url=url)
    assert empty.returncode == 1
    assert "run `python -m sqlmodel_store upgrade`" in empty.stderr
    upgraded = cli("upgrade", url=url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"-> {head()}" in upgraded.stdout
    assert cli("check", url=url).returncode == 0
    assert cli("current", url=url).stdout.strip() == head()
    assert cli("downgrade", "base", url=url).returncode == 0
    assert cli("check", url=url).returncode == 1


def test_check_of_a_database_at_an_unknown_revision_fails(
    new_database: Callable[[str], str], backend: str
) -> None:
    url = new_database(backend)
    assert cli("upgrade", url=url).returncode == 0

    async def stamp_unknown() -> None:
        async with (
            Store(StoreSettings(database_url=url)) as store,
            store.engine.begin() as connection,
        ):
            await connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))

    asyncio.run(stamp_unknown())
    result = cli("check", url=url)
    assert result.returncode == 1
    assert "database at ffff" in result.stderr


def test_health_json_reports_ok(new_database: Callable[[str], str], backend: str) -> None:
    url = new_database(backend)
    cli("upgrade", url=url)
    result = cli("health", "--json", url=url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "ok"
    assert report["revision"] == report["head"] == head()


def test_unreachable_database_exits_3_in_one_line_without_the_password() -> None:
    url = f"postgresql://bot:{SECRET}@127.0.0.1:9/bot"
    result = cli("check", url=url)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_unreachable_database_health_exits_3_and_hides_the_password() -> None:
    result = cli("health", "--json", "--database-url", f"postgresql://bot:{SECRET}@127.0.0.1:9/b")
    assert result.returncode == 3
    assert json.loads(result.stdout)["status"] == "error"
    assert SECRET not in result.stdout + result.stderr


def test_health_of_a_closed_port_shows_no_figures_and_exits_3() -> None:
    result = cli("health", "--database-url", "postgresql://bot@127.0.0.1:9/b")
    assert result.returncode == 3
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: postgresql+asyncpg://bot@127.0.0.1:9/b: ")
    assert "[Errno" not in line
    assert "latency" not in line


def test_health_of_an_empty_database_is_not_ok_it_is_not_at_head(
    new_database: Callable[[str], str], backend: str
) -> None:
    result = cli("health", url=new_database(backend))
    assert result.returncode == 1
    assert not result.stdout.startswith("ok")
    assert result.stderr.startswith("not at head: ")
    assert "run `python -m sqlmodel_store upgrade`" in result.stderr


@pytest.mark.parametrize("command", ["health", "check", "current"])
def test_commands_that_only_read_answer_for_a_missing_sqlite_file_without_creating_it(
    command: str, tmp_path: Path
) -> None:
    missing = tmp_path / "store.db"
    result = cli(command, url=f"sqlite+aiosqlite:///{missing}")
    if command == "current":
        assert (result.returncode, result.stdout) == (0, "none (no schema yet)\n")
    else:
        assert result.returncode == 1
        assert result.stderr.startswith(f"not at head: there is no SQLite store at {missing} yet")
    assert not missing.exists()


def test_downgrade_base_of_a_store_with_rows_needs_yes(
    new_database: Callable[[str], str], backend: str
) -> None:
    url = new_database(backend)
    assert cli("upgrade", url=url).returncode == 0

    async def add_a_user() -> None:
        async with (
            Store(StoreSettings(database_url=url)) as store,
            store.engine.begin() as connection,
        ):
            await connection.execute(text("INSERT INTO users (telegram_id) VALUES (42)"))

    asyncio.run(add_a_user())
    refused = cli("downgrade", "base", url=url)
    assert refused.returncode == 2
    assert "with 1 rows; pass --yes to confirm" in refused.stderr
    assert cli("current", url=url).stdout.strip() == head()
    assert cli("downgrade", "base", "--yes", url=url).returncode == 0
    assert cli("current", url=url).stdout.strip() == "none (no schema yet)"


def test_an_unknown_revision_is_a_usage_error(
    new_database: Callable[[str], str], backend: str
) -> None:
    url = new_database(backend)
    assert cli("upgrade", url=url).returncode == 0
    result = cli("downgrade", "zzzz", url=url)
    assert result.returncode == 2
    assert "Can't locate revision identified by 'zzzz'" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("frobnicate",),
        ("check", "--database-url", f"mysql://bot:{SECRET}@h/db"),
        ("check", "--database-url", f"postgresql://bot:{SECRET}@h/db", "stray"),
        ("downgrade",),
    ],
)
def test_usage_errors_exit_2_without_the_password(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_help_names_every_command_and_the_exit_codes() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for word in ("upgrade", "downgrade", "current", "check", "health", "exit codes"):
        assert word in result.stdout
