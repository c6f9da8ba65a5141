"""Value conversions named by layouts: legacy spellings → what the `Create` schemas accept.

Each conversion is pure and raises `ValueError` with a message meant for the rejects file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal

from legacy_import import telegram

Conversion = Literal[
    "as_is",
    "timestamp",
    "json",
    "telegram_chat_id",
    "telegram_author",
    "telegram_text",
    "telegram_message_type",
    "telegram_date",
]

# Beyond this many seconds since 1970 (year 5138) a number must be milliseconds.
MILLISECONDS_ABOVE = 100_000_000_000


def as_is(value: Any, zone: tzinfo = UTC) -> Any:
    if isinstance(value, bytes):
        raise ValueError("is binary data (a BLOB), not text")
    return value


def timestamp(value: Any, zone: tzinfo = UTC) -> datetime:
    """Text in ISO-like formats, unix seconds or milliseconds; naive times are in `zone`."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    elif isinstance(value, int | float):
        moment = _from_unix(value)
    elif isinstance(value, str):
        moment = _from_text(value.strip())
    else:
        raise ValueError(f"{value!r} is not a timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _from_unix(seconds: float) -> datetime:
    if abs(seconds) >= MILLISECONDS_ABOVE:
        seconds = seconds / 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise ValueError(f"{seconds!r} is out of range for a unix time") from error


def _from_text(text: str) -> datetime:
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return _from_unix(float(text) if "." in text else int(text))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for layout in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y", "%Y/%m/%d %H:%M:%S"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date and time this tool can read")


def json_value(value: Any, zone: tzinfo = UTC) -> Any:
    """A list or document stored as JSON text (SQLite) or already parsed (JSON dumps)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"{_short(value)} is not valid JSON ({error.msg})") from error
    return value


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _record(rule: Callable[[Mapping[str, Any]], Any]) -> Callable[[Any, tzinfo], Any]:
    """A Telegram rule that reads the whole message (the field rule's source is `*`)."""

    def convert(value: Any, zone: tzinfo = UTC) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError(f"{_short(repr(value))} is not a message object")
        return rule(value)

    return convert


def _telegram_date(value: Any, zone: tzinfo = UTC) -> datetime:
    if not isinstance(value, Mapping):
        raise ValueError(f"{_short(repr(value))} is not a message object")
    return telegram.message_time(value, zone)


def _telegram_text(value: Any, zone: tzinfo = UTC) -> str:
    return telegram.plain_text(value)


CONVERSIONS: dict[Conversion, Callable[[Any, tzinfo], Any]] = {
    "as_is": as_is,
    "timestamp": timestamp,
    "json": json_value,
    "telegram_chat_id": _record(telegram.chat_id),
    "telegram_author": _record(telegram.message_author),
    "telegram_text": _telegram_text,
    "telegram_message_type": _record(telegram.message_type),
    "telegram_date": _telegram_date,
}
