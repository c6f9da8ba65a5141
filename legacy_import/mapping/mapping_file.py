"""TOML mapping files → layouts, with every mistake reported at its line.

The file's shape is checked by pydantic models; what depends on the store (target tables,
their fields, which references can be matched on which column) is checked against the
models' metadata. Each problem becomes `FILE line N: where: what is wrong`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import UniqueConstraint

from legacy_import.errors import MappingError
from legacy_import.mapping.conversions import Conversion
from legacy_import.mapping.key_lines import KeyLines
from legacy_import.mapping.rules import FieldRule, FieldSource, Layout, TableRule
from legacy_import.mapping.targets import Target, targets
from legacy_import.sources.base import SourceKind

# Field sources that only a JSON record has.
JSON_ONLY = ("path", "key", "document")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    column: str | None = None
    path: str | list[str] | None = None
    value: Any = None
    key: bool = False
    record: bool = False
    document: str | list[str] | None = None
    position: bool = False
    convert: Conversion = "as_is"
    format: str | None = None
    null: list[str] = Field(default_factory=list)
    match: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = [name for name in self.sources() if _is_given(self, name)]
        if len(given) != 1:
            shown = ", ".join(given) if given else "none"
            raise ValueError(
                "say where the value comes from with exactly one of column, path, value, key, "
                f"record, document (found: {shown})"
            )
        if self.format is not None and self.convert != "timestamp":
            raise ValueError('format applies to convert = "timestamp" only')
        return self

    @staticmethod
    def sources() -> tuple[FieldSource, ...]:
        return get_args(FieldSource)

    @property
    def source(self) -> FieldSource:
        return next(name for name in self.sources() if _is_given(self, name))


def _is_given(spec: FieldSpec, name: str) -> bool:
    if name == "value":
        return "value" in spec.model_fields_set
    return bool(getattr(spec, name))


def _as_field(value: Any) -> Any:
    """A bare string is the commonest field: the column (or top-level key) of that name."""
    return {"column": value} if isinstance(value, str) else value


class TableSpec(_Strict):
    target: str
    table: str | None = None
    file: str | None = None
    records: str | None = None
    name: str | None = None
    id: FieldSpec | None = None
    no_id: bool = False
    keep_ids: bool = True
    same_names: bool = False
    skip_if_null: list[str] = Field(default_factory=list)
    fields: dict[str, FieldSpec] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _id_forms(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" in data:
            found = data["id"]
            if found is False:
                data = {k: v for k, v in data.items() if k != "id"} | {"no_id": True}
            elif found is True:
                raise ValueError("id = true means nothing: give a column, { key = true } or false")
            else:
                data = data | {"id": _as_field(found)}
        return data

    @field_validator("fields", mode="before")
    @classmethod
    def _field_forms(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: _as_field(spec) for name, spec in value.items()}
        return value


class MappingSpec(_Strict):
    name: str = Field(min_length=1, max_length=60)
    description: str = ""
    source: SourceKind
    detect: dict[str, list[str]] = Field(default_factory=dict)
    tables: list[TableSpec] = Field(min_length=1)


def load_mapping(path: Path, *, builtin: bool = False) -> Layout:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: cannot read the mapping file ({error})") from error
    return parse_mapping(text, str(path), builtin=builtin)


def parse_mapping(text: str, origin: str, *, builtin: bool = False) -> Layout:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{origin}: not valid TOML: {error}") from error
    lines = KeyLines(text)
    try:
        spec = MappingSpec.model_validate(data)
    except ValidationError as error:
        problems = [
            lines.describe(tuple(problem["loc"]), problem["msg"].removeprefix("Value error, "))
            for problem in error.errors(include_url=False)
        ]
        raise MappingError(_report(origin, problems)) from None
    problems = _check(spec, lines)
    if problems:
        raise MappingError(_report(origin, problems))
    return Layout(
        name=spec.name,
        kind=spec.source,
        description=spec.description,
        signature={table: frozenset(columns) for table, columns in spec.detect.items()},
        tables=tuple(_table_rule(table) for table in spec.tables),
        origin=origin,
        builtin=builtin,
    )


def _report(origin: str, problems: list[str]) -> str:
    listed = "\n".join(f"  {origin} {problem}" for problem in problems)
    return f"the mapping file has {len(problems)} problem(s):\n{listed}"


def _check(spec: MappingSpec, lines: KeyLines) -> list[str]:
    known = targets()
    problems: list[str] = []
    fed: dict[str, int] = {}
    for table in spec.tables:
        fed[table.target] = fed.get(table.target, 0) + 1
    names = [table.name for table in spec.tables if table.name]
    for i, table in enumerate(spec.tables):
        at = ("tables", i)

        def problem(loc: tuple[str | int, ...], message: str) -> None:
            problems.append(lines.describe(at + loc, message))  # noqa: B023 - used at once

        target = known.get(table.target)
        if target is None:
            problem(("target",), f"no store table {table.target!r}; the tables are {_list(known)}")
            continue
        _check_origin(spec.source, table, problem)
        if table.name and names.count(table.name) > 1:
            problem(("name",), f"two tables of the mapping are named {table.name!r}")
        for field_name, field in table.fields.items():
            where: tuple[str | int, ...] = ("fields", field_name)
            if field_name not in target.columns:
                problem(
                    where,
                    f"{target.name} has no field {field_name!r}; its fields are "
                    f"{_list(target.columns)}",
                )
                continue
            _check_field(spec.source, target, field_name, field, fed, problem, where)
        if table.id is not None:
            if table.id.source in ("value", "record", "document"):
                problem(("id",), "the id must come from a column, a path, the key or the position")
            elif table.id.source in JSON_ONLY and spec.source != "json":
                problem(("id",), f"{table.id.source} exists only in JSON sources")
        mapped = set(table.fields) | (set(target.columns) if table.same_names else set())
        for name in table.skip_if_null:
            if name not in mapped:
                problem(
                    ("skip_if_null",),
                    f"{name!r} is not a field this table maps; "
                    "skip_if_null names target fields (for example value)",
                )
        for required in _required(target):
            if required not in mapped:
                problem(
                    ("target",),
                    f"{target.name} needs {required!r} (it has no default): "
                    f"add it to [tables.fields]",
                )
    return problems


def _check_origin(kind: SourceKind, table: TableSpec, problem: Any) -> None:
    if kind == "sqlite":
        if table.table is None:
            problem(("target",), 'say which SQLite table feeds it: table = "..."')
        for name in ("file", "records"):
            if getattr(table, name) is not None:
                problem((name,), f"{name} applies to JSON sources; SQLite tables use table")
    elif kind == "json":
        if table.table is not None and (table.file is not None or table.records is not None):
            problem(("table",), "give either table (a dump's table) or file and records, not both")
    elif table.table is None:
        problem(("target",), f'say which part of the {kind} source feeds it: table = "..."')


def _check_field(
    kind: SourceKind,
    target: Target,
    name: str,
    field: FieldSpec,
    fed: dict[str, int],
    problem: Any,
    where: tuple[str | int, ...],
) -> None:
    if field.source in JSON_ONLY and kind != "json":
        problem(where, f"{field.source} exists only in JSON sources")
    if field.source == "position":
        problem(where, "position applies to the id only")
    referenced = target.references.get(name)
    if field.match is not None:
        if referenced is None:
            problem(where, f"match applies to references; {name} refers to no table")
            return
        unique = _unique_columns(referenced)
        if field.match not in unique:
            problem(
                where,
                f"{referenced}.{field.match} is not a unique column; match one of "
                f"{_list(unique)} (or the legacy id, by leaving match out)",
            )
    elif referenced is not None and fed.get(referenced, 0) > 1:
        problem(
            where,
            f"{referenced} is fed by {fed[referenced]} tables of this mapping, so a "
            'legacy id is ambiguous: match a unique column instead (match = "...")',
        )


def _unique_columns(table: str) -> tuple[str, ...]:
    found = targets()[table].table
    singles = [
        next(iter(constraint.columns)).name
        for constraint in found.constraints
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1
    ]
    singles += [column.name for column in found.columns if column.unique]
    return tuple(sorted({"id", *singles}))


def _required(target: Target) -> list[str]:
    fields = target.schema.model_fields
    return [name for name in target.columns if fields[name].is_required()]


def _list(names: Any) -> str:
    return ", ".join(sorted(names))


def _table_rule(table: TableSpec) -> TableRule:
    target = targets()[table.target]
    fields = {}
    if table.same_names:
        for name in target.columns:
            fields[name] = FieldRule(name, "column", column=name, convert=target.conversions[name])
    for name, spec in table.fields.items():
        fields[name] = _field_rule(name, spec)
    if table.no_id:
        legacy_id = None
    elif table.id is None:
        legacy_id = FieldRule("id", "position")
    else:
        legacy_id = _field_rule("id", table.id)
    return TableRule(
        target=table.target,
        fields=tuple(fields.values()),
        table=table.table,
        file=table.file,
        records=table.records or "",
        legacy_id=legacy_id,
        keep_ids=table.keep_ids,
        skip_if_null=tuple(table.skip_if_null),
        name=table.name,
    )


def _field_rule(target: str, spec: FieldSpec) -> FieldRule:
    source = spec.source
    steps: tuple[str, ...] = ()
    found = spec.path if source == "path" else spec.document if source == "document" else None
    if isinstance(found, str):
        steps = tuple(found.split(".")) if found else ()
    elif found is not None:
        steps = tuple(found)
    return FieldRule(
        target,
        source,
        column=spec.column or "",
        steps=steps,
        value=spec.value,
        convert=spec.convert,
        format=spec.format,
        nulls=tuple(word.strip().lower() for word in spec.null),
        match=spec.match,
    )
