"""Schemas built by keyword are what SQLModel's own constructor built; table models are
still built and loaded by SQLModel's code."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Field, SQLModel

from sqlmodel_store.models import (
    Memory,
    Message,
    MessageCreate,
    MessageRead,
    MessageUpdate,
    StatCreate,
    StoreSchema,
    User,
    UserCreate,
    UserUpdate,
    schema_registry,
)

SENT = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
ROW = {
    "user_id": 7,
    "chat_id": -1001234567890,
    "message_id": 42,
    "reply_to_message_id": 41,
    "text": "nya 🐈‍⬛ שלום",
    "message_type": "photo",
    "language": "ru",
    "timestamp": SENT,
}

STAMPS = {"created_at": SENT, "updated_at": SENT}

# Good and bad data for several schemas, each given with every time-dependent default set.
CASES: list[tuple[type[SQLModel], dict[str, Any]]] = [
    (MessageCreate, ROW),
    (MessageCreate, {"user_id": 1, "chat_id": 2, "message_id": 3, "timestamp": SENT}),
    (MessageCreate, ROW | {"chat_id": "-100123", "timestamp": "2025-01-02T03:04:05+09:00"}),
    (MessageCreate, ROW | {"timestamp": datetime(2025, 1, 2, 3, 4, 5)}),
    (MessageCreate, ROW | {"unknown": "ignored"}),
    (MessageCreate, ROW | {"user_id": 0, "chat_id": "x", "language": "x" * 11}),
    (MessageCreate, ROW | {"text": "a\x00b"}),
    (MessageCreate, {"text": "no ids"}),
    (MessageRead, ROW | {"id": 5}),
    (MessageRead, ROW),
    (MessageUpdate, {"text": "edited"}),
    (MessageUpdate, {"message_type": "x" * 51}),
    (UserCreate, {"telegram_id": 2**63 - 1, "username": "a" * 255, **STAMPS}),
    (UserCreate, {"telegram_id": 2**63, "first_name": "\ud800"}),
    (UserUpdate, {"language_code": "x" * 11}),
    (
        StatCreate,
        {"user_id": 1, "stat_type": "t", "value": 1.5, "timestamp": SENT, "extra_data": {"k": [1]}},
    ),
    (StatCreate, {"user_id": 1, "stat_type": "t", "value": float("inf")}),
]


def sqlmodel_built(schema: type[SQLModel], data: dict[str, Any]) -> SQLModel:
    """The instance SQLModel's own `__new__` and `__init__` build from these keywords."""
    instance: SQLModel = SQLModel.__new__(schema)
    SQLModel.__init__(instance, **data)
    return instance


def state(instance: SQLModel) -> tuple[Any, ...]:
    return (
        type(instance),
        vars(instance),
        instance.__pydantic_fields_set__,
        instance.__pydantic_extra__,
        instance.__pydantic_private__,
    )


def outcome(build: Callable[[], SQLModel]) -> tuple[Any, ...]:
    """The built instance's whole state, or every error of the refusal (their causes by
    repr: exceptions compare by identity) and its text."""
    try:
        instance = build()
    except ValidationError as refused:
        errors = [
            error | {"ctx": {k: repr(v) for k, v in error.get("ctx", {}).items()}}
            for error in refused.errors()
        ]
        return ("refused", errors, str(refused))
    return ("built", *state(instance), instance.model_dump())


@pytest.mark.parametrize(("schema", "data"), CASES)
def test_a_schema_built_by_keyword_is_what_sqlmodel_built(
    schema: type[SQLModel], data: dict[str, Any]
) -> None:
    assert outcome(lambda: schema(**data)) == outcome(lambda: sqlmodel_built(schema, data))


