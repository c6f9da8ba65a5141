"""What the ER diagram must draw, from the metadata, and what a page's diagram does draw."""

from __future__ import annotations

from collections import Counter

from sqlmodel_store.models import metadata
from tests.docs.dom import Element, normalized

Edge = tuple[str, str, str]  # referencing table, referred table, foreign-key column(s)


def expected_nodes() -> Counter[str]:
    return Counter(table.name for table in metadata.tables.values())


def expected_edges() -> Counter[Edge]:
    return Counter(
        (table.name, fk.referred_table.name, ", ".join(column.name for column in fk.columns))
        for table in metadata.tables.values()
        for fk in table.foreign_key_constraints
    )


def drawn(svg: Element) -> tuple[Counter[str], Counter[Edge]]:
    """Graphviz titles a node with its name and an edge `tail->head`; the label is its text."""
    nodes = Counter(normalized(node.find("title").text) for node in svg.iter("g", "node"))
    edges: Counter[Edge] = Counter()
    for edge in svg.iter("g", "edge"):
        tail, _, head = normalized(edge.find("title").text).partition("->")
        label = normalized(" ".join(text.text for text in edge.iter("text")))
        edges[(tail, head, label)] += 1
    return nodes, edges
