"""FastAPI glue: the store's lifetime, a unit of work per request, health endpoints.

    app = FastAPI(lifespan=store_lifespan(store))
    app.include_router(health_router())

    @app.post("/users")
    async def add_user(user: UserCreate, uow: UnitOfWorkDep) -> UserRead:
        return UserRead.model_validate(await uow.users.upsert(user))

A request that cannot get a connection within `DATABASE_POOL_TIMEOUT`, or finds the database
unreachable, is answered 503 with `Retry-After`: an overloaded or absent database is the
client's cue to come back, never a 500 and never a request left hanging. Requires the
`fastapi` extra.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from sqlmodel_store.errors import (
    DatabaseUnavailableError,
    PoolTimeoutError,
    SchemaNotAtHeadError,
    StoreError,
)
from sqlmodel_store.store import Store
from sqlmodel_store.uow import SqlUnitOfWork

__all__ = ["UnitOfWorkDep", "health_router", "request_store", "store_lifespan", "unit_of_work"]

logger = logging.getLogger("sqlmodel_store")
# Waiting for the database again is pointless before this many seconds.
MIN_RETRY_AFTER_S = 1


def store_lifespan(
    store: Store,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that checks the schema at start-up and disposes of the engine at shutdown.

    The application refuses to start (the error is logged, then raised to the server) when
    the database is empty, behind or ahead of the migrations this code ships, or unreachable.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await store.ensure_at_head()
        except (SchemaNotAtHeadError, DatabaseUnavailableError) as error:
            logger.error(
                "refusing to start: %s",
                error,
                extra={"event": "startup_refused", "error_type": type(error).__name__},
            )
            await store.dispose()
            raise
        app.state.store = store
        try:
            yield
        finally:
            await store.dispose()

    return lifespan


def request_store(request: Request) -> Store:
    """The store that `store_lifespan` opened for this application."""
    store = getattr(request.app.state, "store", None)
    if not isinstance(store, Store):
        raise RuntimeError(
            "no store on the app: create it with FastAPI(lifespan=store_lifespan(store))"
        )
    return store


def _retry_after(store: Store) -> str:
    return str(max(MIN_RETRY_AFTER_S, math.ceil(store.settings.database_pool_timeout)))


def unavailable(store: Store, error: StoreError) -> HTTPException:
    """503 with `Retry-After` for a database that is saturated or gone."""
    return HTTPException(
        status_code=503,
        detail=str(error),
        headers={"Retry-After": _retry_after(store)},
    )


async def unit_of_work(request: Request) -> AsyncIterator[SqlUnitOfWork]:
    """One unit of work per request: committed when the endpoint returns, else rolled back.

    The commit happens before the response is sent (the dependency's scope is the endpoint
    function), so a client never sees a success for work that was not kept.
    """
    store = request_store(request)
    try:
        async with store.unit_of_work() as uow:
            yield uow
            await uow.commit()
    except (PoolTimeoutError, DatabaseUnavailableError) as error:
        raise unavailable(store, error) from error


UnitOfWorkDep = Annotated[SqlUnitOfWork, Depends(unit_of_work, scope="function")]


def health_router(*, prefix: str = "/health") -> APIRouter:
    """`GET /health/live` (the process answers) and `GET /health/ready` (the database does).

    Ready means the database answered and is at the head revision; otherwise the report is
    returned with 503, so a load balancer takes the instance out of rotation. A replica down
    or lagging leaves the instance ready (reads fall back to the primary): the report says
    "degraded" with 200.
    """
    router = APIRouter(prefix=prefix, tags=["health"])

    @router.get("/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready", response_model=None)
    async def ready(request: Request) -> JSONResponse:
        store = request_store(request)
        report = await store.health()
        body: dict[str, Any] = report.to_dict()
        if report.status != "error" and report.at_head:
            return JSONResponse(body)
        body["status"] = "error"
        if report.status != "error":
            body["error"] = f"the database is at revision {report.revision}, not {report.head}"
        return JSONResponse(body, status_code=503, headers={"Retry-After": _retry_after(store)})

    return router
