"""The scan of a Telegram export reads the file a window at a time: a value cut by the
window's edge (a number after its minus sign or its dot, a character in the middle of its
bytes, an escape) is read whole, and the scan reads on to the end instead of leaving the rest
to ijson's slower walk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ijson
import pytest

from legacy_import.errors import SourceError
from legacy_import.sources.base import SourceSpec
from legacy_import.sources.telegram import TelegramSource
from legacy_import.sources.telegram_scan import Scan, Values

CHAT = {"name": "Дом 😀", "type": "personal_chat", "id": 1}
MESSAGES = [
    {"id": -47140, "type": "message", "date_unixtime": "1582321648", "from": "דני"},
    {"id": 2, "reply_to_message_id": 1.5e-3, "text": [{"type": "bold", "text": '\\"ёж"'}]},
    {"id": 3, "from_id": "user6084432373", "edited": True, "forwarded": None, "n": 12345678},
]


def test_a_value_cut_by_the_window_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    for indent in (None, 1):
        written = json.dumps({**CHAT, "messages": MESSAGES}, ensure_ascii=False, indent=indent)
        path.write_text(written, encoding="utf-8")
        for chunk in range(1, len(written.encode()) + 1):
            scan = Scan(path, Values(lambda: ijson), build_after=0, chunk=chunk)
            found = [(entry.chat, entry.decoded()) for entry in scan.entries()]
            assert scan.finished, chunk
            assert found == [(CHAT, message) for message in MESSAGES], chunk


def _entities(n: int) -> list[Any]:
    return [{"type": "plain", "text": f"p{n}"}, {"type": "bold", "text": "}, {"}]


ODD_MESSAGES: list[Any] = [
    {"id": n, "text": _entities(n), "reactions": [{"emoji": "👍", "count": n}]} for n in range(40)
]
ODD_MESSAGES[7:7] = [3, "}, {", [{"id": -1}], None]
ODD_MESSAGES[25]["tiny"] = 1e-400
ODD_MESSAGES[30]["long"] = 2**62


# Numbers the C parser refuses, so the event walk stops at the message holding one, and says
# why: an integer beyond 64 bits, and floats beyond their range (which msgspec skips over).
STOPPERS = {"none": None, "integer": "1180591620717411303424", "float": "1e400", "e+": "2E+308"}


@pytest.mark.parametrize("indent", [None, 1, 4])
@pytest.mark.parametrize("stopper", list(STOPPERS))
def test_runs_of_messages_split_in_one_call_give_what_the_event_walk_gives(
    tmp_path: Path, indent: int | None, stopper: str
) -> None:
    """Messages are split a stretch at a time at the separator the first two had: nested
    objects written the same way, items that are no messages and numbers only ijson reads
    change nothing, and a stretch that does not split is read one message at a time."""
    messages = [dict(item) if isinstance(item, dict) else item for item in ODD_MESSAGES]
    big = STOPPERS[stopper] is not None
    if big:
        messages[20]["extra"] = {"deep": ["=stopper="]}
    path = tmp_path / "result.json"
    chats = [{**CHAT, "id": 1 + k, "messages": messages} for k in range(3)]
    written = json.dumps({"chats": {"list": chats}}, indent=indent)
    path.write_text(written.replace('"=stopper="', STOPPERS[stopper] or ""), encoding="utf-8")
    scan = Scan(path, Values(lambda: ijson), build_after=0)
    scanned = [(entry.rank, entry.chat, entry.decoded()) for entry in scan.entries()]
    events = list(TelegramSource(SourceSpec("telegram", path, "utf-8")).read("messages", after=0))
    expected = [
        (raw.position, {k: v for k, v in raw.data.items() if k != "chat"}, raw.data["chat"])
        for raw in events
        if raw.problem is None
    ]
    assert scan.finished is not big
    if big:
        expected = expected[: len([item for item in messages[:20] if isinstance(item, dict)])]
    assert [(rank, message, chat) for rank, chat, message in scanned] == expected


@pytest.mark.parametrize("at", [0, 65535, 65536, 65537, (1 << 20) - 1, 1 << 20])
def test_a_file_that_is_not_utf8_is_refused_with_the_offset_of_its_first_bad_character(
    tmp_path: Path, at: int
) -> None:
    """The check decodes the file a piece at a time: a character cut by a piece's edge is
    read whole, and the byte named is the first of the character that does not decode."""
    written = bytearray(b" " * at + "ёж".encode())
    written[at + 1] = ord("x")  # a lead byte followed by ASCII
    path = tmp_path / "result.json"
    path.write_bytes(bytes(written))
    with pytest.raises(SourceError, match=rf"not UTF-8 \(byte 0xd1 at offset {at:,}\)"):
        TelegramSource(SourceSpec("telegram", path, None)).parts()
