"""Whether a JSON source really is in the built-in layout its file names suggest.

A file named `jokes.json` is not evidence by itself: a bot's cache of joke strings has that
name too. The layout fits only when a record of some table it reads is an object with a field
that table has; a source whose tables hold records but none such is no known layout, and is
refused with what was seen instead of having every record rejected.
"""

from __future__ import annotations

from itertools import islice

from legacy_import.mapping.rules import Reading
from legacy_import.mapping.targets import targets
from legacy_import.sources.base import Source
from legacy_import.sources.records import RawRecord

# Records looked at per table: a file may start with a stray value or two.
LOOKED_AT = 20
SHOWN_FIELDS = 5


KINDS = {str: "strings", int: "numbers", float: "numbers", bool: "booleans", list: "lists"}


def _seen(raws: list[RawRecord], target: str) -> str:
    """What the records of a table were, for the message."""
    objects = [raw.data for raw in raws if raw.problem is None and isinstance(raw.data, dict)]
    if objects:
        fields = sorted({name for data in objects for name in data})
        shown = ", ".join(fields[:SHOWN_FIELDS]) + (", …" if len(fields) > SHOWN_FIELDS else "")
        return f"records with fields {shown}, none of them a field of {target}"
    # A value that is not an object is read as {"value": it}, with its problem.
    values = [raw.data["value"] for raw in raws if isinstance(raw.data, dict) and raw.data]
    kinds = sorted({KINDS.get(type(value), "nulls") for value in values})
    if kinds:
        return f"{' and '.join(kinds)}, not JSON objects"
    return raws[0].problem or "nothing readable"


def missing_evidence(source: Source, readings: list[Reading]) -> str | None:
    """None when the records show the layout fits (or every table is empty); else what the
    tables held instead, one phrase per table."""
    seen: list[str] = []
    for reading in readings:
        columns = set(targets()[reading.rule.target].columns) | {"id"}
        raws = list(islice(source.read(reading.part.name, after=0), LOOKED_AT))
        if not raws:
            continue
        fitting = [
            raw
            for raw in raws
            if raw.problem is None and isinstance(raw.data, dict) and columns & set(raw.data)
        ]
        if fitting:
            return None
        seen.append(f"{reading.part.name}: {_seen(raws, reading.rule.target)}")
    return "; ".join(seen) or None
