"""Hypothesis strategies for every `Create` schema, derived from the schemas themselves.

Each field's strategy follows its annotation and the constraints pydantic keeps for it
(`Interval`, `MaxLen`, `AllowInfNan`), so a column added to a model is generated without a
change here. Values lean towards those that break migrations: astral-plane and RTL text,
empty and long strings, 64-bit and negative numbers, float edges, datetimes in many zones.
"""

from __future__ import annotations

import types
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, GroupedMetadata, Gt, Le, Lt, MaxLen
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

from legacy_import.mapping.targets import SCHEMAS

INT64 = 2**63 - 1
LONG_TEXT = 3000
AWKWARD_TEXT = (
    "",
    " ",
    "😀👍🏽🇺🇦",
    "שלום עולם",
    "مرحبا بالعالم",
    "a\u200fb",
    "\U0001d518\U0001d52b\U0001d526",
    "x" * 255,
)

# Storable text: PostgreSQL cannot hold NUL and UTF-8 cannot encode lone surrogates; those are
# the unrepresentable values, generated separately.
STORABLE = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def text(max_size: int | None) -> st.SearchStrategy[str]:
    limit = LONG_TEXT if max_size is None else max_size
    awkward = [value for value in AWKWARD_TEXT if len(value) <= limit]
    return st.one_of(st.text(STORABLE, max_size=limit), st.sampled_from(awkward))


def moments() -> st.SearchStrategy[datetime]:
    """Aware datetimes in many zones, and naive ones (which the store reads as UTC)."""
    low, high = datetime(1000, 1, 1), datetime(9000, 12, 31)
    return st.one_of(
        st.datetimes(min_value=low, max_value=high, timezones=st.timezones()),
        st.datetimes(min_value=low, max_value=high),
    )


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-INT64, INT64), text(40))
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text(20), inner, max_size=4),
        max_leaves=12,
    )


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        for constraint in item if isinstance(item, GroupedMetadata) else [item]:
            if isinstance(constraint, Ge):
                found["min_value"] = constraint.ge
            elif isinstance(constraint, Gt):
                found["min_value"] = constraint.gt
                found["exclude_min"] = True
            elif isinstance(constraint, Le):
                found["max_value"] = constraint.le
            elif isinstance(constraint, Lt):
                found["max_value"] = constraint.lt
                found["exclude_max"] = True
            elif isinstance(constraint, MaxLen):
                found["max_size"] = constraint.max_length
    return found


def for_annotation(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return for_annotation(base, [*metadata, *extra])
    if origin in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        inner = for_annotation(members[0], metadata)
        return st.none() | inner if len(members) < len(get_args(annotation)) else inner
    if origin is Literal:
        return st.sampled_from(get_args(annotation))
    if origin is list:
        (item,) = get_args(annotation)
        return st.lists(for_annotation(item, []), max_size=30)
    if origin is dict or annotation is dict:
        return st.dictionaries(text(30), json_values(), max_size=6)
    bounds = _bounds(metadata)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        low = bounds.get("min_value", -INT64)
        high = bounds.get("max_value", INT64)
        edges = [value for value in (low, high, 0, -1, 1, 2**31, 2**32 + 1) if low <= value <= high]
        return st.one_of(st.integers(low, high), st.sampled_from(edges))
    if annotation is float:
        low, high = bounds.get("min_value"), bounds.get("max_value")
        return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    if annotation is str:
        return text(bounds.get("max_size"))
    if annotation is datetime:
        return moments()
    raise NotImplementedError(f"no strategy for {annotation!r}: add one to tests/property")


def field_strategy(field: FieldInfo) -> st.SearchStrategy[Any]:
    return for_annotation(field.annotation, list(field.metadata))


def records(table: str, references: dict[str, int | None]) -> st.SearchStrategy[dict[str, Any]]:
    """Values for one row of `table`; reference fields take the given ids. Optional fields
    are sometimes left out, so defaults are exercised too."""
    schema = SCHEMAS[table]
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in schema.model_fields.items():
        strategy = st.just(references[name]) if name in references else field_strategy(field)
        (required if field.is_required() or name in references else optional)[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)
