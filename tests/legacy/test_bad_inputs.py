"""The corpus of bad legacy inputs in tests/data/bad, one folder per kind (its README.md lists
them), each imported through the CLI into SQLite and PostgreSQL.

An operator who runs the import on a bad dump must be able to trust three things: the exit code
says whether anything is missing, the rejects file names every record that did not arrive with
a reason they can act on, and everything else did arrive. So for every kind this module checks
the exit code, the exact (location, reason) list of the rejects file, and the row count of every
table, all written out by hand from the input files (never computed by the importer's code).
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Table, inspect, select, text

from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import Message
from tests.legacy.helpers import TABLES, query, rejects, report, run

BAD = Path(__file__).parents[1] / "data" / "bad"
MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]

# How the reject of the record where a file stops being JSON begins (no parser caret art).
CUT = "the file stops here"
# Phrases of the reasons that recur, as the store's schemas and the importer word them.
NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"
FRACTIONAL = "Input should be a valid integer, got a number with a fractional part"
NOT_A_BOOLEAN = "is_friend: Input should be a valid boolean, unable to interpret input"
UNREADABLE_TIME = "is not a date and time this tool can read"
NOT_IMPORTED = "was imported from this source"
NOT_AN_AUTHOR = "is neither a user (user<digits>) nor a channel (channel<digits>)"


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of bad input (a folder of tests/data/bad) and what the import must do with it.

    `rejects` is the rejects file as (location, reason) pairs in the file's order (by part, then
    position); `stored` the rows each table holds afterwards (a table not named holds none);
    `output` what the printed summary or error must say.
    """

    name: str
    exit_code: int
    rejects: tuple[tuple[str, str], ...] = ()
    stored: dict[str, int] = field(default_factory=dict)
    output: tuple[str, ...] = ()


