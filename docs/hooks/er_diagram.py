"""The ER diagrams of the schema: Graphviz DOT from the metadata, rendered to inline SVG.

Rendering happens at build time so the site needs no diagram script and no CDN: the page
carries the finished `<svg>`. Each table is a node titled with its name and each foreign key
an edge `table->referred_table` labelled with its column(s), which is what the docs tests read.
The bot's tables and the import's bookkeeping are two drawings; er_layout arranges each.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from er_layout import layout
from mkdocs.exceptions import PluginError
from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table
from sqlalchemy.dialects.postgresql.base import PGDialect

# graphviz-pure (a wheel in the docs extra) first: it lives next to the interpreter even when
# the venv is not on PATH. A system Graphviz `dot` still works where someone has one.
RENDERERS = ("graphviz-pure", "dot")

# Tables of the import's bookkeeping, drawn apart from the bot's own.
BOOKKEEPING = "import_"
BOT_HEADING = "The bot's tables"
BOOKKEEPING_HEADING = "The import's bookkeeping (legacy_import)"
HEADER_COLOUR = "#4051b5"  # Material's default indigo primary
MUTED_COLOUR = "#666666"
# Types are shown as created on PostgreSQL, the production database (the table pages show both).
POSTGRESQL = PGDialect()  # type: ignore[no-untyped-call]  # unannotated in SQLAlchemy


def columns_in_display_order(table: Table) -> list[Column[Any]]:
    """Primary-key columns first (a reader looks for them there), then declaration order."""
    columns = list(table.columns)
    return sorted(columns, key=lambda column: not column.primary_key)


def _label(value: str) -> str:
    return html.escape(value, quote=True)


def _muted(text: str) -> str:
    # Graphviz refuses an empty <font> element, so an empty cell stays bare.
    return f'<font color="{MUTED_COLOUR}">{_label(text)}</font>' if text else ""


def _node(table: Table, link: str) -> str:
    foreign = {column.name for fk in table.foreign_key_constraints for column in fk.columns}
    rows = [
        f'<tr><td colspan="3" bgcolor="{HEADER_COLOUR}">'
        f'<font color="white"><b>{_label(table.name)}</b></font></td></tr>'
    ]
    for column in columns_in_display_order(table):
        keys = " ".join(
            mark
            for mark, present in (("PK", column.primary_key), ("FK", column.name in foreign))
            if present
        )
        rows.append(
            f'<tr><td align="left">{_label(column.name)}</td>'
            f'<td align="left">{_muted(column.type.compile(dialect=POSTGRESQL))}</td>'
            f'<td align="left">{_muted(keys)}</td></tr>'
        )
    table_html = (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        + "".join(rows)
        + "</table>"
    )
    return (
        f'"{table.name}" [label=<{table_html}>, URL="{_label(link)}", '
        f'tooltip="{_label(table.name)}"];'
    )


def _edge(table: Table, fk: ForeignKeyConstraint) -> str:
    columns = ", ".join(column.name for column in fk.columns)
    optional = all(column.nullable for column in fk.columns)
    # Crow's foot at the referencing side; a circle marks a reference that may be NULL.
    head = "teeodot" if optional else "tee"
    return (
        f'"{table.name}" -> "{fk.referred_table.name}" '
        f'[label="{_label(columns)}", id="er-{_label(str(fk.name))}", arrowhead={head}];'
    )


@dataclass(frozen=True, slots=True)
class Diagram:
    """One drawing of the page: `key` names its element, `heading` tells the reader what it is."""

    key: str
    heading: str
    tables: list[Table]


def diagrams(metadata: MetaData) -> list[Diagram]:
    """The bot's tables, then the import's bookkeeping: apart, so neither crowds the other."""
    tables = sorted(metadata.tables.values(), key=lambda table: table.name)
    return [
        Diagram("bot", BOT_HEADING, [t for t in tables if not t.name.startswith(BOOKKEEPING)]),
        Diagram(
            "bookkeeping",
            BOOKKEEPING_HEADING,
            [t for t in tables if t.name.startswith(BOOKKEEPING)],
        ),
    ]


def dot_source(diagram: Diagram, link: Callable[[str], str]) -> str:
    """The DOT graph of a diagram's tables; `link` maps a table name to its page URL.

    Only foreign keys between tables of the diagram are drawn: one to a table drawn elsewhere
    would make Graphviz invent an empty node for it.
    """
    names = {table.name for table in diagram.tables}
    lines = [
        f"digraph {diagram.key} {{",
        # Bottom to top: a referred table sits above the tables that reference it.
        '  graph [rankdir=BT, nodesep=0.4, ranksep=0.6, fontname="Helvetica"];',
        '  node [shape=plain, fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10, dir=both, arrowtail=crow, color="#555555"];',
        *(f"  {_node(table, link(table.name))}" for table in diagram.tables),
        *(f"  {line}" for line in layout(diagram.tables)),
        *(
            f"  {_edge(table, fk)}"
            for table in diagram.tables
            for fk in sorted(table.foreign_key_constraints, key=lambda fk: str(fk.name))
            if fk.referred_table.name in names
        ),
        "}",
    ]
    return "\n".join(lines) + "\n"


def find_renderer(names: Sequence[str] = RENDERERS) -> str:
    """The first Graphviz command found beside this interpreter or on PATH."""
    beside_python = Path(sys.executable).parent
    for name in names:
        local = beside_python / name
        if local.is_file():
            return str(local)
        found = shutil.which(name)
        if found:
            return found
    raise PluginError(
        f"no Graphviz renderer found (looked for {', '.join(names)}): "
        "install the docs extra (`pip install -e '.[docs]'`, which brings graphviz-pure)"
    )


def render_svg(dot: str) -> str:
    """The diagram as an `<svg>` element, without the XML prolog, ready to inline in HTML."""
    result = subprocess.run(
        [find_renderer(), "-Tsvg"],
        input=dot,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PluginError(f"Graphviz failed ({result.returncode}): {result.stderr.strip()}")
    svg = result.stdout
    return svg[svg.index("<svg") :].strip()
