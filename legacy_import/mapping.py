"""Raw record → validated values for a store table, or a rejection. Pure; never raises.

Every record goes through the table's `Create` schema; its first failure becomes the reason.
Validating into a bare instance skips SQLModel's `__init__`, which would validate a second time.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

from pydantic import ValidationError

from legacy_import.convert import CONVERSIONS, as_is
from legacy_import.layouts import WHOLE_RECORD, TableRule
from legacy_import.records import Mapped, RawRecord, Rejected, rejected
from legacy_import.targets import Target


class RecordMapper:
    """Maps the records of one part through one table rule."""

    def __init__(self, rule: TableRule, target: Target, zone: tzinfo = UTC) -> None:
        self._rule = rule
        self._target = target
        self._zone = zone
        self._validate = target.schema.__pydantic_validator__.validate_python
        self._fields = [
            (field.target, field.source, CONVERSIONS[field.convert]) for field in rule.fields
        ]
        self._nullable = {name for name in target.columns if target.table.c[name].nullable}
        mapped = {field.target for field in rule.fields}
        self._references = [name for name in target.references if name in mapped]

    def map(self, raw: RawRecord) -> Mapped | Rejected:
        if raw.problem:
            return rejected(raw, raw.problem)
        values: dict[str, Any] = {}
        data = raw.data
        for target, source, convert in self._fields:
            if source == WHOLE_RECORD:
                value: Any = data
            elif source in data:
                value = data[source]
            else:
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
                return rejected(raw, f"{target}: {error}")
        legacy_id = self._legacy_id(data)
        if isinstance(legacy_id, str):
            return rejected(raw, legacy_id)
        references: dict[str, int] = {}
        for name in self._references:
            if values.get(name) is not None:
                reference = _integer(values[name])
                if reference is None:
                    return rejected(raw, f"{name}: {values[name]!r} is not an integer id")
                # A legacy reference (even a negative channel id) becomes a store id only when
                # the loader resolves it; the schema sees a stand-in that is a valid id.
                references[name], values[name] = reference, 1
        schema = self._target.schema
        record = schema.__new__(schema)
        try:
            self._validate(values, self_instance=record)
        except ValidationError as error:
            return rejected(raw, describe(error))
        explicit = frozenset(values)
        validated = record.__dict__
        row = {name: validated[name] for name in self._target.columns}
        row.update(references)
        return Mapped(raw.position, raw.location, legacy_id, row, explicit)

    def _legacy_id(self, data: dict[str, Any]) -> int | str | None:
        """The record's own id; a string is the reason it is unusable."""
        column = self._rule.legacy_id
        if column is None or data.get(column) is None:
            return None
        value = data[column]
        found = _integer(value)
        return f"{column}: {value!r} is not an integer id" if found is None else found


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
