"""What a newcomer meets when something is wrong: the documented exit code, one line that names
the thing (path, host:port, option) and says what to do, and no file left behind by a command
that refused or only reads. Each case runs the real command, as a user would type it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from legacy_import.cli import main
from tests.legacy.generator import generator
from tests.legacy.helpers import change, counts, query, rejects, run

# What none of the failures may print: a traceback, errno, parser caret art, SQLAlchemy's
# background link, pydantic's prefix.
NOISE = ("Traceback", "[Errno", "right here", "sqlalche.me", "Value error,", "Event loop is closed")


def one_line_error(out: str) -> str:
    """The error the command printed, after checking it is one short `error:` line."""
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("error: "), out
    assert not [noise for noise in NOISE if noise in out], out
    return lines[0]


@pytest.fixture
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory of its own and no DATABASE_URL: the store is ./store.db there."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return folder


@pytest.fixture
def users_dump(tmp_path: Path) -> Path:
    dump = tmp_path / "dump"
    dump.mkdir()
    users = [{"id": 1, "telegram_id": 11}, {"id": 2, "telegram_id": 12}]
    (dump / "users.json").write_text(json.dumps(users), encoding="utf-8")
    return dump


def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_sqlite_store_in_a_missing_directory_exits_3_naming_the_path_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], users_dump: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    code, out = run(
        capsys, str(users_dump), "--database-url", f"sqlite+aiosqlite:///{missing}/x.db"
    )
    assert code == 3
    line = one_line_error(out)
    assert f"{missing}/x.db" in line
    assert "does not exist" in line
    assert not (tmp_path / "no").exists()


def test_a_closed_port_exits_3_naming_host_and_port(
    capsys: pytest.CaptureFixture[str], users_dump: Path, in_empty_folder: Path
) -> None:
    port = closed_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/bot"
    code, out = run(capsys, str(users_dump), "--database-url", url)
    assert code == 3
    line = one_line_error(out)
    assert f"127.0.0.1:{port}" in line
    assert "connection refused" in line
    assert list(in_empty_folder.iterdir()) == []


def test_an_unsupported_url_names_the_option_the_user_gave(
    capsys: pytest.CaptureFixture[str], users_dump: Path
) -> None:
    code, out = run(capsys, str(users_dump), "--database-url", "notaurl://x")
    assert code == 2
    line = one_line_error(out)
    assert line.startswith("error: --database-url uses 'notaurl', which is not supported")
    assert "DATABASE_URL" not in line


def test_an_unsupported_url_from_the_environment_names_the_variable(
    capsys: pytest.CaptureFixture[str], users_dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "notaurl://x")
    code, out = run(capsys, str(users_dump))
    assert code == 2
    assert one_line_error(out).startswith("error: DATABASE_URL uses 'notaurl'")


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
# Source → the words its refusal must hold. Every one is the user's to fix: exit 2.
UNREADABLE = {
    "missing.db": (None, "does not exist"),
    "folder": (None, "holds no .json or .jsonl files"),
    "notes.db": (b"shopping list\n", "neither a SQLite database nor a .json/.jsonl file"),
    "trunc.json": (b'[{"a": 1,\n "b": ', "not valid JSON: it ends early, at line 2, column 6"),
    "broken.json": (
        b'[{"a": 1}}]',
        "not valid JSON at line 1, column 10 (Expecting ',' delimiter)",
    ),
    "pic.json": (PNG, "pic.json is not JSON (binary data)"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_a_source_that_is_not_what_it_claims_exits_2_in_one_line_and_creates_no_store(
    capsys: pytest.CaptureFixture[str], in_empty_folder: Path, tmp_path: Path, name: str
) -> None:
    content, words = UNREADABLE[name]
    source = tmp_path / "sources" / name
    if name == "folder":
        _write(source / "users.csv", b"id,telegram_id\n1,11\n")
    elif content is not None:
        _write(source, content)
    code, out = run(capsys, str(source))
    assert code == 2
    assert words in one_line_error(out)
    assert list(in_empty_folder.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--dry-run", "--no-progress"],
        ["inspect", "--no-progress"],
    ],
    ids=["dry-run", "inspect"],
)
def test_a_command_that_only_reads_creates_no_store_and_no_rejects_file(
    capsys: pytest.CaptureFixture[str],
    in_empty_folder: Path,
    users_dump: Path,
    command: list[str],
) -> None:
    assert main([*command[:1], str(users_dump), *command[1:]]) == 0
    assert "error" not in capsys.readouterr().err
    assert list(in_empty_folder.iterdir()) == []


def test_a_refused_run_creates_no_store(
    capsys: pytest.CaptureFixture[str], in_empty_folder: Path, tmp_path: Path
) -> None:
    unknown = _write(tmp_path / "notes.json", b'[{"note": "buy milk"}]')
    code, out = run(capsys, str(unknown))
    assert code == 2, out
    assert list(in_empty_folder.iterdir()) == []


@pytest.mark.parametrize("command", ["verify", "export"])
def test_verify_and_export_without_a_store_refuse_with_exit_3_and_write_nothing(
    capsys: pytest.CaptureFixture[str],
    in_empty_folder: Path,
    users_dump: Path,
    command: str,
) -> None:
    argv = ["verify", str(users_dump)] if command == "verify" else ["export", "--out", "out"]
    assert main([*argv, "--no-progress"]) == 3
    line = one_line_error(capsys.readouterr().err)
    assert "there is no store at store.db" in line
    assert "python -m legacy_import run" in line
    assert list(in_empty_folder.iterdir()) == []


def test_export_onto_an_existing_file_exits_2_and_keeps_the_file(
    capsys: pytest.CaptureFixture[str], users_dump: Path, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert run(capsys, str(users_dump), "--database-url", url)[0] == 0
    kept = _write(tmp_path / "notes.txt", b"my notes\n")
    assert main(["export", "--database-url", url, "--out", str(kept)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert f"--out {kept} is a file, not a directory" in line
    assert kept.read_bytes() == b"my notes\n"


def test_every_command_accepts_no_progress(
    capsys: pytest.CaptureFixture[str], users_dump: Path, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert run(capsys, str(users_dump), "--database-url", url)[0] == 0
    assert main(["inspect", str(users_dump), "--no-progress"]) == 0
    assert main(["verify", str(users_dump), "--database-url", url, "--no-progress"]) == 0
    out = tmp_path / "out"
    assert main(["export", "--database-url", url, "--out", str(out), "--no-progress"]) == 0
    assert (out / "users.jsonl").read_text(encoding="utf-8").count("\n") == 2
    assert counts(url)["users"] == 2


def test_a_rejects_file_in_a_missing_directory_is_refused_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], users_dump: Path, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(
        capsys, str(users_dump), "--database-url", url, "--rejects", str(tmp_path / "x" / "r")
    )
    assert code == 2
    assert "--rejects" in one_line_error(out)
    assert not (tmp_path / "s.db").exists()


@pytest.fixture(scope="module")
def long_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A legacy database big enough that an import of it, 100 records a batch, is still
    running when the signal comes."""
    path = tmp_path_factory.mktemp("long") / "legacy.db"
    return path, generator.make_legacy_db(path, messages=20000, seed=11)