KINDS = [
    # --- JSON dumps: files that are not (wholly) JSON ---
    Kind(
        "json_truncated_array",
        1,
        (
            (
                "messages.json record 3",
                f"{CUT} (not valid JSON: it ends early, at line 4, column 100): "
                "2 records before this were read, nothing after it",
            ),
        ),
        {"users": 1, "messages": 2},
    ),
    Kind(
        "json_not_utf8",
        1,
        (
            (
                "users.json record 2",
                f"{CUT} (not UTF-8 at line 3, column 55 (byte 0xff)): "
                "1 records before this were read, nothing after it",
            ),
        ),
        {"users": 1},
    ),
    Kind(
        "jsonl_not_utf8_line",
        1,
        (
            (
                "users.jsonl line 2",
                "invalid JSON: 'utf-8' codec can't decode byte 0xff in position 52: "
                "invalid start byte",
            ),
        ),
        {"users": 2},
    ),
    Kind(
        "jsonl_broken_line",
        1,
        (
            (
                "users.jsonl line 2",
                "invalid JSON: Expecting ',' delimiter: line 2 column 1 (char 52)",
            ),
        ),
        {"users": 2},
    ),
    Kind(
        "empty_file",
        1,
        (
            (
                "users.json record 1",
                f"{CUT} (empty, not JSON): 0 records before this were read, nothing after it",
            ),
        ),
        {"categories": 1},
    ),
    Kind("empty_array", 0),
    # Found by this corpus: a <table>.json holding one JSON string was read as an empty table
    # (exit 0, nothing said).
    Kind(
        "top_level_scalar",
        1,
        (("users.json record 1", "the file holds a JSON string, not an array of records"),),
        {"categories": 1},
    ),
    # Found by this corpus: a byte order mark before the array made the whole file "not valid
    # JSON", while the same records in a .jsonl file with a BOM imported.
    Kind("utf8_bom", 0, (), {"users": 2}),
    Kind(
        "record_not_an_object",
        1,
        (
            ("users.json record 1", "is not a JSON object"),
            ("users.json record 3", "is not a JSON object"),
            ("users.json record 4", "is not a JSON object"),
        ),
        {"users": 1},
    ),
    Kind(
        "single_object_not_array",
        2,
        output=("no known layout matches what it holds: id(), telegram_id(), first_name()",),
    ),
    Kind("dump_dir_without_json", 2, output=("holds no .json or .jsonl files",)),
    Kind(
        "unknown_table",
        1,
        (),
        {"users": 1},
        ("Not imported: unknown_table: notes.json (no table of the layout reads it).",),
    ),
    # --- JSON dumps: values of the wrong type or shape ---
    Kind(
        "text_for_integer",
        1,
        (
            ("messages.json record 1", "user_id: 'three' is not an integer id"),
            ("messages.json record 2", "id: 'two' is not an integer id"),
            (
                "users.json record 1",
                f"telegram_id: {NOT_AN_INTEGER}",
            ),
        ),
        {"users": 2, "messages": 1},
    ),
    Kind(
        "float_for_integer",
        1,
        (
            (
                "users.json record 1",
                f"telegram_id: {FRACTIONAL}",
            ),
            ("users.json record 3", "id: 3.5 is not an integer id"),
        ),
        {"users": 1},
    ),
    Kind(
        "list_for_text",
        1,
        (
            ("users.json record 1", "first_name: Input should be a valid string"),
            ("users.json record 2", "first_name: Input should be a valid string"),
            ("users.json record 3", "first_name: Input should be a valid string"),
        ),
        {"users": 1},
    ),
    Kind(
        "missing_required_field",
        1,
        (
            ("messages.json record 1", "message_id: Field required"),
            ("users.json record 1", "telegram_id: Field required"),
        ),
        {"users": 1, "messages": 1},
    ),
    Kind(
        "odd_booleans",
        1,
        (
            ("users.json record 7", NOT_A_BOOLEAN),
            ("users.json record 8", NOT_A_BOOLEAN),
            ("users.json record 9", NOT_A_BOOLEAN),
        ),
        {"users": 6},
    ),
    Kind(
        "unknown_enum_value",
        1,
        (
            (
                "categories.json record 1",
                "domain: Input should be 'self', 'social', 'knowledge', 'interest', 'episode' "
                "or 'meta'",
            ),
        ),
        {"categories": 1},
    ),
    # --- JSON dumps: values out of range ---
    Kind(
        "integer_beyond_64_bits",
        1,
        (
            (
                "users.json record 2",
                f"telegram_id: Input should be less than or equal to {2**63 - 1}",
            ),
            (
                "users.json record 4",
                f"telegram_id: Input should be less than or equal to {2**63 - 1}",
            ),
            (
                "users.json record 5",
                f"telegram_id: Input should be greater than or equal to {-(2**63)}",
            ),
        ),
        {"users": 3},
    ),
    Kind(
        "out_of_range_number",
        1,
        (
            ("jokes.json record 1", "likes_count: Input should be greater than or equal to 0"),
            (
                "jokes.json record 3",
                f"reactions_count: Input should be less than or equal to {2**31 - 1}",
            ),
        ),
        {"jokes": 1},
    ),
    Kind(
        "not_finite_number",
        1,
        (
            ("stats.jsonl line 1", "value: Input should be a finite number"),
            ("stats.jsonl line 2", "value: Input should be a finite number"),
            ("stats.jsonl line 4", "value: Input should be a finite number"),
        ),
        {"users": 1, "stats": 1},
    ),
    Kind(
        "string_too_long",
        1,
        (
            ("users.json record 1", "username: String should have at most 255 characters"),
            ("users.json record 4", "language_code: String should have at most 10 characters"),
        ),
        {"users": 2},
    ),
    Kind("negative_and_zero_ids", 0, (), {"users": 2, "messages": 2}),
    Kind(
        "impossible_date",
        1,
        (
            ("users.json record 1", f"created_at: '2025-02-30T10:00:00Z' {UNREADABLE_TIME}"),
            ("users.json record 3", f"created_at: '2025-13-01' {UNREADABLE_TIME}"),
        ),
        {"users": 1},
    ),
    Kind(
        "unreadable_timestamp",
        1,
        (
            ("messages.json record 1", f"timestamp: 'yesterday at noon' {UNREADABLE_TIME}"),
            ("messages.json record 4", f"timestamp: '10/27/2025 1:47 PM' {UNREADABLE_TIME}"),
            ("messages.json record 5", "timestamp: True is not a timestamp"),
        ),
        {"users": 1, "messages": 2},
    ),
    # --- JSON dumps: text no database can store ---
    # PostgreSQL cannot store NUL in text; the store's schemas refuse it first, so the reason is
    # the same on both backends and SQLite does not quietly keep what PostgreSQL could not.
    Kind(
        "nul_in_text",
        1,
        (
            (
                "messages.json record 1",
                "text contains a NUL character (\\x00), which PostgreSQL text cannot store",
            ),
        ),
        {"users": 1, "messages": 1},
    ),
    # Found by this corpus: in a .json array the C parser turned the lone surrogate into "?"
    # (imported as "half an emoji ?", exit 0); such files are now read by the Python parser.
    Kind(
        "lone_surrogate_json_array",
        1,
        (
            (
                "users.json record 1",
                "first_name contains a lone surrogate, which is not valid UTF-8",
            ),
        ),
        {"users": 1},
    ),
    Kind(
        "lone_surrogate_json_lines",
        1,
        (("users.jsonl line 1", "first_name contains a lone surrogate, which is not valid UTF-8"),),
        {"users": 1},
    ),
    # --- JSON dumps: ids and references ---
    Kind(
        "duplicate_legacy_id",
        1,
        (("facts.json record 3", "duplicate of facts.json record 1 (id=10)"),),
        {"users": 1, "facts": 2},
    ),
    Kind(
        "duplicate_natural_key",
        1,
        (
            (
                "messages.json record 2",
                "duplicate of messages.json record 1 (chat_id=-1011, message_id=7)",
            ),
            ("users.json record 2", "duplicate of users.json record 1 (telegram_id=701101)"),
        ),
        {"users": 2, "messages": 2},
    ),
    Kind(
        "reference_to_nothing",
        1,
        (
            ("facts.json record 1", f"user_id: no users record with id 42 {NOT_IMPORTED}"),
            ("messages.json record 2", f"user_id: no users record with id 42 {NOT_IMPORTED}"),
        ),
        {"users": 1, "messages": 1, "facts": 1},
    ),
    Kind(
        "reference_to_rejected_record",
        1,
        (
            ("messages.json record 1", f"user_id: no users record with id 1 {NOT_IMPORTED}"),
            ("users.json record 1", f"telegram_id: {NOT_AN_INTEGER}"),
        ),
        {"users": 1, "messages": 1},
    ),
    # Found by this corpus: memory 1's parent (memory 2, same batch) is rejected, and memory 1
    # used to be written pointing at it: a foreign-key traceback, nothing imported.
    Kind(
        "forward_reference_to_rejected",
        1,
        (
            ("memories.json record 1", f"parent_id: no memories record with id 2 {NOT_IMPORTED}"),
            ("memories.json record 2", f"parent_id: no memories record with id 99 {NOT_IMPORTED}"),
        ),
        {"memories": 1},
    ),
    # --- legacy SQLite databases ---
    Kind(
        "sqlite_not_a_database",
        2,
        output=("is neither a SQLite database nor a .json/.jsonl file; pass --format",),
    ),
    Kind("sqlite_corrupt", 2, output=("cannot be read as SQLite: file is not a database",)),
    Kind(
        "sqlite_invalid_json_list",
        1,
        (
            ("table memories rowid 2", "keywords: '[\"tea\",' is not valid JSON (Expecting value)"),
            ("table memories rowid 3", "keywords: \"['tea']\" is not valid JSON (Expecting value)"),
            ("table memories rowid 4", "keywords: 'tea,green' is not valid JSON (Expecting value)"),
            ("table memories rowid 5", "tags: Input should be a valid list"),
            ("table memories rowid 6", f"evolution_triggers.1: {NOT_AN_INTEGER}"),
        ),
        {"users": 1, "memories": 1},
    ),
    Kind(
        "sqlite_unexpected_columns",
        1,
        (
            ("table messages rowid 1", "message_id: Field required"),
            ("table messages rowid 2", "message_id: Field required"),
        ),
        {"users": 1},
    ),
    Kind(
        "sqlite_dynamic_types",
        1,
        (
            ("table messages rowid 1", f"chat_id: {NOT_AN_INTEGER}"),
            ("table messages rowid 2", f"message_id: {FRACTIONAL}"),
            ("table messages rowid 3", f"timestamp: '' {UNREADABLE_TIME}"),
        ),
        {"users": 1, "messages": 2},
    ),
    Kind(
        "sqlite_blob_in_text",
        1,
        (("table messages rowid 1", "text: is binary data (a BLOB), not text"),),
        {"users": 1, "messages": 1},
    ),
    # Found by this corpus: a page re-read as bytes (for its bad text) could not tell a BLOB
    # from text, and imported the BLOB of rowid 1 as the text "abc".
    Kind(
        "sqlite_blob_beside_bad_text",
        1,
        (
            ("table messages rowid 1", "text: is binary data (a BLOB), not text"),
            (
                "table messages rowid 2",
                "column 'text' is not valid UTF-8 (invalid start byte at byte 1)",
            ),
        ),
        {"users": 1, "messages": 1},
    ),
    # --- Telegram Desktop exports ---
    Kind(
        "telegram_truncated_mid_message",
        1,
        (
            (
                "result.json after message 3 of the file",
                f"{CUT} (not valid JSON: it ends early, at line 22, column 175): "
                "3 messages before this were read, nothing after it",
            ),
        ),
        {"users": 2, "messages": 3},
    ),
    Kind(
        "telegram_cp1251_without_encoding",
        2,
        output=("error: result.json is not UTF-8 (byte 0xc0 at offset 12)", "Pass --encoding"),
    ),
    Kind(
        "telegram_unknown_chat_type",
        1,
        (
            (
                "result.json chat 904201 message 1",
                "chat_id: chat type 'secret_chat' is not one of personal_chat, bot_chat, "
                "saved_messages, private_supergroup, public_supergroup, private_channel, "
                "public_channel, private_group; its Bot API id is unknown",
            ),
        ),
        {"users": 1, "messages": 1},
    ),
    Kind(
        "telegram_bad_text_parts",
        1,
        (
            (
                "result.json chat 704301 message 2",
                "text: text part 7 is neither a string nor an entity",
            ),
            (
                "result.json chat 704301 message 3",
                "text: {'type': 'plain', 'text': 'an entity alone'} is neither text nor a list "
                "of text parts",
            ),
        ),
        {"users": 1, "messages": 1},
    ),
    Kind(
        "telegram_bad_author_id",
        1,
        (
            ("result.json chat 704401 message 2", f"user_id: 'bot704402' {NOT_AN_AUTHOR}"),
            ("result.json chat 704401 message 3", f"user_id: 'user' {NOT_AN_AUTHOR}"),
        ),
        {"users": 1, "messages": 1},
    ),
    Kind(
        "telegram_duplicate_message_id",
        1,
        (
            (
                "result.json chat 704601 message 1",
                "duplicate of result.json chat 704601 message 1 (chat_id=704601, message_id=1)",
            ),
        ),
        {"users": 1, "messages": 2},
    ),
    # Found by this corpus: the author's first_seen came from the message with the unreadable
    # date, so the author was rejected, and with it the good messages 1 and 3.
    Kind(
        "telegram_unreadable_date",
        1,
        (
            (
                "result.json chat 704501 message 2",
                "timestamp: date_unixtime 'soon' is not a number of seconds",
            ),
        ),
        {"users": 1, "messages": 2},
    ),
]


