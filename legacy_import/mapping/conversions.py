"""Value conversions named by layouts: legacy spellings → what the `Create` schemas accept.

Each conversion is pure and raises `ValueError` with a message meant for the rejects file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from legacy_import.sources import telegram_rules as telegram

Conversion = Literal[
    "as_is",
    "timestamp",
    "unix_seconds",
    "unix_milliseconds",
    "json",
    "boolean",
    "integer",
    "number",
    "text",
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
    moment = _common_shape(value, zone) or _any_shape(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


# Zones that are UTC all year round. A naive time in one is parsed with the offset appended:
# the C parser attaches it for a fraction of what `replace(tzinfo=...)` costs afterwards.
_UTC_ZONES = frozenset({UTC, ZoneInfo("UTC")})


def _common_shape(value: Any, zone: tzinfo) -> datetime | None:
    """`2025-10-27 13:47:00.123456` and its kin, straight to the C parser: text with a dash
    after four characters is never a number. None: anything else, for `_any_shape`."""
    if value.__class__ is not str or value[4:5] != "-":
        return None
    if zone in _UTC_ZONES:
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass  # the text has an offset of its own, or is not ISO at all
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _any_shape(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    if isinstance(value, int | float):
        return _from_unix(value)
    if isinstance(value, str):
        return _from_text(value.strip())
    raise ValueError(f"{value!r} is not a timestamp")


def unix_seconds(value: Any, zone: tzinfo = UTC) -> datetime:
    return _from_unix(_number(value, "a unix time"), milliseconds=False)


def unix_milliseconds(value: Any, zone: tzinfo = UTC) -> datetime:
    return _from_unix(_number(value, "a unix time in milliseconds"), milliseconds=True)


def timestamp_as(layout: str) -> Callable[[Any, tzinfo], datetime]:
    """Text in one strptime `layout` (naive results are in the zone), or an actual datetime."""

    def convert(value: Any, zone: tzinfo = UTC) -> datetime:
        if isinstance(value, datetime):
            return timestamp(value, zone)
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text in the format {layout!r}")
        try:
            moment = datetime.strptime(value.strip(), layout)
        except ValueError:
            raise ValueError(f"{_shown(value)} does not match the format {layout!r}") from None
        return timestamp(moment, zone)

    return convert


def _from_unix(seconds: float, *, milliseconds: bool | None = None) -> datetime:
    if milliseconds or (milliseconds is None and abs(seconds) >= MILLISECONDS_ABOVE):
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
            raise ValueError(f"{_shown(value)} is not valid JSON ({error.msg})") from error
    return value


TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "off", "f"})


def boolean(value: Any, zone: tzinfo = UTC) -> bool:
    """0/1, true/false, and the words people wrote instead: yes/no, y/n, on/off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError(f"{_shown(value)} is not a yes/no value (1/0, true/false, yes/no)")


def integer(value: Any, zone: tzinfo = UTC) -> int:
    """A whole number, also when written as text ("42") or as a float with no fraction."""
    number = _number(value, "a whole number")
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    return number


def number(value: Any, zone: tzinfo = UTC) -> float:
    return float(_number(value, "a number"))


def text(value: Any, zone: tzinfo = UTC) -> str:
    """Numbers and booleans as the text a person would write; lists and objects as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    raise ValueError(f"{_shown(value)} cannot be written as text")


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not {what}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        cleaned = value.strip().replace("_", "")
        try:
            return int(cleaned)
        except ValueError:
            pass
        try:
            found = float(cleaned)
        except ValueError:
            raise ValueError(f"{_shown(value)} is not {what}") from None
        if found != found or found in (float("inf"), float("-inf")):
            raise ValueError(f"{_shown(value)} is not {what}")
        return found
    raise ValueError(f"{_shown(value)} is not {what}")


def _shown(value: Any) -> str:
    """A value as in code, cut short: what the rejects file shows of a value it refused."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _record(rule: Callable[[Mapping[str, Any]], Any]) -> Callable[[Any, tzinfo], Any]:
    """A Telegram rule that reads the whole message (the field rule's source is `*`)."""

    def convert(value: Any, zone: tzinfo = UTC) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError(f"{_shown(value)} is not a message object")
        return rule(value)

    return convert


def _telegram_date(value: Any, zone: tzinfo = UTC) -> datetime:
    if not isinstance(value, Mapping):
        raise ValueError(f"{_shown(value)} is not a message object")
    return telegram.message_time(value, zone)


def _telegram_text(value: Any, zone: tzinfo = UTC) -> str:
    return telegram.plain_text(value)


CONVERSIONS: dict[Conversion, Callable[[Any, tzinfo], Any]] = {
    "as_is": as_is,
    "timestamp": timestamp,
    "unix_seconds": unix_seconds,
    "unix_milliseconds": unix_milliseconds,
    "json": json_value,
    "boolean": boolean,
    "integer": integer,
    "number": number,
    "text": text,
    "telegram_chat_id": _record(telegram.chat_id),
    "telegram_author": _record(telegram.message_author),
    "telegram_text": _telegram_text,
    "telegram_message_type": _record(telegram.message_type),
    "telegram_date": _telegram_date,
}
