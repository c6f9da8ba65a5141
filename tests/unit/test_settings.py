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
    assert pool._pre_ping is True
