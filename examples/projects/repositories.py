"""The schema's repositories: the toolkit's typed basics (UUID keys) plus the service's queries."""

from __future__ import annotations

from uuid import UUID

from sqlmodel import col, select

from examples.projects.models import (
    Batch,
    BatchCreate,
    BatchStatus,
    BatchUpdate,
    Project,
    ProjectCreate,
    ProjectStatus,
    ProjectUpdate,
    User,
    UserCreate,
    UserUpdate,
)
from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.models.base import utcnow
from sqlmodel_store.repositories import Repository
from sqlmodel_store.repositories.base import CreateT, TableT, UpdateT


class _Keyed(Repository[TableT, CreateT, UpdateT, UUID]):
    """Rows with UUID keys, created_at and an owner: by id, and a user's pages."""

    async def get_by_id(self, id: UUID) -> TableT | None:
        """The row with this id, or None."""
        return await self.get(id)

    async def list_by_user(
        self, user_id: UUID, *, limit: int = 50, offset: int = 0
    ) -> list[TableT]:
        """The user's rows, newest first: `limit` of them after skipping `offset`."""
        table = self.table
        statement = (
            select(table)
            .where(col(table.user_id) == user_id)
            .order_by(col(table.created_at).desc(), col(table.id))
            .limit(limit)
            .offset(offset)
        )
        async with database_errors():
            rows: list[TableT] = list((await self._session.exec(statement)).all())
        return rows


class UserRepository(Repository[User, UserCreate, UserUpdate, UUID]):
    table = User
    create_schema = UserCreate
    update_schema = UserUpdate

    async def get_by_id(self, id: UUID) -> User | None:
        """The user with this id, or None."""
        return await self.get(id)

    async def update_last_login(self, id: UUID) -> User:
        """Record a login now.

        Raises:
            NotFoundError: no user has this id.
        """
        return await self.update(id, {"last_login_at": utcnow()})


class BatchRepository(_Keyed[Batch, BatchCreate, BatchUpdate]):
    table = Batch
    create_schema = BatchCreate
    update_schema = BatchUpdate

    async def update_status(self, id: UUID, status: BatchStatus) -> Batch:
        """Move the batch to `status` (validated; the CHECK constraint guards it too).

        Raises:
            NotFoundError: no batch has this id.
        """
        return await self.update(id, BatchUpdate(status=status))


class ProjectRepository(_Keyed[Project, ProjectCreate, ProjectUpdate]):
    table = Project
    create_schema = ProjectCreate
    update_schema = ProjectUpdate

    async def update_status(self, id: UUID, status: ProjectStatus) -> Project:
        """Move the project to `status`.

        Raises:
            NotFoundError: no project has this id.
        """
        return await self.update(id, ProjectUpdate(status=status))
