"""FastAPI on the store, through httpx against the real database (SQLite and PostgreSQL).

A unit of work per request, the lifespan's start-up guard and shutdown, the health routes,
and an exhausted pool answered 503 with Retry-After once the pool timeout has passed.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from sqlmodel_store import SchemaNotAtHeadError, Store, StoreSettings, migrations
from sqlmodel_store.fastapi import UnitOfWorkDep, health_router, store_lifespan
from sqlmodel_store.health import pool_stats
from sqlmodel_store.models import UserCreate, UserRead

# How long the slow route keeps its connection: far longer than the pool timeout.
HOLD_S = 5.0


def make_app(store: Store) -> FastAPI:
    app = FastAPI(lifespan=store_lifespan(store))
    app.include_router(health_router())

    @app.put("/users/{telegram_id}")
    async def put_user(telegram_id: int, uow: UnitOfWorkDep) -> UserRead:
        user = await uow.users.upsert(UserCreate(telegram_id=telegram_id))
        return UserRead.model_validate(user)

    @app.put("/users/{telegram_id}/refused")
    async def put_and_refuse(telegram_id: int, uow: UnitOfWorkDep) -> None:
        await uow.users.upsert(UserCreate(telegram_id=telegram_id))
        raise HTTPException(status_code=409, detail="refused after writing")

    @app.get("/users/{telegram_id}")
    async def get_user(telegram_id: int, uow: UnitOfWorkDep) -> UserRead:
        user = await uow.users.get_by_telegram_id(telegram_id)
        if user is None:
            raise HTTPException(status_code=404)
        return UserRead.model_validate(user)

    @app.put("/slow")
    async def slow(uow: UnitOfWorkDep) -> None:
        await uow.users.upsert(UserCreate(telegram_id=1))  # holds a connection from here
        await asyncio.sleep(HOLD_S)

    return app


@asynccontextmanager
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client in the test's own event loop, with the app's lifespan around it."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://app") as http,
    ):
        yield http


async def test_a_request_commits_what_its_endpoint_wrote(store: Store) -> None:
    async with client(make_app(store)) as http:
        written = await http.put("/users/42")
        read = await http.get("/users/42")
    assert written.status_code == 200
    assert read.status_code == 200
    assert read.json()["id"] == written.json()["id"]


async def test_an_endpoint_that_raises_keeps_nothing(store: Store) -> None:
    async with client(make_app(store)) as http:
        refused = await http.put("/users/42/refused")
        read = await http.get("/users/42")
    assert refused.status_code == 409
    assert read.status_code == 404


async def test_health_live_and_ready_answer_200_at_head(store: Store) -> None:
    async with client(make_app(store)) as http:
        live = await http.get("/health/live")
        ready = await http.get("/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["revision"] == migrations.head()


async def test_ready_is_503_when_the_database_falls_behind_the_code(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with client(make_app(store)) as http:
        monkeypatch.setattr(migrations, "head", lambda: "a_newer_revision")
        ready = await http.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "error"
    assert "not a_newer_revision" in ready.json()["error"]


async def test_ready_is_503_when_the_database_is_gone(store: Store) -> None:
    app = make_app(store)
    async with client(app) as http:
        await store.dispose()
        gone = Store(StoreSettings(database_url=_unreachable(store), database_pool_timeout=2))
        app.state.store = gone
        ready = await http.get("/health/ready")
        await gone.dispose()
    # aiosqlite's worker thread of the failed connection ends when the connection is
    # collected: collect it while this test's event loop can still take its last callback.
    gc.collect()
    await asyncio.sleep(0.1)
    assert ready.status_code == 503
    assert ready.json()["status"] == "error"


@pytest.mark.parametrize("backend", ["postgres"])
async def test_ready_stays_200_and_says_degraded_when_a_replica_is_down(store: Store) -> None:
    settings = store.settings.model_copy(
        update={"database_read_urls": [_unreachable(store)], "database_pool_timeout": 2}
    )
    async with Store(settings) as degraded, client(make_app(degraded)) as http:
        ready = await http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"


def _unreachable(store: Store) -> str:
    if store.dialect == "sqlite":
        return "sqlite+aiosqlite:////nonexistent-directory/store.db"
    return "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


async def test_the_app_refuses_to_start_on_a_database_without_the_schema(
    new_database: Callable[[str], str], backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(StoreSettings(database_url=new_database(backend)))
    caplog.set_level(logging.ERROR, logger="sqlmodel_store")
    with pytest.raises(SchemaNotAtHeadError, match="python -m sqlmodel_store upgrade"):
        async with client(make_app(store)):
            pass
    refused = [r for r in caplog.records if getattr(r, "event", None) == "startup_refused"]
    assert len(refused) == 1
    assert refused[0].levelno == logging.ERROR
    assert "refusing to start: the database has no schema yet" in refused[0].getMessage()


async def test_shutdown_closes_every_pooled_connection(store: Store) -> None:
    async with client(make_app(store)) as http:
        await http.put("/users/42")
        stats = pool_stats(store.engine)
        assert stats is not None
        assert stats.checked_in == 1
    stats = pool_stats(store.engine)
    assert stats is not None
    assert stats.checked_in == 0


async def test_an_exhausted_pool_answers_503_with_retry_after_once_the_timeout_passes(
    store_url: str,
) -> None:
    settings = StoreSettings(
        database_url=store_url,
        database_pool_size=1,
        database_max_overflow=0,
        database_pool_timeout=0.5,
    )
    store = Store(settings)
    async with client(make_app(store)) as http:
        holder = asyncio.create_task(http.put("/slow"))
        await asyncio.sleep(0.3)  # the slow request has taken the only connection
        started = time.perf_counter()
        refused = await http.get("/users/42")
        waited = time.perf_counter() - started
        assert not holder.done()
        assert (await holder).status_code == 200
        after = await http.get("/users/1")
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert "DATABASE_POOL_TIMEOUT" in refused.json()["detail"]
    assert settings.database_pool_timeout <= waited < HOLD_S
    assert after.status_code == 200