def source_of(kind: str, tmp_path: Path) -> Path:
    """What to import for a kind: its Telegram export, its SQLite database (built from
    legacy.sql, or a copy of a checked-in legacy.db: no run may alter the corpus), or the
    folder itself as a JSON dump."""
    folder = BAD / kind
    if (folder / "result.json").exists():
        return folder / "result.json"
    database = tmp_path / "legacy.db"
    if (folder / "legacy.sql").exists():
        with closing(sqlite3.connect(database)) as db:
            db.executescript((folder / "legacy.sql").read_text(encoding="utf-8"))
        return database
    if (folder / "legacy.db").exists():
        shutil.copyfile(folder / "legacy.db", database)
        return database
    return folder


def import_kind(
    capsys: pytest.CaptureFixture[str], kind: str, url: str, tmp_path: Path, *extra: str
) -> tuple[int, str]:
    return run(
        capsys,
        str(source_of(kind, tmp_path)),
        "--database-url",
        url,
        "--rejects",
        str(tmp_path / "rejects.jsonl"),
        "--report",
        str(tmp_path / "report.json"),
        *extra,
    )


def rejected(path: Path) -> list[tuple[str, str]]:
    """The rejects file as (location, reason) pairs; no file means nothing was rejected."""
    if not path.exists():
        return []
    return [(line["location"], line["reason"]) for line in rejects(path)]


