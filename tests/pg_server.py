"""Find a PostgreSQL server for the tests, or say exactly why there is none.

Order (as the README says): TEST_DATABASE_URL; the local server at 127.0.0.1:5432; a throwaway
cluster from the initdb/pg_ctl binaries; otherwise no server (the caller skips, or fails when
STORE_REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import URL, make_url

T = TypeVar("T")
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


class NoServerError(Exception):
    """No PostgreSQL server could be found or started; the message says what was tried."""


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while an event loop is running.

    Fixtures are sync, but pytest-asyncio may already run a loop when they are set up: a
    thread of its own gives the coroutine a loop of its own.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _reachable(url: str) -> str | None:
    """None when the server answers, else why it does not."""

    async def probe() -> None:
        connection = await asyncpg.connect(_dsn(make_url(url)), timeout=3)
        await connection.close()

    try:
        run_blocking(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Cluster:
    """A throwaway PostgreSQL cluster the tests own: they may stop and start it at will."""

    url: str
    data: Path
    log: Path
    options: str
    run_as: tuple[str, ...]

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = shutil.which("pg_ctl") or "pg_ctl"
        subprocess.run(
            [*self.run_as, pg_ctl, "-D", str(self.data), *args], check=True, capture_output=True
        )

    def start(self) -> None:
        self._pg_ctl("-w", "-l", str(self.log), "-o", self.options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: roll back open transactions and close every connection)."""
        self._pg_ctl("-w", "-m", mode, "stop")


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A new cluster on a free port, removed afterwards."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        raise NoServerError("initdb/pg_ctl are not on PATH")
    # PostgreSQL refuses to run as root: run the cluster as the `postgres` system user.
    run_as: list[str] = []
    root = tempfile.mkdtemp(prefix="store-pg-")
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise NoServerError("running as root, and no `postgres` user to run initdb") from None
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    cluster = Cluster(
        url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
        data=Path(root) / "data",
        log=Path(root) / "log",
        options=f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
        run_as=tuple(run_as),
    )
    try:
        subprocess.run(
            [*run_as, initdb, "-D", str(cluster.data), "-U", "postgres", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        cluster.start()
    except (subprocess.CalledProcessError, OSError) as error:
        shutil.rmtree(root, ignore_errors=True)
        raise NoServerError(f"could not start a throwaway cluster: {error}") from None
    try:
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _throwaway_cluster() -> Iterator[str]:
    with throwaway_cluster() as cluster:
        yield cluster.url


@contextmanager
def postgres_server() -> Iterator[str]:
    """The admin URL of a server the tests may create databases on."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        problem = _reachable(explicit)
        if problem:
            raise NoServerError(f"TEST_DATABASE_URL does not answer: {problem}")
        yield explicit
        return
    local_problem = _reachable(LOCAL_SERVER)
    if local_problem is None:
        yield LOCAL_SERVER
        return
    try:
        with _throwaway_cluster() as url:
            yield url
    except NoServerError as error:
        raise NoServerError(f"127.0.0.1:5432 does not answer ({local_problem}); {error}") from None


async def create_database(admin_url: str, prefix: str = "store_test") -> str:
    """Create a new, empty database and return its URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_url(admin_url)
    connection = await asyncpg.connect(_dsn(admin))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin.set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by `create_database`, closing whatever still uses it."""
    name = make_url(url).database
    connection = await asyncpg.connect(_dsn(make_url(admin_url)))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
