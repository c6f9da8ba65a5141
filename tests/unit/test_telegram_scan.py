"""The scan of a Telegram export reads the file a window at a time: a value cut by the
window's edge (a number after its minus sign or its dot, a character in the middle of its
bytes, an escape) is read whole, and the scan reads on to the end instead of leaving the rest
to ijson's slower walk."""

from __future__ import annotations

import json
from pathlib import Path

import ijson

from legacy_import.sources.telegram_scan import Scan

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
            scan = Scan(path, ijson, build_after=0, chunk=chunk)
            found = [(entry.chat, entry.message) for entry in scan.entries()]
            assert scan.finished, chunk
            assert found == [(CHAT, message) for message in MESSAGES], chunk
