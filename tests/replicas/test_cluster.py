"""The cluster fixture itself: a replica that streams, stops, starts and is promoted."""

from __future__ import annotations

import asyncpg
import pytest

from tests.pg_server import run_blocking
from tests.replica_cluster import ReplicaCluster, execute, fetchval
from tests.replicas.conftest import DATABASE


def test_a_row_written_on_the_primary_is_read_on_the_replica(cluster: ReplicaCluster) -> None:
    run_blocking(execute(cluster.primary_url(DATABASE), "CREATE TABLE probe (n int)"))
    run_blocking(execute(cluster.primary_url(DATABASE), "INSERT INTO probe VALUES (41)"))
    cluster.wait_replayed()
    assert run_blocking(fetchval(cluster.replica_url(DATABASE), "SELECT n FROM probe")) == 41


def test_the_replica_refuses_writes(cluster: ReplicaCluster) -> None:
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        run_blocking(execute(cluster.replica_url(DATABASE), "INSERT INTO probe VALUES (1)"))


def test_a_stopped_replica_streams_again_after_start(cluster: ReplicaCluster) -> None:
    cluster.stop(cluster.replica)
    try:
        run_blocking(fetchval(cluster.replica.url, "SELECT 1"))
    except OSError:
        refused = True
    else:
        refused = False
    cluster.start(cluster.replica)
    cluster.wait_streaming()
    assert refused


def test_a_promoted_replica_takes_writes(cluster: ReplicaCluster) -> None:
    cluster.stop(cluster.primary)
    cluster.promote()
    url = cluster.replica_url(DATABASE)
    run_blocking(execute(url, "INSERT INTO probe VALUES (42)"))
    assert run_blocking(fetchval(url, "SELECT max(n) FROM probe")) == 42
    assert run_blocking(fetchval(url, "SELECT pg_is_in_recovery()")) is False
