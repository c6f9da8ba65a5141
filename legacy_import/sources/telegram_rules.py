"""How Telegram Desktop's "Export chat history" JSON maps onto Bot API values. Pure rules.

Chat ids. An export stores a chat's bare id and its `type`. The Bot API, and so a bot's own
data, writes the same chat as:

| export `type`                                   | Bot API chat id |
|-------------------------------------------------|-----------------|
| `personal_chat`, `bot_chat`, `saved_messages`   | `id`            |
| `private_supergroup`, `public_supergroup`       | `-100<id>`      |
| `private_channel`, `public_channel`             | `-100<id>`      |
| `private_group` (a basic group)                 | `-<id>`         |

`-100<id>` is how people write it; exactly, it is `-(10**12 + id)` (TDLib's rule), which is the
same number for the 10-digit ids real chats have, and differs for short ids in test exports.

Authors. `from_id` (or `actor_id` for service entries) is `user<digits>` or a bare number (exports
before 2021) for a user: the user's Telegram id. `channel<digits>` is a post signed by a channel
or an anonymous admin. The store has no channel table, so such posts are authored by a user row
whose `telegram_id` is the channel's Bot API id (`-100<digits>`, as for chats). That id is
negative and so can never collide with a real user's id.

Times. `date_unixtime` (exports from 2022 on) is the truth. `date` is the exporting computer's
local time with no zone, so it is read in the zone the operator gives (`--timezone`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

CHANNEL_ID_OFFSET = 10**12
# 9999-12-31T23:59:59Z, the last second a `datetime` holds: a later `date_unixtime` is no time.
LAST_UNIX_SECOND = 253402300799


def _as_is(chat: int) -> int:
    return chat


def _supergroup_or_channel(chat: int) -> int:
    return -(CHANNEL_ID_OFFSET + chat)


def _basic_group(chat: int) -> int:
    return -chat


CHAT_ID_FORMS: Mapping[str, Callable[[int], int]] = {
    "personal_chat": _as_is,
    "bot_chat": _as_is,
    "saved_messages": _as_is,
    "private_supergroup": _supergroup_or_channel,
    "public_supergroup": _supergroup_or_channel,
    "private_channel": _supergroup_or_channel,
    "public_channel": _supergroup_or_channel,
    "private_group": _basic_group,
}

# Keys whose presence says what a non-service message carries, checked in this order.
MEDIA_KEYS = (
    ("photo", "photo"),
    ("poll", "poll"),
    ("contact_information", "contact"),
    ("location_information", "location"),
    ("place_name", "venue"),
    ("game_title", "game"),
    ("invoice_information", "invoice"),
    ("todo_list", "todo_list"),
    ("giveaway_information", "giveaway"),
    ("file", "file"),
)


def chat_id(chat: Mapping[str, Any]) -> int:
    """The Bot API id of a chat given as `{"id": …, "type": …}` from the export."""
    kind, bare = chat.get("type"), chat.get("id")
    if not isinstance(bare, int) or isinstance(bare, bool) or bare < 0:
        raise ValueError(f"the chat's id {bare!r} is not an export's chat id (a number ≥ 0)")
    form = CHAT_ID_FORMS.get(kind) if isinstance(kind, str) else None
    if form is None:
        known = ", ".join(CHAT_ID_FORMS)
        raise ValueError(f"chat type {kind!r} is not one of {known}; its Bot API id is unknown")
    return form(bare)


def author_id(value: Any) -> int:
    """The Telegram id of a `from_id`/`actor_id`: `user123` or 123 → 123, `channel5` → -1005."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        for prefix, convert in (("user", int), ("channel", _supergroup_or_channel)):
            digits = value.removeprefix(prefix)
            if digits != value and digits.isascii() and digits.isdigit():
                return convert(int(digits))
    raise ValueError(f"{value!r} is neither a user (user<digits>) nor a channel (channel<digits>)")


def message_author(message: Mapping[str, Any]) -> int:
    """Who wrote a message, or performed a service action."""
    for key in ("from_id", "actor_id"):
        if message.get(key) is not None:
            return author_id(message[key])
    raise ValueError("the message has no author (neither from_id nor actor_id)")


def author_name(message: Mapping[str, Any]) -> str | None:
    """The display name shown with the message (null for deleted accounts)."""
    for id_key, name_key in (("from_id", "from"), ("actor_id", "actor")):
        if message.get(id_key) is not None:
            name = message.get(name_key)
            return name if isinstance(name, str) else None
    return None


def plain_text(value: Any) -> str:
    """What a reader sees: a string as is, a list of strings and entities concatenated."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                raise ValueError(f"text part {part!r} is neither a string nor an entity")
        return "".join(parts)
    raise ValueError(f"{value!r} is neither text nor a list of text parts")


def message_type(message: Mapping[str, Any]) -> str:
    """`service:<action>`, the media kind, or `text`."""
    if message.get("type") == "service":
        return f"service:{message.get('action') or 'unknown'}"
    media = message.get("media_type")
    if isinstance(media, str) and media:
        return media
    for key, kind in MEDIA_KEYS:
        if key in message:
            return kind
    return "text"


def message_time(message: Mapping[str, Any], zone: tzinfo) -> datetime:
    """`date_unixtime` when the export has it; else `date`, a local time, in `zone`."""
    unix = message.get("date_unixtime")
    if unix is not None:
        if isinstance(unix, str) and unix.isascii() and unix.isdigit():
            return _unix_time(unix, int(unix))
        if isinstance(unix, int) and not isinstance(unix, bool):
            return _unix_time(unix, unix)
        raise ValueError(f"date_unixtime {unix!r} is not a number of seconds")
    local = message.get("date")
    if not isinstance(local, str):
        raise ValueError("the message has neither date_unixtime nor date")
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        raise ValueError(f"date {local!r} is not an ISO date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _unix_time(given: object, seconds: int) -> datetime:
    """A time beyond the years 1 to 9999 is no date a store can hold: a reject, not a crash."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"date_unixtime {given!r} is beyond the years 1 to 9999") from None
