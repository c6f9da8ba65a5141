"""A FastAPI service on the store: users by Telegram id, health endpoints, 503 when saturated.

Run it with `uvicorn fastapi_app:app` (settings from `DATABASE_URL` etc.). Tested by
`tests/docs/test_fastapi_example.py` against SQLite and PostgreSQL.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException

from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.fastapi import UnitOfWorkDep, health_router, store_lifespan
from sqlmodel_store.models import UserCreate, UserRead, UserUpdate


def create_app(settings: StoreSettings | None = None) -> FastAPI:
    """The application; its store opens at start-up and closes at shutdown."""
    app = FastAPI(title="bot users", lifespan=store_lifespan(Store(settings)))
    app.include_router(health_router())

    @app.put("/users/{telegram_id}")
    async def put_user(telegram_id: int, user: UserUpdate, uow: UnitOfWorkDep) -> UserRead:
        """Create the user, or change the fields given; committed before the response."""
        given = user.model_dump(exclude_unset=True)
        row = await uow.users.upsert(UserCreate(telegram_id=telegram_id, **given))
        return UserRead.model_validate(row)

    @app.get("/users/{telegram_id}")
    async def get_user(telegram_id: int, uow: UnitOfWorkDep) -> UserRead:
        row = await uow.users.get_by_telegram_id(telegram_id)
        if row is None:
            raise HTTPException(status_code=404, detail=f"no user {telegram_id}")
        return UserRead.model_validate(row)

    return app
