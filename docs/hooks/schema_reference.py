"""MkDocs hook: the schema reference, generated from the models' metadata at every build.

The pages are virtual files (nothing is written into docs/), so the reference can never drift
from `sqlmodel_store.models.metadata`, the metadata the migrations are checked against. The nav
entry "Schema reference" in mkdocs.yml names only the index; this hook appends one page per
table to that section so a new table needs no edit to mkdocs.yml.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from functools import cache
from typing import Any

from alembic.script import ScriptDirectory
from er_diagram import Diagram, columns_in_display_order, diagrams, dot_source, render_svg
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url
from sqlalchemy import (
    CheckConstraint,
    Column,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import CreateTable
from sqlalchemy.sql.schema import DefaultGenerator
from sqlmodel import SQLModel
from sqlmodel.main import default_registry

from sqlmodel_store import models
from sqlmodel_store.migrations import alembic_config, head

SECTION = "reference/schema"
INDEX = f"{SECTION}/index.md"
# SQLAlchemy leaves dialect constructors unannotated.
DIALECTS: tuple[tuple[str, Dialect], ...] = (
    ("PostgreSQL", PGDialect()),  # type: ignore[no-untyped-call]
    ("SQLite", SQLiteDialect()),
)


def _tables() -> list[Table]:
    return sorted(models.metadata.tables.values(), key=lambda table: table.name)


def _page(table_name: str) -> str:
    return f"{SECTION}/{table_name}.md"


def _models() -> dict[str, type[SQLModel]]:
    """Table name → its table model, for the field descriptions and the role comment."""
    found: dict[str, type[SQLModel]] = {}
    for mapper in default_registry.mappers:
        table = mapper.local_table
        if isinstance(table, Table) and issubclass(mapper.class_, SQLModel):
            found[table.name] = mapper.class_
    return found


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    # The tables extension does not split cells at a pipe inside backticks: no escaping.
    return f"`{text.replace(chr(10), ' ')}`"


def _names(columns: Iterable[Column[Any]]) -> str:
    return ", ".join(_code(column.name) for column in columns)


def _python_default(default: DefaultGenerator) -> str:
    arg = getattr(default, "arg", None)
    if callable(arg):
        return f"{getattr(arg, '__name__', 'callable')}()"
    return repr(arg)


@cache
def _ddl_compiler(dialect: Dialect, table: Table) -> DDLCompiler:
    return dialect.ddl_compiler(dialect, CreateTable(table))


def _server_defaults(column: Column[Any]) -> str | None:
    """The server default as each dialect's DDL writes it; one value when they agree."""
    rendered = {
        name: _ddl_compiler(dialect, column.table).get_column_default_string(column)
        for name, dialect in DIALECTS
    }
    values = {value for value in rendered.values() if value is not None}
    if not values:
        return None
    if len(values) == 1:
        return f"server {_code(values.pop())}"
    return "server " + ", ".join(
        f"{_code(value)} ({name})" for name, value in rendered.items() if value is not None
    )


def _default(column: Column[Any]) -> str:
    parts = []
    if column.table.autoincrement_column is column:
        parts.append("generated (auto-increment)")
    if column.default is not None:
        parts.append(_code(_python_default(column.default)))
    server = _server_defaults(column)
    if server:
        parts.append(server)
    if column.onupdate is not None:
        parts.append(f"on update {_code(_python_default(column.onupdate))}")
    return "; ".join(parts) or "—"


def _description(column: Column[Any], model: type[SQLModel] | None) -> str:
    field = model.model_fields.get(column.name) if model else None
    text = column.comment or (field.description if field else None)
    return _cell(text or "")


def _wrapped(header: str, rows: list[str]) -> list[str]:
    """A Markdown table inside a div the stylesheet targets (identifiers are not hyphenated)."""
    return ['<div class="schema-table" markdown>', "", header, *rows, "", "</div>"]


def _column_rows(table: Table, model: type[SQLModel] | None) -> list[str]:
    header = (
        "| Column | PostgreSQL | SQLite | Nullable | Default | Description |\n"
        "|---|---|---|---|---|---|"
    )
    rows = []
    for column in columns_in_display_order(table):
        types = " | ".join(_code(column.type.compile(dialect=dialect)) for _, dialect in DIALECTS)
        rows.append(
            f"| {_code(column.name)} | {types} | {'yes' if column.nullable else 'no'} "
            f"| {_default(column)} | {_description(column, model)} |"
        )
    return _wrapped(header, rows)


def _constraint_sections(table: Table) -> list[str]:
    constraints = sorted(table.constraints, key=lambda constraint: str(constraint.name))
    uniques = [c for c in constraints if isinstance(c, UniqueConstraint)]
    checks = [c for c in constraints if isinstance(c, CheckConstraint)]
    foreign = [c for c in constraints if isinstance(c, ForeignKeyConstraint)]
    indexes: list[Index] = sorted(table.indexes, key=lambda index: str(index.name))
    primary = table.primary_key
    lines = ["## Keys and constraints", ""]
    lines.append(f"**Primary key** {_code(str(primary.name))}: {_names(primary.columns)}")
    sections: list[tuple[str, str, list[str]]] = [
        (
            "Unique keys",
            "| Name | Columns |\n|---|---|",
            [f"| {_code(str(c.name))} | {_names(c.columns)} |" for c in uniques],
        ),
        (
            "Indexes",
            "| Name | Columns | Unique |\n|---|---|---|",
            [
                f"| {_code(str(i.name))} | {_names(i.columns)} | {'yes' if i.unique else 'no'} |"
                for i in indexes
            ],
        ),
        (
            "Check constraints",
            "| Name | Condition |\n|---|---|",
            [f"| {_code(str(c.name))} | {_code(str(c.sqltext))} |" for c in checks],
        ),
        (
            "Foreign keys",
            "| Name | Columns | References | On delete |\n|---|---|---|---|",
            [_foreign_key_row(c) for c in foreign],
        ),
    ]
    for title, header, rows in sections:
        lines += ["", f"### {title}", ""]
        lines += _wrapped(header, rows) if rows else ["None."]
    return lines


