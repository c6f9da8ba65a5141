"""Telegram export values → Bot API values: the rules, one by one, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from legacy_import.sources import telegram_rules as telegram


@pytest.mark.parametrize(
    ("kind", "bare", "bot_api"),
    [
        ("personal_chat", 123, 123),
        ("bot_chat", 93372553, 93372553),
        ("saved_messages", 5_000_000_000, 5_000_000_000),
        ("private_supergroup", 1292077344, -1001292077344),
        ("public_supergroup", 1, -1_000_000_000_001),
        ("private_channel", 5_000_000_000, -1005000000000),
        ("public_channel", 777, -1_000_000_000_777),
        ("private_group", 4321, -4321),
    ],
)
def test_every_chat_type_gets_its_bot_api_id(kind: str, bare: int, bot_api: int) -> None:
    assert telegram.chat_id({"type": kind, "id": bare}) == bot_api


@pytest.mark.parametrize(
    ("chat", "message"),
    [
        ({"type": "secret_chat", "id": 1}, "chat type 'secret_chat' is not one of"),
        ({"type": "personal_chat"}, "the chat's id None is not"),
        ({"type": "personal_chat", "id": -5}, "the chat's id -5 is not"),
        ({"type": "personal_chat", "id": "12"}, "the chat's id '12' is not"),
    ],
)
def test_a_chat_without_a_known_type_or_id_is_refused(
    chat: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        telegram.chat_id(chat)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("user12345678", 12345678),
        (12345678, 12345678),
        ("user8589934592", 2**33),
        ("channel1292077344", -1001292077344),
        ("channel123", -1_000_000_000_123),
    ],
)
def test_author_ids_in_every_export_format(value: object, expected: int) -> None:
    assert telegram.author_id(value) == expected


@pytest.mark.parametrize("value", ["chat42", "user", "user-5", "user\u0661\u0662", True, None, 1.5])
def test_author_ids_that_name_no_user_or_channel_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="neither a user"):
        telegram.author_id(value)


def test_a_service_entry_is_authored_by_its_actor_and_a_bare_message_by_nobody() -> None:
    assert telegram.message_author({"actor_id": "user7", "actor": "Ann"}) == 7
    assert telegram.author_name({"actor_id": "user7", "actor": "Ann"}) == "Ann"
    assert telegram.author_name({"from_id": "user7", "from": None}) is None
    with pytest.raises(ValueError, match="has no author"):
        telegram.message_author({"from": "Ann", "from_id": None})


def test_text_parts_and_entities_concatenate_to_what_a_reader_sees() -> None:
    parts = [
        "Смотри ",
        {"type": "link", "text": "https://example.org"},
        " и ",
        {"type": "bold", "text": "שלום 😀"},
        "",
        {"type": "custom_emoji", "text": "🔥", "document_id": "x"},
    ]
    assert telegram.plain_text(parts) == "Смотри https://example.org и שלום 😀🔥"
    assert telegram.plain_text("plain") == "plain"
    assert telegram.plain_text([]) == ""
    with pytest.raises(ValueError, match="neither a string nor an entity"):
        telegram.plain_text(["ok", 5])


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ({"type": "message", "text": "hi"}, "text"),
        ({"type": "message", "photo": "(File not included.)"}, "photo"),
        ({"type": "message", "file": "a.webp", "media_type": "sticker"}, "sticker"),
        ({"type": "message", "file": "doc.pdf", "mime_type": "application/pdf"}, "file"),
        ({"type": "message", "poll": {"question": "?"}}, "poll"),
        ({"type": "message", "contact_information": {}}, "contact"),
        ({"type": "message", "location_information": {}}, "location"),
        ({"type": "message", "todo_list": {}}, "todo_list"),
        ({"type": "service", "action": "pin_message"}, "service:pin_message"),
        ({"type": "service"}, "service:unknown"),
    ],
)
def test_message_types(message: dict[str, object], kind: str) -> None:
    assert telegram.message_type(message) == kind


def test_date_unixtime_wins_and_a_local_date_is_read_in_the_given_zone() -> None:
    both = {"date": "2021-03-29T18:04:31", "date_unixtime": "1617041071"}
    assert telegram.message_time(both, ZoneInfo("Europe/Moscow")) == datetime(
        2021, 3, 29, 18, 4, 31, tzinfo=UTC
    )
    local = {"date": "2021-03-29T18:04:31"}
    assert telegram.message_time(local, ZoneInfo("Europe/Moscow")) == datetime(
        2021, 3, 29, 15, 4, 31, tzinfo=UTC
    )
    assert telegram.message_time(local, UTC) == datetime(2021, 3, 29, 18, 4, 31, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither date_unixtime nor date"):
        telegram.message_time({}, UTC)
    with pytest.raises(ValueError, match="is not a number of seconds"):
        telegram.message_time({"date_unixtime": "soon"}, UTC)


@pytest.mark.parametrize("unix", ["67768036191676800", 9223372036854775807, -(10**15)])
def test_a_date_unixtime_beyond_any_calendar_date_is_refused_with_its_reason(
    unix: object,
) -> None:
    with pytest.raises(ValueError, match=r"is beyond the years 1 to 9999"):
        telegram.message_time({"date_unixtime": unix}, UTC)
