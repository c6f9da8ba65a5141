"""Layouts: which legacy part feeds which store table, and how each field is read.

A layout is data, read from a TOML mapping file (`legacy_import.mapping.mapping_file`). The
built-in layouts are such files shipped in `legacy_import/mapping/layouts/`
(`legacy_import.mapping.builtin`); an operator's own layout comes from `--mapping FILE.toml`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from legacy_import.mapping.conversions import Conversion
from legacy_import.mapping.targets import targets
from legacy_import.sources.base import Part, SourceKind

# Where a field's value comes from: a column (or top-level key) of the record, a nested path
# in it, a constant, the record's key in an object keyed by id, the record itself, a value
# elsewhere in the same JSON file, or (for the legacy id only) the record's position.
FieldSource = Literal["column", "path", "value", "key", "record", "document", "position"]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Target field ← a value of the record, through a conversion."""

    target: str
    source: FieldSource = "column"
    column: str = ""
    steps: tuple[str, ...] = ()
    value: Any = None
    convert: Conversion = "as_is"
    format: str | None = None
    nulls: tuple[str, ...] = ()
    match: str | None = None


@dataclass(frozen=True, slots=True)
class TableRule:
    """One legacy table (or the records at a path of a JSON file) → one store table.

    `legacy_id` reads the record's own id, which other records refer to and which re-runs
    recognise it by; `keep_ids` says whether that id may become the store id (not when it is
    a Telegram id, say). Records whose `skip_if_null` target fields come out null are skipped.
    """

    target: str
    fields: tuple[FieldRule, ...]
    table: str | None = None
    file: str | None = None
    records: str = ""
    legacy_id: FieldRule | None = FieldRule("id", column="id")
    keep_ids: bool = True
    skip_if_null: tuple[str, ...] = ()
    name: str | None = None

    @property
    def label(self) -> str:
        if self.table is not None:
            return self.table
        where = self.file or "the file"
        return f"{where} at {self.records!r}" if self.records else where


@dataclass(frozen=True, slots=True)
class Reading:
    """A rule applied to one part: `name` keys its checkpoint and rejects, `keyspace` keys
    the legacy-id map (one per rule, so two rules feeding one table never share ids)."""

    name: str
    part: Part
    rule: TableRule
    keyspace: str


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    kind: SourceKind
    description: str
    signature: Mapping[str, frozenset[str]]
    tables: tuple[TableRule, ...]
    origin: str = ""
    builtin: bool = True

    def matches(self, parts: list[Part]) -> bool:
        columns = {part.stem: set(part.columns) for part in parts}
        return all(
            table in columns and (not columns[table] or needed <= columns[table])
            for table, needed in self.signature.items()
        )

    def keyspace(self, rule: TableRule) -> str:
        feeding = sum(1 for other in self.tables if other.target == rule.target)
        if feeding == 1:
            return rule.target
        position = next(i for i, other in enumerate(self.tables) if other is rule)
        return f"{rule.target}:{rule.name or position}"

    def readings(self, parts: list[Part], locate: Callable[[TableRule], Part]) -> list[Reading]:
        """Every (part, rule) pair this layout reads, in the order tables must be loaded.

        A rule names a table (every part with that stem) or a JSON file and path, which
        `locate` turns into a part. A built-in rule whose table is absent reads nothing.
        """
        pairs: list[tuple[Part, TableRule]] = []
        for rule in self.tables:
            if rule.table is None:
                pairs.append((locate(rule), rule))
                continue
            found = [part for part in parts if part.stem == rule.table]
            if not found and not self.builtin:
                names = ", ".join(part.name for part in parts) or "nothing"
                raise LookupError(f"the mapping reads table {rule.table!r}, but it has: {names}")
            pairs.extend((part, rule) for part in found)
        found_readings = [
            Reading(self._reading_name(part, rule, pairs), part, rule, self.keyspace(rule))
            for part, rule in pairs
        ]
        order = list(targets())
        found_readings.sort(key=lambda reading: order.index(reading.rule.target))
        return found_readings

    def _reading_name(
        self, part: Part, rule: TableRule, pairs: list[tuple[Part, TableRule]]
    ) -> str:
        """A built-in layout's readings are named by their parts; a mapping's by their rules
        (the target table, unless several rules feed it), and the part when a rule has many."""
        if self.builtin:
            return part.name
        name = self.keyspace(rule)
        if sum(1 for _, other in pairs if other is rule) > 1:
            return f"{name}:{part.name}"
        return name

    def reads(self, part: Part) -> bool:
        return any(rule.table == part.stem for rule in self.tables)


def reference_keyspaces(readings: Iterable[Reading]) -> dict[str, str]:
    """Target → the legacy-id map that references to it go through: that of the one rule
    feeding it (a table fed by several rules has none; references to it must `match`)."""
    found: dict[str, str] = {}
    ambiguous: set[str] = set()
    for reading in readings:
        target = reading.rule.target
        if found.setdefault(target, reading.keyspace) != reading.keyspace:
            ambiguous.add(target)
    return {target: space for target, space in found.items() if target not in ambiguous}
