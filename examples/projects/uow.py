"""The schema's unit of work and store: the toolkit's transaction, this schema's repositories."""

from __future__ import annotations

from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from examples.projects.repositories import BatchRepository, ProjectRepository, UserRepository
from sqlmodel_store import BaseUnitOfWork, Store, StoreSettings

# This schema's Alembic scripts (env.py and versions/), apart from the bot schema's.
MIGRATIONS = Path(__file__).resolve().parent / "alembic"


class ProjectsUnitOfWork(BaseUnitOfWork):
    """One transaction over users, batches and projects; commit() or it is rolled back."""

    users: UserRepository
    batches: BatchRepository
    projects: ProjectRepository

    def _bind(self, session: AsyncSession, dialect: str) -> None:
        self.users = UserRepository(session, dialect)
        self.batches = BatchRepository(session, dialect)
        self.projects = ProjectRepository(session, dialect)


def projects_store(settings: StoreSettings | None = None) -> Store:
    """A store on this schema: its migrations, upgrade, ensure_at_head and health."""
    return Store(settings, migrations=MIGRATIONS)


def unit_of_work(store: Store) -> ProjectsUnitOfWork:
    """`async with unit_of_work(store) as uow:` — a unit of work of this schema."""
    return store.open_unit(ProjectsUnitOfWork)
