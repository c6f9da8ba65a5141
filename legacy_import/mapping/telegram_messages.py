"""Telegram messages mapped straight to `messages` rows, for the built-in Telegram layout.

At a million messages the generic mapper (a conversion per field, then pydantic) is most of
an import's time, and nearly every message is plain: an integer id, text, a known time. Such
a message is mapped here in a few calls, to the row the generic mapper would give. Anything
unusual (a missing or non-integer id, a number out of range, text no database stores, an
author or time that cannot be read) gets None: the caller takes the generic mapper, so every
reject keeps its wording. tests/property/test_telegram_quick_mapping.py holds the two to the
same rows, as the loader writes them.

A plain message's time stays its `date_unixtime` seconds: the loader makes the `datetime`
(`legacy_import.load.plan`), in the process that has time to spare, and sending a number to
it costs a tenth of sending a `datetime`.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from legacy_import.mapping.rules import FieldRule, TableRule
from legacy_import.sources import telegram_rules as telegram
from legacy_import.sources.telegram_scan import key_decoder

INT64 = 2**63 - 1
MESSAGE_TYPE_CHARS = 50

# The messages rule of legacy_import/mapping/layouts/telegram-desktop.toml, field by field.
TELEGRAM_FIELDS = (
    FieldRule("user_id", "record", convert="telegram_author"),
    FieldRule("chat_id", "column", "chat", convert="telegram_chat_id"),
    FieldRule("message_id", "column", "id"),
    FieldRule("reply_to_message_id", "column", "reply_to_message_id"),
    FieldRule("text", "column", "text", convert="telegram_text"),
    FieldRule("message_type", "record", convert="telegram_message_type"),
    FieldRule("timestamp", "record", convert="telegram_date"),
)
# Every key of a message that the fields above read (the author, the type and the time read
# several), so a message whose row is made here is decoded no further.
MESSAGE_KEYS = key_decoder(
    (
        "id",
        "reply_to_message_id",
        "text",
        "from_id",
        "actor_id",
        "type",
        "action",
        "media_type",
        *(key for key, _ in telegram.MEDIA_KEYS),
        "date_unixtime",
        "date",
    )
)


def _storable(text: str) -> bool:
    """No NUL and no lone surrogate: UTF-8 encodes every other code point (the encoder
    finds a surrogate three times as fast as a regular expression in non-ASCII text)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _id(value: Any) -> bool:
    return value.__class__ is int and -INT64 - 1 <= value <= INT64


class QuickMessages:
    """Rows of `messages` (in the target's column order, the author still its Telegram id,
    the time perhaps its seconds) for the plain messages of a Telegram export."""

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        # A chat's Bot API id, by the chat object its messages share; an author's id, by
        # its `from_id` text: a few thousand of each at most, met a million times.
        self._chat: tuple[Any, Any] = (None, None)
        self._authors: dict[str, int] = {}

    @staticmethod
    def reads(rule: TableRule) -> bool:
        """Whether the rule is the built-in one for Telegram messages (a mapping file may
        read the same part otherwise: then only the generic mapper knows what it means)."""
        return (
            rule.target == "messages"
            and rule.fields == TELEGRAM_FIELDS
            and rule.legacy_id is None
            and not rule.skip_if_null
        )

    def row(self, data: dict[str, Any], chat: dict[str, Any]) -> tuple[Any, ...] | None:
        """The row of a message of `chat` (at least its `MESSAGE_KEYS`), or None: the generic
        mapper decides."""
        message_id = data.get("id")
        reply = data.get("reply_to_message_id")
        text: Any = data.get("text")
        if not _id(message_id) or not (reply is None or _id(reply)):
            return None
        try:
            author = self._author(data)
            chat_id = self._chat_id(chat)
            if text is not None and text.__class__ is not str:
                text = telegram.plain_text(text)
            kind = telegram.message_type(data)
            unix = data.get("date_unixtime")
            if unix.__class__ is str and unix.isdigit() and unix.isascii():
                moment: Any = int(unix)
                if moment > telegram.LAST_UNIX_SECOND:
                    return None
            else:
                moment = telegram.message_time(data, self._zone)
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError, OSError):
            return None
        if chat_id is None or len(kind) > MESSAGE_TYPE_CHARS or not _storable(kind):
            return None
        if text is not None and not _storable(text):
            return None
        return (author, chat_id, message_id, reply, text, kind, None, moment)

    def _author(self, data: dict[str, Any]) -> int:
        given = data.get("from_id")
        if given.__class__ is str:
            known = self._authors.get(given)
            if known is None:
                known = self._authors[given] = telegram.author_id(given)
            return known
        return telegram.message_author(data)

    def _chat_id(self, chat: Any) -> int | None:
        """The chat's Bot API id; None when no row can hold it."""
        if self._chat[0] is not chat:
            found = telegram.chat_id(chat)
            self._chat = (chat, found if _id(found) else None)
        return self._chat[1]  # type: ignore[no-any-return]
