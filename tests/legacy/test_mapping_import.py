"""Imports through mapping files: the documented examples on the real files they were written
for, and the core's promises (re-run, resume, merge, verify) through a mapping. Expected
counts are worked out here from the files themselves."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from legacy_import.cli import main
from tests.legacy.helpers import (
    counts,
    export_tables,
    kill_after_batches,
    query,
    rejects,
    report,
    run,
)

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "legacy"
MAPPINGS = ROOT / "docs" / "examples" / "mappings"
BACKENDS = ("sqlite", "postgres")


def copied(name: str, tmp_path: Path) -> Path:
    """A fixture copied first: opening a WAL-mode SQLite file writes beside it."""
    target = tmp_path / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def with_mapping(
    capsys: pytest.CaptureFixture[str], source: Path, mapping: str, *args: str
) -> tuple[int, str]:
    return run(capsys, str(source), "--mapping", str(MAPPINGS / mapping), *args)


@pytest.mark.parametrize("backend", BACKENDS)
def test_anromit_bot_users_notes_and_orphaned_characters(
    backend: str,
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    tmp_path: Path,
) -> None:
    source = copied("Anromit__tg-bot-simple__bot.db", tmp_path)
    legacy = sqlite3.connect(shutil.copyfile(source, tmp_path / "reading.db"))
    users = {row[0] for row in legacy.execute("SELECT user_id FROM users")}
    notes = legacy.execute("SELECT user_id, text, created_at FROM notes ORDER BY id").fetchall()
    characters = legacy.execute("SELECT rowid, telegram_user_id FROM user_character").fetchall()
    legacy.close()
    assert all(user in users for user, _, _ in notes)
    orphans = [rowid for rowid, user in characters if user not in users]
    url = new_database(backend)
    out_file = tmp_path / "r.json"
    rejected_file = tmp_path / "rejects.jsonl"
    code, out = with_mapping(
        capsys, source, "anromit-bot.toml", "--database-url", url,
        "--report", str(out_file), "--rejects", str(rejected_file),
    )  # fmt: skip
    assert code == 1, out
    tables = report(out_file)["tables"]
    assert tables["users"]["inserted"] == len(users) == 1
    assert tables["facts"]["inserted"] == len(notes) == 5
    assert tables["stats"]["inserted"] == 0
    assert tables["stats"]["rejected"] == len(orphans) == 2
    found = rejects(rejected_file)
    assert sorted(r["location"] for r in found) == [
        f"table user_character rowid {rowid}" for rowid in sorted(orphans)
    ]
    assert all(r["reason"].startswith("user_id: no users row has telegram_id ") for r in found)
    stored = query(url, "SELECT f.fact_text, f.created_at, f.source, u.telegram_id "
                   "FROM facts f JOIN users u ON u.id = f.user_id ORDER BY f.id")  # fmt: skip
    assert [(text, user) for text, _, _, user in stored] == [
        (text, user) for user, text, _ in notes
    ]
    assert [_utc(at) for _, at, _, _ in stored] == [
        datetime.fromisoformat(at).replace(tzinfo=UTC) for _, _, at in notes
    ]
    assert {source_name for _, _, source_name, _ in stored} == {"notes"}

    before = counts(url)
    again = with_mapping(
        capsys, source, "anromit-bot.toml", "--database-url", url, "--rejects", str(rejected_file)
    )
    assert again[0] == 1
    assert counts(url) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_mytelegrambot_users_keyed_by_chat_id_and_their_points(
    backend: str,
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    tmp_path: Path,
) -> None:
    source = copied("100ADRIEN__MyTelegramBot__users.json", tmp_path)
    records = _python_json(source)
    with_points = {int(key): r["points"] for key, r in records.items() if r["points"] is not None}
    url = new_database(backend)
    code, out = with_mapping(
        capsys, source, "mytelegrambot-users.toml", "--database-url", url,
        "--report", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert code == 0, out
    tables = report(tmp_path / "r.json")["tables"]
    assert tables["users"]["inserted"] == len(records) == 54
    assert tables["stats"]["inserted"] == len(with_points) == 50
    assert tables["stats"]["skipped"] == len(records) - len(with_points)
    assert report(tmp_path / "r.json")["totals"]["rejected"] == 0
    points = query(url, "SELECT u.telegram_id, s.value, s.stat_type FROM stats s "
                   "JOIN users u ON u.id = s.user_id")  # fmt: skip
    assert {user: value for user, value, _ in points} == {
        user: float(value) for user, value in with_points.items()
    }
    assert max(value for _, value, _ in points) == 4.999999999999999e19
    created = dict(query(url, "SELECT telegram_id, created_at FROM users"))
    for key, record in records.items():
        if record.get("createdAt"):
            expected = datetime.fromisoformat(record["createdAt"].replace("Z", "+00:00"))
            assert _utc(created[int(key)]) == expected

    before = counts(url)
    assert with_mapping(capsys, source, "mytelegrambot-users.toml", "--database-url", url)[0] == 0
    assert counts(url) == before
    mapping = str(MAPPINGS / "mytelegrambot-users.toml")
    assert main(["verify", str(source), "--database-url", url, "--mapping", mapping]) == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_mrs_bot_jokes_from_a_list_of_strings(
    backend: str,
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    tmp_path: Path,
) -> None:
    source = copied("4elobrek9__MRS_bot__jokes_cache.json", tmp_path)
    cache = json.loads(source.read_text(encoding="utf-8"))
    told = datetime.fromtimestamp(cache["timestamp"], UTC)
    url = new_database(backend)
    code, out = with_mapping(capsys, source, "mrs-bot-jokes.toml", "--database-url", url)
    assert code == 0, out
    stored = query(url, "SELECT joke_text, chat_id, joke_type, created_at FROM jokes ORDER BY id")
    assert [row[0] for row in stored] == cache["jokes"]
    assert len(stored) == 21
    assert {(chat, kind) for _, chat, kind, _ in stored} == {(0, "cached")}
    assert {_utc(at) for *_, at in stored} == {told}
    assert with_mapping(capsys, source, "mrs-bot-jokes.toml", "--database-url", url)[0] == 0
    assert counts(url)["jokes"] == 21
    mapping = str(MAPPINGS / "mrs-bot-jokes.toml")
    assert main(["verify", str(source), "--database-url", url, "--mapping", mapping]) == 0


POINTS_MAPPING = """\
name = "points"
source = "json"

