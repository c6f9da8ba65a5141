"""A throwaway primary and streaming replica on loopback, built from the PostgreSQL binaries.

`initdb` makes the primary (`wal_level=replica`, fsync off: nothing here must survive a crash),
`pg_basebackup -R` copies it into a replica that streams from a physical replication slot.
Tests stop, start and promote the pieces to see what bot code would see.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from tests.pg_server import NoServerError, run_blocking

SLOT = "store_replica"


def _bindir() -> Path:
    """Where initdb, pg_ctl and pg_basebackup of one PostgreSQL version live."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(found.stdout.strip())
        if (bindir / "pg_basebackup").exists():
            return bindir
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_basebackup").exists():
            return candidate
    raise NoServerError("no PostgreSQL binaries (initdb, pg_ctl, pg_basebackup) were found")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    """One server of the cluster: its data directory, port and log."""

    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class ReplicaCluster:
    """A primary and one streaming replica; both start in the constructor's `started()`."""

    root: Path
    bindir: Path
    primary: Node
    replica: Node
    run_as: list[str] = field(default_factory=list)

    def _run(self, *args: str) -> None:
        try:
            subprocess.run([*self.run_as, *args], check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            raise NoServerError(
                f"{Path(args[0]).name} failed ({error.returncode}): {error.stderr.strip()}"
            ) from None

    def _pg_ctl(self, node: Node, *args: str) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(node.data), "-w", "-t", "60", *args)

    def start(self, node: Node) -> None:
        options = f"-p {node.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._pg_ctl(node, "-l", str(node.log), "-o", options, "start")

    def stop(self, node: Node, mode: str = "fast") -> None:
        self._pg_ctl(node, "-m", mode, "stop")

    def promote(self) -> None:
        """Make the replica a primary (the old primary should be stopped first)."""
        self._pg_ctl(self.replica, "promote")

    def make_primary(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.primary.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        )
        settings = (
            "wal_level = replica\nmax_wal_senders = 10\nmax_replication_slots = 10\n"
            "fsync = off\nsynchronous_commit = on\nhot_standby_feedback = on\n"
            "wal_receiver_status_interval = 1s\n"
        )
        with (self.primary.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(settings)
        with (self.primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self.start(self.primary)

    def make_replica(self) -> None:
        run_blocking(
            execute(self.primary.url, f"SELECT pg_create_physical_replication_slot('{SLOT}')")
        )
        self._run(
            str(self.bindir / "pg_basebackup"),
            "-D",
            str(self.replica.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-R",
            "-S",
            SLOT,
            "-X",
            "stream",
            "--no-sync",
        )
        self.start(self.replica)
        self.wait_streaming()

    def wait_streaming(self, timeout: float = 30.0) -> None:
        """Return once the replica streams from the primary."""
        deadline = time.monotonic() + timeout
        query = "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
        while run_blocking(fetchval(self.primary.url, query)) != 1:
            if time.monotonic() > deadline:
                raise NoServerError(f"the replica did not start streaming within {timeout:g} s")
            time.sleep(0.1)

    def wait_replayed(self, timeout: float = 30.0) -> None:
        """Return once the replica has replayed everything the primary has written so far."""
        target = run_blocking(
            fetchval(self.primary.url, "SELECT pg_current_wal_insert_lsn()::text")
        )
        query = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        deadline = time.monotonic() + timeout
        while run_blocking(fetchval(self.replica.url, query)) is not True:
            if time.monotonic() > deadline:
                raise NoServerError(f"the replica did not catch up within {timeout:g} s")
            time.sleep(0.05)

    def primary_url(self, database: str) -> str:
        return f"postgresql://postgres@{self.primary.host}/{database}"

    def replica_url(self, database: str) -> str:
        return f"postgresql://postgres@{self.replica.host}/{database}"

    def replica_socket_url(self, database: str) -> str:
        """The replica again, through its Unix socket: a second route tests can tell apart."""
        return f"postgresql://postgres@/{database}?host={self.root}&port={self.replica.port}"

    def multi_host_url(self, database: str) -> str:
        """The primary URL listing both servers, as bot code configures it for failover."""
        return (
            f"postgresql://postgres@/{database}?host={self.primary.host}&host={self.replica.host}"
            "&target_session_attrs=read-write"
        )


async def execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def fetchval(url: str, query: str) -> object:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


def _run_as(root: Path) -> list[str]:
    """PostgreSQL refuses to run as root: then run every binary as the `postgres` user."""
    if os.geteuid() != 0:
        return []
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise NoServerError("running as root, and no `postgres` user to run initdb") from None
    os.chown(root, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def replica_cluster() -> Iterator[ReplicaCluster]:
    """A running primary and streaming replica, removed afterwards whatever state they are in.

    Raises:
        NoServerError: the binaries are missing or a server would not start; says which.
    """
    root = Path(tempfile.mkdtemp(prefix="store-cluster-"))
    root.chmod(0o755)
    cluster = ReplicaCluster(
        root=root,
        bindir=_bindir(),
        primary=Node(root / "primary", _free_port(), root / "primary.log"),
        replica=Node(root / "replica", _free_port(), root / "replica.log"),
        run_as=_run_as(root),
    )
    try:
        cluster.make_primary()
        cluster.make_replica()
        yield cluster
    finally:
        for node in (cluster.replica, cluster.primary):
            if (node.data / "postmaster.pid").exists():
                pg_ctl = str(cluster.bindir / "pg_ctl")
                stop = [pg_ctl, "-D", str(node.data), "-m", "immediate", "stop"]
                subprocess.run([*cluster.run_as, *stop], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
