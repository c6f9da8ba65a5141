"""legacy_import against a primary and its streaming replica: it loads into the primary of a
multi-host URL, and refuses a read-only server before writing anything."""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path

import pytest

from tests.legacy.helpers import counts, run
from tests.pg_server import run_blocking
from tests.replica_cluster import ReplicaCluster, execute, fetchval
from tests.replicas.conftest import DATABASE

WHEN = "2024-05-01T12:00:00+00:00"
_databases = count(1)
READ_ONLY = "error: the target database is read-only (a standby replica, or default_transaction_"


def _dump(path: Path) -> Path:
    path.mkdir()
    users = [{"id": i, "telegram_id": 5000 + i, "created_at": WHEN} for i in (1, 2)]
    messages = [
        {"id": n, "user_id": 1 + n % 2, "chat_id": -200 - n % 3, "message_id": n, "timestamp": WHEN}
        for n in range(1, 11)
    ]
    (path / "users.json").write_text(json.dumps(users), encoding="utf-8")
    (path / "messages.json").write_text(json.dumps(messages), encoding="utf-8")
    return path


def _new_database(cluster: ReplicaCluster) -> str:
    """A new empty database on the primary, streamed to the replica too."""
    name = f"import_{next(_databases)}"
    run_blocking(execute(cluster.primary.url, f'CREATE DATABASE "{name}"'))
    cluster.wait_replayed()
    return name


def _loaded(cluster: ReplicaCluster, name: str) -> dict[str, int]:
    every = counts(cluster.primary_url(name))
    return {table: rows for table, rows in every.items() if rows}


@pytest.mark.parametrize("database", [DATABASE, None], ids=["migrated", "empty"])
def test_a_run_against_the_replica_exits_3_in_one_line_and_writes_nothing(
    cluster: ReplicaCluster,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    database: str | None,
) -> None:
    name = database or _new_database(cluster)
    source = _dump(tmp_path / "dump")
    code, out = run(capsys, str(source), "--database-url", cluster.replica_url(name))
    assert code == 3
    [line] = out.strip().splitlines()
    assert line.startswith(READ_ONLY)
    assert "primary" in line
    if database is None:
        assert run_blocking(_tables(cluster.primary_url(name))) == 0
    else:
        assert _loaded(cluster, name) == {}


async def _tables(url: str) -> int:
    """Tables in the database: an empty target the run would have migrated stays empty."""
    return int(
        str(await fetchval(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
    )


def _host_forms(cluster: ReplicaCluster, name: str) -> dict[str, str]:
    """The replica listed first: only the writable server may be chosen."""
    replica, primary = cluster.replica.host, cluster.primary.host
    return {
        "query": f"postgresql://postgres@/{name}?host={replica}&host={primary}",
        "libpq": f"postgresql://postgres@{replica},{primary}/{name}",
    }


@pytest.mark.parametrize("form", ["query", "libpq"])
def test_a_run_with_a_multi_host_url_loads_into_the_primary(
    cluster: ReplicaCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    name = _new_database(cluster)
    source = _dump(tmp_path / "dump")
    code, out = run(capsys, str(source), "--database-url", _host_forms(cluster, name)[form])
    assert code == 0, out
    loaded = _loaded(cluster, name)
    assert (loaded["users"], loaded["messages"]) == (2, 10)
    cluster.wait_replayed()
    assert counts(cluster.replica_url(name))["messages"] == 10