[[tables]]
target = "users"
file = "people.json"
records = "people"
id = { key = true }
keep_ids = false

[tables.fields]
telegram_id = { key = true }
first_name = { path = "profile.name" }
is_friend = { column = "friend", convert = "boolean" }

[[tables]]
target = "stats"
name = "points"
file = "people.json"
records = "people"
id = { key = true }
skip_if_null = ["value"]

[tables.fields]
user_id = { key = true, match = "telegram_id" }
stat_type = { value = "points" }
value = { column = "points", convert = "number", null = ["n/a"] }

[[tables]]
target = "stats"
name = "visits"
file = "visits.jsonl"

[tables.fields]
user_id = { column = "tg", match = "telegram_id" }
stat_type = { value = "visit" }
value = { value = 1 }
timestamp = { column = "at", convert = "unix_milliseconds" }
"""


def _points_source(folder: Path, people: int) -> tuple[Path, Path]:
    folder.mkdir()
    records = {
        str(10_000_000_000 + n): {
            "profile": {"name": f"имя {n}"},
            "friend": "yes" if n % 3 else "no",
            "points": str(n * 10) if n % 10 else "n/a",
        }
        for n in range(people)
    }
    (folder / "people.json").write_text(
        json.dumps({"version": 2, "people": records}, ensure_ascii=False), encoding="utf-8"
    )
    with (folder / "visits.jsonl").open("w", encoding="utf-8") as handle:
        for n in range(people):
            at = 1_700_000_000_000 + n
            handle.write(json.dumps({"tg": 10_000_000_000 + n, "at": at}) + "\n")
    mapping = folder.parent / "points.toml"
    mapping.write_text(POINTS_MAPPING, encoding="utf-8")
    return folder, mapping


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_tables_feeding_one_table_keep_their_ids_apart(
    backend: str,
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    tmp_path: Path,
) -> None:
    folder, mapping = _points_source(tmp_path / "bot", 30)
    url = new_database(backend)
    code, out = run(capsys, str(folder), "--mapping", str(mapping), "--database-url", url,
                    "--batch-size", "7", "--report", str(tmp_path / "r.json"))  # fmt: skip
    assert code == 0, out
    stats = report(tmp_path / "r.json")["tables"]["stats"]
    assert (stats["inserted"], stats["skipped"]) == (30 + 30 - 3, 3)
    kinds = dict(query(url, "SELECT stat_type, count(*) FROM stats GROUP BY stat_type"))
    assert kinds == {"points": 27, "visit": 30}
    assert query(url, "SELECT count(*) FROM users WHERE is_friend")[0][0] == 20
    assert query(url, "SELECT first_name FROM users WHERE telegram_id = 10000000007") == [
        ("имя 7",)
    ]
    before = counts(url)
    assert run(capsys, str(folder), "--mapping", str(mapping), "--database-url", url)[0] == 0
    assert counts(url) == before
    assert main(["verify", str(folder), "--database-url", url, "--mapping", str(mapping)]) == 0


def test_merge_through_a_mapping_reuses_the_users_already_there(
    capsys: pytest.CaptureFixture[str], new_database: Callable[[str], str], tmp_path: Path
) -> None:
    folder, mapping = _points_source(tmp_path / "bot", 12)
    url = new_database("postgres")
    early = tmp_path / "early"
    early.mkdir()
    (early / "users.jsonl").write_text(
        json.dumps({"id": 1, "telegram_id": 10_000_000_003, "first_name": "already here"}) + "\n",
        encoding="utf-8",
    )
    assert run(capsys, str(early), "--database-url", url)[0] == 0
    code, out = run(capsys, str(folder), "--mapping", str(mapping), "--database-url", url,
                    "--report", str(tmp_path / "r.json"))  # fmt: skip
    assert code == 0, out
    users = report(tmp_path / "r.json")["tables"]["users"]
    assert (users["inserted"], users["existing"]) == (11, 1)
    assert query(url, "SELECT count(*) FROM users WHERE telegram_id = 10000000003") == [(1,)]
    assert query(
        url,
        "SELECT count(*) FROM stats s JOIN users u ON u.id = s.user_id "
        "WHERE u.telegram_id = 10000000003",
    ) == [(2,)]
    assert counts(url)["users"] == 12


def test_resume_through_a_mapping_after_kill_9_equals_one_clean_run(
    capsys: pytest.CaptureFixture[str], new_database: Callable[[str], str], tmp_path: Path
) -> None:
    folder, mapping = _points_source(tmp_path / "bot", 4000)
    killed = new_database("postgres")
    command = [
        sys.executable, "-m", "legacy_import", "run", str(folder), "--mapping", str(mapping),
        "--database-url", killed, "--no-progress", "--batch-size", "40",
        "--rejects", str(tmp_path / "r.jsonl"),
    ]  # fmt: skip
    kill_after_batches(command, killed, 12, 40)
    assert run(capsys, str(folder), "--mapping", str(mapping), "--database-url", killed)[0] == 0
    clean = new_database("postgres")
    assert run(capsys, str(folder), "--mapping", str(mapping), "--database-url", clean)[0] == 0
    assert _without_now(export_tables(killed, tmp_path / "killed")) == _without_now(
        export_tables(clean, tmp_path / "clean")
    )
    assert counts(clean)["stats"] == 4000 + 3600


def test_inspect_with_a_mapping_previews_records_and_rejections(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "bot.db"
    db = sqlite3.connect(source)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, who INTEGER, body TEXT, at TEXT)")
    db.execute("INSERT INTO notes VALUES (1, 42, 'первая', '2025-10-04 07:53:21')")
    db.execute("INSERT INTO notes VALUES (2, 42, 'вторая', 'вчера')")
    db.commit()
    db.close()
    mapping = tmp_path / "notes.toml"
    mapping.write_text(
        'name = "notes"\nsource = "sqlite"\n\n[[tables]]\ntarget = "facts"\ntable = "notes"\n'
        '[tables.fields]\nuser_id = { column = "who", match = "telegram_id" }\n'
        'fact_text = "body"\ncreated_at = { column = "at", convert = "timestamp" }\n',
        encoding="utf-8",
    )
    code = main(["inspect", str(source), "--mapping", str(mapping)])
    out = capsys.readouterr().out
    assert code == 0
    assert "facts → facts: of the first 2 records, 1 map, 1 are rejected, 0 skipped" in out
    assert "первая" in out
    assert (
        "rejected table notes rowid 2: created_at: 'вчера' is not a date and time this tool "
        "can read" in out
    )
    assert not (tmp_path / "store.db").exists()


def test_a_mapping_that_does_not_fit_the_source_exits_2_and_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = copied("Anromit__tg-bot-simple__bot.db", tmp_path)
    mapping = tmp_path / "wrong.toml"
    mapping.write_text(
        'name = "wrong"\nsource = "sqlite"\n[[tables]]\ntarget = "jokes"\ntable = "joke"\n'
        '[tables.fields]\njoke_text = "text"\nchat_id = { value = 1 }\n'
        'joke_type = { value = "x" }\n',
        encoding="utf-8",
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    code, out = run(capsys, str(source), "--mapping", str(mapping), "--database-url", url)
    assert code == 2
    assert "the mapping reads table 'joke', but it has: characters, models, notes" in out
    code, out = run(capsys, str(FIXTURES / "4elobrek9__MRS_bot__jokes_cache.json"),
                    "--mapping", str(mapping), "--database-url", url)  # fmt: skip
    assert code == 2
    assert "the mapping 'wrong' reads sqlite sources, but" in out
    assert "is json; give a sqlite source" in out
    mapping.write_text('name = "wrong"\nsource = "sqlite"\n[[tables]]\ntarget = "joke"\n')
    code, out = run(capsys, str(source), "--mapping", str(mapping), "--database-url", url)
    assert code == 2
    assert "wrong.toml line 4: tables[0].target: no store table 'joke'" in out


def _python_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _without_now(tables: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    """Export rows without the times the store stamps when a record gives none."""
    stamped = ("created_at", "updated_at", "timestamp")
    found = {}
    for name, content in tables.items():
        rows = [json.loads(line) for line in content.decode().splitlines()]
        found[name] = [{k: v for k, v in row.items() if k not in stamped} for row in rows]
    return found
