"""A legacy SQLite database in the bot's schema, imported into both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from legacy_import.cli import main
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import UserCreate
from tests.legacy.helpers import change, counts, query, report, run

TARGET_OF = {"memory_category_association": "memory_categories"}


def test_every_record_arrives_and_verify_agrees(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
    legacy_counts: dict[str, int],
    tmp_path: Path,
) -> None:
    url = new_database(backend)
    code, out = run(
        capsys, str(legacy_db), "--database-url", url, "--report", str(tmp_path / "r.json")
    )
    assert code == 0, out
    assert "schema was created by the migrations" in out
    expected = {TARGET_OF.get(table, table): rows for table, rows in legacy_counts.items()}
    assert counts(url) == expected
    summary = report(tmp_path / "r.json")
    assert summary["totals"]["inserted"] == sum(expected.values())
    assert summary["schema_created"] is True
    assert main(["verify", str(legacy_db), "--database-url", url]) == 0


def test_second_run_adds_nothing(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
    tmp_path: Path,
) -> None:
    url = new_database(backend)
    assert run(capsys, str(legacy_db), "--database-url", url)[0] == 0
    before = counts(url)
    code, out = run(
        capsys, str(legacy_db), "--database-url", url, "--report", str(tmp_path / "r.json")
    )
    assert code == 0, out
    assert counts(url) == before
    assert report(tmp_path / "r.json")["totals"]["inserted"] == 0


def test_legacy_ids_are_kept_and_the_next_orm_insert_works(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
) -> None:
    url = new_database(backend)
    assert run(capsys, str(legacy_db), "--database-url", url)[0] == 0
    largest = query(url, "SELECT max(id) FROM users")[0][0]

    async def add_user() -> int | None:
        async with Store(StoreSettings(database_url=url)) as store, store.unit_of_work() as uow:
            user = await uow.users.add(UserCreate(telegram_id=9_000_000_001))
            await uow.commit()
            return user.id

    assert asyncio.run(add_user()) == largest + 1


def test_merge_matches_users_by_telegram_id_and_remaps_their_messages(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
) -> None:
    url = new_database(backend)
    legacy_user = query(
        f"sqlite+aiosqlite:///{legacy_db}", "SELECT id, telegram_id FROM users ORDER BY id LIMIT 1"
    )[0]
    legacy_messages = query(
        f"sqlite+aiosqlite:///{legacy_db}",
        f"SELECT count(*) FROM messages WHERE user_id = {legacy_user[0]}",
    )[0][0]

    async def seed() -> int:
        store = Store(StoreSettings(database_url=url))
        try:
            await store.upgrade()
            async with store.unit_of_work() as uow:
                # Occupies the legacy user's id with someone else, then adds the same Telegram user.
                for n in range(legacy_user[0]):
                    await uow.users.add(UserCreate(telegram_id=8_000_000_000 + n))
                same = await uow.users.add(
                    UserCreate(telegram_id=legacy_user[1], first_name="already here")
                )
                await uow.commit()
                assert same.id is not None
                return same.id
        finally:
            await store.dispose()

    existing_id = asyncio.run(seed())
    code, out = run(capsys, str(legacy_db), "--database-url", url)
    assert code == 0, out
    assert query(url, f"SELECT count(*) FROM users WHERE telegram_id = {legacy_user[1]}")[0][0] == 1
    assert (
        query(url, f"SELECT count(*) FROM messages WHERE user_id = {existing_id}")[0][0]
        == legacy_messages
    )
    assert (
        query(url, f"SELECT first_name FROM users WHERE id = {existing_id}")[0][0] == "already here"
    )


def test_a_second_source_with_the_same_messages_adds_only_the_missing_ones(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
    legacy_counts: dict[str, int],
    tmp_path: Path,
) -> None:
    """The first batches are all new, later ones clash with stored messages: on PostgreSQL that
    is the switch from COPY straight into the table to the staging table."""
    url = new_database(backend)
    assert run(capsys, str(legacy_db), "--database-url", url)[0] == 0
    change(url, "DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT 150)")
    same_data = tmp_path / "same-data-elsewhere.db"
    same_data.write_bytes(legacy_db.read_bytes())

    code, out = run(
        capsys,
        str(same_data),
        "--database-url",
        url,
        "--batch-size",
        "100",
        "--report",
        str(tmp_path / "r.json"),
    )

    assert code == 0, out
    messages = report(tmp_path / "r.json")["tables"]["messages"]
    assert messages["inserted"] == 150
    assert messages["existing"] == legacy_counts["messages"] - 150
    assert counts(url)["messages"] == legacy_counts["messages"]
    duplicates = "SELECT count(*) FROM messages GROUP BY chat_id, message_id HAVING count(*) > 1"
    assert query(url, duplicates) == []
