"""The bot's long-term memories, with emotions (VAD) and Zettelkasten attributes."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Double, Integer, String, Text
from sqlmodel import Field

from sqlmodel_store.models.base import (
    Emotion,
    Int64,
    NonNegativeInt32,
    PositiveInt32,
    RowId,
    StoreSchema,
    Str50,
    UtcDatetime,
    created_at_field,
    server_default,
    utcnow,
)
from sqlmodel_store.types import BigIntList, IdType, TextList, UTCDateTime


class MemoryBase(StoreSchema):
    simple_content: str = Field(sa_type=Text, description="Short form: emotions and key facts.")
    full_content: str = Field(sa_type=Text, description="Full detail with context.")
    importance: NonNegativeInt32 = Field(
        default=0,
        sa_type=Integer,
        sa_column_kwargs=server_default(0),
        description="How much it matters (≥ 0).",
    )
    emotion_valence: Emotion | None = Field(
        default=None, sa_type=Double, description="Valence in [-1, 1] (negative → positive)."
    )
    emotion_arousal: Emotion | None = Field(
        default=None, sa_type=Double, description="Arousal in [-1, 1] (calm → excited)."
    )
    emotion_dominance: Emotion | None = Field(
        default=None, sa_type=Double, description="Dominance in [-1, 1] (submissive → dominant)."
    )
    emotion_label: Str50 | None = Field(
        default=None, sa_type=String(50), description="Named emotion (joy, sadness, …)."
    )
    keywords: list[str] | None = Field(default=None, sa_type=TextList, description="Keywords.")
    tags: list[str] | None = Field(default=None, sa_type=TextList, description="Tags.")
    context_temporal: str | None = Field(
        default=None, sa_type=Text, description="When it happened, in words."
    )
    context_situational: str | None = Field(
        default=None, sa_type=Text, description="The situation or setting."
    )
    version: PositiveInt32 = Field(
        default=1,
        sa_type=Integer,
        sa_column_kwargs=server_default(1),
        description="Version of this memory (≥ 1).",
    )
    parent_id: RowId | None = Field(
        default=None,
        sa_type=IdType,
        foreign_key="memories.id",
        description="The memory this one evolved from.",
    )
    evolution_triggers: list[Int64] | None = Field(
        default=None, sa_type=BigIntList, description="Ids of what triggered its evolution."
    )
    created_by: Int64 = Field(sa_type=BigInteger, description="Telegram id of the creator.")
    created_at: UtcDatetime = created_at_field("When the row was created (UTC).")
    updated_at: UtcDatetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        sa_column_kwargs={"onupdate": utcnow},
        description="When it last changed (UTC).",
    )
    last_accessed: UtcDatetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When it was last recalled (UTC)."
    )
    access_count: NonNegativeInt32 = Field(
        default=0,
        sa_type=Integer,
        sa_column_kwargs=server_default(0),
        description="How often it was recalled.",
    )


# One memory; versions chain through parent_id, links live in memory_links.
class Memory(MemoryBase, table=True):
    __tablename__ = "memories"
    __table_args__ = (
        CheckConstraint("emotion_valence BETWEEN -1 AND 1", name="emotion_valence_range"),
        CheckConstraint("emotion_arousal BETWEEN -1 AND 1", name="emotion_arousal_range"),
        CheckConstraint("emotion_dominance BETWEEN -1 AND 1", name="emotion_dominance_range"),
        CheckConstraint("importance >= 0", name="importance_non_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class MemoryCreate(MemoryBase):
    pass


class MemoryRead(MemoryBase):
    id: int


class MemoryUpdate(StoreSchema):
    simple_content: str | None = None
    full_content: str | None = None
    importance: NonNegativeInt32 | None = None
    emotion_valence: Emotion | None = None
    emotion_arousal: Emotion | None = None
    emotion_dominance: Emotion | None = None
    emotion_label: Str50 | None = None
    keywords: list[str] | None = None
    tags: list[str] | None = None
    context_temporal: str | None = None
    context_situational: str | None = None
    version: PositiveInt32 | None = None
    parent_id: RowId | None = None
    evolution_triggers: list[Int64] | None = None
    created_by: Int64 | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    last_accessed: UtcDatetime | None = None
    access_count: NonNegativeInt32 | None = None