def _foreign_key_row(fk: ForeignKeyConstraint) -> str:
    referred = fk.referred_table.name
    targets = ", ".join(element.column.name for element in fk.elements)
    reference = f"[{_code(referred)}]({referred}.md) ({_cell(targets)})"
    return f"| {_code(str(fk.name))} | {_names(fk.columns)} | {reference} | {fk.ondelete or '—'} |"


def _role(model: type[SQLModel] | None) -> str:
    """The one-line comment above the table model's class: its role, as the models state it."""
    comment = inspect.getcomments(model) if model else None
    return " ".join(line.lstrip("# ").strip() for line in (comment or "").splitlines())


def _schemas(model: type[SQLModel]) -> list[str]:
    return [
        name
        for suffix in ("Create", "Read", "Update")
        if (name := f"{model.__name__}{suffix}") in models.__all__
    ]


# The pages' tables are wide: give them the width the table of contents would take.
FRONT_MATTER = ["---", "hide:", "  - toc", "---", ""]


def table_page(table: Table, model: type[SQLModel] | None) -> str:
    """The Markdown page of one table."""
    lines = [*FRONT_MATTER, f"# {table.name}", ""]
    role = _role(model)
    if role:
        lines += [role, ""]
    if model:
        schemas = ", ".join(_code(name) for name in _schemas(model))
        lines += [
            f"Table model {_code(f'sqlmodel_store.models.{model.__name__}')}"
            + (f"; schemas {schemas}." if schemas else "."),
            "",
        ]
    lines += ["## Columns", "", *_column_rows(table, model), ""]
    lines += _constraint_sections(table)
    return "\n".join(lines) + "\n"


def _migrations() -> list[str]:
    lines = ["## Migrations", ""]
    current = head()
    if current is None:
        return [*lines, "No migrations yet."]
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    doc = next(step.doc for step in revisions if step.revision == current)
    lines += [
        f"The models match Alembic head {_code(current)} ({_cell(doc.rstrip('.'))}). "
        "A database at another revision is refused by `Store.ensure_at_head()`; "
        "`python -m sqlmodel_store upgrade` brings it there.",
        "",
        "| Revision | Down revision | Message |",
        "|---|---|---|",
    ]
    for step in revisions:
        down = step.down_revision
        below = _code(str(down)) if isinstance(down, str) else "base"
        lines.append(f"| {_code(step.revision)} | {below} | {_cell(step.doc)} |")
    return lines


def _diagram_section(diagram: Diagram, svg: str) -> list[str]:
    return [
        f"### {diagram.heading}",
        "",
        f'<div class="er-diagram" id="er-{diagram.key}" markdown="0">\n{svg}\n</div>',
        "",
    ]


def index_page(drawn: list[tuple[Diagram, str]], models_by_table: dict[str, type[SQLModel]]) -> str:
    """The index: every table with its role, the ER diagrams, the migration head."""
    lines = [
        *FRONT_MATTER,
        "# Schema reference",
        "",
        "Generated from `sqlmodel_store.models.metadata` at every build of this site. Types are "
        "shown as PostgreSQL (production) and SQLite (the embedded default) create them.",
        "",
        "## Tables",
        "",
    ]
    rows = [
        f"| [{_code(table.name)}]({table.name}.md) "
        f"| {_cell(_role(models_by_table.get(table.name)))} |"
        for table in _tables()
    ]
    lines += _wrapped("| Table | Role |\n|---|---|", rows)
    lines += [
        "",
        "## Diagrams",
        "",
        "Every table and every foreign key, labelled with its column: a referred table sits "
        "above the tables that reference it, the crow's foot at the referencing table, a circle "
        "marks a reference that may be NULL. Click a table for its page. The import's "
        "bookkeeping is drawn on its own: it is not the bot's data.",
        "",
        *(line for diagram, svg in drawn for line in _diagram_section(diagram, svg)),
        *_migrations(),
    ]
    return "\n".join(lines) + "\n"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Append the table pages to the nav section that lists the schema index."""
    for section in config.nav or []:
        if not isinstance(section, dict):
            continue
        for entries in section.values():
            if isinstance(entries, list) and INDEX in entries:
                entries += [{table.name: _page(table.name)} for table in _tables()]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add one page per table and the index, whose diagram links to them, as generated files."""
    models_by_table = _models()
    index = File.generated(config, INDEX, content="")
    urls: dict[str, str] = {}
    for table in _tables():
        page = File.generated(
            config, _page(table.name), content=table_page(table, models_by_table.get(table.name))
        )
        urls[table.name] = get_relative_url(page.url, index.url)
        files.append(page)
    drawn = [
        (diagram, render_svg(dot_source(diagram, urls.__getitem__)))
        for diagram in diagrams(models.metadata)
    ]
    index.content_string = index_page(drawn, models_by_table)
    files.append(index)
    return files
