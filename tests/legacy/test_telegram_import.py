"""Telegram Desktop exports: the real files in the shared fixtures, and hand-written ones for
each rule. Expected values are worked out here from the files, not by the importer's code."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, select

from legacy_import.cli import main
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import Message, UserCreate
from tests.legacy.helpers import (
    counts,
    export_tables,
    kill_after_batches,
    query,
    rejects,
    report,
    run,
)

FIXTURES = Path(__file__).parents[2].parent / "shared" / "fixtures" / "telegram"
EXPORTS = sorted(FIXTURES.glob("*.json"))
MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
SUPERGROUPS_AND_CHANNELS = {
    "private_supergroup",
    "public_supergroup",
    "private_channel",
    "public_channel",
}


def bot_api_id(chat: dict[str, Any]) -> int:
    if chat["type"] in SUPERGROUPS_AND_CHANNELS:
        return -(10**12 + chat["id"])
    if chat["type"] == "private_group":
        return -chat["id"]
    return int(chat["id"])


def telegram_id(value: Any) -> int:
    if isinstance(value, int):
        return value
    if value.startswith("channel"):
        return -(10**12 + int(value[len("channel") :]))
    return int(value[len("user") :])


def flattened(text: Any) -> str:
    if isinstance(text, str):
        return text
    return "".join(part if isinstance(part, str) else part["text"] for part in text)


def chats_of(export: dict[str, Any]) -> list[dict[str, Any]]:
    if "messages" in export:
        return [export]
    return [*export["chats"]["list"], *export.get("left_chats", {}).get("list", [])]


async def _stored(url: str, chat: int) -> dict[int, tuple[str | None, datetime, str, int]]:
    store = Store(StoreSettings(database_url=url))
    try:
        async with store.engine.connect() as conn:
            rows = await conn.execute(
                select(
                    MESSAGES.c.message_id,
                    MESSAGES.c.text,
                    MESSAGES.c.timestamp,
                    MESSAGES.c.message_type,
                    MESSAGES.c.user_id,
                ).where(MESSAGES.c.chat_id == chat)
            )
            return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}
    finally:
        await store.dispose()


def stored(url: str, chat: int) -> dict[int, tuple[str | None, datetime, str, int]]:
    """message_id → (text, timestamp, message_type, user_id) of one chat, typed by the models."""
    return asyncio.run(_stored(url, chat))


def users_by_telegram_id(url: str) -> dict[int, tuple[int, str | None]]:
    rows = query(url, "SELECT telegram_id, id, first_name FROM users")
    return {row[0]: (row[1], row[2]) for row in rows}


@pytest.mark.parametrize("export_file", EXPORTS, ids=[path.stem[:40] for path in EXPORTS])
def test_every_real_export_imports_as_the_file_says(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    export_file: Path,
    tmp_path: Path,
) -> None:
    url = new_database(backend)
    rejects_file = tmp_path / "r.jsonl"
    code, out = run(capsys, str(export_file), "--database-url", url, "--rejects", str(rejects_file))
    export = json.loads(export_file.read_text(encoding="utf-8"))
    rejected = [line["location"] for line in rejects(rejects_file)] if rejects_file.exists() else []
    assert code == (1 if rejected else 0), out

    users = users_by_telegram_id(url)
    for chat in chats_of(export):
        entries = chat["messages"]
        rejected_here = [where for where in rejected if f" chat {chat['id']} message " in where]
        rows = stored(url, bot_api_id(chat))
        assert len(rows) == len(entries) - len(rejected_here), chat.get("name")
        for entry in entries:
            author = entry.get("from_id", entry.get("actor_id"))
            if author is None or entry["id"] not in rows:
                continue
            text, moment, kind, user_id = rows[entry["id"]]
            assert users[telegram_id(author)][0] == user_id
            assert text == flattened(entry.get("text", ""))
            assert kind.startswith("service:") == (entry["type"] == "service")
            if "date_unixtime" in entry:
                assert moment == datetime.fromtimestamp(int(entry["date_unixtime"]), UTC)
            else:
                assert moment == datetime.fromisoformat(entry["date"]).replace(tzinfo=UTC)

    before = counts(url)
    assert run(capsys, str(export_file), "--database-url", url)[0] == code
    assert counts(url) == before


def test_the_windows_1251_copy_is_refused_unless_its_encoding_is_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    raw = tmp_path / "result.json"
    raw.write_bytes(
        (FIXTURES / "Arjunarus__trading_bot__personal-chat_forwarded-ru.cp1251.raw").read_bytes()
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(capsys, str(raw), "--database-url", url)
    assert code == 2
    assert "result.json is not UTF-8" in out
    assert "--encoding" in out

    code, out = run(capsys, str(raw), "--database-url", url, "--encoding", "cp1251")
    assert code == 0, out
    expected = json.loads(raw.read_bytes().decode("cp1251"))
    assert counts(url)["messages"] == len(expected["messages"])
    sample = expected["messages"][0]
    rows = stored(url, expected["id"])
    assert rows[sample["id"]][0] == flattened(sample["text"])


def _message(number: int, author: str | int | None, text: Any = "", **extra: Any) -> dict[str, Any]:
    moment = 1_700_000_000 + number * 60
    message: dict[str, Any] = {
        "id": number,
        "type": "message",
        "date": datetime.fromtimestamp(moment, UTC).replace(tzinfo=None).isoformat(),
        "date_unixtime": str(moment),
        "text": text,
    }
    if author is not None:
        message["from"] = f"Name of {author}"
        message["from_id"] = author
    message.update(extra)
    return message


def _write(path: Path, export: dict[str, Any]) -> Path:
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_hand_written_export_follows_every_rule(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    big_user, big_chat = 2**40 + 7, 2**33 + 5
    chats = [
        {"type": kind, "id": 100 + n, "name": kind, "messages": [_message(1, "user11", "hi")]}
        for n, kind in enumerate(
            [
                "personal_chat",
                "bot_chat",
                "saved_messages",
                "private_group",
                *sorted(SUPERGROUPS_AND_CHANNELS),
            ]
        )
    ]
    rich = [
        _message(1, f"user{big_user}", ["שלום ", {"type": "bold", "text": "мир"}, " 😀🇺🇦"]),
        _message(2, "channel777", "a channel post"),
        {
            **_message(3, None),
            "type": "service",
            "action": "pin_message",
            "actor": "Pinner",
            "actor_id": "user12",
            "message_id": 1,
        },
        _message(4, None, "nobody wrote this"),
        _message(
            5, f"user{big_user}", "renamed", photo="(File not included.)", reply_to_message_id=1
        )
        | {"from": "New Name"},
        _message(-6, "user11", "before the migration"),
    ]
    chats.append({"type": "private_supergroup", "id": big_chat, "name": None, "messages": rich})
    left = [
        {"type": "private_group", "id": 99, "name": "gone", "messages": [_message(7, 11, "old")]}
    ]
    export = {
        "about": "",
        "personal_information": {"user_id": 11},
        "chats": {"about": "", "list": chats},
        "left_chats": {"about": "", "list": left},
    }
    source = _write(tmp_path / "result.json", export)
    url = new_database(backend)
    rejects_file = tmp_path / "r.jsonl"
    code, out = run(capsys, str(source), "--database-url", url, "--rejects", str(rejects_file))

    assert code == 1, out
    (reject,) = rejects(rejects_file)
    # Named by its Bot API id, as inspect and the store show it: -100 and the id in 12 digits.
    assert reject["location"] == f"result.json chat -1{big_chat:012d} message 4"
    assert reject["reason"] == "user_id: the message has no author (neither from_id nor actor_id)"
    assert reject["record"]["text"] == "nobody wrote this"

    for chat in chats[:-1]:
        assert stored(url, bot_api_id(chat))[1][0] == "hi"
    assert stored(url, -99)[7][0] == "old"

    users = users_by_telegram_id(url)
    rows = stored(url, -(10**12 + big_chat))
    assert sorted(rows) == [-6, 1, 2, 3, 5]
    assert rows[1][0] == "שלום мир 😀🇺🇦"
    assert rows[1][3] == rows[5][3] == users[big_user][0]
    assert users[big_user][1] == "New Name"
    first_seen_then_renamed = (
        f"SELECT created_at < updated_at FROM users WHERE telegram_id = {big_user}"
    )
    assert query(url, first_seen_then_renamed) == [(True,)]
    assert rows[2][3] == users[-(10**12 + 777)][0]
    assert users[-(10**12 + 777)][1] == "Name of channel777"
    assert rows[3][2:] == ("service:pin_message", users[12][0])
    assert users[12][1] == "Pinner"
    assert rows[5][2] == "photo"
    assert query(url, "SELECT reply_to_message_id FROM messages WHERE message_id = 5") == [(1,)]
    assert len(users) == 4


@pytest.mark.parametrize("export_file", EXPORTS, ids=[path.stem[:40] for path in EXPORTS])
def test_a_real_export_gets_the_timezone_note_only_when_it_has_local_dates(
    capsys: pytest.CaptureFixture[str], export_file: Path, tmp_path: Path
) -> None:
    export = json.loads(export_file.read_text(encoding="utf-8"))
    entries = [entry for chat in chats_of(export) for entry in chat["messages"]]
    local_dates = [entry for entry in entries if "date_unixtime" not in entry]
    for given, zone in enumerate(([], ["--timezone", "Asia/Tokyo"])):
        url = f"sqlite+aiosqlite:///{tmp_path / f'{given}.db'}"
        summary = tmp_path / f"{given}.json"
        argv = ["--database-url", url, "--rejects", str(tmp_path / "r.jsonl"), *zone]
        code, out = run(capsys, str(export_file), *argv, "--report", str(summary))
        assert code in (0, 1), out

        noted = [note for note in report(summary)["notes"] if "date_unixtime" in note]
        assert len(noted) == (1 if local_dates else 0), (zone, noted)


def test_without_date_unixtime_the_local_date_is_read_in_the_given_zone_and_the_report_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    message = {
        "id": 1,
        "type": "message",
        "date": "2020-06-01T12:00:00",
        "from": "A",
        "from_id": 5,
        "text": "x",
    }
    source = _write(
        tmp_path / "result.json",
        {"name": "n", "type": "personal_chat", "id": 5, "messages": [message]},
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(
        capsys,
        str(source),
        "--database-url",
        url,
        "--timezone",
        "Europe/Moscow",
        "--report",
        str(tmp_path / "report.json"),
    )
    assert code == 0, out
    assert stored(url, 5)[1][1] == datetime(2020, 6, 1, 9, 0, tzinfo=UTC)
    (note,) = report(tmp_path / "report.json")["notes"]
    assert "has no date_unixtime" in note
    assert "--timezone" in note


def test_the_folder_telegram_desktop_wrote_imports_as_its_result_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "ChatExport_2024-06-01"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8\xff")
    messages = [
        _message(1, "user5", "one"),
        _message(2, "user5", "two", photo="photos/photo_1.jpg"),
    ]
    _write(
        folder / "result.json",
        {"name": "g", "type": "private_group", "id": 77, "messages": messages},
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"

    code, out = run(capsys, str(folder), "--database-url", url)

    assert code == 0, out
    assert {key: (text, kind) for key, (text, _, kind, _) in stored(url, -77).items()} == {
        1: ("one", "text"),
        2: ("two", "photo"),
    }
    # The same source as the file itself: naming the file next time adds nothing.
    assert run(capsys, str(folder / "result.json"), "--database-url", url)[0] == 0
    assert counts(url)["messages"] == 2
    assert main(["verify", str(folder), "--database-url", url]) == 0


def test_a_lone_surrogate_in_a_message_is_rejected_not_turned_into_a_question_mark(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    messages = [_message(1, "user1", "half an emoji \ud83d"), _message(2, "user1", "ok 😀")]
    # json.dumps escapes a lone surrogate (and writes the pair of the emoji as an escaped pair).
    text = json.dumps({"name": "n", "type": "personal_chat", "id": 1, "messages": messages})
    source = tmp_path / "result.json"
    source.write_text(text, encoding="ascii")
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(
        capsys, str(source), "--database-url", url, "--rejects", str(tmp_path / "r.jsonl")
    )
    assert code == 1, out
    assert {number: row[0] for number, row in stored(url, 1).items()} == {2: "ok 😀"}
    (line,) = rejects(tmp_path / "r.jsonl")
    assert line["location"] == "result.json chat 1 message 1"
    assert "lone surrogate" in line["reason"]


def test_a_date_unixtime_beyond_any_date_is_rejected_and_the_rest_imported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    beyond = _message(2, "user1", "from the far future", date_unixtime="67768036191676800")
    messages = [_message(1, "user1", "now"), beyond]
    text = json.dumps({"name": "n", "type": "personal_chat", "id": 1, "messages": messages})
    source = tmp_path / "result.json"
    source.write_text(text, encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(
        capsys, str(source), "--database-url", url, "--rejects", str(tmp_path / "r.jsonl")
    )
    assert code == 1, out
    assert sorted(stored(url, 1)) == [1]
    (line,) = rejects(tmp_path / "r.jsonl")
    assert line["location"] == "result.json chat 1 message 2"
    assert line["reason"] == (
        "timestamp: date_unixtime '67768036191676800' is beyond the years 1 to 9999"
    )


def test_a_truncated_export_keeps_the_messages_before_the_cut(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    messages = [_message(n, "user1", f"m{n}") for n in range(1, 6)]
    text = json.dumps({"name": "n", "type": "personal_chat", "id": 1, "messages": messages})
    cut = text.index('{"id": 5')
    source = tmp_path / "result.json"
    source.write_text(text[: cut + 20], encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, _ = run(
        capsys, str(source), "--database-url", url, "--rejects", str(tmp_path / "r.jsonl")
    )
    assert code == 1
    assert sorted(stored(url, 1)) == [1, 2, 3, 4]
    (line,) = rejects(tmp_path / "r.jsonl")
    assert line["location"] == "result.json after message 4 of the file"
    assert line["reason"].startswith("the file stops here (not valid JSON")


def test_merge_into_a_store_that_has_the_author_and_some_messages(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    url = new_database(backend)
    messages = [_message(n, "user42", f"m{n}") for n in range(1, 5)]
    first = _write(
        tmp_path / "first.json",
        {"name": "n", "type": "public_supergroup", "id": 9, "messages": messages[:2]},
    )
    assert run(capsys, str(first), "--database-url", url)[0] == 0

    async def add_someone() -> None:
        async with Store(StoreSettings(database_url=url)) as store, store.unit_of_work() as uow:
            await uow.users.add(UserCreate(telegram_id=43, first_name="other"))
            await uow.commit()

    asyncio.run(add_someone())
    whole = _write(
        tmp_path / "whole.json",
        {"name": "n", "type": "public_supergroup", "id": 9, "messages": messages},
    )
    code, out = run(capsys, str(whole), "--database-url", url, "--report", str(tmp_path / "r.json"))
    assert code == 0, out
    assert report(tmp_path / "r.json")["tables"]["messages"] == {
        "read": 4,
        "inserted": 2,
        "existing": 2,
        "rejected": 0,
        "skipped": 0,
    }
    users = users_by_telegram_id(url)
    assert sorted(users) == [42, 43]
    assert {row[3] for row in stored(url, -1000000000009).values()} == {users[42][0]}


def _busy_export(path: Path, messages: int) -> Path:
    chats = [
        {
            "type": "private_supergroup",
            "id": 1000 + chat,
            "name": f"chat {chat}",
            "messages": [
                _message(n, f"user{n % 37}", [f"текст {n} ", {"type": "italic", "text": "😀"}])
                for n in range(1, messages // 4 + 1)
            ],
        }
        for chat in range(4)
    ]
    return _write(path, {"about": "", "chats": {"about": "", "list": chats}})


def test_resume_after_kill_9_equals_one_clean_run(
    capsys: pytest.CaptureFixture[str], new_database: Callable[[str], str], tmp_path: Path
) -> None:
    source = _busy_export(tmp_path / "result.json", 8000)
    killed = new_database("postgres")
    command = [
        sys.executable, "-m", "legacy_import", "run", str(source), "--database-url", killed,
        "--no-progress", "--batch-size", "50", "--rejects", str(tmp_path / "r.jsonl"),
    ]  # fmt: skip
    kill_after_batches(command, killed, 5, 50)
    assert run(capsys, str(source), "--database-url", killed)[0] == 0
    clean = new_database("postgres")
    assert run(capsys, str(source), "--database-url", clean)[0] == 0
    assert export_tables(killed, tmp_path / "killed") == export_tables(clean, tmp_path / "clean")
    assert counts(clean)["messages"] == 8000
    assert main(["verify", str(source), "--database-url", clean]) == 0


def test_inspect_lists_chats_types_and_counts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = _busy_export(tmp_path / "result.json", 40)
    assert main(["inspect", str(source)]) == 0
    out = capsys.readouterr().out
    assert "telegram-desktop" in out
    for chat in range(4):
        assert f"-100000000{1000 + chat}" in out
    assert out.count("text 10") == 4
