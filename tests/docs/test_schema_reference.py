"""The schema reference shows every table and column the models define, and draws them all
in diagrams a reader takes in at a glance."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.main import default_registry

from sqlmodel_store.migrations import head
from sqlmodel_store.models import metadata
from tests.docs.diagram import (
    aspect_ratio,
    boxes,
    diagrams,
    drawn,
    expected_edges,
    expected_nodes,
    largest_column,
    largest_row,
)
from tests.docs.dom import Element, normalized, parse_file, table_rows

TABLES = sorted(metadata.tables.values(), key=lambda table: table.name)
DESCRIPTIONS = {
    (mapper.local_table.name, name): field.description
    for mapper in default_registry.mappers
    if isinstance(mapper.local_table, Table)
    for name, field in mapper.class_.model_fields.items()
}


def schema_page(site: Path, table: str | None = None) -> Element:
    page = site / "reference" / "schema" / (table or "") / "index.html"
    return parse_file(page).find("article")


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_each_table_page_lists_every_column_with_its_types(built_site: Path, table: Table) -> None:
    columns = {row[0]: row for row in table_rows(schema_page(built_site, table.name).find("table"))}

    assert set(columns) == {column.name for column in table.columns}
    for column in table.columns:
        _, on_postgres, on_sqlite, nullable, _, description = columns[column.name]
        assert on_postgres == column.type.compile(dialect=postgresql.dialect())
        assert on_sqlite == column.type.compile(dialect=sqlite.dialect())
        assert nullable == ("yes" if column.nullable else "no")
        # Backticks in a description become <code>: the page shows the text without them.
        written = DESCRIPTIONS.get((table.name, column.name)) or ""
        assert description == normalized(written.replace("`", ""))


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_each_table_page_names_its_keys_indexes_and_checks(built_site: Path, table: Table) -> None:
    text = normalized(schema_page(built_site, table.name).text)

    names = [str(constraint.name) for constraint in table.constraints]
    names += [str(index.name) for index in table.indexes]
    assert [name for name in names if name not in text] == []


def test_the_index_links_every_table_and_names_the_migration_head(built_site: Path) -> None:
    index = schema_page(built_site)
    links = {link.attrs["href"] for link in index.find("table").iter("a")}

    assert links == {f"{table.name}/" for table in TABLES}
    assert f"head {head()}" in normalized(index.text)


def test_the_diagrams_draw_every_table_and_every_foreign_key_once(built_site: Path) -> None:
    nodes, edges = drawn(diagrams(schema_page(built_site)).values())

    assert nodes == expected_nodes()
    assert edges == expected_edges()


def test_the_imports_bookkeeping_is_drawn_apart_from_the_bots_tables(built_site: Path) -> None:
    drawings = diagrams(schema_page(built_site))

    bot, _ = drawn([drawings["er-bot"]])
    bookkeeping, _ = drawn([drawings["er-bookkeeping"]])
    assert sorted(bot) == [t.name for t in TABLES if not t.name.startswith("import_")]
    assert sorted(bookkeeping) == [t.name for t in TABLES if t.name.startswith("import_")]


@pytest.mark.parametrize("key", ["er-bot", "er-bookkeeping"])
def test_a_diagram_is_neither_a_tall_column_nor_a_long_strip(built_site: Path, key: str) -> None:
    svg = diagrams(schema_page(built_site))[key]

    assert 1 / 3 <= aspect_ratio(svg) <= 3


def test_the_bots_tables_are_laid_out_in_rows_and_columns(built_site: Path) -> None:
    placed = boxes(diagrams(schema_page(built_site))["er-bot"])

    # One column of tables has rows of one or two; one long row has columns of one or two.
    assert largest_row(placed) >= 3
    assert largest_column(placed) >= 3
