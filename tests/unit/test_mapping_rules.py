"""What each kind of field in a mapping file reads from a record, through the record mapper."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from legacy_import.mapping.mapper import RecordMapper
from legacy_import.mapping.mapping_file import parse_mapping
from legacy_import.mapping.outcomes import Mapped, Rejected
from legacy_import.mapping.targets import targets
from legacy_import.sources.records import RawRecord


def mapper(table: str, *, documents: dict[tuple[str, ...], Any] | None = None) -> RecordMapper:
    layout = parse_mapping(f'name = "t"\nsource = "json"\n\n[[tables]]\n{table}', "t.toml")
    (rule,) = layout.tables
    return RecordMapper(rule, targets()[rule.target], reading="r", documents=documents)


def record(data: Any, *, key: str | None = None, position: int = 7) -> RawRecord:
    return RawRecord("part", position, f"record {position}", data, 10, key=key)


def mapped(outcome: Mapped | Rejected | None) -> Mapped:
    assert isinstance(outcome, Mapped), outcome
    return outcome


def test_an_object_keyed_by_id_gives_each_record_its_key() -> None:
    users = mapper(
        'target = "users"\nid = { key = true }\n[tables.fields]\ntelegram_id = { key = true }'
    )
    found = mapped(users.map(record({"name": "x"}, key="-1001")))
    assert found.values["telegram_id"] == -1001
    assert found.legacy_id == -1001


def test_a_nested_path_reads_inside_objects_and_lists() -> None:
    users = mapper(
        'target = "users"\n[tables.fields]\ntelegram_id = { path = "who.ids.1" }\n'
        'username = { path = ["a.b"] }'
    )
    found = mapped(users.map(record({"who": {"ids": [5, 6]}, "a.b": "dotted"})))
    assert (found.values["telegram_id"], found.values["username"]) == (6, "dotted")
    missing = users.map(record({"who": {"ids": [5]}}))
    assert isinstance(missing, Rejected)
    assert missing.reason.startswith("telegram_id: Field required")


def test_constants_documents_and_the_record_itself() -> None:
    jokes = mapper(
        'target = "jokes"\n[tables.fields]\njoke_text = { record = true }\n'
        'chat_id = { value = -5 }\njoke_type = { value = "cached" }\n'
        'created_at = { document = "meta.at", convert = "unix_seconds" }',
        documents={("meta", "at"): 1761566400},
    )
    found = mapped(jokes.map(record("a joke\nwith two lines")))
    assert found.values["joke_text"] == "a joke\nwith two lines"
    assert (found.values["chat_id"], found.values["joke_type"]) == (-5, "cached")
    assert found.values["created_at"] == datetime(2025, 10, 27, 12, tzinfo=UTC)
    # No id column: the record is known by its position.
    assert found.legacy_id == 7


def test_a_plain_value_is_rejected_where_fields_are_read_from_an_object() -> None:
    users = mapper('target = "users"\n[tables.fields]\ntelegram_id = "id"')
    outcome = users.map(record("just text"))
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "is not a JSON object, and the mapping reads fields of one"
    assert outcome.part == "r"


def test_null_words_are_null_before_conversion() -> None:
    users = mapper(
        'target = "users"\n[tables.fields]\ntelegram_id = "id"\n'
        'username = { column = "nick", null = ["-", "None"] }\n'
        'created_at = { column = "at", convert = "timestamp", null = [""] }'
    )
    found = mapped(users.map(record({"id": 1, "nick": " none ", "at": ""})))
    assert found.values["username"] is None
    # created_at cannot be null: left out, so the schema's default (now) applies.
    assert "created_at" not in found.explicit
    kept = mapped(users.map(record({"id": 1, "nick": "nonesuch"})))
    assert kept.values["username"] == "nonesuch"


def test_records_without_the_skip_fields_are_skipped_not_rejected() -> None:
    stats = mapper(
        'target = "stats"\nskip_if_null = ["value"]\n[tables.fields]\n'
        'user_id = "uid"\nstat_type = { value = "points" }\n'
        'value = { column = "points", convert = "number", null = ["n/a"] }'
    )
    assert stats.map(record({"uid": 1, "points": None})) is None
    assert stats.map(record({"uid": 1})) is None
    assert stats.map(record({"uid": 1, "points": " N/A "})) is None
    found = mapped(stats.map(record({"uid": 1, "points": "12"})))
    assert found.values["value"] == 12.0


def test_a_conversion_failure_names_the_field_and_the_value() -> None:
    users = mapper(
        'target = "users"\n[tables.fields]\ntelegram_id = "id"\n'
        'is_friend = { column = "friend", convert = "boolean" }'
    )
    outcome = users.map(record({"id": 1, "friend": "maybe"}))
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "is_friend: 'maybe' is not a yes/no value (1/0, true/false, yes/no)"
    assert mapped(users.map(record({"id": 1, "friend": "yes"}))).values["is_friend"] is True


def test_an_id_that_is_not_an_integer_is_the_reason() -> None:
    users = mapper('target = "users"\nid = "uid"\n[tables.fields]\ntelegram_id = "tg"')
    outcome = users.map(record({"uid": "abc", "tg": 1}))
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "uid: 'abc' is not an integer id"
