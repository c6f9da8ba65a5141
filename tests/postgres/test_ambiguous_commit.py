"""A connection that drops while COMMIT is in flight leaves the outcome unknown, and says so.

A TCP proxy in the test (loopback only) sits between the store and the server; armed, it
forwards the client's next message that contains a given statement, then cuts both sides
before the server's answer can come back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from sqlmodel_store import DatabaseUnavailableError, Store
from tests.factories import message, user
from tests.postgres.bot_load import assert_consistent, empty_store, run_load, stored

COMMIT = b"COMMIT;\x00"  # asyncpg's COMMIT, as a simple-query message
INSERT = b"INSERT INTO messages"


class CuttingProxy:
    """Forwards bytes both ways; `cut_after(marker)` drops the connection carrying the next
    client message with `marker`, right after forwarding it. `every` cuts repeatedly."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.marker: bytes | None = None
        self.every = 0
        self.seen = 0
        self.cuts = 0
        self.server: asyncio.Server | None = None

    def cut_after(self, marker: bytes, *, every: int = 0) -> None:
        self.marker, self.every, self.seen = marker, every, 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def _should_cut(self, chunk: bytes) -> bool:
        if self.marker is None or self.marker not in chunk:
            return False
        self.seen += 1
        if self.every and self.seen % self.every:
            return False
        if not self.every:
            self.marker = None
        self.cuts += 1
        return True

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(*self.target)

        async def upstream() -> None:
            while chunk := await client_r.read(65536):
                server_w.write(chunk)
                await server_w.drain()
                if self._should_cut(chunk):
                    return

        async def downstream() -> None:
            while chunk := await server_r.read(65536):
                client_w.write(chunk)
                await client_w.drain()

        pumps = [asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())]
        with contextlib.suppress(OSError):
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        for writer in (client_w, server_w):
            writer.transport.abort()  # a cut, not a goodbye: no answer reaches the client


@pytest.fixture
async def proxy(migrated_postgres: str) -> AsyncIterator[tuple[CuttingProxy, str]]:
    server = make_url(migrated_postgres)
    cutter = CuttingProxy(server.host or "127.0.0.1", server.port or 5432)
    port = await cutter.start()
    try:
        yield cutter, server.set(port=port).render_as_string(hide_password=False)
    finally:
        await cutter.stop()


async def _write_one(store: Store, n: int) -> None:
    async with store.unit_of_work() as uow:
        sender = await uow.users.upsert(user())
        assert sender.id is not None
        await uow.messages.add(message(sender.id, n))
        await uow.commit()


async def test_a_connection_cut_after_commit_was_sent_reports_the_outcome_unknown(
    proxy: tuple[CuttingProxy, str],
) -> None:
    cutter, url = proxy
    async with empty_store(url) as store:
        cutter.cut_after(COMMIT)
        with pytest.raises(DatabaseUnavailableError) as raised:
            await _write_one(store, 1)
        assert raised.value.outcome_unknown
        assert "may or may not have been committed" in str(raised.value)
        assert "unreachable" not in str(raised.value)
        assert raised.value.__cause__ is not None
        await _write_one(store, 2)  # the cut connection was dropped, the next unit works
    assert cutter.cuts == 1


async def test_a_connection_cut_before_commit_says_nothing_was_written(
    proxy: tuple[CuttingProxy, str],
) -> None:
    cutter, url = proxy
    async with empty_store(url) as store:
        cutter.cut_after(INSERT)
        with pytest.raises(DatabaseUnavailableError) as raised:
            await _write_one(store, 1)
        assert not raised.value.outcome_unknown
        assert "nothing of it was written" in str(raised.value)
        pairs, _ = await stored(store)
    assert pairs == []


async def test_under_load_with_commits_cut_every_acknowledged_update_is_stored_once(
    proxy: tuple[CuttingProxy, str],
) -> None:
    cutter, url = proxy
    async with empty_store(url) as store:
        cutter.cut_after(COMMIT, every=7)
        outcome = await run_load(store, tasks=20, seconds=4)
        cutter.cut_after(b"never sent")
        await assert_consistent(store, outcome)
    assert cutter.cuts > 0
    assert outcome.unknown, "some commits were cut in flight"
    assert all(isinstance(e, DatabaseUnavailableError) for e in outcome.errors)