async def _row_counts(url: str) -> dict[str, int]:
    store = Store(StoreSettings(database_url=url))
    try:
        async with store.engine.connect() as conn:
            present = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            if "users" not in present:
                return dict.fromkeys(TABLES, 0)
            union = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM {name}" for name in TABLES)
            return {name: number for name, number in await conn.execute(text(union))}
    finally:
        await store.dispose()


def stored(url: str) -> dict[str, int]:
    """Rows per store table, over one connection; every table is empty when the run never
    created the schema."""
    return asyncio.run(_row_counts(url))


def test_the_corpus_has_a_readme_entry_for_every_kind_and_a_kind_for_every_folder() -> None:
    """A folder nobody checks is a kind nobody tests; a README line is how a reader finds it."""
    folders = sorted(path.name for path in BAD.iterdir() if path.is_dir())
    assert folders == sorted(kind.name for kind in KINDS)
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    assert [name for name in folders if f"`{name}`" not in readme] == []


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_each_bad_input_exits_as_documented_rejects_exactly_its_bad_records_and_keeps_the_rest(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    kind: Kind,
    tmp_path: Path,
) -> None:
    """What an operator relies on after importing a bad input: the exit code says whether
    anything is missing, the rejects file lists exactly the bad records with their reasons,
    and every other record is in the store, on either database."""
    url = new_database(backend)
    code, out = import_kind(capsys, kind.name, url, tmp_path)
    assert code == kind.exit_code, out
    assert rejected(tmp_path / "rejects.jsonl") == list(kind.rejects)
    assert stored(url) == {table: kind.stored.get(table, 0) for table in TABLES}
    for words in kind.output:
        assert words in out
    if (tmp_path / "report.json").exists():
        totals = report(tmp_path / "report.json")["totals"]
        accounted = totals["inserted"] + totals["existing"] + totals["rejected"] + totals["skipped"]
        assert totals["read"] == accounted, "every record read is imported or rejected"


