"""The tables: users (UUID keys, JSONB preferences), batches and projects with status checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Uuid, literal_column
from sqlmodel import Field

from sqlmodel_store.models import StoreSchema, schema_registry
from sqlmodel_store.models.base import Str255, UtcDatetime, created_at_field, server_default
from sqlmodel_store.types import JSONDocument, UTCDateTime

# Every table of this schema is on this registry's metadata, apart from the bot's.
registry = schema_registry()
metadata = registry.metadata

BatchStatus = Literal[
    "draft", "queued", "running", "paused", "succeeded", "failed", "cancelled", "expired"
]
ProjectStatus = Literal["active", "archived", "deleted"]
BATCH_STATUSES: tuple[str, ...] = get_args(BatchStatus)
PROJECT_STATUSES: tuple[str, ...] = get_args(ProjectStatus)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Schema(StoreSchema, registry=registry):
    """Base of this schema's models: the toolkit's text rules, this schema's registry."""


def _uuid_key() -> Any:
    return Field(default_factory=uuid4, primary_key=True, sa_type=Uuid)


class UserBase(Schema):
    telegram_id: int = Field(sa_type=BigInteger, unique=True, description="Telegram user id.")
    username: Str255 | None = Field(default=None, sa_type=String(255), description="@name.")
    preferences: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSONDocument,
        sa_column_kwargs=server_default("{}"),
        description="Free-form settings (JSONB on PostgreSQL).",
    )


# Someone who uses the service.
class User(UserBase, table=True):
    __tablename__ = "users"
    id: UUID = _uuid_key()
    created_at: datetime = created_at_field("When the user first came (UTC).")
    last_login_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="The latest login (UTC)."
    )


class UserCreate(UserBase):
    pass


class UserUpdate(Schema):
    username: Str255 | None = None
    preferences: dict[str, Any] | None = None
    last_login_at: UtcDatetime | None = None


class BatchBase(Schema):
    user_id: UUID = Field(sa_type=Uuid, foreign_key="users.id", description="Whose batch.")
    status: BatchStatus = Field(
        default="draft",
        sa_type=String(20),
        sa_column_kwargs=server_default("draft"),
        description="Where the batch is in its life.",
    )
    item_count: int = Field(default=0, ge=0, description="How many items the batch holds.")
    expires_at: UtcDatetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When an unfinished batch expires."
    )


# A unit of processing work, from draft to one of its end states.
class Batch(BatchBase, table=True):
    __tablename__ = "batches"
    __table_args__ = (
        _one_of("status", BATCH_STATUSES),
        Index("ix_batches_user_id", "user_id"),
        Index("ix_batches_status", "status"),
        Index("ix_batches_created_at_desc", literal_column("created_at").desc()),
        Index("ix_batches_expires_at", "expires_at"),
    )
    id: UUID = _uuid_key()
    created_at: datetime = created_at_field("When the batch was created (UTC).")


class BatchCreate(BatchBase):
    pass


class BatchUpdate(Schema):
    status: BatchStatus | None = None
    item_count: int | None = Field(default=None, ge=0)
    expires_at: UtcDatetime | None = None


class ProjectBase(Schema):
    user_id: UUID = Field(sa_type=Uuid, foreign_key="users.id", description="Whose project.")
    name: Str255 = Field(sa_type=String(255), description="The project's name.")
    input: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONDocument, description="What the project works on."
    )
    status: ProjectStatus = Field(
        default="active",
        sa_type=String(20),
        sa_column_kwargs=server_default("active"),
        description="active, archived or deleted.",
    )


# A user's project, with its input document.
class Project(ProjectBase, table=True):
    __tablename__ = "projects"
    __table_args__ = (_one_of("status", PROJECT_STATUSES), Index("ix_projects_user_id", "user_id"))
    id: UUID = _uuid_key()
    created_at: datetime = created_at_field("When the project was created (UTC).")


class ProjectCreate(ProjectBase):
    pass


class ProjectUpdate(Schema):
    name: Str255 | None = None
    input: dict[str, Any] | None = None
    status: ProjectStatus | None = None
