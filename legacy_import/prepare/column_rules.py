"""What a column's values must be, read from a `Create` schema and its table: nothing else.

Each field's annotation gives the kind and the constraints pydantic keeps for it (`Interval`,
`MaxLen`, `AllowInfNan`, `Literal`, `Optional`, `list`, `dict`), its default says what a NULL
becomes, the table says whether NULL is stored as such and which Arrow type the target column
needs. A constraint this module does not know (another validator, a new annotated type) makes
its column `exact`: every row with a value there goes to the mapper + pydantic path, so a new
field or rule can only ever make the columnar path send more rows to the exact one.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pyarrow as pa
from annotated_types import Ge, GroupedMetadata, Gt, Le, Lt, MaxLen, MinLen
from pydantic import AfterValidator, AllowInfNan
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, SmallInteger, String, Table
from sqlmodel.main import FieldInfoMetadata

from legacy_import.sources.arrow_sqlite import Storage
from sqlmodel_store.models import StoreSchema
from sqlmodel_store.types import BigIntList, JSONDocument, TextList, UTCDateTime, as_utc

Kind = Literal["integer", "float", "bool", "text", "timestamp", "list", "document", "exact"]
# A NULL in a column that is not nullable is left out, so the schema's default applies:
# `REQUIRED` (none: the row is invalid), `FACTORY` (made when validating: the exact path
# makes it) or the constant itself.
REQUIRED: Any = PydanticUndefined
FACTORY: Any = object()
# The validators the checks below stand for; any other makes every row go the exact way.
KNOWN_MODEL_VALIDATORS = frozenset({"_storable_text"})
_RANGES = {pa.int16(): 2**15, pa.int32(): 2**31, pa.int64(): 2**63}


@dataclass(frozen=True, slots=True)
class ValueRule:
    """What one value (a column's, or a list item's) must be to be provably valid."""

    kind: Kind
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    finite: bool = False
    choices: tuple[Any, ...] | None = None
    item: ValueRule | None = None


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """One target column: its value rule, its Arrow type, and what a NULL means there.

    `nullable` (the table's) says a NULL is passed on as None, which the schema must accept
    (`optional`); otherwise it is left out and `default` applies. A `reference` holds a
    legacy id that the loader resolves later: only its being a 64-bit integer is checked."""

    name: str
    value: ValueRule
    arrow_type: pa.DataType
    nullable: bool
    optional: bool
    default: Any
    reference: bool = False

    @property
    def storage(self) -> Storage:
        """The SQLite storage class a provably valid value of this column has."""
        if self.value.kind in ("integer", "bool"):
            return "integer"
        return "real" if self.value.kind == "float" else "text"


def column_rules(schema: type[StoreSchema], table: Table) -> tuple[ColumnRule, ...]:
    """The rules of every schema field the table stores, in the table's column order."""
    validators = schema.__pydantic_decorators__
    unknown_validators = bool(
        set(validators.model_validators) - KNOWN_MODEL_VALIDATORS
        or validators.field_validators
        or validators.validators
        or validators.root_validators
    )
    references = {fk.parent.name for fk in table.foreign_keys}
    rules = []
    for column in table.columns:
        field = schema.model_fields.get(column.name)
        if field is None:
            continue
        rule = _column_rule(column, field, reference=column.name in references)
        if unknown_validators:
            rule = replace(rule, value=ValueRule("exact"))
        rules.append(rule)
    return tuple(rules)


def _column_rule(column: Column[Any], field: FieldInfo, *, reference: bool) -> ColumnRule:
    optional, value = _value_rule(field.annotation, list(field.metadata))
    arrow_type = arrow_type_of(column)
    if value.kind == "integer" and arrow_type in _RANGES:
        value = _within(value, _RANGES[arrow_type], reference=reference)
    default = FACTORY if field.default_factory is not None else field.default
    return ColumnRule(
        name=column.name,
        value=value,
        arrow_type=arrow_type,
        nullable=bool(column.nullable),
        optional=optional,
        default=default,
        reference=reference,
    )


def _within(value: ValueRule, half: int, *, reference: bool) -> ValueRule:
    """The integer rule narrowed to what the target type holds; a reference keeps only that."""
    low, high = -half, half - 1
    if reference:
        return ValueRule("integer", minimum=low, maximum=high)
    minimum = low if value.minimum is None else max(low, value.minimum)
    maximum = high if value.maximum is None else min(high, value.maximum)
    return replace(value, minimum=minimum, maximum=maximum)


def arrow_type_of(column: Column[Any]) -> pa.DataType:
    """The Arrow type whose binary COPY encoding the target column accepts."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, TextList):
        return pa.list_(pa.string())
    if isinstance(kind, BigIntList):
        return pa.list_(pa.int64())
    if isinstance(kind, JSONDocument | String):
        return pa.string()
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, BigInteger):
        return pa.int64()
    if isinstance(kind, SmallInteger):
        return pa.int16()
    if isinstance(kind, Integer):
        return pa.int32()
    if isinstance(kind, Float):
        return pa.float64()
    return pa.string()


def _value_rule(annotation: Any, metadata: list[Any]) -> tuple[bool, ValueRule]:
    """(whether None is accepted, the rule for a value) of one annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _value_rule(base, [*metadata, *extra])
    if origin in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        optional = len(members) < len(get_args(annotation))
        if len(members) != 1:
            return optional, ValueRule("exact")
        inner_optional, rule = _value_rule(members[0], metadata)
        return optional or inner_optional, rule
    return False, _constrained(_base_rule(annotation, origin), metadata)


def _base_rule(annotation: Any, origin: Any) -> ValueRule:
    if origin is Literal:
        choices = get_args(annotation)
        if all(type(choice) is str for choice in choices):
            return ValueRule("text", choices=choices)
        return ValueRule("exact")
    if origin is list:
        (item,) = get_args(annotation)
        optional, item_rule = _value_rule(item, [])
        if optional or item_rule.kind not in ("integer", "text") or item_rule.choices:
            return ValueRule("exact")
        return ValueRule("list", item=item_rule)
    if annotation is dict or origin is dict:
        keys, _ = get_args(annotation) or (str, Any)
        return ValueRule("document" if keys is str else "exact")
    kinds: dict[Any, Kind] = {
        bool: "bool",
        int: "integer",
        float: "float",
        str: "text",
        datetime: "timestamp",
    }
    return ValueRule(kinds.get(annotation, "exact"))


def _constrained(rule: ValueRule, metadata: list[Any]) -> ValueRule:
    """The rule with every constraint of `metadata`; one it does not know makes it exact."""
    for item in metadata:
        for constraint in item if isinstance(item, GroupedMetadata) else [item]:
            rule = _with(rule, constraint)
    return rule


def _with(rule: ValueRule, constraint: Any) -> ValueRule:
    numeric = rule.kind in ("integer", "float")
    if isinstance(constraint, FieldInfoMetadata) or constraint is None:
        return rule
    if isinstance(constraint, Ge | Gt) and numeric:
        low: Any = constraint.ge if isinstance(constraint, Ge) else constraint.gt
        return replace(rule, minimum=low, exclusive_minimum=isinstance(constraint, Gt))
    if isinstance(constraint, Le | Lt) and numeric:
        high: Any = constraint.le if isinstance(constraint, Le) else constraint.lt
        return replace(rule, maximum=high, exclusive_maximum=isinstance(constraint, Lt))
    if isinstance(constraint, MaxLen) and rule.kind == "text":
        return replace(rule, max_length=constraint.max_length)
    if isinstance(constraint, MinLen) and rule.kind == "text":
        return replace(rule, min_length=constraint.min_length)
    if isinstance(constraint, AllowInfNan) and rule.kind == "float":
        return replace(rule, finite=not constraint.allow_inf_nan)
    if isinstance(constraint, AfterValidator) and constraint.func is as_utc:
        return rule if rule.kind == "timestamp" else ValueRule("exact")
    return ValueRule("exact")
