"""Bad records go to the rejects file with their reason; everything else still arrives."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from legacy_import.cli import main
from tests.legacy.conftest import execute
from tests.legacy.helpers import change, counts, query, rejects, report, run

expected_memory: dict[Path, int] = {}
FIXTURES = Path(__file__).parents[3] / "shared" / "fixtures" / "legacy"
BAD_MESSAGES = [
    ("text", "a\x00b", "text contains a NUL character"),
    ("timestamp", "2025-02-30 10:00:00", "timestamp: '2025-02-30 10:00:00' is not a date and time"),
    ("user_id", 999_999, "user_id: no users record with id 999999 was imported from this source"),
    (
        "chat_id",
        2**70,
        "chat_id: Unable to parse input string as an integer, exceeded maximum size",
    ),
]


def _add_lonely_memory(legacy_db: Path, **changes: object) -> int:
    """A copy of memory 1 that nothing refers to, so rejecting it rejects nothing else."""
    with sqlite3.connect(legacy_db) as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("SELECT * FROM memories WHERE id = 1").fetchone())
        del row["id"], row["parent_id"]
        row.update(changes)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = db.execute(f"INSERT INTO memories ({names}) VALUES ({marks})", tuple(row.values()))
        return int(cursor.lastrowid or 0)


def _spoil(legacy_db: Path) -> dict[int, str]:
    """Spoils one message per kind; returns rowid → the expected reason."""
    expected = {}
    for rowid, (column, value, reason) in enumerate(BAD_MESSAGES, start=10):
        value = str(value) if isinstance(value, int) and value > 2**63 else value
        execute(legacy_db, f"UPDATE messages SET {column} = ? WHERE rowid = ?", value, rowid)
        expected[rowid] = reason
    expected_memory[legacy_db] = _add_lonely_memory(legacy_db, keywords='["a",')
    execute(legacy_db, "UPDATE messages SET text = CAST(x'61ff62' AS TEXT) WHERE rowid = 20")
    return expected


def test_bad_records_are_rejected_with_their_reason_and_the_rest_arrive(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
    legacy_counts: dict[str, int],
    tmp_path: Path,
) -> None:
    expected = _spoil(legacy_db)
    url = new_database(backend)
    rejects_file = tmp_path / "rejects.jsonl"
    code, out = run(capsys, str(legacy_db), "--database-url", url, "--rejects", str(rejects_file))
    assert code == 1, out
    lines = rejects(rejects_file)
    by_place = {(line["part"], line["position"]): line for line in lines}
    assert len(lines) == len(expected) + 2
    for rowid, reason in expected.items():
        line = by_place[("messages", rowid)]
        assert reason in line["reason"], line
        assert line["location"] == f"table messages rowid {rowid}"
        assert line["record"]["id"] == rowid
    assert "keywords" in by_place[("memories", expected_memory[legacy_db])]["reason"]
    assert "not valid UTF-8" in by_place[("messages", 20)]["reason"]
    stored = counts(url)
    assert stored["messages"] == legacy_counts["messages"] - len(expected) - 1
    assert stored["memories"] == legacy_counts["memories"]


def test_rerun_lists_each_reject_once_and_still_exits_1(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    legacy_db: Path,
    tmp_path: Path,
) -> None:
    expected = _spoil(legacy_db)
    url = new_database("sqlite")
    rejects_file = tmp_path / "rejects.jsonl"
    for _ in range(2):
        code, _out = run(
            capsys, str(legacy_db), "--database-url", url, "--rejects", str(rejects_file)
        )
        assert code == 1
    assert len(rejects(rejects_file)) == len(expected) + 2


def test_max_rejects_stops_and_the_next_run_resumes(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    legacy_db: Path,
    legacy_counts: dict[str, int],
    tmp_path: Path,
) -> None:
    _spoil(legacy_db)
    url = new_database("sqlite")
    rejects_file = tmp_path / "rejects.jsonl"
    code, out = run(
        capsys, str(legacy_db), "--database-url", url, "--max-rejects", "0",
        "--batch-size", "100", "--rejects", str(rejects_file),
    )  # fmt: skip
    assert code == 1
    assert "--max-rejects" in out
    assert str(rejects_file) in out
    assert 0 < len(rejects(rejects_file)) < len(BAD_MESSAGES) + 2
    bad_messages = len(BAD_MESSAGES) + 1
    assert counts(url)["messages"] < legacy_counts["messages"] - bad_messages
    assert (
        run(capsys, str(legacy_db), "--database-url", url, "--rejects", str(rejects_file))[0] == 1
    )
    assert counts(url)["messages"] == legacy_counts["messages"] - bad_messages
    assert len(rejects(rejects_file)) == bad_messages + 1  # and the memory


def test_invalid_settings_exit_2_in_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], legacy_db: Path
) -> None:
    code, out = run(capsys, str(legacy_db), "--database-url", "mysql://u:s3cret@db/x", "--debug")
    assert code == 2
    assert "error: --database-url uses 'mysql', which is not supported" in out
    assert "Value error" not in out
    assert "s3cret" not in out
    assert "Traceback" not in out


@pytest.mark.parametrize("option", ["--max-rejects", "--workers"])
def test_negative_counts_are_refused_as_usage_errors(
    capsys: pytest.CaptureFixture[str], legacy_db: Path, option: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(capsys, str(legacy_db), option, "-1")
    assert stopped.value.code == 2
    assert f"argument {option}: must be at least 0, not -1" in capsys.readouterr().err


def test_dry_run_writes_nothing_and_reports_what_would_happen(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
    legacy_counts: dict[str, int],
    tmp_path: Path,
) -> None:
    url = new_database(backend)
    assert (
        run(
            capsys,
            str(legacy_db),
            "--database-url",
            url,
            "--dry-run",
            "--report",
            str(tmp_path / "r.json"),
        )[0]
        == 0
    )
    assert report(tmp_path / "r.json")["totals"]["inserted"] == sum(legacy_counts.values())
    assert (
        query(
            url,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'"
            if backend == "postgres"
            else "SELECT count(*) FROM sqlite_master",
        )[0][0]
        == 0
    )
    assert not (tmp_path / "rejects.jsonl").exists()
    assert run(capsys, str(legacy_db), "--database-url", url)[0] == 0
    assert (
        run(
            capsys,
            str(legacy_db),
            "--database-url",
            url,
            "--dry-run",
            "--report",
            str(tmp_path / "r2.json"),
        )[0]
        == 0
    )
    assert report(tmp_path / "r2.json")["totals"]["inserted"] == 0


def test_unknown_layout_exits_2_and_inspect_shows_what_was_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    odd = tmp_path / "odd.db"
    execute(odd, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    code, out = run(capsys, str(odd), "--database-url", f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    assert code == 2
    assert "no known layout" in out
    assert "notes(id, body)" in out
    assert main(["inspect", str(odd)]) == 2
    shown = capsys.readouterr()
    assert "notes" in shown.out
    assert "(not imported)" in shown.out


def test_hostile_table_names_are_quoted_never_executed(
    capsys: pytest.CaptureFixture[str], legacy_db: Path, tmp_path: Path
) -> None:
    hostile = 'x"; DROP TABLE users; --'
    execute(legacy_db, 'CREATE TABLE "x""; DROP TABLE users; --" (id INTEGER PRIMARY KEY, v TEXT)')
    execute(legacy_db, 'INSERT INTO "x""; DROP TABLE users; --" (v) VALUES (\'boom\')')
    assert main(["inspect", str(legacy_db)]) == 0
    assert hostile in capsys.readouterr().out
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(capsys, str(legacy_db), "--database-url", url)
    assert code == 0, out
    assert counts(url)["users"] > 0


def test_password_never_appears_when_the_database_is_unreachable(
    capsys: pytest.CaptureFixture[str], legacy_db: Path
) -> None:
    url = "postgresql://bot:pa55-word-xyz@127.0.0.1:1/bot"
    code, out = run(capsys, str(legacy_db), "--database-url", url)
    assert code == 3
    assert "pa55-word-xyz" not in out
    assert out.strip().splitlines()[-1].startswith("error: ")


def test_a_database_behind_head_is_refused_with_the_command_to_run(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
) -> None:
    url = new_database(backend)
    for command in (["upgrade"], ["downgrade", "0001"]):
        subprocess.run(
            [sys.executable, "-m", "sqlmodel_store", *command],
            env={"DATABASE_URL": url, "PATH": ""},
            check=True,
            capture_output=True,
        )
    code, out = run(capsys, str(legacy_db), "--database-url", url)
    assert code == 3
    assert "python -m sqlmodel_store upgrade" in out
    assert query(url, "SELECT version_num FROM alembic_version") == [("0001",)]


def test_v0_layout_fixture_imports_its_user(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "v0.db"
    copy.write_bytes(FIXTURES.joinpath("dcmaidbot-v0-data.db").read_bytes())
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(capsys, str(copy), "--database-url", url)
    assert code == 0, out
    assert query(url, "SELECT count(*), min(created_at) FROM users")[0][0] == 1
    assert query(url, "SELECT count(*) FROM users WHERE telegram_id = id")[0][0] == 0


def test_verify_catches_a_row_changed_after_import(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
) -> None:
    url = new_database(backend)
    assert run(capsys, str(legacy_db), "--database-url", url)[0] == 0
    change(url, "UPDATE messages SET text = 'changed' WHERE id = 5")
    capsys.readouterr()
    assert main(["verify", str(legacy_db), "--database-url", url]) == 1
    assert "table messages rowid 5: differs in text" in capsys.readouterr().out
