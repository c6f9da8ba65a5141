"""Read throughput with one streaming replica against none, and a bot-like load across a failover.

Builds its own primary and replica on loopback from the PostgreSQL binaries (the tests' cluster,
`tests/replica_cluster.py`), so run it from the project root:

    .venv/bin/python benchmarks/replica_bench.py
    .venv/bin/python benchmarks/replica_bench.py --readers 20 --seconds 5 --rounds 3

Reads: `readers` tasks each open read-only units of work and read a chat's last 50 messages, for
`seconds`; the store without replicas reads from the primary, the other from the replica (with a
status query per unit, the price of routing). The two alternate, A B A B, medians of `rounds`.
On one machine both servers share the same cores: the figure is the cost of routing, not the
capacity a second machine would add.

Load: 50 chats writing and reading back with commit tokens for 20 s, the primary crashed
(`pg_ctl stop -m immediate`, synchronous standby) and the replica promoted after 8 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' cluster and driver

from sqlmodel_store import Store, StoreSettings
from tests.factories import message, user
from tests.pg_server import run_blocking
from tests.replica_cluster import ReplicaCluster, execute, replica_cluster
from tests.replicas.bot_load import bot_load

DATABASE = "bench"
CHATS, MESSAGES_PER_CHAT = 20, 1_000


def _settings(cluster: ReplicaCluster, replicas: list[str], **extra: object) -> StoreSettings:
    return StoreSettings.model_validate(
        {"database_url": cluster.primary_url(DATABASE), "database_read_urls": replicas} | extra
    )


async def _seed(cluster: ReplicaCluster) -> None:
    async with Store(_settings(cluster, [])) as store:
        await store.upgrade()
        async with store.unit_of_work() as uow:
            author = (await uow.users.add(user())).id or 0
            for chat in range(CHATS):
                await uow.messages.add_many(
                    message(author, n, chat_id=-1_000 - chat) for n in range(MESSAGES_PER_CHAT)
                )
            await uow.commit()


async def _reads_per_second(settings: StoreSettings, readers: int, seconds: float) -> float:
    done = 0

    async def reader(n: int) -> None:
        nonlocal done
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            async with store.unit_of_work(read_only=True) as ro:
                await ro.messages.history(-1_000 - (n + done) % CHATS, limit=50)
            done += 1

    async with Store(settings) as store:
        await asyncio.gather(*(reader(n) for n in range(readers)))
    return done / seconds


def read_throughput(cluster: ReplicaCluster, readers: int, seconds: float, rounds: int) -> None:
    peers = {
        "primary only": _settings(cluster, []),
        "1 replica": _settings(cluster, [cluster.replica_url(DATABASE)]),
    }
    figures: dict[str, list[float]] = {name: [] for name in peers}
    for _ in range(rounds):
        for name, settings in peers.items():
            figures[name].append(run_blocking(_reads_per_second(settings, readers, seconds)))
    for name, values in figures.items():
        runs = ", ".join(f"{value:.0f}" for value in values)
        print(
            f"reads/s, {readers} readers, {name}: median {statistics.median(values):.0f} ({runs})"
        )


async def _failover_load(cluster: ReplicaCluster) -> str:
    await execute(cluster.primary.url, "ALTER SYSTEM SET synchronous_standby_names = '*'")
    await execute(cluster.primary.url, "SELECT pg_reload_conf()")

    async def crash_and_promote() -> None:
        await asyncio.to_thread(cluster.stop, cluster.primary, "immediate")
        await asyncio.to_thread(cluster.promote)

    hosts = f"{cluster.primary.host},{cluster.replica.host}"
    settings = _settings(
        cluster,
        [cluster.replica_url(DATABASE)],
        database_url=f"postgresql://postgres@{hosts}/{DATABASE}",
        database_pool_size=25,
        database_max_overflow=25,
    )
    async with Store(settings) as store:
        result = await bot_load(
            store, tasks=50, duration_s=20, failover=crash_and_promote, failover_at_s=8
        )
    return result.figures()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with replica_cluster() as cluster:
        run_blocking(execute(cluster.primary.url, f'CREATE DATABASE "{DATABASE}"'))
        run_blocking(_seed(cluster))
        cluster.wait_replayed()
        read_throughput(cluster, args.readers, args.seconds, args.rounds)
        print("failover load:", run_blocking(_failover_load(cluster)))


if __name__ == "__main__":
    main()
