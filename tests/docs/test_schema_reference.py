"""The schema reference shows every table and column the models define, and draws them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.main import default_registry

from sqlmodel_store.migrations import head
from sqlmodel_store.models import metadata
from tests.docs.diagram import drawn, expected_edges, expected_nodes
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


def test_the_diagram_draws_every_table_and_every_foreign_key(built_site: Path) -> None:
    svg = schema_page(built_site).find("div", "er-diagram").find("svg")

    nodes, edges = drawn(svg)

    assert nodes == expected_nodes()
    assert edges == expected_edges()