def test_a_bad_message_names_every_wrong_field() -> None:
    with pytest.raises(ValidationError) as raised:
        MessageCreate(
            user_id=0,
            chat_id="x",
            message_id=2**63,
            message_type="x" * 51,
            language="x" * 11,
            timestamp="soon",
        )
    assert [(e["loc"], e["type"]) for e in raised.value.errors()] == [
        (("user_id",), "greater_than_equal"),
        (("chat_id",), "int_parsing"),
        (("message_id",), "less_than_equal"),
        (("message_type",), "string_too_long"),
        (("language",), "string_too_long"),
        (("timestamp",), "datetime_from_date_parsing"),
    ]
    with pytest.raises(ValidationError) as missing:
        MessageCreate()
    assert [(e["loc"], e["type"]) for e in missing.value.errors()] == [
        (("user_id",), "missing"),
        (("chat_id",), "missing"),
        (("message_id",), "missing"),
    ]


def test_text_rules_still_run_for_keyword_arguments() -> None:
    with pytest.raises(ValidationError, match="NUL") as raised:
        MessageCreate(user_id=1, chat_id=2, message_id=3, text="a\x00b")
    assert [(e["loc"], e["type"]) for e in raised.value.errors()] == [((), "value_error")]
    with pytest.raises(ValidationError, match="surrogate"):
        UserCreate(telegram_id=1, first_name="\udfff")


def test_defaults_fill_only_what_was_not_given() -> None:
    before = datetime.now(UTC)
    built = MessageCreate(user_id=1, chat_id=2, message_id=3)
    assert built.model_fields_set == {"user_id", "chat_id", "message_id"}
    assert (built.reply_to_message_id, built.text, built.language) == (None, None, None)
    assert built.message_type == "text"
    assert built.timestamp.tzinfo is UTC
    assert before <= built.timestamp <= datetime.now(UTC)


def test_timestamps_given_by_keyword_come_out_in_utc() -> None:
    naive = datetime(2025, 1, 2, 3, 4, 5)
    assert MessageCreate(**ROW | {"timestamp": naive}).timestamp == naive.replace(tzinfo=UTC)
    tokyo = datetime(2025, 1, 2, 12, 0, tzinfo=timezone(timedelta(hours=9)))
    converted = MessageCreate(**ROW | {"timestamp": tokyo}).timestamp
    assert (converted, converted.tzinfo, converted.hour) == (tokyo, UTC, 3)


def test_copies_pickles_and_rebuilt_schemas_equal_the_original() -> None:
    built = MessageCreate(**ROW)
    for again in (
        copy.copy(built),
        copy.deepcopy(built),
        pickle.loads(pickle.dumps(built)),
        built.model_copy(),
        MessageCreate.model_validate(ROW),
        MessageCreate.model_validate_json(built.model_dump_json()),
        MessageCreate.model_construct(**ROW),
    ):
        assert state(again) == state(built)


def test_a_field_may_still_be_called_self() -> None:
    class Named(StoreSchema):
        self: int

    assert Named(self=3).self == 3


@pytest.mark.parametrize("table", [Message, User, Memory])
def test_table_models_are_built_and_loaded_by_sqlmodel(table: type[SQLModel]) -> None:
    assert table.__new__ is SQLModel.__new__
    assert table._sa_class_manager.original_init is SQLModel.__init__  # type: ignore[attr-defined]


def test_tables_of_another_schema_are_built_by_sqlmodel_too() -> None:
    class Base(StoreSchema, registry=schema_registry()):
        pass

    class Note(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        body: str

    assert Note.__new__ is SQLModel.__new__
    assert Note._sa_class_manager.original_init is SQLModel.__init__  # type: ignore[attr-defined]
    assert Note(body="hi")._sa_instance_state is not None  # type: ignore[attr-defined]


def test_a_table_model_still_takes_values_unvalidated() -> None:
    # SQLModel's behaviour: tables do not validate; writes validate through the schemas.
    row = Message(**ROW | {"message_type": "x" * 60, "timestamp": "not validated"})
    assert (row.message_type, row.timestamp) == ("x" * 60, "not validated")
    assert row.model_fields_set >= {"message_type", "timestamp"}
