"""Settings from the environment, URL normalisation, and the password kept out of sight."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.engine import create_engine
from sqlmodel_store.settings import mask_passwords

SECRET = "s3cr3t-pa55"


def test_defaults_to_the_embedded_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = StoreSettings()
    assert settings.database_url == "sqlite+aiosqlite:///./store.db"
    assert (settings.database_pool_size, settings.database_max_overflow) == (10, 20)
    assert (settings.database_pool_timeout, settings.database_pool_recycle) == (30, 3600)
    assert settings.database_pool_pre_ping is True
    assert settings.database_echo is False
    assert settings.database_pgbouncer is False
    assert settings.database_slow_statement_ms == 500


def test_reads_every_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db.internal:6432/bot")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "4")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "2.5")
    monkeypatch.setenv("DATABASE_POOL_RECYCLE", "60")
    monkeypatch.setenv("DATABASE_ECHO", "true")
    monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
    monkeypatch.setenv("DATABASE_SLOW_STATEMENT_MS", "250")
    settings = Store.from_env().settings
    assert settings.database_url == "postgresql+asyncpg://bot@db.internal:6432/bot"
    assert settings.database_pool_size == 3
    assert settings.database_max_overflow == 4
    assert settings.database_pool_timeout == 2.5
    assert settings.database_pool_recycle == 60
    assert settings.database_echo is True
    assert settings.database_pgbouncer is True
    assert settings.database_slow_statement_ms == 250


@pytest.mark.parametrize(
    "given",
    ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+asyncpg://u@h/db"],
)
def test_postgres_urls_are_normalised_to_asyncpg(given: str) -> None:
    assert StoreSettings(database_url=given).database_url == "postgresql+asyncpg://u@h/db"


def test_plain_sqlite_urls_use_aiosqlite() -> None:
    settings = StoreSettings(database_url="sqlite:///./x.db")
    assert settings.database_url == "sqlite+aiosqlite:///./x.db"
    assert settings.is_sqlite


@pytest.mark.parametrize("given", ["mysql://u:p@h/db", "not a url"])
def test_unsupported_urls_are_refused_with_what_to_use(given: str) -> None:
    with pytest.raises(ValidationError, match="postgresql://"):
        StoreSettings(database_url=given)


def test_password_is_not_in_repr_or_str() -> None:
    settings = StoreSettings(database_url=f"postgresql://bot:{SECRET}@db/bot")
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
    assert "bot:***@db" in repr(settings)
    assert SECRET not in repr(Store(settings))
    assert settings.url.password == SECRET


def test_password_is_not_in_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        StoreSettings(database_url=f"mysql://bot:{SECRET}@db/bot")
    assert SECRET not in str(caught.value)


def test_mask_passwords_hides_every_url_password() -> None:
    text = f"a postgresql://u:{SECRET}@h/db and sqlite:///x and postgres://v:{SECRET}@g"
    masked = mask_passwords(text)
    assert SECRET not in masked
    assert "postgresql://u:***@h/db" in masked
    assert "sqlite:///x" in masked


def test_pool_settings_reach_the_postgres_engine() -> None:
    settings = StoreSettings(
        database_url="postgresql://u@h/db",
        database_pool_size=3,
        database_max_overflow=4,
        database_pool_timeout=5,
        database_pool_recycle=6,
    )
    pool = create_engine(settings).pool
    assert pool.size() == 3  # type: ignore[attr-defined]
    assert pool._max_overflow == 4  # type: ignore[attr-defined]
    assert pool._timeout == 5  # type: ignore[attr-defined]
    assert pool._recycle == 6
    # Pre-ping is the store's own checkout check (engine.TRUSTED_FOR_S), not SQLAlchemy's.
    assert pool.dispatch.checkout


def test_replica_urls_come_from_a_json_list_and_never_show_their_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db1/bot")
    monkeypatch.setenv(
        "DATABASE_READ_URLS", f'["postgresql://bot:{SECRET}@r1/bot", "postgres://bot@r2/bot"]'
    )
    monkeypatch.setenv("DATABASE_READ_WAIT_MS", "50")
    monkeypatch.setenv("DATABASE_REPLICA_RETRY_S", "1.5")
    monkeypatch.setenv("DATABASE_MAX_REPLICA_LAG_S", "4")
    settings = StoreSettings()
    assert settings.database_read_urls == [
        f"postgresql+asyncpg://bot:{SECRET}@r1/bot",
        "postgresql+asyncpg://bot@r2/bot",
    ]
    assert (settings.database_read_wait_ms, settings.database_replica_retry_s) == (50, 1.5)
    assert settings.database_max_replica_lag_s == 4
    assert SECRET not in repr(settings)
    assert "r1/bot" in repr(settings)


def test_replica_settings_default_to_reading_from_the_primary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_READ_URLS", raising=False)
    settings = StoreSettings()
    assert settings.database_read_urls == []
    assert settings.database_read_wait_ms == 200
    assert (settings.database_replica_retry_s, settings.database_max_replica_lag_s) == (5, 30)


def test_replicas_of_a_sqlite_store_are_refused() -> None:
    with pytest.raises(ValidationError, match="PostgreSQL"):
        StoreSettings(database_url="sqlite:///bot.db", database_read_urls=["postgresql://u@r1/bot"])


def test_a_libpq_host_list_is_translated_to_the_query_form() -> None:
    settings = StoreSettings(database_url=f"postgresql://bot:{SECRET}@db1:5432,db2:6432/bot")
    assert settings.url.query["host"] == ("db1:5432", "db2:6432")
    assert settings.url.query["target_session_attrs"] == "read-write"
    assert (settings.url.username, settings.url.password, settings.url.database) == (
        "bot",
        SECRET,
        "bot",
    )
    assert SECRET not in settings.safe_url


def test_a_host_list_keeps_its_other_parameters_and_its_own_session_attrs() -> None:
    url = StoreSettings(
        database_url="postgres://bot@db1,[::1]:5433/bot?target_session_attrs=any&ssl=disable"
    ).url
    assert url.query["host"] == ("db1", "[::1]:5433")
    assert url.query["target_session_attrs"] == "any"
    assert url.query["ssl"] == "disable"


def test_several_query_hosts_connect_only_to_a_writable_server() -> None:
    url = StoreSettings(database_url="postgresql://bot@/bot?host=db1:5432&host=db2:5432").url
    assert url.query["target_session_attrs"] == "read-write"
    assert (
        "target_session_attrs" not in StoreSettings(database_url="postgresql://b@db1/b").url.query
    )


@pytest.mark.parametrize("hosts", ["db1:5432,,db2", "db1:port,db2", "db 1,db2"])
def test_a_malformed_host_list_is_refused_naming_the_bad_host(hosts: str) -> None:
    with pytest.raises(ValidationError, match="is not host or host:port") as refused:
        StoreSettings(database_url=f"postgresql://bot:{SECRET}@{hosts}/bot")
    assert SECRET not in str(refused.value)
