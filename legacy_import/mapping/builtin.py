"""The built-in layouts: mapping files shipped in `layouts/`, matched against a source by
their `[detect]` signature."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from legacy_import.mapping.mapping_file import load_mapping
from legacy_import.mapping.rules import Layout
from legacy_import.sources.base import Part, SourceKind

BUILTIN_MAPPINGS = Path(__file__).with_name("layouts")


@cache
def builtin_layouts() -> tuple[Layout, ...]:
    return tuple(
        load_mapping(path, builtin=True) for path in sorted(BUILTIN_MAPPINGS.glob("*.toml"))
    )


def detect_layout(kind: SourceKind, parts: list[Part]) -> Layout | None:
    """The first built-in layout of this kind whose signature the parts match."""
    for layout in builtin_layouts():
        if layout.kind == kind and layout.matches(parts):
            if kind == "json" and not any(layout.reads(part) for part in parts):
                continue
            return layout
    return None
