"""Mapping files: every mistake is reported with its line, and what a valid file means."""

from __future__ import annotations

from pathlib import Path

import pytest

from legacy_import.errors import MappingError
from legacy_import.mapping.builtin import BUILTIN_MAPPINGS, builtin_layouts
from legacy_import.mapping.mapping_file import load_mapping, parse_mapping

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "mappings"

NOTES = """\
name = "notes-bot"
source = "sqlite"

[[tables]]
target = "users"
table = "people"
id = "tg"
keep_ids = false

[tables.fields]
telegram_id = "tg"

[[tables]]
target = "facts"
table = "notes"

[tables.fields]
user_id = { column = "author", match = "telegram_id" }
fact_text = "body"
"""


def problems(text: str) -> str:
    with pytest.raises(MappingError) as raised:
        parse_mapping(text, "m.toml")
    return str(raised.value)


def test_a_valid_file_becomes_a_layout_with_its_rules() -> None:
    layout = parse_mapping(NOTES, "m.toml")
    users, facts = layout.tables
    assert (layout.name, layout.kind, layout.builtin) == ("notes-bot", "sqlite", False)
    assert (users.table, users.target, users.keep_ids) == ("people", "users", False)
    assert users.legacy_id is not None
    assert users.legacy_id.column == "tg"
    author = next(field for field in facts.fields if field.target == "user_id")
    assert (author.column, author.match) == ("author", "telegram_id")
    # No id column given: records are known by their position (the SQLite rowid).
    assert facts.legacy_id is not None
    assert facts.legacy_id.source == "position"


def test_invalid_toml_is_reported_with_its_line() -> None:
    message = problems('name = "x"\nsource = = "sqlite"\n')
    assert "m.toml: not valid TOML" in message
    assert "line 2" in message


@pytest.mark.parametrize(
    ("change", "line", "expected"),
    [
        (('target = "facts"', 'target = "fact"'), 14, "no store table 'fact'; the tables are"),
        (('fact_text = "body"', 'fact_txt = "body"'), 19, "facts has no field 'fact_txt'"),
        (
            ('fact_text = "body"', 'fact_text = { column = "body", convert = "txt" }'),
            19,
            "Input should be 'as_is', 'timestamp'",
        ),
        (
            ('fact_text = "body"', 'fact_text = { column = "body", value = "x" }'),
            19,
            "exactly one of column, path, value, key, record, document (found: column, value)",
        ),
        (('fact_text = "body"', "fact_text = {}"), 19, "(found: none)"),
        (
            ('fact_text = "body"', 'fact_text = { column = "body", format = "%Y" }'),
            19,
            'format applies to convert = "timestamp" only',
        ),
        (
            ('fact_text = "body"', 'fact_text = { column = "body", match = "id" }'),
            19,
            "match applies to references; fact_text refers to no table",
        ),
        (
            ('match = "telegram_id"', 'match = "username"'),
            18,
            "users.username is not a unique column; match one of id, telegram_id",
        ),
        (('fact_text = "body"', ""), 14, "facts needs 'fact_text' (it has no default)"),
        (('table = "notes"', ""), 14, 'say which SQLite table feeds it: table = "..."'),
        (('table = "notes"', 'table = "notes"\nrecords = "x"'), 16, "records applies to JSON"),
        (
            ('fact_text = "body"', "fact_text = { key = true }"),
            19,
            "key exists only in JSON sources",
        ),
        (('id = "tg"', "id = true"), 4, "id = true means nothing"),
        (('id = "tg"', "id = { value = 3 }"), 7, "the id must come from a column, a path"),
        (("keep_ids = false", "keep_ids = false\ncolour = 1"), 9, "Extra inputs are not permitted"),
        (('source = "sqlite"', 'source = "csv"'), 2, "Input should be 'sqlite', 'json'"),
    ],
)
def test_each_mistake_names_its_line_and_what_to_do(
    change: tuple[str, str], line: int, expected: str
) -> None:
    old, new = change
    assert old in NOTES
    message = problems(NOTES.replace(old, new, 1))
    assert f"m.toml line {line}: " in message
    assert expected in message


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    broken = NOTES.replace('target = "users"', 'target = "people"').replace("fact_text", "text")
    message = problems(broken)
    assert "the mapping file has 3 problem(s)" in message
    assert "m.toml line 5: tables[0].target: no store table 'people'" in message
    assert "m.toml line 19: tables[1].fields.text: facts has no field 'text'" in message
    assert "m.toml line 14: tables[1].target: facts needs 'fact_text'" in message


def test_a_reference_to_a_table_two_rules_feed_must_say_what_it_matches() -> None:
    text = NOTES.replace(
        '[[tables]]\ntarget = "facts"',
        '[[tables]]\ntarget = "users"\ntable = "admins"\n[tables.fields]\ntelegram_id = "tg"\n\n'
        '[[tables]]\ntarget = "facts"',
    ).replace('{ column = "author", match = "telegram_id" }', '"author"')
    message = problems(text)
    assert "tables[2].fields.user_id: users is fed by 2 tables of this mapping" in message
    assert 'match a unique column instead (match = "...")' in message


def test_two_rules_may_not_share_a_name() -> None:
    text = NOTES.replace('table = "people"', 'table = "people"\nname = "same"').replace(
        'table = "notes"', 'table = "notes"\nname = "same"'
    )
    assert "two tables of the mapping are named 'same'" in problems(text)


def test_a_mapping_file_that_cannot_be_read_says_so(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read the mapping file"):
        load_mapping(tmp_path / "absent.toml")


def test_built_in_layouts_are_mapping_files_shipped_in_the_package() -> None:
    names = {layout.name for layout in builtin_layouts()}
    assert names == {"bot-sqlite", "bot-v0-sqlite", "canonical-json", "telegram-desktop"}
    assert {path.stem for path in BUILTIN_MAPPINGS.glob("*.toml")} == names
    assert all(layout.builtin for layout in builtin_layouts())


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda path: path.stem)
def test_the_documented_examples_are_valid(path: Path) -> None:
    layout = load_mapping(path)
    assert layout.name == path.stem
    assert not layout.builtin
