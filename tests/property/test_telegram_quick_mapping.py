"""Property: a Telegram message that the quick mapping takes (legacy_import.mapping.
telegram_messages) becomes the very row the generic mapper and pydantic make of it, and one
the generic mapper rejects is never taken, so every reject keeps its reason."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

import ijson
from hypothesis import given
from hypothesis import strategies as st

from legacy_import.load.plan import Plan
from legacy_import.mapping.builtin import builtin_layouts
from legacy_import.mapping.mapper import RecordMapper
from legacy_import.mapping.outcomes import Mapped
from legacy_import.mapping.targets import targets
from legacy_import.mapping.telegram_messages import MESSAGE_KEYS, QuickMessages
from legacy_import.prepare.batches import Batch
from legacy_import.sources import telegram
from legacy_import.sources.records import RawRecord
from legacy_import.sources.telegram_scan import Entry, Values

INT64 = 2**63 - 1
ZONE = ZoneInfo("Europe/Moscow")
TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", "a\x00b", "\ud800", "😀", "x" * 51, "1"]),
)
NUMBER = st.one_of(
    st.integers(-5, 5),
    st.integers(INT64 - 2, INT64 + 2),
    st.integers(-INT64 - 3, -INT64 + 1),
    st.sampled_from([True, 1.0, 2.5, "7", "-3", " 8"]),
)
MAYBE = st.one_of(st.none(), NUMBER, TEXT, st.lists(TEXT, max_size=2))
TEXT_VALUE = st.one_of(
    TEXT,
    st.none(),
    NUMBER,
    st.lists(
        st.one_of(
            TEXT, st.fixed_dictionaries({"type": st.just("bold"), "text": st.one_of(TEXT, NUMBER)})
        ),
        max_size=3,
    ),
)
AUTHOR = st.one_of(
    st.integers(0, 10**10).map(lambda n: f"user{n}"),
    st.integers(0, 10**10).map(lambda n: f"channel{n}"),
    NUMBER,
    TEXT,
)
TIME = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.integers(-(10**12), 10**12),
    st.sampled_from(["2021-03-29T18:04:31", "2021-02-30T00:00:00", "soon", "٣"]),
)
CHAT = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(0, 2**64), NUMBER),
        "type": st.sampled_from(["personal_chat", "private_supergroup", "private_group", "x"]),
        "name": TEXT,
    },
)
MESSAGE = st.fixed_dictionaries(
    {"chat": CHAT},
    optional={
        "id": NUMBER,
        "reply_to_message_id": MAYBE,
        "type": st.sampled_from(["message", "service", 3]),
        "action": MAYBE,
        "media_type": MAYBE,
        "photo": TEXT,
        "text": TEXT_VALUE,
        "from_id": AUTHOR,
        "actor_id": AUTHOR,
        "date_unixtime": st.one_of(TIME, st.none()),
        "date": TIME,
    },
)

GOOD_CHAT = st.fixed_dictionaries(
    {
        "id": st.integers(0, 10**13),
        "type": st.sampled_from(["personal_chat", "public_channel", "private_group"]),
    }
)


def _mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(good, good, good, bad)


# Messages that are mostly plain, each field now and then hostile: most are taken quickly.
PLAINISH = st.fixed_dictionaries(
    {
        "chat": _mostly(GOOD_CHAT, CHAT),
        "id": _mostly(st.integers(1, 10**9), NUMBER),
        "type": _mostly(st.just("message"), st.sampled_from(["service", 3])),
        "from_id": _mostly(st.integers(1, 10**10).map(lambda n: f"user{n}"), AUTHOR),
        "date_unixtime": _mostly(st.integers(0, 2 * 10**9).map(str), TIME),
        "text": _mostly(st.text(max_size=8), TEXT_VALUE),
    },
    optional={"reply_to_message_id": MAYBE, "action": MAYBE, "media_type": MAYBE},
)


def _messages_mapper() -> tuple[RecordMapper, QuickMessages]:
    (layout,) = [layout for layout in builtin_layouts() if layout.name == "telegram-desktop"]
    (rule,) = [rule for rule in layout.tables if rule.target == "messages"]
    assert QuickMessages.reads(rule)
    return RecordMapper(rule, targets()["messages"], ZONE, reading="messages"), QuickMessages(ZONE)


MAPPER, QUICK = _messages_mapper()
COLUMNS = targets()["messages"].columns


def _only_its_keys(message: dict[str, Any], ascii_only: bool) -> dict[str, Any] | None:
    """The message as a worker reads it from the export: its bytes, decoded for the keys the
    quick mapping reads alone (None where only a whole decode can tell)."""
    written = json.dumps(message, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    entry = Entry(1, {}, None, len(written), raw=memoryview(written), values=Values(lambda: ijson))
    return entry.fields(MESSAGE_KEYS)


@given(message=st.one_of(PLAINISH, MESSAGE), ascii_only=st.booleans())
def test_a_message_mapped_quickly_is_the_row_the_generic_mapper_makes(
    message: dict[str, Any], ascii_only: bool
) -> None:
    chat = message["chat"]
    whole = {key: value for key, value in message.items() if key != "chat"}
    quick = QUICK.row(whole, chat)
    keys = _only_its_keys(whole, ascii_only)
    if keys is not None:
        assert QUICK.row(keys, chat) == quick
    if quick is None:
        return
    generic = MAPPER.map(RawRecord("messages", 1, "result.json chat 1 message 1", message, 100))
    assert isinstance(generic, Mapped), generic
    assert _as_written(quick) == tuple(generic.values[column] for column in COLUMNS)


def _as_written(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row as the loader writes it (its plan makes a time left as seconds a datetime)."""
    batch = Batch("messages", "messages", 0, 1)
    batch.add_row(row, 1, "result.json chat 1 message 1")
    return tuple(column[0] for column in Plan(batch, targets()["messages"]).values)


def test_a_plain_message_is_mapped_quickly_from_its_keys_alone() -> None:
    message = {
        "id": 7,
        "type": "message",
        "date_unixtime": "1617041071",
        "from_id": "user42",
        "text": ["a", {"type": "bold", "text": "b"}],
        "text_entities": [{"type": "plain", "text": "a"}, {"type": "bold", "text": "b"}],
        "photo": "(File not included.)",
    }
    keys = _only_its_keys(message, ascii_only=False)
    assert keys is not None
    assert "text_entities" not in keys
    row = QUICK.row(keys, {"id": 5, "type": "private_supergroup"})
    assert row is not None
    assert row[:6] == (42, -(10**12) - 5, 7, None, "ab", "photo")


@given(
    unix=st.one_of(
        st.integers(0, 10**13).map(str),
        st.integers(253402300790, 253402300810).map(str),
        st.integers(-(10**13), 10**13),
        st.sampled_from(["", "٣", "1.5", "-5", " 7", None, True, 2.5]),
    )
)
def test_an_authors_time_read_quickly_is_the_time_the_rules_read(unix: Any) -> None:
    """The authors' pass reads `date_unixtime` without building a time: the same seconds,
    and readable exactly when the rules can read it."""
    message = {"date_unixtime": unix, "date": "2021-03-29T18:04:31"}
    assert telegram._unix_and_readable(message) == (
        telegram._unix(message),
        telegram._readable_time(message),
    )
