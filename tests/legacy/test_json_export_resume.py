"""JSON dumps, the export round trip, and resuming after `kill -9`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.legacy.helpers import counts, export_tables, query, rejects, run


def test_export_run_export_is_byte_identical(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
    tmp_path: Path,
) -> None:
    first = new_database(backend)
    assert run(capsys, str(legacy_db), "--database-url", first)[0] == 0
    exported = export_tables(first, tmp_path / "one")
    second = new_database(backend)
    assert run(capsys, str(tmp_path / "one"), "--database-url", second)[0] == 0
    assert export_tables(second, tmp_path / "two") == exported


def test_json_arrays_jsonl_and_a_single_object_file_import_alike(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    users = [{"id": 1, "telegram_id": 10**12, "first_name": "Ана 😀"}, {"id": 2, "telegram_id": 7}]
    messages = [
        {
            "user_id": 2,
            "chat_id": -1001234567890,
            "message_id": n,
            "text": f"m{n}",
            "timestamp": "2025-10-27T13:47:00Z",
        }
        for n in range(1, 4)
    ]
    split = tmp_path / "split"
    split.mkdir()
    (split / "users.json").write_text(json.dumps(users), encoding="utf-8")
    (split / "messages.jsonl").write_text("\n".join(map(json.dumps, messages)), encoding="utf-8")
    single = tmp_path / "dump.json"
    single.write_text(json.dumps({"users": users, "messages": messages}), encoding="utf-8")
    for source in (split, single):
        url = f"sqlite+aiosqlite:///{tmp_path / (source.stem + '.db')}"
        code, out = run(capsys, str(source), "--database-url", url)
        assert code == 0, out
        assert counts(url)["users"] == 2
        assert (
            query(
                url,
                "SELECT count(*) FROM messages m JOIN users u ON u.id = m.user_id "
                "WHERE u.telegram_id = 7",
            )[0][0]
            == 3
        )


def test_a_truncated_json_file_keeps_what_came_before_and_says_where_it_broke(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    users = [{"id": n, "telegram_id": 100 + n} for n in range(1, 6)]
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "users.json").write_text(json.dumps(users)[:-30], encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, _ = run(capsys, str(dump), "--database-url", url, "--rejects", str(tmp_path / "r.jsonl"))
    assert code == 1
    assert counts(url)["users"] == 4
    (line,) = rejects(tmp_path / "r.jsonl")
    assert line["location"] == "users.json record 5"
    assert line["reason"].startswith("the file stops here (not valid JSON: it ends early")


def test_a_legacy_id_twice_in_one_file_rejects_the_later_record(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    url = new_database(backend)
    users = [
        {"id": 5, "telegram_id": 50},
        {"id": 6, "telegram_id": 60},
        {"id": 5, "telegram_id": 70},
    ]
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "users.jsonl").write_text("\n".join(map(json.dumps, users)), encoding="utf-8")
    code, _ = run(capsys, str(dump), "--database-url", url, "--rejects", str(tmp_path / "r.jsonl"))
    assert code == 1
    assert query(url, "SELECT id, telegram_id FROM users ORDER BY id") == [(5, 50), (6, 60)]
    (line,) = rejects(tmp_path / "r.jsonl")
    assert line["location"] == "users.jsonl line 3"
    assert line["reason"] == "duplicate of users.jsonl line 1 (id=5)"
