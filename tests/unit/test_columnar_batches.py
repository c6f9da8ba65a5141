"""The columnar path cuts a part where the row path does, and takes every built-in SQLite
table that maps column to column."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from legacy_import.mapping.builtin import builtin_layouts
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import Cutter, Limits
from legacy_import.prepare.columnar import RangeCutter, fits


def cutter_indexes(sizes: list[int], limits: Limits) -> list[int]:
    """The batch index the row path's `Cutter` gives each record."""
    cutter = Cutter("part", "messages", limits, 0, 1)
    found = []
    for position, size in enumerate(sizes, start=1):
        batch = cutter.batch_for(position, size)
        assert batch is not None
        found.append(batch.index)
    return found


@given(
    st.lists(st.integers(1, 5000), max_size=300),
    st.integers(1, 40),
    st.integers(1, 20_000),
    st.lists(st.integers(1, 60), max_size=8),
)
def test_range_cuts_are_the_row_cuts(
    sizes: list[int], rows: int, size: int, reads: list[int]
) -> None:
    """Whatever the limits, and however the rows arrive in reads of their own sizes."""
    limits = Limits(rows, size)
    cutter, found, start = RangeCutter(limits), [], 0
    for length in [*reads, len(sizes)]:
        chunk = sizes[start : start + length]
        for index, first, stop in cutter.ranges(chunk):
            found += [index] * (stop - first)
        start += len(chunk)
    assert found == cutter_indexes(sizes, limits)


def test_every_table_of_the_bot_sqlite_layouts_goes_columnar() -> None:
    for layout in builtin_layouts():
        if layout.name == "bot-sqlite":
            assert all(fits(rule, targets()[rule.target]) for rule in layout.tables)
