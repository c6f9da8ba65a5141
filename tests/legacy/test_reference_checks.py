"""References are checked set-based, before a batch is written: a row deleted from the store
since it was imported is a rejection with its reason, not a crash; on PostgreSQL the per-row
foreign-key triggers are skipped only where nothing of the operator's depends on triggers."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from sqlmodel_store import Store, StoreSettings
from tests.legacy.helpers import change, counts, query, rejects, run
from tests.pg_server import run_blocking


def _legacy_message(legacy_db: Path, user_id: int, message_id: int) -> None:
    """A message the old bot wrote after the first import, by legacy user `user_id`."""
    with closing(sqlite3.connect(legacy_db)) as db, db:
        chat_id, message_type = db.execute(
            "SELECT chat_id, message_type FROM messages ORDER BY rowid LIMIT 1"
        ).fetchone()
        db.execute(
            "INSERT INTO messages (user_id, chat_id, message_id, text, message_type, timestamp)"
            " VALUES (?, ?, ?, 'written later', ?, '2025-10-27 13:47:00.123456')",
            (user_id, chat_id, message_id, message_type),
        )


def test_a_reference_to_a_row_deleted_since_its_import_is_rejected_with_the_reason(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    backend: str,
    legacy_db: Path,
    tmp_path: Path,
) -> None:
    url = new_database(backend)
    assert run(capsys, str(legacy_db), "--database-url", url)[0] == 0
    legacy = f"sqlite+aiosqlite:///{legacy_db}"
    (gone_legacy, gone_telegram), (kept_legacy, _) = query(
        legacy, "SELECT id, telegram_id FROM users ORDER BY id LIMIT 2"
    )
    (gone_id,) = query(url, f"SELECT id FROM users WHERE telegram_id = {gone_telegram}")[0]
    for table in ("messages", "facts", "stats"):
        change(url, f"DELETE FROM {table} WHERE user_id = {gone_id}")
    change(url, f"DELETE FROM users WHERE id = {gone_id}")
    _legacy_message(legacy_db, gone_legacy, 900_000_001)
    _legacy_message(legacy_db, kept_legacy, 900_000_002)
    before = counts(url)

    code, out = run(
        capsys, str(legacy_db), "--database-url", url, "--rejects", str(tmp_path / "r.jsonl")
    )

    assert code == 1, out
    [reject] = rejects(tmp_path / "r.jsonl")
    assert reject["reason"] == (
        f"user_id: users row {gone_id} that it was matched to no longer exists"
    )
    assert reject["record"]["message_id"] == 900_000_001
    assert counts(url) == {**before, "messages": before["messages"] + 1}
    assert query(url, "SELECT count(*) FROM messages WHERE message_id = 900000002")[0][0] == 1


def test_the_operators_own_triggers_still_fire_during_an_import(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    legacy_db: Path,
    legacy_counts: dict[str, int],
) -> None:
    url = new_database("postgres")

    async def migrate() -> None:
        async with Store(StoreSettings(database_url=url)) as store:
            await store.upgrade()

    run_blocking(migrate())
    change(url, "CREATE TABLE audit (message_id bigint)")
    change(
        url,
        "CREATE FUNCTION audited() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN INSERT INTO audit VALUES (NEW.id); RETURN NEW; END $$",
    )
    change(
        url,
        "CREATE TRIGGER audit_messages AFTER INSERT ON messages"
        " FOR EACH ROW EXECUTE FUNCTION audited()",
    )

    code, out = run(capsys, str(legacy_db), "--database-url", url)

    assert code == 0, out
    assert query(url, "SELECT count(*) FROM audit")[0][0] == legacy_counts["messages"]


@pytest.fixture
def importer_role(postgres_admin_url: str) -> Iterator[str]:
    """A login role that is not a superuser, as an application's database role usually is."""
    role = f"importer_{uuid.uuid4().hex[:8]}"
    change(postgres_admin_url, f"CREATE ROLE {role} LOGIN NOSUPERUSER")
    yield role
    change(postgres_admin_url, f"DROP ROLE {role}")


def test_a_role_that_is_not_a_superuser_imports_everything(
    capsys: pytest.CaptureFixture[str],
    new_database: Callable[[str], str],
    importer_role: str,
    postgres_admin_url: str,
    legacy_db: Path,
    legacy_counts: dict[str, int],
) -> None:
    owned = new_database("postgres")
    change(
        postgres_admin_url, f'ALTER DATABASE "{make_url(owned).database}" OWNER TO {importer_role}'
    )
    url = make_url(owned).set(username=importer_role).render_as_string(hide_password=False)
    try:
        code, out = run(capsys, str(legacy_db), "--database-url", url)
        assert code == 0, out
        assert counts(url)["messages"] == legacy_counts["messages"]
    finally:
        change(owned, f"REASSIGN OWNED BY {importer_role} TO CURRENT_USER")
