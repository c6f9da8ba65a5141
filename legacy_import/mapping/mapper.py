"""Raw record → validated values for a store table, or a rejection. Pure; never raises.

Every record goes through the table's `Create` schema; its first failure becomes the reason.
Validating into a bare instance skips SQLModel's `__init__`, which would validate a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from operator import itemgetter
from typing import Any

from pydantic import ValidationError

from legacy_import.mapping.conversions import CONVERSIONS, as_is, timestamp_as
from legacy_import.mapping.outcomes import Mapped, Rejected, rejected
from legacy_import.mapping.rules import FieldRule, TableRule
from legacy_import.mapping.targets import Target
from legacy_import.sources.records import RawRecord, RowPage

# A field the record does not have: left out, so the schema's default applies.
MISSING: Any = object()

Getter = Callable[[RawRecord], Any]
Converter = Callable[[Any, tzinfo], Any]
# A field as the mapper runs it: target, column, conversion, and the getter (None: the
# record's plain column, read inline).
FieldPlan = tuple[str, str, Converter, Getter | None]


class RecordMapper:
    """Maps the records of one reading through one table rule.

    `documents` holds the values a rule reads from elsewhere in the part's file (`document`
    fields), read once per part by the source. A record whose `skip_if_null` fields come out
    null (missing, null, or a null word) comes back as None: skipped on purpose, as the mapping
    says, neither imported nor rejected.

    Records come as raw records (`map`) or, from a source that reads plain rows, as the rows of
    a page (`map_row`): the second path reads values by index and builds no record per row.
    """

    def __init__(
        self,
        rule: TableRule,
        target: Target,
        zone: tzinfo = UTC,
        *,
        reading: str | None = None,
        documents: Mapping[tuple[str, ...], Any] | None = None,
    ) -> None:
        self._target = target
        self._zone = zone
        self._reading = reading
        self._validate = target.schema.__pydantic_validator__.validate_python
        documents = documents or {}
        self._fields: list[FieldPlan] = [
            (
                field.target,
                field.column,
                _converter(field),
                _getter(field, documents, inline_columns=True),
            )
            for field in rule.fields
        ]
        self._needs_object = any(field.source in ("column", "path") for field in rule.fields)
        self._skip_if_null = rule.skip_if_null
        self._legacy_id = _getter(rule.legacy_id, documents) if rule.legacy_id else None
        self._legacy_column = _plain_column(rule.legacy_id) if rule.legacy_id else None
        self._id_name = _described(rule.legacy_id) if rule.legacy_id else ""
        self._nullable = {name for name in target.columns if target.table.c[name].nullable}
        mapped = {field.target for field in rule.fields}
        self._references = [name for name in target.references if name in mapped]
        self.reads_plain_columns = all(getter is None for *_, getter in self._fields) and (
            rule.legacy_id is None or self._legacy_column is not None
        )
        self._bound: tuple[tuple[str, ...], _RowFields] | None = None

    def map(self, raw: RawRecord) -> Mapped | Rejected | None:
        if raw.problem:
            return self._reject(raw, raw.problem)
        data = raw.data
        if self._needs_object and data.__class__ is not dict:
            return self._reject(raw, "is not a JSON object, and the mapping reads fields of one")
        found = [
            data.get(column, MISSING) if getter is None else getter(raw)
            for _, column, _, getter in self._fields
        ]
        legacy = MISSING if self._legacy_id is None else self._legacy_id(raw)
        outcome = self._mapped(self._fields, found, legacy, raw.position, raw.location)
        return self._reject(raw, outcome) if isinstance(outcome, str) else outcome

    def map_row(self, page: RowPage, row: tuple[Any, ...]) -> Mapped | Rejected | None:
        """One row of a page (`reads_plain_columns` only): the same outcome as `map` gives
        for the record `page.record(row)`."""
        if self._bound is None or self._bound[0] is not page.columns:
            self._bound = (page.columns, self._bind(page.columns))
        fields = self._bound[1]
        legacy = MISSING if fields.legacy_index is None else row[fields.legacy_index]
        outcome = self._mapped(fields.rules, fields.pick(row), legacy, row[0], page.location(row))
        return self._reject(page.record(row), outcome) if isinstance(outcome, str) else outcome

    def _bind(self, columns: tuple[str, ...]) -> _RowFields:
        index = {name: i + 2 for i, name in enumerate(columns)}
        rules = [field for field in self._fields if field[1] in index]
        picked = [index[column] for _, column, _, _ in rules]
        pick: Callable[[tuple[Any, ...]], Sequence[Any]]
        if len(picked) == 1:
            (only,) = picked
            pick = lambda row: (row[only],)  # noqa: E731 - itemgetter gives a bare value for one
        else:
            pick = itemgetter(*picked) if picked else lambda row: ()
        legacy_index = index.get(self._legacy_column) if self._legacy_column else None
        return _RowFields(rules, pick, legacy_index)

    def _mapped(
        self,
        fields: Sequence[FieldPlan],
        found: Iterable[Any],
        legacy: Any,
        position: int,
        location: str,
    ) -> Mapped | str | None:
        """What both paths share, from the values found for `fields` and the legacy id as
        read: the mapped record, None for one skipped on purpose, or why it is rejected."""
        values = self._converted(fields, found)
        if isinstance(values, str):
            return values
        for name in self._skip_if_null:
            if values.get(name) is None:
                return None
        legacy_id: int | None = None
        if legacy is not None and legacy is not MISSING:
            legacy_id = _integer(legacy)
            if legacy_id is None:
                return f"{self._id_name}: {legacy!r} is not an integer id"
        references: dict[str, int] = {}
        for name in self._references:
            if values.get(name) is not None:
                reference = _integer(values[name])
                if reference is None:
                    return f"{name}: {values[name]!r} is not an integer id"
                # A legacy reference (even a negative channel id) becomes a store id only when
                # the loader resolves it; the schema sees a stand-in that is a valid id.
                references[name], values[name] = reference, 1
        # A bare object: the instance is only a place for the validated values to land, and
        # SQLModel's own __new__ would set up private attributes nothing here reads.
        record = object.__new__(self._target.schema)
        try:
            self._validate(values, self_instance=record)
        except ValidationError as error:
            return describe(error)
        row: dict[str, Any] = record.__dict__
        row.update(references)
        return Mapped(position, location, legacy_id, row, values.keys())

    def _converted(self, fields: Sequence[FieldPlan], found: Iterable[Any]) -> dict[str, Any] | str:
        """The field values, converted (a dict), or why one cannot be (a str)."""
        values: dict[str, Any] = {}
        for (target, _, convert, _), value in zip(fields, found, strict=True):
            if value is MISSING:
                continue
            if value is None:
                if target in self._nullable:
                    values[target] = None
                continue
            if convert is as_is and value.__class__ is not bytes:
                values[target] = value
                continue
            try:
                values[target] = convert(value, self._zone)
            except ValueError as error:
                return f"{target}: {error}"
        return values

    def _reject(self, raw: RawRecord, reason: str) -> Rejected:
        return rejected(raw, reason, part=self._reading)


@dataclass(frozen=True, slots=True)
class _RowFields:
    """A plain-column mapper bound to the columns of a part's rows: the fields it can read
    (a column the part lacks is left out, as a record without that key would be), how to pick
    their values from a row, and where the legacy id is."""

    rules: list[FieldPlan]
    pick: Callable[[tuple[Any, ...]], Sequence[Any]]
    legacy_index: int | None


def _getter(
    field: FieldRule, documents: Mapping[tuple[str, ...], Any], *, inline_columns: bool = False
) -> Getter | None:
    """How to read the field's value from a raw record. Null words turn into None before any
    conversion. With `inline_columns`, a plain column gets None: the caller reads it inline,
    which is the hot path of every import."""
    found: Getter
    source = field.source
    if source == "column":
        if inline_columns and not field.nulls:
            return None
        name = field.column
        found = lambda raw: raw.data.get(name, MISSING)  # noqa: E731
    elif source == "path":
        steps = field.steps
        found = lambda raw: _walk(raw.data, steps)  # noqa: E731 - one expression per source
    elif source == "value":
        constant = field.value
        found = lambda raw: constant  # noqa: E731
    elif source == "document":
        document = documents.get(field.steps, MISSING)
        found = lambda raw: document  # noqa: E731
    elif source == "key":
        found = lambda raw: raw.key if raw.key is not None else MISSING  # noqa: E731
    elif source == "record":
        found = lambda raw: raw.data  # noqa: E731
    else:
        found = lambda raw: raw.position  # noqa: E731
    if not field.nulls:
        return found
    words = frozenset(field.nulls)
    inner = found

    def without_null_words(raw: RawRecord) -> Any:
        value = inner(raw)
        if isinstance(value, str) and value.strip().lower() in words:
            return None
        return value

    return without_null_words


def _walk(data: Any, steps: tuple[str, ...]) -> Any:
    for step in steps:
        if isinstance(data, dict):
            if step not in data:
                return MISSING
            data = data[step]
        elif isinstance(data, list) and step.lstrip("-").isdigit():
            index = int(step)
            if not -len(data) <= index < len(data):
                return MISSING
            data = data[index]
        else:
            return MISSING
    return data


def _converter(field: FieldRule) -> Converter:
    if field.format is not None:
        return timestamp_as(field.format)
    return CONVERSIONS[field.convert]


def _plain_column(field: FieldRule) -> str | None:
    """The column a field reads as it is, if that is all it does."""
    return field.column if field.source == "column" and not field.nulls else None


def _described(field: FieldRule) -> str:
    if field.source == "column":
        return field.column
    if field.source == "path":
        return ".".join(field.steps)
    return f"id ({field.source})"


def _integer(value: Any) -> int | None:
    """An id given as an integer, or as the digits of one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().removeprefix("-").isdigit():
        return int(value)
    return None


def describe(error: ValidationError) -> str:
    """A validation error as one line: `field: message; field: message`."""
    parts = []
    for problem in error.errors(include_url=False, include_input=False):
        where = ".".join(str(step) for step in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
