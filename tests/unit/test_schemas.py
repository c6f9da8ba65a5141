"""The Create/Update schemas refuse what a table cannot hold, before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from sqlmodel_store.models import (
    CategoryCreate,
    JokeCreate,
    LessonUpdate,
    MemoryCreate,
    MemoryLinkCreate,
    MessageCreate,
    StatCreate,
    UserCreate,
    UserUpdate,
)


def message(**fields: object) -> MessageCreate:
    return MessageCreate.model_validate({"user_id": 1, "chat_id": -1001, "message_id": 1} | fields)


def test_64_bit_ids_are_accepted_and_larger_ones_refused() -> None:
    assert UserCreate(telegram_id=2**63 - 1).telegram_id == 2**63 - 1
    assert message(chat_id=-1001234567890123).chat_id == -1001234567890123
    with pytest.raises(ValidationError, match="less than or equal"):
        UserCreate(telegram_id=2**63)


def test_nul_in_text_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="NUL"):
        message(text="a\x00b")


def test_lone_surrogate_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="surrogate"):
        UserCreate(telegram_id=1, first_name="\ud800")


def test_text_rules_reach_into_lists_and_json_documents() -> None:
    with pytest.raises(ValidationError, match="NUL"):
        MemoryCreate(simple_content="s", full_content="f", created_by=1, tags=["ok", "\x00"])
    with pytest.raises(ValidationError, match="surrogate"):
        StatCreate(user_id=1, stat_type="t", value=1.0, extra_data={"k": ["\udfff"]})


def test_lengths_follow_the_columns() -> None:
    UserCreate(telegram_id=1, username="a" * 255)
    with pytest.raises(ValidationError, match="at most 255"):
        UserCreate(telegram_id=1, username="a" * 256)
    with pytest.raises(ValidationError, match="at most 10"):
        UserCreate(telegram_id=1, language_code="x" * 11)


def test_emoji_and_astral_text_is_fine() -> None:
    assert message(text="nya 🐈‍⬛ 𝄞 שלום").text == "nya 🐈‍⬛ 𝄞 שלום"


def test_naive_datetimes_are_taken_as_utc_and_aware_ones_converted() -> None:
    naive = datetime(2025, 1, 2, 3, 4, 5)
    assert message(timestamp=naive).timestamp == naive.replace(tzinfo=UTC)
    tokyo = datetime(2025, 1, 2, 12, 0, tzinfo=timezone(timedelta(hours=9)))
    converted = message(timestamp=tokyo).timestamp
    assert converted.tzinfo == UTC
    assert converted == tokyo
    assert converted.hour == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [("emotion_valence", 1.5), ("emotion_arousal", -1.01), ("importance", -1), ("version", 0)],
)
def test_memory_ranges_match_the_checks(field: str, value: float) -> None:
    with pytest.raises(ValidationError):
        MemoryCreate.model_validate(
            {"simple_content": "s", "full_content": "f", "created_by": 1, field: value}
        )


def test_joke_counts_cannot_be_negative() -> None:
    with pytest.raises(ValidationError):
        JokeCreate(chat_id=1, joke_text="j", joke_type="pun", likes_count=-1)


def test_link_strength_is_between_zero_and_one() -> None:
    assert MemoryLinkCreate(from_memory_id=1, to_memory_id=2, link_type="r").strength == 1.0
    with pytest.raises(ValidationError):
        MemoryLinkCreate(from_memory_id=1, to_memory_id=2, link_type="r", strength=1.1)


def test_category_domain_must_be_known() -> None:
    CategoryCreate(name="n", domain="social", full_path="social.n")
    with pytest.raises(ValidationError, match="social"):
        CategoryCreate.model_validate({"name": "n", "domain": "gossip", "full_path": "x"})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_stat_values_are_refused(value: float) -> None:
    with pytest.raises(ValidationError, match="finite"):
        StatCreate(user_id=1, stat_type="t", value=value)


def test_update_schemas_keep_the_same_rules_and_only_what_was_set() -> None:
    assert UserUpdate(username="z").model_dump(exclude_unset=True) == {"username": "z"}
    with pytest.raises(ValidationError):
        UserUpdate(username="a" * 256)
    with pytest.raises(ValidationError):
        LessonUpdate(order=2**31)
