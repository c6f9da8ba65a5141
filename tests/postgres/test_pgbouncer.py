"""Behind pgbouncer in transaction mode, DATABASE_PGBOUNCER=true keeps asyncpg working.

A real pgbouncer with one server connection for every client: without the setting, two
clients' prepared statements collide on that connection; with it, they never do.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from sqlmodel_store import Store, StoreSettings
from tests.factories import user
from tests.postgres.bot_load import assert_consistent, empty_store, run_load

REPLICAS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pgbouncer_url(migrated_postgres: str) -> Iterator[str]:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        reason = "pgbouncer is not installed (Debian package pgbouncer)"
        if os.environ.get("STORE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    server = make_url(migrated_postgres)
    # Not under pytest's tmp dir: pgbouncer refuses root, and its user cannot enter that dir.
    workdir = Path(tempfile.mkdtemp(prefix="store-pgbouncer-"))
    port = _free_port()
    (workdir / "users.txt").write_text('"postgres" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        f"[databases]\n* = host={server.host} port={server.port or 5432}\n"
        "[pgbouncer]\nlisten_addr = 127.0.0.1\n"
        f"listen_port = {port}\nunix_socket_dir =\nauth_type = trust\n"
        f"auth_file = {workdir / 'users.txt'}\npool_mode = transaction\n"
        "default_pool_size = 1\nmax_client_conn = 100\n"
        f"logfile = {workdir / 'log'}\n"
    )
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(workdir, "postgres")
    process = subprocess.Popen([*run_as, binary, str(workdir / "pgbouncer.ini")])
    deadline = time.monotonic() + 10
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"pgbouncer did not start: {(workdir / 'log').read_text()}")
        time.sleep(0.05)
    try:
        yield server.set(port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _replicas(url: str, *, pgbouncer: bool) -> list[str]:
    """Run bot replicas side by side; what each printed, empty for success."""
    command = [sys.executable, "-m", "tests.postgres.pgbouncer_client", url, str(int(pgbouncer))]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(REPLICAS)
    ]
    return [p.communicate(timeout=60)[0].strip() for p in processes]


def test_without_the_setting_prepared_statements_collide(pgbouncer_url: str) -> None:
    outputs = _replicas(pgbouncer_url, pgbouncer=False)
    assert any("prepared statement" in output for output in outputs), outputs


def test_without_the_setting_the_error_is_the_stores_and_names_the_setting(
    pgbouncer_url: str,
) -> None:
    failures = [output for output in _replicas(pgbouncer_url, pgbouncer=False) if output]
    assert failures
    for failure in failures:
        assert failure.startswith("StoreError: prepared statement"), failure
        assert "set DATABASE_PGBOUNCER=true" in failure
        assert "unreachable" not in failure
        assert "statement_cache_size" not in failure  # asyncpg's option, not ours


def test_with_the_setting_replicas_share_the_server_connection(pgbouncer_url: str) -> None:
    assert _replicas(pgbouncer_url, pgbouncer=True) == [""] * REPLICAS


async def test_writes_work_through_pgbouncer(pgbouncer_url: str) -> None:
    settings = StoreSettings(database_url=pgbouncer_url, database_pgbouncer=True)
    async with Store(settings) as store, store.unit_of_work() as uow:
        added = await uow.users.upsert(user())
        assert added.id is not None
        assert await uow.users.get_by_telegram_id(added.telegram_id) is not None


async def test_bot_load_through_pgbouncer_with_the_setting_stores_every_update_once(
    pgbouncer_url: str,
) -> None:
    async with empty_store(pgbouncer_url, database_pgbouncer=True) as store:
        outcome = await run_load(store, tasks=20, seconds=3)
        await assert_consistent(store, outcome)
    assert outcome.errors == []
    assert len(outcome.per_task) == 20
