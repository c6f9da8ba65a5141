"""Columnar checks: a record batch → the rows provably valid, typed for the target table,
and the positions of every other row, for the exact path.

The checks are the `ColumnRule`s of `column_rules`, read from the `Create` schema and the
table; nothing here names a field. They only decide "provably valid" or "look closer": a
flagged row is not rejected here, it goes through today's mapper + pydantic path, which
accepts or rejects it with today's wording. An unflagged row is converted to the values the
exact path would store: int64/int32, float64, utf8, bool, timestamp[us, UTC], lists, and
JSON documents as their original text (sent as JSONB).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Table

from legacy_import.prepare.column_rules import (
    FACTORY,
    REQUIRED,
    ColumnRule,
    ValueRule,
    column_rules,
)
from legacy_import.prepare.text_values import (
    json_documents,
    json_lists,
    nul_found,
    timestamps,
    utf8_valid,
)
from legacy_import.sources.arrow_sqlite import MISMATCHES, POSITION, ColumnRead
from sqlmodel_store.models import StoreSchema

LEGACY_ID = "__legacy_id"
UTC_ZONES = frozenset({UTC, ZoneInfo("UTC")})


@dataclass(frozen=True, slots=True)
class Checked:
    """One batch, split: `accepted` holds `POSITION`, `LEGACY_ID` (when read) and the target
    columns of the provably valid rows; `flagged` the positions of the others."""

    accepted: pa.RecordBatch
    flagged: pa.Array


class ColumnarChecks:
    """The checks of one target table; `reads` is what the source must read for them.

    `legacy_id` names the legacy id column (read as an integer, passed on as `LEGACY_ID`);
    `zone` is the run's zone for naive times: the checks read them as UTC only, so in any
    other zone every timestamp goes the exact way, which knows the zone rules."""

    def __init__(
        self,
        schema: type[StoreSchema],
        table: Table,
        *,
        legacy_id: str | None = "id",
        zone: tzinfo = UTC,
    ) -> None:
        rules = column_rules(schema, table)
        if zone not in UTC_ZONES:
            rules = tuple(_exact_if_timestamp(rule) for rule in rules)
        self.rules = rules
        self._legacy_id = legacy_id
        reads = [ColumnRead(rule.name, rule.storage) for rule in self.rules]
        if legacy_id is not None and legacy_id not in {rule.name for rule in self.rules}:
            reads.insert(0, ColumnRead(legacy_id, "integer"))
        self.reads: tuple[ColumnRead, ...] = tuple(reads)
        fields = [pa.field(POSITION, pa.int64(), nullable=False)]
        if legacy_id is not None:
            fields.append(pa.field(LEGACY_ID, pa.int64()))
        fields += [pa.field(rule.name, rule.arrow_type) for rule in self.rules]
        self.schema = pa.schema(fields)
        self._defaults = {rule.name: _default(rule) for rule in self.rules}

    def check(self, batch: pa.RecordBatch) -> Checked:
        """Split `batch` (as `ArrowSqliteTable` reads it) into accepted and flagged rows."""
        ok = pc.equal(batch.column(MISMATCHES), 0)
        columns: list[pa.Array] = [batch.column(POSITION)]
        if self._legacy_id is not None:
            columns.append(_optional(batch, self._legacy_id, pa.int64(), len(batch)))
        for rule in self.rules:
            valid, converted = _checked(rule, self._defaults[rule.name], batch)
            ok = pc.and_(ok, valid)
            columns.append(converted)
        accepted = pa.RecordBatch.from_arrays(columns, schema=self.schema)
        if pc.all(ok).as_py() is not False:
            return Checked(accepted, pa.array([], pa.int64()))
        return Checked(accepted.filter(ok), batch.column(POSITION).filter(pc.invert(ok)))


def _exact_if_timestamp(rule: ColumnRule) -> ColumnRule:
    return replace(rule, value=ValueRule("exact")) if rule.value.kind == "timestamp" else rule


def _optional(batch: pa.RecordBatch, name: str, kind: pa.DataType, rows: int) -> pa.Array:
    if name in batch.schema.names:
        return batch.column(name).cast(kind)
    return pa.nulls(rows, kind)


def _checked(
    rule: ColumnRule, fill: pa.Scalar | None, batch: pa.RecordBatch
) -> tuple[pa.Array, pa.Array]:
    """(which rows this column lets pass, its values converted) for one column; `fill` is
    what a left-out value becomes, if the checks can prove it valid."""
    if rule.name not in batch.schema.names:
        return _missing(rule, fill, len(batch))
    values = batch.column(rule.name)
    valid = utf8_valid(values) if rule.storage == "text" else None
    if valid is not None:
        values = pc.if_else(valid, values, pa.scalar(None, values.type))
    value_ok, converted = _value(rule.value, values, rule.arrow_type)
    if rule.nullable:
        null_ok = rule.optional
    else:
        null_ok = fill is not None
        if fill is not None and converted.null_count:
            converted = pc.fill_null(converted, fill)
    passes = value_ok
    if values.null_count:
        passes = pc.if_else(pc.is_valid(values), pc.fill_null(value_ok, False), null_ok)
    return (passes if valid is None else pc.and_(valid, passes)), converted


def _missing(rule: ColumnRule, fill: pa.Scalar | None, rows: int) -> tuple[pa.Array, pa.Array]:
    """A column the legacy table lacks: the field is left out, so its default applies."""
    if fill is None:
        known = rule.default is None and rule.optional
        return pa.repeat(pa.scalar(known), rows), pa.nulls(rows, rule.arrow_type)
    return pa.repeat(pa.scalar(True), rows), pa.repeat(fill, rows)


def _default(rule: ColumnRule) -> pa.Scalar | None:
    """The constant a left-out field takes, if it is one the checks can prove valid."""
    if rule.default is REQUIRED or rule.default is FACTORY or rule.default is None:
        return None
    column = pa.array([rule.default])
    ok, converted = _value(rule.value, column.cast(_read_type(rule.value)), rule.arrow_type)
    return converted[0] if ok[0].as_py() else None


def _read_type(rule: ValueRule) -> pa.DataType:
    return {"integer": pa.int64(), "bool": pa.int64(), "float": pa.float64()}.get(
        rule.kind, pa.string()
    )


def _value(rule: ValueRule, values: pa.Array, target: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """(which non-null values are provably valid, all values as `target`)."""
    kind = rule.kind
    if kind == "exact":
        return pc.is_null(values), pa.nulls(len(values), target)
    if kind == "timestamp":
        return timestamps(values)
    if kind == "list":
        assert rule.item is not None
        ok, lists = json_lists(values, target.value_type)
        items_ok = _items(rule.item, lists)
        return pc.and_(ok, items_ok), lists
    if kind == "document":
        return json_documents(values), values
    ok = _bounded(rule, values)
    if kind == "bool":
        ok = pc.and_(ok, pc.is_in(values, pa.array([0, 1], values.type)))
        return ok, pc.not_equal(values, 0)
    if kind == "text":
        nul = nul_found(values)
        if nul is not None:
            ok = pc.and_(ok, pc.invert(nul))
    if kind == "float" and rule.finite:
        ok = pc.and_(ok, pc.is_finite(values))
    if values.type == target:
        return ok, values
    return ok, pc.if_else(ok, values, pa.scalar(None, values.type)).cast(target)


def _items(rule: ValueRule, lists: pa.Array) -> pa.Array:
    """Which lists have only items `rule` proves valid."""
    flat = pc.list_flatten(lists)
    bad = pc.invert(pc.fill_null(_bounded(rule, flat), False))
    if rule.kind == "text":
        nul = nul_found(flat)
        if nul is not None:
            bad = pc.or_(bad, nul)
    owners = set(pc.list_parent_indices(lists).filter(bad).to_pylist())
    if not owners:
        return pa.repeat(pa.scalar(True), len(lists))
    return pa.array([row not in owners for row in range(len(lists))], pa.bool_())


def _bounded(rule: ValueRule, values: pa.Array) -> pa.Array:
    """Numeric bounds, lengths in code points and `Literal` choices, as one mask."""
    checks: list[pa.Array] = []
    if rule.minimum is not None:
        compare = pc.greater if rule.exclusive_minimum else pc.greater_equal
        checks.append(compare(values, pa.scalar(rule.minimum, values.type)))
    if rule.maximum is not None:
        compare = pc.less if rule.exclusive_maximum else pc.less_equal
        checks.append(compare(values, pa.scalar(rule.maximum, values.type)))
    if rule.max_length is not None or rule.min_length is not None:
        lengths = pc.utf8_length(values)
        if rule.max_length is not None:
            checks.append(pc.less_equal(lengths, rule.max_length))
        if rule.min_length is not None:
            checks.append(pc.greater_equal(lengths, rule.min_length))
    if rule.choices is not None:
        checks.append(pc.is_in(values, pa.array(rule.choices, values.type)))
    mask = pa.repeat(pa.scalar(True), len(values))
    for check in checks:
        mask = pc.and_(mask, check)
    return mask
