"""`python -m sqlmodel_store` end to end: exit codes, one-line errors, no password."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable

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


def test_unhealthy_database_exits_1_and_hides_the_password() -> None:
    result = cli("health", "--json", "--database-url", f"postgresql://bot:{SECRET}@127.0.0.1:9/b")
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "error"
    assert SECRET not in result.stdout + result.stderr


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
