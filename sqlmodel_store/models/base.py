"""What every model shares: the metadata's naming convention, value bounds, text rules."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from annotated_types import Interval, MaxLen
from pydantic import AfterValidator, AllowInfNan, model_validator
from sqlalchemy import MetaData, event, false, func, text, true
from sqlalchemy.orm import Mapper, registry
from sqlmodel import Field, SQLModel
from sqlmodel._compat import finish_init, init_pydantic_private_attrs

from sqlmodel_store.types import UTCDateTime, as_utc

# Deterministic constraint names, so a migration can name exactly what it creates or drops.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def schema_registry() -> registry:
    """A model registry of its own, for a schema other than the bot's.

    Tables of `class Base(StoreSchema, registry=schema_registry())` land on its metadata,
    with the same naming convention, instead of the bot schema's: each schema's migrations
    and drift checks see only their own tables.
    """
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Validated value types, shared by the base, create and update schemas of every model.
Int32 = Annotated[int, Interval(ge=INT32_MIN, le=INT32_MAX)]
NonNegativeInt32 = Annotated[int, Interval(ge=0, le=INT32_MAX)]
PositiveInt32 = Annotated[int, Interval(ge=1, le=INT32_MAX)]
Int64 = Annotated[int, Interval(ge=INT64_MIN, le=INT64_MAX)]
RowId = Annotated[int, Interval(ge=1, le=INT64_MAX)]
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
# NaN and infinities are refused: SQLite stores NaN as NULL and neither compares equal.
FiniteFloat = Annotated[float, AllowInfNan(False)]
Unit = Annotated[float, Interval(ge=0.0, le=1.0), AllowInfNan(False)]
Emotion = Annotated[float, Interval(ge=-1.0, le=1.0), AllowInfNan(False)]
Str10 = Annotated[str, MaxLen(10)]
Str50 = Annotated[str, MaxLen(50)]
Str100 = Annotated[str, MaxLen(100)]
Str200 = Annotated[str, MaxLen(200)]
Str255 = Annotated[str, MaxLen(255)]


def utcnow() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


# Server-side defaults, so rows written outside the ORM (COPY, raw SQL) get them too.
NOW = {"server_default": func.now()}
FALSE = {"server_default": false()}
TRUE = {"server_default": true()}


def created_at_field(description: str) -> Any:
    """A timestamp that defaults to now, in Python and on the server."""
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        sa_column_kwargs=NOW,
        description=description,
    )


def updated_at_field() -> Any:
    """A timestamp that defaults to now and moves to now on every ORM update."""
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        sa_column_kwargs={**NOW, "onupdate": utcnow},
        description="When the row last changed (UTC).",
    )


def server_default(value: int | float | str) -> dict[str, Any]:
    """A literal server default for a column."""
    literal = f"'{value}'" if isinstance(value, str) else repr(value)
    return {"server_default": text(literal)}


# PostgreSQL text cannot hold NUL, and UTF-8 cannot encode a lone surrogate.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Values that hold no text: one set lookup clears them (a record has several).
_SCALARS = frozenset({int, float, bool, type(None), datetime})


def _text_problem(value: str) -> str | None:
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\x00), which PostgreSQL text cannot store"
    return "contains a lone surrogate, which is not valid UTF-8"


def _first_problem(value: Any) -> str | None:
    kind = value.__class__
    if kind is str:
        return _text_problem(value)
    if kind is dict:
        items: Any = (part for pair in value.items() for part in pair)
    elif kind is list or kind is tuple:
        items = value
    elif isinstance(value, str):
        return _text_problem(value)
    else:
        return None
    for item in items:
        problem = _first_problem(item)
        if problem:
            return problem
    return None


class StoreSchema(SQLModel):
    """Base of every schema: text must be storable on every supported database.

    PostgreSQL rejects NUL in text and UTF-8 cannot encode lone surrogates; rejecting them
    here gives one clear validation error instead of a driver error deep inside a batch.
    One check per record (not a validator per field) keeps bulk validation fast: plain
    strings are cleared by C-level tests (ASCII text can only hide a NUL), and only a record
    that fails them, or holds containers, is searched field by field for the reason.
    """

    if not TYPE_CHECKING:  # type checkers keep SQLModel's signatures

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            # SQLModel's __new__ presets pydantic's slots, for the table instances SQLAlchemy
            # loads without __init__. A schema's validation sets every one of them, as for
            # any pydantic model; only an instance made by __new__ alone now lacks them.
            return object.__new__(cls)

        def __init__(self, /, **data: Any) -> None:
            # What SQLModel's __init__ does for a model without a table, minus the copies of
            # the instance's __dict__ before and after validating into it (only table models
            # need them): with those, building a MessageCreate cost twice its validation.
            # What the instance held before is still kept. `self` is positional-only, so a
            # field may be called `self`, as SQLModel allows.
            if not finish_init.get():
                init_pydantic_private_attrs(self)  # as SQLModel's __new__ leaves it
                return
            held = self.__dict__
            self.__pydantic_validator__.validate_python(data, self_instance=self)
            if held:
                object.__setattr__(self, "__dict__", held | self.__dict__)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        fields = data if isinstance(data, dict) else getattr(data, "__dict__", {})
        for value in fields.values():
            kind = value.__class__
            if kind is str:
                if "\x00" in value or (not value.isascii() and _UNSTORABLE.search(value)):
                    break
            elif kind in _SCALARS:
                continue
            elif isinstance(value, str | dict | list | tuple):
                break
        else:
            return data
        for name, value in fields.items():
            problem = _first_problem(value)
            if problem:
                raise ValueError(f"{name} {problem}")
        return data


@event.listens_for(StoreSchema, "instrument_class", propagate=True)
def _tables_are_built_by_sqlmodel(_mapper: Mapper[Any], table: type[Any]) -> None:
    """A table model keeps SQLModel's own `__new__` and `__init__`, which SQLAlchemy's
    instrumentation needs; the event comes before SQLAlchemy wraps `__init__`, so its
    wrapper calls SQLModel's. Methods a table model or its bases define are left alone."""
    for name in ("__new__", "__init__"):
        if inspect.getattr_static(table, name) is vars(StoreSchema)[name]:
            type.__setattr__(table, name, vars(SQLModel)[name])
