"""Property: the scan that reads a Telegram export (msgspec, legacy_import.sources.telegram_scan)
gives the records ijson's event walk gives, for any export: hostile strings (NUL, escapes, lone
surrogates), integers beyond 64 bits, floats beyond their range, odd whitespace, odd chat
headers, and files cut anywhere.

The event walk is the one `--encoding utf-8` takes (the file is read as text and parsed from
its UTF-8 bytes, event by event), so both sides are the tool as an operator runs it.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from legacy_import.sources.base import SourceSpec
from legacy_import.sources.telegram import TelegramSource

HOSTILE = st.sampled_from(
    ["", "a\x00b", "\ud800", "x\udfffy", "\ud83d\ude00", '"\\', "\u2028", "\x7f\x1f", "1" * 25]
)
TEXT = st.one_of(st.text(max_size=12), HOSTILE)
NUMBER = st.one_of(
    st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1),
    st.integers(min_value=2**63 - 3, max_value=2**64 + 3),
    st.integers(max_value=-(2**63) + 3, min_value=-(2**63) - 3),
    st.floats(allow_nan=False, allow_infinity=False),
)
# Numbers written as they are, in place of these strings: out of a float's range (both parsers
# refuse them), or in range though written with a long exponent or many digits.
WRITTEN_AS_IS = {
    "=big-exponent=": "1e400",
    "=big-signed-exponent=": "-2E+308",
    "=tiny=": "1e-400",
    "=long-mantissa=": "0.0000000000000000000001",
    "=in-range=": "1.5e300",
}
SCALAR = st.one_of(st.none(), st.booleans(), NUMBER, TEXT, st.sampled_from(list(WRITTEN_AS_IS)))
JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
ENTITY = st.fixed_dictionaries({"type": st.sampled_from(["plain", "bold"]), "text": TEXT})
MESSAGE = st.fixed_dictionaries(
    {"id": NUMBER, "type": st.sampled_from(["message", "service"])},
    optional={
        "date_unixtime": st.one_of(NUMBER.map(str), NUMBER),
        "from": st.one_of(st.none(), TEXT),
        "from_id": st.one_of(st.integers(0, 10**12).map(lambda n: f"user{n}"), SCALAR),
        "actor_id": st.integers(0, 10**6).map(lambda n: f"channel{n}"),
        "text": st.one_of(TEXT, st.lists(st.one_of(TEXT, ENTITY), max_size=3)),
        "extra": JSON,
    },
)
ITEM = st.one_of(MESSAGE, MESSAGE, MESSAGE, SCALAR, st.lists(MESSAGE, max_size=2))
CHAT_VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=2), st.dictionaries(TEXT, SCALAR))
CHAT = st.fixed_dictionaries(
    # A map at `messages.item` is a message to ijson's walk too, in an array or not.
    {"messages": st.one_of(st.lists(ITEM, max_size=6), st.fixed_dictionaries({"item": MESSAGE}))},
    optional={"name": CHAT_VALUE, "type": CHAT_VALUE, "id": CHAT_VALUE, "other": JSON},
)


@st.composite
def exports(draw: st.DrawFn) -> bytes:
    """An export as bytes: a single chat or a full account, chat keys before or after the
    messages, written compact or indented, escaped or not, perhaps cut short."""
    if draw(st.booleans()):
        document: Any = draw(CHAT)
    else:
        listed = {"list": draw(st.lists(CHAT, max_size=3))}
        document = {"about": draw(TEXT), "personal_information": draw(JSON), "chats": listed}
        if draw(st.booleans()):
            document["left_chats"] = {"list": draw(st.lists(CHAT, max_size=2))}
        if draw(st.booleans()):
            document["chats.list"] = draw(st.lists(CHAT, max_size=1))
    if draw(st.booleans()):
        document = dict(reversed(list(document.items())))
    ascii_only = draw(st.booleans())
    text = json.dumps(
        document,
        ensure_ascii=ascii_only,
        indent=draw(st.sampled_from([None, 1])),
        separators=draw(st.sampled_from([(", ", ": "), (",", ":"), (",\f", ":\t")])),
    )
    for marker, number in WRITTEN_AS_IS.items():
        text = text.replace(json.dumps(marker), number)
    written = text.encode("utf-8", "surrogatepass" if not ascii_only else "strict")
    if draw(st.booleans()):
        written = written[: draw(st.integers(0, len(written)))]
    return written


def _records(path: Path, encoding: str | None, after: int) -> list[tuple[Any, ...]]:
    source = TelegramSource(SourceSpec("telegram", path, encoding))
    found = []
    for part in ("authors", "messages"):
        for raw in source.read(part, after=after):
            found.append((part, raw.position, raw.location, raw.data, raw.problem is not None))
    return found


def _chats(path: Path, encoding: str | None) -> list[dict[str, Any]]:
    return TelegramSource(SourceSpec("telegram", path, encoding)).chats()


@given(written=exports(), after=st.integers(0, 4))
def test_the_scan_reads_every_export_as_the_event_walk_does(written: bytes, after: int) -> None:
    with TemporaryDirectory() as scratch:
        path = Path(scratch) / "result.json"
        path.write_bytes(written)
        try:
            written.decode("utf-8")
        except UnicodeDecodeError:
            return  # refused before a record is read, whichever walk would read it
        assert _records(path, None, after) == _records(path, "utf-8", after)
        assert _chats(path, None) == _chats(path, "utf-8")
