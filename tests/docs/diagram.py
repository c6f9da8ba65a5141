"""What the ER diagrams must draw, from the metadata, and what a page's diagrams do draw."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel_store.models import metadata
from tests.docs.dom import Element, normalized

Edge = tuple[str, str, str]  # referencing table, referred table, foreign-key column(s)


@dataclass(frozen=True, slots=True)
class Box:
    """Where a table is drawn, in the SVG's own units."""

    left: float
    top: float
    right: float
    bottom: float


def expected_nodes() -> Counter[str]:
    return Counter(table.name for table in metadata.tables.values())


def expected_edges() -> Counter[Edge]:
    return Counter(
        (table.name, fk.referred_table.name, ", ".join(column.name for column in fk.columns))
        for table in metadata.tables.values()
        for fk in table.foreign_key_constraints
    )


def diagrams(page: Element) -> dict[str, Element]:
    """Each diagram's `<svg>` by the id of the element that holds it."""
    return {div.attrs["id"]: div.find("svg") for div in page.iter("div", "er-diagram")}


def drawn(svgs: Iterable[Element]) -> tuple[Counter[str], Counter[Edge]]:
    """Graphviz titles a node with its name and an edge `tail->head`; the label is its text."""
    nodes: Counter[str] = Counter()
    edges: Counter[Edge] = Counter()
    for svg in svgs:
        nodes.update(normalized(node.find("title").text) for node in svg.iter("g", "node"))
        for edge in svg.iter("g", "edge"):
            tail, _, head = normalized(edge.find("title").text).partition("->")
            label = normalized(" ".join(text.text for text in edge.iter("text")))
            edges[(tail, head, label)] += 1
    return nodes, edges


def aspect_ratio(svg: Element) -> float:
    """Width over height, as the page is given them (Graphviz writes both in points)."""
    width, height = (float(svg.attrs[name].removesuffix("pt")) for name in ("width", "height"))
    return width / height


def boxes(svg: Element) -> dict[str, Box]:
    """Each table's box: the extent of the cells Graphviz drew for it."""
    found = {}
    for node in svg.iter("g", "node"):
        points = [
            tuple(float(value) for value in point.split(","))
            for polygon in node.iter("polygon")
            for point in polygon.attrs["points"].split()
        ]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        found[normalized(node.find("title").text)] = Box(min(xs), min(ys), max(xs), max(ys))
    return found


def largest_column(placed: dict[str, Box]) -> int:
    """The most tables stacked in one column: whose centres fall within one table's width."""
    return max(
        sum(box.left <= (other.left + other.right) / 2 <= box.right for other in placed.values())
        for box in placed.values()
    )


def largest_row(placed: dict[str, Box]) -> int:
    """The most tables side by side in one row: whose centres fall within one table's height."""
    return max(
        sum(box.top <= (other.top + other.bottom) / 2 <= box.bottom for other in placed.values())
        for box in placed.values()
    )