def test_booleans_spelled_as_words_arrive_as_what_they_say(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    """yes/NO/on/f and 1/0 are how people wrote booleans; each must keep its meaning."""
    url = new_database(backend)
    assert import_kind(capsys, "odd_booleans", url, tmp_path)[0] == 1
    rows = query(url, "SELECT telegram_id, is_friend FROM users ORDER BY telegram_id")
    assert [(telegram_id, bool(friend)) for telegram_id, friend in rows] == [
        (702801, True),
        (702802, False),
        (702803, True),
        (702804, False),
        (702805, True),
        (702806, False),
    ]


def test_negative_and_zero_legacy_ids_get_store_ids_and_keep_their_references(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    """A legacy id of -5 or 0 cannot be a store id, but messages that refer to it must still
    reach the same user."""
    url = new_database(backend)
    assert import_kind(capsys, "negative_and_zero_ids", url, tmp_path)[0] == 0
    assert query(url, "SELECT min(id) FROM users")[0][0] >= 1
    linked = query(
        url,
        "SELECT u.telegram_id, m.message_id FROM messages m JOIN users u ON u.id = m.user_id "
        "ORDER BY m.message_id",
    )
    assert linked == [(702606, -2), (702605, 1)]


def test_the_longest_allowed_names_arrive_whole_in_any_script(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    """The limit is 255 characters, not bytes: 255 Cyrillic letters (510 bytes) must fit."""
    url = new_database(backend)
    assert import_kind(capsys, "string_too_long", url, tmp_path)[0] == 1
    assert query(url, "SELECT telegram_id, username FROM users ORDER BY telegram_id") == [
        (702702, "u" * 255),
        (702703, "ю" * 255),
    ]


async def _timestamps(url: str) -> dict[int, datetime]:
    store = Store(StoreSettings(database_url=url))
    try:
        async with store.engine.connect() as conn:
            rows = await conn.execute(select(MESSAGES.c.message_id, MESSAGES.c.timestamp))
            return {row[0]: row[1] for row in rows}
    finally:
        await store.dispose()


def test_readable_timestamp_spellings_beside_unreadable_ones_mean_the_same_instant(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    """A day-first date and unix seconds are both read, as the same instant (UTC)."""
    url = new_database(backend)
    assert import_kind(capsys, "unreadable_timestamp", url, tmp_path)[0] == 1
    moment = datetime(2025, 10, 27, 13, 47, tzinfo=UTC)
    assert asyncio.run(_timestamps(url)) == {2: moment, 3: moment}


def test_rejected_rows_keep_the_columns_the_store_does_not_know(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    """Rows of a renamed table are rejected, so their text must survive in the rejects file."""
    url = new_database(backend)
    assert import_kind(capsys, "sqlite_unexpected_columns", url, tmp_path)[0] == 1
    lines = rejects(tmp_path / "rejects.jsonl")
    assert [line["record"]["body"] for line in lines] == ["hello", "still here?"]


def test_a_windows_1251_export_imports_once_its_encoding_is_given(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
) -> None:
    """Refused without --encoding (exit 2, nothing imported); with it, every message arrives
    with its Cyrillic text intact."""
    url = new_database(backend)
    kind = "telegram_cp1251_without_encoding"
    assert import_kind(capsys, kind, url, tmp_path)[0] == 2
    code, out = import_kind(capsys, kind, url, tmp_path, "--encoding", "cp1251")
    assert code == 0, out
    assert query(url, "SELECT message_id, text FROM messages ORDER BY message_id") == [
        (1, "Привет"),
        (2, "Как дела?"),
    ]
    assert query(url, "SELECT first_name FROM users ORDER BY telegram_id") == [("Ада",), ("Борис",)]
