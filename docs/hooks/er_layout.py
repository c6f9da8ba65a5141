"""Where the ER diagram puts its tables: bands of related tables stacked top to bottom.

Left to itself, Graphviz ranks a schema like ours in two layers, every table that references
another in one and every referred table in the other, so a page of many small groups becomes one
tall column (or one wide row). Instead each group of tables joined by foreign keys gets its own
band, the bands are stacked with invisible edges, and the tables that reference nothing and that
nothing references share one row at the bottom. The diagram then grows in both directions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from sqlalchemy import Table


def _referred(table: Table, among: set[str]) -> set[str]:
    """The other tables of the diagram that `table` references (a self-reference is not a link)."""
    return {
        fk.referred_table.name
        for fk in table.foreign_key_constraints
        if fk.referred_table.name in among and fk.referred_table.name != table.name
    }


def _groups(tables: Sequence[Table]) -> list[list[Table]]:
    """The tables joined by foreign keys, in either direction, one list per connected group."""
    names = {table.name for table in tables}
    neighbours: dict[str, set[str]] = {table.name: set() for table in tables}
    for table in tables:
        for other in _referred(table, names):
            neighbours[table.name].add(other)
            neighbours[other].add(table.name)
    by_name = {table.name: table for table in tables}
    seen: set[str] = set()
    groups = []
    for table in tables:
        if table.name in seen:
            continue
        group, pending = set(), [table.name]
        while pending:
            name = pending.pop()
            if name not in group:
                group.add(name)
                pending.extend(neighbours[name] - group)
        seen |= group
        groups.append([by_name[name] for name in sorted(group)])
    return groups


def _bands(tables: Sequence[Table]) -> tuple[list[list[Table]], list[Table]]:
    """Groups of related tables, largest first, and the tables with no link to any other."""
    groups = _groups(tables)
    related = sorted(
        (group for group in groups if len(group) > 1),
        key=lambda group: (-len(group), group[0].name),
    )
    unrelated = [group[0] for group in groups if len(group) == 1]
    return related, unrelated


def _tops(band: Sequence[Table]) -> list[Table]:
    """The tables drawn highest in a band: those that reference no other table of it."""
    names = {table.name for table in band}
    return [table for table in band if not _referred(table, names)]


def _bottoms(band: Sequence[Table]) -> list[Table]:
    """The tables drawn lowest in a band: those no other table of it references."""
    names = {table.name for table in band}
    referred = set().union(*(_referred(table, names) for table in band))
    return [table for table in band if table.name not in referred]


def _quoted(table: Table) -> str:
    return f'"{table.name}"'


def layout(tables: Sequence[Table]) -> list[str]:
    """DOT statements for a bottom-to-top graph that stack the bands one under the other.

    The edges are invisible, so the page shows only foreign keys; each runs from the top of a
    band to the bottom of the band above, which ranks the whole band below it.
    """
    related, unrelated = _bands(tables)
    stacked = related + ([unrelated] if unrelated else [])
    lines = [
        f"{_quoted(top)} -> {_quoted(bottom)} [style=invis];"
        for upper, lower in pairwise(stacked)
        for top in _tops(lower)
        for bottom in _bottoms(upper)
    ]
    if len(unrelated) > 1:
        lines.append(f"{{ rank=same; {' '.join(_quoted(table) + ';' for table in unrelated)} }}")
    return lines
