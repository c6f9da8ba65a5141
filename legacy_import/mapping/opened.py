"""A source opened with its layout: the built-in one its content matches, or a mapping file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from legacy_import.errors import SourceError, UsageError
from legacy_import.mapping.builtin import detect_layout
from legacy_import.mapping.evidence import missing_evidence
from legacy_import.mapping.mapping_file import load_mapping
from legacy_import.mapping.rules import Layout, Reading, TableRule
from legacy_import.sources.base import Part, Source, SourceSpec
from legacy_import.sources.detect import detect, open_source
from legacy_import.sources.json_dump import JsonSource


@dataclass(frozen=True, slots=True)
class Opened:
    """A source opened with its layout: what it holds and what the layout reads of it."""

    source: Source
    layout: Layout
    parts: list[Part]
    readings: list[Reading]

    @property
    def key(self) -> str:
        """The source's identity in the bookkeeping: a mapping file is part of it."""
        spec = self.source.spec
        return spec.key if self.layout.builtin else f"{spec.key}#mapping={self.layout.name}"

    def unread(self) -> list[str]:
        read = {reading.part.name for reading in self.readings}
        return [part.name for part in self.parts if part.name not in read]


def load_layout(path: Path | None) -> Layout | None:
    return None if path is None else load_mapping(path)


def detect_source(path: Path, fmt: str, encoding: str | None, mapping: Layout | None) -> SourceSpec:
    """The source's kind from its content; a mapping must read that kind (a Telegram export
    is JSON too, so a JSON mapping may read one)."""
    spec = detect(path, fmt, encoding)
    if mapping is not None and spec.kind == "telegram" and mapping.kind == "json":
        return SourceSpec("json", spec.path, encoding)
    return spec


def open_layout(spec: SourceSpec, mapping: Layout | None = None) -> Opened:
    """Open a source with the mapping given, or the built-in layout its content matches."""
    if mapping is not None and spec.kind != mapping.kind:
        raise UsageError(
            f"the mapping {mapping.name!r} reads {mapping.kind} sources, but {spec.path} is "
            f"{spec.kind}; give a {mapping.kind} source, or --format {mapping.kind} if it is one"
        )
    source = open_source(spec)
    try:
        return _with_layout(source, mapping)
    except BaseException:
        source.close()
        raise


def _with_layout(source: Source, mapping: Layout | None) -> Opened:
    spec = source.spec
    needs_parts = mapping is None or any(rule.table for rule in mapping.tables)
    parts = source.parts() if needs_parts else []
    layout = mapping or detect_layout(spec.kind, parts)
    if layout is None:
        problems = source.problems() if isinstance(source, JsonSource) else []
        if problems:
            raise SourceError("; ".join(problems) + "; fix the file or export it again")
        found = ", ".join(f"{p.name}({', '.join(p.columns)})" for p in parts) or "nothing"
        raise UsageError(
            f"{spec.path}: no known layout matches what it holds: {found}. "
            f"Run `python -m legacy_import inspect {spec.path}` to see it in full, and "
            "describe it in a mapping file (--mapping FILE.toml)."
        )
    readings = readings_of(source, layout, parts)
    seen = misfit(source, readings) if mapping is None else None
    if seen is not None:
        raise UsageError(
            f"{spec.path}: no layout fits ({seen}); describe it with --mapping FILE.toml "
            "(see docs/mapping-files.md)"
        )
    return Opened(source, layout, parts, readings)


def readings_of(source: Source, layout: Layout, parts: list[Part]) -> list[Reading]:
    try:
        return layout.readings(parts, lambda rule: _locate(source, rule))
    except LookupError as error:
        raise UsageError(f"{source.spec.path}: {error.args[0]}") from None


def misfit(source: Source, readings: list[Reading]) -> str | None:
    """Why the built-in layout a JSON source's names matched does not fit its records (what
    they are instead), or None when it fits."""
    return missing_evidence(source, readings) if source.spec.kind == "json" else None


def _locate(source: Source, rule: TableRule) -> Part:
    if not isinstance(source, JsonSource):
        raise LookupError(f"{rule.label}: only JSON sources have files and record paths")
    try:
        return source.locate(rule.file, rule.records)
    except SourceError as error:
        raise LookupError(str(error)) from None