def _committed(url: str) -> int:
    try:
        return int(query(url, "SELECT coalesce(sum(inserted), 0) FROM import_checkpoints")[0][0])
    except Exception:  # the schema is not there yet
        return 0


@pytest.mark.parametrize("signal_", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_import_exits_130_keeping_every_committed_batch_and_the_rerun_finishes(
    long_import: tuple[Path, dict[str, int]], tmp_path: Path, signal_: signal.Signals
) -> None:
    legacy, legacy_counts = long_import
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    command = [sys.executable, "-m", "legacy_import", "run", str(legacy), "--database-url", url]
    command += ["--batch-size", "100", "--no-progress", "--rejects", str(tmp_path / "r.jsonl")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _committed(url) < 500 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the import ended before the signal: give it more rows"
    process.send_signal(signal_)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted: committed batches stay")
    assert "Traceback" not in err
    stored = sum(counts(url).values())
    assert stored == _committed(url) > 0
    assert stored < sum(legacy_counts.values())
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "Note: resumed legacy.db: an earlier run stopped before it finished" in rerun.stdout
    assert counts(url)["messages"] == legacy_counts["messages"]
    assert counts(url)["users"] == legacy_counts["users"]


FIXTURES = Path(__file__).parents[3] / "shared" / "fixtures" / "legacy"


def test_a_json_file_no_layout_fits_exits_2_saying_what_was_seen_and_where_to_look(
    capsys: pytest.CaptureFixture[str], in_empty_folder: Path, tmp_path: Path
) -> None:
    """A bot's cache of joke strings is named like the jokes table, but holds no records."""
    cache = tmp_path / "jokes_cache.json"
    cache.write_bytes((FIXTURES / "4elobrek9__MRS_bot__jokes_cache.json").read_bytes())
    code, out = run(capsys, str(cache))
    assert code == 2
    line = one_line_error(out)
    assert "no layout fits (jokes: strings, not JSON objects)" in line
    assert "--mapping FILE.toml (see docs/mapping-files.md)" in line
    assert list(in_empty_folder.iterdir()) == []


def test_records_with_none_of_the_tables_fields_are_no_layout_either(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dump = tmp_path / "dump"
    _write(dump / "users.json", json.dumps([{"login": "ada", "karma": 3}]).encode())
    code, out = run(capsys, str(dump), "--database-url", f"sqlite+aiosqlite:///{tmp_path}/s.db")
    assert code == 2
    assert "users.json: records with fields karma, login, none of them a field of users" in out
    assert not (tmp_path / "s.db").exists()


def test_inspect_counts_the_records_of_json_files_and_says_when_a_file_ends_early(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dump = tmp_path / "dump"
    users = [{"id": n, "telegram_id": 10 + n} for n in range(1, 4)]
    _write(dump / "users.json", json.dumps(users).encode())
    _write(dump / "messages.jsonl", b'{"user_id": 1}\n{"user_id": 2}\n')
    assert main(["inspect", str(dump)]) == 0
    out = capsys.readouterr().out
    assert [line.split("│")[3].strip() for line in out.splitlines() if line.startswith("│")] == [
        "2",
        "3",
    ]
    _write(dump / "users.json", json.dumps(users).encode()[:-20])
    assert main(["inspect", str(dump)]) == 2
    err = capsys.readouterr().err
    assert "error: users.json record 3: the file stops here (not valid JSON: it ends early" in err


@pytest.mark.parametrize("batch_size", ["100", "7"])
def test_max_rejects_stops_at_the_record_past_the_limit_whatever_the_batch_size(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
    batch_size: str,
) -> None:
    """30 users, every third one without a usable telegram_id: with --max-rejects 5 the run
    stops right after the sixth bad one (user 18), keeping the 12 good users before it."""
    users = [{"id": n, "telegram_id": "bad" if n % 3 == 0 else 1000 + n} for n in range(1, 31)]
    dump = tmp_path / "dump"
    _write(dump / "users.json", json.dumps(users).encode())
    url = new_database(backend)
    rejects_file = tmp_path / "rejects.jsonl"
    command = [str(dump), "--database-url", url, "--rejects", str(rejects_file)]
    command += ["--max-rejects", "5", "--batch-size", batch_size]
    code, out = run(capsys, *command)
    assert code == 1
    assert "the run stopped at users.json record 18" in out
    assert [line["location"] for line in rejects(rejects_file)] == [
        f"users.json record {n}" for n in (3, 6, 9, 12, 15, 18)
    ]
    assert query(url, "SELECT max(telegram_id), count(*) FROM users") == [(1017, 12)]
    code, out = run(capsys, *command)
    assert code == 1
    assert "Stopped:" not in out
    assert "Note: resumed dump: an earlier run stopped before it finished users.json" in out
    assert len(rejects(rejects_file)) == 10
    assert query(url, "SELECT count(*) FROM users") == [(20,)]


def test_the_same_dirty_input_gives_the_same_rejects_file_byte_for_byte(tmp_path: Path) -> None:
    """Links whose two memories are both missing name the first reference column, on every
    run, in fresh processes with different hash seeds."""
    dump = tmp_path / "dump"
    memory = {"simple_content": "tea", "full_content": "tea is green", "created_by": 7}
    memories = [{"id": 1, **memory}]
    links = [
        {"id": n, "from_memory_id": 90 + n, "to_memory_id": 80 + n, "link_type": "related"}
        for n in range(1, 6)
    ] + [{"id": 9, "from_memory_id": 1, "to_memory_id": 77, "link_type": "related"}]
    _write(dump / "memories.json", json.dumps(memories).encode())
    _write(dump / "memory_links.json", json.dumps(links).encode())
    files = []
    for seed in ("1", "2", "3"):
        url = f"sqlite+aiosqlite:///{tmp_path / f'store{seed}.db'}"
        rejects_file = tmp_path / f"rejects{seed}.jsonl"
        command = [sys.executable, "-m", "legacy_import", "run", str(dump), "--no-progress"]
        command += ["--database-url", url, "--rejects", str(rejects_file)]
        environment = {"PYTHONHASHSEED": seed, "PATH": ""}
        done = subprocess.run(command, capture_output=True, text=True, env=environment)
        assert done.returncode == 1, done.stderr
        files.append(rejects_file.read_bytes())
    assert files[0] == files[1] == files[2]
    reasons = [line["reason"] for line in rejects(tmp_path / "rejects1.jsonl")]
    assert reasons == [
        *(f"from_memory_id: no memories record with id {90 + n} was imported from this source"
          for n in range(1, 6)),
        "to_memory_id: no memories record with id 77 was imported from this source",
    ]  # fmt: skip


def _dump_with_rejected_parents(dump: Path) -> None:
    """Memory 2 is invalid (created_by is no number), memory 3 hangs under it, and a link and
    a category entry point at them: 4 of the 7 records cannot arrive."""
    memory = {"simple_content": "tea", "full_content": "tea is green", "created_by": 7}
    tables = {
        "categories": [{"id": 1, "name": "drinks", "domain": "interest", "full_path": "drinks"}],
        "memories": [
            {"id": 1, **memory},
            {"id": 2, **memory, "created_by": "seven"},
            {"id": 3, **memory, "parent_id": 2},
        ],
        "memory_links": [{"id": 1, "from_memory_id": 1, "to_memory_id": 3, "link_type": "r"}],
        "memory_categories": [
            {"memory_id": 2, "category_id": 1},
            {"memory_id": 1, "category_id": 1},
        ],
    }
    for name, records in tables.items():
        _write(dump / f"{name}.json", json.dumps(records).encode())


def _verify_table(out: str) -> dict[str, list[str]]:
    """verify's table as table name → source, stored, rejected, missing, different."""
    rows = {}
    for line in out.splitlines():
        cells = line.split()
        if len(cells) >= 7 and cells[1].replace(",", "").isdigit():
            rows[cells[0]] = cells[1:6]
    return rows


def test_verify_counts_what_the_import_rejected_and_exits_0_when_nothing_else_differs(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    dump = tmp_path / "dump"
    _dump_with_rejected_parents(dump)
    url = new_database(backend)
    assert run(capsys, str(dump), "--database-url", url)[0] == 1
    assert main(["verify", str(dump), "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert _verify_table(out) == {
        "categories": ["1", "1", "0", "0", "0"],
        "memories": ["3", "1", "2", "0", "0"],
        "memory_links": ["1", "0", "1", "0", "0"],
        "memory_categories": ["2", "1", "1", "0", "0"],
    }
    assert "accounted for, not missing" in out
    change(url, "DELETE FROM memory_categories")
    assert main(["verify", str(dump), "--database-url", url]) == 1
    out = capsys.readouterr().out
    assert _verify_table(out)["memory_categories"] == ["2", "0", "1", "1", "0"]
    assert "memory_categories.json record 2: not in the store" in out


def test_verify_of_a_telegram_export_that_ends_early_does_not_call_it_equal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = Path(__file__).parents[1] / "data" / "bad" / "telegram_truncated_mid_message"
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert run(capsys, str(source / "result.json"), "--database-url", url)[0] == 1
    assert main(["verify", str(source / "result.json"), "--database-url", url]) == 1
    out = capsys.readouterr().out
    assert "result.json after message 3 of the file: the file stops here" in out
    assert "The source ends early, so it cannot be compared whole" in out


def test_a_second_run_into_a_busy_sqlite_store_is_refused_and_the_first_counts_only_its_own(
    capsys: pytest.CaptureFixture[str],
    long_import: tuple[Path, dict[str, int]],
    users_dump: Path,
    tmp_path: Path,
) -> None:
    legacy, legacy_counts = long_import
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    command = [sys.executable, "-m", "legacy_import", "run", str(legacy), "--database-url", url]
    command += ["--batch-size", "100", "--no-progress", "--report", str(tmp_path / "first.json")]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _committed(url) < 300 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert first.poll() is None, "the first import ended before the second began"
    code, out = run(capsys, str(legacy), "--database-url", url)
    assert code == 3
    line = one_line_error(out)
    assert f"another import is writing into the SQLite store {tmp_path / 'store.db'}" in line
    assert run(capsys, str(users_dump), "--database-url", url)[0] == 3, "any source"
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    totals = json.loads((tmp_path / "first.json").read_text(encoding="utf-8"))["totals"]
    assert totals["inserted"] == sum(counts(url).values()) == sum(legacy_counts.values())


def _telegram_export(path: Path, *, unixtime: bool) -> Path:
    message = {"id": 1, "type": "message", "date": "2020-06-01T12:00:00", "from": "A"}
    message |= {"from_id": "user5", "text": "hi"}
    if unixtime:
        message["date_unixtime"] = "1591002000"
    chat = {"name": "n", "type": "personal_chat", "id": 5, "messages": [message]}
    return _write(path, json.dumps(chat).encode())


def test_a_rerun_with_another_timezone_says_the_existing_messages_keep_their_times(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = _telegram_export(tmp_path / "old" / "result.json", unixtime=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    code, out = run(capsys, str(source), "--database-url", url, "--timezone", "Europe/Moscow")
    assert code == 0, out
    assert "was imported before" not in out
    code, out = run(capsys, str(source), "--database-url", url, "--timezone", "Asia/Tokyo")
    assert code == 0, out
    assert (
        f"Note: {source} was imported before: the messages that import stored keep the times "
        "it read; --timezone Asia/Tokyo applies only to messages imported now"
    ) in out
    assert query(url, "SELECT count(*) FROM messages") == [(1,)]


def test_an_export_with_unix_times_gets_no_timezone_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = _telegram_export(tmp_path / "new" / "result.json", unixtime=True)
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    for zone in ([], ["--timezone", "UTC"], ["--timezone", "Asia/Tokyo"]):
        code, out = run(capsys, str(source), "--database-url", url, *zone)
        assert code == 0, out
        assert "Note:" not in out


def test_of_two_exports_imported_together_the_note_names_the_one_with_local_dates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = _telegram_export(tmp_path / "old" / "result.json", unixtime=False)
    new = _telegram_export(tmp_path / "new" / "result.json", unixtime=True)
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"

    code, out = run(capsys, str(new), str(old), "--database-url", url, "--timezone", "Asia/Tokyo")

    assert code == 0, out
    notes = [line for line in out.splitlines() if line.startswith("Note:")]
    assert notes == [
        f"Note: {old} has no date_unixtime (exported before 2022): its dates are local times "
        "and were read in the --timezone zone."
    ]


def test_a_folder_with_a_telegram_export_and_other_json_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    export = _telegram_export(tmp_path / "mixed" / "result.json", unixtime=True)
    _write(export.parent / "users.json", b'[{"telegram_id": 1}]')
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"

    code, out = run(capsys, str(export.parent), "--database-url", url)

    assert code == 2
    assert one_line_error(out) == (
        f"error: {export.parent} holds a Telegram export (result.json) and other JSON files "
        f"(users.json): import {export} and those files as separate sources"
    )
    assert not (tmp_path / "s.db").exists()


def test_verify_names_a_telegram_chat_by_its_bot_api_id_as_the_import_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = _telegram_export(tmp_path / "new" / "result.json", unixtime=True)
    chat = json.loads(source.read_bytes())
    chat |= {"type": "private_supergroup", "id": 4321}
    chat["messages"].append({**chat["messages"][0], "id": 2, "text": "second"})
    source.write_text(json.dumps(chat), encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert run(capsys, str(source), "--database-url", url)[0] == 0
    assert query(url, "SELECT chat_id, message_id FROM messages ORDER BY message_id") == [
        (-1000000004321, 1),
        (-1000000004321, 2),
    ]
    change(url, "UPDATE messages SET text = 'edited' WHERE message_id = 1")
    change(url, "DELETE FROM messages WHERE message_id = 2")

    assert main(["verify", str(source), "--database-url", url]) == 1
    out = capsys.readouterr().out
    assert "result.json chat -1000000004321 message 1: differs in text" in out
    assert "result.json chat -1000000004321 message 2: not in the store" in out
    assert " chat 4321 " not in out
